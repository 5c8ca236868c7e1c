//! The transport dumpster's settings: `Get-TransportConfig`, `Set-TransportConfig`.
//!
//! Must not: decide what the dumpster resends; ccrd does after a lossy mount.

use super::exchange_objects;
use super::{Context, client_error, read_from};
use crate::api::{self, routes};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

pub fn get_transport_config(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let config: api::TransportConfig = cx.client.get(routes::TRANSPORT_CONFIG, &()).map_err(client_error)?;
    Ok(vec![exchange_objects::transport_config(config, read_from(call)).into()])
}

pub fn set_transport_config(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let request = api::TransportConfigRequest {
        max_dumpster_size_per_storage_group_bytes: call
            .int("MaxDumpsterSizePerStorageGroup")
            .map(|b| u64::try_from(b).unwrap_or(0)),
        max_dumpster_time_seconds: super::change::seconds(call, "MaxDumpsterTime"),
        domain_controller: call.string("DomainController"),
    };
    if !super::change::should_process(call, cx, "Transport Settings", false)? {
        return Ok(Vec::new());
    }
    let _: api::OperationResult = cx.client.post(routes::TRANSPORT_CONFIG, &request).map_err(client_error)?;
    Ok(Vec::new())
}
