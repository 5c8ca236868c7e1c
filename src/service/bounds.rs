//! The API boundary: every field of every request body and query is bounded here, before a
//! handler acts — identities and names by length, free text by length, and every number by the
//! range Exchange documents for it (`engine::validate` holds the ranges). A request that does
//! not fit is answered `400 InvalidRequest` naming the field, the value's bound and what to do.
//!
//! Every body type a handler reads implements [`Bounded`]; `changes::body` and
//! `routes::query_of` call it, so a new request type does not compile until its fields are
//! bounded.
//!
//! Must not: look at the estate (whether a name exists is the engine's question).

use crate::api::{self, ErrorBody, ErrorCode};
use crate::engine::validate::{
    MAX_DUMPSTER_SIZE_BYTES, MAX_DUMPSTER_TIME_SECONDS, MAX_LAG_SECONDS, MAX_MAIL_BATCH_BYTES, MAX_MAIL_COUNT,
    MAX_MAIL_SIZE_KB, MAX_TEXT_CHARS,
};

use super::error::ServiceError;

/// The longest identity accepted: `Server\Storage Group\Database` is at most 145 characters,
/// but a distinguished name (an identity form Exchange accepts) runs to several hundred.
pub const MAX_IDENTITY_CHARS: usize = 1024;
/// The longest wildcard pattern accepted (`Get-EventLog -Source`).
pub const MAX_PATTERN_CHARS: usize = 256;
/// The longest a settle may wait: one hour.
pub const MAX_SETTLE_MS: u64 = 3_600_000;
/// The longest clock advance in one call: 366 days (the total is bounded by the engine).
pub const MAX_CLOCK_ADVANCE_SECONDS: u64 = 366 * 24 * 3600;

/// A request whose fields can be checked against their bounds.
pub trait Bounded {
    fn check(&self) -> Result<(), ServiceError>;
}

fn refused(field: &str, why: String, hint: &str) -> ServiceError {
    ServiceError(ErrorBody {
        code: ErrorCode::InvalidRequest,
        message: format!("The value of {field} is not accepted: {why}."),
        hint: Some(hint.to_string()),
        target: None,
        report: None,
        candidates: Vec::new(),
    })
}

fn identity(field: &str, value: &str) -> Result<(), ServiceError> {
    let chars = value.chars().count();
    if chars > MAX_IDENTITY_CHARS {
        return Err(refused(
            field,
            format!("it is {chars} characters long; an identity has at most {MAX_IDENTITY_CHARS}"),
            "Give the object's name, Server\\Name, or its Guid.",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(refused(field, "it holds a control character".into(), "Give the object's name as shown by Get-*."));
    }
    Ok(())
}

fn optional_identity(field: &str, value: &Option<String>) -> Result<(), ServiceError> {
    value.as_deref().map_or(Ok(()), |v| identity(field, v))
}

fn text(field: &str, value: &str) -> Result<(), ServiceError> {
    let chars = value.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(refused(
            field,
            format!("it is {chars} characters long; at most {MAX_TEXT_CHARS} are kept"),
            "Shorten the comment.",
        ));
    }
    Ok(())
}

fn at_most(field: &str, value: u64, max: u64, shown_max: &str) -> Result<(), ServiceError> {
    at_most_as(field, value, max, shown_max, &format!("Give at most {shown_max}."))
}

/// As [`at_most`], with the hint in the words of the cmdlet's parameter.
fn at_most_as(field: &str, value: u64, max: u64, shown_max: &str, hint: &str) -> Result<(), ServiceError> {
    if value > max {
        return Err(refused(field, format!("{value} is more than {shown_max}"), hint));
    }
    Ok(())
}

macro_rules! identities_only {
    ($($request:ty => [$($field:ident),*]),* $(,)?) => {$(
        impl Bounded for $request {
            fn check(&self) -> Result<(), ServiceError> {
                $(identity(stringify!($field), &self.$field)?;)*
                Ok(())
            }
        }
    )*};
}

/// `-DomainController`: an FQDN, at most 255 characters.
fn domain_controller(value: &Option<String>) -> Result<(), ServiceError> {
    match value {
        Some(dc) if dc.chars().count() > 255 || dc.chars().any(|c| c.is_control() || c.is_whitespace()) => {
            Err(refused(
                "domainController",
                "it is not a fully qualified domain name".into(),
                "Give a host name such as dc01.contoso.local.",
            ))
        }
        _ => Ok(()),
    }
}

impl Bounded for api::IdentityRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        domain_controller(&self.domain_controller)
    }
}

identities_only!(
    api::NodePowerRequest => [identity],
    api::ClusterGroupMoveRequest => [identity, node],
    api::FaultRequest => [server, storage_group],
);

impl Bounded for api::MoveRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        identity("targetMachine", &self.target_machine)?;
        domain_controller(&self.domain_controller)?;
        text("moveComment", &self.move_comment)
    }
}

impl Bounded for api::StopRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        domain_controller(&self.domain_controller)?;
        text("stopReason", &self.stop_reason)
    }
}

impl Bounded for api::CopyRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        optional_identity("standbyMachine", &self.standby_machine)?;
        domain_controller(&self.domain_controller)?;
        self.suspend_comment.as_deref().map_or(Ok(()), |c| text("suspendComment", c))
    }
}

impl Bounded for api::MailboxServerRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        domain_controller(&self.domain_controller)?;
        self.forced_database_mount_after.as_deref().map_or(Ok(()), |t| text("forcedDatabaseMountAfter", t))
    }
}

impl Bounded for api::StorageGroupPathRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        domain_controller(&self.domain_controller)?;
        self.log_folder_path.as_deref().map_or(Ok(()), |p| text("logFolderPath", p))?;
        self.system_folder_path.as_deref().map_or(Ok(()), |p| text("systemFolderPath", p))
    }
}

impl Bounded for api::NewStorageGroupRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("server", &self.server)?;
        text("name", &self.name)?;
        domain_controller(&self.domain_controller)?;
        self.log_folder_path.as_deref().map_or(Ok(()), |p| text("logFolderPath", p))?;
        self.system_folder_path.as_deref().map_or(Ok(()), |p| text("systemFolderPath", p))
    }
}

impl Bounded for api::NewMailboxDatabaseRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("storageGroup", &self.storage_group)?;
        text("name", &self.name)?;
        domain_controller(&self.domain_controller)?;
        self.edb_file_path.as_deref().map_or(Ok(()), |p| text("edbFilePath", p))
    }
}

impl Bounded for api::MailboxDatabaseRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        domain_controller(&self.domain_controller)
    }
}

impl Bounded for api::DatabasePathRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        domain_controller(&self.domain_controller)?;
        text("edbFilePath", &self.edb_file_path)
    }
}

impl Bounded for api::EnableCopyRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        identity("standbyMachine", &self.standby_machine)?;
        domain_controller(&self.domain_controller)?;
        let days = "7.00:00:00 (7 days: Exchange's limit for SCR lag times)";
        let (replay, truncation) = (self.replay_lag_seconds.unwrap_or(0), self.truncation_lag_seconds.unwrap_or(0));
        at_most_as("replayLagSeconds", replay, MAX_LAG_SECONDS, days, "Give -ReplayLagTime 7.00:00:00 or less.")?;
        at_most_as(
            "truncationLagSeconds",
            truncation,
            MAX_LAG_SECONDS,
            days,
            "Give -TruncationLagTime 7.00:00:00 or less.",
        )
    }
}

impl Bounded for api::SeedRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        optional_identity("standbyMachine", &self.standby_machine)?;
        domain_controller(&self.domain_controller)?;
        // The page's limit of two is the engine's check; this only bounds the request.
        at_most("dataHostNames", self.data_host_names.len() as u64, 16, "16 names")?;
        for name in &self.data_host_names {
            identity("dataHostNames", name)?;
        }
        self.target_path.as_deref().map_or(Ok(()), |p| identity("targetPath", p))
    }
}

impl Bounded for api::RestoreRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("identity", &self.identity)?;
        optional_identity("standbyMachine", &self.standby_machine)?;
        domain_controller(&self.domain_controller)
    }
}

impl Bounded for api::SetupRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("node", &self.node)?;
        identity("cmsName", &self.cms_name)?;
        if let Some(ip) = &self.cms_ip_address
            && ip.parse::<std::net::IpAddr>().is_err()
        {
            let shown: String = ip.chars().take(64).collect();
            return Err(refused(
                "cmsIpAddress",
                format!("'{shown}' is not an IP address"),
                "Give an address such as 198.51.100.50.",
            ));
        }
        Ok(())
    }
}

impl Bounded for api::TransportConfigRequest {
    fn check(&self) -> Result<(), ServiceError> {
        domain_controller(&self.domain_controller)?;
        if let Some(size) = self.max_dumpster_size_per_storage_group_bytes {
            let hint = "Give -MaxDumpsterSizePerStorageGroup 2147483647KB or less.";
            at_most_as("maxDumpsterSizePerStorageGroupBytes", size, MAX_DUMPSTER_SIZE_BYTES, "2147483647 KB", hint)?;
        }
        if let Some(time) = self.max_dumpster_time_seconds {
            let hint = "Give -MaxDumpsterTime 24855.03:14:07 or less.";
            at_most_as("maxDumpsterTimeSeconds", time, MAX_DUMPSTER_TIME_SECONDS, "24855.03:14:07", hint)?;
        }
        Ok(())
    }
}

impl Bounded for api::NetworkRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("between[0]", &self.between[0])?;
        identity("between[1]", &self.between[1])
    }
}

impl Bounded for api::ClockRequest {
    fn check(&self) -> Result<(), ServiceError> {
        let hint = "Give -Advance 366.00:00:00 or less.";
        at_most_as("advanceSeconds", self.advance_seconds, MAX_CLOCK_ADVANCE_SECONDS, "366.00:00:00 in one call", hint)
    }
}

impl Bounded for api::SendMailRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("database", &self.database)?;
        optional_identity("recipient", &self.recipient)?;
        if self.count == 0 {
            return Err(refused("count", "0 messages".into(), "Give -Count 1 or more."));
        }
        at_most("count", u64::from(self.count), u64::from(MAX_MAIL_COUNT), &format!("{MAX_MAIL_COUNT} messages"))?;
        if self.size_kb == 0 {
            return Err(refused("sizeKb", "0 KB".into(), "Give -SizeKB 1 or more."));
        }
        at_most("sizeKb", u64::from(self.size_kb), u64::from(MAX_MAIL_SIZE_KB), "153600 KB (150 MB)")?;
        let total = u64::from(self.count).saturating_mul(u64::from(self.size_kb)).saturating_mul(1024);
        if total > MAX_MAIL_BATCH_BYTES {
            return Err(refused(
                "count × sizeKb",
                format!("the batch is {} MB; one Send-LabMail delivers at most 1024 MB", total >> 20),
                "Send the mail in several smaller batches.",
            ));
        }
        Ok(())
    }
}

impl Bounded for api::SettleRequest {
    fn check(&self) -> Result<(), ServiceError> {
        at_most("timeoutMs", self.timeout_ms.unwrap_or(0), MAX_SETTLE_MS, "3600000 ms (one hour)")
    }
}

impl Bounded for api::ResetRequest {
    fn check(&self) -> Result<(), ServiceError> {
        optional_identity("topology", &self.topology)?;
        if let Some(text) = &self.topology_text
            && text.len() > api::TOPOLOGY_LIMIT_BYTES
        {
            return Err(refused(
                "topologyText",
                format!("it is {} bytes; at most 1 MiB", text.len()),
                "Send a smaller topology.",
            ));
        }
        Ok(())
    }
}

impl Bounded for api::ImportQuery {
    fn check(&self) -> Result<(), ServiceError> {
        Ok(())
    }
}

impl Bounded for api::IdentityQuery {
    fn check(&self) -> Result<(), ServiceError> {
        optional_identity("identity", &self.identity)
    }
}

impl Bounded for api::LabFilesQuery {
    fn check(&self) -> Result<(), ServiceError> {
        identity("node", &self.node)?;
        identity("path", &self.path)
    }
}

impl Bounded for api::EseutilQuery {
    fn check(&self) -> Result<(), ServiceError> {
        identity("node", &self.node)?;
        identity("path", &self.path)?;
        identity("mode", &self.mode)
    }
}

impl Bounded for api::ServicesQuery {
    fn check(&self) -> Result<(), ServiceError> {
        identity("computer", &self.computer)?;
        optional_identity("from", &self.from)
    }
}

impl Bounded for api::MailStatisticsQuery {
    fn check(&self) -> Result<(), ServiceError> {
        optional_identity("identity", &self.identity)
    }
}

impl Bounded for api::StoreQuery {
    fn check(&self) -> Result<(), ServiceError> {
        optional_identity("identity", &self.identity)?;
        optional_identity("server", &self.server)?;
        optional_identity("storageGroup", &self.storage_group)
    }
}

impl Bounded for api::CopyStatusQuery {
    fn check(&self) -> Result<(), ServiceError> {
        optional_identity("identity", &self.identity)?;
        optional_identity("server", &self.server)?;
        optional_identity("standbyMachine", &self.standby_machine)
    }
}

impl Bounded for api::MailboxQuery {
    fn check(&self) -> Result<(), ServiceError> {
        optional_identity("identity", &self.identity)?;
        optional_identity("database", &self.database)?;
        optional_identity("server", &self.server)
    }
}

impl Bounded for api::QueueQuery {
    fn check(&self) -> Result<(), ServiceError> {
        optional_identity("identity", &self.identity)?;
        optional_identity("server", &self.server)
    }
}

impl Bounded for api::ClusterQuery {
    fn check(&self) -> Result<(), ServiceError> {
        optional_identity("cluster", &self.cluster)
    }
}

impl Bounded for api::EventQuery {
    fn check(&self) -> Result<(), ServiceError> {
        optional_identity("computerName", &self.computer_name)?;
        if let Some(source) = &self.source {
            let chars = source.chars().count();
            if chars > MAX_PATTERN_CHARS {
                return Err(refused(
                    "source",
                    format!("the pattern is {chars} characters long; at most {MAX_PATTERN_CHARS}"),
                    "Give a source name such as MSExchangeRepl, or a short pattern such as MSExchange*.",
                ));
            }
        }
        Ok(())
    }
}

/// The longest event source name Windows registers.
pub const MAX_EVENT_SOURCE_CHARS: usize = 211;
/// The longest event message Windows writes (`EventLog.WriteEntry` refuses a longer one).
pub const MAX_EVENT_MESSAGE_CHARS: usize = 32_766;

impl Bounded for api::WriteEventRequest {
    fn check(&self) -> Result<(), ServiceError> {
        identity("computerName", &self.computer_name)?;
        identity("logName", &self.log_name)?;
        let chars = self.source.trim().chars().count();
        if chars == 0 || chars > MAX_EVENT_SOURCE_CHARS {
            return Err(refused(
                "source",
                format!("it is {chars} characters long; a source name has 1 to {MAX_EVENT_SOURCE_CHARS}"),
                "Name the source that writes the entry, such as CCRHealthCheck.",
            ));
        }
        if self.source.chars().any(|c| c.is_control() || c == '\\') {
            return Err(refused(
                "source",
                "it holds a control character or a backslash".into(),
                "Name the source with letters, digits, spaces, dots or dashes.",
            ));
        }
        at_most_as(
            "eventId",
            u64::from(self.event_id),
            u64::from(u16::MAX),
            "65535",
            "Invalid eventID value: it must be in the range between '0' and '65535'.",
        )?;
        let chars = self.message.chars().count();
        if chars > MAX_EVENT_MESSAGE_CHARS {
            return Err(refused(
                "message",
                format!("it is {chars} characters long; an event message has at most {MAX_EVENT_MESSAGE_CHARS}"),
                "Log entry string is too long: shorten the message, or write the details to a file and name it.",
            ));
        }
        Ok(())
    }
}

impl Bounded for api::HistoryQuery {
    fn check(&self) -> Result<(), ServiceError> {
        optional_identity("cmdlet", &self.cmdlet)?;
        optional_identity("object", &self.object)?;
        optional_identity("caller", &self.caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_numbers_are_refused_with_the_bound() {
        let transport = api::TransportConfigRequest { max_dumpster_time_seconds: Some(u64::MAX), ..Default::default() };
        let error = transport.check().expect_err("refused");
        assert!(error.0.message.contains("24855.03:14:07"), "{}", error.0.message);
        let mail = |count, size_kb| api::SendMailRequest {
            database: "Mailbox Database".into(),
            count,
            size_kb,
            dry_run: false,
            expected_version: None,
            recipient: None,
        };
        assert!(mail(u32::MAX, 10).check().is_err());
        assert!(mail(10_000, 150 * 1024).check().is_err(), "a terabyte batch");
        assert!(mail(0, 10).check().is_err());
        assert!(mail(100, 10).check().is_ok());
        let clock = api::ClockRequest { advance_seconds: u64::MAX, dry_run: false, expected_version: None };
        assert!(clock.check().is_err());
    }

    #[test]
    fn overlong_identities_are_refused() {
        let request = api::IdentityRequest {
            identity: "x".repeat(10_000),
            dry_run: false,
            expected_version: None,
            domain_controller: None,
        };
        let error = request.check().expect_err("refused");
        assert!(error.0.message.contains("10000 characters"), "{}", error.0.message);
    }
}
