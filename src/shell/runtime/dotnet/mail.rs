//! `System.Net.Mail`: `SmtpClient` (`Host`, `Port`, `EnableSsl`, `Credentials`, `Timeout`,
//! `Send(MailMessage)`, `Send(from, recipients, subject, body)`), `MailMessage` (From, To, CC,
//! Bcc, ReplyToList, Subject, Body, IsBodyHtml, Priority, Attachments), `MailAddress`, the
//! address and attachment collections, `Attachment` (a file read when it is made, as .NET
//! opens it), the `MailPriority` enumeration, and `System.Net.NetworkCredential`. `Send` goes
//! to the relay through `runtime::smtp`; without a host it refuses as .NET does.
//!
//! Owns: these types and their objects, and the no-relay fix `Send-MailMessage` shares.
//!
//! Must not: speak SMTP itself (`runtime::smtp` does) or read files other than an attachment.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::time::Duration;

use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::exchange::ExchangeEnum;
use crate::shell::runtime::filesystem;
use crate::shell::runtime::object::{
    Member, NetObject, ObjectRef, method_threw, overload_not_found, property_not_found,
};
use crate::shell::runtime::smtp::{self, Attached, Failure, Outgoing, Priority, Relay};
use crate::shell::runtime::types::NetType;
use crate::shell::value::Value;

/// What to do when no relay is named: the fix both refusals carry.
pub const RELAY_FIX: &str = "Name the SMTP relay: `$PSEmailServer = 'relay.contoso.com'` (Send-MailMessage's \
                             default -SmtpServer, as in PowerShell), -SmtpServer on the call, or \
                             New-Object Net.Mail.SmtpClient('relay.contoso.com').";

const PRIORITY_TYPE: &str = "System.Net.Mail.MailPriority";
const PRIORITIES: [(&str, Priority); 3] =
    [("Normal", Priority::Normal), ("Low", Priority::Low), ("High", Priority::High)];

/// A `MailPriority` from its name or number (Normal 0, Low 1, High 2).
pub fn priority(value: &Value) -> Result<Priority, ErrorRecord> {
    let text = value.to_display_string();
    let text = text.trim();
    PRIORITIES
        .iter()
        .enumerate()
        .find(|(i, (name, _))| name.eq_ignore_ascii_case(text) || text.parse::<usize>().is_ok_and(|n| n == *i))
        .map(|(_, (_, p))| *p)
        .ok_or_else(|| {
            ErrorRecord::new(
                "InvalidCastFromStringToEnum",
                "InvalidArgument",
                format!(
                    "Cannot convert value \"{text}\" to type \"{PRIORITY_TYPE}\". Error: \"Unable to match the identifier name {text} to a valid enumerator name. Specify one of the following enumerator names and try again: Normal, Low, High\""
                ),
            )
            .exception("System.Management.Automation.PSInvalidCastException")
        })
}

fn priority_value(p: Priority) -> Value {
    let name = PRIORITIES.iter().find(|(_, q)| *q == p).map_or("Normal", |(n, _)| n);
    ExchangeEnum::value(PRIORITY_TYPE, name)
}

/// A user name and password from a `NetworkCredential`, or any object with `UserName` and
/// `Password` (`GetNetworkCredential()`'s shape); `None` for `$null`.
pub fn credential_of(value: &Value) -> Result<Option<(String, String)>, ErrorRecord> {
    let read = |name: &str| match value {
        Value::Object(o) => o.property(name),
        Value::Record(r) => r.borrow().get(name).cloned(),
        _ => None,
    };
    if matches!(value, Value::Null) {
        return Ok(None);
    }
    match (read("UserName"), read("Password")) {
        (Some(user), Some(password)) => {
            // A domain goes before the user, as .NET's LOGIN and PLAIN modules send it.
            let user = user.to_display_string();
            let user = match read("Domain").map(|d| d.to_display_string()).filter(|d| !d.is_empty()) {
                Some(domain) => format!("{domain}\\{user}"),
                None => user,
            };
            Ok(Some((user, super::credential::plain_text(&password))))
        }
        _ => Err(ErrorRecord::new(
            "InvalidCredential",
            "InvalidArgument",
            "The credential has no UserName and Password.".into(),
        )
        .with_hint(
            "Give a PSCredential (New-Object PSCredential('user', (ConvertTo-SecureString 'text' -AsPlainText -Force))) \
             or New-Object System.Net.NetworkCredential('user', 'password').",
        )),
    }
}

/// The error a failed send is reported as from a method call.
fn thrown(name: &str, count: usize, failure: Failure) -> ErrorRecord {
    method_threw(name, count, &failure.message).exception(failure.exception).with_hint(failure.hint)
}

/// One SmtpClient: where it sends.
#[derive(Debug)]
pub struct SmtpClient {
    host: RefCell<String>,
    port: Cell<i64>,
    enable_ssl: Cell<bool>,
    default_credentials: Cell<bool>,
    timeout: Cell<i64>,
    credentials: RefCell<Value>,
}

impl SmtpClient {
    fn new(host: String, port: i64) -> SmtpClient {
        SmtpClient {
            host: RefCell::new(host),
            port: Cell::new(port),
            enable_ssl: Cell::new(false),
            default_credentials: Cell::new(false),
            timeout: Cell::new(100_000),
            credentials: RefCell::new(Value::Null),
        }
    }

    fn relay(&self, name: &str, count: usize) -> Result<Relay, ErrorRecord> {
        let host = self.host.borrow().trim().to_string();
        if host.is_empty() {
            return Err(method_threw(name, count, "The SMTP host was not specified.")
                .exception("System.InvalidOperationException")
                .with_hint(RELAY_FIX));
        }
        Ok(Relay {
            host,
            port: u16::try_from(self.port.get()).unwrap_or(25),
            starttls: self.enable_ssl.get(),
            credential: credential_of(&self.credentials.borrow())?,
            timeout: Duration::from_millis(u64::try_from(self.timeout.get()).unwrap_or(0).max(1)),
            hello: super::machine_name(),
        })
    }

    fn send(&self, name: &str, args: &[Value]) -> Result<Value, ErrorRecord> {
        let message = match args {
            [Value::Object(o)] => match o.downcast::<MailMessage>() {
                Some(m) => m.outgoing(),
                None => return Err(overload_not_found(name, 1)),
            },
            [from, to, subject, body] => Outgoing {
                from: from.to_display_string(),
                to: split_addresses(&to.to_display_string()),
                subject: subject.to_display_string(),
                body: body.to_display_string(),
                ..Outgoing::default()
            },
            _ => return Err(overload_not_found(name, args.len())),
        };
        let relay = self.relay(name, args.len())?;
        smtp::send(&relay, &message).map_err(|f| thrown(name, args.len(), f))?;
        Ok(Value::Null)
    }
}

/// `a@b, c@d` as .NET's `MailAddressCollection.Add` splits it.
fn split_addresses(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|a| !a.is_empty()).map(str::to_string).collect()
}

impl NetObject for SmtpClient {
    fn type_name(&self) -> String {
        "System.Net.Mail.SmtpClient".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::settable("Host", "string"),
            Member::settable("Port", "int"),
            Member::settable("EnableSsl", "bool"),
            Member::settable("UseDefaultCredentials", "bool"),
            Member::settable("Credentials", "System.Net.ICredentialsByHost"),
            Member::settable("Timeout", "int"),
            Member::method(
                "Send",
                "void Send(System.Net.Mail.MailMessage message), void Send(string from, string recipients, string subject, string body)",
            ),
            Member::method("Dispose", "void Dispose()"),
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
            "credentials" => self.credentials.borrow().clone(),
            "timeout" => Value::Int(self.timeout.get()),
            _ => return None,
        })
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        match name.to_ascii_lowercase().as_str() {
            "host" => *self.host.borrow_mut() = value.to_display_string(),
            "port" => self.port.set(port(&value, "Port")?),
            "enablessl" => self.enable_ssl.set(value.is_truthy()),
            "usedefaultcredentials" => self.default_credentials.set(value.is_truthy()),
            "credentials" => {
                credential_of(&value)?;
                *self.credentials.borrow_mut() = value;
            }
            "timeout" => {
                let ms = crate::shell::eval::convert::require_number(&value, "System.Int32")?.as_f64();
                if ms < 0.0 {
                    return Err(out_of_range("value", "A timeout is in milliseconds, 0 or more (100000 by default)."));
                }
                self.timeout.set(ms as i64)
            }
            _ => return Err(property_not_found(name, &self.type_name())),
        }
        Ok(())
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        match name.to_ascii_lowercase().as_str() {
            "send" => Some(self.send(name, args)),
            "dispose" if args.is_empty() => Some(Ok(Value::Null)),
            _ => None,
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn out_of_range(what: &str, hint: &str) -> ErrorRecord {
    ErrorRecord::new(
        "ArgumentOutOfRange",
        "InvalidArgument",
        format!("Specified argument was out of the range of valid values. (Parameter '{what}')"),
    )
    .exception("System.ArgumentOutOfRangeException")
    .with_hint(hint)
}

/// A port number, 1–65535, as .NET's setter checks it.
fn port(value: &Value, what: &str) -> Result<i64, ErrorRecord> {
    let n = crate::shell::eval::convert::require_number(value, "System.Int32")?.as_f64();
    if !(1.0..=65535.0).contains(&n) || n.fract() != 0.0 {
        return Err(out_of_range(what, "An SMTP port is 1 to 65535: 25 for a relay, 587 for submission."));
    }
    Ok(n as i64)
}

/// A `MailAddress`: an address and its display name, checked when made.
#[derive(Debug, Clone)]
pub struct MailAddress {
    address: String,
    display: String,
}

impl MailAddress {
    fn parse(text: &str, display: Option<&str>) -> Result<MailAddress, Failure> {
        let mailbox = smtp::mailbox(text)?;
        let display = display.map(str::to_string).or(mailbox.name).unwrap_or_default();
        Ok(MailAddress { address: mailbox.email.to_string(), display })
    }

    fn value(self) -> Value {
        Value::Object(ObjectRef::new(self))
    }
}

impl NetObject for MailAddress {
    fn type_name(&self) -> String {
        "System.Net.Mail.MailAddress".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("DisplayName", "string"),
            Member::property("User", "string"),
            Member::property("Host", "string"),
            Member::property("Address", "string"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        let (user, host) = self.address.rsplit_once('@').unwrap_or((self.address.as_str(), ""));
        Some(Value::String(match name.to_ascii_lowercase().as_str() {
            "displayname" => self.display.clone(),
            "user" => user.to_string(),
            "host" => host.to_string(),
            "address" => self.address.clone(),
            _ => return None,
        }))
    }

    fn to_text(&self) -> String {
        if self.display.is_empty() { self.address.clone() } else { format!("\"{}\" <{}>", self.display, self.address) }
    }

    fn equals(&self, other: &Value) -> bool {
        match other {
            Value::Object(o) => {
                o.downcast::<MailAddress>().is_some_and(|a| a.address.eq_ignore_ascii_case(&self.address))
            }
            _ => false,
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An address from a string or a `MailAddress` (what `.Add(…)` and `.From = …` take).
fn address_of(value: &Value, method: &str, count: usize) -> Result<MailAddress, ErrorRecord> {
    if let Value::Object(o) = value
        && let Some(a) = o.downcast::<MailAddress>()
    {
        return Ok(a.clone());
    }
    MailAddress::parse(&value.to_display_string(), None).map_err(|f| thrown(method, count, f))
}

/// An item of one of `MailMessage`'s collections: what its `Add(…)` takes and how it shows.
trait ListItem: Clone + std::fmt::Debug + 'static {
    /// `System.Net.Mail.MailAddressCollection`.
    const COLLECTION: &'static str;
    /// The overloads of `Add`, as Get-Member shows them.
    const ADD: &'static str;
    /// The items one argument of `Add(…)` stands for.
    fn from_argument(argument: &Value, method: &str) -> Result<Vec<Self>, ErrorRecord>;
    fn value(&self) -> Value;
    /// The collection's `ToString()`: its type name, as for any .NET collection.
    fn list_text(items: &[Self]) -> String {
        let _ = items;
        Self::COLLECTION.into()
    }
}

/// `MailMessage.To`, `.CC`, `.Bcc`, `.ReplyToList` (of [`MailAddress`]) and `.Attachments`
/// (of [`MailAttachment`]): `Count`, `Add(…)`, `Clear()`, and their items in the pipeline.
#[derive(Debug)]
pub struct ItemList<T> {
    items: RefCell<Vec<T>>,
}

impl<T> Default for ItemList<T> {
    fn default() -> Self {
        ItemList { items: RefCell::new(Vec::new()) }
    }
}

pub type MailAddressCollection = ItemList<MailAddress>;
pub type AttachmentCollection = ItemList<MailAttachment>;

impl MailAddressCollection {
    fn texts(&self) -> Vec<String> {
        self.items.borrow().iter().map(NetObject::to_text).collect()
    }

    fn add_text(&self, text: &str, method: &str) -> Result<(), ErrorRecord> {
        let parsed = MailAddress::from_argument(&Value::from(text), method)?;
        self.items.borrow_mut().extend(parsed);
        Ok(())
    }
}

impl<T: ListItem> NetObject for ItemList<T> {
    fn type_name(&self) -> String {
        T::COLLECTION.into()
    }

    fn members(&self) -> Vec<Member> {
        vec![Member::property("Count", "int"), Member::method("Add", T::ADD), Member::method("Clear", "void Clear()")]
    }

    fn property(&self, name: &str) -> Option<Value> {
        name.eq_ignore_ascii_case("count").then(|| Value::Int(self.items.borrow().len() as i64))
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(match (name.to_ascii_lowercase().as_str(), args) {
            ("add", [item]) => T::from_argument(item, name).map(|items| {
                self.items.borrow_mut().extend(items);
                Value::Null
            }),
            ("clear", []) => {
                self.items.borrow_mut().clear();
                Ok(Value::Null)
            }
            ("add" | "clear", _) => Err(overload_not_found(name, args.len())),
            _ => return None,
        })
    }

    fn enumerate(&self) -> Option<Vec<Value>> {
        Some(self.items.borrow().iter().map(T::value).collect())
    }

    fn to_text(&self) -> String {
        T::list_text(&self.items.borrow())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl ListItem for MailAddress {
    const COLLECTION: &'static str = "System.Net.Mail.MailAddressCollection";
    const ADD: &'static str = "void Add(string addresses), void Add(System.Net.Mail.MailAddress item)";

    /// A `MailAddress`, or a string of addresses separated by commas.
    fn from_argument(argument: &Value, method: &str) -> Result<Vec<MailAddress>, ErrorRecord> {
        if let Value::Object(o) = argument
            && o.downcast::<MailAddress>().is_some()
        {
            return address_of(argument, method, 1).map(|a| vec![a]);
        }
        split_addresses(&argument.to_display_string())
            .iter()
            .map(|a| MailAddress::parse(a, None).map_err(|f| thrown(method, 1, f)))
            .collect()
    }

    fn value(&self) -> Value {
        self.clone().value()
    }

    /// `MailAddressCollection.ToString()`: the addresses, separated by commas.
    fn list_text(items: &[MailAddress]) -> String {
        items.iter().map(NetObject::to_text).collect::<Vec<_>>().join(", ")
    }
}

/// `New-Object Net.Mail.Attachment(path)`: the file is read when the attachment is made.
#[derive(Debug, Clone)]
pub struct MailAttachment {
    file: Attached,
}

impl MailAttachment {
    /// Reads `path` (relative to the shell's location) as Send-MailMessage's -Attachments does.
    pub fn read(path: &str) -> Result<Attached, std::io::Error> {
        let full = filesystem::resolve(path);
        let bytes = filesystem::read_all_bytes(&full)?;
        let name = full.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string());
        Ok(Attached { name, bytes })
    }
}

impl NetObject for MailAttachment {
    fn type_name(&self) -> String {
        "System.Net.Mail.Attachment".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Name", "string"),
            Member::property("ContentType", "System.Net.Mime.ContentType"),
            Member::method("Dispose", "void Dispose()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "name" => Some(Value::String(self.file.name.clone())),
            "contenttype" => Some(Value::from("application/octet-stream")),
            _ => None,
        }
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        (name.eq_ignore_ascii_case("dispose") && args.is_empty()).then_some(Ok(Value::Null))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl ListItem for MailAttachment {
    const COLLECTION: &'static str = "System.Net.Mail.AttachmentCollection";
    const ADD: &'static str = "void Add(System.Net.Mail.Attachment item)";

    fn from_argument(argument: &Value, _method: &str) -> Result<Vec<MailAttachment>, ErrorRecord> {
        if let Value::Object(o) = argument
            && let Some(attachment) = o.downcast::<MailAttachment>()
        {
            return Ok(vec![attachment.clone()]);
        }
        let v = argument.to_display_string();
        Err(ErrorRecord::new(
            "MethodArgumentConversionInvalidCastArgument",
            "NotSpecified",
            format!(
                "Cannot convert argument \"item\", with value: \"{v}\", for \"Add\" to type \"System.Net.Mail.Attachment\": \"Cannot convert the \"{v}\" value of type \"System.String\" to type \"System.Net.Mail.Attachment\".\""
            ),
        )
        .exception("System.Management.Automation.MethodException")
        .with_hint("Add an attachment made with New-Object Net.Mail.Attachment('C:\\report.html')."))
    }

    fn value(&self) -> Value {
        Value::Object(ObjectRef::new(self.clone()))
    }
}

/// One `MailMessage`.
#[derive(Debug)]
pub struct MailMessage {
    from: RefCell<Option<MailAddress>>,
    to: ObjectRef,
    cc: ObjectRef,
    bcc: ObjectRef,
    reply_to: ObjectRef,
    subject: RefCell<String>,
    body: RefCell<String>,
    html: Cell<bool>,
    priority: Cell<Priority>,
    attachments: ObjectRef,
    /// `BodyEncoding`/`SubjectEncoding`, kept as set: the message is always sent as UTF-8.
    encodings: RefCell<(Value, Value)>,
}

impl MailMessage {
    fn new() -> MailMessage {
        let addresses = || ObjectRef::new(MailAddressCollection::default());
        MailMessage {
            from: RefCell::new(None),
            to: addresses(),
            cc: addresses(),
            bcc: addresses(),
            reply_to: addresses(),
            subject: RefCell::new(String::new()),
            body: RefCell::new(String::new()),
            html: Cell::new(false),
            priority: Cell::new(Priority::Normal),
            attachments: ObjectRef::new(AttachmentCollection::default()),
            encodings: RefCell::new((Value::Null, Value::Null)),
        }
    }

    fn addresses(list: &ObjectRef) -> Vec<String> {
        list.downcast::<MailAddressCollection>().map(MailAddressCollection::texts).unwrap_or_default()
    }

    fn outgoing(&self) -> Outgoing {
        Outgoing {
            from: self.from.borrow().as_ref().map(NetObject::to_text).unwrap_or_default(),
            to: MailMessage::addresses(&self.to),
            cc: MailMessage::addresses(&self.cc),
            bcc: MailMessage::addresses(&self.bcc),
            reply_to: MailMessage::addresses(&self.reply_to),
            subject: self.subject.borrow().clone(),
            body: self.body.borrow().clone(),
            html: self.html.get(),
            priority: self.priority.get(),
            attachments: self
                .attachments
                .downcast::<AttachmentCollection>()
                .map(|c| c.items.borrow().iter().map(|a| a.file.clone()).collect())
                .unwrap_or_default(),
        }
    }
}

impl NetObject for MailMessage {
    fn type_name(&self) -> String {
        "System.Net.Mail.MailMessage".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::settable("From", "System.Net.Mail.MailAddress"),
            Member::property("To", "System.Net.Mail.MailAddressCollection"),
            Member::property("CC", "System.Net.Mail.MailAddressCollection"),
            Member::property("Bcc", "System.Net.Mail.MailAddressCollection"),
            Member::property("ReplyToList", "System.Net.Mail.MailAddressCollection"),
            Member::settable("Subject", "string"),
            Member::settable("Body", "string"),
            Member::settable("IsBodyHtml", "bool"),
            Member::settable("Priority", PRIORITY_TYPE),
            Member::settable("BodyEncoding", "System.Text.Encoding"),
            Member::settable("SubjectEncoding", "System.Text.Encoding"),
            Member::property("Attachments", "System.Net.Mail.AttachmentCollection"),
            Member::method("Dispose", "void Dispose()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "from" => self.from.borrow().clone().map_or(Value::Null, MailAddress::value),
            "to" => Value::Object(self.to.clone()),
            "cc" => Value::Object(self.cc.clone()),
            "bcc" => Value::Object(self.bcc.clone()),
            "replytolist" => Value::Object(self.reply_to.clone()),
            "subject" => Value::String(self.subject.borrow().clone()),
            "body" => Value::String(self.body.borrow().clone()),
            "isbodyhtml" => Value::Bool(self.html.get()),
            "priority" => priority_value(self.priority.get()),
            "bodyencoding" => self.encodings.borrow().0.clone(),
            "subjectencoding" => self.encodings.borrow().1.clone(),
            "attachments" => Value::Object(self.attachments.clone()),
            _ => return None,
        })
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        match name.to_ascii_lowercase().as_str() {
            "from" => {
                *self.from.borrow_mut() = match value {
                    Value::Null => None,
                    other => Some(address_of(&other, "set_From", 1)?),
                }
            }
            "subject" => *self.subject.borrow_mut() = value.to_display_string(),
            "body" => *self.body.borrow_mut() = value.to_display_string(),
            "isbodyhtml" => self.html.set(value.is_truthy()),
            "priority" => self.priority.set(priority(&value)?),
            "bodyencoding" => self.encodings.borrow_mut().0 = value,
            "subjectencoding" => self.encodings.borrow_mut().1 = value,
            _ => {
                return Err(match self.members().iter().find(|m| m.name.eq_ignore_ascii_case(name)) {
                    Some(_) => crate::shell::runtime::object::property_read_only(name),
                    None => property_not_found(name, &self.type_name()),
                });
            }
        }
        Ok(())
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        (name.eq_ignore_ascii_case("dispose") && args.is_empty()).then_some(Ok(Value::Null))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `System.Net.NetworkCredential`: a user name, password and domain for a relay's AUTH.
#[derive(Debug, Default)]
pub struct NetworkCredential {
    user: RefCell<String>,
    password: RefCell<String>,
    domain: RefCell<String>,
}

impl NetworkCredential {
    pub fn value(user: &str, password: &str, domain: &str) -> Value {
        Value::Object(ObjectRef::new(NetworkCredential {
            user: RefCell::new(user.to_string()),
            password: RefCell::new(password.to_string()),
            domain: RefCell::new(domain.to_string()),
        }))
    }
}

impl NetObject for NetworkCredential {
    fn type_name(&self) -> String {
        "System.Net.NetworkCredential".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::settable("UserName", "string"),
            Member::settable("Password", "string"),
            Member::settable("Domain", "string"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        let cell = match name.to_ascii_lowercase().as_str() {
            "username" => &self.user,
            "password" => &self.password,
            "domain" => &self.domain,
            _ => return None,
        };
        Some(Value::String(cell.borrow().clone()))
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        let cell = match name.to_ascii_lowercase().as_str() {
            "username" => &self.user,
            "password" => &self.password,
            "domain" => &self.domain,
            _ => return Err(property_not_found(name, &self.type_name())),
        };
        *cell.borrow_mut() = value.to_display_string();
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn made(object: impl NetObject + 'static) -> Option<Result<Value, ErrorRecord>> {
    Some(Ok(Value::Object(ObjectRef::new(object))))
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

pub struct MailMessageType;
pub static MAIL_MESSAGE: MailMessageType = MailMessageType;

impl NetType for MailMessageType {
    fn full_name(&self) -> &'static str {
        "System.Net.Mail.MailMessage"
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let message = MailMessage::new();
        let count = args.len();
        let filled = (|| -> Result<(), ErrorRecord> {
            match args {
                [] => {}
                [from, to] | [from, to, _, _] => {
                    message.set_property("From", from.clone()).map_err(|_| thrown(".ctor", count, bad_address()))?;
                    if let Some(list) = message.to.downcast::<MailAddressCollection>() {
                        list.add_text(&to.to_display_string(), ".ctor")?;
                    }
                    if let [_, _, subject, body] = args {
                        *message.subject.borrow_mut() = subject.to_display_string();
                        *message.body.borrow_mut() = body.to_display_string();
                    }
                }
                _ => return Err(overload_not_found("new", count)),
            }
            Ok(())
        })();
        Some(filled.map(|()| Value::Object(ObjectRef::new(message))))
    }
}

fn bad_address() -> Failure {
    Failure {
        exception: "System.FormatException",
        error_id: "FormatException",
        message: smtp::BAD_ADDRESS.into(),
        hint: "Write an address as ops@contoso.com or 'Ops Team <ops@contoso.com>'.".into(),
    }
}

pub struct MailAddressType;
pub static MAIL_ADDRESS: MailAddressType = MailAddressType;

impl NetType for MailAddressType {
    fn full_name(&self) -> &'static str {
        "System.Net.Mail.MailAddress"
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let display = args.get(1).map(Value::to_display_string);
        Some(match args {
            [address] | [address, _] => MailAddress::parse(&address.to_display_string(), display.as_deref())
                .map(MailAddress::value)
                .map_err(|f| thrown(".ctor", args.len(), f)),
            _ => Err(overload_not_found("new", args.len())),
        })
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        Some(
            MailAddress::parse(&value.to_display_string(), None)
                .map(MailAddress::value)
                .map_err(|f| thrown(".ctor", 1, f)),
        )
    }
}

pub struct AttachmentType;
pub static ATTACHMENT: AttachmentType = AttachmentType;

impl NetType for AttachmentType {
    fn full_name(&self) -> &'static str {
        "System.Net.Mail.Attachment"
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let [path] = args else { return Some(Err(overload_not_found("new", args.len()))) };
        let path = path.to_display_string();
        Some(match MailAttachment::read(&path) {
            Ok(file) => Ok(Value::Object(ObjectRef::new(MailAttachment { file }))),
            Err(e) => {
                let full = filesystem::shown(&filesystem::resolve(&path));
                let (message, exception) = match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        (format!("Could not find file '{full}'."), "System.IO.FileNotFoundException")
                    }
                    std::io::ErrorKind::PermissionDenied => {
                        (format!("Access to the path '{full}' is denied."), "System.UnauthorizedAccessException")
                    }
                    _ => (format!("Could not read '{full}': {e}"), "System.IO.IOException"),
                };
                Err(method_threw(".ctor", 1, &message)
                    .exception(exception)
                    .with_hint("Name a file that exists and that you can read (Test-Path tells)."))
            }
        })
    }
}

pub struct NetworkCredentialType;
pub static NETWORK_CREDENTIAL: NetworkCredentialType = NetworkCredentialType;

impl NetType for NetworkCredentialType {
    fn full_name(&self) -> &'static str {
        "System.Net.NetworkCredential"
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if args.len() > 3 || args.len() == 1 {
            return Some(Err(overload_not_found("new", args.len())));
        }
        let text = |i: usize| RefCell::new(args.get(i).map(Value::to_display_string).unwrap_or_default());
        made(NetworkCredential { user: text(0), password: text(1), domain: text(2) })
    }
}

pub struct MailPriorityType;
pub static MAIL_PRIORITY: MailPriorityType = MailPriorityType;

impl NetType for MailPriorityType {
    fn full_name(&self) -> &'static str {
        PRIORITY_TYPE
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        PRIORITIES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, p)| priority_value(*p))
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        Some(priority(value).map(priority_value))
    }

    fn static_members(&self) -> Vec<Member> {
        PRIORITIES.iter().map(|(n, _)| Member::property(n, PRIORITY_TYPE)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(v: Value) -> ObjectRef {
        match v {
            Value::Object(o) => o,
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn send_without_a_host_refuses_as_net_does() {
        let bare = SmtpClient::new(String::new(), 25);
        let args = [Value::from("a@contoso.com"), Value::from("b@contoso.com"), Value::from("s"), Value::from("b")];
        let err = bare.send("Send", &args).expect_err("no host");
        assert!(err.message.contains("The SMTP host was not specified."), "{}", err.message);
    }

    #[test]
    fn a_message_collects_addresses_and_becomes_an_outgoing_message() {
        let m = object(
            MAIL_MESSAGE
                .construct(&[Value::from("ccr@contoso.com"), Value::from("a@contoso.com, b@contoso.com")])
                .expect("ctor")
                .expect("made"),
        );
        let msg = m.downcast::<MailMessage>().expect("a MailMessage");
        object(msg.property("CC").expect("cc"))
            .call("Add", &[Value::from("Ops <ops@contoso.com>")])
            .expect("add")
            .expect("added");
        msg.set_property("Priority", Value::from("high")).expect("priority");
        let out = msg.outgoing();
        assert_eq!(out.to, ["a@contoso.com", "b@contoso.com"]);
        assert_eq!(out.cc, ["\"Ops\" <ops@contoso.com>"]);
        assert_eq!(out.priority, Priority::High);
        let bad = object(msg.property("To").expect("to")).call("Add", &[Value::from("not an address")]).expect("add");
        assert!(bad.expect_err("bad").message.contains(smtp::BAD_ADDRESS));
        assert_eq!(msg.outgoing().to.len(), 2, "a bad address adds nothing");
    }
}
