//! The Active Directory plumbing of the estate's Exchange objects, derived deterministically
//! from the topology: distinguished names, FQDNs, legacy Exchange DNs, object categories and
//! classes, creation times, and the versions Exchange 2007 SP1 stamps on its objects.
//!
//! Owns: how every object is named in the directory, and matching an identity text against
//! those names (`*` wildcards, FQDNs, DNs, legacy DNs, GUIDs) the way Exchange's
//! `*IdParameter` classes do.
//!
//! Must not: find objects in the estate (that is `identity`) or change anything.

use chrono::{DateTime, TimeZone, Utc};

use super::estate::Estate;

/// The administrative group every Exchange 2007 server lives in.
pub const ADMIN_GROUP: &str = "Exchange Administrative Group (FYDIBOHF23SPDLT)";

/// `ExchangeVersion` of an object written by Exchange 2007.
pub const EXCHANGE_VERSION: &str = "0.1 (8.0.535.0)";

/// `AdminDisplayVersion` of an Exchange 2007 SP1 server.
pub const SP1_VERSION: &str = "Version 8.1 (Build 240.6)";

/// The version number behind [`SP1_VERSION`], as `ServerVersion` reports it.
pub const SP1_VERSION_NUMBER: (u32, u32, u32, u32) = (8, 1, 240, 6);

/// `DC=contoso,DC=local` for `contoso.local`.
pub fn domain_dn(domain: &str) -> String {
    domain.split('.').filter(|p| !p.is_empty()).map(|p| format!("DC={p}")).collect::<Vec<_>>().join(",")
}

/// The organization container in the configuration partition.
pub fn organization_dn(estate: &Estate) -> String {
    format!(
        "CN={},CN=Microsoft Exchange,CN=Services,CN=Configuration,{}",
        estate.organization,
        domain_dn(&estate.domain)
    )
}

/// A server (a clustered mailbox server, a node, or a hub transport server).
pub fn server_dn(estate: &Estate, server: &str) -> String {
    format!("CN={server},CN=Servers,CN={ADMIN_GROUP},CN=Administrative Groups,{}", organization_dn(estate))
}

/// A storage group of `server`.
pub fn storage_group_dn(estate: &Estate, server: &str, storage_group: &str) -> String {
    format!("CN={storage_group},CN=InformationStore,{}", server_dn(estate, server))
}

/// A database of a storage group.
pub fn database_dn(estate: &Estate, server: &str, storage_group: &str, database: &str) -> String {
    format!("CN={database},{}", storage_group_dn(estate, server, storage_group))
}

/// The organization's transport settings (`Get-TransportConfig`).
pub fn transport_settings_dn(estate: &Estate) -> String {
    format!("CN=Transport Settings,{}", organization_dn(estate))
}

/// A user in the domain's Users container.
pub fn user_dn(estate: &Estate, name: &str) -> String {
    format!("CN={name},CN=Users,{}", domain_dn(&estate.domain))
}

/// The canonical identity Exchange shows for a user: `contoso.local/Users/Name`.
pub fn user_identity(estate: &Estate, name: &str) -> String {
    format!("{}/Users/{name}", estate.domain)
}

/// `/o=First Organization/ou=…/cn=Configuration/cn=Servers/cn=NAME`.
pub fn server_legacy_dn(estate: &Estate, server: &str) -> String {
    format!("/o={}/ou={ADMIN_GROUP}/cn=Configuration/cn=Servers/cn={server}", estate.organization)
}

/// A mailbox's legacy Exchange DN: `/o=…/ou=…/cn=Recipients/cn=alias`.
pub fn mailbox_legacy_dn(estate: &Estate, alias: &str) -> String {
    format!("/o={}/ou={ADMIN_GROUP}/cn=Recipients/cn={}", estate.organization, alias.to_ascii_lowercase())
}

/// `NAME.domain`.
pub fn fqdn(estate: &Estate, name: &str) -> String {
    format!("{name}.{}", estate.domain)
}

/// `domain/Configuration/Schema/CLASS`, as `ObjectCategory` prints.
pub fn object_category(estate: &Estate, class: &str) -> String {
    format!("{}/Configuration/Schema/{class}", estate.domain)
}

/// The domain controller Exchange talks to when no `-DomainController` is given: the first
/// one the topology names.
pub fn default_domain_controller(estate: &Estate) -> String {
    fqdn(estate, estate.domain_controllers.first().map_or("DC01", String::as_str))
}

/// When the directory object `identity` of `kind` was created: a fixed time in the weeks after
/// SP1's release, spread by the identity so objects differ, and the same in every lab built
/// from one topology. `order` puts dependants after what they depend on (servers, then their
/// storage groups, then databases, then mailboxes).
pub fn created_at(kind: &str, identity: &str, order: u32) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2008, 3, 3, 9, 0, 0).single().unwrap_or_default();
    let spread = crc32fast::hash(format!("{kind}:{}", identity.to_ascii_lowercase()).as_bytes()) % 3600;
    base + chrono::Duration::hours(i64::from(order) * 24) + chrono::Duration::seconds(i64::from(spread))
}

/// The kinds of directory object the estate holds, with their schema class names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Server,
    StorageGroup,
    MailboxDatabase,
    PublicFolderDatabase,
    TransportSettings,
    User,
}

impl ObjectKind {
    /// The kind's word in GUIDs (as `identity::guid` names it).
    fn guid_kind(self) -> &'static str {
        match self {
            ObjectKind::Server => "server",
            ObjectKind::StorageGroup => "storage group",
            ObjectKind::MailboxDatabase | ObjectKind::PublicFolderDatabase => "database",
            ObjectKind::TransportSettings => "transport settings",
            ObjectKind::User => "user",
        }
    }

    /// `ObjectCategory`'s last part and `ObjectClass`, as the Exchange 2007 schema names them.
    fn schema(self) -> (&'static str, &'static [&'static str]) {
        match self {
            ObjectKind::Server => ("ms-Exch-Exchange-Server", &["top", "server", "msExchExchangeServer"]),
            ObjectKind::StorageGroup => ("ms-Exch-Storage-Group", &["top", "container", "msExchStorageGroup"]),
            ObjectKind::MailboxDatabase => ("ms-Exch-Private-MDB", &["top", "msExchMDB", "msExchPrivateMDB"]),
            ObjectKind::PublicFolderDatabase => ("ms-Exch-Public-MDB", &["top", "msExchMDB", "msExchPublicMDB"]),
            ObjectKind::TransportSettings => {
                ("ms-Exch-Transport-Settings", &["top", "container", "msExchTransportSettings"])
            }
            ObjectKind::User => ("Person", &["top", "person", "organizationalPerson", "user"]),
        }
    }

    /// Creation order: what an object depends on was created before it.
    fn order(self) -> u32 {
        match self {
            ObjectKind::TransportSettings => 0,
            ObjectKind::Server => 1,
            ObjectKind::StorageGroup => 2,
            ObjectKind::MailboxDatabase | ObjectKind::PublicFolderDatabase => 3,
            ObjectKind::User => 4,
        }
    }
}

/// The plumbing of the object `identity` of `kind` whose DN is `dn`.
pub fn plumbing(estate: &Estate, kind: ObjectKind, identity: &str, dn: String) -> crate::api::DirectoryObject {
    let (category, classes) = kind.schema();
    let created = created_at(kind.guid_kind(), identity, kind.order());
    crate::api::DirectoryObject {
        exchange_version: EXCHANGE_VERSION.into(),
        distinguished_name: dn,
        guid: super::identity::guid(kind.guid_kind(), identity),
        object_category: object_category(estate, category),
        object_class: classes.iter().map(|c| c.to_string()).collect(),
        when_changed: created + chrono::Duration::minutes(5),
        when_created: created,
        originating_server: default_domain_controller(estate),
    }
}

/// The Active Directory site of a datacenter.
pub fn site(estate: &Estate, datacenter: &str) -> String {
    format!("{}/Configuration/Sites/{datacenter}", estate.domain)
}

/// How an identity text names an object, once its form is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityForm {
    /// `{8-4-4-4-12}`.
    Guid(String),
    /// `CN=…,…`.
    DistinguishedName(String),
    /// `/o=…/…/cn=NAME`.
    LegacyDn(String),
    /// Names separated by `\`, each possibly with `*` wildcards or a trailing `.domain`.
    Names(Vec<String>),
}

impl IdentityForm {
    pub fn parse(text: &str) -> IdentityForm {
        let text = text.trim();
        if is_guid(text) {
            return IdentityForm::Guid(text.trim_start_matches('{').trim_end_matches('}').to_ascii_lowercase());
        }
        if text.len() > 3 && text[..3].eq_ignore_ascii_case("CN=") && text.contains(',') {
            return IdentityForm::DistinguishedName(normalize_dn(text));
        }
        if text.starts_with("/o=") || text.starts_with("/O=") {
            return IdentityForm::LegacyDn(text.to_ascii_lowercase());
        }
        IdentityForm::Names(text.split('\\').map(|p| p.trim().to_string()).collect())
    }

    /// Whether any part holds a wildcard: then several matches are an answer, not an
    /// ambiguity.
    pub fn is_wildcard(&self) -> bool {
        matches!(self, IdentityForm::Names(parts) if parts.iter().any(|p| p.contains('*')))
    }
}

/// Whether `text` is shaped like a GUID (`8-4-4-4-12` hexadecimal digits, braces optional).
pub fn is_guid(text: &str) -> bool {
    let text = text.trim().trim_start_matches('{').trim_end_matches('}');
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A DN with the spaces around its separators removed and in lower case, for comparison.
pub fn normalize_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| rdn.trim().replace(" =", "=").replace("= ", "="))
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

/// Whether the name `pattern` (possibly with `*` wildcards, or an FQDN in the estate's domain
/// when `fqdn_allowed`) names `name`. Names compare case-insensitively.
pub fn name_matches(estate: &Estate, pattern: &str, name: &str, fqdn_allowed: bool) -> bool {
    let pattern = pattern.trim();
    if pattern.contains('*') {
        return wildcard_matches(pattern, name);
    }
    if pattern.eq_ignore_ascii_case(name) {
        return true;
    }
    fqdn_allowed && strip_domain(estate, pattern).is_some_and(|short| short.eq_ignore_ascii_case(name))
}

/// `name` when `text` is `name.<the estate's domain>`.
pub fn strip_domain<'t>(estate: &Estate, text: &'t str) -> Option<&'t str> {
    let cut = text.len().checked_sub(estate.domain.len() + 1)?;
    let (short, suffix) = (text.get(..cut)?, text.get(cut..)?);
    (suffix.starts_with('.') && suffix[1..].eq_ignore_ascii_case(&estate.domain) && !short.is_empty()).then_some(short)
}

/// Case-insensitive `*` wildcards, in time linear in the text for each `*`-free piece.
pub fn wildcard_matches(pattern: &str, text: &str) -> bool {
    let pattern = pattern.to_lowercase();
    let text = text.to_lowercase();
    let pieces: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if pieces.len() == 1 {
        return pattern == text;
    }
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut at = first.len();
    let end = text.len() - last.len();
    for piece in &pieces[1..pieces.len() - 1] {
        match text[at..end].find(piece) {
            Some(found) => at += found + piece.len(),
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn distinguished_names_follow_the_exchange_2007_configuration_tree() {
        let e = build("seed", SEED).expect("seed builds");
        assert_eq!(
            storage_group_dn(&e, "CCREX01", "First Storage Group"),
            "CN=First Storage Group,CN=InformationStore,CN=CCREX01,CN=Servers,CN=Exchange Administrative Group \
             (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=First Organization,CN=Microsoft Exchange,CN=Services,\
             CN=Configuration,DC=contoso,DC=local"
        );
        assert_eq!(fqdn(&e, "NH-W2K3-SRV01"), "NH-W2K3-SRV01.contoso.local");
        assert_eq!(
            object_category(&e, "ms-Exch-Storage-Group"),
            "contoso.local/Configuration/Schema/ms-Exch-Storage-Group"
        );
    }

    #[test]
    fn identity_forms_are_told_apart() {
        assert!(matches!(IdentityForm::parse("{0F3A1B2C-0000-5000-8000-000000000001}"), IdentityForm::Guid(_)));
        assert!(matches!(IdentityForm::parse("CN=CCREX01, CN=Servers,DC=x"), IdentityForm::DistinguishedName(_)));
        assert!(matches!(IdentityForm::parse("/o=First Organization/cn=x"), IdentityForm::LegacyDn(_)));
        let names = IdentityForm::parse("CCREX01\\*");
        assert!(names.is_wildcard());
        assert_eq!(names, IdentityForm::Names(vec!["CCREX01".into(), "*".into()]));
    }

    #[test]
    fn wildcards_and_fqdns_match_names() {
        let e = build("seed", SEED).expect("seed builds");
        assert!(wildcard_matches("*storage*", "First Storage Group"));
        assert!(wildcard_matches("first*", "First Storage Group"));
        assert!(wildcard_matches("*group", "First Storage Group"));
        assert!(!wildcard_matches("*public*", "First Storage Group"));
        assert!(wildcard_matches("a*a", "aa") && !wildcard_matches("a*a", "a"));
        assert!(name_matches(&e, "nh-w2k3-srv01.CONTOSO.local", "NH-W2K3-SRV01", true));
        assert!(!name_matches(&e, "nh-w2k3-srv01.fabrikam.com", "NH-W2K3-SRV01", true));
        assert!(!name_matches(&e, "nh-w2k3-srv01.contoso.local", "NH-W2K3-SRV01", false));
    }
}
