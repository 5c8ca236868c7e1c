//! `setup.com` on a node (reference §3) and the failover cluster's own tools: `/RecoverCMS`
//! brings a clustered mailbox server up in another cluster from its restored copies,
//! `/ClearLocalCMS` makes a cluster forget a CMS, and `Move-ClusterGroup` moves a CMS the way
//! cluster tools do, without Exchange's checks.
//!
//! Must not: touch files.

use super::EngineError;
use super::estate::*;
use super::identity;
use super::preconditions::{Check, Report};
use crate::api::{CmsState, CopyStatus, PreconditionReport};

/// Whether `ip` (dotted IPv4) lies in `subnet` (`a.b.c.d/n`).
pub fn in_subnet(ip: &str, subnet: &str) -> bool {
    let parse = |text: &str| -> Option<u32> {
        let octets: Vec<u8> = text.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        let [a, b, c, d] = octets[..] else { return None };
        Some(u32::from_be_bytes([a, b, c, d]))
    };
    let Some((network, bits)) = subnet.split_once('/') else { return false };
    let (Some(ip), Some(network), Ok(bits)) = (parse(ip.trim()), parse(network), bits.parse::<u32>()) else {
        return false;
    };
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits.min(32)) };
    ip & mask == network & mask
}

/// `setup.com /RecoverCMS /CMSName:X /CMSIPAddress:IP` run on `node`: the restored copies there
/// become active; a group that lost logs on the way continues on a new lineage.
pub fn recover_cms(
    estate: &mut Estate,
    node: &str,
    cms: &str,
    ip: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PreconditionReport, EngineError> {
    let server = identity::server(estate, cms)?.clone();
    let here = identity::node(estate, node)?.clone();
    let datacenter = estate.datacenter_of(&here.name).unwrap_or_default().to_string();
    let subnet = estate.datacenters.iter().find(|d| d.name == datacenter).map(|d| d.subnet.clone()).unwrap_or_default();
    let mut report = Report::new("setup /RecoverCMS", &server.name);
    report.add(Check {
        name: format!("{} is offline everywhere", server.name),
        passed: server.state != CmsState::Online,
        observed: format!("{} on {}", server.state.display_name(), server.active_node),
        threshold: "Offline or Failed".into(),
        why: "Recovering a server that still runs elsewhere would give it two homes.",
        remedy: format!("Stop-ClusteredMailboxServer {} -StopReason \"...\" first.", server.name),
        override_switch: None,
    });
    let holder = estate.cluster(&here.cluster).and_then(|c| c.cms_resources.first().cloned());
    report.add(Check {
        name: format!("{}'s cluster holds no clustered mailbox server", here.name),
        passed: holder.is_none(),
        observed: holder
            .clone()
            .map_or(format!("{} holds none", here.cluster), |h| format!("{} holds {h}", here.cluster)),
        threshold: "none".into(),
        why: "A cluster that still holds a CMS's resources must be cleared before a CMS is recovered there.",
        remedy: format!("Run setup.com /ClearLocalCMS /CMSName:{} on {} first.", holder.unwrap_or_default(), here.name),
        override_switch: None,
    });
    report.add(Check {
        name: format!("The address is in {datacenter}'s subnet"),
        passed: in_subnet(ip, &subnet),
        observed: ip.trim().to_string(),
        threshold: subnet.clone(),
        why: "The recovered server must be reachable on the network of its new site.",
        remedy: format!("Give /CMSIPAddress: an unused address in {subnet}."),
        override_switch: None,
    });
    for sg in estate.storage_groups_of(&server.name) {
        let restored = estate.copies_of(sg).any(|c| c.node.eq_ignore_ascii_case(&here.name) && c.restored);
        report.add(Check {
            name: format!("'{}' has a restored copy on {}", sg.name, here.name),
            passed: restored,
            observed: if restored { "restored".into() } else { "not restored".into() },
            threshold: "restored".into(),
            why: "The recovered server's databases are the restored copies on this node.",
            remedy: format!(
                "Restore-StorageGroupCopy '{}' -StandbyMachine {} (with -Force if the source is lost).",
                identity::storage_group_identity(sg),
                here.name
            ),
            override_switch: None,
        });
    }
    let report = report.finish()?;

    let members: Vec<String> =
        estate.nodes.iter().filter(|n| n.cluster.eq_ignore_ascii_case(&here.cluster)).map(|n| n.name.clone()).collect();
    let groups: Vec<StorageGroup> = estate.storage_groups_of(&server.name).cloned().collect();
    for sg in &groups {
        let inspected =
            estate.copies_of(sg).find(|c| c.node.eq_ignore_ascii_case(&here.name)).map_or(0, |c| c.last_log_inspected);
        // The restored copy is now the active one; copies outside the new cluster are
        // forgotten (their files stay); the other nodes of the new cluster need a seed.
        estate.copies.retain(|c| {
            !(c.of(sg)
                && (c.node.eq_ignore_ascii_case(&here.name)
                    || !members.iter().any(|m| m.eq_ignore_ascii_case(&c.node))))
        });
        for member in members.iter().filter(|m| !m.eq_ignore_ascii_case(&here.name)) {
            if !estate.copies_of(sg).any(|c| c.node.eq_ignore_ascii_case(member)) {
                let mut copy = StorageGroupCopy::new(
                    &sg.server,
                    &sg.name,
                    member,
                    CopyKind::ClusterContinuous,
                    CopyStatus::Suspended,
                );
                copy.suspend_comment = Some(format!(
                    "Seed this copy after /RecoverCMS: Update-StorageGroupCopy '{}' -DeleteExistingFiles.",
                    identity::storage_group_identity(sg)
                ));
                estate.copies.push(copy);
            }
        }
        if let Some(slot) = estate.storage_groups.iter_mut().find(|g| g.server == sg.server && g.name == sg.name) {
            if slot.last_log_generated > inspected {
                slot.lineage = super::failover::next_lineage(slot.lineage, now);
            }
            slot.last_log_generated = inspected;
            slot.open_log_records = 0;
            slot.missing_logs = None;
        }
        for db in estate.databases.iter_mut().filter(|d| d.server == sg.server && d.storage_group == sg.name) {
            db.mounted = false;
        }
    }
    if let Some(cluster) = estate.clusters.iter_mut().find(|c| c.name.eq_ignore_ascii_case(&here.cluster)) {
        cluster.cms_resources.push(server.name.clone());
    }
    if let Some(s) = estate.servers.iter_mut().find(|s| s.name == server.name) {
        s.cluster = here.cluster.clone();
        s.active_node = here.name.clone();
        s.redundant_machines = members;
        s.ip = ip.trim().to_string();
        s.state = CmsState::Online;
    }
    Ok(report)
}

/// `setup.com /ClearLocalCMS /CMSName:X` run on `node`: the node's cluster forgets the CMS.
/// Returns whether anything changed.
pub fn clear_local_cms(estate: &mut Estate, node: &str, cms: &str) -> Result<(bool, PreconditionReport), EngineError> {
    let server = identity::server(estate, cms)?.clone();
    let here = identity::node(estate, node)?.clone();
    let mut report = Report::new("setup /ClearLocalCMS", &server.name);
    let online_here = server.state == CmsState::Online && server.cluster.eq_ignore_ascii_case(&here.cluster);
    report.add(Check {
        name: format!("{} is not online in {}", server.name, here.cluster),
        passed: !online_here,
        observed: format!("{} in {}", server.state.display_name(), server.cluster),
        threshold: format!("offline, or running in another cluster than {}", here.cluster),
        why: "Clearing a running server's resources takes it down.",
        remedy: format!("Stop-ClusteredMailboxServer {} first, or run this in the cluster it left.", server.name),
        override_switch: None,
    });
    let redundant = server.redundant_machines.iter().any(|m| m.eq_ignore_ascii_case(&here.name));
    report.add(Check {
        name: format!("{} is not one of the server's RedundantMachines", here.name),
        passed: !redundant,
        observed: server.redundant_machines.join(", "),
        threshold: format!("without {}", here.name),
        why: "A node the server may run on cannot forget it.",
        remedy: "Recover the server elsewhere first (setup.com /RecoverCMS on a node of another cluster).".into(),
        override_switch: None,
    });
    let report = report.finish()?;
    let cluster = estate.clusters.iter_mut().find(|c| c.name.eq_ignore_ascii_case(&here.cluster));
    let changed = cluster.is_some_and(|c| {
        let before = c.cms_resources.len();
        c.cms_resources.retain(|n| !n.eq_ignore_ascii_case(&server.name));
        before != c.cms_resources.len()
    });
    Ok((changed, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn addresses_are_checked_against_the_subnet() {
        assert!(in_subnet("198.51.100.60", "198.51.100.0/24"));
        assert!(!in_subnet("192.0.2.50", "198.51.100.0/24"));
        assert!(!in_subnet("198.51.100", "198.51.100.0/24"));
        assert!(in_subnet("10.1.2.3", "0.0.0.0/0"));
    }

    #[test]
    fn recover_cms_refuses_a_running_server_a_wrong_subnet_and_unrestored_copies() {
        let mut e = build("seed", SEED).expect("seed");
        let before = e.clone();
        let Err(EngineError::Refused(report)) =
            recover_cms(&mut e, "NH-W2K3-SRV01", "CCREX01", "192.0.2.60", chrono::Utc::now())
        else {
            panic!("must refuse");
        };
        let failed: Vec<&str> = report.failed().map(|c| c.check.as_str()).collect();
        assert_eq!(failed.len(), 4, "{failed:?}");
        assert_eq!(e, before);
    }

    #[test]
    fn clear_local_cms_needs_the_server_gone_from_this_cluster() {
        let mut e = build("seed", SEED).expect("seed");
        assert!(clear_local_cms(&mut e, "NH-W2K3-SRV03", "CCREX01").is_err());
        e.clusters[1].cms_resources.push("CCREX01".into());
        let (changed, _) = clear_local_cms(&mut e, "NH-W2K3-SRV05", "CCREX01").expect("cleared");
        assert!(changed && e.clusters[1].cms_resources.is_empty());
    }
}
