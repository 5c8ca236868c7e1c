//! `[System.Environment]` (machine and user names, the newline, environment variables, the
//! process's working directory) and `[System.Guid]`.
//!
//! Owns: the Environment and Guid types.
//!
//! Must not: change the process environment except through `SetEnvironmentVariable`.

use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::environment as env;
use crate::shell::runtime::object::Member;
use crate::shell::runtime::types::NetType;
use crate::shell::value::Value;

use super::arg_text;

pub struct Environment;
pub static ENVIRONMENT: Environment = Environment;

/// The machine's host name, as `[Environment]::MachineName` and `hostname` give it: the
/// session's computer when the shell set one (the lab's workstation, or a node inside
/// `Enter-PSSession`), else this machine's.
pub fn machine_name() -> String {
    if let Some(computer) = env::session_computer() {
        return computer;
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// The user running the shell.
pub fn user_name() -> String {
    crate::shell::runtime::environment::user_name()
}

impl NetType for Environment {
    fn full_name(&self) -> &'static str {
        "System.Environment"
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "newline" => Value::from("\n"),
            "machinename" => Value::String(machine_name()),
            "username" => Value::String(user_name()),
            "userdomainname" => Value::String(machine_name()),
            "currentdirectory" => {
                Value::String(std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default())
            }
            "processorcount" => Value::Int(std::thread::available_parallelism().map_or(1, |n| n.get()) as i64),
            "is64bitprocess" | "is64bitoperatingsystem" => Value::Bool(cfg!(target_pointer_width = "64")),
            "osversion" => Value::from("Unix"),
            "tickcount" | "tickcount64" => Value::Int(uptime_millis()),
            "processid" => Value::Int(i64::from(std::process::id())),
            _ => return None,
        })
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(Ok(match name.to_ascii_lowercase().as_str() {
            "getenvironmentvariable" => env::get(&arg_text(args, 0)).map_or(Value::Null, Value::String),
            "getenvironmentvariables" => {
                let mut table = crate::shell::value::Hashtable::new();
                for (k, v) in env::vars() {
                    table.insert(Value::String(k), Value::String(v));
                }
                table.into_value()
            }
            "setenvironmentvariable" => {
                let key = arg_text(args, 0);
                if key.is_empty() || key.contains('=') || key.contains('\0') {
                    return Some(Err(crate::shell::runtime::object::method_threw(
                        name,
                        args.len(),
                        "Environment variable name cannot contain equal character. (Parameter 'variable')",
                    )));
                }
                env::set(&key, args.get(1).map(Value::to_display_string).as_deref());
                Value::Null
            }
            "getfolderpath" => Value::String(env::get("HOME").unwrap_or_default()),
            "expandenvironmentvariables" => Value::String(env::expand_percent(&arg_text(args, 0))),
            _ => return None,
        }))
    }

    fn static_members(&self) -> Vec<Member> {
        vec![
            Member::method("GetEnvironmentVariable", "static string GetEnvironmentVariable(string variable)"),
            Member::method(
                "SetEnvironmentVariable",
                "static void SetEnvironmentVariable(string variable, string value)",
            ),
            Member::method("ExpandEnvironmentVariables", "static string ExpandEnvironmentVariables(string name)"),
            Member::property("CurrentDirectory", "static string CurrentDirectory {get;set;}"),
            Member::property("MachineName", "static string MachineName {get;}"),
            Member::property("NewLine", "static string NewLine {get;}"),
            Member::property("ProcessorCount", "static int ProcessorCount {get;}"),
            Member::property("UserName", "static string UserName {get;}"),
        ]
    }
}

fn uptime_millis() -> i64 {
    std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|t| t.split_whitespace().next().and_then(|s| s.parse::<f64>().ok()))
        .map_or(0, |s| (s * 1000.0) as i64)
}

pub struct Guid;
pub static GUID: Guid = Guid;

/// A new random (version 4) GUID in its `D` form.
pub fn new_guid() -> Result<String, ErrorRecord> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ErrorRecord::new("RandomFailed", "NotSpecified", e.to_string()))?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}

impl NetType for Guid {
    fn full_name(&self) -> &'static str {
        "System.Guid"
    }

    fn accelerators(&self) -> &'static [&'static str] {
        &["guid"]
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        name.eq_ignore_ascii_case("Empty").then(|| Value::from("00000000-0000-0000-0000-000000000000"))
    }

    fn static_method(&self, name: &str, _: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        name.eq_ignore_ascii_case("NewGuid").then(|| new_guid().map(Value::String))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_and_guid() {
        assert_eq!(ENVIRONMENT.static_property("NewLine"), Some(Value::from("\n")));
        assert!(matches!(ENVIRONMENT.static_property("MachineName"), Some(Value::String(s)) if !s.is_empty()));
        let g = new_guid().expect("guid");
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4", "version 4");
        assert_ne!(new_guid().ok(), Some(g));
    }
}
