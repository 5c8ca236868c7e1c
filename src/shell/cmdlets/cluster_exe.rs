//! `cluster.exe`, the Windows Server 2003 cluster command line the seed's nodes (NH-W2K3-…)
//! are managed with: `cluster [/cluster:]NAME group|node|res[ource] [NAME] [/status]
//! [/move[:NODE]]`, printed as cluster.exe prints its listings. Without a cluster name it acts
//! on the cluster of the node the session is on, as it does when run on a node.
//!
//! Must not: check anything Exchange would (a group move here is the cluster's, without
//! Exchange's checks or flush: ccrd leaves the databases offline, as the seed page warns).

use super::native::set_exit_code;
use super::{Context, client_error};
use crate::api::{self, ClusterQuery, routes};
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

const USAGE: &str = "cluster [[/cluster:]NAME] group|node|resource [NAME] [/status | /move[:NODE]]";

/// What the words ask for.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    cluster: Option<String>,
    object: Object,
    name: Option<String>,
    /// `/move`, with its node when given.
    mv: Option<Option<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Object {
    Group,
    Node,
    Resource,
}

pub fn run(words: &[String], cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let result = run_request(words, cx);
    set_exit_code(cx, i64::from(result.is_err()));
    result
}

fn run_request(words: &[String], cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let request = parse(words)?;
    let cluster = match request.cluster.clone() {
        Some(name) => name,
        None => local_cluster(cx)?,
    };
    let views: api::FailoverClusters = cx
        .client
        .get(routes::FAILOVER_CLUSTERS, &ClusterQuery { cluster: Some(cluster.clone()) })
        .map_err(|e| system_error_5(client_error(e), &cluster))?;
    match (request.object, request.mv) {
        (Object::Group, Some(node)) => move_group(cx, &views, request.name.as_deref(), node.as_deref()),
        (Object::Group, None) => Ok(group_listing(&views, request.name.as_deref())?),
        (Object::Node, _) => node_listing(&views, request.name.as_deref()),
        (Object::Resource, _) => resource_listing(&views, request.name.as_deref()),
    }
}

fn parse(words: &[String]) -> Result<Request, ErrorRecord> {
    let mut cluster = None;
    let mut object = None;
    let mut name = None;
    let mut mv = None;
    for word in words {
        let lower = word.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("/cluster:").or_else(|| lower.strip_prefix("/c:")) {
            cluster = Some(word[word.len() - value.len()..].to_string());
        } else if lower == "/move" || lower == "/moveto" {
            mv = Some(None);
        } else if let Some(value) = lower.strip_prefix("/move:").or_else(|| lower.strip_prefix("/moveto:")) {
            mv = Some(Some(word[word.len() - value.len()..].to_string()));
        } else if lower == "/status" || lower == "/stat" {
        } else if lower.starts_with('/') {
            return Err(usage(&format!("The option '{word}' is not valid.")));
        } else if object.is_none() {
            match lower.as_str() {
                "group" => object = Some(Object::Group),
                "node" => object = Some(Object::Node),
                "res" | "resource" => object = Some(Object::Resource),
                _ if cluster.is_none() => cluster = Some(word.clone()),
                _ => return Err(usage(&format!("'{word}' is not group, node or resource."))),
            }
        } else if name.is_none() {
            name = Some(word.clone());
        } else {
            return Err(usage(&format!("'{word}' was not expected.")));
        }
    }
    let object = object.ok_or_else(|| usage("Name what to list: group, node or resource."))?;
    if mv.is_some() && (object != Object::Group || name.is_none()) {
        return Err(usage("/move moves a named group: cluster group \"NAME\" /move:NODE."));
    }
    Ok(Request { cluster, object, name, mv })
}

fn usage(message: &str) -> ErrorRecord {
    ErrorRecord::new("ClusterUsage", "InvalidArgument", format!("{message} Usage: {USAGE}"))
        .with_hint("cluster group lists the groups, cluster node the nodes, cluster res the resources.")
}

/// The cluster of the node the session is on (cluster.exe talks to the local cluster service).
fn local_cluster(cx: &mut Context<'_>) -> Result<String, ErrorRecord> {
    let here = cx.engine.computer();
    let nodes: Vec<api::LabNode> = cx.client.get(routes::LAB_NODES, &()).map_err(client_error)?;
    match here.and_then(|h| nodes.into_iter().find(|n| n.name.eq_ignore_ascii_case(&h))) {
        Some(node) => Ok(node.cluster),
        None => Err(ErrorRecord::new(
            "NativeCommandError",
            "ResourceUnavailable",
            "System error 1060 has occurred (0x00000424).\nThe specified service does not exist as an installed service."
                .into(),
        )
        .with_hint(
            "This computer runs no cluster service: name the cluster (cluster /cluster:E2K7CLU01 group), or run it on a node.",
        )),
    }
}

/// cluster.exe's answer when the cluster cannot be opened.
fn system_error_5(error: ErrorRecord, cluster: &str) -> ErrorRecord {
    if error.error_id == "ManagementObjectNotFound" {
        return ErrorRecord::new(
            "NativeCommandError",
            "ObjectNotFound",
            format!("System error 1722 has occurred (0x000006ba).\nThe RPC server is unavailable. ('{cluster}' is not a cluster of this lab.)"),
        )
        .with_hint(error.hint.unwrap_or_default());
    }
    error
}

fn header(columns: &[(&str, usize)]) -> Vec<String> {
    let names: Vec<String> = columns.iter().map(|(n, w)| format!("{n:<w$}")).collect();
    let rules: Vec<String> = columns.iter().map(|(_, w)| "-".repeat(*w)).collect();
    vec![names.join(" ").trim_end().to_string(), rules.join(" ")]
}

fn row(cells: &[(&str, usize)]) -> String {
    let cells: Vec<String> = cells.iter().map(|(text, w)| format!("{text:<w$}")).collect();
    cells.join(" ").trim_end().to_string()
}

/// A group's state as cluster.exe prints it: `Partial Online` when some of its resources are
/// offline while others are online.
fn group_state(views: &api::FailoverClusters, group: &api::ClusterGroup) -> String {
    let resources: Vec<&api::ClusterResource> =
        views.resources.iter().filter(|r| r.owner_group == group.name).collect();
    let online = resources.iter().filter(|r| r.state == "Online").count();
    if group.state == "Online" && online < resources.len() { "Partial Online".into() } else { group.state.clone() }
}

const GROUP_COLUMNS: [(&str, usize); 3] = [("Group", 20), ("Node", 15), ("Status", 6)];

fn group_rows(views: &api::FailoverClusters, name: Option<&str>) -> Result<Vec<String>, ErrorRecord> {
    let groups: Vec<&api::ClusterGroup> =
        views.groups.iter().filter(|g| name.is_none_or(|n| g.name.eq_ignore_ascii_case(n))).collect();
    if let (Some(name), true) = (name, groups.is_empty()) {
        return Err(not_found("group", name));
    }
    Ok(groups
        .iter()
        .map(|g| row(&[(g.name.as_str(), 20), (g.owner_node.as_str(), 15), (group_state(views, g).as_str(), 6)]))
        .collect())
}

fn group_listing(views: &api::FailoverClusters, name: Option<&str>) -> Result<Vec<Value>, ErrorRecord> {
    let mut lines = vec![match name {
        Some(name) => format!("Listing status for resource group '{name}':"),
        None => "Listing status for all available resource groups:".to_string(),
    }];
    lines.push(String::new());
    lines.extend(header(&GROUP_COLUMNS));
    lines.extend(group_rows(views, name)?);
    Ok(lines.into_iter().map(Value::String).collect())
}

fn not_found(what: &str, name: &str) -> ErrorRecord {
    ErrorRecord::new(
        "NativeCommandError",
        "ObjectNotFound",
        format!("System error 5013 has occurred (0x00001395).\nThe cluster {what} '{name}' could not be found."),
    )
    .with_hint(format!("cluster {what} lists them."))
}

/// `cluster group "NAME" /move[:NODE]`: the cluster moves the group (to the other node when
/// none is named); for a clustered mailbox server that is Move-ClusterGroup's move.
fn move_group(
    cx: &mut Context<'_>,
    views: &api::FailoverClusters,
    name: Option<&str>,
    node: Option<&str>,
) -> Result<Vec<Value>, ErrorRecord> {
    let name = name.unwrap_or_default();
    let group =
        views.groups.iter().find(|g| g.name.eq_ignore_ascii_case(name)).ok_or_else(|| not_found("group", name))?;
    let target = match node {
        Some(node) => node.to_string(),
        None => views
            .nodes
            .iter()
            .find(|n| !n.name.eq_ignore_ascii_case(&group.owner_node) && n.state == "Up")
            .map(|n| n.name.clone())
            .ok_or_else(|| {
                ErrorRecord::new(
                    "NativeCommandError",
                    "ResourceUnavailable",
                    "System error 5016 has occurred (0x00001398).\nThe cluster node is not available.".into(),
                )
            })?,
    };
    let request = api::ClusterGroupMoveRequest {
        identity: group.name.clone(),
        node: target,
        dry_run: false,
        expected_version: None,
    };
    let result: api::OperationResult = cx.client.change(routes::MOVE_CLUSTER_GROUP, &request).map_err(client_error)?;
    cx.warnings.extend(result.warnings);
    let cluster = group.cluster.clone();
    let after: api::FailoverClusters =
        cx.client.get(routes::FAILOVER_CLUSTERS, &ClusterQuery { cluster: Some(cluster) }).map_err(client_error)?;
    let mut lines = vec![format!("Moving resource group '{}'...", group.name), String::new()];
    lines.extend(header(&GROUP_COLUMNS));
    lines.extend(group_rows(&after, Some(&group.name))?);
    Ok(lines.into_iter().map(Value::String).collect())
}

fn node_listing(views: &api::FailoverClusters, name: Option<&str>) -> Result<Vec<Value>, ErrorRecord> {
    let nodes: Vec<&api::ClusterNode> =
        views.nodes.iter().filter(|n| name.is_none_or(|x| n.name.eq_ignore_ascii_case(x))).collect();
    if let (Some(name), true) = (name, nodes.is_empty()) {
        return Err(not_found("node", name));
    }
    let mut lines = vec![match name {
        Some(name) => format!("Listing status for node '{name}':"),
        None => "Listing status for all available nodes:".to_string(),
    }];
    lines.push(String::new());
    lines.extend(header(&[("Node", 14), ("Node ID", 7), ("Status", 21)]));
    for n in nodes {
        lines.push(row(&[(n.name.as_str(), 14), (format!("{:>7}", n.id).as_str(), 7), (n.state.as_str(), 21)]));
    }
    Ok(lines.into_iter().map(Value::String).collect())
}

fn resource_listing(views: &api::FailoverClusters, name: Option<&str>) -> Result<Vec<Value>, ErrorRecord> {
    let resources: Vec<&api::ClusterResource> =
        views.resources.iter().filter(|r| name.is_none_or(|x| r.name.eq_ignore_ascii_case(x))).collect();
    if let (Some(name), true) = (name, resources.is_empty()) {
        return Err(not_found("resource", name));
    }
    let mut lines = vec![match name {
        Some(name) => format!("Listing status for resource '{name}':"),
        None => "Listing status for all available resources:".to_string(),
    }];
    lines.push(String::new());
    lines.extend(header(&[("Resource", 20), ("Group", 20), ("Node", 15), ("Status", 6)]));
    for r in resources {
        let owner = views.groups.iter().find(|g| g.name == r.owner_group).map_or("", |g| g.owner_node.as_str());
        lines.push(row(&[(r.name.as_str(), 20), (r.owner_group.as_str(), 20), (owner, 15), (r.state.as_str(), 6)]));
    }
    Ok(lines.into_iter().map(Value::String).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &[&str]) -> Vec<String> {
        text.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_command_lines_of_published_scripts_parse() {
        let move_core = parse(&words(&["group", "Cluster Group", "/move:NH-W2K3-SRV04"])).expect("parses");
        assert_eq!(move_core.object, Object::Group);
        assert_eq!(move_core.name.as_deref(), Some("Cluster Group"));
        assert_eq!(move_core.mv, Some(Some("NH-W2K3-SRV04".into())));
        let named = parse(&words(&["/cluster:E2K7CLU01", "res"])).expect("parses");
        assert_eq!((named.cluster.as_deref(), named.object), (Some("E2K7CLU01"), Object::Resource));
        let positional = parse(&words(&["E2K7CLU02", "node", "/status"])).expect("parses");
        assert_eq!((positional.cluster.as_deref(), positional.object), (Some("E2K7CLU02"), Object::Node));
        assert!(parse(&words(&["group", "/move"])).is_err(), "a move names its group");
        assert!(parse(&words(&["group", "CCREX01", "/bogus"])).is_err());
    }
}
