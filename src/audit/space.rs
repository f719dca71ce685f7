//! The finite question space of a compiled policy: its own names and values, hostile
//! variants of each, and a few unknowns.

use crate::document::StoreKind;
use crate::policy::{DestinationId, GroupId, IngestionId, LocationId, Policy, RegionId, StoreId};
use crate::question::Question;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use strum::IntoEnumIterator;

/// A name no policy defines (ids cannot contain upper case).
const UNKNOWN: &str = "No-Such-Name";

/// How many spellings [`host_variants`] gives besides the host itself.
const VARIANTS: usize = 18;

/// Hostile variants of a known host: accepted spellings (which must still match) and
/// spoofs (which must not).
pub(crate) fn host_variants(host: &str) -> Vec<String> {
    let lookalike = host.replacen('e', "\u{435}", 1).replacen('a', "\u{430}", 1);
    vec![
        host.to_string(),
        host.to_ascii_uppercase(),
        format!("{host}."),
        format!("https://{host}:443/v1/batch?x=1"),
        format!("HTTP://{host}:80"),
        format!("{host}/v1/"),
        format!("{host}.evil.example"),
        format!("evil-{host}"),
        format!("evil{host}"),
        format!("user@{host}"),
        format!("https://{host}@evil.example"),
        format!("{host}:8443"),
        lookalike,
        format!("*.{host}"),
        format!("{host}.."),
        host.replacen('.', "%2e", 1),
        format!(" {host}"),
        format!("{host}\0"),
        format!("ftp://{host}"),
    ]
}

/// Hosts that are no host name at all, or an address.
const HOSTILE_HOSTS: &[&str] = &[
    "",
    ".",
    "localhost",
    "3.251.148.97",
    "[::1]",
    "0x7f.1",
    "2130706433",
    "https://",
];

/// Malformed addresses.
const HOSTILE_IPS: &[&str] = &[
    "",
    "1.2.3",
    "03.251.148.96",
    " 3.251.148.96",
    "3.251.148.96 ",
    "fe80::1%eth0",
    "[::1]",
    "3.251.148.96/29",
    "999.1.1.1",
];

/// The first and last address of a network, the addresses just outside it, and the
/// IPv4-mapped IPv6 forms of IPv4 boundaries.
pub(crate) fn boundary_addresses(net: &IpNet) -> Vec<String> {
    let mut out = Vec::new();
    match net {
        IpNet::V4(n) => {
            let first = u32::from(n.network());
            let last = u32::from(n.broadcast());
            for a in [Some(first), Some(last), first.checked_sub(1), last.checked_add(1)]
                .into_iter()
                .flatten()
            {
                out.push(Ipv4Addr::from(a).to_string());
            }
            for a in [first, last] {
                out.push(format!("::ffff:{}", Ipv4Addr::from(a)));
            }
        }
        IpNet::V6(n) => {
            let first = u128::from(n.network());
            let last = u128::from(n.broadcast());
            for a in [Some(first), Some(last), first.checked_sub(1), last.checked_add(1)]
                .into_iter()
                .flatten()
            {
                out.push(IpAddr::V6(Ipv6Addr::from(a)).to_string());
            }
        }
    }
    out
}

/// Each family of questions is enumerated in full when its product of names is at most this
/// many questions, and per equivalence class past it.
pub const FULL_FAMILY_QUESTIONS: u64 = 1_000_000;

/// A family of questions: one kind of question, enumerated in full or per class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, strum::Display, strum::EnumIter)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Family {
    /// `ingest`: regions × sources × hosts and their spellings.
    Ingest,
    /// `resolve`: regions × sources × ingestion regions.
    Resolve,
    /// `deliver`: regions × destinations × endpoints and their spellings.
    Deliver,
    /// `store` and `allowlist`: regions × stores × cloud regions.
    Store,
    /// `connect`: regions × stores × loader boundary addresses.
    Connect,
    /// `failover`: locations × locations.
    Failover,
    /// `region-change`: regions × regions.
    RegionChange,
}

/// How one family is enumerated, and at most how many questions it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// Which family.
    pub family: Family,
    /// Whether its whole product is asked (`false`: one representative per equivalence class).
    pub full: bool,
    /// At most how many questions it asks.
    pub questions: u64,
}

/// The question space of a policy, produced one question at a time: its size is computed up
/// front from the policy's sizes, and enumerating it holds only the policy's own name lists.
pub struct Space<'a> {
    policy: &'a Policy,
    /// Workspace names: every region, the first upper-cased, and an unknown one.
    regions: Vec<String>,
    /// Every source kind and catalog source, and an unknown one.
    sources: Vec<&'a str>,
    /// Distinct ingestion region names, in document order.
    ingestion_names: Vec<&'a str>,
    /// Per region: the source asked when the source does not matter (its first supported kind).
    usual_source: Vec<&'a str>,
    /// Per region: its ingestion regions, in order.
    region_ingestions: Vec<Vec<IngestionId>>,
    /// Per ingestion region: its first two failover locations.
    ingestion_locations: Vec<(Option<LocationId>, Option<LocationId>)>,
    /// One store of each kind of behaviour: the same kind, providers, allowlisting and
    /// regions offered to (the store's class, as the rules read it).
    store_classes: Vec<StoreId>,
    /// (region, a net of another region lying inside one of its loader ranges).
    nested_loaders: Vec<(RegionId, IpNet)>,
    plans: Vec<Plan>,
}

/// Every pair (outer region, inner net) where a loader range of another region lies inside
/// one of the outer region's. Networks either nest or are disjoint, so one sweep in order
/// of start (the wider first) with a stack of the ranges still open finds them all.
fn nested_loaders(policy: &Policy) -> Vec<(RegionId, IpNet)> {
    let mut nets: Vec<(u8, u128, u128, RegionId, IpNet)> = Vec::new();
    for (ri, r) in policy.regions.with_ids() {
        for net in r.egress_nets.iter() {
            let (family, first, last) = match crate::ip::span(net) {
                crate::ip::Span::V4(a, b) => (4, u128::from(a), u128::from(b)),
                crate::ip::Span::V6(a, b) => (6, a, b),
            };
            nets.push((family, first, last, ri, *net));
        }
    }
    nets.sort_unstable_by_key(|n| (n.0, n.1, std::cmp::Reverse(n.2)));
    let mut open: Vec<(u8, u128, RegionId)> = Vec::new();
    let mut out = Vec::new();
    for (family, first, last, region, net) in nets {
        while open.last().is_some_and(|&(f, end, _)| f != family || end < first) {
            open.pop();
        }
        for &(_, _, outer) in &open {
            if outer != region {
                out.push((outer, net));
            }
        }
        open.push((family, last, region));
    }
    out
}

/// The question space of `policy`: each family in full when its product is at most
/// [`FULL_FAMILY_QUESTIONS`], per equivalence class past it.
pub fn space(policy: &Policy) -> Space<'_> {
    Space::new(policy, FULL_FAMILY_QUESTIONS)
}

/// The question space of `policy`, each family in full when its product is at most
/// `full_family_questions` (0: every family per class, as a test of the class arguments).
pub fn space_with(policy: &Policy, full_family_questions: u64) -> Space<'_> {
    Space::new(policy, full_family_questions)
}

fn product(factors: &[usize]) -> u64 {
    factors.iter().fold(1u64, |acc, &f| acc.saturating_mul(f as u64))
}

impl<'a> Space<'a> {
    fn new(policy: &'a Policy, full_family_questions: u64) -> Self {
        let doc = policy.document();
        let mut regions: Vec<String> = doc.regions.iter().map(|r| r.id.clone()).collect();
        if let Some(first) = regions.first() {
            regions.push(first.to_ascii_uppercase());
        }
        regions.push(UNKNOWN.to_string());
        let mut sources: Vec<&str> = doc.source_kinds.iter().map(|k| k.id.as_str()).collect();
        sources.extend(doc.sources.iter().map(|s| s.id.as_str()));
        sources.push(UNKNOWN);
        let mut seen = std::collections::HashSet::new();
        let ingestion_names: Vec<&str> = doc
            .regions
            .iter()
            .flat_map(|r| &r.ingestion)
            .map(|i| i.id.as_str())
            .filter(|n| seen.insert(*n))
            .collect();
        let first_source = sources.first().copied().unwrap_or(UNKNOWN);
        // Per region: a source it supports, a kind named bare where there is one, else a
        // catalog source (a kind the region lists catalog-only is supported only so).
        let usual_source = policy
            .region_ids()
            .map(|ri| {
                policy
                    .sources
                    .with_ids()
                    .find(|(si, _)| policy.source_supported(*si, ri))
                    .map_or(first_source, |(_, s)| &*s.name)
            })
            .collect();
        let mut region_ingestions = vec![Vec::new(); policy.regions.len()];
        for (ii, i) in policy.ingestions.with_ids() {
            if let Some(own) = region_ingestions.get_mut(i.region.index()) {
                own.push(ii);
            }
        }
        let mut ingestion_locations = vec![(None, None); policy.ingestions.len()];
        for (li, l) in policy.locations.with_ids() {
            if let Some(slot) = ingestion_locations.get_mut(l.ingestion.index()) {
                match slot {
                    (None, _) => slot.0 = Some(li),
                    (Some(_), None) => slot.1 = Some(li),
                    _ => {}
                }
            }
        }
        let mut space = Space {
            policy,
            regions,
            sources,
            ingestion_names,
            usual_source,
            region_ingestions,
            ingestion_locations,
            nested_loaders: nested_loaders(policy),
            store_classes: policy.store_class_representatives(),
            plans: Vec::new(),
        };
        space.plans = Family::iter()
            .map(|f| space.plan(f, full_family_questions))
            .collect();
        space
    }

    /// How each family is enumerated, and its size.
    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// At most how many questions the space holds (exact but for duplicate spellings, which
    /// are asked once).
    pub fn estimated_len(&self) -> u64 {
        self.plans
            .iter()
            .fold(0u64, |acc, p| acc.saturating_add(p.questions))
    }

    fn plan(&self, family: Family, full_family_questions: u64) -> Plan {
        let (full, classes) = self.sizes(family);
        // Classes no fewer than the product gain nothing: the product is asked.
        let full_ok = full <= full_family_questions || full <= classes;
        Plan {
            family,
            full: full_ok,
            questions: if full_ok { full } else { classes },
        }
    }

    /// A family's size enumerated in full, and per class.
    fn sizes(&self, family: Family) -> (u64, u64) {
        let p = self.policy;
        let w = self.regions.len();
        let s = self.sources.len();
        let host_entries: usize = p.ingestions.iter().map(|i| i.hosts.len()).sum();
        let endpoint_hosts: usize = p
            .destinations
            .iter()
            .flat_map(|d| d.endpoints.iter())
            .map(|e| e.hosts.len())
            .sum();
        let stores = p.stores.len() + 1;
        match family {
            Family::Ingest => {
                let hosts = (VARIANTS + 1) * host_entries + endpoint_hosts + HOSTILE_HOSTS.len();
                let owners: usize = p.hosts.iter().map(|h| h.owners.len() + 2).sum();
                let classes = product(&[w, s])
                    .saturating_add(owners as u64)
                    .saturating_add(product(&[VARIANTS, p.hosts.len()]))
                    .saturating_add(product(&[HOSTILE_HOSTS.len(), w]))
                    .saturating_add(endpoint_hosts as u64);
                (product(&[w, s, hosts]), classes)
            }
            Family::Resolve => {
                let names = self.ingestion_names.len() + 2;
                let classes = product(&[w, s]).saturating_add((p.ingestions.len() + 2 * w) as u64);
                (product(&[w, s, names]), classes)
            }
            Family::Deliver => {
                let per_region: usize = p
                    .destinations
                    .iter()
                    .map(|d| 2 + d.endpoints.iter().map(|e| 1 + 3 * e.hosts.len()).sum::<usize>())
                    .sum::<usize>()
                    + 1;
                let mut classes = w as u64;
                for (di, d) in p.destinations.with_ids() {
                    let listing = p.region_ids().filter(|r| p.destination_listed(di, *r)).count();
                    let jurisdictions = self.jurisdiction_endpoints(di).len();
                    let spellings = 2 + d.endpoints.iter().map(|e| 1 + 3 * e.hosts.len()).sum::<usize>();
                    classes = classes
                        .saturating_add(product(&[listing + 2, 1 + jurisdictions]))
                        .saturating_add(spellings as u64);
                }
                (product(&[w, per_region]), classes)
            }
            Family::Store => {
                let full = product(&[w, stores, p.clouds.len() + 3]);
                let reps = self.store_classes.len() + 1;
                let classes =
                    product(&[w, reps, p.clouds.len() + 3]).saturating_add(2 * p.stores.len() as u64);
                (full, classes)
            }
            Family::Connect => {
                let nets: usize = p.regions.iter().map(|r| r.egress_nets.len()).sum();
                let ips = HOSTILE_IPS.len() + 6 * nets;
                let classes = product(&[w, stores + HOSTILE_IPS.len() + 6])
                    .saturating_add(6 * (nets + self.nested_loaders.len()) as u64);
                (product(&[w, stores, ips]), classes)
            }
            Family::Failover => {
                let l = p.locations.len() + 2;
                let listed: usize = p.ingestions.iter().map(|i| i.failover_to.len() + 2).sum();
                (product(&[l, l]), (3 * p.locations.len() + listed + 5) as u64)
            }
            Family::RegionChange => (product(&[w, w]), 4 * w as u64),
        }
    }

    /// Asks `visit` every question of the space, one at a time.
    pub fn for_each(&self, mut visit: impl FnMut(Question)) {
        for plan in &self.plans {
            match (plan.family, plan.full) {
                (Family::Ingest, true) => self.ingest_full(&mut visit),
                (Family::Ingest, false) => self.ingest_classes(&mut visit),
                (Family::Resolve, true) => self.resolve_full(&mut visit),
                (Family::Resolve, false) => self.resolve_classes(&mut visit),
                (Family::Deliver, true) => self.deliver_full(&mut visit),
                (Family::Deliver, false) => self.deliver_classes(&mut visit),
                (Family::Store, true) => self.store_full(&mut visit),
                (Family::Store, false) => self.store_classes(&mut visit),
                (Family::Connect, full) => self.connect(full, &mut visit),
                (Family::Failover, true) => self.failover_full(&mut visit),
                (Family::Failover, false) => self.failover_classes(&mut visit),
                (Family::RegionChange, full) => self.region_change(full, &mut visit),
            }
        }
    }

    /// Per known region (by index), the region's name; unknown workspaces have none.
    fn region_of(&self, workspace: &str) -> Option<RegionId> {
        self.policy.region_id(workspace)
    }

    /// The source asked of a workspace when the source does not matter.
    fn usual_source(&self, workspace: &str) -> &'a str {
        let first = self.sources.first().copied().unwrap_or(UNKNOWN);
        self.region_of(workspace)
            .and_then(|r| self.usual_source.get(r.index()).copied())
            .unwrap_or(first)
    }

    fn ingest_full(&self, visit: &mut impl FnMut(Question)) {
        let doc = self.policy.document();
        let mut hosts: Vec<String> = Vec::new();
        for r in &doc.regions {
            for i in &r.ingestion {
                for h in &i.hosts {
                    hosts.extend(host_variants(h));
                }
            }
        }
        for d in &doc.destinations {
            for e in &d.endpoints {
                hosts.extend(e.hosts.iter().cloned());
            }
        }
        hosts.extend(HOSTILE_HOSTS.iter().map(|h| h.to_string()));
        hosts.sort();
        hosts.dedup();
        for workspace in &self.regions {
            for source in &self.sources {
                for host in &hosts {
                    visit(ingest(workspace, source, host));
                }
            }
        }
    }

    /// Ingest per class. The engine decides `ingest` on the ids it looks up, and its verdict
    /// is "the source is supported in the workspace's region" and "the host is listed by one
    /// of that region's ingestion regions": so every source is asked in every region (with
    /// that region's own first host), every host in every region listing it and in one that
    /// does not (with a source the region supports), and every spelling of every host and
    /// every hostile host once, since looking a host up depends on neither region nor source.
    fn ingest_classes(&self, visit: &mut impl FnMut(Question)) {
        let p = self.policy;
        let any_host = p.hosts.first().map_or("", |h| &*h.name);
        for workspace in &self.regions {
            let home_host = self
                .region_of(workspace)
                .and_then(|r| p.region(r))
                .and_then(|r| p.ingestion(r.default_ingestion))
                .and_then(|i| i.hosts.first())
                .map_or(any_host, |h| p.host_name(*h));
            for source in &self.sources {
                visit(ingest(workspace, source, home_host));
            }
            for host in HOSTILE_HOSTS {
                visit(ingest(workspace, self.usual_source(workspace), host));
            }
        }
        for host in &p.hosts {
            let mut owners: Vec<RegionId> = host
                .owners
                .iter()
                .filter_map(|o| p.ingestion(*o).map(|i| i.region))
                .collect();
            owners.dedup();
            // INVARIANT: owners are sorted by region (ingestion ids are given region by
            // region), so the first region missing from them is where they stop counting up.
            let stranger = p
                .region_ids()
                .zip(owners.iter().map(Some).chain(std::iter::repeat(None)))
                .find(|(r, o)| *o != Some(r))
                .map(|(r, _)| r);
            for r in owners.iter().chain(stranger.iter()) {
                let workspace = p.region_name(*r);
                visit(ingest(workspace, self.usual_source(workspace), &host.name));
            }
            visit(ingest(UNKNOWN, self.usual_source(UNKNOWN), &host.name));
            let home = owners.first().map_or(UNKNOWN, |r| p.region_name(*r));
            for spelling in host_variants(&host.name).iter().skip(1) {
                visit(ingest(home, self.usual_source(home), spelling));
            }
        }
        let workspace = p.region_name(p.default_region);
        for d in &p.destinations {
            for e in d.endpoints.iter() {
                for h in e.hosts.iter() {
                    visit(ingest(workspace, self.usual_source(workspace), h));
                }
            }
        }
    }

    fn ingestion_choices(&self) -> impl Iterator<Item = Option<&str>> {
        std::iter::once(None)
            .chain(self.ingestion_names.iter().map(|n| Some(*n)))
            .chain(std::iter::once(Some(UNKNOWN)))
    }

    fn resolve_full(&self, visit: &mut impl FnMut(Question)) {
        for workspace in &self.regions {
            for source in &self.sources {
                for ingestion in self.ingestion_choices() {
                    visit(resolve(workspace, source, ingestion));
                }
            }
        }
    }

    /// Resolve per class. The engine resolves the named ingestion region among the
    /// workspace's own and checks the source's support in the region, independently: so
    /// every source is asked in every region (with the default ingestion region), and every
    /// region's own ingestion regions, one it does not have and an unknown one with a source
    /// it supports.
    fn resolve_classes(&self, visit: &mut impl FnMut(Question)) {
        let p = self.policy;
        for workspace in &self.regions {
            for source in &self.sources {
                visit(resolve(workspace, source, None));
            }
            let source = self.usual_source(workspace);
            let own: Vec<&str> = match self
                .region_of(workspace)
                .and_then(|r| self.region_ingestions.get(r.index()))
            {
                Some(own) => own
                    .iter()
                    .filter_map(|&i| p.ingestions.get(i))
                    .map(|i| &*i.name)
                    .collect(),
                None => Vec::new(),
            };
            for name in &own {
                visit(resolve(workspace, source, Some(name)));
            }
            let mine: std::collections::HashSet<&str> = own.iter().copied().collect();
            if let Some(other) = self.ingestion_names.iter().find(|n| !mine.contains(*n)) {
                visit(resolve(workspace, source, Some(other)));
            }
            visit(resolve(workspace, source, Some(UNKNOWN)));
        }
    }

    /// A destination's endpoint spellings: none, each id, each host as listed, upper-cased
    /// with a scheme and path, and with a spoofed suffix; and an unknown one.
    fn endpoint_spellings(&self, di: DestinationId, mut each: impl FnMut(Option<&str>)) {
        // A destination's id is its position in the document.
        let Some(d) = self.policy.document().destinations.get(di.index()) else {
            return;
        };
        each(None);
        for e in &d.endpoints {
            each(Some(&e.id));
            for h in &e.hosts {
                each(Some(h));
                each(Some(&format!("https://{}/v1", h.to_ascii_uppercase())));
                each(Some(&format!("{h}.evil.example")));
            }
        }
        each(Some(UNKNOWN));
    }

    fn deliver_full(&self, visit: &mut impl FnMut(Question)) {
        let doc = self.policy.document();
        for workspace in &self.regions {
            for (di, d) in self.policy.destinations.ids().zip(&doc.destinations) {
                self.endpoint_spellings(di, |e| visit(deliver(workspace, &d.id, e)));
            }
            visit(deliver(workspace, UNKNOWN, None));
        }
    }

    /// Per destination, the first endpoint of each jurisdiction among its endpoints.
    fn jurisdiction_endpoints(&self, di: DestinationId) -> Vec<&'a str> {
        let Some(d) = self.policy.destinations.get(di) else {
            return Vec::new();
        };
        let mut seen: Vec<GroupId> = Vec::new();
        let mut out = Vec::new();
        for e in d.endpoints.iter() {
            if !seen.contains(&e.jurisdiction) {
                seen.push(e.jurisdiction);
                out.push(&*e.name);
            }
        }
        out
    }

    /// Deliver per class. The engine's verdict on a destination depends on whether the
    /// region lists it and on the jurisdiction of the endpoint used: so each destination is
    /// asked in every region listing it, in one that does not and in an unknown one, without
    /// an endpoint and through one endpoint of each jurisdiction it has; and every spelling
    /// of its endpoints once (matching an endpoint depends on the destination alone).
    fn deliver_classes(&self, visit: &mut impl FnMut(Question)) {
        let p = self.policy;
        for workspace in &self.regions {
            visit(deliver(workspace, UNKNOWN, None));
        }
        for (di, d) in p.destinations.with_ids() {
            let listing: Vec<RegionId> = p.region_ids().filter(|r| p.destination_listed(di, *r)).collect();
            let stranger = p.region_ids().find(|r| !p.destination_listed(di, *r));
            let through = self.jurisdiction_endpoints(di);
            let workspaces = listing
                .iter()
                .chain(stranger.iter())
                .map(|r| p.region_name(*r))
                .chain(std::iter::once(UNKNOWN));
            for workspace in workspaces {
                visit(deliver(workspace, &d.name, None));
                for e in &through {
                    visit(deliver(workspace, &d.name, Some(e)));
                }
            }
            let home = listing
                .first()
                .map_or(p.region_name(p.default_region), |r| p.region_name(*r));
            self.endpoint_spellings(di, |e| visit(deliver(home, &d.name, e)));
        }
    }

    fn store_full(&self, visit: &mut impl FnMut(Question)) {
        let mut stores: Vec<&str> = self
            .policy
            .document()
            .stores
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        stores.push(UNKNOWN);
        self.store_products(&stores, visit);
    }

    /// The cloud regions every store question is asked in: the catalogue's, an unknown one and
    /// a wrongly cased one.
    fn store_clouds(&self) -> Vec<&'a str> {
        let mut clouds: Vec<&str> = self
            .policy
            .document()
            .cloud_regions
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        clouds.push(UNKNOWN);
        clouds.push("aws:EU-WEST-1");
        clouds
    }

    /// Every region × `stores` × every cloud region of [`Self::store_clouds`] as a store
    /// question, and every region × `stores` as an allowlist question.
    fn store_products(&self, stores: &[&str], visit: &mut impl FnMut(Question)) {
        let clouds = self.store_clouds();
        for workspace in &self.regions {
            for store in stores {
                for cloud_region in &clouds {
                    visit(Question::Store {
                        workspace: workspace.clone(),
                        store: store.to_string(),
                        cloud_region: cloud_region.to_string(),
                    });
                }
                visit(Question::Allowlist {
                    workspace: workspace.clone(),
                    warehouse: store.to_string(),
                });
            }
        }
    }

    /// Store and allowlist per class. The engine decides a store on its kind (which places
    /// apply), whether it runs on the cloud region's provider, whether it is offered to the
    /// region (`stores[].regions`) and, for allowlist, its allowlisting: stores alike in those
    /// (the store's class, as the rules read it) answer alike. So one store of each such class
    /// and an unknown one are asked in every region and every cloud region, and every store
    /// once in the default region (its name's look-up).
    fn store_classes(&self, visit: &mut impl FnMut(Question)) {
        let p = self.policy;
        let mut stores: Vec<&str> = self
            .store_classes
            .iter()
            .filter_map(|&si| p.stores.get(si))
            .map(|s| &*s.name)
            .collect();
        stores.push(UNKNOWN);
        self.store_products(&stores, visit);
        let clouds = self.store_clouds();
        let home = p.region_name(p.default_region);
        let cloud = clouds.first().copied().unwrap_or(UNKNOWN);
        for s in &p.stores {
            visit(Question::Store {
                workspace: home.to_string(),
                store: s.name.to_string(),
                cloud_region: cloud.to_string(),
            });
            visit(Question::Allowlist {
                workspace: home.to_string(),
                warehouse: s.name.to_string(),
            });
        }
    }

    /// Connect, in full or per class. Per class: the engine checks the warehouse's kind and
    /// whether the address lies in the workspace's own loader ranges, independently; an
    /// address outside them is denied whichever other region's it is. So every store is
    /// asked in every region with one address, and with one warehouse: every hostile
    /// address and one other region's boundaries in every region, each region's own
    /// boundaries in that region, and the boundaries of every range lying inside another
    /// region's range in that region.
    fn connect(&self, full: bool, visit: &mut impl FnMut(Question)) {
        let p = self.policy;
        let doc = p.document();
        let mut stores: Vec<&str> = doc.stores.iter().map(|s| s.id.as_str()).collect();
        stores.push(UNKNOWN);
        let warehouse = doc
            .stores
            .iter()
            .find(|s| s.kind == StoreKind::Warehouse)
            .map_or(UNKNOWN, |s| s.id.as_str());
        if full {
            let mut ips: Vec<String> = HOSTILE_IPS.iter().map(|s| s.to_string()).collect();
            for r in &p.regions {
                for net in r.egress_nets.iter() {
                    ips.extend(boundary_addresses(net));
                }
            }
            ips.sort();
            ips.dedup();
            for workspace in &self.regions {
                for store in &stores {
                    for ip in &ips {
                        visit(connect(workspace, store, ip));
                    }
                }
            }
            return;
        }
        let all_nets = || {
            p.regions
                .with_ids()
                .flat_map(|(ri, r)| r.egress_nets.iter().map(move |n| (ri, n)))
        };
        for workspace in &self.regions {
            let region = self.region_of(workspace);
            let home_ip = region
                .and_then(|r| p.egress(r).first())
                .map_or("3.251.148.96".to_string(), |n| n.network().to_string());
            for store in &stores {
                visit(connect(workspace, store, &home_ip));
            }
            for ip in HOSTILE_IPS {
                visit(connect(workspace, warehouse, ip));
            }
            if let Some((_, net)) = all_nets().find(|(ri, _)| region.is_none_or(|r| r != *ri)) {
                for ip in boundary_addresses(net) {
                    visit(connect(workspace, warehouse, &ip));
                }
            }
            if let Some(r) = region {
                for net in p.egress(r) {
                    for ip in boundary_addresses(net) {
                        visit(connect(workspace, warehouse, &ip));
                    }
                }
            }
        }
        for (outer, net) in &self.nested_loaders {
            for ip in boundary_addresses(net) {
                visit(connect(p.region_name(*outer), warehouse, &ip));
            }
        }
    }

    fn location_names(&self) -> Vec<&'a str> {
        let mut names: Vec<&str> = self.policy.locations.iter().map(|l| &*l.name).collect();
        names.push(UNKNOWN);
        names
    }

    fn failover_full(&self, visit: &mut impl FnMut(Question)) {
        let mut locations: Vec<String> = self.location_names().iter().map(|l| l.to_string()).collect();
        if let Some(first) = self.policy.locations.first() {
            locations.insert(locations.len() - 1, first.name.to_ascii_uppercase());
        }
        for from in &locations {
            for to in &locations {
                visit(failover(from, to));
            }
        }
    }

    /// Failover per class. The engine decides a failover on the two locations' ingestion
    /// regions (and whether they are the same location): all zones of one ingestion region
    /// answer alike. So every location is asked against itself and a sibling zone (both
    /// ways); one zone of every ingestion region against one zone of each target it lists,
    /// of another ingestion region of its region and of another region; and the unknown
    /// and upper-cased names.
    fn failover_classes(&self, visit: &mut impl FnMut(Question)) {
        let p = self.policy;
        let name = |li: LocationId| p.locations.get(li).map_or("", |l| &*l.name);
        for (li, l) in p.locations.with_ids() {
            visit(failover(&l.name, &l.name));
            let (first, second) = self
                .ingestion_locations
                .get(l.ingestion.index())
                .copied()
                .unwrap_or((None, None));
            let sibling = if first == Some(li) { second } else { first };
            if let Some(s) = sibling {
                visit(failover(&l.name, name(s)));
                visit(failover(name(s), &l.name));
            }
        }
        let zone = |ii: IngestionId| self.ingestion_locations.get(ii.index()).and_then(|z| z.0);
        for (ii, i) in p.ingestions.with_ids() {
            let Some(from) = zone(ii) else { continue };
            let listed = |j: IngestionId| p.failover_listed(ii, j);
            for &target in i.failover_to.iter() {
                if let Some(to) = zone(target) {
                    visit(failover(name(from), name(to)));
                }
            }
            let own = self
                .region_ingestions
                .get(i.region.index())
                .map_or(&[][..], |o| &o[..]);
            let neighbour = own.iter().copied().find(|&j| j != ii && !listed(j));
            let other_region = p
                .region_ids()
                .find(|r| *r != i.region)
                .and_then(|r| self.region_ingestions.get(r.index()))
                .and_then(|other| other.iter().copied().find(|&j| !listed(j)));
            for j in neighbour.into_iter().chain(other_region) {
                if let Some(to) = zone(j) {
                    visit(failover(name(from), name(to)));
                }
            }
        }
        let first = p.locations.first().map_or(UNKNOWN, |l| &*l.name);
        let upper = first.to_ascii_uppercase();
        for (a, b) in [
            (UNKNOWN, first),
            (first, UNKNOWN),
            (&*upper, first),
            (first, &*upper),
            (UNKNOWN, UNKNOWN),
        ] {
            visit(failover(a, b));
        }
    }

    /// Region changes, in full or per class. Per class: the engine compares the two
    /// looked-up regions, so each workspace is asked to stay, to move to the next name in
    /// the list, to an unknown region, and an unknown workspace to move to it.
    fn region_change(&self, full: bool, visit: &mut impl FnMut(Question)) {
        for (k, workspace) in self.regions.iter().enumerate() {
            if full {
                for to in &self.regions {
                    visit(region_change(workspace, to));
                }
            } else {
                let next = self
                    .regions
                    .get((k + 1).checked_rem(self.regions.len()).unwrap_or(0))
                    .unwrap_or(workspace);
                visit(region_change(workspace, workspace));
                visit(region_change(workspace, next));
                visit(region_change(workspace, UNKNOWN));
                visit(region_change(UNKNOWN, workspace));
            }
        }
    }
}

fn ingest(workspace: &str, source: &str, host: &str) -> Question {
    Question::Ingest {
        workspace: workspace.to_string(),
        source: source.to_string(),
        host: host.to_string(),
    }
}

fn resolve(workspace: &str, source: &str, ingestion: Option<&str>) -> Question {
    Question::Resolve {
        workspace: workspace.to_string(),
        source: source.to_string(),
        ingestion: ingestion.map(str::to_string),
    }
}

fn deliver(workspace: &str, destination: &str, endpoint: Option<&str>) -> Question {
    Question::Deliver {
        workspace: workspace.to_string(),
        destination: destination.to_string(),
        endpoint: endpoint.map(str::to_string),
    }
}

fn connect(workspace: &str, warehouse: &str, ip: &str) -> Question {
    Question::Connect {
        workspace: workspace.to_string(),
        warehouse: warehouse.to_string(),
        ip: ip.to_string(),
    }
}

fn failover(from: &str, to: &str) -> Question {
    Question::Failover {
        from: from.to_string(),
        to: to.to_string(),
    }
}

fn region_change(workspace: &str, to: &str) -> Question {
    Question::RegionChange {
        workspace: workspace.to_string(),
        to: to.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_of_a_slash_29() {
        let net: IpNet = "3.251.148.96/29".parse().unwrap();
        assert_eq!(
            boundary_addresses(&net),
            [
                "3.251.148.96",
                "3.251.148.103",
                "3.251.148.95",
                "3.251.148.104",
                "::ffff:3.251.148.96",
                "::ffff:3.251.148.103"
            ]
        );
        let edge: IpNet = "0.0.0.0/32".parse().unwrap();
        assert_eq!(boundary_addresses(&edge).len(), 5);
    }

    #[test]
    fn every_kind_of_question_is_asked() {
        let policy = Policy::default_policy();
        let mut space = Vec::new();
        super::space(&policy).for_each(|q| space.push(q));
        for kind in <crate::QuestionKind as strum::IntoEnumIterator>::iter() {
            assert!(space.iter().any(|q| q.kind() == kind), "{kind}");
        }
    }
}
