//! The compiled policy: interned ids, dense tables and range tables, immutable once built.

use crate::document::{Allowlisting, Document, Mechanism, Residency, Side, StoreKind};
use crate::ip::RangeTable;
use ipnet::IpNet;
use std::sync::atomic::{AtomicU32, Ordering};

mod grid;
mod reads;
mod table;

pub(crate) use grid::{BitTable, Grid};
pub(crate) use reads::PlaceList;
pub(crate) use table::{MaybePosition, Named, Table, TableId};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// An id carries the identity of the policy that issued it: given to another policy's
        /// `*_ids` question, it is denied as `foreign-id`, never read as whatever that policy
        /// holds at the same position. Ids compare (and hash and sort) by position alone, so
        /// two loads of one document give equal decisions.
        #[derive(Debug, Clone, Copy)]
        pub struct $name(pub(crate) u32, pub(crate) u32);

        impl PartialEq for $name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }

        impl Eq for $name {}

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.0.cmp(&other.0)
            }
        }

        impl $name {
            /// The id's position in its table.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl TableId for $name {
            #[inline(always)]
            fn from_parts(position: u32, identity: u32) -> Self {
                $name(position, identity)
            }

            #[inline(always)]
            fn position(self) -> u32 {
                self.0
            }

            #[inline(always)]
            fn identity(self) -> u32 {
                self.1
            }
        }
    };
}

/// The next policy identity; 0 is never handed out (see [`Policy::identity`]).
static NEXT_IDENTITY: AtomicU32 = AtomicU32::new(1);

/// A process-unique identity for a newly compiled policy, or 0 once four billion have been
/// handed out (a policy of identity 0 accepts no id at all: it fails closed).
pub(crate) fn fresh_identity() -> u32 {
    NEXT_IDENTITY
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_add(1))
        .unwrap_or(0)
}

id_type!(
    /// A processing region, interned.
    RegionId
);
id_type!(
    /// An ingestion region (of one processing region), interned.
    IngestionId
);
id_type!(
    /// A source: a source kind or a catalog source, interned.
    SourceId
);
id_type!(
    /// A source kind, interned.
    KindId
);
id_type!(
    /// An ingestion host name, interned.
    HostId
);
id_type!(
    /// A failover location, interned.
    LocationId
);
id_type!(
    /// A destination, interned.
    DestinationId
);
id_type!(
    /// A store, interned.
    StoreId
);
id_type!(
    /// A cloud region of the catalogue, interned.
    CloudId
);
id_type!(
    /// A group (jurisdiction), interned.
    GroupId
);
id_type!(
    /// An exemption: its position in the document's `exemptions`.
    ExemptionId
);
id_type!(
    /// An endpoint of a destination: its position among that destination's endpoints (so
    /// an endpoint id means something only beside its destination's id).
    EndpointId
);

/// Entries named by a `name` field.
macro_rules! named {
    ($($entry:ty),*) => {
        $(impl Named for $entry {
            #[inline]
            fn name(&self) -> &str {
                &self.name
            }
        })*
    };
}

named!(
    CloudRegion,
    Group,
    Kind,
    Source,
    Region,
    Ingestion,
    Host,
    Location,
    Endpoint,
    Destination,
    Store,
    Exemption
);

/// What an exemption allows, on ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExemptFlow {
    /// `deliver` to the destination, through the endpoint (any when `None`).
    Deliver(DestinationId, Option<EndpointId>),
    /// `store` in the store in the cloud region.
    Store(StoreId, CloudId),
    /// `connect` from an address of the range to the warehouse.
    Connect(StoreId, crate::ip::Span),
}

/// A compiled exemption.
#[derive(Debug, Clone)]
pub(crate) struct Exemption {
    pub(crate) name: Box<str>,
    pub(crate) region: RegionId,
    pub(crate) flow: ExemptFlow,
    pub(crate) owner: Box<str>,
    pub(crate) justification: Box<str>,
    pub(crate) expires: crate::date::Date,
    /// Whether it applies at the policy's as-of date (never without one).
    pub(crate) active: bool,
}

/// Whether a source may be used in a region.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Support {
    /// The region does not support the source's kind (also what a cell outside the table
    /// reads: fail closed).
    #[default]
    KindUnsupported,
    /// The kind is supported, but the catalog source does not list the region (or, for a
    /// kind named bare, the region takes the kind only through catalog sources).
    EntryUnsupported,
    /// The source may be used there.
    Supported,
}

/// One item of a place list, as the compiler looked it up (a group first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Place {
    /// The word `any`.
    Any,
    /// A group: every cloud region in one of its countries.
    Group(GroupId),
    /// One cloud region.
    Cloud(CloudId),
}

/// A set of places compiled to dense membership tables, with the items it was written as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlaceSet {
    /// Whether the word `any` was given.
    pub(crate) any: bool,
    /// Per cloud region: whether it is in the set (directly or through a group).
    pub(crate) clouds: Box<[bool]>,
    /// Per group: whether it is listed.
    pub(crate) groups: Box<[bool]>,
    /// The items, in the order written (the compiled default, `[jurisdiction]` or `any`,
    /// when the document leaves the list out): what coverage counts as placements.
    pub(crate) items: Box<[Place]>,
}

impl Place {
    /// Whether the item holds the cloud region.
    pub(crate) fn holds(self, policy: &Policy, cloud: CloudId) -> bool {
        match self {
            Place::Any => true,
            Place::Group(g) => policy.cloud_in_group(cloud, g),
            Place::Cloud(c) => c == cloud,
        }
    }
}

impl PlaceSet {
    #[inline]
    pub(crate) fn has_cloud(&self, cloud: CloudId) -> bool {
        self.any || self.clouds.get(cloud.index()).copied().unwrap_or(false)
    }

    #[inline]
    pub(crate) fn has_group(&self, group: GroupId) -> bool {
        self.any || self.groups.get(group.index()).copied().unwrap_or(false)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct CloudRegion {
    pub(crate) name: Box<str>,
    pub(crate) provider: u32,
    pub(crate) country: Box<str>,
    pub(crate) groups: Box<[GroupId]>,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) name: Box<str>,
}

#[derive(Debug, Clone)]
pub(crate) struct Kind {
    pub(crate) name: Box<str>,
    pub(crate) side: Side,
    pub(crate) mechanism: Mechanism,
}

#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) name: Box<str>,
    pub(crate) kind: KindId,
    /// Its kind's mechanism.
    pub(crate) mechanism: Mechanism,
}

#[derive(Debug, Clone)]
pub(crate) struct Region {
    pub(crate) name: Box<str>,
    pub(crate) residency: Residency,
    pub(crate) jurisdiction: GroupId,
    pub(crate) processing: CloudId,
    pub(crate) archive: PlaceSet,
    pub(crate) storage: PlaceSet,
    pub(crate) delivery: PlaceSet,
    /// Per kind: supported here.
    pub(crate) kinds: Box<[bool]>,
    pub(crate) egress: RangeTable,
    pub(crate) egress_nets: Box<[IpNet]>,
    /// Ingestion names of this region, sorted, for binary search.
    pub(crate) ingestion_names: Box<[(Box<str>, IngestionId)]>,
    pub(crate) default_ingestion: IngestionId,
    /// The first host of the default ingestion region (what `resolve` hands out by default).
    pub(crate) default_host: Option<HostId>,
}

#[derive(Debug, Clone)]
pub(crate) struct Ingestion {
    pub(crate) name: Box<str>,
    pub(crate) region: RegionId,
    pub(crate) cloud: CloudId,
    pub(crate) hosts: Box<[HostId]>,
    /// Other ingestion regions whose locations are failover targets too (an explicit
    /// loosening), sorted.
    pub(crate) failover_to: Box<[IngestionId]>,
}

#[derive(Debug, Clone)]
pub(crate) struct Host {
    pub(crate) name: Box<str>,
    /// Every ingestion region listing this host (more than one is linted by the audit), in
    /// ingestion order, so sorted by region.
    pub(crate) owners: Box<[IngestionId]>,
    /// The first owner and its region: the owner an ingest decision reads first (the only
    /// one, but for a host the audit lints).
    pub(crate) home: Option<(RegionId, IngestionId)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Location {
    pub(crate) name: Box<str>,
    pub(crate) ingestion: IngestionId,
}

#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) name: Box<str>,
    pub(crate) jurisdiction: GroupId,
    pub(crate) hosts: Box<[Box<str>]>,
}

#[derive(Debug, Clone)]
pub(crate) struct Destination {
    pub(crate) name: Box<str>,
    pub(crate) endpoints: Box<[Endpoint]>,
    /// Endpoint ids → endpoint, sorted, for binary search.
    pub(crate) endpoint_lookup: Box<[(Box<str>, EndpointId)]>,
    /// Endpoint host names → endpoint, sorted, for binary search.
    pub(crate) endpoint_hosts: Box<[(Box<str>, EndpointId)]>,
}

impl Destination {
    /// One of its endpoints.
    #[inline]
    pub(crate) fn endpoint(&self, id: EndpointId) -> Option<&Endpoint> {
        self.endpoints.get(id.index())
    }

    /// Its endpoints with their ids (ids of the policy of `identity`).
    pub(crate) fn endpoints_with_ids(&self, identity: u32) -> impl Iterator<Item = (EndpointId, &Endpoint)> {
        self.endpoints
            .iter()
            .enumerate()
            .map(move |(i, e)| (EndpointId(i as u32, identity), e))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Store {
    pub(crate) name: Box<str>,
    pub(crate) kind: StoreKind,
    /// Per provider: whether the store runs there.
    pub(crate) providers: Box<[bool]>,
    pub(crate) allowlist: Option<Allowlisting>,
    /// Per region: whether its workspaces may keep data in the store.
    pub(crate) regions: Box<[bool]>,
}

impl Store {
    /// Whether the store runs on a provider (by the number the catalogue gives it).
    #[inline]
    pub(crate) fn runs_on_provider(&self, provider: u32) -> bool {
        self.providers.get(provider as usize).copied().unwrap_or(false)
    }

    /// Whether the store is offered to a region's workspaces (`stores[].regions`).
    #[inline]
    pub(crate) fn offered_to(&self, region: RegionId) -> bool {
        self.regions.get(region.index()).copied().unwrap_or(false)
    }
}

/// A validated, compiled policy: build it once with [`Policy::from_yaml`] (or take the
/// embedded default with [`Policy::default_policy`]), then ask it as many questions as you
/// like, from as many threads as you like.
///
/// # Examples
///
/// ```
/// use regionfence::{Policy, Verdict};
/// let policy = Policy::default_policy();
/// let d = policy.ingest("eu-west", "javascript", "https://events.eu1.segmentapis.com/v1");
/// assert_eq!(d.verdict(), Verdict::Allow);
/// let d = policy.ingest("eu-west", "javascript", "api.segment.io");
/// assert_eq!(d.verdict(), Verdict::Deny);
/// assert_eq!(d.codes().next().unwrap().as_str(), "ingestion-outside-region");
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    /// Process-unique: stamped in every id this policy issues, checked by every `*_ids`
    /// question (a clone shares it, and its tables).
    pub(crate) identity: u32,
    pub(crate) document: Document,
    pub(crate) clouds: Table<CloudId, CloudRegion>,
    /// Cloud providers, by the number a cloud region and a store's `providers` give them.
    pub(crate) providers: Vec<Box<str>>,
    pub(crate) groups: Table<GroupId, Group>,
    pub(crate) kinds: Table<KindId, Kind>,
    /// Kinds first (each is a source of its own name), then catalog sources.
    pub(crate) sources: Table<SourceId, Source>,
    /// source × region: the source (a catalog entry) may be used there.
    pub(crate) source_regions: BitTable<SourceId, RegionId>,
    /// source × region: whether the source may be used there, and if not, why: its kind and
    /// its catalog entry read together, as every ingest and resolve decision reads them.
    pub(crate) support: Grid<SourceId, RegionId, Support>,
    pub(crate) regions: Table<RegionId, Region>,
    pub(crate) default_region: RegionId,
    /// By name: the first ingestion region of that name, in any region.
    pub(crate) ingestions: Table<IngestionId, Ingestion>,
    pub(crate) hosts: Table<HostId, Host>,
    pub(crate) locations: Table<LocationId, Location>,
    pub(crate) destinations: Table<DestinationId, Destination>,
    /// destination × region: available to that region's workspaces.
    pub(crate) destination_regions: BitTable<DestinationId, RegionId>,
    /// destination × region: the endpoint used when none is named.
    pub(crate) default_endpoints: Grid<DestinationId, RegionId, MaybePosition>,
    pub(crate) stores: Table<StoreId, Store>,
    /// The date the policy is evaluated at; without one no exemption applies.
    pub(crate) as_of: Option<crate::date::Date>,
    /// Every exemption, in document order.
    pub(crate) exemptions: Table<ExemptionId, Exemption>,
    /// The active exemptions, sorted by (region, flow kind, first id, document order): the
    /// ones that can cover a flow are a binary search away.
    pub(crate) active_exemptions: Box<[ExemptionKey]>,
}

/// An active exemption's sort key: its region, its flow's kind (0 deliver, 1 store, 2
/// connect) and first id (destination or store), and its position.
pub(crate) type ExemptionKey = (RegionId, u8, u32, ExemptionId);

// Compile-time proof that a policy can be shared across threads.
const _: fn() = || {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Policy>();
};

impl Policy {
    /// The policy's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert_eq!(policy.name(), "segment-regional-2022");
    /// ```
    pub fn name(&self) -> &str {
        &self.document.name
    }

    /// The document the policy was compiled from, its set-like lists sorted (the
    /// [policy format](crate::guide::policy_format) says which lists are sets).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let doc = policy.document();
    /// assert_eq!(doc.name, policy.name());
    /// assert_eq!(doc.regions.len(), 2);
    /// ```
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// Serialises the policy back to a YAML document that loads to the same policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let again = Policy::from_yaml(&policy.to_yaml().unwrap()).unwrap();
    /// assert_eq!(again.document(), policy.document());
    /// assert!(again.ingest("eu-west", "ios", "events.eu1.segmentapis.com").is_allowed());
    /// ```
    pub fn to_yaml(&self) -> Result<String, crate::error::SerializeError> {
        crate::yaml::to_string(&self.document).map_err(|e| crate::error::SerializeError {
            message: e.to_string(),
        })
    }

    /// The default processing region.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert_eq!(policy.region_name(policy.default_region()), "us-west");
    /// assert_eq!(policy.region_id("us-west"), Some(policy.default_region()));
    /// ```
    pub fn default_region(&self) -> RegionId {
        self.default_region
    }

    /// A processing region by name.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert!(policy.region_id("eu-west").is_some());
    /// assert_ne!(policy.region_id("eu-west"), policy.region_id("us-west"));
    /// assert_eq!(policy.region_id("eu-central"), None);
    /// ```
    #[inline]
    pub fn region_id(&self, name: &str) -> Option<RegionId> {
        self.regions.by_name(name)
    }

    /// A region's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let eu = policy.region_id("eu-west").unwrap();
    /// assert_eq!(policy.region_name(eu), "eu-west");
    /// ```
    pub fn region_name(&self, id: RegionId) -> &str {
        self.regions.name(id)
    }

    /// All processing regions.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let names: Vec<&str> = policy.region_ids().map(|r| policy.region_name(r)).collect();
    /// assert_eq!(names, ["us-west", "eu-west"]);
    /// ```
    pub fn region_ids(&self) -> impl Iterator<Item = RegionId> + '_ {
        self.regions.ids()
    }

    /// Whether ids of these identities were all issued by this policy: every identity XOR
    /// the policy's is 0 exactly when their OR is (one compare whatever the number of ids),
    /// and a policy of identity 0 accepts none.
    #[inline(always)]
    pub(crate) fn issued<const N: usize>(&self, identities: [u32; N]) -> bool {
        let differ = identities
            .iter()
            .fold(0, |differ, &i| differ | (i ^ self.identity));
        differ == 0 && self.identity != 0
    }

    pub(crate) fn region(&self, id: RegionId) -> Option<&Region> {
        self.regions.get(id)
    }

    pub(crate) fn ingestion(&self, id: IngestionId) -> Option<&Ingestion> {
        self.ingestions.get(id)
    }

    /// The name of an ingestion region; empty for an id another policy issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let eu = policy.region_id("eu-west").unwrap();
    /// let dublin = policy.ingestion_id(eu, "dublin").unwrap();
    /// assert_eq!(policy.ingestion_name(dublin), "dublin");
    /// ```
    pub fn ingestion_name(&self, id: IngestionId) -> &str {
        self.ingestions.name(id)
    }

    /// `region/ingestion`, as failover targets are written.
    pub(crate) fn ingestion_path(&self, id: IngestionId) -> String {
        match self.ingestion(id) {
            Some(i) => format!("{}/{}", self.region_name(i.region), i.name),
            None => String::new(),
        }
    }

    /// The name of an ingestion host; empty for an id another policy issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let host = policy.host_id("HTTPS://Events.EU1.SegmentAPIs.com/v1").unwrap();
    /// assert_eq!(policy.host_name(host), "events.eu1.segmentapis.com");
    /// ```
    pub fn host_name(&self, id: HostId) -> &str {
        self.hosts.name(id)
    }

    /// The name of a cloud region; empty for an id another policy issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let cloud = policy.cloud_id("aws:eu-west-1").unwrap();
    /// assert_eq!(policy.cloud_name(cloud), "aws:eu-west-1");
    /// ```
    pub fn cloud_name(&self, id: CloudId) -> &str {
        self.clouds.name(id)
    }

    /// The name of a group (jurisdiction); empty for an id another policy issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let eu = policy.group_id("eu").unwrap();
    /// assert_eq!(policy.group_name(eu), "eu");
    /// ```
    pub fn group_name(&self, id: GroupId) -> &str {
        self.groups.name(id)
    }

    /// The name of a source kind or catalog source; empty for an id another policy issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let node = policy.source_id("node-js").unwrap();
    /// assert_eq!(policy.source_name(node), "node-js");
    /// ```
    pub fn source_name(&self, id: SourceId) -> &str {
        self.sources.name(id)
    }

    pub(crate) fn kind(&self, id: KindId) -> Option<&Kind> {
        self.kinds.get(id)
    }

    /// The kind a source names bare, when it is a kind's own id rather than a catalog slug
    /// (kinds are the first sources, in kind order).
    pub(crate) fn kind_of_source(&self, source: SourceId) -> Option<KindId> {
        (source.index() < self.kinds.len()).then_some(KindId(source.0, self.identity))
    }

    /// Up to `most` catalog sources of the kind `bare` names that `region` supports.
    pub(crate) fn catalog_sources_in(&self, bare: SourceId, region: RegionId, most: usize) -> Vec<&str> {
        let Some(kind) = self.kind_of_source(bare) else {
            return Vec::new();
        };
        self.sources
            .with_ids()
            .skip(self.kinds.len())
            .filter(|(si, s)| s.kind == kind && self.source_regions.get(*si, region))
            .take(most)
            .map(|(_, s)| &*s.name)
            .collect()
    }

    /// The name of a destination; empty for an id another policy issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let amplitude = policy.destination_id("amplitude").unwrap();
    /// assert_eq!(policy.destination_name(amplitude), "amplitude");
    /// ```
    pub fn destination_name(&self, id: DestinationId) -> &str {
        self.destinations.name(id)
    }

    pub(crate) fn endpoint(&self, destination: DestinationId, endpoint: EndpointId) -> Option<&Endpoint> {
        self.destinations.get(destination)?.endpoint(endpoint)
    }

    /// The name of a store; empty for an id another policy issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let redshift = policy.store_id("redshift").unwrap();
    /// assert_eq!(policy.store_name(redshift), "redshift");
    /// ```
    pub fn store_name(&self, id: StoreId) -> &str {
        self.stores.name(id)
    }

    /// The name of a failover location; empty for an id another policy issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let a = policy.location_id("eu-west/dublin-a").unwrap();
    /// assert_eq!(policy.location_name(a), "eu-west/dublin-a");
    /// ```
    pub fn location_name(&self, id: LocationId) -> &str {
        self.locations.name(id)
    }

    /// Whether a cloud region belongs to a group.
    pub(crate) fn cloud_in_group(&self, cloud: CloudId, group: GroupId) -> bool {
        self.clouds.get(cloud).is_some_and(|c| c.groups.contains(&group))
    }

    /// The CIDRs a region's warehouse loaders connect from.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let eu = policy.region_id("eu-west").unwrap();
    /// let us = policy.region_id("us-west").unwrap();
    /// assert_eq!(policy.egress(eu)[0].to_string(), "3.251.148.96/29");
    /// assert!(policy.egress(us)[0].contains(&"52.25.130.38".parse::<std::net::IpAddr>().unwrap()));
    /// ```
    pub fn egress(&self, region: RegionId) -> &[IpNet] {
        self.region(region).map_or(&[], |r| &r.egress_nets)
    }

    /// The first region whose warehouse loaders connect from this address, if any.
    pub(crate) fn egress_owner(&self, ip: std::net::IpAddr) -> Option<RegionId> {
        self.region_ids().find(|&r| self.egress_contains(r, ip))
    }
}
