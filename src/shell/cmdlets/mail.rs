//! `Send-MailMessage`: one message to the relay `-SmtpServer` names (else `$PSEmailServer`, as
//! PowerShell uses), on `-Port` (25), with STARTTLS under `-UseSsl` and AUTH with
//! `-Credential`. Errors are PowerShell's: no relay named or a bad sender ends the command; a
//! bad recipient is skipped with an error; a send that fails (nothing listening, the relay
//! refusing) is a non-terminating `SmtpException` error, as PowerShell writes it.
//!
//! Also `ConvertTo-SecureString -AsPlainText`, the password of a PSCredential for `-Credential`.
//!
//! Owns: those cmdlets. Must not: speak SMTP itself (`runtime::smtp` does).

use std::time::Duration;

use super::Context;
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::dotnet::{
    MailAttachment, RELAY_FIX, SecureString, credential_of, machine_name, mail_priority,
};
use crate::shell::runtime::filesystem;
use crate::shell::runtime::smtp::{self, Failure, Outgoing, Priority, Relay};
use crate::shell::value::Value;

/// How long a send may take, as .NET's SmtpClient.Timeout (100 seconds).
const TIMEOUT: Duration = Duration::from_secs(100);

fn error(failure: Failure, category: &'static str) -> ErrorRecord {
    ErrorRecord::new(failure.error_id, category, failure.message).exception(failure.exception).with_hint(failure.hint)
}

pub fn send_mail_message(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let from = call.string("From").unwrap_or_default();
    smtp::mailbox(&from).map_err(|f| error(f, "InvalidType"))?;
    // A recipient that is not an address is reported and left out; the others still get it.
    let mut recipients = |name: &str| -> Vec<String> {
        let mut kept = Vec::new();
        for address in call.strings(name).unwrap_or_default() {
            match smtp::mailbox(&address) {
                Ok(_) => kept.push(address),
                Err(f) => cx.errors.push(error(f, "InvalidType")),
            }
        }
        kept
    };
    let (to, cc, bcc) = (recipients("To"), recipients("Cc"), recipients("Bcc"));
    let relay = call
        .string("SmtpServer")
        .filter(|s| !s.trim().is_empty())
        .or_else(|| Some(cx.engine.variable("PSEmailServer").to_display_string()).filter(|s| !s.trim().is_empty()));
    let Some(relay) = relay else {
        return Err(ErrorRecord::new(
            "SmtpServerNotSpecified",
            "InvalidArgument",
            "The email cannot be sent because no SMTP server was specified. You must specify an SMTP server by \
             using either the SmtpServer parameter or the $PSEmailServer variable."
                .into(),
        )
        .exception("System.InvalidOperationException")
        .with_hint(RELAY_FIX));
    };
    let credential = match call.get("Credential") {
        Some(value) => credential_of(value)?,
        None => None,
    };
    let priority = match call.get("Priority") {
        Some(value) => mail_priority(value)?,
        None => Priority::Normal,
    };
    let mut attachments = Vec::new();
    for path in call.strings("Attachments").unwrap_or_default() {
        let file = MailAttachment::read(&path).map_err(|e| {
            let full = filesystem::resolve(&path);
            match e.kind() {
                std::io::ErrorKind::NotFound => filesystem::path_not_found(&full, "Send-MailMessage"),
                _ => filesystem::io_error(&e, &full, "Send-MailMessage", "FileOpenFailure"),
            }
        })?;
        attachments.push(file);
    }
    let message = Outgoing {
        from,
        to,
        cc,
        bcc,
        reply_to: call.strings("ReplyTo").unwrap_or_default(),
        subject: call.string("Subject").unwrap_or_default(),
        body: call.string("Body").unwrap_or_default(),
        html: call.switch("BodyAsHtml"),
        priority,
        attachments,
    };
    let relay = Relay {
        host: relay.trim().to_string(),
        port: call.int("Port").and_then(|p| u16::try_from(p).ok()).filter(|p| *p != 0).unwrap_or(25),
        starttls: call.switch("UseSsl"),
        credential,
        timeout: TIMEOUT,
        hello: machine_name(),
    };
    if let Err(failure) = smtp::send(&relay, &message) {
        cx.errors.push(error(failure, "InvalidOperation"));
    }
    Ok(Vec::new())
}

/// `ConvertTo-SecureString 'text' -AsPlainText [-Force]`: the password a relay's -Credential
/// carries (`New-Object PSCredential(user, $secure)`). An encrypted standard string (Windows
/// DPAPI or a -Key) cannot be read here and is refused with what to do.
pub fn convert_to_secure_string(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let text = call.string("String").unwrap_or_default();
    if !call.switch("AsPlainText") {
        return Err(ErrorRecord::new(
            "ImportSecureString_InvalidArgument",
            "InvalidArgument",
            "Input string was not in a correct format.".into(),
        )
        .exception("System.FormatException")
        .with_hint(
            "ccrsh cannot decrypt an encrypted standard string (Windows DPAPI or -Key). Give the text with \
             -AsPlainText -Force, e.g. read from a file only you can read.",
        ));
    }
    Ok(vec![SecureString::value(text)])
}
