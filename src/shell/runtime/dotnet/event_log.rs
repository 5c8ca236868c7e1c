//! `[System.Diagnostics.EventLog]` and `[System.Diagnostics.EventLogEntryType]`:
//! `New-Object System.Diagnostics.EventLog('Application', NODE)` reads a lab node's event log
//! as `Get-EventLog` does (`.Entries`, `.Log`, `.MachineName`, `.LogDisplayName`), asking ccrd
//! each time `.Entries` is read; with `.Source` set, `.WriteEntry(message[, type[, id]])`
//! writes to it. `[System.Diagnostics.EventLog]::WriteEntry(source, message[, type[, id]])`
//! writes to this computer's log: the node's inside its session (`Enter-PSSession`). Outside
//! one, the shell runs on Linux, which (as for PowerShell on Linux) has no event log: the call
//! says so and what to do. Writing goes through ccrd (`POST /v1/events`, [`write`]), which
//! checks, audits and keeps the entry; `Get-EventLog` then reads it back.
//! `SourceExists(source[, machine])` knows the sources Windows and Exchange register and any
//! source that has written to the computer's logs; `CreateEventSource` refuses one that exists
//! (the lab registers a new source with its first entry).
//!
//! Owns: the EventLog type and objects, the EventLogEntryType enumeration, the EventLogEntry
//! records both this type and `Get-EventLog` return ([`entries`]), and writing an entry.
//!
//! Must not: speak HTTP other than through the client it is given.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::api::{self, EventQuery, WriteEventRequest, routes};
use crate::shell::client::{Client, ClientError};
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::exchange::ExchangeEnum;
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Record, Value};

const ENTRY_TYPE: &str = "System.Diagnostics.EventLogEntry";
const ENTRY_TYPE_ENUM: &str = "System.Diagnostics.EventLogEntryType";
/// The logs the lab's nodes keep.
const LOGS: [&str; 2] = ["Application", "System"];
/// Why a write outside a node session cannot happen, and what to do instead.
const NO_LOCAL_LOG: &str = "There is no event log on this computer: ccrsh runs on Linux, which (as for PowerShell \
                            on Linux) has no Windows event log.";
const NO_LOCAL_LOG_FIX: &str = "Write to a lab node's log: Enter-PSSession NODE first, or Write-EventLog -ComputerName \
                                NODE, or New-Object System.Diagnostics.EventLog('Application', 'NODE') with .Source set. \
                                Keep a log on this computer with Add-Content instead.";
/// EventLogEntryType's names and values, as .NET numbers them.
const ENTRY_TYPES: [(&str, i64); 5] =
    [("Error", 1), ("Warning", 2), ("Information", 4), ("SuccessAudit", 8), ("FailureAudit", 16)];

/// The entries of `log` that `query` selects, as `Get-EventLog` and `EventLog.Entries` give
/// them (the log follows from each entry's source).
pub fn entries(client: &Client, log: &str, query: &EventQuery) -> Result<Vec<Value>, ClientError> {
    let found: Vec<api::EventEntry> = client.get(routes::EVENTS, query)?;
    Ok(found
        .into_iter()
        .filter(|e| api::event_log_of(&e.source).eq_ignore_ascii_case(log))
        .map(|e| {
            Record::new(ENTRY_TYPE)
                .with("Index", e.index)
                .with("TimeGenerated", e.time_generated)
                .with("EntryType", format!("{:?}", e.entry_type))
                .with("Source", e.source)
                .with("InstanceId", u64::from(e.instance_id))
                .with("EventID", u64::from(e.instance_id))
                .with("Message", e.message)
                .with("MachineName", e.machine_name)
                .into()
        })
        .collect())
}

/// Why an entry was not written: .NET's exception and message, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteFailure {
    pub exception: &'static str,
    pub message: String,
    pub hint: Option<String>,
}

impl WriteFailure {
    fn new(exception: &'static str, message: impl Into<String>, hint: impl Into<String>) -> WriteFailure {
        WriteFailure { exception, message: message.into(), hint: Some(hint.into()) }
    }

    /// As a method that threw (`Exception calling "WriteEntry" …`).
    fn thrown(self, name: &str, count: usize) -> ErrorRecord {
        let record = method_threw(name, count, &self.message).exception(self.exception);
        match self.hint {
            Some(hint) => record.with_hint(hint),
            None => record,
        }
    }
}

/// One entry to write: where, from which source, of which type and id.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// The node; `None`: this computer outside a node session, which has no event log.
    pub node: Option<&'a str>,
    pub log: &'a str,
    pub source: &'a str,
    pub message: &'a str,
    pub entry_type: &'a Value,
    pub event_id: i64,
}

/// Writes `entry` through ccrd, under a request id of its own: a retry after a lost answer
/// writes it once.
pub fn write(client: &Client, entry: &NewEntry<'_>) -> Result<(), WriteFailure> {
    let Some(node) = entry.node else {
        return Err(WriteFailure::new("System.PlatformNotSupportedException", NO_LOCAL_LOG, NO_LOCAL_LOG_FIX));
    };
    if entry.source.trim().is_empty() {
        return Err(WriteFailure::new(
            "System.ArgumentException",
            "Source property was not set before writing to the event log.",
            "Set the source first: $log.Source = 'CCRHealthCheck'.",
        ));
    }
    if !(0..=i64::from(u16::MAX)).contains(&entry.event_id) {
        return Err(WriteFailure::new(
            "System.ArgumentException",
            format!("Invalid eventID value '{}'. It must be in the range between '0' and '65535'.", entry.event_id),
            "Give an event id from 0 to 65535.",
        ));
    }
    let kind = entry_type(entry.entry_type).map_err(|e| WriteFailure {
        exception: "System.Management.Automation.PSInvalidCastException",
        message: e.message.clone(),
        hint: e.hint.clone(),
    })?;
    let entry_type: api::EntryType = serde_json::from_value(serde_json::Value::String(kind.to_display_string()))
        .map_err(|e| WriteFailure::new("System.ArgumentException", e.to_string(), "Give an EventLogEntryType."))?;
    let request = WriteEventRequest {
        computer_name: node.to_string(),
        log_name: entry.log.to_string(),
        source: entry.source.trim().to_string(),
        event_id: u32::try_from(entry.event_id).unwrap_or_default(),
        entry_type,
        message: entry.message.to_string(),
    };
    let _: api::OperationResult = client.change(routes::EVENTS, &request).map_err(|e| match e {
        ClientError::Rejected(body) => {
            WriteFailure { exception: "System.InvalidOperationException", message: body.message, hint: body.hint }
        }
        other => WriteFailure::new(
            "System.InvalidOperationException",
            format!("Cannot open log {} on machine {node}.", entry.log),
            other.to_string(),
        ),
    })?;
    Ok(())
}

/// Sources Windows registers on every lab computer.
const WINDOWS_SOURCES: &[&str] = &["Application Error", "EventLog", "Service Control Manager", "W32Time"];

/// Sources Exchange 2007's Mailbox role registers on a node (the lab writes under the first
/// four), and the Cluster service's.
const NODE_SOURCES: &[&str] = &[
    "MSExchangeRepl",
    "MSExchangeIS",
    "MSExchangeCluster",
    api::CLUSTER_SERVICE_SOURCE,
    "ESE",
    "MSExchange ADAccess",
    "MSExchangeSA",
    "MSExchangeIS Mailbox Store",
    "MSExchangeIS Public Store",
    "MSExchangeMailboxAssistants",
    "MSExchangeMailSubmission",
];

/// The EventLog statics that read or write the lab: `WriteEntry`, `SourceExists` and
/// `CreateEventSource`, on this computer (`computer`: the node of a session) or the machine
/// named; `None` for any other name.
pub fn static_call(
    client: &Client,
    computer: Option<String>,
    name: &str,
    args: &[Value],
) -> Option<Result<Value, ErrorRecord>> {
    match name.to_ascii_lowercase().as_str() {
        "writeentry" => Some(write_entry_static(client, computer, args)),
        "sourceexists" => Some(source_exists(client, computer, args).map(Value::Bool)),
        "createeventsource" => Some(create_event_source(client, computer, args)),
        _ => None,
    }
}

/// The machine a static call names in argument `at` (`.` or this machine: `computer`).
fn machine_arg(args: &[Value], at: usize, computer: Option<String>) -> Option<String> {
    match args.get(at).map(Value::to_display_string) {
        Some(m)
            if !(m.trim() == "." || m.trim().is_empty() || m.trim().eq_ignore_ascii_case(&super::machine_name())) =>
        {
            Some(m.trim().to_string())
        }
        _ => computer,
    }
}

/// `SourceExists(source[, machineName])`: the sources Windows registers, Exchange's on a node,
/// and any source that has written to the computer's logs (the lab registers a new source with
/// its first entry, as Write-EventLog does after New-EventLog).
fn source_exists(client: &Client, computer: Option<String>, args: &[Value]) -> Result<bool, ErrorRecord> {
    if !(1..=2).contains(&args.len()) {
        return Err(overload_not_found("SourceExists", args.len()));
    }
    let source = super::arg_text(args, 0);
    let source = source.trim();
    if source.is_empty() {
        return Ok(false);
    }
    let machine = machine_arg(args, 1, computer);
    let on_node: &[&str] = if machine.is_some() { NODE_SOURCES } else { &[] };
    if WINDOWS_SOURCES.iter().chain(on_node).any(|s| s.eq_ignore_ascii_case(source)) {
        return Ok(true);
    }
    // The workstation keeps no lab log: only Windows' own sources are there.
    if machine.is_none() {
        return Ok(false);
    }
    let query = EventQuery {
        computer_name: machine.clone(),
        source: Some(source.to_string()),
        newest: Some(1),
        ..EventQuery::default()
    };
    match client.get::<Vec<api::EventEntry>>(routes::EVENTS, &query) {
        Ok(found) => Ok(!found.is_empty()),
        Err(ClientError::Rejected(body)) if body.code == api::ErrorCode::ManagementObjectNotFound => {
            Err(method_threw("SourceExists", args.len(), "The network path was not found.")
                .exception("System.IO.IOException")
                .with_hint(format!(
                    "'{}' is not a computer of the lab (Get-LabNode lists the nodes).",
                    machine.unwrap_or_default()
                )))
        }
        Err(other) => Err(method_threw("SourceExists", args.len(), &other.to_string())),
    }
}

/// `CreateEventSource(source, logName[, machineName])`: the lab registers a source with its
/// first entry, so this only refuses a source that exists already, as .NET does.
fn create_event_source(client: &Client, computer: Option<String>, args: &[Value]) -> Result<Value, ErrorRecord> {
    if !(2..=3).contains(&args.len()) {
        return Err(overload_not_found("CreateEventSource", args.len()));
    }
    let source = super::arg_text(args, 0);
    let mut probe = vec![args[0].clone()];
    let machine = machine_arg(args, 2, computer.clone());
    if let Some(m) = args.get(2) {
        probe.push(m.clone());
    }
    if source.trim().is_empty() {
        return Err(method_threw(
            "CreateEventSource",
            args.len(),
            "Source property was not set before writing to the event log.",
        )
        .exception("System.ArgumentException")
        .with_hint(
            "Name the source: [System.Diagnostics.EventLog]::CreateEventSource('CCRHealthCheck', 'Application').",
        ));
    }
    let exists = source_exists(client, computer, &probe).map_err(|e| {
        // The same failure, as this method's.
        let inner =
            e.message.split_once("argument(s): \"").map_or(e.message.as_str(), |(_, m)| m.trim_end_matches('"'));
        let mut again = method_threw("CreateEventSource", args.len(), inner).exception(e.exception);
        again.hint = e.hint.clone();
        again
    })?;
    if exists {
        let on = match machine {
            Some(m) => format!("the computer '{m}'"),
            None => "the local computer".to_string(),
        };
        return Err(method_threw(
            "CreateEventSource",
            args.len(),
            &format!("Source {} already exists on {on}.", source.trim()),
        )
        .exception("System.ArgumentException")
        .with_hint(
            "Check with [System.Diagnostics.EventLog]::SourceExists(...) first, or write with the existing source.",
        ));
    }
    Ok(Value::Null)
}

/// `[System.Diagnostics.EventLog]::WriteEntry(source, message[, type[, eventID[, category]]])`:
/// to this computer's log, which is the node's inside its session (`computer`).
fn write_entry_static(client: &Client, computer: Option<String>, args: &[Value]) -> Result<Value, ErrorRecord> {
    if !(2..=5).contains(&args.len()) {
        return Err(overload_not_found("WriteEntry", args.len()));
    }
    if let Some(kind) = args.get(2) {
        entry_type(kind)?;
    }
    let source = super::arg_text(args, 0);
    let log = api::event_log_of(source.trim());
    let entry = NewEntry {
        node: computer.as_deref(),
        log,
        source: &source,
        message: &super::arg_text(args, 1),
        entry_type: args.get(2).unwrap_or(&Value::Null),
        event_id: match args.get(3) {
            Some(_) => super::arg_i64(args, 3, "WriteEntry")?,
            None => 0,
        },
    };
    write(client, &entry).map(|()| Value::Null).map_err(|f| f.thrown("WriteEntry", args.len()))
}

/// One EventLog: a log of a node (`None`: the computer the shell runs on, `.`).
pub struct EventLog {
    client: Rc<Client>,
    log: String,
    machine: Option<String>,
    /// What `.WriteEntry` writes as (`.Source = 'X'`).
    source: RefCell<String>,
}

impl fmt::Debug for EventLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLog").field("log", &self.log).field("machine", &self.machine).finish_non_exhaustive()
    }
}

impl EventLog {
    /// `New-Object System.Diagnostics.EventLog(log[, machine])`: the log must be one the lab
    /// keeps and the machine a lab node (or `.`, the computer the shell runs on).
    pub fn new_object(client: Rc<Client>, here: Option<String>, args: &[Value]) -> Result<Value, ErrorRecord> {
        if args.len() > 3 {
            return Err(overload_not_found("new", args.len()));
        }
        let ctor =
            |message: &str| method_threw(".ctor", args.len(), message).exception("System.InvalidOperationException");
        let log = super::arg_text(args, 0);
        let log = match LOGS.iter().find(|l| l.eq_ignore_ascii_case(log.trim())) {
            Some(l) => (*l).to_string(),
            None if args.is_empty() => String::new(),
            None => {
                let on = super::arg_text(args, 1);
                return Err(ctor(&format!(
                    "The event log '{log}' on computer '{}' does not exist.",
                    if on.is_empty() { "." } else { on.as_str() }
                ))
                .with_hint("The lab's nodes keep the Application and System logs."));
            }
        };
        let named = super::arg_text(args, 1);
        let named = named.trim();
        let machine = if named.is_empty() || named == "." { here } else { Some(named.to_string()) };
        if let Some(node) = &machine {
            let nodes: Vec<api::LabNode> = client
                .get(routes::LAB_NODES, &())
                .map_err(|e| ctor(&format!("Cannot open log {log} on machine {node}.")).with_hint(e.to_string()))?;
            let short = node.split('.').next().unwrap_or(node);
            if !nodes.iter().any(|n| n.name.eq_ignore_ascii_case(node) || n.name.eq_ignore_ascii_case(short)) {
                return Err(ctor("The network path was not found.")
                    .with_hint(format!("'{node}' is not a node of the lab; Get-LabNode lists them.")));
            }
        }
        Ok(Value::Object(ObjectRef::new(EventLog { client, log, machine, source: RefCell::new(String::new()) })))
    }

    fn read(&self) -> Value {
        let query = EventQuery { computer_name: self.machine.clone(), ..EventQuery::default() };
        // A property cannot throw here: a ccrd that stopped answering reads as no entries.
        Value::array(entries(&self.client, &self.log, &query).unwrap_or_default())
    }
}

impl NetObject for EventLog {
    fn type_name(&self) -> String {
        "System.Diagnostics.EventLog".into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![self.type_name(), "System.ComponentModel.Component".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Log", "string"),
            Member::property("LogDisplayName", "string"),
            Member::property("MachineName", "string"),
            Member::settable("Source", "string"),
            Member::property("Entries", "System.Diagnostics.EventLogEntryCollection"),
            Member::method(
                "WriteEntry",
                "void WriteEntry(string message), void WriteEntry(string message, System.Diagnostics.EventLogEntryType type), void WriteEntry(string message, System.Diagnostics.EventLogEntryType type, int eventID), void WriteEntry(string message, System.Diagnostics.EventLogEntryType type, int eventID, int16 category)",
            ),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "log" | "logdisplayname" => Value::String(self.log.clone()),
            "machinename" => Value::String(self.machine.clone().unwrap_or_else(|| ".".into())),
            "source" => Value::String(self.source.borrow().clone()),
            "entries" => self.read(),
            _ => return None,
        })
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        if name.eq_ignore_ascii_case("source") {
            *self.source.borrow_mut() = value.to_display_string();
            return Ok(());
        }
        Err(match self.members().iter().find(|m| m.name.eq_ignore_ascii_case(name)) {
            Some(_) => crate::shell::runtime::object::property_read_only(name),
            None => crate::shell::runtime::object::property_not_found(name, &self.type_name()),
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if !name.eq_ignore_ascii_case("writeentry") {
            return None;
        }
        if args.is_empty() || args.len() > 4 {
            return Some(Err(overload_not_found(name, args.len())));
        }
        // A type that is not an EventLogEntryType fails converting the argument, before anything.
        if let Some(kind) = args.get(1)
            && let Err(e) = entry_type(kind)
        {
            return Some(Err(e));
        }
        let source = self.source.borrow().clone();
        let event_id = match args.get(2) {
            Some(_) => match super::arg_i64(args, 2, name) {
                Ok(id) => id,
                Err(e) => return Some(Err(e)),
            },
            None => 0,
        };
        let entry = NewEntry {
            node: self.machine.as_deref(),
            // An EventLog made without a log writes to the one its source belongs to.
            log: if self.log.is_empty() { api::event_log_of(source.trim()) } else { self.log.as_str() },
            source: &source,
            message: &super::arg_text(args, 0),
            entry_type: args.get(1).unwrap_or(&Value::Null),
            event_id,
        };
        Some(write(&self.client, &entry).map(|()| Value::Null).map_err(|f| f.thrown(name, args.len())))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An EventLogEntryType from its name or number.
fn entry_type(value: &Value) -> Result<Value, ErrorRecord> {
    if matches!(value, Value::Null) {
        return Ok(ExchangeEnum::value(ENTRY_TYPE_ENUM, "Information"));
    }
    let text = value.to_display_string();
    let found = ENTRY_TYPES
        .iter()
        .find(|(n, v)| n.eq_ignore_ascii_case(text.trim()) || text.trim().parse::<i64>().is_ok_and(|t| t == *v));
    match found {
        Some((n, _)) => Ok(ExchangeEnum::value(ENTRY_TYPE_ENUM, *n)),
        None => Err(ErrorRecord::new(
            "InvalidCastFromStringToEnum",
            "InvalidArgument",
            format!(
                "Cannot convert value \"{text}\" to type \"System.Diagnostics.EventLogEntryType\". Error: \"Unable to match the identifier name {text} to a valid enumerator name. Specify one of the following enumerator names and try again: Error, Warning, Information, SuccessAudit, FailureAudit\""
            ),
        )
        .exception("System.Management.Automation.PSInvalidCastException")),
    }
}

pub struct EventLogType;
pub static EVENT_LOG: EventLogType = EventLogType;

impl NetType for EventLogType {
    fn full_name(&self) -> &'static str {
        "System.Diagnostics.EventLog"
    }

    fn construct(&self, _args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        // An EventLog reads the lab, which only a cmdlet's client reaches: New-Object makes it.
        Some(Err(ErrorRecord::new(
            "EventLogNeedsNewObject",
            "NotImplemented",
            "ccrsh makes an EventLog only with New-Object.".into(),
        )
        .with_hint("Write New-Object System.Diagnostics.EventLog('Application', 'NODE'), or use Get-EventLog.")))
    }
}

pub struct EventLogEntryTypeType;
pub static EVENT_LOG_ENTRY_TYPE: EventLogEntryTypeType = EventLogEntryTypeType;

impl NetType for EventLogEntryTypeType {
    fn full_name(&self) -> &'static str {
        ENTRY_TYPE_ENUM
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        ENTRY_TYPES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(n, _)| ExchangeEnum::value(ENTRY_TYPE_ENUM, *n))
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        Some(entry_type(value))
    }

    fn static_members(&self) -> Vec<Member> {
        ENTRY_TYPES.iter().map(|(n, _)| Member::property(n, ENTRY_TYPE_ENUM)).collect()
    }
}
