//! `[System.Diagnostics.EventLog]` and `[System.Diagnostics.EventLogEntryType]`:
//! `New-Object System.Diagnostics.EventLog('Application', NODE)` reads a lab node's event log
//! as `Get-EventLog` does (`.Entries`, `.Log`, `.MachineName`, `.LogDisplayName`), asking ccrd
//! each time `.Entries` is read. `WriteEntry` is refused and writes nothing: the lab's event
//! logs are written by ccrd for what happens in the lab, and its API has no route to add one.
//!
//! Owns: the EventLog type and objects, the EventLogEntryType enumeration, and the
//! EventLogEntry records both this type and `Get-EventLog` return ([`entries`]).
//!
//! Must not: speak HTTP other than through the client New-Object gave.

use std::any::Any;
use std::fmt;
use std::rc::Rc;

use crate::api::{self, EventQuery, routes};
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

/// One EventLog: a log of a node (`None`: the computer the shell runs on, `.`).
pub struct EventLog {
    client: Rc<Client>,
    log: String,
    machine: Option<String>,
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
        Ok(Value::Object(ObjectRef::new(EventLog { client, log, machine })))
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
            Member::property("Entries", "System.Diagnostics.EventLogEntryCollection"),
            Member::method("WriteEntry", "void WriteEntry(string message, System.Diagnostics.EventLogEntryType type)"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "log" | "logdisplayname" => Value::String(self.log.clone()),
            "machinename" => Value::String(self.machine.clone().unwrap_or_else(|| ".".into())),
            "entries" => self.read(),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if !name.eq_ignore_ascii_case("writeentry") {
            return None;
        }
        if args.is_empty() || args.len() > 4 {
            return Some(Err(overload_not_found(name, args.len())));
        }
        if let Some(kind) = args.get(1)
            && let Err(e) = entry_type(kind)
        {
            return Some(Err(e));
        }
        let on = self.machine.clone().unwrap_or_else(|| ".".into());
        Some(Err(method_threw(
            name,
            args.len(),
            &format!("ccrsh cannot write to the {} log of '{on}': nothing was written.", self.log),
        )
        .exception("System.InvalidOperationException")
        .with_hint(
            "The lab's event logs hold what ccrd records for the lab's own events (Get-EventLog shows them); \
             ccrd has no route to add an entry. Keep your script's own log with Add-Content or Out-File -Append.",
        )))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An EventLogEntryType from its name or number.
fn entry_type(value: &Value) -> Result<Value, ErrorRecord> {
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
