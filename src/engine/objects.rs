//! The collections the estate keeps its objects in: copy-on-write lists with identity indexes.
//!
//! Owns: [`Objects`] (the list of one kind of object: cloning it is one reference count, and
//! writing to a clone copies its list of handles — a reference count per object — and the
//! object written, so deciding a change on a copy of the estate costs what the change touches
//! and the lists of the kinds it writes), [`Shared`]
//! (one object in it: written through, it is copied first if another estate still holds it), and
//! the maps by identity that make every lookup by name constant-time ([`Keyed`]). A list can
//! also be *deferred* ([`Objects::deferred`]): a store opening a lab reads its largest lists in
//! the background, and whoever reads one first waits for it (a write takes it in first).
//!
//! Invariant the indexes rely on: an object's [`Keyed::parent`] and [`Keyed::name`] never change
//! in place (only by removing it and adding another); its [`Keyed::key`] may (a copy's node
//! changes in a move), and every lookup checks the key of what it found, rebuilding the index
//! when the check fails. Structural changes (push, remove, retain) drop the index.
//!
//! Must not: know what the objects mean; the estate's own methods name the lookups.

use std::collections::HashMap;
use std::fmt;
use std::ops::{Deref, DerefMut};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// How an object of the estate is found.
pub trait Keyed {
    /// The object's identity, lowercased: unique in its collection.
    fn key(&self) -> String;
    /// The key of the object it belongs to (lowercased), for listing the children of one
    /// object: a database's or copy's storage group, a storage group's server.
    fn parent(&self) -> Option<String> {
        None
    }
    /// Whether [`Keyed::parent`] is `key`; a collection asks this of every child it lists, so an
    /// implementation may answer without building the key.
    fn parent_is(&self, key: &str) -> bool {
        self.parent().as_deref() == Some(key)
    }
    /// Its own name, lowercased, when its key is a path (`server\name`), for lookups by the name
    /// alone.
    fn name(&self) -> Option<String> {
        None
    }
}

/// One object of the estate, shared between estates until one of them writes to it.
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Arc::new(value))
    }

    /// Whether `a` and `b` are the very same object (not only equal): nothing wrote to it since
    /// the estates that hold them were cloned from one another.
    pub fn same(a: &Shared<T>, b: &Shared<T>) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl<T: Clone> Shared<T> {
    /// The object itself, copied only if another estate still shares it.
    pub fn into_inner(self) -> T {
        Arc::unwrap_or_clone(self.0)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Shared::same(self, other) || *self.0 == *other.0
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

impl<T: serde::Serialize> serde::Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Shared<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Shared::new)
    }
}

/// The maps of one collection: position by key, positions by parent and by name.
#[derive(Debug, Default)]
struct Index {
    by_key: HashMap<String, usize>,
    by_parent: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
}

/// A list a store is still reading (in the background): filled once, waited for by whoever
/// needs it first. `Err` when the store could not read it.
struct Deferred<T>(OnceLock<Result<Arc<Vec<Shared<T>>>, String>>);

/// Fills a deferred list (see [`Objects::deferred`]). Dropped unfilled, it fills the list with
/// an error, so nobody waits for ever.
pub struct Fill<T>(Option<Arc<Deferred<T>>>);

impl<T> Fill<T> {
    pub fn fill(mut self, items: Result<Vec<Shared<T>>, String>) {
        if let Some(deferred) = self.0.take() {
            let _ = deferred.0.set(items.map(Arc::new));
        }
    }
}

impl<T> Drop for Fill<T> {
    fn drop(&mut self) {
        if let Some(deferred) = self.0.take() {
            let _ = deferred.0.set(Err("the store stopped reading the list".into()));
        }
    }
}

/// The objects of one kind, in the order they were added.
pub struct Objects<T> {
    /// Shared with the clones of this list until one of them changes it: cloning an estate
    /// is a reference count per kind of object, and a change copies the list of handles of the
    /// kinds it writes (not the objects themselves: see [`Shared`]).
    items: Arc<Vec<Shared<T>>>,
    /// Set while the list is still being read (then `items` is empty and unused): reading the
    /// list waits for it, writing takes it in first. Cloning shares it.
    deferred: Option<Arc<Deferred<T>>>,
    /// Built on the first lookup; dropped by every structural change.
    index: Mutex<Option<Arc<Index>>>,
    /// Whether no object was written since the index was built: a key missing from a fresh
    /// index is missing from the collection.
    fresh: AtomicBool,
}

impl<T> Objects<T> {
    pub fn new() -> Objects<T> {
        Objects { items: Arc::new(Vec::new()), deferred: None, index: Mutex::new(None), fresh: AtomicBool::new(false) }
    }

    /// A list still being read, and what fills it: until then, whoever reads the list (or a
    /// clone of it) waits. An estate opens with its largest lists so deferred, read in the
    /// background while the first command runs on the others.
    pub fn deferred() -> (Objects<T>, Fill<T>) {
        let deferred = Arc::new(Deferred(OnceLock::new()));
        let mut objects = Objects::new();
        objects.deferred = Some(Arc::clone(&deferred));
        (objects, Fill(Some(deferred)))
    }

    /// The list, once read.
    fn list(&self) -> &Arc<Vec<Shared<T>>> {
        match &self.deferred {
            None => &self.items,
            Some(deferred) => match deferred.0.wait() {
                Ok(items) => items,
                // The store could not read what it had read at open (a disk gone bad under a
                // running service): nothing sound can be answered from this estate.
                Err(e) => panic!("the estate's objects could not be read back: {e}"),
            },
        }
    }

    /// Takes in a deferred list (waiting for it), before a write.
    fn settle(&mut self) {
        if self.deferred.is_some() {
            let items = Arc::clone(self.list());
            self.items = items;
            self.deferred = None;
        }
    }

    fn forget_index(&mut self) {
        *self.index.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        *self.fresh.get_mut() = false;
    }

    /// Adds an object at the end.
    pub fn push(&mut self, value: T) {
        self.forget_index();
        self.list_mut().push(Shared::new(value));
    }

    /// Removes the object at `position` and returns it.
    pub fn remove(&mut self, position: usize) -> T
    where
        T: Clone,
    {
        self.forget_index();
        self.list_mut().remove(position).into_inner()
    }

    /// Keeps only the objects `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.forget_index();
        self.list_mut().retain(|item| keep(item));
    }

    /// Puts `object` at `position`: in place of the object there, or at the end when
    /// `position` is the length (a diff being applied, a store loading a list in order).
    pub fn put(&mut self, position: usize, object: Shared<T>) {
        self.settle();
        if position < self.items.len() {
            *self.fresh.get_mut() = false;
            self.list_mut()[position] = object;
        } else {
            self.forget_index();
            self.list_mut().push(object);
        }
    }

    /// Keeps the first `len` objects.
    pub fn truncate(&mut self, len: usize) {
        self.settle();
        if len < self.items.len() {
            self.forget_index();
            self.list_mut().truncate(len);
        }
    }

    /// The shared handles, for comparing two estates object by object.
    pub fn items(&self) -> &[Shared<T>] {
        self.list()
    }

    /// Whether `a` and `b` are the very same list: nothing was written to either since one
    /// was cloned from the other (so every object in them is the same too). Two clones of a
    /// list still being read are the same without waiting for it.
    pub fn same(a: &Objects<T>, b: &Objects<T>) -> bool {
        match (&a.deferred, &b.deferred) {
            (Some(x), Some(y)) if Arc::ptr_eq(x, y) => true,
            _ => Arc::ptr_eq(a.list(), b.list()),
        }
    }

    /// The list of handles for writing, copied first if another estate still shares it.
    fn list_mut(&mut self) -> &mut Vec<Shared<T>> {
        self.settle();
        Arc::make_mut(&mut self.items)
    }
}

impl<T: Keyed> Objects<T> {
    fn index(&self) -> Arc<Index> {
        let mut slot = self.index.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*slot {
            Some(index) => Arc::clone(index),
            None => self.build(&mut slot),
        }
    }

    fn rebuild(&self) -> Arc<Index> {
        let mut slot = self.index.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.build(&mut slot)
    }

    fn build(&self, slot: &mut Option<Arc<Index>>) -> Arc<Index> {
        let mut index = Index::default();
        for (position, item) in self.list().iter().enumerate() {
            index.by_key.insert(item.key(), position);
            if let Some(parent) = item.parent() {
                index.by_parent.entry(parent).or_default().push(position);
            }
            if let Some(name) = item.name() {
                index.by_name.entry(name).or_default().push(position);
            }
        }
        let index = Arc::new(index);
        *slot = Some(Arc::clone(&index));
        self.fresh.store(true, Ordering::Release);
        index
    }

    /// The position of the object whose key is `key` (lowercase).
    pub fn position_of(&self, key: &str) -> Option<usize> {
        let found = self.index().by_key.get(key).copied();
        match found {
            Some(p) if self.list().get(p).is_some_and(|item| item.key() == key) => Some(p),
            None if self.fresh.load(Ordering::Acquire) => None,
            // A key changed in place (or the index is older than a write): look again.
            _ => self.rebuild().by_key.get(key).copied(),
        }
    }

    /// The object whose key is `key` (lowercase).
    pub fn by_key(&self, key: &str) -> Option<&T> {
        self.position_of(key).map(|p| &*self.list()[p])
    }

    /// The positions of the objects that belong to `parent` (lowercase), in order.
    pub fn positions_in(&self, parent: &str) -> Vec<usize> {
        let check = |index: &Index| {
            let positions = index.by_parent.get(parent).cloned().unwrap_or_default();
            let sound = positions.iter().all(|&p| self.list().get(p).is_some_and(|i| i.parent_is(parent)));
            sound.then_some(positions)
        };
        check(&self.index()).or_else(|| check(&self.rebuild())).unwrap_or_default()
    }

    /// The positions of the objects named `name` (lowercase), in order.
    pub fn positions_named(&self, name: &str) -> Vec<usize> {
        let check = |index: &Index| {
            let positions = index.by_name.get(name).cloned().unwrap_or_default();
            let sound =
                positions.iter().all(|&p| self.list().get(p).is_some_and(|i| i.name().as_deref() == Some(name)));
            sound.then_some(positions)
        };
        check(&self.index()).or_else(|| check(&self.rebuild())).unwrap_or_default()
    }
}

impl<T> Default for Objects<T> {
    fn default() -> Self {
        Objects::new()
    }
}

impl<T> Clone for Objects<T> {
    fn clone(&self) -> Self {
        let index = self.index.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        Objects {
            items: Arc::clone(&self.items),
            deferred: self.deferred.clone(),
            index: Mutex::new(index),
            fresh: AtomicBool::new(self.fresh.load(Ordering::Acquire)),
        }
    }
}

impl<T> Objects<T> {
    pub fn len(&self) -> usize {
        self.list().len()
    }

    pub fn is_empty(&self) -> bool {
        self.list().is_empty()
    }

    /// The objects, in order.
    pub fn iter(&self) -> Iter<'_, T> {
        self.list().iter().map(|item| &**item)
    }

    /// The objects for writing: each is copied (if shared) only when written to.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Shared<T>> {
        *self.fresh.get_mut() = false;
        self.list_mut().iter_mut()
    }

    pub fn get(&self, position: usize) -> Option<&T> {
        self.list().get(position).map(|item| &**item)
    }

    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }
}

impl<T: Clone> Objects<T> {
    pub fn get_mut(&mut self, position: usize) -> Option<&mut T> {
        *self.fresh.get_mut() = false;
        self.list_mut().get_mut(position).map(|item| &mut **item)
    }
}

/// The iterator of [`Objects::iter`].
pub type Iter<'a, T> = std::iter::Map<std::slice::Iter<'a, Shared<T>>, fn(&'a Shared<T>) -> &'a T>;

impl<T> std::ops::Index<usize> for Objects<T> {
    type Output = T;
    fn index(&self, position: usize) -> &T {
        &self.list()[position]
    }
}

impl<T: Clone> std::ops::IndexMut<usize> for Objects<T> {
    /// Writing to an object may change its key: the index is no longer known to be complete.
    fn index_mut(&mut self, position: usize) -> &mut T {
        *self.fresh.get_mut() = false;
        &mut self.list_mut()[position]
    }
}

impl<T: PartialEq> PartialEq for Objects<T> {
    fn eq(&self, other: &Self) -> bool {
        Objects::same(self, other) || self.list() == other.list()
    }
}

impl<T: fmt::Debug> fmt::Debug for Objects<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.list().iter()).finish()
    }
}

impl<T> FromIterator<T> for Objects<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut objects = Objects::new();
        objects.items = Arc::new(iter.into_iter().map(Shared::new).collect());
        objects
    }
}

impl<T> From<Vec<T>> for Objects<T> {
    fn from(items: Vec<T>) -> Self {
        items.into_iter().collect()
    }
}

impl<'a, T> IntoIterator for &'a Objects<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Clone> IntoIterator for Objects<T> {
    type Item = T;
    type IntoIter = std::iter::Map<std::vec::IntoIter<Shared<T>>, fn(Shared<T>) -> T>;
    fn into_iter(mut self) -> Self::IntoIter {
        self.settle();
        Arc::unwrap_or_clone(self.items).into_iter().map(Shared::into_inner)
    }
}

impl<'a, T> IntoIterator for &'a mut Objects<T> {
    type Item = &'a mut Shared<T>;
    type IntoIter = std::slice::IterMut<'a, Shared<T>>;
    fn into_iter(self) -> Self::IntoIter {
        *self.fresh.get_mut() = false;
        self.list_mut().iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Item {
        group: String,
        name: String,
        value: u32,
    }

    impl Keyed for Item {
        fn key(&self) -> String {
            format!("{}\\{}", self.group, self.name).to_ascii_lowercase()
        }
        fn parent(&self) -> Option<String> {
            Some(self.group.to_ascii_lowercase())
        }
        fn name(&self) -> Option<String> {
            Some(self.name.to_ascii_lowercase())
        }
    }

    fn item(group: &str, name: &str) -> Item {
        Item { group: group.into(), name: name.into(), value: 0 }
    }

    #[test]
    fn a_clone_shares_every_object_until_one_is_written() {
        let mut a: Objects<Item> = vec![item("g", "x"), item("g", "y")].into();
        let b = a.clone();
        a[1].value = 7;
        assert!(Shared::same(&a.items()[0], &b.items()[0]));
        assert!(!Shared::same(&a.items()[1], &b.items()[1]));
        assert_eq!((a[1].value, b[1].value), (7, 0));
    }

    #[test]
    fn lookups_follow_keys_changed_in_place_and_structural_changes() {
        let mut objects: Objects<Item> = vec![item("G1", "X"), item("g1", "y"), item("g2", "y")].into();
        assert_eq!(objects.position_of("g1\\y"), Some(1));
        assert_eq!(objects.positions_in("g1"), vec![0, 1]);
        assert_eq!(objects.positions_named("y"), vec![1, 2]);
        assert_eq!(objects.position_of("g1\\z"), None);
        objects[1].name = "z".into();
        assert_eq!(objects.position_of("g1\\z"), Some(1), "a key written in place is found");
        assert_eq!(objects.position_of("g1\\y"), None);
        objects.remove(0);
        assert_eq!(objects.position_of("g1\\z"), Some(0));
        objects.push(item("g1", "w"));
        assert_eq!(objects.positions_in("g1"), vec![0, 2]);
        objects.retain(|i| i.group != "g2");
        assert_eq!(objects.positions_named("y"), Vec::<usize>::new());
        assert_eq!(objects.by_key("g1\\w").map(|i| i.name.as_str()), Some("w"));
    }

    #[test]
    fn a_deferred_list_is_waited_for_by_its_first_reader_and_shared_by_its_clones() {
        let (list, fill) = Objects::<Item>::deferred();
        let clone = list.clone();
        assert!(Objects::same(&list, &clone), "the same list, without waiting for it");
        let filler = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            fill.fill(Ok(vec![Shared::new(item("SG1", "DB1")), Shared::new(item("SG2", "DB2"))]));
        });
        assert_eq!(clone.len(), 2, "read once filled");
        filler.join().expect("filled");
        assert_eq!(list.by_key("sg2\\db2").map(|i| i.name.as_str()), Some("DB2"));
        let mut written = list.clone();
        written[0].name = "DB9".into();
        assert!(!Objects::same(&list, &written));
        assert_eq!(list[0].name, "DB1", "a write to a clone copies first");
        assert_eq!(written.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["DB9", "DB2"]);
    }

    #[test]
    fn a_deferred_list_never_filled_fails_its_readers_instead_of_hanging() {
        let (list, fill) = Objects::<Item>::deferred();
        drop(fill);
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| list.len()));
        assert!(read.is_err());
    }
}
