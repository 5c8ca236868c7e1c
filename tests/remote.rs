//! ccrsh against a ccrd started on 127.0.0.1:0: the same answers as the embedded lab, tokens
//! and roles, a clean shutdown on SIGTERM.

use crate::support::{Ccrd, Home, Run};

const COMMANDS: &str = "Get-ClusteredMailboxServerStatus CCREX01; Get-StorageGroupCopyStatus | ConvertTo-Json; \
                        Get-StorageGroup; Get-MailboxDatabase -Status; Get-PublicFolderDatabase; Get-MailboxServer";

fn remote(home: &Home, url: &str, token: Option<&str>, command: &str) -> Run {
    let mut args = vec!["--server", url];
    if let Some(token) = token {
        args.extend(["--token", token]);
    }
    args.extend(["-c", command]);
    home.run(&args)
}

#[test]
fn a_remote_ccrd_gives_the_same_output_as_the_embedded_lab() {
    let home = Home::new();
    let embedded = home.run(&["-c", COMMANDS]);
    assert_eq!(embedded.code, 0, "{embedded:?}");
    let other = Home::new();
    let ccrd = Ccrd::start(&other.lab());
    let run = remote(&home, &ccrd.url, Some(&ccrd.admin_token()), COMMANDS);
    assert_eq!(run.code, 0, "{run:?}");
    // Two labs built moments apart: their first logs closed at different times.
    let time = regex::Regex::new(r#""\d{4}-\d{2}-\d{2}T[0-9:.]+Z""#).expect("pattern");
    assert!(time.is_match(&embedded.stdout), "{}", embedded.stdout);
    assert_eq!(time.replace_all(&run.stdout, "<time>"), time.replace_all(&embedded.stdout, "<time>"));
}

#[test]
fn the_server_and_token_can_come_from_the_environment() {
    let (home, served) = (Home::new(), Home::new());
    let ccrd = Ccrd::start(&served.lab());
    let mut command = home.command(&["-c", "Get-MailboxServer CCREX01 | Format-List Name"]);
    command.env("CCRSH_SERVER", &ccrd.url).env("CCRSH_TOKEN", ccrd.viewer_token());
    let run = crate::support::finish(command, "");
    assert_eq!((run.code, run.stdout.trim()), (0, "Name : CCREX01"), "{run:?}");
}

#[test]
fn a_wrong_or_missing_token_is_access_denied_and_the_viewer_token_reads() {
    let (home, served) = (Home::new(), Home::new());
    let ccrd = Ccrd::start(&served.lab());
    for token in [Some("not-the-token"), None] {
        let run = remote(&home, &ccrd.url, token, "Get-StorageGroupCopyStatus");
        assert_eq!(run.code, 1, "{token:?}: {run:?}");
        assert!(run.stdout.is_empty());
        assert!(run.stderr.starts_with("Get-StorageGroupCopyStatus: Access is denied."), "{}", run.stderr);
        assert!(run.stderr.contains("--token"), "says what to do: {}", run.stderr);
    }
    let run = remote(&home, &ccrd.url, Some(&ccrd.viewer_token()), "Get-StorageGroupCopyStatus");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("First Storage Group"));
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let home = Home::new();
    // Bind and drop a listener so the port is known to be closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let run = remote(&home, &format!("http://127.0.0.1:{port}"), Some("x"), "Get-MailboxServer");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("could not be reached"), "{}", run.stderr);
    assert!(run.stderr.contains("Check that ccrd is running"), "{}", run.stderr);
}

#[test]
fn ccrd_stops_cleanly_on_sigterm_and_releases_the_lab() {
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let second = std::process::Command::new(env!("CARGO_BIN_EXE_ccrd"))
        .args(["--lab", home.lab().to_str().expect("utf-8"), "--listen", "127.0.0.1:0"])
        .output()
        .expect("second ccrd runs");
    assert_eq!(second.status.code(), Some(1), "a second ccrd on the same lab is refused");
    assert!(String::from_utf8_lossy(&second.stderr).contains("in use by another process"));
    let status = ccrd.terminate();
    assert!(status.success(), "ccrd exits 0 on SIGTERM: {status:?}");
    let run = home.run(&["-c", "Get-MailboxServer CCREX01 | Format-List Name"]);
    assert_eq!(run.code, 0, "the lab is free again: {run:?}");
}

#[test]
fn an_embedded_lab_whose_estate_cannot_be_read_says_why_and_changes_nothing() {
    // The shell starts while its lab opens on the service's thread: a lab that cannot be opened
    // is still reported, with the lab's own words, before any command runs.
    let home = Home::new();
    let made = home.run(&["-c", "Get-MailboxServer CCREX01 | Format-List Name"]);
    assert_eq!(made.code, 0, "{made:?}");
    let estate = home.lab().join("estate.db");
    let c = rusqlite::Connection::open(&estate).expect("the estate opens");
    c.execute_batch("UPDATE meta SET value = '99' WHERE key = 'schema_version'").expect("a future schema");
    drop(c);
    let before = std::fs::read(&estate).expect("reads");
    let run = home.run(&["-c", "Suspend-StorageGroupCopy 'CCREX01\\First Storage Group' -Confirm:$false"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("schema version 99"), "{}", run.stderr);
    assert!(run.stderr.contains(&home.lab().display().to_string()), "{}", run.stderr);
    assert!(!run.stdout.contains("Suspend"), "{}", run.stdout);
    assert_eq!(std::fs::read(&estate).expect("reads"), before, "nothing was written");
}
