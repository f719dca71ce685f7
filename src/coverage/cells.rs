//! The cells of a policy's decision space: (question kind, region, reason code) triples and
//! the policy's entries, each with a stable key and a label for people.

use crate::audit::Family;
use crate::decision::ReasonCode;
use crate::policy::{
    CloudId, DestinationId, EndpointId, HostId, IngestionId, LocationId, Place, Policy, RegionId, StoreId,
};
use crate::question::Question;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A question kind's position in [`QuestionKind`]'s one order.
pub(crate) fn ask_index(question: &Question) -> u8 {
    question.kind() as u8
}

/// The region a question is about: its workspace's, or for `failover` the region of the
/// location it starts from; `None` when that name is not in the policy.
pub(crate) fn question_region(policy: &Policy, question: &Question) -> Option<RegionId> {
    match question {
        Question::Ingest { workspace, .. }
        | Question::Resolve { workspace, .. }
        | Question::Deliver { workspace, .. }
        | Question::Store { workspace, .. }
        | Question::Connect { workspace, .. }
        | Question::Allowlist { workspace, .. }
        | Question::RegionChange { workspace, .. } => policy.region_id(workspace),
        Question::Failover { from, .. } => policy
            .location_id(from)
            .and_then(|l| policy.location_owner(l))
            .map(|(_, region)| region),
    }
}

/// A reason cell: the engine gives `code` to a question of kind `ask` about `region`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ReasonKey {
    pub(crate) ask: u8,
    /// `None` sorts first; reports put the unknown region last themselves.
    pub(crate) region: Option<RegionId>,
    pub(crate) code: ReasonCode,
}

/// The kinds of policy entries a case can exercise.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::Display, strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum EntryKind {
    /// A host of an ingestion region (`regions[R].ingestion[I].hosts`).
    IngestionHost,
    /// An endpoint of a destination (`destinations[D].endpoints`).
    DestinationEndpoint,
    /// A place a region may put a store in: one item of the region's `archive` list (for an
    /// archive) or of its `customer_storage` (for a data lake or warehouse), where some cloud
    /// region of that place runs the store.
    StorePlacement,
    /// A warehouse egress CIDR of a region (`regions[R].warehouse_egress`).
    EgressCidr,
    /// A failover location (`region/ingestion-zone`).
    FailoverLocation,
}

impl EntryKind {
    /// The family of the audit's questions whose decisions name entries of this kind.
    pub(crate) fn family(self) -> Family {
        match self {
            EntryKind::IngestionHost => Family::Ingest,
            EntryKind::DestinationEndpoint => Family::Deliver,
            EntryKind::StorePlacement => Family::Store,
            EntryKind::EgressCidr => Family::Connect,
            EntryKind::FailoverLocation => Family::Failover,
        }
    }

    /// How reports name the kind, plural.
    pub fn title(self) -> &'static str {
        match self {
            EntryKind::IngestionHost => "ingestion hosts",
            EntryKind::DestinationEndpoint => "destination endpoints",
            EntryKind::StorePlacement => "store placements",
            EntryKind::EgressCidr => "warehouse egress CIDRs",
            EntryKind::FailoverLocation => "failover locations",
        }
    }
}

/// An entry cell's key, in the policy's own ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum EntryKey {
    Host(IngestionId, HostId),
    Endpoint(DestinationId, EndpointId),
    /// Region, store, position of the place in the region's list for the store's kind.
    Placement(RegionId, StoreId, u32),
    /// Region, position of the CIDR in its `warehouse_egress`.
    Cidr(RegionId, u32),
    Location(LocationId),
}

impl EntryKey {
    pub(crate) fn kind(self) -> EntryKind {
        match self {
            EntryKey::Host(..) => EntryKind::IngestionHost,
            EntryKey::Endpoint(..) => EntryKind::DestinationEndpoint,
            EntryKey::Placement(..) => EntryKind::StorePlacement,
            EntryKey::Cidr(..) => EntryKind::EgressCidr,
            EntryKey::Location(..) => EntryKind::FailoverLocation,
        }
    }
}

/// How coverage reports name an item of a place list.
fn place_label(place: Place, policy: &Policy) -> String {
    match place {
        Place::Any => "any".to_string(),
        Place::Group(g) => policy.group_name(g).to_string(),
        Place::Cloud(c) => policy.cloud_name(c).to_string(),
    }
}

/// Every entry of the policy a case can exercise, in document order, with its region (where
/// it belongs to one) and its label.
pub(crate) fn entries(policy: &Policy) -> Vec<(EntryKey, Option<RegionId>, String)> {
    let mut out = Vec::new();
    for (ingestion, i) in policy.ingestions.with_ids() {
        for &h in i.hosts.iter() {
            let label = format!("{} {}", policy.ingestion_path(ingestion), policy.host_name(h));
            out.push((EntryKey::Host(ingestion, h), Some(i.region), label));
        }
    }
    for (di, d) in policy.destinations.with_ids() {
        for (ei, e) in d.endpoints_with_ids(policy.identity) {
            let key = EntryKey::Endpoint(di, ei);
            out.push((key, None, format!("{}/{}", d.name, e.name)));
        }
    }
    // A placement is a cell where the store rule allows the store in one of the place's
    // cloud regions: the region may keep data in the store, and the place holds a cloud
    // region that runs it. The rule is asked of one cloud region of each class the place
    // holds (`CloudRegion::store_class`), computed once per place item.
    let mut held: HashMap<Place, Vec<CloudId>> = HashMap::new();
    for region in policy.region_ids() {
        for (si, s) in policy.stores.with_ids() {
            let Some(places) = policy.places_for(region, s.kind) else {
                continue;
            };
            for (pi, place) in places.items.iter().enumerate() {
                let clouds = held.entry(*place).or_insert_with(|| {
                    let mut seen = HashSet::new();
                    policy
                        .clouds
                        .with_ids()
                        .filter(|(c, entry)| place.holds(policy, *c) && seen.insert(entry.store_class()))
                        .map(|(c, _)| c)
                        .collect()
                });
                let placed = clouds
                    .iter()
                    .any(|&c| policy.store_check(region, si, c).allowed());
                if placed {
                    let label = format!(
                        "{}: {} in {}",
                        policy.region_name(region),
                        s.name,
                        place_label(*place, policy)
                    );
                    let key = EntryKey::Placement(region, si, pi as u32);
                    out.push((key, Some(region), label));
                }
            }
        }
    }
    for region in policy.region_ids() {
        for (ni, net) in policy.egress(region).iter().enumerate() {
            let label = format!("{} {net}", policy.region_name(region));
            out.push((EntryKey::Cidr(region, ni as u32), Some(region), label));
        }
    }
    for (li, l) in policy.locations.with_ids() {
        let region = policy.location_owner(li).map(|(_, region)| region);
        out.push((EntryKey::Location(li), region, l.name.to_string()));
    }
    out
}
