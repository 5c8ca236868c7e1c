//! The Windows programs an Exchange 2007 administrator's scripts call by name: `setup.com`
//! (Exchange's unattended setup), `hostname`, `cluster.exe` (Windows Server 2003's cluster
//! command line), `eseutil` (Exchange's database utility) and `ping`. They are not cmdlets:
//! the interpreter hands them their arguments as words, they print lines of text and set
//! `$LASTEXITCODE`.
//!
//! Must not: take PowerShell parameters, ask for confirmation, or decide anything about the
//! estate (ccrd does).

use super::Context;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

/// A program: its words in, its lines out.
pub type NativeFn = fn(&[String], &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord>;

/// A program the shell knows, with the name errors give it.
pub struct Native {
    pub name: &'static str,
    pub run: NativeFn,
}

/// The program `command` names (`setup`, `setup.com`, `.\setup.com`, `hostname.exe`,
/// `cluster`, `C:\WINDOWS\system32\cluster.exe`…), if it is one of these.
pub fn find(command: &str) -> Option<Native> {
    let file = command.rsplit(['\\', '/']).next().unwrap_or(command).to_ascii_lowercase();
    let stem = file.strip_suffix(".exe").or_else(|| file.strip_suffix(".com")).unwrap_or(&file);
    match stem {
        "setup" => Some(Native { name: "setup.com", run: super::setup::run }),
        "hostname" => Some(Native { name: "hostname", run: hostname }),
        "cluster" => Some(Native { name: "cluster.exe", run: super::cluster_exe::run }),
        "eseutil" => Some(Native { name: "eseutil.exe", run: super::eseutil::run }),
        "ping" => Some(Native { name: "ping.exe", run: super::connection::ping }),
        _ => None,
    }
}

/// `hostname`: the computer the session runs on (the workstation, or the node inside
/// `Enter-PSSession` / `Invoke-Command`).
fn hostname(words: &[String], cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    if let Some(word) = words.first() {
        set_exit_code(cx, 1);
        return Err(ErrorRecord::new(
            "NativeCommandError",
            "InvalidArgument",
            format!("sethostname: Use the Network Control Panel Applet to set hostname. ('{word}' was given.)"),
        )
        .with_hint("hostname takes no arguments; it prints the computer's name."));
    }
    set_exit_code(cx, 0);
    Ok(vec![Value::String(crate::shell::runtime::dotnet::machine_name())])
}

/// `$LASTEXITCODE`, which every native program sets.
pub fn set_exit_code(cx: &mut Context<'_>, code: i64) {
    let _ = cx.engine.set_variable("global:LASTEXITCODE", Value::Int(code));
}
