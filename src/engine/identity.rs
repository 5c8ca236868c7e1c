//! Identity resolution as Exchange's `*IdParameter` classes do it: a name, `Server\Name`,
//! `Server\Storage Group\Database`, a GUID, a distinguished name, a legacy Exchange DN, an FQDN
//! for servers and nodes, and `*` wildcards in any name part. Names are case-insensitive.
//!
//! The plural functions (`servers`, `storage_groups`, `databases`) answer a `Get-` cmdlet: a
//! wildcard may match several objects. The singular ones answer a cmdlet that changes one
//! object: several matches are an ambiguity, as in Exchange.
//!
//! A plain name (no wildcard, not a GUID or DN) is found through the estate's indexes, in
//! constant time; the other forms are checked against every object.
//!
//! Must not: change anything; it only finds objects or says why it could not.

use super::EngineError;
use super::directory::{self, IdentityForm, name_matches, normalize_dn};
use super::estate::*;

/// The clustered mailbox servers `identity` names (one, or several for a wildcard).
pub fn servers<'e>(estate: &'e Estate, identity: &str) -> Result<Vec<&'e ClusteredMailboxServer>, EngineError> {
    let form = IdentityForm::parse(identity);
    let found: Vec<&ClusteredMailboxServer> = match plain(&form) {
        Some([name]) => estate.server(name).or_else(|| estate.server(short(estate, name))).into_iter().collect(),
        _ => estate.servers.iter().filter(|s| names_server(estate, &form, &s.name)).collect(),
    };
    if found.is_empty() {
        return Err(not_found(
            estate,
            "clustered mailbox server",
            identity,
            estate.servers.iter().map(|s| s.name.clone()),
        ));
    }
    Ok(found)
}

/// The CMS named `identity`.
pub fn server<'e>(estate: &'e Estate, identity: &str) -> Result<&'e ClusteredMailboxServer, EngineError> {
    let found = servers(estate, identity)?;
    one(found, identity, |s| s.name.clone())
}

/// Whether `form` names the server (CMS, node or hub transport server) called `name`.
pub fn names_server(estate: &Estate, form: &IdentityForm, name: &str) -> bool {
    match form {
        IdentityForm::Guid(g) => guid("server", name).eq_ignore_ascii_case(g),
        IdentityForm::DistinguishedName(dn) => normalize_dn(&directory::server_dn(estate, name)) == *dn,
        IdentityForm::LegacyDn(legacy) => directory::server_legacy_dn(estate, name).eq_ignore_ascii_case(legacy),
        IdentityForm::Names(parts) => matches!(parts.as_slice(), [one] if name_matches(estate, one, name, true)),
    }
}

/// The node (a server of a failover cluster) named `identity`: its name, FQDN, GUID or DN.
pub fn node<'e>(estate: &'e Estate, identity: &str) -> Result<&'e Node, EngineError> {
    let form = IdentityForm::parse(identity);
    let found: Vec<&Node> = match plain(&form) {
        Some([name]) => estate.node(name).into_iter().collect(),
        _ => estate.nodes.iter().filter(|n| names_server(estate, &form, &n.name)).collect(),
    };
    if found.is_empty() {
        return Err(not_found(estate, "node", identity, estate.nodes.iter().map(|n| n.name.clone())));
    }
    one(found, identity, |n| n.name.clone())
}

/// The storage groups `identity` names: `Server\Name`, a name, a GUID or a DN, with `*`
/// wildcards in the name parts.
pub fn storage_groups<'e>(estate: &'e Estate, identity: &str) -> Result<Vec<&'e StorageGroup>, EngineError> {
    let form = IdentityForm::parse(identity);
    let found: Vec<&StorageGroup> = match plain(&form) {
        Some([name]) => estate
            .storage_groups
            .positions_named(&name.to_ascii_lowercase())
            .into_iter()
            .map(|p| &estate.storage_groups[p])
            .collect(),
        Some([server, name]) => estate
            .storage_group_of(server, name)
            .or_else(|| estate.storage_group_of(short(estate, server), name))
            .into_iter()
            .collect(),
        _ => estate.storage_groups.iter().filter(|sg| names_storage_group(estate, &form, sg)).collect(),
    };
    if found.is_empty() {
        return Err(not_found(
            estate,
            "storage group",
            identity,
            estate.storage_groups.iter().map(storage_group_identity),
        ));
    }
    Ok(found)
}

/// The storage group `identity` (`Server\Name` or a name that only one server has).
pub fn storage_group<'e>(estate: &'e Estate, identity: &str) -> Result<&'e StorageGroup, EngineError> {
    let found = storage_groups(estate, identity)?;
    one(found, identity, storage_group_identity)
}

fn names_storage_group(estate: &Estate, form: &IdentityForm, sg: &StorageGroup) -> bool {
    match form {
        IdentityForm::Guid(g) => guid("storage group", &storage_group_identity(sg)).eq_ignore_ascii_case(g),
        IdentityForm::DistinguishedName(dn) => {
            normalize_dn(&directory::storage_group_dn(estate, &sg.server, &sg.name)) == *dn
        }
        IdentityForm::LegacyDn(_) => false,
        IdentityForm::Names(parts) => match parts.as_slice() {
            [name] => name_matches(estate, name, &sg.name, false),
            [server, name] => {
                name_matches(estate, server, &sg.server, true) && name_matches(estate, name, &sg.name, false)
            }
            _ => false,
        },
    }
}

/// The databases of `kind` (any kind when `None`) that `identity` names.
pub fn databases<'e>(
    estate: &'e Estate,
    identity: &str,
    kind: Option<crate::api::DatabaseKind>,
) -> Result<Vec<&'e Database>, EngineError> {
    let form = IdentityForm::parse(identity);
    let of_kind = |db: &&Database| kind.is_none_or(|k| db.kind == k);
    let candidates: Vec<&Database> = match plain(&form) {
        Some([.., name]) => estate
            .databases
            .positions_named(&name.to_ascii_lowercase())
            .into_iter()
            .map(|p| &estate.databases[p])
            .collect(),
        _ => estate.databases.iter().collect(),
    };
    let found: Vec<&Database> =
        candidates.into_iter().filter(of_kind).filter(|db| names_database(estate, &form, db)).collect();
    if found.is_empty() {
        let known: Vec<String> = estate.databases.iter().filter(of_kind).map(database_identity).collect();
        return Err(not_found(estate, "database", identity, known.into_iter()));
    }
    Ok(found)
}

/// The database `identity` of `kind` (or any kind when `None`).
pub fn database<'e>(
    estate: &'e Estate,
    identity: &str,
    kind: Option<crate::api::DatabaseKind>,
) -> Result<&'e Database, EngineError> {
    let found = databases(estate, identity, kind)?;
    one(found, identity, database_identity)
}

fn names_database(estate: &Estate, form: &IdentityForm, db: &Database) -> bool {
    let name = |pattern: &str, value: &str| name_matches(estate, pattern, value, false);
    match form {
        IdentityForm::Guid(g) => guid("database", &database_identity(db)).eq_ignore_ascii_case(g),
        IdentityForm::DistinguishedName(dn) => {
            normalize_dn(&directory::database_dn(estate, &db.server, &db.storage_group, &db.name)) == *dn
        }
        IdentityForm::LegacyDn(_) => false,
        IdentityForm::Names(parts) => match parts.as_slice() {
            [n] => name(n, &db.name),
            [server, n] => name_matches(estate, server, &db.server, true) && name(n, &db.name),
            [server, sg, n] => {
                name_matches(estate, server, &db.server, true) && name(sg, &db.storage_group) && name(n, &db.name)
            }
            _ => false,
        },
    }
}

/// The name parts of `form` when it is plain names without wildcards: what the indexes find.
fn plain(form: &IdentityForm) -> Option<&[String]> {
    match form {
        IdentityForm::Names(parts) if !parts.iter().any(|p| p.contains('*')) => Some(parts.as_slice()),
        _ => None,
    }
}

/// A server's name without the estate's domain (`name` itself when it has none).
fn short<'t>(estate: &Estate, name: &'t str) -> &'t str {
    directory::strip_domain(estate, name.trim()).unwrap_or(name.trim())
}

/// The mailboxes `identity` names: alias, display name, SMTP address (`alias@domain`), the
/// canonical `domain/Users/Name`, the DN, the legacy DN or the GUID; `*` wildcards in a name.
pub fn mailboxes<'e>(estate: &'e Estate, identity: &str) -> Result<Vec<&'e Mailbox>, EngineError> {
    let text = identity.trim();
    let form = IdentityForm::parse(text);
    let matches = |m: &&Mailbox| match &form {
        IdentityForm::Guid(g) => guid("user", &m.alias).eq_ignore_ascii_case(g),
        IdentityForm::DistinguishedName(dn) => normalize_dn(&directory::user_dn(estate, &m.name)) == *dn,
        IdentityForm::LegacyDn(legacy) => directory::mailbox_legacy_dn(estate, &m.alias).eq_ignore_ascii_case(legacy),
        IdentityForm::Names(_) => {
            let smtp = format!("{}@{}", m.alias, estate.domain);
            name_matches(estate, text, &m.alias, false)
                || name_matches(estate, text, &m.name, false)
                || text.eq_ignore_ascii_case(&smtp)
                || text.eq_ignore_ascii_case(&directory::user_identity(estate, &m.name))
                || (text.contains('*') && directory::wildcard_matches(text, &smtp))
        }
    };
    let found: Vec<&Mailbox> = estate.mailboxes.iter().filter(matches).collect();
    if found.is_empty() {
        return Err(not_found(estate, "mailbox", identity, estate.mailboxes.iter().map(|m| m.alias.clone())));
    }
    Ok(found)
}

/// The mailbox `identity` names.
pub fn mailbox<'e>(estate: &'e Estate, identity: &str) -> Result<&'e Mailbox, EngineError> {
    let found = mailboxes(estate, identity)?;
    one(found, identity, |m| m.alias.clone())
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

/// `Server\Storage Group`.
pub fn storage_group_identity(sg: &StorageGroup) -> String {
    format!("{}\\{}", sg.server, sg.name)
}

/// `Server\Storage Group\Database`.
pub fn database_identity(db: &Database) -> String {
    format!("{}\\{}\\{}", db.server, db.storage_group, db.name)
}

/// The not-found refusal, with the domain controller Exchange would name and the identities
/// that do exist.
pub fn not_found(
    estate: &Estate,
    kind: &'static str,
    identity: &str,
    known: impl Iterator<Item = String>,
) -> EngineError {
    EngineError::NotFound {
        kind,
        identity: identity.trim().to_string(),
        known: known.collect(),
        domain_controller: directory::default_domain_controller(estate),
    }
}

fn one<'e, T>(found: Vec<&'e T>, identity: &str, name: impl Fn(&T) -> String) -> Result<&'e T, EngineError> {
    match found.as_slice() {
        [single] => Ok(single),
        many => Err(EngineError::Ambiguous {
            identity: identity.trim().to_string(),
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
        assert!(directory::is_guid(&sg_guid) && sg_guid.as_bytes()[14] == b'5', "{sg_guid}");
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

    /// Identity forms of the Exchange 2007 `StorageGroupIdParameter`/`ServerIdParameter`
    /// pages (GUID, name, `Server\Name`, DN) and published scripts (`$CMSName\*`, FQDNs).
    #[test]
    fn wildcards_fqdns_and_distinguished_names_resolve() {
        let e = seed();
        let all = storage_groups(&e, "CCREX01\\*").expect("wildcard");
        assert_eq!(all.len(), 2);
        assert_eq!(storage_groups(&e, "*Storage*").expect("contains").len(), 2);
        assert_eq!(storage_groups(&e, "First*").expect("prefix").len(), 1);
        assert!(matches!(storage_group(&e, "CCREX01\\*"), Err(EngineError::Ambiguous { .. })));
        assert!(matches!(storage_groups(&e, "Third*"), Err(EngineError::NotFound { .. })));
        assert_eq!(server(&e, "ccrex01.contoso.local").map(|s| s.name.as_str()), Ok("CCREX01"));
        assert_eq!(node(&e, "nh-w2k3-srv01.contoso.local").map(|n| n.name.as_str()), Ok("NH-W2K3-SRV01"));
        assert_eq!(e.node("NH-W2K3-SRV05.CONTOSO.LOCAL").map(|n| n.name.as_str()), Some("NH-W2K3-SRV05"));
        assert!(node(&e, "nh-w2k3-srv01.fabrikam.com").is_err());
        let dn = directory::database_dn(&e, "CCREX01", "Second Storage Group", "Public Folder Database");
        assert_eq!(database(&e, &dn.to_uppercase(), None).map(|d| d.name.as_str()), Ok("Public Folder Database"));
        let sg_dn = directory::storage_group_dn(&e, "CCREX01", "First Storage Group").replace(',', ", ");
        assert_eq!(storage_group(&e, &sg_dn).map(|s| s.log_prefix.as_str()), Ok("E00"));
        let legacy = directory::server_legacy_dn(&e, "CCREX01");
        assert_eq!(server(&e, &legacy).map(|s| s.name.as_str()), Ok("CCREX01"));
        assert_eq!(databases(&e, "CCREX01\\*\\*", None).expect("both").len(), 2);
    }

    #[test]
    fn not_found_lists_the_known_identities_and_the_domain_controller() {
        let e = seed();
        let error = server(&e, "CCREX99").expect_err("missing");
        assert_eq!(
            error.to_string(),
            "The operation could not be performed because object 'CCREX99' could not be found on domain \
             controller 'NH-W2K3-DC01.contoso.local'."
        );
        match error {
            EngineError::NotFound { known, .. } => assert_eq!(known, vec!["CCREX01".to_string()]),
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
