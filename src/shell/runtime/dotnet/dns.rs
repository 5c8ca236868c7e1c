//! `[System.Net.Dns]`: `GetHostName()`, and `GetHostEntry`/`GetHostAddresses`/`Resolve` for
//! this machine's own names only: `localhost`, the host name, the loopback addresses, and the
//! names `/etc/hosts` lists. ccrsh never asks a DNS server (the lab's nodes answer through
//! their own cmdlets); any other name is .NET's "No such host is known." with a hint.
//!
//! Owns: the Dns type, IPHostEntry and IPAddress values.
//!
//! Must not: open a socket.

use std::net::IpAddr;

use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::object::{Member, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Record, Value};

use super::machine_name;

/// An IPAddress as PowerShell shows it (its text; `AddressFamily`, `IPAddressToString`).
fn address(ip: IpAddr) -> Value {
    let text = ip.to_string();
    let family = if ip.is_ipv4() { "InterNetwork" } else { "InterNetworkV6" };
    Value::record(
        Record::new("System.Net.IPAddress")
            .with_text(text.as_str())
            .with("AddressFamily", family)
            .with("ScopeId", if ip.is_ipv6() { Value::Int(0) } else { Value::Null })
            .with("IsIPv6LinkLocal", matches!(ip, IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80))
            .with("IsIPv4MappedToIPv6", false)
            .with("IPAddressToString", text.as_str()),
    )
}

/// `/etc/hosts` as `(address, names)` lines.
fn hosts_file() -> Vec<(IpAddr, Vec<String>)> {
    let text = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let ip: IpAddr = words.next()?.parse().ok()?;
            Some((ip, words.map(str::to_string).collect()))
        })
        .collect()
}

/// The addresses of a local name, and the name they answer to; `None` for a name this
/// machine does not know itself.
fn resolve_local(name: &str) -> Option<(String, Vec<IpAddr>)> {
    let host = machine_name();
    let wanted = name.trim().trim_end_matches('.');
    if let Ok(ip) = wanted.parse::<IpAddr>() {
        // An address answers as itself, named when the hosts file names it.
        let named = hosts_file().into_iter().find(|(a, _)| *a == ip).and_then(|(_, n)| n.into_iter().next());
        let name =
            named.or_else(|| ip.is_loopback().then(|| "localhost".to_string())).unwrap_or_else(|| ip.to_string());
        return Some((name, vec![ip]));
    }
    let mut found: Vec<IpAddr> = hosts_file()
        .into_iter()
        .filter(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(wanted)))
        .map(|(ip, _)| ip)
        .collect();
    let is_local = wanted.eq_ignore_ascii_case("localhost") || wanted.eq_ignore_ascii_case(&host);
    if found.is_empty() && !is_local {
        return None;
    }
    if found.is_empty() {
        found = vec![IpAddr::from([127, 0, 0, 1]), IpAddr::from(std::net::Ipv6Addr::LOCALHOST)];
    }
    found.dedup();
    let name = if wanted.eq_ignore_ascii_case("localhost") { "localhost".to_string() } else { wanted.to_string() };
    Some((name, found))
}

fn not_known(method: &str, count: usize, name: &str) -> ErrorRecord {
    method_threw(method, count, "No such host is known.")
        .exception("System.Net.Sockets.SocketException")
        .with_hint(format!(
            "ccrsh resolves only this machine's own names (localhost, {}, /etc/hosts), never through DNS; '{name}' is not one of them.",
            machine_name()
        ))
}

pub struct DnsType;
pub static DNS: DnsType = DnsType;

impl NetType for DnsType {
    fn full_name(&self) -> &'static str {
        "System.Net.Dns"
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        let count = args.len();
        let target = args.first().map(Value::to_display_string).unwrap_or_default();
        let result = match (lower.as_str(), count) {
            ("gethostname", 0) => Ok(Value::String(machine_name())),
            ("gethostentry" | "resolve" | "gethostbyname", 1) => match resolve_local(&target) {
                Some((host, addresses)) => Ok(Value::record(
                    Record::new("System.Net.IPHostEntry")
                        .with("HostName", host)
                        .with("Aliases", Value::array(Vec::new()))
                        .with("AddressList", Value::array(addresses.into_iter().map(address).collect())),
                )),
                None => Err(not_known(name, count, &target)),
            },
            ("gethostaddresses", 1) => match resolve_local(&target) {
                Some((_, addresses)) => Ok(Value::array(addresses.into_iter().map(address).collect())),
                None => Err(not_known(name, count, &target)),
            },
            ("gethostname" | "gethostentry" | "resolve" | "gethostbyname" | "gethostaddresses", n) => {
                Err(overload_not_found(name, n))
            }
            _ => return None,
        };
        Some(result)
    }

    fn static_members(&self) -> Vec<Member> {
        vec![
            Member::method(
                "GetHostAddresses",
                "static System.Net.IPAddress[] GetHostAddresses(string hostNameOrAddress)",
            ),
            Member::method("GetHostEntry", "static System.Net.IPHostEntry GetHostEntry(string hostNameOrAddress)"),
            Member::method("GetHostName", "static string GetHostName()"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_names_resolve() {
        let (name, addresses) = resolve_local("localhost").expect("localhost");
        assert_eq!(name, "localhost");
        assert!(addresses.iter().all(IpAddr::is_loopback), "{addresses:?}");
        assert!(resolve_local(&machine_name()).is_some());
        assert_eq!(resolve_local("127.0.0.1").map(|(_, a)| a), Some(vec![IpAddr::from([127, 0, 0, 1])]));
        assert!(resolve_local("exchange.example.invalid").is_none());
    }
}
