//! `[System.Net.NetworkInformation.Ping]`: `New-Object Net.NetworkInformation.Ping` and
//! `.Send(name or address[, timeout])`, answered from the lab's own state as ccrd reports it
//! (`GET /v1/lab/services`, the reachability Test-Connection uses): a lab computer (a node, a
//! clustered mailbox server while online, a hub transport server, …) that is up and not cut
//! off from the computer the ping runs on (the workstation, or the node of an
//! `Enter-PSSession`) replies `Success`; one that is off, or behind a cut link, `TimedOut`.
//! This machine's own names answer from loopback. Any other name throws .NET's PingException
//! text. No ICMP packet is ever sent.
//!
//! Owns: the Ping type, its objects and PingReply values.
//!
//! Must not: open a socket other than ccrd's, through the client New-Object gave.

use std::any::Any;
use std::fmt;
use std::rc::Rc;

use crate::api::{self, routes};
use crate::shell::client::{Client, ClientError};
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Record, Value};

use super::machine_name;

const REPLY_TYPE: &str = "System.Net.NetworkInformation.PingReply";

/// One Ping: the lab it asks and the computer it runs on (`None`: the workstation).
pub struct Ping {
    client: Rc<Client>,
    from: Option<String>,
}

impl fmt::Debug for Ping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ping").field("from", &self.from).finish_non_exhaustive()
    }
}

impl Ping {
    /// A Ping on `from` (`None`: the admin's workstation) that asks the lab through `client`.
    pub fn new_object(client: Rc<Client>, from: Option<String>) -> Value {
        Value::Object(ObjectRef::new(Ping { client, from }))
    }

    fn send(&self, name: &str, args: &[Value]) -> Result<Value, ErrorRecord> {
        let target = super::arg_text(args, 0);
        let wanted = target.trim().trim_end_matches('.');
        let threw = |message: &str| {
            method_threw(name, args.len(), message).exception("System.Net.NetworkInformation.PingException")
        };
        if wanted.is_empty() {
            return Err(method_threw(name, args.len(), "Value cannot be null. (Parameter 'hostNameOrAddress')")
                .exception("System.ArgumentNullException")
                .with_hint("Give a node's name or address: $ping.Send('NH-W2K3-SRV01')."));
        }
        let local = wanted.eq_ignore_ascii_case("localhost")
            || wanted.eq_ignore_ascii_case(&machine_name())
            || wanted.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if local && self.from.is_none() {
            let address = if wanted.contains(':') { "::1" } else { "127.0.0.1" };
            return Ok(reply("Success", address, 0));
        }
        // The lab decides who answers: ccrd's reachability (engine::services) for any of its
        // computers, by name, FQDN or topology address.
        let query = api::ServicesQuery { computer: wanted.to_string(), from: self.from.clone() };
        let found = match self.client.get::<api::LabServices>(routes::LAB_SERVICES, &query) {
            Ok(found) => found,
            Err(ClientError::Rejected(body)) if body.code == api::ErrorCode::ManagementObjectNotFound => {
                return Err(threw("An exception occurred during a Ping request.").with_hint(format!(
                    "'{target}' is not a computer of the lab (Get-LabNode lists the nodes); ccrsh never sends a real ICMP packet."
                )));
            }
            Err(e) => {
                return Err(threw("An exception occurred during a Ping request.").with_hint(format!(
                    "ccrsh pings the lab's computers as ccrd reports them, and ccrd did not answer: {e}"
                )));
            }
        };
        let address = found.address.clone().unwrap_or_else(|| found.computer.clone());
        Ok(reply(if found.unreachable.is_none() { "Success" } else { "TimedOut" }, &address, 0))
    }
}

/// A PingReply as PowerShell shows it.
fn reply(status: &str, address: &str, roundtrip: i64) -> Value {
    let success = status == "Success";
    Value::record(
        Record::new(REPLY_TYPE)
            .with("Status", status)
            .with("Address", address)
            .with("RoundtripTime", roundtrip)
            .with(
                "Options",
                if success {
                    Value::record(
                        Record::new("System.Net.NetworkInformation.PingOptions")
                            .with("Ttl", 128_i64)
                            .with("DontFragment", false),
                    )
                } else {
                    Value::Null
                },
            )
            .with("Buffer", Value::array(if success { vec![Value::Int(0); 32] } else { Vec::new() })),
    )
}

impl NetObject for Ping {
    fn type_name(&self) -> String {
        "System.Net.NetworkInformation.Ping".into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![self.type_name(), "System.ComponentModel.Component".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        vec![Member::method(
            "Send",
            "System.Net.NetworkInformation.PingReply Send(string hostNameOrAddress), \
             System.Net.NetworkInformation.PingReply Send(string hostNameOrAddress, int timeout)",
        )]
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if !name.eq_ignore_ascii_case("send") {
            return None;
        }
        Some(match args.len() {
            1 | 2 => self.send(name, args),
            n => Err(overload_not_found(name, n)),
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

pub struct PingType;
pub static PING: PingType = PingType;

impl NetType for PingType {
    fn full_name(&self) -> &'static str {
        "System.Net.NetworkInformation.Ping"
    }

    fn construct(&self, _args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        // A Ping asks the lab, which only a cmdlet's client reaches: New-Object makes it.
        Some(Err(ErrorRecord::new(
            "PingNeedsNewObject",
            "NotImplemented",
            "ccrsh makes a Ping only with New-Object.".into(),
        )
        .with_hint(
            "Write New-Object System.Net.NetworkInformation.Ping instead of [Net.NetworkInformation.Ping]::new().",
        )))
    }
}
