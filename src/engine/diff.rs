//! What changed between two estates, object by object: the unit a store writes and a replica
//! applies.
//!
//! Owns: [`EstateDiff`] (the estate's scalar settings if any changed, and for each kind of object
//! the positions whose object changed plus the list's new length), computing it
//! ([`EstateDiff::between`], a pointer comparison per object thanks to [`Objects`]' sharing),
//! applying it ([`EstateDiff::apply`]), and [`Kind`]/[`Object`], the one list of the kinds of
//! object the estate keeps — a new kind is one line in `kinds!` below.
//!
//! Positions, not names, identify a changed object: an object's name can change in place (a
//! copy's node in a move), and the order of each list is part of the estate (it is the order
//! every view lists). Removing an object shifts the later ones, which then count as changed.
//!
//! Must not: encode anything (the store chooses the format) or do I/O.

use serde::{Deserialize, Serialize};

use super::estate::*;

/// The estate's settings and counters outside its object lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstateMeta {
    pub topology: String,
    pub log_size_bytes: u64,
    pub version: u64,
    pub files_dir: String,
    pub clock_offset_ms: i64,
    pub next_message_id: u64,
    pub network_cuts: Vec<(String, String)>,
    #[serde(default)]
    pub quorum_owners: Vec<(String, String)>,
    #[serde(default = "default_domain")]
    pub domain: String,
    #[serde(default = "default_organization")]
    pub organization: String,
    #[serde(default = "default_domain_controllers")]
    pub domain_controllers: Vec<String>,
    #[serde(default = "default_workstation")]
    pub workstation: String,
    pub max_dumpster_size_bytes: u64,
    pub max_dumpster_time_seconds: u64,
}

fn default_domain() -> String {
    DEFAULT_DOMAIN.into()
}

fn default_organization() -> String {
    DEFAULT_ORGANIZATION.into()
}

fn default_domain_controllers() -> Vec<String> {
    vec![DEFAULT_DOMAIN_CONTROLLER.into()]
}

fn default_workstation() -> String {
    DEFAULT_WORKSTATION.into()
}

impl EstateMeta {
    pub fn of(estate: &Estate) -> EstateMeta {
        // Every field is named: a field added to `Estate` must be placed here (a setting) or
        // in `kinds!` (a list of objects), or this does not compile.
        let Estate {
            topology,
            log_size_bytes,
            version,
            files_dir,
            clock_offset_ms,
            next_message_id,
            network_cuts,
            quorum_owners,
            domain,
            organization,
            domain_controllers,
            workstation,
            max_dumpster_size_bytes,
            max_dumpster_time_seconds,
            datacenters: _,
            hub_transport_servers: _,
            mailboxes: _,
            queued: _,
            clusters: _,
            nodes: _,
            servers: _,
            storage_groups: _,
            databases: _,
            copies: _,
        } = estate;
        EstateMeta {
            topology: topology.clone(),
            log_size_bytes: *log_size_bytes,
            version: *version,
            files_dir: files_dir.clone(),
            clock_offset_ms: *clock_offset_ms,
            next_message_id: *next_message_id,
            network_cuts: network_cuts.clone(),
            quorum_owners: quorum_owners.clone(),
            domain: domain.clone(),
            organization: organization.clone(),
            domain_controllers: domain_controllers.clone(),
            workstation: workstation.clone(),
            max_dumpster_size_bytes: *max_dumpster_size_bytes,
            max_dumpster_time_seconds: *max_dumpster_time_seconds,
        }
    }

    /// Sets these values on `estate`.
    pub fn apply(&self, estate: &mut Estate) {
        estate.topology.clone_from(&self.topology);
        estate.log_size_bytes = self.log_size_bytes;
        estate.version = self.version;
        estate.files_dir.clone_from(&self.files_dir);
        estate.clock_offset_ms = self.clock_offset_ms;
        estate.next_message_id = self.next_message_id;
        estate.network_cuts.clone_from(&self.network_cuts);
        estate.quorum_owners.clone_from(&self.quorum_owners);
        estate.domain.clone_from(&self.domain);
        estate.organization.clone_from(&self.organization);
        estate.domain_controllers.clone_from(&self.domain_controllers);
        estate.workstation.clone_from(&self.workstation);
        estate.max_dumpster_size_bytes = self.max_dumpster_size_bytes;
        estate.max_dumpster_time_seconds = self.max_dumpster_time_seconds;
    }

    /// An empty estate with these settings.
    pub fn into_estate(self) -> Estate {
        let mut estate = Estate::empty(String::new(), 0);
        self.apply(&mut estate);
        estate
    }
}

/// The changes to one kind's list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListChange {
    pub kind: Kind,
    /// The list's length after the change (positions from here on are gone).
    pub len: usize,
    /// The objects at positions that changed, in ascending order of position.
    pub changed: Vec<(usize, Object)>,
}

/// What changed between two estates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EstateDiff {
    pub meta: Option<EstateMeta>,
    /// One entry per kind whose list changed.
    pub lists: Vec<ListChange>,
}

impl EstateDiff {
    /// What turns `before` into `after`.
    pub fn between(before: &Estate, after: &Estate) -> EstateDiff {
        let meta = EstateMeta::of(after);
        EstateDiff { meta: (EstateMeta::of(before) != meta).then_some(meta), lists: list_changes(before, after) }
    }

    /// Everything in `estate`, as a diff from an empty estate (a store writing it whole).
    pub fn whole(estate: &Estate) -> EstateDiff {
        let mut diff = EstateDiff::between(&Estate::empty(String::new(), 0), estate);
        diff.meta = Some(EstateMeta::of(estate));
        diff
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_none() && self.lists.is_empty()
    }

    /// How many objects it writes.
    pub fn objects(&self) -> usize {
        self.lists.iter().map(|l| l.changed.len()).sum()
    }

    /// Turns the estate it was computed from into the one it was computed to.
    pub fn apply(&self, estate: &mut Estate) {
        if let Some(meta) = &self.meta {
            meta.apply(estate);
        }
        for list in &self.lists {
            apply_list(estate, list);
        }
    }
}

/// The positions of `after` whose object is not `before`'s at that position, and its length.
fn positions<T: PartialEq>(before: &Objects<T>, after: &Objects<T>) -> Option<(usize, Vec<usize>)> {
    if Objects::same(before, after) {
        return None;
    }
    let (old, new) = (before.items(), after.items());
    let changed: Vec<usize> =
        (0..new.len()).filter(|&p| old.get(p).is_none_or(|o| !Shared::same(o, &new[p]) && **o != *new[p])).collect();
    (!changed.is_empty() || old.len() != new.len()).then_some((new.len(), changed))
}

/// Declares the kinds of object the estate keeps: the variant (named as the type), the field of
/// [`Estate`] that lists them, and the name stores use for the kind.
macro_rules! kinds {
    ($($kind:ident, $field:ident, $name:literal;)*) => {
        /// A kind of estate object.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind { $($kind),* }

        impl Kind {
            pub const ALL: &[Kind] = &[$(Kind::$kind),*];

            /// The name a store gives the kind.
            pub fn name(self) -> &'static str {
                match self { $(Kind::$kind => $name),* }
            }

            pub fn parse(name: &str) -> Option<Kind> {
                match name { $($name => Some(Kind::$kind),)* _ => None }
            }
        }

        /// One estate object of any kind.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Object { $($kind(Shared<$kind>)),* }

        impl Object {
            pub fn kind(&self) -> Kind {
                match self { $(Object::$kind(_) => Kind::$kind),* }
            }

            /// Reads an object of `kind` from its serde form.
            pub fn decode<'de, D: serde::Deserializer<'de>>(kind: Kind, from: D) -> Result<Object, D::Error> {
                Ok(match kind { $(Kind::$kind => Object::$kind(Shared::deserialize(from)?)),* })
            }
        }

        impl Serialize for Object {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self { $(Object::$kind(o) => o.serialize(serializer)),* }
            }
        }

        fn list_changes(before: &Estate, after: &Estate) -> Vec<ListChange> {
            let mut lists = Vec::new();
            $(
                if let Some((len, changed)) = positions(&before.$field, &after.$field) {
                    let changed = changed
                        .into_iter()
                        .map(|p| (p, Object::$kind(after.$field.items()[p].clone())))
                        .collect();
                    lists.push(ListChange { kind: Kind::$kind, len, changed });
                }
            )*
            lists
        }

        fn apply_list(estate: &mut Estate, change: &ListChange) {
            match change.kind {
                $(Kind::$kind => {
                    let list = &mut estate.$field;
                    list.truncate(change.len);
                    for (position, object) in &change.changed {
                        if let Object::$kind(o) = object {
                            list.put(*position, o.clone());
                        }
                    }
                })*
            }
        }

        /// Leaves the list of `kind` in `estate` to be read later (see `Objects::deferred`):
        /// returns what fills it with that kind's objects, in order (objects of another kind
        /// are not taken).
        pub fn defer(estate: &mut Estate, kind: Kind) -> Box<dyn FnOnce(Result<Vec<Object>, String>) + Send> {
            match kind { $(Kind::$kind => {
                let (objects, fill) = Objects::deferred();
                estate.$field = objects;
                Box::new(move |read: Result<Vec<Object>, String>| {
                    fill.fill(read.map(|objects| {
                        objects
                            .into_iter()
                            .filter_map(|o| if let Object::$kind(o) = o { Some(o) } else { None })
                            .collect()
                    }))
                })
            })* }
        }

        /// Appends `object` to its list in `estate` (a store loading objects in order).
        pub fn push(estate: &mut Estate, object: Object) {
            match object { $(Object::$kind(o) => {
                let len = estate.$field.len();
                estate.$field.put(len, o);
            })* }
        }
    };
}

kinds! {
    Datacenter, datacenters, "datacenter";
    Cluster, clusters, "cluster";
    Node, nodes, "node";
    ClusteredMailboxServer, servers, "server";
    StorageGroup, storage_groups, "storage_group";
    Database, databases, "database";
    StorageGroupCopy, copies, "copy";
    HubTransport, hub_transport_servers, "hub_transport";
    Mailbox, mailboxes, "mailbox";
    QueuedBatch, queued, "queued";
}

/// Builds an estate from its settings and its objects, each list in order.
pub fn assemble(meta: EstateMeta, objects: impl IntoIterator<Item = Object>) -> Estate {
    let mut estate = meta.into_estate();
    let mut lists: Vec<(Kind, Vec<Object>)> = Kind::ALL.iter().map(|k| (*k, Vec::new())).collect();
    for object in objects {
        if let Some((_, list)) = lists.iter_mut().find(|(k, _)| *k == object.kind()) {
            list.push(object);
        }
    }
    for (kind, objects) in lists {
        let len = objects.len();
        apply_list(&mut estate, &ListChange { kind, len, changed: objects.into_iter().enumerate().collect() });
    }
    estate
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::CopyStatus;
    use crate::engine::topology::{SEED, build};

    fn seed() -> Estate {
        build("seed", SEED).expect("seed builds")
    }

    #[test]
    fn a_diff_names_only_what_changed_and_applies_to_the_same_estate() {
        let before = seed();
        let mut after = before.clone();
        after.copies[1].status = CopyStatus::Suspended;
        after.version += 1;
        let diff = EstateDiff::between(&before, &after);
        assert_eq!(diff.objects(), 1, "{diff:?}");
        assert_eq!(diff.lists[0].kind, Kind::StorageGroupCopy);
        assert_eq!(diff.lists[0].changed[0].0, 1);
        assert_eq!(diff.meta.as_ref().map(|m| m.version), Some(after.version));
        let mut applied = before.clone();
        diff.apply(&mut applied);
        assert_eq!(applied, after);
        assert!(EstateDiff::between(&after, &after.clone()).is_empty());
    }

    #[test]
    fn removals_and_additions_keep_the_order() {
        let before = seed();
        let mut after = before.clone();
        let removed = after.copies.remove(0);
        after.copies.push(StorageGroupCopy { node: "NH-W2K3-SRV01".into(), ..removed });
        after.databases.retain(|d| d.name != "Mailbox Database");
        let diff = EstateDiff::between(&before, &after);
        let mut applied = before.clone();
        diff.apply(&mut applied);
        assert_eq!(applied, after);
        assert_eq!(applied.copy_position("CCREX01", "First Storage Group", "NH-W2K3-SRV01"), Some(1));
    }

    #[test]
    fn a_whole_estate_reassembles_from_its_objects() {
        let estate = seed();
        let diff = EstateDiff::whole(&estate);
        let meta = diff.meta.clone().expect("meta");
        let objects = diff.lists.into_iter().flat_map(|l| l.changed.into_iter().map(|(_, o)| o));
        assert_eq!(assemble(meta, objects), estate);
    }

    #[test]
    fn objects_round_trip_through_serde() {
        let estate = seed();
        let object = Object::StorageGroupCopy(estate.copies.items()[0].clone());
        let text = serde_json::to_string(&object).expect("encodes");
        let mut reader = serde_json::Deserializer::from_str(&text);
        let back = Object::decode(Kind::StorageGroupCopy, &mut reader).expect("decodes");
        assert_eq!(back, object);
        assert_eq!(Kind::parse(Kind::StorageGroupCopy.name()), Some(Kind::StorageGroupCopy));
    }
}
