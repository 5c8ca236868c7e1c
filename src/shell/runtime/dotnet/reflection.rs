//! `[System.Reflection.Assembly]` (`LoadWithPartialName`, `Load`, `LoadFrom`, `LoadFile`) and
//! the assembly names `Add-Type -AssemblyName` accepts. ccrsh has no CLR: the types it knows
//! are always there, so loading one of the .NET Framework's own assemblies succeeds and adds
//! nothing (a type outside ccrsh's set is still "Unable to find type"), and loading an
//! assembly from a file is refused, as nothing could run it.
//!
//! Owns: the Assembly type, the list of framework assemblies, their Assembly objects.
//!
//! Must not: read files or pretend to load code.

use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::object::{Member, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Record, Value};

use super::arg_text;

/// The .NET Framework 2.0/3.5 assemblies scripts of PowerShell 1.0's time load: name,
/// version, public key token, whether it is in the GAC's 32-bit (mixed-mode) folder.
const FRAMEWORK: &[(&str, &str, &str, bool)] = &[
    ("mscorlib", "2.0.0.0", "b77a5c561934e089", true),
    ("System", "2.0.0.0", "b77a5c561934e089", false),
    ("System.Configuration", "2.0.0.0", "b03f5f7f11d50a3a", false),
    ("System.Core", "3.5.0.0", "b77a5c561934e089", false),
    ("System.Data", "2.0.0.0", "b77a5c561934e089", true),
    ("System.DirectoryServices", "2.0.0.0", "b03f5f7f11d50a3a", false),
    ("System.Drawing", "2.0.0.0", "b03f5f7f11d50a3a", false),
    ("System.Management", "2.0.0.0", "b03f5f7f11d50a3a", false),
    ("System.Management.Automation", "1.0.0.0", "31bf3856ad364e35", false),
    ("System.Security", "2.0.0.0", "b03f5f7f11d50a3a", false),
    ("System.ServiceProcess", "2.0.0.0", "b03f5f7f11d50a3a", false),
    ("System.Web", "2.0.0.0", "b03f5f7f11d50a3a", true),
    ("System.Windows.Forms", "2.0.0.0", "b77a5c561934e089", false),
    ("System.Xml", "2.0.0.0", "b77a5c561934e089", false),
    ("System.Xml.Linq", "3.5.0.0", "b77a5c561934e089", false),
    ("Microsoft.VisualBasic", "8.0.0.0", "b03f5f7f11d50a3a", false),
];

/// The framework assembly a name means (`System.Web`, or its full name
/// `System.Web, Version=2.0.0.0, …`), in any case, as its Assembly object.
pub fn framework_assembly(name: &str) -> Option<Value> {
    let simple = name.split(',').next().unwrap_or_default().trim();
    let (name, version, token, mixed) = FRAMEWORK.iter().find(|(n, ..)| n.eq_ignore_ascii_case(simple))?;
    let full_name = format!("{name}, Version={version}, Culture=neutral, PublicKeyToken={token}");
    let folder = if *mixed { "GAC_32" } else { "GAC_MSIL" };
    Some(Value::record(
        Record::new("System.Reflection.Assembly")
            .with_text(full_name.as_str())
            .with("GlobalAssemblyCache", true)
            .with("ImageRuntimeVersion", "v2.0.50727")
            .with("Location", format!(r"C:\WINDOWS\assembly\{folder}\{name}\{version}__{token}\{name}.dll"))
            .with("FullName", full_name),
    ))
}

pub struct AssemblyType;
pub static ASSEMBLY: AssemblyType = AssemblyType;

impl NetType for AssemblyType {
    fn full_name(&self) -> &'static str {
        "System.Reflection.Assembly"
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let method = name.to_ascii_lowercase();
        Some(match (method.as_str(), args) {
            // .NET answers $null for a name it cannot find.
            ("loadwithpartialname", [_]) => Ok(framework_assembly(&arg_text(args, 0)).unwrap_or(Value::Null)),
            ("load", [_]) => {
                let text = arg_text(args, 0);
                framework_assembly(&text).ok_or_else(|| {
                    method_threw(
                        name,
                        1,
                        &format!(
                            "Could not load file or assembly '{text}' or one of its dependencies. The system cannot find the file specified."
                        ),
                    )
                    .exception("System.IO.FileNotFoundException")
                    .with_hint(no_clr_hint())
                })
            }
            ("loadfrom" | "loadfile", [_]) => Err(method_threw(
                name,
                1,
                &format!(
                    "Could not load file or assembly '{}' or one of its dependencies. ccrsh has no CLR to run it.",
                    arg_text(args, 0)
                ),
            )
            .exception("System.IO.FileLoadException")
            .with_hint(no_clr_hint())),
            ("loadwithpartialname" | "load" | "loadfrom" | "loadfile", _) => Err(overload_not_found(name, args.len())),
            _ => return None,
        })
    }

    fn static_members(&self) -> Vec<Member> {
        vec![
            Member::method(
                "LoadWithPartialName",
                "static System.Reflection.Assembly LoadWithPartialName(string partialName)",
            ),
            Member::method("Load", "static System.Reflection.Assembly Load(string assemblyString)"),
            Member::method("LoadFrom", "static System.Reflection.Assembly LoadFrom(string assemblyFile)"),
            Member::method("LoadFile", "static System.Reflection.Assembly LoadFile(string path)"),
        ]
    }
}

/// What to do instead of loading .NET code.
pub fn no_clr_hint() -> &'static str {
    "ccrsh has no CLR: it cannot load or compile .NET code; the .NET types it knows are always there (docs/GUIDE.md, \".NET types\")."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_assemblies_load_and_others_do_not() {
        let web = framework_assembly("system.web").map(|v| v.to_display_string());
        assert_eq!(
            web.as_deref(),
            Some("System.Web, Version=2.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a")
        );
        assert!(framework_assembly("System.Windows.Forms, Version=2.0.0.0, Culture=neutral").is_some());
        assert!(framework_assembly("Contoso.Tools").is_none());
        let partial = ASSEMBLY.static_method("LoadWithPartialName", &[Value::from("Contoso.Tools")]);
        assert!(matches!(partial, Some(Ok(Value::Null))), "an unknown partial name is $null, as in .NET");
        assert!(matches!(ASSEMBLY.static_method("LoadFrom", &[Value::from("C:\\x.dll")]), Some(Err(_))));
    }
}
