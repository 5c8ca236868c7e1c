//! A second process on a lab that another holds: it attaches to the holder (a ccrsh's embedded
//! service, or ccrd) through the address the holder publishes in the lab directory, sees the
//! holder's changes and makes its own through the same service; a crashed holder's address is
//! cleaned by the next process to take the lab.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};

use crate::support::{Ccrd, Home};

const FIRST_COPY: &str = "(Get-StorageGroupCopyStatus 'CCREX01\\First Storage Group').SummaryCopyStatus";

/// A ccrsh reading statements from a pipe, as a shell left open in another terminal.
struct OpenShell {
    child: Child,
    /// `None` once closed (end of input: the shell exits).
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl OpenShell {
    fn start(home: &Home) -> OpenShell {
        let mut child = home
            .command(&["-NoProfile"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ccrsh starts");
        let input = child.stdin.take();
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        let mut shell = OpenShell { child, input, output };
        // Wait until it holds the lab and serves it.
        assert_eq!(shell.run("'ready'"), "ready");
        shell
    }

    /// Runs `statement` and returns its first line of output.
    fn run(&mut self, statement: &str) -> String {
        let input = self.input.as_mut().expect("open");
        writeln!(input, "{statement}").expect("statement sent");
        input.flush().expect("flushed");
        let mut line = String::new();
        self.output.read_line(&mut line).expect("output read");
        line.trim_end().to_string()
    }
}

impl Drop for OpenShell {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_shells_on_one_lab_see_each_others_changes() {
    let home = Home::new();
    let mut first = OpenShell::start(&home);
    assert!(home.lab().join("address").exists(), "the holder publishes where it serves the lab");
    assert_eq!(first.run("Suspend-StorageGroupCopy 'CCREX01\\First Storage Group' -Confirm:$false; 'done'"), "done");

    // A second shell on the same lab is not refused: it attaches and sees the change.
    let second = home.run(&["-NoProfile", "-c", FIRST_COPY]);
    assert_eq!((second.code, second.stdout.trim()), (0, "Suspended"), "{second:?}");
    // It changes the estate through the same service; the first shell sees that.
    let resume =
        home.run(&["-NoProfile", "-c", "Resume-StorageGroupCopy 'CCREX01\\First Storage Group' -Confirm:$false"]);
    assert_eq!(resume.code, 0, "{resume:?}");
    assert_eq!(first.run(FIRST_COPY), "Healthy");
    // A rehearsal from the second terminal copies the estate through the holder too.
    let script = home.dir.path().join("step.ps1");
    std::fs::write(&script, "Suspend-StorageGroupCopy 'CCREX01\\First Storage Group' -Confirm:$false\n")
        .expect("written");
    let rehearsal = home.run(&["-NoProfile", "-Rehearse", "-File", script.to_str().expect("utf-8")]);
    assert_eq!(rehearsal.code, 0, "{rehearsal:?}");
    assert!(rehearsal.stdout.contains("Suspend-StorageGroupCopy"), "{}", rehearsal.stdout);
    assert_eq!(first.run(FIRST_COPY), "Healthy", "the rehearsal changed nothing");

    // When the holder leaves, it takes its address back and the lab is free for the next one.
    drop(first.input.take());
    let status = first.child.wait().expect("the first shell ends");
    assert!(status.success(), "{status:?}");
    assert!(!home.lab().join("address").exists(), "the address is withdrawn");
    let alone = home.run(&["-NoProfile", "-c", FIRST_COPY]);
    assert_eq!((alone.code, alone.stdout.trim()), (0, "Healthy"), "{alone:?}");
}

#[test]
fn a_crashed_holders_address_is_detected_by_the_lock_and_cleaned() {
    let home = Home::new();
    let mut first = OpenShell::start(&home);
    assert_eq!(first.run("Stop-LabNode NH-W2K3-SRV05 -Confirm:$false; 'off'"), "off");
    first.child.kill().expect("killed");
    first.child.wait().expect("reaped");
    assert!(home.lab().join("address").exists(), "a crash leaves the address behind");
    let next = home.run(&["-NoProfile", "-c", "(Get-LabNode NH-W2K3-SRV05).PowerState"]);
    assert_eq!((next.code, next.stdout.trim()), (0, "Off"), "the next shell holds the lab itself: {next:?}");
    assert!(!home.lab().join("address").exists(), "and removed the stale address before serving");
}

#[test]
fn a_shell_on_a_lab_that_ccrd_holds_attaches_to_ccrd() {
    let home = Home::new();
    let ccrd = Ccrd::start(&home.lab());
    let token = ccrd.admin_token();
    let through_ccrd = home.run(&[
        "--server",
        &ccrd.url,
        "--token",
        &token,
        "-c",
        "Suspend-StorageGroupCopy 'CCREX01\\Second Storage Group' -Confirm:$false",
    ]);
    assert_eq!(through_ccrd.code, 0, "{through_ccrd:?}");
    let attached = home.run(&[
        "-NoProfile",
        "-c",
        "(Get-StorageGroupCopyStatus 'CCREX01\\Second Storage Group').SummaryCopyStatus",
    ]);
    assert_eq!((attached.code, attached.stdout.trim()), (0, "Suspended"), "{attached:?}");
    let status = ccrd.terminate();
    assert!(status.success(), "{status:?}");
    assert!(!home.lab().join("address").exists(), "ccrd takes its address back when it stops");
}
