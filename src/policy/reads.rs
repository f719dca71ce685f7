//! The named read API of the compiled policy: the facts a rule reads, each read one way, so
//! the rule's two paths and the tools around it (coverage, the graph, the audit, prose)
//! cannot read a table differently.

use super::{CloudRegion, PlaceSet, Policy, Region, RegionId, Store, StoreId};
use crate::document::{Allowlisting, StoreKind};

/// What the rules (`store`, `allowlist`, `connect`) read of a compiled store besides its
/// name: stores of one class answer alike in every region and cloud region (an exemption
/// names single stores, and is read apart).
pub(crate) type StoreClass<'a> = (StoreKind, &'a [bool], Option<Allowlisting>, &'a [bool]);

impl Store {
    /// The store's class. Destructured in full, so a field added to the compiled store does
    /// not build until it is placed in the class or said to be read by no rule: the audit's
    /// per-class questions and the graph ask one store of each class.
    pub(crate) fn class(&self) -> StoreClass<'_> {
        let Store {
            name: _,
            kind,
            providers,
            allowlist,
            regions,
        } = self;
        (*kind, providers, *allowlist, regions)
    }
}

impl CloudRegion {
    /// What the store rule reads of a cloud region besides whether a region's places hold
    /// it: cloud regions of one class that one place holds answer alike for every store.
    /// Destructured in full, so a field added to the compiled cloud region does not build
    /// until it is placed in the class or said to be read by no store rule (coverage asks
    /// one cloud region of each class a place holds).
    pub(crate) fn store_class(&self) -> u32 {
        let CloudRegion {
            name: _,
            provider,
            // Read through the places that hold the cloud region.
            country: _,
            groups: _,
        } = self;
        *provider
    }
}

impl Region {
    /// The places the region may keep a store of this kind in ([`Policy::places_for`]).
    #[inline]
    pub(crate) fn places_for(&self, kind: StoreKind) -> &PlaceSet {
        match PlaceList::of(kind) {
            PlaceList::Archive => &self.archive,
            PlaceList::CustomerStorage => &self.storage,
        }
    }
}

impl Policy {
    /// One store of each class ([`Store::class`]), the first in document order.
    pub(crate) fn store_class_representatives(&self) -> Vec<StoreId> {
        let mut seen = std::collections::HashSet::new();
        self.stores
            .with_ids()
            .filter(|(_, s)| seen.insert(s.class()))
            .map(|(id, _)| id)
            .collect()
    }

    /// The places a region may keep a store of this kind in: its `archive` for an archive,
    /// its `customer_storage` for a data lake or a warehouse. `None` for an id of no region
    /// of this policy.
    #[inline]
    pub(crate) fn places_for(&self, region: RegionId, kind: StoreKind) -> Option<&PlaceSet> {
        Some(self.region(region)?.places_for(kind))
    }
}

/// Which of a region's place lists places a store of a kind: the one mapping from store
/// kinds to place lists, read by the rule ([`Policy::places_for`]), its prose and the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, strum::EnumIter)]
pub(crate) enum PlaceList {
    /// `regions[].archive`: platform-hosted archives.
    Archive,
    /// `regions[].customer_storage`: the customer's data lakes and warehouses.
    CustomerStorage,
}

impl PlaceList {
    /// The list that places a store of `kind`.
    #[inline]
    pub(crate) fn of(kind: StoreKind) -> PlaceList {
        match kind {
            StoreKind::Archive => PlaceList::Archive,
            StoreKind::DataLake | StoreKind::Warehouse => PlaceList::CustomerStorage,
        }
    }

    /// The list's field in a region of the document.
    pub(crate) fn field(self) -> &'static str {
        match self {
            PlaceList::Archive => "archive",
            PlaceList::CustomerStorage => "customer_storage",
        }
    }

    /// What the stores it places are called, plural.
    pub(crate) fn stores_title(self) -> &'static str {
        match self {
            PlaceList::Archive => "archives",
            PlaceList::CustomerStorage => "customer stores",
        }
    }
}
