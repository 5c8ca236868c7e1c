//! Identity resolution as Exchange does it: `CMS`, `CMS\Storage Group`, `Database`,
//! `CMS\Database`, `CMS\Storage Group\Database`; names are case-insensitive.
//!
//! Must not: change anything; it only finds objects or says why it could not.

use super::EngineError;
use super::estate::*;

/// The CMS named `identity`.
pub fn server<'e>(estate: &'e Estate, identity: &str) -> Result<&'e ClusteredMailboxServer, EngineError> {
    let by_guid = is_guid(identity);
    let matches = |s: &&ClusteredMailboxServer| {
        s.name.eq_ignore_ascii_case(identity.trim()) || (by_guid && same_guid(identity, &guid("server", &s.name)))
    };
    estate.servers.iter().find(matches).ok_or_else(|| EngineError::NotFound {
        kind: "clustered mailbox server",
        identity: identity.to_string(),
        known: estate.servers.iter().map(|s| s.name.clone()).collect(),
    })
}

/// The node (a server of a failover cluster) named `identity`.
pub fn node<'e>(estate: &'e Estate, identity: &str) -> Result<&'e Node, EngineError> {
    estate.node(identity.trim()).ok_or_else(|| EngineError::NotFound {
        kind: "node",
        identity: identity.to_string(),
        known: estate.nodes.iter().map(|n| n.name.clone()).collect(),
    })
}

/// The storage group `identity` (`Server\Name` or a name that only one server has).
pub fn storage_group<'e>(estate: &'e Estate, identity: &str) -> Result<&'e StorageGroup, EngineError> {
    let identity = identity.trim();
    if is_guid(identity) {
        let found: Vec<&StorageGroup> = estate
            .storage_groups
            .iter()
            .filter(|sg| same_guid(identity, &guid("storage group", &storage_group_identity(sg))))
            .collect();
        return one(
            found,
            identity,
            "storage group",
            || estate.storage_groups.iter().map(storage_group_identity).collect(),
            storage_group_identity,
        );
    }
    let found: Vec<&StorageGroup> = match identity.split_once('\\') {
        Some((server, name)) => estate
            .storage_groups
            .iter()
            .filter(|sg| sg.server.eq_ignore_ascii_case(server) && sg.name.eq_ignore_ascii_case(name))
            .collect(),
        None => estate.storage_groups.iter().filter(|sg| sg.name.eq_ignore_ascii_case(identity)).collect(),
    };
    one(
        found,
        identity,
        "storage group",
        || estate.storage_groups.iter().map(storage_group_identity).collect(),
        storage_group_identity,
    )
}

/// The database `identity` of `kind` (or any kind when `None`).
pub fn database<'e>(
    estate: &'e Estate,
    identity: &str,
    kind: Option<crate::api::DatabaseKind>,
) -> Result<&'e Database, EngineError> {
    let identity = identity.trim();
    let by_guid = is_guid(identity);
    let parts: Vec<&str> = identity.split('\\').collect();
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let found: Vec<&Database> = estate
        .databases
        .iter()
        .filter(|db| kind.is_none_or(|k| db.kind == k))
        .filter(|db| match parts.as_slice() {
            [text] if by_guid => same_guid(text, &guid("database", &database_identity(db))),
            [name] => eq(&db.name, name),
            [server, name] => eq(&db.server, server) && eq(&db.name, name),
            [server, sg, name] => eq(&db.server, server) && eq(&db.storage_group, sg) && eq(&db.name, name),
            _ => false,
        })
        .collect();
    one(
        found,
        identity,
        "database",
        || estate.databases.iter().filter(|db| kind.is_none_or(|k| db.kind == k)).map(database_identity).collect(),
        database_identity,
    )
}

/// The GUID of an object: fixed by its kind and full identity, so it is the same in every lab
/// built from the same topology, and shaped as Exchange prints one.
pub fn guid(kind: &str, identity: &str) -> String {
    let text = format!("{kind}:{}", identity.to_ascii_lowercase());
    let a = crc32fast::hash(text.as_bytes());
    let b = crc32fast::hash(format!("{text}#1").as_bytes());
    let c = crc32fast::hash(format!("{text}#2").as_bytes());
    let d = crc32fast::hash(format!("{text}#3").as_bytes());
    // Version 5 and variant bits, as a name-based GUID carries them.
    format!("{a:08x}-{:04x}-5{:03x}-{:04x}-{:04x}{d:08x}", b >> 16, b & 0x0fff, (c >> 16) & 0x3fff | 0x8000, c & 0xffff)
}

/// Whether `text` is shaped like a GUID (`8-4-4-4-12` hexadecimal digits).
fn is_guid(text: &str) -> bool {
    let text = text.trim().trim_start_matches('{').trim_end_matches('}');
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn same_guid(text: &str, guid: &str) -> bool {
    text.trim().trim_start_matches('{').trim_end_matches('}').eq_ignore_ascii_case(guid)
}

/// `Server\Storage Group`.
pub fn storage_group_identity(sg: &StorageGroup) -> String {
    format!("{}\\{}", sg.server, sg.name)
}

/// `Server\Storage Group\Database`.
pub fn database_identity(db: &Database) -> String {
    format!("{}\\{}\\{}", db.server, db.storage_group, db.name)
}

fn one<'e, T>(
    found: Vec<&'e T>,
    identity: &str,
    kind: &'static str,
    known: impl FnOnce() -> Vec<String>,
    name: fn(&T) -> String,
) -> Result<&'e T, EngineError> {
    match found.as_slice() {
        [single] => Ok(single),
        [] => Err(EngineError::NotFound { kind, identity: identity.to_string(), known: known() }),
        many => Err(EngineError::Ambiguous {
            identity: identity.to_string(),
            matches: many.iter().map(|t| name(t)).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    fn seed() -> Estate {
        build("seed", SEED).expect("seed builds")
    }

    #[test]
    fn resolves_every_identity_form() {
        let e = seed();
        assert_eq!(server(&e, "ccrex01").map(|s| s.name.as_str()), Ok("CCREX01"));
        let sg = storage_group(&e, "CCREX01\\first storage group").expect("found");
        assert_eq!(sg.log_prefix, "E00");
        assert_eq!(storage_group(&e, "Second Storage Group").map(|s| s.log_prefix.as_str()), Ok("E01"));
        for id in ["Mailbox Database", "CCREX01\\Mailbox Database", "CCREX01\\First Storage Group\\Mailbox Database"] {
            assert_eq!(database(&e, id, None).map(|d| d.name.as_str()), Ok("Mailbox Database"), "{id}");
        }
        let wrong_kind = database(&e, "Mailbox Database", Some(crate::api::DatabaseKind::PublicFolder));
        assert!(matches!(wrong_kind, Err(EngineError::NotFound { .. })));
    }

    #[test]
    fn guids_are_stable_well_formed_identities() {
        let e = seed();
        let sg_guid = guid("storage group", "CCREX01\\First Storage Group");
        assert!(is_guid(&sg_guid) && sg_guid.as_bytes()[14] == b'5', "{sg_guid}");
        assert_eq!(sg_guid, guid("storage group", "ccrex01\\first storage group"));
        assert_eq!(storage_group(&e, &sg_guid).map(|s| s.name.as_str()), Ok("First Storage Group"));
        assert_eq!(
            storage_group(&e, &format!("{{{}}}", sg_guid.to_uppercase())).map(|s| s.log_prefix.as_str()),
            Ok("E00")
        );
        let db_guid = guid("database", "CCREX01\\First Storage Group\\Mailbox Database");
        assert_eq!(database(&e, &db_guid, None).map(|d| d.name.as_str()), Ok("Mailbox Database"));
        assert_eq!(server(&e, &guid("server", "CCREX01")).map(|s| s.name.as_str()), Ok("CCREX01"));
        assert!(server(&e, "00000000-0000-0000-0000-000000000000").is_err());
    }

    #[test]
    fn not_found_lists_the_known_identities() {
        let e = seed();
        match server(&e, "CCREX99") {
            Err(EngineError::NotFound { known, .. }) => {
                assert_eq!(known, vec!["CCREX01".to_string()])
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
    }

    #[test]
    fn a_name_on_two_servers_is_ambiguous() {
        let mut e = seed();
        let mut twin = e.storage_groups[0].clone();
        twin.server = "CCREX02".into();
        e.storage_groups.push(twin);
        assert!(matches!(storage_group(&e, "First Storage Group"), Err(EngineError::Ambiguous { .. })));
        assert!(storage_group(&e, "CCREX01\\First Storage Group").is_ok());
    }
}
