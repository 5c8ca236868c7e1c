//! The REPL on a real pseudo-terminal (rexpect): Ctrl+C at a Confirm prompt or a
//! mandatory-parameter prompt cancels the command and changes nothing, and the next line typed
//! runs as a command; Ctrl+C while a seed is in flight stops the wait and says the seed goes on
//! in ccrd. `^C` and the message are on separate lines. A viewer is refused before the Confirm
//! prompt; the banner says when the lab is not as seeded; completion offers what each
//! parameter takes; a password is typed behind `*`s.

use std::process::Command;

use rexpect::session::{PtySession, spawn_command};

use crate::support::{Ccrd, Home};

const TIMEOUT_MS: u64 = 30_000;

/// ccrsh's REPL for `home` on a pseudo-terminal, waiting at its first prompt.
fn repl(home: &Home, extra: &[&str]) -> PtySession {
    let mut args = vec!["-NoLogo"];
    args.extend_from_slice(extra);
    start(home, &args).0
}

/// ccrsh with `args` on a pseudo-terminal, and what it printed before its first prompt.
fn start(home: &Home, args: &[&str]) -> (PtySession, String) {
    let mut all = vec!["-NoProfile"];
    all.extend_from_slice(args);
    let mut command = home.command(&all);
    command.env("TERM", "xterm");
    let mut session = spawn_command(command, Some(TIMEOUT_MS)).expect("ccrsh starts on a pty");
    let before = session.exp_string("PS> ").expect("the first prompt");
    (session, before)
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
    // A seed starts from a suspended copy.
    run_and_expect(
        &mut shell,
        "Suspend-StorageGroupCopy 'CCREX01\\First Storage Group' -Confirm:$false; 'suspended'",
        "suspended",
    );
    signal("-STOP");
    shell
        .send_line("Update-StorageGroupCopy 'CCREX01\\First Storage Group' -DeleteExistingFiles -Force")
        .expect("typed");
    shell.exp_string("Force").expect("the line is echoed");
    wait_for_unread_request(&ccrd.url);
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

/// Waits until bytes sent to the (stopped) server at `url` sit unread in a socket of its port:
/// the shell's request is then in flight, however slowly the machine ran the shell up to it.
fn wait_for_unread_request(url: &str) {
    let port = url.rsplit(':').next().and_then(|p| p.trim_end_matches('/').parse::<u16>().ok()).expect("a port");
    let local = format!(":{port:04X}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(TIMEOUT_MS);
    loop {
        let pending = ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
            let text = std::fs::read_to_string(table).unwrap_or_default();
            text.lines().skip(1).any(|row| {
                let fields: Vec<&str> = row.split_whitespace().collect();
                // local_address is field 1, tx_queue:rx_queue field 4 (hex).
                fields.len() > 4
                    && fields[1].ends_with(&local)
                    && fields[4].split(':').nth(1).is_some_and(|rx| rx.chars().any(|c| c != '0'))
            })
        });
        if pending {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the shell never sent its request to {url}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_viewer_at_the_prompt_is_refused_before_the_confirm_prompt() {
    let lab = tempfile::tempdir().expect("temp dir");
    let ccrd = Ccrd::start(&lab.path().join("lab"));
    let home = Home::new();
    let viewer = ccrd.viewer_token();
    let mut shell = repl(&home, &["--server", &ccrd.url, "--token", &viewer]);
    shell.send_line("Dismount-Database 'CCREX01\\First Storage Group\\Mailbox Database'").expect("typed");
    let (before, _) = shell.exp_regex("Access is denied[^\r\n]*").expect("the refusal");
    assert!(!before.contains("Are you sure"), "no prompt before the refusal: {before:?}");
    shell.exp_string("PS> ").expect("back at the prompt");
    shell.send_line("exit").expect("typed");
    shell.exp_eof().expect("the shell ends");
}

#[test]
fn the_banner_says_in_one_line_when_the_lab_is_not_in_its_seed_state() {
    let home = Home::new();
    let (mut shell, banner) = start(&home, &[]);
    assert!(banner.contains(&format!("lab at {}", home.lab().display())), "{banner:?}");
    assert!(!banner.contains("not in its seed state"), "a new lab is as seeded: {banner:?}");
    shell.send_line("exit").expect("typed");
    shell.exp_eof().expect("the shell ends");

    let game_day = home.run(&[
        "-c",
        "Move-ClusteredMailboxServer CCREX01 -TargetMachine NH-W2K3-SRV04 -MoveComment 'Patching' -Confirm:$false; \
         Stop-LabNode NH-W2K3-SRV01 -Crash -Confirm:$false; \
         Suspend-StorageGroupCopy 'CCREX01\\Second Storage Group' -Confirm:$false",
    ]);
    assert_eq!(game_day.code, 0, "{game_day:?}");
    let (mut shell, banner) = start(&home, &[]);
    let line = banner.lines().find(|l| l.contains("not in its seed state")).unwrap_or_else(|| panic!("{banner:?}"));
    for part in
        ["CCREX01 active on NH-W2K3-SRV04", "NH-W2K3-SRV01 off", "Second Storage Group copy Suspended", "Reset-Lab"]
    {
        assert!(line.contains(part), "{part:?} missing from {line:?}");
    }
    shell.send_line("exit").expect("typed");
    shell.exp_eof().expect("the shell ends");
}

/// Completion on a real seed lab: identities by the parameter's kind, quotes closed, a space
/// after a parameter name, variables in their own case.
#[test]
fn completion_offers_what_each_parameter_takes() {
    use ccrsh::service::lab::TopologySource;
    use ccrsh::shell::client::Client;
    use ccrsh::shell::repl::complete;
    use ccrsh::shell::session::SourceName;

    let dir = tempfile::tempdir().expect("temp dir");
    let service =
        crate::support::embedded_start(&dir.path().join("lab"), &TopologySource::Seed).expect("embedded service");
    let client = Client::new(&service.url, Some(service.admin_token.clone())).expect("client");
    let (mut session, _, _) = crate::support::captured_session(client, None);
    session.run("$MyTarget = 'NH-W2K3-SRV01'", &SourceName::Command);
    let words = session.completion_words();
    let offered = |line: &str| -> Vec<String> {
        complete(line, line.len(), &words).1.into_iter().map(|p| p.replacement).collect()
    };
    assert_eq!(
        offered("Enable-StorageGroupCopy 'CCREX01\\First Storage Group' -StandbyMachine "),
        ["NH-W2K3-SRV01", "NH-W2K3-SRV05"]
    );
    assert_eq!(offered("Get-StorageGroupCopyStatus -Server "), ["CCREX01", "NH-W2K3-SRV01", "NH-W2K3-SRV05"]);
    assert_eq!(offered("Move-ClusteredMailboxServer CCREX01 -TargetMachine "), ["NH-W2K3-SRV03", "NH-W2K3-SRV04"]);
    assert_eq!(offered("Resume-StorageGroupCopy 'CCREX01\\Sec"), ["'CCREX01\\Second Storage Group'"]);
    assert_eq!(offered("Get-StorageGroupCopyStatus -Iden"), ["-Identity "]);
    assert_eq!(offered("$ErrorAct"), ["$ErrorActionPreference"]);
    assert_eq!(offered("Write-Output $mytar"), ["$MyTarget"]);
}

/// At a terminal, Get-Credential and Read-Host -AsSecureString take the password behind `*`s:
/// the typed text is never drawn.
#[test]
fn a_password_at_the_terminal_is_typed_behind_stars() {
    let home = Home::new();
    let mut shell = repl(&home, &[]);
    shell.send_line("$c = Get-Credential -UserName exadmin").expect("typed");
    shell.exp_string("Password for user exadmin: ").expect("the password prompt");
    shell.send("hush").expect("typed");
    shell.flush().expect("sent");
    shell.exp_string("****").expect("a star for each character");
    shell.send_line("").expect("Enter");
    shell.exp_string("PS> ").expect("back at the prompt");
    shell.send_line("$c.GetNetworkCredential().Password.Length").expect("typed");
    let (shown, _) = shell.exp_regex(r"\n4\r?\n").expect("the password's length");
    assert!(!shown.contains("hush"), "the password was drawn: {shown:?}");
    shell.exp_string("PS> ").expect("back at the prompt");
    shell.send_line("exit").expect("typed");
    shell.exp_eof().expect("the shell ends");
}
