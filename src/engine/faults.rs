//! Game-day faults: powering nodes off and on, cutting and restoring network links, and the
//! lab clock. Each checks its request and changes the estate; what the cluster does about the
//! fault is [`failover::react`](super::failover::react)'s job.
//!
//! Must not: touch files (a crash's torn logs and a clean shutdown's closed logs are the
//! service's work).

use super::EngineError;
use super::estate::Estate;
use super::preconditions::Report;
use super::validate::MAX_CLOCK_OFFSET_MS;
use crate::api::PreconditionReport;

/// Powers `node` on or off. Returns the node's canonical name and whether anything changed.
pub fn power(estate: &mut Estate, node: &str, on: bool) -> Result<(String, bool, PreconditionReport), EngineError> {
    let name = super::identity::node(estate, node)?.name.clone();
    let mut changed = false;
    for found in estate.nodes.iter_mut().filter(|n| n.name == name) {
        changed = found.powered_on != on;
        found.powered_on = on;
    }
    let report = Report::new(if on { "Start-LabNode" } else { "Stop-LabNode" }, &name).into_report();
    Ok((name, changed, report))
}

/// Every computer of a lab just built starts now (`booted_at`, WMI's LastBootUpTime).
pub fn boot_all(estate: &mut Estate, now: chrono::DateTime<chrono::Utc>) {
    for node in estate.nodes.iter_mut() {
        node.booted_at = Some(now);
    }
    for hub in estate.hub_transport_servers.iter_mut() {
        hub.booted_at = Some(now);
    }
}

/// When `computer` (a node or hub transport server by its estate name) last started; for the
/// computers the estate does not power (domain controllers, witnesses, the workstation) and a
/// lab built before boot times were kept, the earliest boot time the estate knows: when the lab
/// was built.
pub fn booted_at(estate: &Estate, computer: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let own =
        estate.nodes.iter().find(|n| n.name.eq_ignore_ascii_case(computer)).and_then(|n| n.booted_at).or_else(|| {
            estate
                .hub_transport_servers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(computer))
                .and_then(|h| h.booted_at)
        });
    own.or_else(|| {
        estate
            .nodes
            .iter()
            .filter_map(|n| n.booted_at)
            .chain(estate.hub_transport_servers.iter().filter_map(|h| h.booted_at))
            .min()
    })
}

/// The canonical name of a node, witness or datacenter that a network cut may name.
fn endpoint(estate: &Estate, name: &str) -> Result<String, EngineError> {
    let name = name.trim();
    let known = estate
        .nodes
        .iter()
        .map(|n| n.name.clone())
        .chain(estate.clusters.iter().map(|c| c.file_share_witness.clone()))
        .chain(estate.datacenters.iter().map(|d| d.name.clone()));
    let all: Vec<String> = known.collect();
    let short = super::directory::strip_domain(estate, name).unwrap_or(name);
    all.iter()
        .find(|k| k.eq_ignore_ascii_case(name) || k.eq_ignore_ascii_case(short))
        .cloned()
        .ok_or_else(|| super::identity::not_found(estate, "node, witness or datacenter", name, all.iter().cloned()))
}

/// Cuts (`up = false`) or restores the link between two nodes, a node and a witness, or two
/// datacenters. Returns the two endpoints and whether anything changed.
pub fn set_link(
    estate: &mut Estate,
    a: &str,
    b: &str,
    up: bool,
) -> Result<((String, String), bool, PreconditionReport), EngineError> {
    let (a, b) = (endpoint(estate, a)?, endpoint(estate, b)?);
    if a.eq_ignore_ascii_case(&b) {
        return Err(EngineError::Invalid {
            message: format!("A link needs two different ends; both are '{a}'."),
            hint: "Name two nodes (-Between A,B) or two datacenters (-Datacenter X,Y).".into(),
        });
    }
    let was_cut = estate.cut(&a, &b);
    if up {
        estate.network_cuts.retain(|(x, y)| {
            !((x.eq_ignore_ascii_case(&a) && y.eq_ignore_ascii_case(&b))
                || (x.eq_ignore_ascii_case(&b) && y.eq_ignore_ascii_case(&a)))
        });
    } else if !was_cut {
        estate.network_cuts.push((a.clone(), b.clone()));
    }
    let report = Report::new("Set-LabNetwork", &format!("{a} <-> {b}")).into_report();
    Ok(((a, b), was_cut == up, report))
}

/// Moves the lab clock forward by `seconds` (lag times and the dumpster age with it).
pub fn advance_clock(estate: &mut Estate, seconds: u64) -> Result<PreconditionReport, EngineError> {
    if seconds == 0 || seconds > 366 * 24 * 3600 {
        return Err(EngineError::Invalid {
            message: format!("Cannot advance the lab clock by {seconds} seconds."),
            hint: "Give a positive time span of at most a year, e.g. -Advance 1.00:00:00.".into(),
        });
    }
    let advanced = i64::try_from(seconds)
        .ok()
        .and_then(|s| s.checked_mul(1000))
        .and_then(|ms| estate.clock_offset_ms.checked_add(ms))
        .filter(|total| total.unsigned_abs() <= MAX_CLOCK_OFFSET_MS.unsigned_abs());
    let Some(advanced) = advanced else {
        return Err(EngineError::Invalid {
            message: format!(
                "Cannot advance the lab clock by {seconds} seconds: it is already {} days ahead, and it may run at \
                 most 100 years ahead of the wall clock.",
                estate.clock_offset_ms / 86_400_000
            ),
            hint: "Reset-Lab starts the lab clock again from the wall clock.".into(),
        });
    };
    estate.clock_offset_ms = advanced;
    Ok(Report::new("Set-LabClock", "lab clock").into_report())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn a_computer_boots_with_the_lab_and_a_node_again_at_its_start() {
        let mut e = build("seed", SEED).expect("seed");
        assert_eq!(booted_at(&e, "NH-W2K3-SRV03"), None, "a lab built before boot times: unknown");
        let built = chrono::DateTime::UNIX_EPOCH + chrono::TimeDelta::days(20_000);
        boot_all(&mut e, built);
        let later = built + chrono::TimeDelta::hours(1);
        e.nodes.iter_mut().filter(|n| n.name == "NH-W2K3-SRV04").for_each(|n| n.booted_at = Some(later));
        assert_eq!(booted_at(&e, "NH-W2K3-SRV04"), Some(later));
        assert_eq!(booted_at(&e, "NH-W2K3-HUB01"), Some(built));
        assert_eq!(booted_at(&e, "NH-W2K3-DC01"), Some(built), "a computer the lab does not power: the lab's build");
    }

    #[test]
    fn the_clock_stops_short_of_a_time_the_store_cannot_keep() {
        let mut e = build("seed", SEED).expect("seed");
        let year = 366 * 24 * 3600;
        let mut advanced = 0;
        while advance_clock(&mut e, year).is_ok() {
            advanced += 1;
            assert!(advanced <= 100, "bounded");
        }
        let error = advance_clock(&mut e, year).expect_err("refused");
        assert!(error.to_string().contains("100 years"), "{error}");
        let now = e.lab_time(chrono::Utc::now());
        assert!(now.format("%Y").to_string().len() == 4, "still a four-digit year: {now}");
    }

    #[test]
    fn links_between_datacenters_cut_replication_between_their_nodes() {
        let mut e = build("seed", SEED).expect("seed");
        assert!(e.reachable("NH-W2K3-SRV03", "NH-W2K3-SRV01"));
        let (_, changed, _) = set_link(&mut e, "production", "Backup", false).expect("cut");
        assert!(changed);
        assert!(!e.reachable("NH-W2K3-SRV03", "NH-W2K3-SRV01"));
        assert!(e.reachable("NH-W2K3-SRV03", "NH-W2K3-SRV04"), "inside a datacenter nothing changes");
        let (_, again, _) = set_link(&mut e, "Production", "Backup", false).expect("cut again");
        assert!(!again, "cutting a cut link changes nothing");
        set_link(&mut e, "Backup", "Production", true).expect("restored");
        assert!(e.reachable("NH-W2K3-SRV03", "NH-W2K3-SRV01") && e.network_cuts.is_empty());
    }

    #[test]
    fn unknown_endpoints_and_a_link_to_itself_are_refused_without_change() {
        let mut e = build("seed", SEED).expect("seed");
        let before = e.clone();
        assert!(matches!(set_link(&mut e, "NH-W2K3-SRV03", "Nowhere", false), Err(EngineError::NotFound { .. })));
        assert!(matches!(set_link(&mut e, "NH-W2K3-SRV03", "nh-w2k3-srv03", false), Err(EngineError::Invalid { .. })));
        assert!(matches!(power(&mut e, "NH-W2K3-SRV99", false), Err(EngineError::NotFound { .. })));
        assert!(advance_clock(&mut e, 0).is_err());
        assert_eq!(e, before);
    }

    #[test]
    fn a_node_cut_from_its_peer_and_witness_loses_quorum() {
        let mut e = build("seed", SEED).expect("seed");
        assert!(e.has_quorum("NH-W2K3-SRV04"));
        set_link(&mut e, "NH-W2K3-SRV04", "NH-W2K3-FSW01", false).expect("cut");
        assert!(e.has_quorum("NH-W2K3-SRV04"), "the peer is still a vote");
        power(&mut e, "NH-W2K3-SRV03", false).expect("off");
        assert!(!e.has_quorum("NH-W2K3-SRV04"));
    }
}
