//! `Send-MailMessage`: checks the message and the relay (`-SmtpServer`, else `$PSEmailServer`
//! as PowerShell uses), then refuses clearly: ccrsh has no SMTP client built in.
//!
//! Owns: that cmdlet. Must not: open a socket, read attachments, or change anything.

use super::Context;
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::dotnet::{RELAY_FIX, not_delivered_hint};
use crate::shell::value::Value;

pub fn send_mail_message(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
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
    Err(ErrorRecord::new("SendMailMessage", "InvalidOperation", "Failure sending mail.".into())
        .exception("System.Net.Mail.SmtpException")
        .with_hint(not_delivered_hint(&relay)))
}
