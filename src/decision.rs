//! Decisions: a two-valued verdict, the reasons that decided it, and what was resolved.
//!
//! A [`Decision`] holds only ids and small enums, so making one never allocates; its
//! human-readable form ([`Decision::explain`]) is rendered on demand.

use crate::document::Mechanism;
use crate::host::HostError;
use crate::policy::*;
use crate::question::Field;
use serde::Serialize;

/// Allow or deny; nothing in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::Display, strum::AsRefStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Verdict {
    /// The flow may happen.
    Allow,
    /// The flow must not happen.
    Deny,
}

/// Reads `allow` or `deny`, as case files write an expected verdict.
impl<'de> serde::Deserialize<'de> for Verdict {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        match text.as_str() {
            "allow" => Ok(Verdict::Allow),
            "deny" => Ok(Verdict::Deny),
            other => Err(serde::de::Error::custom(format!(
                "expected `allow` or `deny`, found `{other}`"
            ))),
        }
    }
}

/// One reason for a decision: what decided, in terms of the policy's own entries.
///
/// Each variant is exactly one [`ReasonCode`], derived from this enum, in the same order:
/// a new reason is a new variant here and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumDiscriminants)]
#[non_exhaustive]
#[strum_discriminants(
    name(ReasonCode),
    vis(pub),
    doc = "The stable, kebab-case code of a reason. Codes never change meaning between releases.",
    doc = "",
    doc = "One code per [`Reason`] variant, derived from it ([`Reason::code`]), in the one order \
           reports sort codes by. New codes may come in later releases: a `match` on codes \
           needs a wildcard arm.",
    derive(
        Hash,
        PartialOrd,
        Ord,
        Serialize,
        strum::Display,
        strum::AsRefStr,
        strum::EnumString,
        strum::EnumIter,
        strum::IntoStaticStr
    ),
    // `non_exhaustive` alone does not pass through (strum passes on `path(…)` attributes
    // only); this is the same attribute, always applied.
    cfg_attr(all(), non_exhaustive),
    serde(rename_all = "kebab-case"),
    strum(serialize_all = "kebab-case")
)]
pub enum Reason {
    /// A region field (`workspace`, `to`) names no region of the policy.
    UnknownRegion(Field),
    /// The source field names neither a source kind nor a catalog source.
    UnknownSource(Field),
    /// The host field is well-formed but not a host the policy lists (IP literals and
    /// non-default ports included).
    UnknownHost {
        /// The field holding the host.
        field: Field,
        /// What made an address or a port unknown, when that was it.
        error: Option<HostError>,
    },
    /// The host field is not a host name at all.
    MalformedHost {
        /// The field holding the host.
        field: Field,
        /// What is wrong with it.
        error: HostError,
    },
    /// The destination field names no destination of the policy.
    UnknownDestination(Field),
    /// The endpoint field is neither an endpoint id nor a host of the destination.
    UnknownEndpoint {
        /// The field holding the endpoint.
        field: Field,
        /// The destination it was looked for in.
        destination: Option<DestinationId>,
    },
    /// The cloud region field is not in the catalogue.
    UnknownCloudRegion(Field),
    /// The store field names no store of the policy.
    UnknownStore(Field),
    /// The warehouse field names no warehouse of the policy: nothing, or a store that is not
    /// a warehouse.
    UnknownWarehouse {
        /// The field holding the warehouse.
        field: Field,
        /// The store it names, when it names one that is not a warehouse.
        store: Option<StoreId>,
    },
    /// A location field (`from`, `to`) names no failover location of the policy.
    UnknownLocation(Field),
    /// The ingestion region field is not offered by any processing region.
    UnknownIngestionRegion(Field),
    /// The IP field does not parse strictly.
    MalformedIp(Field),
    /// An id given to an `*_ids` question was issued by another policy (one loaded before a
    /// reload, say): ids are looked up again for each policy.
    ForeignId,
    /// The workspace's region does not support this source (or its kind).
    SourceUnsupportedInRegion {
        /// The source.
        source: SourceId,
        /// The workspace's region.
        region: RegionId,
        /// Whether the kind itself is unsupported (rather than the catalog entry).
        kind_unsupported: bool,
    },
    /// The host, or the ingestion region asked for, belongs to another processing region.
    IngestionOutsideRegion {
        /// The ingestion region that owns the host.
        ingestion: IngestionId,
        /// The workspace's region.
        region: RegionId,
        /// The host, when the question named one.
        host: Option<HostId>,
    },
    /// The destination is not available to the workspace's region.
    DestinationUnavailableInRegion {
        /// The destination.
        destination: DestinationId,
        /// The workspace's region.
        region: RegionId,
    },
    /// The endpoint (every endpoint, when none is named) lies outside the places the region
    /// may deliver to.
    EndpointOutsideRegion {
        /// The destination.
        destination: DestinationId,
        /// The endpoint named, if any.
        endpoint: Option<EndpointId>,
        /// The workspace's region.
        region: RegionId,
    },
    /// The cloud region lies outside the places the region may store in.
    StoreOutsideRegion {
        /// The store.
        store: StoreId,
        /// The cloud region.
        cloud: CloudId,
        /// The workspace's region.
        region: RegionId,
    },
    /// The store is not offered to the region (`stores[].regions` does not list it): no
    /// cloud region will do.
    StoreNotOffered {
        /// The store.
        store: StoreId,
        /// The workspace's region.
        region: RegionId,
    },
    /// The store does not run on the cloud region's provider.
    StoreProviderMismatch {
        /// The store.
        store: StoreId,
        /// The cloud region.
        cloud: CloudId,
    },
    /// The IP is not in the region's warehouse egress ranges: not one of its loaders.
    IpNotAllowlisted {
        /// The workspace's region.
        region: RegionId,
    },
    /// The warehouse needs an allowlist, and the region has no egress ranges to hand out.
    AllowlistUnknown {
        /// The warehouse.
        store: StoreId,
        /// The workspace's region.
        region: RegionId,
    },
    /// Failover would change processing region.
    FailoverAcrossRegions {
        /// From.
        from: LocationId,
        /// To.
        to: LocationId,
    },
    /// Failover would change ingestion region within one processing region.
    FailoverAcrossIngestionRegions {
        /// From.
        from: LocationId,
        /// To.
        to: LocationId,
    },
    /// Failover from a location to itself.
    FailoverSameLocation(LocationId),
    /// A workspace's region never changes, and the question would change it.
    RegionImmutable {
        /// The workspace's region.
        from: RegionId,
        /// The region asked for.
        to: RegionId,
    },
    /// Allowed: the host is an ingestion host of the workspace's region.
    HostInRegion {
        /// The ingestion region.
        ingestion: IngestionId,
        /// The host.
        host: HostId,
    },
    /// Allowed: the source is configured with this host, of an ingestion region of the
    /// workspace's region.
    HostResolved {
        /// The ingestion region.
        ingestion: IngestionId,
        /// The source.
        source: SourceId,
    },
    /// Allowed: the endpoint lies where the region may deliver.
    EndpointInRegion {
        /// The destination.
        destination: DestinationId,
        /// The endpoint.
        endpoint: EndpointId,
        /// The workspace's region.
        region: RegionId,
    },
    /// Allowed: the store's cloud region lies where the region may store.
    StoreInRegion {
        /// The store.
        store: StoreId,
        /// The cloud region.
        cloud: CloudId,
        /// The workspace's region.
        region: RegionId,
    },
    /// Allowed: the IP is one of the region's loaders.
    IpAllowlisted {
        /// The workspace's region.
        region: RegionId,
    },
    /// Allowed: the warehouse's allowlisting is `required`; it must open the region's egress
    /// CIDRs.
    AllowlistRequired {
        /// The warehouse.
        store: StoreId,
        /// The workspace's region.
        region: RegionId,
    },
    /// Allowed: the warehouse's allowlisting is `recommended`; opening the region's egress
    /// CIDRs is advised.
    AllowlistRecommended {
        /// The warehouse.
        store: StoreId,
        /// The workspace's region.
        region: RegionId,
    },
    /// Allowed: the warehouse's allowlisting is `not-needed`; it needs no firewall rule.
    AllowlistNotNeeded {
        /// The warehouse.
        store: StoreId,
        /// The workspace's region.
        region: RegionId,
    },
    /// Allowed: both locations belong to the same ingestion region.
    FailoverWithinIngestionRegion {
        /// From.
        from: LocationId,
        /// To.
        to: LocationId,
    },
    /// Allowed by an explicit `failover_to` loosening of the policy.
    FailoverListedTarget {
        /// From.
        from: LocationId,
        /// To.
        to: LocationId,
    },
    /// Allowed: the region asked for is the region the workspace has.
    RegionUnchanged(RegionId),
    /// Allowed despite the rule whose reason comes first (the one before this): an active
    /// exemption of the policy names this flow.
    Exempted {
        /// The exemption.
        exemption: ExemptionId,
    },
}

impl Reason {
    /// The reason's stable code.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let d = policy.ingest("eu-west", "ios", "events.eu1.segmentapis.com");
    /// assert_eq!(d.reasons().next().unwrap().code(), ReasonCode::HostInRegion);
    /// ```
    pub fn code(&self) -> ReasonCode {
        ReasonCode::from(self)
    }

    /// The field of the question this reason is about, for the reasons that say a name was
    /// unknown or malformed (exactly those whose code
    /// [`is_unknown_or_malformed`](ReasonCode::is_unknown_or_malformed)); `None` for the rest.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Field, Policy};
    /// let policy = Policy::default_policy();
    /// let d = policy.failover("eu-west/dublin-a", "eu-west/nowhere");
    /// assert_eq!(d.reasons().next().unwrap().field(), Some(Field::To));
    /// let d = policy.store("eu-west", "redshift", "aws:eu-west-1");
    /// assert_eq!(d.reasons().next().unwrap().field(), None);
    /// ```
    pub fn field(&self) -> Option<Field> {
        match *self {
            Reason::UnknownRegion(field)
            | Reason::UnknownSource(field)
            | Reason::UnknownHost { field, .. }
            | Reason::MalformedHost { field, .. }
            | Reason::UnknownDestination(field)
            | Reason::UnknownEndpoint { field, .. }
            | Reason::UnknownCloudRegion(field)
            | Reason::UnknownStore(field)
            | Reason::UnknownWarehouse { field, .. }
            | Reason::UnknownLocation(field)
            | Reason::UnknownIngestionRegion(field)
            | Reason::MalformedIp(field) => Some(field),
            _ => None,
        }
    }
}

impl ReasonCode {
    /// The code as written in JSON and case files.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::ReasonCode;
    /// assert_eq!(ReasonCode::IngestionOutsideRegion.as_str(), "ingestion-outside-region");
    /// assert_eq!(ReasonCode::AllowlistRequired.as_str(), "allowlist-required");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether the code says something named in the question was unknown or malformed.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::ReasonCode;
    /// assert!(ReasonCode::UnknownHost.is_unknown_or_malformed());
    /// assert!(ReasonCode::MalformedIp.is_unknown_or_malformed());
    /// assert!(!ReasonCode::IngestionOutsideRegion.is_unknown_or_malformed());
    /// ```
    pub fn is_unknown_or_malformed(self) -> bool {
        use ReasonCode::*;
        matches!(
            self,
            UnknownRegion
                | UnknownSource
                | UnknownHost
                | MalformedHost
                | UnknownDestination
                | UnknownEndpoint
                | UnknownCloudRegion
                | UnknownStore
                | UnknownWarehouse
                | UnknownLocation
                | UnknownIngestionRegion
                | MalformedIp
                | ForeignId
        )
    }
}

/// A code equals its wire name: `code == "allowlist-required"`.
///
/// ```
/// use regionfence::ReasonCode;
/// assert_eq!(ReasonCode::AllowlistRequired, "allowlist-required");
/// assert_ne!(ReasonCode::AllowlistRequired, "allowlist_required");
/// ```
impl PartialEq<str> for ReasonCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ReasonCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What a decision resolved, beyond allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// Nothing beyond the verdict.
    None,
    /// `resolve`: the host to configure, and how.
    Host {
        /// The ingestion region.
        ingestion: IngestionId,
        /// Its first host.
        host: HostId,
        /// How the source is pointed at it.
        mechanism: Mechanism,
    },
    /// `deliver`: the endpoint the data goes through.
    Endpoint {
        /// The destination.
        destination: DestinationId,
        /// The endpoint.
        endpoint: EndpointId,
    },
    /// `allowlist`: the region's egress CIDRs, or none when `region` is `None`.
    Cidrs {
        /// Whose ranges; `None` when no allowlist is needed.
        region: Option<RegionId>,
    },
}

/// The most reasons one decision carries.
pub const MAX_REASONS: usize = 4;

/// A verdict with its reasons (at least one) and, for some questions, an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision {
    verdict: Verdict,
    reasons: [Option<Reason>; MAX_REASONS],
    answer: Answer,
}

impl Decision {
    /// An allow, for one reason.
    pub(crate) fn allow(reason: Reason, answer: Answer) -> Decision {
        Decision {
            verdict: Verdict::Allow,
            reasons: [Some(reason), None, None, None],
            answer,
        }
    }

    /// An allow by an exemption: the rule's reason for denying, then the exemption.
    pub(crate) fn exempted(rule: Reason, exemption: ExemptionId, answer: Answer) -> Decision {
        Decision {
            verdict: Verdict::Allow,
            reasons: [Some(rule), Some(Reason::Exempted { exemption }), None, None],
            answer,
        }
    }

    /// The exemption that allowed this decision, if one did.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert_eq!(policy.deliver("eu-west", "amplitude", Some("eu")).exemption(), None);
    /// ```
    pub fn exemption(&self) -> Option<ExemptionId> {
        self.reasons().find_map(|r| match r {
            Reason::Exempted { exemption } => Some(*exemption),
            _ => None,
        })
    }

    /// A deny with no reason yet; [`Decision::because`] adds them.
    pub(crate) fn deny() -> Decision {
        Decision {
            verdict: Verdict::Deny,
            reasons: [None; MAX_REASONS],
            answer: Answer::None,
        }
    }

    /// Adds a reason (beyond [`MAX_REASONS`], later ones are dropped: the first are the
    /// most fundamental, since checks run from names to rules).
    pub(crate) fn because(&mut self, reason: Reason) {
        if let Some(slot) = self.reasons.iter_mut().find(|r| r.is_none()) {
            *slot = Some(reason);
        }
    }

    /// A deny because an id came from another policy.
    #[cold]
    pub(crate) fn foreign() -> Decision {
        let mut denied = Decision::deny();
        denied.because(Reason::ForeignId);
        denied
    }

    /// Whether any reason was recorded.
    pub(crate) fn has_reasons(&self) -> bool {
        self.reasons.iter().any(Option::is_some)
    }

    /// Allow or deny.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, Verdict};
    /// let policy = Policy::default_policy();
    /// assert_eq!(policy.ingest("eu-west", "ios", "events.eu1.segmentapis.com").verdict(), Verdict::Allow);
    /// assert_eq!(policy.ingest("eu-west", "ios", "api.segment.io").verdict(), Verdict::Deny);
    /// ```
    #[inline]
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// Whether the verdict is allow.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert!(policy.connect("us-west", "redshift", "52.25.130.38").is_allowed());
    /// assert!(!policy.connect("eu-west", "redshift", "52.25.130.38").is_allowed());
    /// ```
    #[inline]
    pub fn is_allowed(&self) -> bool {
        self.verdict == Verdict::Allow
    }

    /// The reasons, most fundamental first.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, Reason};
    /// let policy = Policy::default_policy();
    /// let d = policy.ingest("eu-west", "ios", "api.segment.io");
    /// let reasons: Vec<&Reason> = d.reasons().collect();
    /// assert_eq!(reasons.len(), 1);
    /// assert!(matches!(reasons[0], Reason::IngestionOutsideRegion { .. }));
    /// ```
    pub fn reasons(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().flatten()
    }

    /// The reasons' codes.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let d = policy.ingest("eu-central", "teleport", "api.segment.io");
    /// let codes: Vec<ReasonCode> = d.codes().collect();
    /// assert_eq!(codes, [ReasonCode::UnknownRegion, ReasonCode::UnknownSource]);
    /// ```
    pub fn codes(&self) -> impl Iterator<Item = ReasonCode> + '_ {
        self.reasons().map(Reason::code)
    }

    /// Whether one of the reasons has this code.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let d = policy.deliver("eu-west", "amplitude", Some("eu"));
    /// assert!(d.has_code(ReasonCode::EndpointInRegion));
    /// assert!(!d.has_code(ReasonCode::EndpointOutsideRegion));
    /// ```
    pub fn has_code(&self, code: ReasonCode) -> bool {
        self.codes().any(|c| c == code)
    }

    /// What was resolved.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Answer, Policy};
    /// let policy = Policy::default_policy();
    /// let d = policy.allowlist("eu-west", "redshift");
    /// assert_eq!(d.answer(), Answer::Cidrs { region: policy.region_id("eu-west") });
    /// assert_eq!(policy.failover("eu-west/dublin-a", "eu-west/dublin-b").answer(), Answer::None);
    /// ```
    pub fn answer(&self) -> Answer {
        self.answer
    }
}
