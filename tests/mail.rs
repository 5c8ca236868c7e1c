//! Issue 13's mail: `Send-MailMessage` and `[Net.Mail.SmtpClient]` send to a relay. Each test
//! starts a small SMTP sink on 127.0.0.1 (written here: greeting, EHLO, AUTH PLAIN, MAIL, RCPT,
//! DATA, QUIT), runs a script in a fresh in-process session, and reads what the sink received:
//! the envelope, the headers and the body. The errors — no relay named, nothing listening, the
//! relay refusing a recipient — are checked with PowerShell's ids and words, and that nothing
//! was received.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use crate::support::{lines, run_offline_in as run_in};

/// One message as the sink received it.
#[derive(Debug, Clone, Default)]
struct Received {
    helo: String,
    auth: Option<String>,
    from: String,
    rcpt: Vec<String>,
    data: String,
}

/// An SMTP server on 127.0.0.1 that keeps what it is sent; recipients whose address starts
/// with `refuse` are answered `550 5.7.1 Unable to relay`.
struct Sink {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Sink {
    fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&received);
        // The thread ends with the test binary; it only ever serves 127.0.0.1.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &kept);
            }
        });
        Sink { port, received }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

fn serve(stream: TcpStream, kept: &Mutex<Vec<Received>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    out.write_all(b"220 sink.test ESMTP ready\r\n")?;
    let mut current = Received::default();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            current.helo = command[4..].trim().to_string();
            out.write_all(b"250-sink.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")?;
        } else if upper.starts_with("AUTH PLAIN") {
            current.auth = Some(command[10..].trim().to_string());
            out.write_all(b"235 2.7.0 Authentication successful\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            current.from = command[10..].trim().to_string();
            out.write_all(b"250 2.1.0 Sender OK\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            let to = command[8..].trim().to_string();
            if to.trim_start_matches('<').starts_with("refuse") {
                out.write_all(b"550 5.7.1 Unable to relay\r\n")?;
            } else {
                current.rcpt.push(to);
                out.write_all(b"250 2.1.5 Recipient OK\r\n")?;
            }
        } else if upper == "DATA" {
            out.write_all(b"354 Start mail input; end with <CRLF>.<CRLF>\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            current.data = data;
            kept.lock().expect("lock").push(std::mem::take(&mut current));
            out.write_all(b"250 2.6.0 Queued mail for delivery\r\n")?;
        } else if upper == "QUIT" {
            out.write_all(b"221 2.0.0 Bye\r\n")?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            out.write_all(b"250 2.0.0 OK\r\n")?;
        } else {
            out.write_all(b"500 5.5.1 Unrecognized command\r\n")?;
        }
    }
}

/// A body as the relay got it: quoted-printable soft breaks and escapes undone.
fn decoded(data: &str) -> String {
    let bytes = quoted_printable::decode(data, quoted_printable::ParseMode::Robust).expect("quoted-printable");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The value of header `name` in a message's head.
fn header<'a>(data: &'a str, name: &str) -> Option<&'a str> {
    let head = data.split("\r\n\r\n").next().unwrap_or_default();
    head.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(": ")))
}

#[test]
fn send_mail_message_delivers_headers_body_and_envelope_to_the_relay() {
    let sink = Sink::start();
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        &format!(
            "$PSEmailServer = '127.0.0.1'
             Send-MailMessage -Port {} -From 'CCR Monitor <ccr@contoso.com>' -To ops@contoso.com,oncall@contoso.com `
                 -Cc lead@contoso.com -Bcc audit@contoso.com -Subject 'CCR health: 2 copies' -Body 'All copies healthy.' -Priority High
             'sent'",
            sink.port
        ),
    );
    assert_eq!((lines(&ran.stdout), ran.stderr.as_str()), (vec!["sent"], ""));
    let got = sink.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!(m.from, "<ccr@contoso.com>");
    assert_eq!(m.rcpt, ["<ops@contoso.com>", "<oncall@contoso.com>", "<lead@contoso.com>", "<audit@contoso.com>"]);
    assert!(!m.helo.is_empty(), "EHLO names the computer");
    assert_eq!(header(&m.data, "From"), Some("\"CCR Monitor\" <ccr@contoso.com>"));
    assert_eq!(header(&m.data, "To"), Some("ops@contoso.com, oncall@contoso.com"));
    assert_eq!(header(&m.data, "Cc"), Some("lead@contoso.com"));
    assert_eq!(header(&m.data, "Bcc"), None, "Bcc is in the envelope only");
    assert_eq!(header(&m.data, "Subject"), Some("CCR health: 2 copies"));
    assert_eq!(header(&m.data, "X-Priority"), Some("1"));
    assert_eq!(header(&m.data, "Importance"), Some("high"));
    assert!(header(&m.data, "Content-Type").is_some_and(|t| t.starts_with("text/plain")), "{}", m.data);
    assert!(decoded(&m.data).contains("All copies healthy."), "{}", m.data);
}

#[test]
fn an_html_report_from_convertto_html_goes_as_html_with_its_attachment() {
    let sink = Sink::start();
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        &format!(
            "$rows = @([pscustomobject]@{{ Name = 'First Storage Group'; Status = 'Healthy'; CopyQueueLength = 0 }},
                       [pscustomobject]@{{ Name = 'Second Storage Group'; Status = 'Failed'; CopyQueueLength = 12 }})
             $rows | Export-Csv status.csv -NoTypeInformation
             $html = $rows | ConvertTo-Html -Title 'CCR health' -PreContent '<h1>CCR health</h1>' | Out-String
             Send-MailMessage -SmtpServer 127.0.0.1 -Port {} -From ccr@contoso.com -To ops@contoso.com `
                 -Subject 'Daily CCR report' -Body $html -BodyAsHtml -Attachments status.csv",
            sink.port
        ),
    );
    assert_eq!((ran.stdout.as_str(), ran.stderr.as_str()), ("", ""));
    let got = sink.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let data = &got[0].data;
    assert!(header(data, "Content-Type").is_some_and(|t| t.starts_with("multipart/mixed")), "{data}");
    assert!(data.contains("Content-Type: text/html; charset=utf-8"), "{data}");
    let body = decoded(data);
    assert!(body.contains("<title>CCR health</title>"), "{body}");
    assert!(body.contains("<h1>CCR health</h1>"), "{body}");
    assert!(body.contains("<td>Second Storage Group</td><td>Failed</td><td>12</td>"), "{body}");
    assert!(data.contains("Content-Disposition: attachment; filename=\"status.csv\""), "{data}");
}

#[test]
fn smtp_client_sends_a_mail_message_and_signs_in_with_a_network_credential() {
    let sink = Sink::start();
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        &format!(
            "$message = New-Object System.Net.Mail.MailMessage('ccr@contoso.com', 'ops@contoso.com')
             $message.To.Add('Second Ops <ops2@contoso.com>')
             $message.Subject = 'Copy status'; $message.Body = '<b>Healthy</b>'; $message.IsBodyHtml = $true
             $message.Priority = [System.Net.Mail.MailPriority]::Low
             \"$($message.To.Count) $($message.From.Host) $($message.Priority)\"
             $client = New-Object Net.Mail.SmtpClient('127.0.0.1', {})
             $client.Credentials = New-Object System.Net.NetworkCredential('svc-report', 'P@ss')
             $client.Send($message)
             $client.Send('ccr@contoso.com', 'ops@contoso.com', 'second', 'plain text')",
            sink.port
        ),
    );
    assert_eq!((lines(&ran.stdout), ran.stderr.as_str()), (vec!["2 contoso.com Low"], ""));
    let got = sink.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].rcpt, ["<ops@contoso.com>", "<ops2@contoso.com>"]);
    assert_eq!(header(&got[0].data, "To"), Some("ops@contoso.com, \"Second Ops\" <ops2@contoso.com>"));
    assert_eq!(header(&got[0].data, "X-Priority"), Some("5"));
    assert!(got[0].data.contains("text/html"), "{}", got[0].data);
    // AUTH PLAIN carries "\0user\0password" in base64.
    use base64::Engine;
    let auth = got[0].auth.as_deref().expect("signed in");
    let plain = base64::engine::general_purpose::STANDARD.decode(auth).expect("base64");
    assert_eq!(plain, b"\0svc-report\0P@ss");
    assert_eq!(header(&got[1].data, "Subject"), Some("second"));
}

#[test]
fn failures_are_powershell_errors_with_a_fix_and_send_nothing() {
    let sink = Sink::start();
    // A port nothing listens on: bound, then closed.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        &format!(
            "try {{ Send-MailMessage -To ops@contoso.com -From ccr@contoso.com -Subject 'CCR' -Body 'ok' }} catch {{ $_.FullyQualifiedErrorId; $_.Exception.Message }}
             Send-MailMessage -SmtpServer 127.0.0.1 -Port {closed} -To ops@contoso.com -From ccr@contoso.com -Subject x -ErrorVariable failed -ErrorAction SilentlyContinue
             $failed[0].FullyQualifiedErrorId; $failed[0].Exception.Message; $failed[0].Exception.GetType().FullName
             Send-MailMessage -SmtpServer 127.0.0.1 -Port {port} -To refused@contoso.com -From ccr@contoso.com -Subject x -ErrorVariable rejected -ErrorAction SilentlyContinue
             $rejected[0].FullyQualifiedErrorId; $rejected[0].Exception.Message
             try {{ Send-MailMessage -SmtpServer 127.0.0.1 -Port {port} -To ops@contoso.com -From 'not an address' -Subject x }} catch {{ $_.FullyQualifiedErrorId; $_.Exception.Message }}
             try {{ Send-MailMessage -SmtpServer 127.0.0.1 -Port {port} -To ops@contoso.com -From ccr@contoso.com -Attachments missing.csv }} catch {{ $_.FullyQualifiedErrorId }}
             $client = New-Object System.Net.Mail.SmtpClient
             try {{ $client.Send('ccr@contoso.com', 'ops@contoso.com', 'CCR', 'ok') }} catch {{ $_.Exception.Message }}
             $client = New-Object Net.Mail.SmtpClient('127.0.0.1', {closed})
             try {{ $client.Send('ccr@contoso.com', 'ops@contoso.com', 'CCR', 'ok') }} catch {{ $_.Exception.Message }}
             try {{ $client.Port = 0 }} catch {{ $_.Exception.Message }}; $client.Port
             try {{ New-Object Net.Mail.MailAddress('nobody') }} catch {{ $_.Exception.Message }}",
            port = sink.port
        ),
    );
    assert_eq!(
        lines(&ran.stdout),
        [
            "SmtpServerNotSpecified,Microsoft.PowerShell.Commands.SendMailMessage",
            "The email cannot be sent because no SMTP server was specified. You must specify an SMTP server by using either the SmtpServer parameter or the $PSEmailServer variable.",
            "SmtpException,Microsoft.PowerShell.Commands.SendMailMessage",
            "Unable to connect to the remote server",
            "System.Net.Mail.SmtpException",
            "SmtpException,Microsoft.PowerShell.Commands.SendMailMessage",
            "Mailbox unavailable. The server response was: 5.7.1 Unable to relay",
            "FormatException,Microsoft.PowerShell.Commands.SendMailMessage",
            "The specified string is not in the form required for an e-mail address.",
            "PathNotFound,Microsoft.PowerShell.Commands.SendMailMessage",
            "Exception calling \"Send\" with \"4\" argument(s): \"The SMTP host was not specified.\"",
            "Exception calling \"Send\" with \"4\" argument(s): \"Unable to connect to the remote server\"",
            "Specified argument was out of the range of valid values. (Parameter 'Port')",
            &closed.to_string(),
            "Exception calling \".ctor\" with \"1\" argument(s): \"The specified string is not in the form required for an e-mail address.\"",
        ]
    );
    assert_eq!(ran.stderr, "");
    assert!(sink.received().is_empty(), "nothing was sent: {:?}", sink.received());
}

#[test]
fn a_failed_send_shows_what_to_check() {
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        &format!(
            "Send-MailMessage -SmtpServer 127.0.0.1 -Port {closed} -To ops@contoso.com -From ccr@contoso.com -Subject x"
        ),
    );
    assert!(ran.stderr.contains("Send-MailMessage: Unable to connect to the remote server"), "{}", ran.stderr);
    assert!(ran.stderr.contains(&format!("Nothing answered SMTP at 127.0.0.1:{closed}")), "{}", ran.stderr);
    assert!(ran.stderr.contains("-SmtpServer and -Port"), "{}", ran.stderr);
}

#[test]
fn the_guides_daily_report_is_mailed_with_its_csv() {
    let sink = Sink::start();
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/GUIDE.md")).expect("guide");
    let section = guide.split("## Reports and files").nth(1).expect("the section");
    let blocks: Vec<&str> =
        section.split("```powershell\n").skip(1).take(2).map(|b| b.split("```").next().unwrap_or_default()).collect();
    assert_eq!(blocks.len(), 2, "the report and the mail blocks");
    // The guide's relay becomes the sink; nothing else of the script changes.
    let mail = blocks[1]
        .replace("'relay.contoso.com'", "'127.0.0.1'")
        .replace("Send-MailMessage ", &format!("Send-MailMessage -Port {} ", sink.port));
    let home = crate::support::Home::new();
    let run = home.run(&["-NoProfile", "-NonInteractive", "-c", &format!("{}\n{mail}", blocks[0])]);
    assert_eq!(run.stderr, "", "{}", run.stdout);
    let got = sink.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!(m.rcpt, ["<exchange-admins@contoso.com>"]);
    let subject = header(&m.data, "Subject").unwrap_or_default();
    assert!(subject.starts_with("Copy status ") && subject.ends_with(" need attention"), "{subject}");
    let body = decoded(&m.data);
    assert!(body.contains("<th>Name</th><th>SummaryCopyStatus</th>"), "{body}");
    assert!(m.data.contains("filename=\"copy-status-") && m.data.contains(".csv\""), "{}", m.data);
}

#[test]
fn send_mail_message_signs_in_with_a_pscredential_and_never_shows_the_password() {
    let sink = Sink::start();
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        &format!(
            "$secure = ConvertTo-SecureString 'P@ssw0rd' -AsPlainText -Force
             $credential = New-Object System.Management.Automation.PSCredential('CONTOSO\\svc-report', $secure)
             \"$secure|$($secure.Length)|$($credential.Password)\"
             Send-MailMessage -SmtpServer 127.0.0.1 -Port {} -Credential $credential -From ccr@contoso.com -To ops@contoso.com -Subject signed
             try {{ ConvertTo-SecureString '01000000d08c9ddf0115d1118c7a00c04fc297eb' }} catch {{ $_.FullyQualifiedErrorId }}
             try {{ New-Object System.Management.Automation.PSCredential('u', 'plain') }} catch {{ $_.FullyQualifiedErrorId }}",
            sink.port
        ),
    );
    assert_eq!(
        (lines(&ran.stdout), ran.stderr.as_str()),
        (
            vec![
                "System.Security.SecureString|8|System.Security.SecureString",
                "ImportSecureString_InvalidArgument,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand",
                "MethodArgumentConversionInvalidCastArgument,Microsoft.PowerShell.Commands.NewObjectCommand",
            ],
            ""
        )
    );
    let got = sink.received();
    assert_eq!(got.len(), 1, "{got:?}");
    use base64::Engine;
    let auth = got[0].auth.as_deref().expect("signed in");
    let plain = base64::engine::general_purpose::STANDARD.decode(auth).expect("base64");
    assert_eq!(plain, b"\0CONTOSO\\svc-report\0P@ssw0rd");
}
