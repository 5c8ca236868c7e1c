//! The transport dumpster's settings: `Get-TransportConfig`, `Set-TransportConfig`.
//!
//! Must not: decide what the dumpster resends; ccrd does after a lossy mount.

use super::{Context, client_error};
use crate::api::{self, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, TimeSpan, Value};

const CONFIG_TYPE: &str = "Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer";

pub fn get_transport_config(_call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let config: api::TransportConfig = cx.client.get(routes::TRANSPORT_CONFIG, &()).map_err(client_error)?;
    let bytes = config.max_dumpster_size_per_storage_group_bytes;
    let time =
        TimeSpan { ticks: i64::try_from(config.max_dumpster_time_seconds).unwrap_or(0) * TimeSpan::TICKS_PER_SECOND };
    Ok(vec![
        Record::new(CONFIG_TYPE)
            .with("Identity", "Transport Settings")
            .with("MaxDumpsterSizePerStorageGroup", format!("{} ({bytes} bytes)", quantified(bytes)))
            .with("MaxDumpsterTime", time)
            .into(),
    ])
}

/// Bytes as Exchange's ByteQuantifiedSize prints them: `18 MB`.
fn quantified(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} B")
}

pub fn set_transport_config(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let request = api::TransportConfigRequest {
        max_dumpster_size_per_storage_group_bytes: call
            .int("MaxDumpsterSizePerStorageGroup")
            .map(|b| u64::try_from(b).unwrap_or(0)),
        max_dumpster_time_seconds: super::change::seconds(call, "MaxDumpsterTime"),
    };
    if !super::change::should_process(call, cx, "Transport Settings", false)? {
        return Ok(Vec::new());
    }
    let _: api::OperationResult = cx.client.post(routes::TRANSPORT_CONFIG, &request).map_err(client_error)?;
    Ok(Vec::new())
}
