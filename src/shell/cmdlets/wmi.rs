//! `Get-WmiObject` for the classes CCR/SCR scripts read: `Win32_LogicalDisk` and
//! `Win32_Volume` of the lab's computers, from ccrd's `/v1/lab/volumes` (each computer's
//! `C:` is the real file system holding its lab files). A small WQL `-Filter` (conditions
//! joined with AND) as scripts write it.
//!
//! Must not: read the lab's files or the local machine's disks: ccrd answers for the lab.

use super::{Context, client_error};
use crate::api::{self, IdentityQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, Value};

const LOGICAL_DISK: &str = "Win32_LogicalDisk";
const VOLUME: &str = "Win32_Volume";

pub fn get_wmi_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let class = call.string("Class").unwrap_or_default();
    let class = [LOGICAL_DISK, VOLUME].into_iter().find(|c| c.eq_ignore_ascii_case(class.trim())).ok_or_else(|| {
        ErrorRecord::new("GetWMIManagementException", "InvalidType", format!("Invalid class \"{class}\""))
            .with_hint("ccrsh's WMI knows Win32_LogicalDisk and Win32_Volume.")
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
    let computers = call
        .strings("ComputerName")
        .unwrap_or_else(|| vec![crate::shell::runtime::environment::get("COMPUTERNAME").unwrap_or_else(|| ".".into())]);
    let mut out = Vec::new();
    for computer in computers {
        let query = IdentityQuery { identity: Some(computer.clone()) };
        let volumes: Vec<api::Volume> = cx.client.get(routes::LAB_VOLUMES, &query).map_err(client_error)?;
        match volumes.first() {
            Some(v) if v.powered_on => {}
            _ => {
                cx.errors.push(
                    ErrorRecord::new(
                        "GetWMICOMException",
                        "InvalidOperation",
                        "The RPC server is unavailable. (Exception from HRESULT: 0x800706BA)".into(),
                    )
                    .with_hint(format!(
                        "{computer} is not a running computer of the lab (Get-LabNode shows the nodes and their power)."
                    )),
                );
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
