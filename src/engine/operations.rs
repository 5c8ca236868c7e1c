//! Operations that change the estate. Each checks its preconditions against the estate it is
//! given and either changes it or says why not; the service runs it on a copy under the
//! estate's write lock and persists the result before anyone sees it.
//!
//! Must not: do I/O. What an operation changed is returned so the service can store exactly
//! that.

use super::EngineError;
use super::estate::{Database, Estate};
use super::identity;
use crate::api::{CmsState, DatabaseKind};

/// What a database operation changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseChange {
    pub database: Database,
    /// Whether anything changed (mounting a mounted database changes nothing).
    pub changed: bool,
}

/// Mounts (`mount = true`) or dismounts a database of `kind` (any kind when `None`).
///
/// Mounting needs its clustered mailbox server online; a dismounted database stays dismounted
/// across failovers and restarts until it is mounted again, as in Exchange 2007.
pub fn set_mounted(
    estate: &mut Estate,
    id: &str,
    kind: Option<DatabaseKind>,
    mount: bool,
) -> Result<DatabaseChange, EngineError> {
    let found = identity::database(estate, id, kind)?.clone();
    if mount {
        let server = identity::server(estate, &found.server)?;
        if server.state != CmsState::Online {
            return Err(EngineError::Invalid {
                message: format!(
                    "The database '{}' cannot be mounted because the clustered mailbox server {} is {}.",
                    identity::database_identity(&found),
                    server.name,
                    server.state.display_name()
                ),
                hint: format!("Start-ClusteredMailboxServer {} first, then mount the database.", server.name),
            });
        }
    }
    let changed = found.mounted != mount;
    let slot = estate
        .databases
        .iter_mut()
        .find(|d| d.server == found.server && d.storage_group == found.storage_group && d.name == found.name);
    if let Some(db) = slot {
        db.mounted = mount;
    }
    Ok(DatabaseChange { database: Database { mounted: mount, ..found }, changed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topology::{SEED, build};

    #[test]
    fn dismount_then_mount() {
        let mut e = build("seed", SEED).expect("seed");
        let change = set_mounted(&mut e, "Mailbox Database", None, false).expect("dismounts");
        assert!(change.changed && !change.database.mounted);
        assert!(!e.databases[0].mounted);
        let again = set_mounted(&mut e, "Mailbox Database", None, false).expect("idempotent");
        assert!(!again.changed);
        assert!(
            set_mounted(&mut e, "CCREX01\\First Storage Group\\Mailbox Database", None, true).expect("mounts").changed
        );
    }

    #[test]
    fn mounting_needs_the_server_online_and_changes_nothing_otherwise() {
        let mut e = build("seed", SEED).expect("seed");
        set_mounted(&mut e, "Mailbox Database", None, false).expect("dismounts");
        e.servers[0].state = CmsState::Offline;
        let before = e.clone();
        match set_mounted(&mut e, "Mailbox Database", None, true) {
            Err(EngineError::Invalid { message, hint }) => {
                assert!(message.contains("is Offline"), "{message}");
                assert!(hint.contains("Start-ClusteredMailboxServer CCREX01"), "{hint}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(e, before, "a refused operation changes nothing");
        assert!(matches!(set_mounted(&mut e, "Nope", None, true), Err(EngineError::NotFound { .. })));
    }
}
