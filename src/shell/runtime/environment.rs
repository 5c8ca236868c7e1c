//! The Env provider: the shell's environment variables (`$env:NAME`, `Env:`,
//! `[Environment]::GetEnvironmentVariable`). The process environment is read as it was at
//! start; changes made by a script live in an overlay on this thread (the shell runs scripts
//! on one thread, and changing the real process environment would need `unsafe`).
//!
//! Names are matched exactly first, then without regard to case, so scripts written for
//! Windows (`$env:ComputerName`, `$env:Path`) find the variable.
//!
//! Owns: the overlay and the lookups every reader shares.
//!
//! Must not: evaluate script or print.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Names the computer the session runs on when asked (`None`: this machine): the lab's
/// management workstation is asked of ccrd only when a script first reads it, so the shell
/// does not wait for the lab to open before it starts.
pub type ComputerName = Rc<dyn Fn() -> Option<String>>;

thread_local! {
    /// Variables set (`Some`) or removed (`None`) since start, by exact name.
    static OVERLAY: RefCell<BTreeMap<String, Option<String>>> = const { RefCell::new(BTreeMap::new()) };
    /// The computer the session runs on, when the shell says (the lab's management
    /// workstation, or the node inside `Enter-PSSession`); `None`: this machine.
    static SESSION_COMPUTER: RefCell<Option<ComputerName>> = const { RefCell::new(None) };
}

/// Sets the computer the session runs on: `$env:COMPUTERNAME`, `hostname` and
/// `[Environment]::MachineName` name it.
pub fn set_session_computer(name: Option<String>) {
    set_session_computer_named_by(Rc::new(move || name.clone()));
}

/// As [`set_session_computer`], with the name asked of `name` each time it is read.
pub fn set_session_computer_named_by(name: ComputerName) {
    SESSION_COMPUTER.with(|c| *c.borrow_mut() = Some(name));
}

/// The computer the session runs on, when one was set.
pub fn session_computer() -> Option<String> {
    let name = SESSION_COMPUTER.with(|c| c.borrow().clone())?;
    name()
}

/// The value of `name`, or `None` when it is not set.
pub fn get(name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let overlaid = OVERLAY.with(|o| {
        let o = o.borrow();
        o.get(name).cloned().or_else(|| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()))
    });
    match overlaid {
        Some(value) => value,
        None if name.eq_ignore_ascii_case("COMPUTERNAME") && session_computer().is_some() => session_computer(),
        None => std::env::var(name).ok().or_else(|| {
            std::env::vars().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v).or_else(|| synthesized(name))
        }),
    }
}

/// Sets `name` (or removes it, with `None` or an empty value, as .NET does).
pub fn set(name: &str, value: Option<&str>) {
    let value = value.filter(|v| !v.is_empty()).map(str::to_string);
    // Setting `path` when `PATH` exists changes `PATH`, as on Windows.
    let key = names().into_iter().find(|k| k.eq_ignore_ascii_case(name)).unwrap_or_else(|| name.to_string());
    OVERLAY.with(|o| o.borrow_mut().insert(key, value));
}

/// Every variable that is set, sorted by name.
pub fn vars() -> Vec<(String, String)> {
    let mut all: BTreeMap<String, String> = std::env::vars().collect();
    OVERLAY.with(|o| {
        for (k, v) in o.borrow().iter() {
            match v {
                Some(v) => all.insert(k.clone(), v.clone()),
                None => all.remove(k),
            };
        }
    });
    all.into_iter().collect()
}

fn names() -> Vec<String> {
    vars().into_iter().map(|(k, _)| k).collect()
}

/// Windows variables scripts read that a Unix environment lacks.
fn synthesized(name: &str) -> Option<String> {
    match name.to_ascii_uppercase().as_str() {
        "COMPUTERNAME" => Some(super::dotnet::machine_name().to_uppercase()),
        "USERNAME" => Some(user_name()),
        "TEMP" | "TMP" => Some(std::env::temp_dir().display().to_string()),
        "USERPROFILE" => std::env::var("HOME").ok(),
        _ => None,
    }
}

/// The user running the shell: `$USER`, or when it is not set (a service, `env -i`, a
/// container) the name the password database gives the effective uid, else the uid itself.
pub fn user_name() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| {
        let uid = rustix::process::geteuid().as_raw();
        std::fs::read_to_string("/etc/passwd")
            .ok()
            .and_then(|passwd| user_of(&passwd, uid))
            .unwrap_or_else(|| uid.to_string())
    })
}

/// The name `/etc/passwd` gives `uid` (`name:x:uid:gid:…`).
fn user_of(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)?.parse::<u32>().ok()? == uid && !name.is_empty()).then(|| name.to_string())
    })
}

/// `%NAME%` replaced by the variable's value (an unknown name stays as written), as
/// `ExpandEnvironmentVariables` and the text after `--%` do.
pub fn expand_percent(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('%').filter(|end| *end > 0).and_then(|end| get(&after[..end]).map(|v| (end, v))) {
            Some((end, value)) => {
                out.push_str(&value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overlay_sets_removes_and_matches_without_case() {
        assert_eq!(get("CCRSH_TEST_OVERLAY_VAR"), None);
        set("CCRSH_TEST_OVERLAY_VAR", Some("one"));
        assert_eq!(get("ccrsh_test_overlay_var").as_deref(), Some("one"));
        assert!(vars().iter().any(|(k, v)| k == "CCRSH_TEST_OVERLAY_VAR" && v == "one"));
        assert_eq!(expand_percent("x%CCRSH_TEST_OVERLAY_VAR%y%nope%"), "xoney%nope%");
        set("ccrsh_test_overlay_var", None);
        assert_eq!(get("CCRSH_TEST_OVERLAY_VAR"), None, "removing by another case removes the same variable");
        assert!(get("COMPUTERNAME").is_some());
    }

    #[test]
    fn a_user_is_named_from_the_password_database_by_uid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n# a comment\nexadmin:x:1000:1000::/home/exadmin:/bin/sh\n";
        assert_eq!(user_of(passwd, 1000).as_deref(), Some("exadmin"));
        assert_eq!(user_of(passwd, 0).as_deref(), Some("root"));
        assert_eq!(user_of(passwd, 4242), None);
        assert!(!user_name().is_empty());
    }
}
