//! `Table<Id, T>`: one of the compiled policy's tables, its entries in id order with their
//! name index, looked up by name, by id, and for the name of an id.
//!
//! Every id a table hands out carries the identity of the policy that built it. Look-ups by
//! id within the library ([`Table::get`]) take the id as already checked at the question's
//! boundary and only bound its position; [`Table::name`] also checks the identity, since it
//! answers public questions about ids given from outside.

use crate::names::NameMap;
use std::marker::PhantomData;

/// An id made of a position in its table and the identity of the policy that issued it.
pub(crate) trait TableId: Copy {
    /// The id of the entry at `position`, issued by the policy of `identity`.
    fn from_parts(position: u32, identity: u32) -> Self;
    /// Its position in its table.
    fn position(self) -> u32;
    /// The identity of the policy that issued it.
    fn identity(self) -> u32;
}

/// An entry with a name of its own.
pub(crate) trait Named {
    fn name(&self) -> &str;
}

/// Entries in id order, with the index from their names to their ids.
#[derive(Debug, Clone)]
pub(crate) struct Table<I, T> {
    identity: u32,
    entries: Vec<T>,
    names: NameMap,
    _id: PhantomData<fn() -> I>,
}

impl<I: TableId, T> Table<I, T> {
    /// An empty table whose ids carry `identity`.
    pub(crate) fn new(identity: u32) -> Self {
        Table {
            identity,
            entries: Vec::new(),
            names: NameMap::default(),
            _id: PhantomData,
        }
    }

    /// The id the next entry pushed gets.
    pub(crate) fn next_id(&self) -> I {
        I::from_parts(self.entries.len() as u32, self.identity)
    }

    /// Adds an entry under `name` when no entry has that name yet; `None` (nothing added)
    /// when one has.
    pub(crate) fn push_unique(&mut self, name: &str, entry: T) -> Option<I> {
        let id = self.next_id();
        if !self.names.insert(name, id.position()) {
            return None;
        }
        self.entries.push(entry);
        Some(id)
    }

    /// Adds an entry; its name finds it only when no earlier entry has that name (the first
    /// of a name is the one a look-up by name gives).
    pub(crate) fn push_shared(&mut self, name: &str, entry: T) -> I {
        let id = self.next_id();
        self.names.insert(name, id.position());
        self.entries.push(entry);
        id
    }

    /// The id of the (first) entry of that name.
    #[inline]
    pub(crate) fn by_name(&self, name: &str) -> Option<I> {
        self.names.get(name).map(|i| I::from_parts(i, self.identity))
    }

    /// The id of the (first) entry whose name equals `name` up to ASCII case (the names are
    /// taken as lower case).
    #[inline]
    pub(crate) fn by_folded_name(&self, name: &[u8]) -> Option<I> {
        self.names
            .get_folded(name)
            .map(|i| I::from_parts(i, self.identity))
    }

    /// The longest name held (0 when empty).
    #[inline]
    pub(crate) fn max_name_len(&self) -> usize {
        self.names.max_len()
    }

    /// The name index, for "did you mean" hints.
    pub(crate) fn names(&self) -> &NameMap {
        &self.names
    }

    /// The entry of an id, `None` when it is past the end.
    #[inline]
    pub(crate) fn get(&self, id: I) -> Option<&T> {
        self.entries.get(id.position() as usize)
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.entries.get_mut(id.position() as usize)
    }

    /// How many entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries, in id order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.entries.iter()
    }

    /// The entries in id order, mutably (compilation fills in what later steps learn).
    pub(crate) fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.entries.iter_mut()
    }

    /// Every id, in order.
    pub(crate) fn ids(&self) -> impl DoubleEndedIterator<Item = I> + ExactSizeIterator + use<I, T> {
        let identity = self.identity;
        (0..self.entries.len() as u32).map(move |i| I::from_parts(i, identity))
    }

    /// Every entry with its id, in order.
    pub(crate) fn with_ids(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + ExactSizeIterator {
        self.ids().zip(self.entries.iter())
    }

    /// The first entry.
    pub(crate) fn first(&self) -> Option<&T> {
        self.entries.first()
    }
}

impl<I: TableId, T: Named> Table<I, T> {
    /// The name of an id; empty for an id another policy issued or one past the end.
    #[inline]
    pub(crate) fn name(&self, id: I) -> &str {
        if id.identity() != self.identity {
            return "";
        }
        self.get(id).map_or("", Named::name)
    }
}

impl<'a, I: TableId, T> IntoIterator for &'a Table<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

/// An optional position that takes no more room than the position itself (`0` stands for
/// none inside): what a table of defaults holds per cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct MaybePosition(Option<std::num::NonZeroU32>);

impl MaybePosition {
    /// A position; one that cannot be held (`u32::MAX` and past) is none.
    pub(crate) fn some(position: usize) -> MaybePosition {
        let held = u32::try_from(position).ok().and_then(|p| p.checked_add(1));
        MaybePosition(held.and_then(std::num::NonZeroU32::new))
    }

    /// The position, if there is one.
    #[inline]
    pub(crate) fn get(self) -> Option<u32> {
        self.0.map(|p| p.get() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RegionId;

    #[derive(Debug)]
    struct Entry(&'static str);

    impl Named for Entry {
        fn name(&self) -> &str {
            self.0
        }
    }

    #[test]
    fn looks_up_by_name_by_id_and_names_ids_of_its_own_policy_only() {
        let mut table: Table<RegionId, Entry> = Table::new(7);
        let a = table.push_unique("a", Entry("a")).unwrap();
        let b = table.push_unique("b", Entry("b")).unwrap();
        assert!(table.push_unique("a", Entry("a again")).is_none());
        assert_eq!(table.len(), 2);
        assert_eq!(table.by_name("b"), Some(b));
        assert_eq!(table.by_name("c"), None);
        assert_eq!(table.by_folded_name(b"A"), Some(a));
        assert_eq!(table.get(b).unwrap().0, "b");
        assert_eq!(table.name(a), "a");
        assert_eq!(table.name(RegionId(0, 8)), "");
        assert_eq!(table.name(RegionId(2, 7)), "");
        assert!(table.get(RegionId(2, 7)).is_none());
        let ids: Vec<RegionId> = table.ids().collect();
        assert_eq!(ids, [a, b]);
        assert!(ids.iter().all(|id| id.1 == 7));
        assert_eq!(
            table.with_ids().map(|(id, e)| (id.0, e.0)).collect::<Vec<_>>(),
            [(0, "a"), (1, "b")]
        );
    }

    #[test]
    fn a_shared_name_finds_its_first_entry() {
        let mut table: Table<RegionId, Entry> = Table::new(1);
        let first = table.push_shared("x", Entry("x"));
        let second = table.push_shared("x", Entry("x"));
        assert_ne!(first, second);
        assert_eq!(table.by_name("x"), Some(first));
        assert_eq!(table.name(second), "x");
    }

    #[test]
    fn a_maybe_position_round_trips_and_none_is_none() {
        assert_eq!(MaybePosition::default().get(), None);
        assert_eq!(MaybePosition::some(0).get(), Some(0));
        assert_eq!(MaybePosition::some(41).get(), Some(41));
        assert_eq!(MaybePosition::some(u32::MAX as usize).get(), None);
    }
}
