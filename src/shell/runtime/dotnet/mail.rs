//! `[System.Net.Mail.SmtpClient]`: `new()`, `new(host)`, `new(host, port)`, the `Host`, `Port`,
//! `EnableSsl`, `UseDefaultCredentials` and `Timeout` properties, and `Send(...)`. ccrsh has no
//! SMTP client built in, so `Send` always refuses and sends nothing: without a host as .NET
//! does ("The SMTP host was not specified."), with one as a failed send that says why.
//!
//! Owns: the SmtpClient type and its objects, and the refusal text `Send-MailMessage` shares.
//!
//! Must not: open a socket.

use std::any::Any;
use std::cell::{Cell, RefCell};

use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::Value;

/// What to do when no relay is named: the fix both refusals carry.
pub const RELAY_FIX: &str = "Name the SMTP relay: `$PSEmailServer = 'relay.contoso.com'` (Send-MailMessage's \
                             default -SmtpServer, as in PowerShell), -SmtpServer on the call, or \
                             New-Object Net.Mail.SmtpClient('relay.contoso.com').";

/// Why a message to a named relay was not sent: ccrsh has no SMTP client.
pub fn not_delivered_hint(host: &str) -> String {
    format!(
        "ccrsh has no SMTP client built in, so nothing was sent to '{host}'. Save the report \
         (Out-File, ConvertTo-Html | Set-Content) and mail it from a machine with a mail client."
    )
}

/// One SmtpClient: where it would send.
#[derive(Debug)]
pub struct SmtpClient {
    host: RefCell<String>,
    port: Cell<i64>,
    enable_ssl: Cell<bool>,
    default_credentials: Cell<bool>,
    timeout: Cell<i64>,
}

impl SmtpClient {
    fn new(host: String, port: i64) -> SmtpClient {
        SmtpClient {
            host: RefCell::new(host),
            port: Cell::new(port),
            enable_ssl: Cell::new(false),
            default_credentials: Cell::new(false),
            timeout: Cell::new(100_000),
        }
    }

    fn send(&self, name: &str, count: usize) -> ErrorRecord {
        let host = self.host.borrow().clone();
        if host.trim().is_empty() {
            return method_threw(name, count, "The SMTP host was not specified.")
                .exception("System.InvalidOperationException")
                .with_hint(RELAY_FIX);
        }
        method_threw(name, count, "Failure sending mail.")
            .exception("System.Net.Mail.SmtpException")
            .with_hint(not_delivered_hint(&host))
    }
}

fn to_bool(value: &Value) -> bool {
    value.is_truthy()
}

impl NetObject for SmtpClient {
    fn type_name(&self) -> String {
        "System.Net.Mail.SmtpClient".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Host", "string"),
            Member::property("Port", "int"),
            Member::property("EnableSsl", "bool"),
            Member::property("UseDefaultCredentials", "bool"),
            Member::property("Timeout", "int"),
            Member::method(
                "Send",
                "void Send(System.Net.Mail.MailMessage message), void Send(string from, string recipients, string subject, string body)",
            ),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "host" => {
                let host = self.host.borrow();
                if host.is_empty() { Value::Null } else { Value::String(host.clone()) }
            }
            "port" => Value::Int(self.port.get()),
            "enablessl" => Value::Bool(self.enable_ssl.get()),
            "usedefaultcredentials" => Value::Bool(self.default_credentials.get()),
            "timeout" => Value::Int(self.timeout.get()),
            _ => return None,
        })
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        match name.to_ascii_lowercase().as_str() {
            "host" => *self.host.borrow_mut() = value.to_display_string(),
            "port" => self.port.set(port(&value, "Port")?),
            "enablessl" => self.enable_ssl.set(to_bool(&value)),
            "usedefaultcredentials" => self.default_credentials.set(to_bool(&value)),
            "timeout" => {
                self.timeout.set(crate::shell::eval::convert::require_number(&value, "System.Int32")?.as_f64() as i64)
            }
            _ => {
                return Err(crate::shell::runtime::object::property_not_found(name, &self.type_name()));
            }
        }
        Ok(())
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if !name.eq_ignore_ascii_case("send") {
            return None;
        }
        Some(match args.len() {
            1 | 4 => Err(self.send(name, args.len())),
            n => Err(overload_not_found(name, n)),
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A port number, 1–65535, as .NET's setter checks it.
fn port(value: &Value, what: &str) -> Result<i64, ErrorRecord> {
    let n = crate::shell::eval::convert::require_number(value, "System.Int32")?.as_f64();
    if !(1.0..=65535.0).contains(&n) || n.fract() != 0.0 {
        return Err(ErrorRecord::new(
            "ArgumentOutOfRange",
            "InvalidArgument",
            format!("Specified argument was out of the range of valid values. (Parameter '{what}')"),
        )
        .exception("System.ArgumentOutOfRangeException")
        .with_hint("An SMTP port is 1 to 65535: 25 for a relay, 587 for submission."));
    }
    Ok(n as i64)
}

pub struct SmtpClientType;
pub static SMTP_CLIENT: SmtpClientType = SmtpClientType;

impl NetType for SmtpClientType {
    fn full_name(&self) -> &'static str {
        "System.Net.Mail.SmtpClient"
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let made = match args {
            [] => Ok(SmtpClient::new(String::new(), 25)),
            [host] => Ok(SmtpClient::new(host.to_display_string(), 25)),
            [host, p] => port(p, "port").map(|p| SmtpClient::new(host.to_display_string(), p)),
            _ => Err(overload_not_found("new", args.len())),
        };
        Some(made.map(|c| Value::Object(ObjectRef::new(c))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_refuses_with_and_without_a_host() {
        let bare = SmtpClient::new(String::new(), 25);
        let err = bare.send("Send", 4);
        assert!(err.message.contains("The SMTP host was not specified."), "{}", err.message);
        let named = SmtpClient::new("relay.contoso.com".into(), 25);
        let err = named.send("Send", 1);
        assert!(err.message.contains("Failure sending mail."), "{}", err.message);
    }
}
