//! `Add-Type`: the .NET Framework's own assemblies are accepted and add nothing (ccrsh has no
//! CLR; the types it knows are always there); compiling or loading .NET code is refused with
//! what to do instead.
//!
//! Owns: Add-Type's answers. Must not: read the files -Path names, or pretend a type was added.

use super::Context;
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::dotnet::{framework_assembly, no_clr_hint};
use crate::shell::value::Value;

pub fn add_type(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let Some(names) = call.strings("AssemblyName") else {
        let what = if call.get("Path").is_some() { "load the files" } else { "compile the source code" };
        return Err(ErrorRecord::new(
            "AddTypeNoClr",
            "NotImplemented",
            format!("Cannot add type: ccrsh has no CLR to {what}."),
        )
        .exception("System.NotSupportedException")
        .with_hint(no_clr_hint()));
    };
    // Every name is checked before anything is answered, so a bad one adds nothing.
    let assemblies = names
        .iter()
        .map(|name| {
            framework_assembly(name).ok_or_else(|| {
                ErrorRecord::new(
                    "ASSEMBLY_NOT_FOUND",
                    "ObjectNotFound",
                    format!("Cannot add type. The assembly '{name}' could not be found."),
                )
                .with_hint("Add-Type -AssemblyName takes the .NET Framework's assemblies (System.Web, System.Windows.Forms, …).")
            })
        })
        .collect::<Result<Vec<Value>, ErrorRecord>>()?;
    Ok(if call.switch("PassThru") { assemblies } else { Vec::new() })
}
