//! SMTP: the one place ccrsh sends mail. `Send-MailMessage` and `[Net.Mail.SmtpClient]` both
//! describe a message ([`Outgoing`]) and a relay ([`Relay`]); this builds the MIME message with
//! lettre (headers, a text or HTML body, attachments as parts) and hands it to the relay over
//! SMTP: EHLO, STARTTLS when asked (as .NET's `EnableSsl` does), AUTH when a credential is
//! given, MAIL, RCPT, DATA, QUIT, within a timeout. A failure comes back as .NET's SmtpClient
//! words it ([`Failure`]), with what to do.
//!
//! Owns: lettre (tests/tidy.rs keeps it here), the message's headers (the priority headers
//! .NET writes), and the wording of SMTP failures.
//!
//! Must not: read variables or files (attachments arrive as bytes), or print.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Message, SmtpTransport, Transport};

/// Where a message goes: the relay, its port, whether to ask for STARTTLS, and an account.
#[derive(Debug, Clone)]
pub struct Relay {
    pub host: String,
    pub port: u16,
    /// STARTTLS before anything else is sent (`-UseSsl`, `EnableSsl`); the relay must offer it.
    pub starttls: bool,
    /// User name and password for AUTH (`-Credential`, `Credentials`).
    pub credential: Option<(String, String)>,
    pub timeout: Duration,
    /// The name the shell gives in EHLO (the computer's name).
    pub hello: String,
}

/// A message's priority, as `MailPriority` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    #[default]
    Normal,
    Low,
    High,
}

/// A file to attach: its name in the message and its bytes.
#[derive(Debug, Clone)]
pub struct Attached {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One message, with addresses as the caller wrote them (`ops@contoso.com` or
/// `Ops Team <ops@contoso.com>`).
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub reply_to: Vec<String>,
    pub subject: String,
    pub body: String,
    pub html: bool,
    pub priority: Priority,
    pub attachments: Vec<Attached>,
}

/// Why a message was not sent, in .NET's kinds and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The .NET exception: `System.FormatException`, `System.InvalidOperationException`,
    /// `System.Net.Mail.SmtpException`, `System.Security.Authentication.AuthenticationException`.
    pub exception: &'static str,
    /// The error id Send-MailMessage reports it under (`SmtpException`, `FormatException`…).
    pub error_id: &'static str,
    pub message: String,
    pub hint: String,
}

impl Failure {
    fn new(exception: &'static str, error_id: &'static str, message: String, hint: String) -> Failure {
        Failure { exception, error_id, message, hint }
    }
}

/// .NET's text for an address it cannot read.
pub const BAD_ADDRESS: &str = "The specified string is not in the form required for an e-mail address.";

/// An address as .NET's `MailAddress` reads it: `user@host`, or `Display Name <user@host>`.
pub fn mailbox(text: &str) -> Result<Mailbox, Failure> {
    text.trim().parse::<Mailbox>().map_err(|_| {
        Failure::new(
            "System.FormatException",
            "FormatException",
            BAD_ADDRESS.into(),
            format!("'{text}' is not an e-mail address: write it as ops@contoso.com or 'Ops Team <ops@contoso.com>'."),
        )
    })
}

/// The message as it goes on the wire (headers and body), with the envelope lettre derives.
pub fn build(message: &Outgoing) -> Result<Message, Failure> {
    let mut builder = Message::builder().from(mailbox(&message.from)?).subject(message.subject.clone());
    for to in &message.to {
        builder = builder.to(mailbox(to)?);
    }
    for cc in &message.cc {
        builder = builder.cc(mailbox(cc)?);
    }
    for bcc in &message.bcc {
        builder = builder.bcc(mailbox(bcc)?);
    }
    for reply in &message.reply_to {
        builder = builder.reply_to(mailbox(reply)?);
    }
    if message.to.is_empty() && message.cc.is_empty() && message.bcc.is_empty() {
        return Err(Failure::new(
            "System.InvalidOperationException",
            "InvalidOperationException",
            "A recipient must be specified.".into(),
            "Give at least one address in -To, -Cc or -Bcc.".into(),
        ));
    }
    let body =
        if message.html { SinglePart::html(message.body.clone()) } else { SinglePart::plain(message.body.clone()) };
    let built = if message.attachments.is_empty() {
        builder.singlepart(body)
    } else {
        let octets = ContentType::parse("application/octet-stream").map_err(|e| internal(&e))?;
        let mut parts = MultiPart::mixed().singlepart(body);
        for file in &message.attachments {
            parts = parts.singlepart(Attachment::new(file.name.clone()).body(file.bytes.clone(), octets.clone()));
        }
        builder.multipart(parts)
    };
    let mut built = built.map_err(|e| internal(&e))?;
    // .NET's MailMessage writes these three for a priority other than Normal.
    let priority = match message.priority {
        Priority::Normal => None,
        Priority::High => Some(("1", "urgent", "high")),
        Priority::Low => Some(("5", "non-urgent", "low")),
    };
    if let Some((x_priority, priority, importance)) = priority {
        let headers = built.headers_mut();
        headers.insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("X-Priority"), x_priority.into()));
        headers.insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("Priority"), priority.into()));
        headers.insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("Importance"), importance.into()));
    }
    Ok(built)
}

fn internal(e: &dyn std::fmt::Display) -> Failure {
    Failure::new(
        "System.Net.Mail.SmtpException",
        "SmtpException",
        format!("Failure sending mail. {e}"),
        "The message could not be put together; check the addresses, subject and attachments.".into(),
    )
}

/// Sends `message` through `relay`. Nothing is retried: a failure says what the relay or the
/// network answered.
pub fn send(relay: &Relay, message: &Outgoing) -> Result<(), Failure> {
    let built = build(message)?;
    let mut transport = SmtpTransport::builder_dangerous(relay.host.clone())
        .port(relay.port)
        .timeout(Some(relay.timeout))
        .hello_name(ClientId::Domain(relay.hello.clone()));
    if relay.starttls {
        let tls = TlsParameters::new(relay.host.clone()).map_err(|e| tls_failure(relay, &e))?;
        transport = transport.tls(Tls::Required(tls));
    }
    if let Some((user, password)) = &relay.credential {
        transport = transport.credentials(Credentials::new(user.clone(), password.clone()));
    }
    transport.build().send(&built).map(|_| ()).map_err(|e| failure(relay, &e))
}

fn tls_failure(relay: &Relay, e: &dyn std::fmt::Display) -> Failure {
    Failure::new(
        "System.Security.Authentication.AuthenticationException",
        "AuthenticationException",
        format!("The remote certificate is invalid according to the validation procedure: {e}"),
        format!(
            "The TLS session with '{}' could not be set up. Check that the relay's certificate names it and is \
             trusted here, or send without -UseSsl to a relay that accepts plain SMTP.",
            relay.host
        ),
    )
}

/// .NET's words for an SMTP failure lettre reports.
fn failure(relay: &Relay, e: &lettre::transport::smtp::Error) -> Failure {
    let smtp =
        |message: String, hint: String| Failure::new("System.Net.Mail.SmtpException", "SmtpException", message, hint);
    let at = format!("{}:{}", relay.host, relay.port);
    if let Some(code) = e.status() {
        let code = u16::from(code);
        let said = std::error::Error::source(e).map(ToString::to_string).unwrap_or_default();
        let hint = match code {
            530 | 535 | 538 => format!(
                "The relay {at} wants a signed-in sender: give -Credential (and -UseSsl if it asks for STARTTLS)."
            ),
            550..=554 => format!(
                "The relay {at} refused the message. Check the addresses, and that this relay accepts mail from \
                 this computer for these recipients (a relay connector or receive connector may need it)."
            ),
            _ if code < 500 => format!("The relay {at} could not take the message now; send it again later."),
            _ => format!("The relay {at} refused the message; its answer says why."),
        };
        return smtp(format!("{} The server response was: {said}", status_text(code)), hint);
    }
    if e.is_timeout() {
        return smtp(
            "The operation has timed out.".into(),
            format!("{at} did not answer in time. Check the relay's name and port, or raise SmtpClient.Timeout."),
        );
    }
    if e.is_tls() {
        return tls_failure(relay, e);
    }
    let text = e.to_string();
    if text.contains("STARTTLS") || text.contains("starttls") {
        return smtp(
            "Server does not support secure connections.".into(),
            format!("{at} does not offer STARTTLS: send without -UseSsl (EnableSsl), or use a relay that offers it."),
        );
    }
    if e.is_permanent() || e.is_transient() || e.is_response() {
        return smtp(
            format!("Failure sending mail. {text}"),
            format!("The relay {at} answered in a way ccrsh did not expect."),
        );
    }
    smtp(
        "Unable to connect to the remote server".into(),
        format!(
            "Nothing answered SMTP at {at} ({text}). Check $PSEmailServer or -SmtpServer and -Port, and that the \
             relay is running and reachable from this computer."
        ),
    )
}

/// `SmtpStatusCode`'s text, as .NET puts it before "The server response was:".
fn status_text(code: u16) -> &'static str {
    match code {
        421 => "Service not available, closing transmission channel.",
        450 => "Mailbox unavailable.",
        451 => "Error in processing.",
        452 => "Insufficient system storage.",
        454 => "Client does not have permission to submit mail to this server.",
        500 => "Syntax error, command unrecognized.",
        501 => "Syntax error in parameters or arguments.",
        502 => "Command not implemented.",
        503 => "Bad sequence of commands.",
        504 => "Command parameter not implemented.",
        530 => "The SMTP server requires a secure connection or the client was not authenticated.",
        550 => "Mailbox unavailable.",
        551 => "User not local; please try a different path.",
        552 => "Exceeded storage allocation.",
        553 => "Mailbox name not allowed.",
        554 => "Transaction failed.",
        _ => "Failure sending mail.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Outgoing {
        Outgoing {
            from: "CCR Monitor <ccr@contoso.com>".into(),
            to: vec!["ops@contoso.com".into()],
            bcc: vec!["audit@contoso.com".into()],
            subject: "CCR health".into(),
            body: "all healthy".into(),
            priority: Priority::High,
            ..Outgoing::default()
        }
    }

    #[test]
    fn a_message_carries_its_headers_and_hides_bcc() {
        let built = build(&message()).expect("built");
        let text = String::from_utf8(built.formatted()).expect("utf-8");
        assert!(text.contains("From: \"CCR Monitor\" <ccr@contoso.com>\r\n"), "{text}");
        assert!(text.contains("To: ops@contoso.com\r\n"), "{text}");
        assert!(text.contains("Subject: CCR health\r\n"), "{text}");
        assert!(text.contains("X-Priority: 1\r\n") && text.contains("Importance: high\r\n"), "{text}");
        assert!(!text.contains("audit@contoso.com"), "Bcc is in the envelope only: {text}");
        let rcpt: Vec<String> = built.envelope().to().iter().map(ToString::to_string).collect();
        assert_eq!(rcpt, ["ops@contoso.com", "audit@contoso.com"]);
    }

    #[test]
    fn bad_addresses_and_no_recipient_are_net_errors() {
        let bad = build(&Outgoing { from: "not an address".into(), ..message() }).expect_err("bad from");
        assert_eq!((bad.error_id, bad.message.as_str()), ("FormatException", BAD_ADDRESS));
        let none = build(&Outgoing { to: Vec::new(), bcc: Vec::new(), ..message() }).expect_err("no recipient");
        assert_eq!(none.message, "A recipient must be specified.");
    }

    #[test]
    fn status_codes_read_as_net_words_them() {
        assert_eq!(status_text(550), "Mailbox unavailable.");
        assert_eq!(
            status_text(530),
            "The SMTP server requires a secure connection or the client was not authenticated."
        );
        assert_eq!(status_text(299), "Failure sending mail.");
    }
}
