//! `Test-Connection` (PowerShell 2.0's, Win32_PingStatus objects) and the `ping` program,
//! answered from the lab's state through ccrd's `/v1/lab/services` (engine::services decides
//! who can be reached from where): a lab computer that is up and not behind a cut link
//! replies; a powered-off node, a computer behind a cut link and a clustered mailbox server
//! whose network name is offline do not; a name the lab does not have is not known. No packet
//! is ever sent, and no time is waited between echoes.
//!
//! Must not: open a socket other than ccrd's, or change anything.

use super::native::set_exit_code;
use super::{Context, client_error};
use crate::api::{self, routes};
use crate::shell::bind::Invocation;
use crate::shell::client::ClientError;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, Value};

/// What one echo request to a name found.
enum Echo {
    /// It replied, from this address (its name when the lab knows no address).
    Reply(String),
    /// It is a lab computer that does not answer.
    Silent(String),
    /// The lab has no computer of that name.
    Unknown,
}

fn echo(name: &str, cx: &mut Context<'_>) -> Result<Echo, ErrorRecord> {
    let query = api::ServicesQuery { computer: name.to_string(), from: cx.engine.computer() };
    match cx.client.get::<api::LabServices>(routes::LAB_SERVICES, &query) {
        Ok(found) => {
            let address = found.address.clone().unwrap_or_else(|| found.computer.clone());
            Ok(if found.unreachable.is_none() { Echo::Reply(address) } else { Echo::Silent(address) })
        }
        Err(ClientError::Rejected(body)) if body.code == api::ErrorCode::ManagementObjectNotFound => Ok(Echo::Unknown),
        Err(other) => Err(client_error(other)),
    }
}

/// The computer the echo requests come from.
fn source() -> String {
    crate::shell::runtime::dotnet::machine_name()
}

fn count(call: &Invocation<'_>, name: &str, default: i64) -> i64 {
    call.int(name).unwrap_or(default)
}

pub fn test_connection(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let echoes = count(call, "Count", 4);
    let bytes = count(call, "BufferSize", 32);
    let ttl = count(call, "TimeToLive", 80);
    let mut out = Vec::new();
    for name in call.strings("ComputerName").unwrap_or_default() {
        let found = echo(name.trim(), cx)?;
        if call.switch("Quiet") {
            out.push(Value::Bool(matches!(found, Echo::Reply(_))));
            continue;
        }
        let address = match found {
            Echo::Reply(address) => address,
            Echo::Silent(_) | Echo::Unknown => {
                let why = if matches!(found, Echo::Unknown) {
                    "No such host is known"
                } else {
                    "Error due to lack of resources"
                };
                cx.errors.push(
                    ErrorRecord::new(
                        "TestConnectionException",
                        "ResourceUnavailable",
                        format!("Testing connection to computer '{name}' failed: {why}"),
                    )
                    .exception("System.Net.NetworkInformation.PingException")
                    .with_hint(format!(
                        "The lab answers for its own computers as they are now: Get-LabNode shows the nodes' power and cut links; '{name}' {}.",
                        if matches!(found, Echo::Unknown) { "is not one of them" } else { "is down or cut off from here" }
                    )),
                );
                continue;
            }
        };
        for _ in 0..echoes.max(0) {
            out.push(status(&name, &address, bytes, ttl));
        }
    }
    Ok(out)
}

/// One Win32_PingStatus reply.
fn status(name: &str, address: &str, bytes: i64, ttl: i64) -> Value {
    let v4 = address.parse::<std::net::Ipv4Addr>().map(|a| a.to_string()).unwrap_or_default();
    Record::new("System.Management.ManagementObject#root\\cimv2\\Win32_PingStatus")
        .with("__SERVER", source())
        .with("Source", source())
        .with("Destination", name.to_string())
        .with("Address", name.to_string())
        .with("IPV4Address", v4.clone())
        .with("IPV6Address", "")
        .with("ProtocolAddress", if v4.is_empty() { address.to_string() } else { v4 })
        .with("Bytes", bytes)
        .with("BufferSize", bytes)
        .with("ReplySize", bytes)
        .with("Time(ms)", 0_i64)
        .with("ResponseTime", 0_i64)
        .with("StatusCode", 0_i64)
        .with("TimeToLive", ttl)
        .with("ResponseTimeToLive", 128_i64)
        .into()
}

/// `ping [-n count] [-l size] NAME`, printed as Windows Server 2003's ping prints it; exit code
/// 0 when a reply came, 1 otherwise.
pub fn ping(words: &[String], cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let result = ping_words(words, cx);
    if result.is_err() {
        set_exit_code(cx, 1);
    }
    result
}

fn ping_words(words: &[String], cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut echoes = 4_u32;
    let mut bytes = 32_u32;
    let mut target = None;
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let lower = word.to_ascii_lowercase();
        let number = |next: Option<&String>| next.and_then(|n| n.parse::<u32>().ok());
        match lower.as_str() {
            "-n" | "/n" => echoes = number(words.next()).ok_or_else(|| ping_usage("-n takes a count"))?.min(1000),
            "-l" | "/l" => bytes = number(words.next()).ok_or_else(|| ping_usage("-l takes a size"))?.min(65500),
            "-t" | "/t" => {
                return Err(ping_usage("-t pings until stopped; the lab answers a counted ping (-n COUNT)"));
            }
            "-4" | "-a" | "/a" => {}
            _ if lower.starts_with('-') || lower.starts_with('/') => {
                return Err(ping_usage(&format!("Bad option {word}.")));
            }
            _ if target.is_none() => target = Some(word.clone()),
            _ => return Err(ping_usage(&format!("'{word}' was not expected."))),
        }
    }
    let Some(target) = target else { return Err(ping_usage("Name the computer to ping.")) };
    let mut lines = Vec::new();
    let (address, replies) = match echo(target.trim(), cx)? {
        Echo::Unknown => {
            set_exit_code(cx, 1);
            return Ok(vec![Value::String(format!(
                "Ping request could not find host {target}. Please check the name and try again."
            ))]);
        }
        Echo::Reply(address) => (address, echoes),
        Echo::Silent(address) => (address, 0),
    };
    lines.push(String::new());
    lines.push(format!("Pinging {target} [{address}] with {bytes} bytes of data:"));
    lines.push(String::new());
    for _ in 0..echoes {
        lines.push(if replies > 0 {
            format!("Reply from {address}: bytes={bytes} time<1ms TTL=128")
        } else {
            "Request timed out.".to_string()
        });
    }
    let lost = echoes - replies;
    let percent = (lost * 100).checked_div(echoes).unwrap_or(0);
    lines.push(String::new());
    lines.push(format!("Ping statistics for {address}:"));
    lines.push(format!("    Packets: Sent = {echoes}, Received = {replies}, Lost = {lost} ({percent}% loss),"));
    if replies > 0 {
        lines.push("Approximate round trip times in milli-seconds:".into());
        lines.push("    Minimum = 0ms, Maximum = 0ms, Average = 0ms".into());
    }
    set_exit_code(cx, i64::from(replies == 0));
    Ok(lines.into_iter().map(Value::String).collect())
}

fn ping_usage(message: &str) -> ErrorRecord {
    ErrorRecord::new(
        "NativeCommandError",
        "InvalidArgument",
        format!("{message} Usage: ping [-n count] [-l size] target_name"),
    )
    .with_hint("ping NH-W2K3-SRV03, or Test-Connection NH-W2K3-SRV03 -Count 1 -Quiet in a script.")
}
