//! `Get-WmiObject` for the classes CCR/SCR scripts read: `Win32_LogicalDisk` and
//! `Win32_Volume` of the lab's computers, from ccrd's `/v1/lab/volumes` (each computer's
//! `C:` is the real file system holding its lab files); `Win32_Service`, each computer's
//! Windows services as `/v1/lab/services` decides them from the estate; and
//! `Win32_PingStatus`, the PowerShell 1.0 way to ping (`-Filter "Address='NODE'"`), answered
//! from the same reachability Test-Connection uses; `Win32_OperatingSystem` (LastBootUpTime:
//! when the lab built the computer or last started the node, with `ConvertToDateTime`) and
//! `Win32_ComputerSystem` (name, domain, role) of a reachable computer. A small WQL `-Filter`
//! (conditions joined with AND) as scripts write it.
//!
//! Must not: read the lab's files or the local machine's disks, or send a packet: ccrd answers
//! for the lab.

use super::{Context, client_error};
use crate::api::{self, IdentityQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::management::{self, ManagementObject};
use crate::shell::value::{Record, Value};

const LOGICAL_DISK: &str = "Win32_LogicalDisk";
const VOLUME: &str = "Win32_Volume";
const SERVICE: &str = "Win32_Service";
const PING_STATUS: &str = "Win32_PingStatus";
const OPERATING_SYSTEM: &str = "Win32_OperatingSystem";
const COMPUTER_SYSTEM: &str = "Win32_ComputerSystem";
/// IP_REQ_TIMED_OUT, what Win32_PingStatus reports for a computer that does not answer.
const TIMED_OUT: i64 = 11010;
/// WSAHOST_NOT_FOUND, a name that does not resolve.
const HOST_NOT_FOUND: i64 = 11001;

pub fn get_wmi_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let class = call.string("Class").unwrap_or_default();
    let class = [LOGICAL_DISK, VOLUME, SERVICE, PING_STATUS, OPERATING_SYSTEM, COMPUTER_SYSTEM]
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(class.trim()))
        .ok_or_else(|| {
            ErrorRecord::new("GetWMIManagementException", "InvalidType", format!("Invalid class \"{class}\""))
                .with_hint(
                    "ccrsh's WMI knows Win32_LogicalDisk, Win32_Volume, Win32_Service, Win32_PingStatus, \
                 Win32_OperatingSystem and Win32_ComputerSystem.",
                )
        })?;
    if let Some(namespace) = call.string("Namespace") {
        let plain = namespace.trim().trim_start_matches('\\').replace('/', "\\").to_ascii_lowercase();
        if plain != "root\\cimv2" {
            return Err(ErrorRecord::new("GetWMIManagementException", "InvalidArgument", "Invalid namespace".into())
                .with_hint(format!("{class} is in root\\cimv2.")));
        }
    }
    let filter = match call.string("Filter") {
        Some(text) => parse_filter(&text)?,
        None => Vec::new(),
    };
    if class == PING_STATUS {
        return ping_status(&filter, cx).map(|r| vec![r.into()]);
    }
    let computers = call
        .strings("ComputerName")
        .unwrap_or_else(|| vec![crate::shell::runtime::environment::get("COMPUTERNAME").unwrap_or_else(|| ".".into())]);
    let mut out = Vec::new();
    if class == OPERATING_SYSTEM || class == COMPUTER_SYSTEM {
        for computer in computers {
            let query = api::ServicesQuery { computer: computer.clone(), from: cx.engine.computer() };
            let found: api::LabServices = cx.client.get(routes::LAB_SERVICES, &query).map_err(client_error)?;
            if found.unreachable.is_some() {
                cx.errors.push(rpc_unavailable(&computer));
                continue;
            }
            let object = if class == OPERATING_SYSTEM { operating_system(&found) } else { computer_system(&found) };
            out.push(object);
        }
        return Ok(out);
    }
    if class == SERVICE {
        for computer in computers {
            match services(&computer, cx)? {
                Some(records) => {
                    out.extend(records.into_iter().filter(|r| filter.iter().all(|c| c.holds(r))).map(Value::from))
                }
                None => cx.errors.push(rpc_unavailable(&computer)),
            }
        }
        return Ok(out);
    }
    for computer in computers {
        let query = IdentityQuery { identity: Some(computer.clone()) };
        let volumes: Vec<api::Volume> = cx.client.get(routes::LAB_VOLUMES, &query).map_err(client_error)?;
        match volumes.first() {
            Some(v) if v.powered_on => {}
            _ => {
                cx.errors.push(rpc_unavailable(&computer));
                continue;
            }
        }
        for volume in volumes {
            let record = if class == LOGICAL_DISK { logical_disk(volume) } else { win32_volume(volume) };
            if filter.iter().all(|c| c.holds(&record)) {
                out.push(record.into());
            }
        }
    }
    Ok(out)
}

/// What WMI says of a computer that does not answer.
fn rpc_unavailable(computer: &str) -> ErrorRecord {
    ErrorRecord::new(
        "GetWMICOMException",
        "InvalidOperation",
        "The RPC server is unavailable. (Exception from HRESULT: 0x800706BA)".into(),
    )
    .with_hint(format!(
        "{computer} is not a running computer of the lab (Get-LabNode shows the nodes and their power)."
    ))
}

/// The computer's services as Win32_Service objects; `None` when it does not answer.
fn services(computer: &str, cx: &mut Context<'_>) -> Result<Option<Vec<Record>>, ErrorRecord> {
    let query = api::ServicesQuery { computer: computer.to_string(), from: cx.engine.computer() };
    let found: api::LabServices = cx.client.get(routes::LAB_SERVICES, &query).map_err(client_error)?;
    if found.unreachable.is_some() {
        return Ok(None);
    }
    let server = found.computer;
    Ok(Some(
        found
            .services
            .into_iter()
            .map(|s| {
                let state = if s.running { "Running" } else { "Stopped" };
                let mode = if s.start_type.eq_ignore_ascii_case("Automatic") { "Auto" } else { "Manual" };
                Record::new(format!("System.Management.ManagementObject#root\\cimv2\\{SERVICE}"))
                    .with_text(format!("\\\\{server}\\root\\cimv2:{SERVICE}.Name=\"{}\"", s.name))
                    .with("ExitCode", 0_i64)
                    .with("Name", s.name.clone())
                    .with("StartMode", mode)
                    .with("State", state)
                    .with("Status", "OK")
                    .with("__CLASS", SERVICE)
                    .with("__SERVER", server.clone())
                    .with("Caption", s.display_name.clone())
                    .with("DisplayName", s.display_name)
                    .with("Started", s.running)
                    .with("SystemName", server.clone())
            })
            .collect(),
    ))
}

/// `Win32_PingStatus` for the one address the filter names, from the computer the session is
/// on: StatusCode 0 when the lab computer answers, 11010 (timed out) when it is off or cut
/// off; a name the lab does not have does not resolve (PrimaryAddressResolutionStatus 11001).
fn ping_status(filter: &[Condition], cx: &mut Context<'_>) -> Result<Record, ErrorRecord> {
    let address = filter
        .iter()
        .find(|c| c.equal && c.property.eq_ignore_ascii_case("Address"))
        .map(|c| c.value.clone())
        .ok_or_else(|| {
            ErrorRecord::new("GetWMIManagementException", "InvalidArgument", "Invalid query ".into())
                .with_hint("Win32_PingStatus answers for one address: -Filter \"Address='NH-W2K3-SRV03'\".")
        })?;
    let query = api::ServicesQuery { computer: address.clone(), from: cx.engine.computer() };
    let (resolution, status, protocol_address) = match cx.client.get::<api::LabServices>(routes::LAB_SERVICES, &query) {
        Ok(found) => {
            let reached = found.address.unwrap_or(found.computer);
            if found.unreachable.is_none() { (0, Some(0), reached) } else { (0, Some(TIMED_OUT), reached) }
        }
        Err(crate::shell::client::ClientError::Rejected(body))
            if body.code == api::ErrorCode::ManagementObjectNotFound =>
        {
            (HOST_NOT_FOUND, None, String::new())
        }
        Err(other) => return Err(client_error(other)),
    };
    let from = crate::shell::runtime::dotnet::machine_name();
    Ok(Record::new(format!("System.Management.ManagementObject#root\\cimv2\\{PING_STATUS}"))
        .with_text(format!("\\\\{from}\\root\\cimv2:{PING_STATUS}.Address=\"{address}\""))
        .with("Address", address)
        .with("BufferSize", 32_i64)
        .with("NoFragmentation", false)
        .with("PrimaryAddressResolutionStatus", resolution)
        .with("ProtocolAddress", protocol_address)
        .with("ResponseTime", if status == Some(0) { Value::Int(0) } else { Value::Null })
        .with("StatusCode", status.map_or(Value::Null, Value::Int))
        .with("Timeout", 1000_i64)
        .with("TimeToLive", 80_i64)
        .with("__CLASS", PING_STATUS)
        .with("__SERVER", from))
}

/// Windows Server 2003 SP2 x64, what the lab's computers run (Exchange 2007 needs x64).
const OS_CAPTION: &str = "Microsoft(R) Windows(R) Server 2003 Enterprise x64 Edition";

/// `Win32_OperatingSystem`: the computer's Windows and its LastBootUpTime (when the lab built
/// it, or a node's last Start-LabNode), as WMI's DMTF date strings.
fn operating_system(found: &api::LabServices) -> Value {
    let computer = &found.computer;
    let boot = found.last_boot_up_time.map_or(Value::Null, |t| Value::String(management::dmtf(t)));
    let properties: Vec<(&str, Value)> = vec![
        ("__CLASS", OPERATING_SYSTEM.into()),
        ("__SERVER", computer.as_str().into()),
        ("BootDevice", "\\Device\\HarddiskVolume1".into()),
        ("BuildNumber", "3790".into()),
        ("BuildType", "Multiprocessor Free".into()),
        ("Caption", OS_CAPTION.into()),
        ("CSDVersion", "Service Pack 2".into()),
        ("CSName", computer.as_str().into()),
        ("CurrentTimeZone", Value::Int(0)),
        ("LastBootUpTime", boot),
        ("LocalDateTime", Value::String(management::dmtf(chrono::Utc::now()))),
        ("Manufacturer", "Microsoft Corporation".into()),
        ("Name", format!("{OS_CAPTION}|C:\\WINDOWS|\\Device\\Harddisk0\\Partition1").into()),
        ("OSType", Value::Int(18)),
        ("Primary", Value::Bool(true)),
        ("ProductType", Value::Int(3)),
        ("ServicePackMajorVersion", Value::Int(2)),
        ("ServicePackMinorVersion", Value::Int(0)),
        ("Status", "OK".into()),
        ("SystemDirectory", "C:\\WINDOWS\\system32".into()),
        ("SystemDrive", "C:".into()),
        ("Version", "5.2.3790".into()),
        ("WindowsDirectory", "C:\\WINDOWS".into()),
    ];
    let path = format!("\\\\{computer}\\root\\cimv2:{OPERATING_SYSTEM}=@");
    ManagementObject::value(OPERATING_SYSTEM, path, properties.into_iter().map(|(n, v)| (n.to_string(), v)).collect())
}

/// `Win32_ComputerSystem`: the computer's name, domain and role in it (5: a domain controller,
/// 3: a member server, 1: the management workstation).
fn computer_system(found: &api::LabServices) -> Value {
    let computer = &found.computer;
    let domain_controller = found.services.iter().any(|s| s.name.eq_ignore_ascii_case("kdc"));
    let role = if domain_controller {
        5
    } else if found.roles.is_empty() && !found.services.iter().any(|s| s.name.eq_ignore_ascii_case("ClusSvc")) {
        1
    } else {
        3
    };
    let properties: Vec<(&str, Value)> = vec![
        ("__CLASS", COMPUTER_SYSTEM.into()),
        ("__SERVER", computer.as_str().into()),
        ("BootupState", "Normal boot".into()),
        ("Caption", computer.as_str().into()),
        ("DNSHostName", computer.to_ascii_lowercase().into()),
        ("Domain", found.domain.as_str().into()),
        ("DomainRole", Value::Int(role)),
        ("Name", computer.as_str().into()),
        ("PartOfDomain", Value::Bool(true)),
        ("Status", "OK".into()),
        ("SystemType", "x64-based PC".into()),
        ("Workgroup", Value::Null),
    ];
    let path = format!("\\\\{computer}\\root\\cimv2:{COMPUTER_SYSTEM}.Name=\"{computer}\"");
    ManagementObject::value(COMPUTER_SYSTEM, path, properties.into_iter().map(|(n, v)| (n.to_string(), v)).collect())
}

fn logical_disk(v: api::Volume) -> Record {
    Record::new(format!("System.Management.ManagementObject#root\\cimv2\\{LOGICAL_DISK}"))
        .with_text(format!("\\\\{}\\root\\cimv2:{LOGICAL_DISK}.DeviceID=\"{}\"", v.computer, v.drive_letter))
        .with("DeviceID", v.drive_letter.clone())
        .with("DriveType", 3_i64)
        .with("ProviderName", Value::Null)
        .with("FreeSpace", to_i64(v.free_bytes))
        .with("Size", to_i64(v.capacity_bytes))
        .with("VolumeName", "")
        .with("__CLASS", LOGICAL_DISK)
        .with("__SERVER", v.computer.clone())
        .with("Caption", v.drive_letter.clone())
        .with("Description", "Local Fixed Disk")
        .with("FileSystem", "NTFS")
        .with("MediaType", 12_i64)
        .with("Name", v.drive_letter)
        .with("SystemName", v.computer)
        .with("LabBytes", to_i64(v.lab_bytes))
}

fn win32_volume(v: api::Volume) -> Record {
    let name = format!("{}\\", v.drive_letter);
    Record::new(format!("System.Management.ManagementObject#root\\cimv2\\{VOLUME}"))
        .with_text(name.clone())
        .with("__CLASS", VOLUME)
        .with("__SERVER", v.computer.clone())
        .with("BlockSize", 4096_i64)
        .with("Capacity", to_i64(v.capacity_bytes))
        .with("Caption", name.clone())
        .with("DriveLetter", v.drive_letter)
        .with("DriveType", 3_i64)
        .with("FileSystem", "NTFS")
        .with("FreeSpace", to_i64(v.free_bytes))
        .with("Label", Value::Null)
        .with("Name", name)
        .with("SystemName", v.computer)
        .with("LabBytes", to_i64(v.lab_bytes))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// One WQL condition: `Property = Value` or `Property <> Value`.
#[derive(Debug, PartialEq)]
struct Condition {
    property: String,
    value: String,
    equal: bool,
}

impl Condition {
    fn holds(&self, record: &Record) -> bool {
        let found = record
            .properties
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&self.property))
            .map(|(_, v)| v.to_display_string());
        found.is_some_and(|v| v.eq_ignore_ascii_case(&self.value) == self.equal)
    }
}

/// Reads `A=1 AND B<>'x'`; anything else is WMI's "Invalid query".
fn parse_filter(text: &str) -> Result<Vec<Condition>, ErrorRecord> {
    let invalid = || {
        ErrorRecord::new("GetWMIManagementException", "InvalidArgument", "Invalid query ".into()).with_hint(
            "Write -Filter as Property=Value conditions joined with AND, e.g. \"DriveType=3 AND DeviceID='C:'\".",
        )
    };
    let lower = text.to_ascii_lowercase();
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, _) in lower.match_indices(" and ") {
        parts.push(&text[start..at]);
        start = at + 5;
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .map(|part| {
            let (property, value, equal) = if let Some((p, v)) = part.split_once("<>") {
                (p, v, false)
            } else if let Some((p, v)) = part.split_once("!=") {
                (p, v, false)
            } else if let Some((p, v)) = part.split_once('=') {
                (p, v, true)
            } else {
                return Err(invalid());
            };
            let property = property.trim();
            let value = value.trim();
            let value = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).unwrap_or(value);
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
            if property.is_empty() || !property.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(invalid());
            }
            Ok(Condition { property: property.to_string(), value: value.to_string(), equal })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wql_conditions_read_as_scripts_write_them() {
        let c = parse_filter("DriveType=3 AND DeviceID = 'C:'").expect("reads");
        assert_eq!(c.len(), 2);
        assert_eq!(c[1], Condition { property: "DeviceID".into(), value: "C:".into(), equal: true });
        assert!(!parse_filter("DriveType <> 3").expect("reads")[0].equal);
        assert!(parse_filter("DriveType").is_err());
        assert!(parse_filter("Drive Type=3").is_err());
    }
}
