//! What a name or a number may be before it enters the estate: Exchange's rules for names (a
//! computer name is a NetBIOS/DNS host label of at most 15 characters; a storage group or
//! database name at most 64 characters without a backslash, slash or control character; a log
//! prefix `E00`–`E99`), the ranges Exchange documents for its settings (dumpster size and
//! time, SCR lag times) and the lab's own bounds (clock offset, mail batches). Names become path
//! components of the nodes' files, so a name that passes here is always one plain component.
//!
//! Owns: those rules and checking a whole [`Estate`] against them (a topology's, or an
//! imported snapshot's, whose every field came from outside). Must not: do I/O.

use super::estate::{CopyKind, Estate};

/// The lab clock may run at most this far ahead of (or behind) the wall clock: 100 years.
pub const MAX_CLOCK_OFFSET_MS: i64 = 100 * 366 * 24 * 3600 * 1000;
/// `MaxDumpsterTime` range: `00:00:00` to `24855.03:14:07` (2^31 - 1 seconds).
pub const MAX_DUMPSTER_TIME_SECONDS: u64 = i32::MAX as u64;
/// `MaxDumpsterSizePerStorageGroup` range: 0 to 2,147,483,647 KB.
pub const MAX_DUMPSTER_SIZE_BYTES: u64 = i32::MAX as u64 * 1024;
/// `ReplayLagTime` and `TruncationLagTime` of an SCR copy: at most 7 days.
pub const MAX_LAG_SECONDS: u64 = 7 * 24 * 3600;
/// A transaction log is 1 MB in Exchange 2007; a lab may make it smaller, never larger.
pub const MAX_LOG_SIZE_BYTES: u64 = 1024 * 1024;
/// One Send-LabMail: at most this many messages, each at most this size, and at most this
/// many bytes in all.
pub const MAX_MAIL_COUNT: u32 = 100_000;
pub const MAX_MAIL_SIZE_KB: u32 = 150 * 1024;
pub const MAX_MAIL_BATCH_BYTES: u64 = 1024 * 1024 * 1024;
/// The highest log generation (log names carry eight hex digits).
pub const MAX_GENERATION: u64 = 0xFFFF_FFFF;
/// The highest message id or other counter an estate may hold (2^53: exact in JSON numbers).
pub const MAX_COUNTER: u64 = 1 << 53;
/// The longest free text (comments, reasons) kept with an object.
pub const MAX_TEXT_CHARS: usize = 1024;

/// A computer name (node, clustered mailbox server, cluster, file share witness): 1 to 15
/// letters, digits and hyphens, not starting or ending with a hyphen, not all digits.
pub fn computer_name(kind: &str, name: &str) -> Result<(), String> {
    let ok = (1..=15).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{kind} name '{}' is not a computer name: use 1 to 15 letters, digits and hyphens \
             (not all digits, no hyphen at either end)",
            shown(name)
        ))
    }
}

/// A storage group, database, datacenter or topology name: 1 to 64 characters, no `\`, `/`,
/// control character, no space at either end, not `.` or `..` and not ending in `.`.
pub fn object_name(kind: &str, name: &str) -> Result<(), String> {
    let chars = name.chars().count();
    let ok = (1..=64).contains(&chars)
        && !name.chars().any(|c| c == '\\' || c == '/' || c.is_control())
        && name.trim() == name
        && !name.ends_with('.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{kind} name '{}' is not allowed: use 1 to 64 characters without \\, /, control characters, \
             spaces at either end or a trailing dot",
            shown(name)
        ))
    }
}

/// A log prefix: `E00` to `E99`.
pub fn log_prefix(prefix: &str) -> Result<(), String> {
    let ok = prefix.len() == 3 && prefix.starts_with('E') && prefix[1..].bytes().all(|b| b.is_ascii_digit());
    if ok { Ok(()) } else { Err(format!("log prefix '{}' is not E00..E99", shown(prefix))) }
}

/// An IP address (v4 or v6), or a subnet `ADDRESS/BITS`.
fn address(kind: &str, text: &str, subnet: bool) -> Result<(), String> {
    let (ip, bits) = match text.split_once('/') {
        Some((ip, bits)) if subnet => (ip, Some(bits)),
        _ => (text, None),
    };
    let parsed: Option<std::net::IpAddr> = ip.parse().ok();
    let bits_ok = bits.is_none_or(|b| {
        b.parse::<u8>().is_ok_and(|n| n <= if matches!(parsed, Some(std::net::IpAddr::V6(_))) { 128 } else { 32 })
    });
    if parsed.is_some() && bits_ok {
        Ok(())
    } else {
        Err(format!("{kind} '{}' is not an {}", shown(text), if subnet { "IP subnet" } else { "IP address" }))
    }
}

/// Free text (a comment, a reason, a failure message): at most [`MAX_TEXT_CHARS`].
pub fn text(kind: &str, text: &str) -> Result<(), String> {
    if text.chars().count() <= MAX_TEXT_CHARS {
        Ok(())
    } else {
        Err(format!("{kind} is longer than {MAX_TEXT_CHARS} characters"))
    }
}

/// A name as it may appear in an error: at most 64 characters, control characters shown as `?`.
pub fn shown(name: &str) -> String {
    let mut out: String = name.chars().take(64).map(|c| if c.is_control() { '?' } else { c }).collect();
    if name.chars().count() > 64 {
        out.push('…');
    }
    out
}

/// Checks every name, number and reference of `estate`: what an import must pass before it
/// replaces the lab's estate.
pub fn estate(e: &Estate) -> Result<(), String> {
    object_name("topology", &e.topology)?;
    if e.log_size_bytes == 0 || e.log_size_bytes > MAX_LOG_SIZE_BYTES {
        return Err(format!("log size {} bytes is outside 1 byte to 1 MB", e.log_size_bytes));
    }
    if e.clock_offset_ms.unsigned_abs() > MAX_CLOCK_OFFSET_MS.unsigned_abs() {
        return Err("the lab clock is more than 100 years away from the wall clock".into());
    }
    if e.max_dumpster_time_seconds > MAX_DUMPSTER_TIME_SECONDS {
        return Err("MaxDumpsterTime is past 24855.03:14:07".into());
    }
    if e.max_dumpster_size_bytes > MAX_DUMPSTER_SIZE_BYTES {
        return Err("MaxDumpsterSizePerStorageGroup is past 2147483647 KB".into());
    }
    if e.next_message_id == 0 || e.next_message_id > MAX_COUNTER {
        return Err("the next message id is out of range".into());
    }
    let generations = e
        .storage_groups
        .iter()
        .flat_map(|sg| [sg.last_log_generated, sg.active_replayed])
        .chain(e.copies.iter().flat_map(|c| [c.last_log_copied, c.last_log_inspected, c.last_log_replayed]));
    if generations.into_iter().any(|g| g > MAX_GENERATION) {
        return Err(format!("a log generation is past {MAX_GENERATION:#X}"));
    }
    unique("datacenter", e.datacenters.iter().map(|d| d.name.as_str()))?;
    for d in &e.datacenters {
        object_name("datacenter", &d.name)?;
        address("subnet of datacenter", &d.subnet, true)?;
    }
    unique("cluster", e.clusters.iter().map(|c| c.name.as_str()))?;
    for c in &e.clusters {
        computer_name("cluster", &c.name)?;
        computer_name("file share witness", &c.file_share_witness)?;
        exists("datacenter", &c.datacenter, e.datacenters.iter().map(|d| d.name.as_str()))?;
        for cms in &c.cms_resources {
            computer_name("clustered mailbox server", cms)?;
        }
    }
    unique("node", e.nodes.iter().map(|n| n.name.as_str()))?;
    for n in &e.nodes {
        computer_name("node", &n.name)?;
        address("address of node", &n.ip, false)?;
        exists("cluster", &n.cluster, e.clusters.iter().map(|c| c.name.as_str()))?;
    }
    unique("clustered mailbox server", e.servers.iter().map(|s| s.name.as_str()))?;
    for s in &e.servers {
        computer_name("clustered mailbox server", &s.name)?;
        address("address of clustered mailbox server", &s.ip, false)?;
        exists("cluster", &s.cluster, e.clusters.iter().map(|c| c.name.as_str()))?;
        exists("node", &s.active_node, e.nodes.iter().map(|n| n.name.as_str()))?;
        for m in &s.redundant_machines {
            exists("node", m, e.nodes.iter().map(|n| n.name.as_str()))?;
        }
        if let Some(after) = &s.forced_database_mount_after {
            text("ForcedDatabaseMountAfter", after)?;
        }
    }
    let sg_names: Vec<String> = e.storage_groups.iter().map(|sg| format!("{}\\{}", sg.server, sg.name)).collect();
    unique("storage group", sg_names.iter().map(String::as_str))?;
    for sg in &e.storage_groups {
        object_name("storage group", &sg.name)?;
        log_prefix(&sg.log_prefix)?;
        exists("clustered mailbox server", &sg.server, e.servers.iter().map(|s| s.name.as_str()))?;
        for path in [&sg.log_folder_path, &sg.system_folder_path].into_iter().flatten() {
            super::paths::check_path("LogFolderPath", path, super::paths::PathKind::Folder).map_err(|_| {
                format!("a folder path of storage group {} is not a local Windows path", shown(&sg.name))
            })?;
        }
    }
    for db in &e.databases {
        object_name("database", &db.name)?;
        if let Some(path) = &db.edb_file_path {
            super::paths::check_path("EdbFilePath", path, super::paths::PathKind::EdbFile).map_err(|_| {
                format!("the file path of database {} is not a local Windows .edb path", shown(&db.name))
            })?;
        }
        let sg = format!("{}\\{}", db.server, db.storage_group);
        exists("storage group", &sg, sg_names.iter().map(String::as_str))?;
    }
    for c in &e.copies {
        computer_name("node", &c.node)?;
        exists("node", &c.node, e.nodes.iter().map(|n| n.name.as_str()))?;
        let sg = format!("{}\\{}", c.server, c.storage_group);
        exists("storage group", &sg, sg_names.iter().map(String::as_str))?;
        if let CopyKind::StandbyContinuous { replay_lag_seconds, truncation_lag_seconds } = c.kind
            && (replay_lag_seconds > MAX_LAG_SECONDS || truncation_lag_seconds > MAX_LAG_SECONDS)
        {
            return Err(format!("a lag time of the copy of {sg} on {} is past 7 days", shown(&c.node)));
        }
        for t in [&c.suspend_comment, &c.failed_message].into_iter().flatten() {
            text("a copy's comment or message", t)?;
        }
    }
    for (a, b) in &e.network_cuts {
        text("a network cut", a)?;
        text("a network cut", b)?;
    }
    for h in &e.hub_transport_servers {
        computer_name("hub transport server", &h.name)?;
        exists("datacenter", &h.datacenter, e.datacenters.iter().map(|d| d.name.as_str()))?;
    }
    for m in &e.mailboxes {
        object_name("mailbox", &m.name)?;
        object_name("mailbox alias", &m.alias)?;
        if !e.databases.iter().any(|d| m.in_database(d)) {
            return Err(format!("mailbox {} names a database that does not exist", shown(&m.name)));
        }
    }
    for q in &e.queued {
        exists("hub transport server", &q.hub, e.hub_transport_servers.iter().map(|h| h.name.as_str()))?;
        if !e.databases.iter().any(|d| {
            d.server.eq_ignore_ascii_case(&q.server)
                && d.storage_group.eq_ignore_ascii_case(&q.storage_group)
                && d.name.eq_ignore_ascii_case(&q.database)
        }) || q.first_id.saturating_add(q.count) > MAX_COUNTER
        {
            return Err(format!("a queued batch of {} is not deliverable as stored", shown(&q.hub)));
        }
        text("a queue's last error", &q.last_error)?;
    }
    for (cluster, node) in &e.quorum_owners {
        exists("cluster", cluster, e.clusters.iter().map(|c| c.name.as_str()))?;
        exists("node", node, e.nodes.iter().map(|n| n.name.as_str()))?;
    }
    computer_name("management workstation", &e.workstation)?;
    for dc in &e.domain_controllers {
        computer_name("domain controller", dc)?;
    }
    Ok(())
}

fn unique<'a>(kind: &str, names: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(name.to_ascii_lowercase()) {
            return Err(format!("{kind} '{}' is listed twice", shown(name)));
        }
    }
    Ok(())
}

fn exists<'a>(kind: &str, name: &str, mut known: impl Iterator<Item = &'a str>) -> Result<(), String> {
    if known.any(|k| k.eq_ignore_ascii_case(name)) {
        Ok(())
    } else {
        Err(format!("it names a {kind} '{}' that does not exist", shown(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn the_seed_passes() {
        estate(&build("seed", SEED).expect("seed")).expect("valid");
    }

    #[test]
    fn names_that_could_leave_a_directory_are_refused() {
        for bad in ["../x", "/etc", "a\\b", "", "..", "x\0y", &"N".repeat(16), "-x", "12345"] {
            assert!(computer_name("node", bad).is_err(), "{bad:?}");
        }
        for bad in ["../../x/E", "/abs", "a\\b", "", ".", "..", "x.", " x", "x\ny", &"s".repeat(65)] {
            assert!(object_name("storage group", bad).is_err(), "{bad:?}");
        }
        for bad in ["E100", "E0", "F00", "../", "E0/"] {
            assert!(log_prefix(bad).is_err(), "{bad:?}");
        }
        assert!(object_name("storage group", "First Storage Group").is_ok());
        assert!(computer_name("node", "NH-W2K3-SRV03").is_ok());
    }

    #[test]
    fn an_estate_with_a_bad_field_is_refused() {
        let seed = build("seed", SEED).expect("seed");
        let mut e = seed.clone();
        e.nodes[0].name = "/tmp/x".into();
        assert!(estate(&e).is_err());
        let mut e = seed.clone();
        e.storage_groups[0].log_prefix = "../../x/E".into();
        assert!(estate(&e).expect_err("refused").contains("log prefix"));
        let mut e = seed.clone();
        e.clock_offset_ms = i64::MAX;
        assert!(estate(&e).is_err());
        let mut e = seed.clone();
        e.max_dumpster_time_seconds = u64::MAX;
        assert!(estate(&e).is_err());
        let mut e = seed;
        e.copies[0].node = "NH-W2K3-SRV99".into();
        assert!(estate(&e).expect_err("refused").contains("does not exist"));
    }
}
