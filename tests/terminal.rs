//! The REPL on a real pseudo-terminal (rexpect): Ctrl+C at a Confirm prompt or a
//! mandatory-parameter prompt cancels the command and changes nothing, and the next line typed
//! runs as a command; Ctrl+C while a seed is in flight stops the wait and says the seed goes on
//! in ccrd. `^C` and the message are on separate lines.

use std::process::Command;

use rexpect::session::{PtySession, spawn_command};

use crate::support::{Ccrd, Home};

const TIMEOUT_MS: u64 = 30_000;

/// ccrsh's REPL for `home` on a pseudo-terminal, waiting at its first prompt.
fn repl(home: &Home, extra: &[&str]) -> PtySession {
    let mut args = vec!["-NoProfile", "-NoLogo"];
    args.extend_from_slice(extra);
    let mut command = home.command(&args);
    command.env("TERM", "xterm");
    let mut session = spawn_command(command, Some(TIMEOUT_MS)).expect("ccrsh starts on a pty");
    session.exp_string("PS> ").expect("the first prompt");
    session
}

/// Types `line` and waits for the output it should produce (after the echo of the line).
fn run_and_expect(session: &mut PtySession, line: &str, output: &str) {
    session.send_line(line).expect("typed");
    session.exp_string(&format!("\n{output}")).unwrap_or_else(|e| panic!("`{line}` did not print {output:?}: {e}"));
    session.exp_string("PS> ").expect("back at the prompt");
}

#[test]
fn ctrl_c_at_a_confirm_prompt_cancels_the_command_and_changes_nothing() {
    let home = Home::new();
    let mut shell = repl(&home, &[]);
    shell.send_line("Dismount-Database 'CCREX01\\First Storage Group\\Mailbox Database'").expect("typed");
    shell.exp_string("Are you sure you want to perform this action?").expect("the Confirm caption");
    shell.exp_string("(default is \"Y\"): ").expect("the choices");
    shell.send_control('c').expect("Ctrl+C");
    // `^C` ends the prompt's line; the message is on the next one.
    let (_, shown) = shell.exp_regex(r"\^C\r\n[^\r\n]*stopped[^\r\n]*").expect("^C, then the message");
    assert!(shown.contains("The running command stopped because the user interrupted the command."), "{shown:?}");
    shell.exp_string("PS> ").expect("back at the prompt");
    // The next line is a command, not the prompt's answer; the database is still mounted.
    run_and_expect(&mut shell, "(Get-MailboxDatabase -Status).Mounted", "True");
    run_and_expect(&mut shell, "$Error[0].Exception.GetType().Name", "PipelineStoppedException");
    shell.send_line("exit").expect("typed");
    shell.exp_eof().expect("the shell ends");
}

#[test]
fn ctrl_c_at_a_mandatory_parameter_prompt_cancels_the_command() {
    let home = Home::new();
    let mut shell = repl(&home, &[]);
    shell.send_line("Dismount-Database -Confirm:$false").expect("typed");
    shell.exp_string("Supply values for the following parameters:").expect("the mandatory prompt");
    shell.exp_string("Identity: ").expect("asks for -Identity");
    shell.send_control('c').expect("Ctrl+C");
    let (_, shown) = shell.exp_regex(r"\^C\r\n[^\r\n]*stopped[^\r\n]*").expect("^C, then the message");
    assert!(shown.contains("interrupted the command"), "{shown:?}");
    shell.exp_string("PS> ").expect("back at the prompt");
    run_and_expect(&mut shell, "'typed after'", "typed after");
    run_and_expect(&mut shell, "(Get-MailboxDatabase -Status).Mounted", "True");
    shell.send_line("exit").expect("typed");
    shell.exp_eof().expect("the shell ends");
}

#[test]
fn ctrl_c_while_a_seed_is_in_flight_says_the_seed_goes_on_in_ccrd() {
    let lab = tempfile::tempdir().expect("temp dir");
    let ccrd = Ccrd::start(&lab.path().join("lab"));
    let home = Home::new();
    let token = ccrd.admin_token();
    let mut shell = repl(&home, &["--server", &ccrd.url, "--token", &token]);
    // Freeze ccrd so the seed's call is still in flight when Ctrl+C comes.
    let signal = |name: &str| {
        let status = Command::new("kill").args([name, &ccrd.pid().to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill {name}");
    };
    signal("-STOP");
    shell
        .send_line("Update-StorageGroupCopy 'CCREX01\\First Storage Group' -DeleteExistingFiles -Force")
        .expect("typed");
    shell.exp_string("Force").expect("the line is echoed");
    std::thread::sleep(std::time::Duration::from_millis(500));
    shell.send_control('c').expect("Ctrl+C");
    let answer = shell.exp_regex(r"\^C\r\n[^\r\n]*seed goes on in ccrd[^\r\n]*");
    signal("-CONT");
    let (_, shown) = answer.expect("^C, then the message");
    assert!(shown.contains("Get-StorageGroupCopyStatus shows its progress"), "{shown:?}");
    assert!(!shown.contains("The running command stopped"), "{shown:?}");
    shell.exp_string("PS> ").expect("back at the prompt");
    run_and_expect(&mut shell, "'still here'", "still here");
    shell.send_line("exit").expect("typed");
    shell.exp_eof().expect("the shell ends");
}
