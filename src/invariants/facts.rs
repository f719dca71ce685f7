//! The facts the invariants read, indexed once per policy so each check costs a bounded
//! amount (hash probes and binary searches) whatever the policy's size.
//!
//! The name sets are built from the document, not from the compiled tables, so a check
//! that a name is known stays independent of the engine that looked it up.

use crate::document::{Mechanism, Residency, StoreKind};
use crate::ip::{span, Span};
use crate::policy::{HostId, IngestionId, Policy, RegionId};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// The policy's facts, indexed for the invariant checks. Build it once with [`Facts::new`]
/// and pass it to [`super::check_with`] for every question of a policy.
#[derive(Debug)]
pub struct Facts<'a> {
    /// Region id → whether it is strict.
    regions: HashMap<&'a str, bool>,
    sources: HashSet<&'a str>,
    ingestion_hosts: HashSet<&'a str>,
    ingestion_names: HashSet<&'a str>,
    /// Destination id → its position in the document.
    destinations: HashMap<&'a str, usize>,
    /// (destination position, endpoint id or host).
    endpoint_names: HashSet<(usize, &'a str)>,
    stores: HashMap<&'a str, StoreKind>,
    clouds: HashSet<&'a str>,
    locations: HashSet<String>,
    loaders: Loaders,
    /// (region id, managed kind id) → a catalog source of that kind not listing the region.
    partial_managed: HashMap<(&'a str, &'a str), &'a str>,
    /// Per host: the first owner of each distinct region among its owners, and the first
    /// owner of each distinct cloud region, in owner order.
    host_owners: Vec<(Owners, Owners)>,
}

/// Some owners of a host.
type Owners = Box<[IngestionId]>;

impl<'a> Facts<'a> {
    /// Indexes a policy's facts: linear in the document's size.
    pub fn new(policy: &'a Policy) -> Self {
        let doc = &policy.document;
        let mut facts = Facts {
            regions: HashMap::with_capacity(doc.regions.len()),
            sources: HashSet::with_capacity(doc.source_kinds.len() + doc.sources.len()),
            ingestion_hosts: HashSet::new(),
            ingestion_names: HashSet::new(),
            destinations: HashMap::with_capacity(doc.destinations.len()),
            endpoint_names: HashSet::new(),
            stores: doc.stores.iter().map(|s| (s.id.as_str(), s.kind)).collect(),
            clouds: doc.cloud_regions.iter().map(|c| c.id.as_str()).collect(),
            locations: HashSet::new(),
            loaders: Loaders::new(policy),
            partial_managed: HashMap::new(),
            host_owners: policy
                .hosts
                .iter()
                .map(|h| {
                    let mut regions = HashSet::new();
                    let mut clouds = HashSet::new();
                    let first = |key: &mut HashSet<u32>, of: fn(&crate::policy::Ingestion) -> u32| {
                        h.owners
                            .iter()
                            .filter(|o| policy.ingestion(**o).is_some_and(|i| key.insert(of(i))))
                            .copied()
                            .collect::<Owners>()
                    };
                    (
                        first(&mut regions, |i| i.region.0),
                        first(&mut clouds, |i| i.cloud.0),
                    )
                })
                .collect(),
        };
        facts
            .sources
            .extend(doc.source_kinds.iter().map(|k| k.id.as_str()));
        facts.sources.extend(doc.sources.iter().map(|s| s.id.as_str()));
        for r in &doc.regions {
            facts.regions.insert(&r.id, r.residency == Residency::Strict);
            for i in &r.ingestion {
                facts.ingestion_names.insert(&i.id);
                facts.ingestion_hosts.extend(i.hosts.iter().map(String::as_str));
                facts
                    .locations
                    .extend(i.zones.iter().map(|z| i.location(&r.id, z)));
            }
        }
        let managed: HashSet<&str> = doc
            .source_kinds
            .iter()
            .filter(|k| k.mechanism == Mechanism::Managed)
            .map(|k| k.id.as_str())
            .collect();
        for s in doc.sources.iter().filter(|s| managed.contains(s.kind.as_str())) {
            for r in doc.regions.iter().filter(|r| !s.regions.contains(&r.id)) {
                facts
                    .partial_managed
                    .entry((r.id.as_str(), s.kind.as_str()))
                    .or_insert(s.id.as_str());
            }
        }
        for (di, d) in doc.destinations.iter().enumerate() {
            facts.destinations.entry(&d.id).or_insert(di);
            for e in &d.endpoints {
                facts.endpoint_names.insert((di, &e.id));
                facts
                    .endpoint_names
                    .extend(e.hosts.iter().map(|h| (di, h.as_str())));
            }
        }
        facts
    }

    pub(crate) fn region(&self, name: &str) -> bool {
        self.regions.contains_key(name)
    }

    /// Whether `name` is a strict region of the document.
    pub(crate) fn strict(&self, name: &str) -> bool {
        self.regions.get(name).copied().unwrap_or(false)
    }

    pub(crate) fn source(&self, name: &str) -> bool {
        self.sources.contains(name)
    }

    /// When `source` names a managed kind bare (Segment runs such sources, so the bare kind
    /// may be any of its catalog sources): a catalog source of that kind not listing `region`.
    pub(crate) fn catalog_source_missing(&self, region: &str, source: &str) -> Option<&'a str> {
        self.partial_managed.get(&(region, source)).copied()
    }

    /// Whether a raw host normalises to a host some ingestion region lists.
    pub(crate) fn ingestion_host(&self, raw: &str) -> bool {
        crate::host::normalize_host(raw).is_ok_and(|h| self.ingestion_hosts.contains(h.as_str()))
    }

    pub(crate) fn ingestion(&self, name: &str) -> bool {
        self.ingestion_names.contains(name)
    }

    /// Whether `endpoint` (an id, or a raw host that normalises to one of its hosts) is an
    /// endpoint of `destination`; `None` when the destination is unknown.
    pub(crate) fn endpoint(&self, destination: &str, endpoint: Option<&str>) -> Option<bool> {
        let di = *self.destinations.get(destination)?;
        Some(endpoint.is_none_or(|e| {
            self.endpoint_names.contains(&(di, e))
                || crate::host::normalize_host(e)
                    .is_ok_and(|n| self.endpoint_names.contains(&(di, n.as_str())))
        }))
    }

    pub(crate) fn store(&self, name: &str) -> bool {
        self.stores.contains_key(name)
    }

    pub(crate) fn warehouse(&self, name: &str) -> bool {
        self.stores.get(name) == Some(&StoreKind::Warehouse)
    }

    pub(crate) fn cloud(&self, name: &str) -> bool {
        self.clouds.contains(name)
    }

    pub(crate) fn location(&self, name: &str) -> bool {
        self.locations.contains(name)
    }

    /// The owners of a host that differ in region: the first owner of each region listing it.
    pub(crate) fn owners_by_region(&self, host: HostId) -> &[IngestionId] {
        self.host_owners.get(host.index()).map_or(&[], |o| &o.0)
    }

    /// The owners of a host that differ in cloud region: the first owner in each.
    pub(crate) fn owners_by_cloud(&self, host: HostId) -> &[IngestionId] {
        self.host_owners.get(host.index()).map_or(&[], |o| &o.1)
    }

    /// A region other than `home` whose loader ranges hold `ip`, if any.
    pub(crate) fn other_loader(&self, ip: IpAddr, home: RegionId) -> Option<RegionId> {
        self.loaders.other_than(ip, home)
    }
}

/// Every region's loader ranges, for "which other region's loaders hold this address?" in
/// O(log n): the ranges sorted by start, with, for each prefix of that order, the range
/// reaching furthest and the one reaching furthest among the other regions'.
#[derive(Debug, Default)]
struct Loaders {
    v4: Stabbing<u32>,
    v6: Stabbing<u128>,
}

impl Loaders {
    fn new(policy: &Policy) -> Self {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (id, region) in policy.regions.with_ids() {
            for net in region.egress_nets.iter() {
                match span(net) {
                    Span::V4(first, last) => v4.push((first, last, id)),
                    Span::V6(first, last) => v6.push((first, last, id)),
                }
            }
        }
        Loaders {
            v4: Stabbing::new(v4),
            v6: Stabbing::new(v6),
        }
    }

    fn other_than(&self, ip: IpAddr, home: RegionId) -> Option<RegionId> {
        match crate::ip::canonical(ip) {
            IpAddr::V4(a) => self.v4.other_than(u32::from(a), home),
            IpAddr::V6(a) => self.v6.other_than(u128::from(a), home),
        }
    }
}

/// Ranges sorted by start, with per prefix the furthest end (and its region) and the
/// furthest end of a range of another region than that one.
#[derive(Debug)]
struct Stabbing<T> {
    starts: Vec<T>,
    reach: Vec<Reach<T>>,
}

impl<T> Default for Stabbing<T> {
    fn default() -> Self {
        Stabbing {
            starts: Vec::new(),
            reach: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Reach<T> {
    best: (T, RegionId),
    other: Option<(T, RegionId)>,
}

impl<T: Ord + Copy> Stabbing<T> {
    fn new(mut ranges: Vec<(T, T, RegionId)>) -> Self {
        ranges.sort_unstable_by_key(|r| r.0);
        let mut starts = Vec::with_capacity(ranges.len());
        let mut reach: Vec<Reach<T>> = Vec::with_capacity(ranges.len());
        for (start, end, region) in ranges {
            let next = match reach.last().copied() {
                None => Reach {
                    best: (end, region),
                    other: None,
                },
                Some(mut r) => {
                    if region == r.best.1 {
                        if end > r.best.0 {
                            r.best.0 = end;
                        }
                    } else if end > r.best.0 {
                        // INVARIANT: the old best is of another region than the new one, and
                        // reaches at least as far as any other range of another region.
                        r.other = Some(r.best);
                        r.best = (end, region);
                    } else if r.other.is_none_or(|(e, _)| end > e) {
                        r.other = Some((end, region));
                    }
                    r
                }
            };
            starts.push(start);
            reach.push(next);
        }
        Stabbing { starts, reach }
    }

    fn other_than(&self, ip: T, home: RegionId) -> Option<RegionId> {
        let after = self.starts.partition_point(|&s| s <= ip);
        let r = self.reach.get(after.checked_sub(1)?)?;
        if r.best.1 != home {
            return (r.best.0 >= ip).then_some(r.best.1);
        }
        r.other
            .filter(|&(end, region)| end >= ip && region != home)
            .map(|(_, region)| region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stabbing_finds_another_regions_range() {
        let (a, b, c) = (RegionId(0, 0), RegionId(1, 0), RegionId(2, 0));
        let s = Stabbing::new(vec![(10u32, 100, a), (20, 30, b), (50, 60, c), (200, 210, a)]);
        assert_eq!(s.other_than(25, a), Some(b));
        assert_eq!(s.other_than(25, b), Some(a));
        assert_eq!(s.other_than(40, a), None);
        assert_eq!(s.other_than(40, b), Some(a));
        assert_eq!(s.other_than(55, a), Some(c));
        assert_eq!(s.other_than(205, a), None);
        assert_eq!(s.other_than(205, b), Some(a));
        assert_eq!(s.other_than(5, b), None);
        assert_eq!(s.other_than(300, b), None);
    }
}
