//! `ingest` and `resolve`: which hosts a source of a region may send to, and which it is
//! configured with.

use crate::decision::{Answer, Decision, Reason};
use crate::policy::*;
use crate::question::Field;

impl Policy {
    /// A source by name: a source kind or a catalog slug.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert!(policy.source_id("ios").is_some());
    /// assert!(policy.source_id("node-js").is_some());
    /// assert_eq!(policy.source_id("teleport"), None);
    /// ```
    #[inline]
    pub fn source_id(&self, name: &str) -> Option<SourceId> {
        self.sources.by_name(name)
    }

    /// An ingestion host by its raw form (normalised first).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let eu = policy.host_id("events.eu1.segmentapis.com").unwrap();
    /// assert_eq!(policy.host_id("HTTPS://Events.EU1.SegmentAPIs.com:443/v1/"), Ok(eu));
    /// assert_ne!(policy.host_id("api.segment.io"), Ok(eu));
    /// assert_eq!(policy.host_id("collector.example.com").unwrap_err().code(), ReasonCode::UnknownHost);
    /// assert_eq!(policy.host_id("user@api.segment.io").unwrap_err().code(), ReasonCode::MalformedHost);
    /// ```
    #[inline]
    pub fn host_id(&self, raw: &str) -> Result<HostId, Reason> {
        let classify = |e: crate::host::HostError| {
            if e.is_unknown_rather_than_malformed() {
                Reason::UnknownHost {
                    field: Field::Host,
                    error: Some(e),
                }
            } else {
                Reason::MalformedHost {
                    field: Field::Host,
                    error: e,
                }
            }
        };
        if let Some(id) = self.listed_host(raw.as_bytes()) {
            return Ok(id);
        }
        let name = crate::host::strip_around(raw).map_err(classify)?;
        let normal = crate::host::check_name(name).map_err(classify)?;
        self.hosts.by_name(normal.as_str()).ok_or(Reason::UnknownHost {
            field: Field::Host,
            error: None,
        })
    }

    /// The listed host a raw host names, when it is written in one of the usual ways:
    /// bare, or after `http://` or `https://`, in any case, then optionally one trailing dot,
    /// a default port, and a path, query or fragment. `None` sends the raw host through the
    /// full normalisation, which decides everything this does not.
    ///
    /// Every listed host is a bare lower-case name (the loader checks it), so a candidate
    /// that matches one case-insensitively is a valid name, and what stands around it is all
    /// checked here; the delimiter scan stops past the longest listed host.
    #[inline]
    pub(super) fn listed_host(&self, raw: &[u8]) -> Option<HostId> {
        if raw.len() > crate::limits::MAX_HOST_INPUT_BYTES {
            return None;
        }
        let (rest, https, http) = crate::host::known_scheme(raw);
        if let Some(id) = self.hosts.by_folded_name(rest) {
            return Some(id);
        }
        // A listed name, then at most one dot, then a delimiter or the end.
        let limit = self.hosts.max_name_len() + 2;
        let end = match crate::host::first_delimiter(rest, limit) {
            Some(end) => end,
            None if rest.len() <= limit => rest.len(),
            None => return None,
        };
        let candidate = rest.get(..end)?;
        let name = candidate.strip_suffix(b".").unwrap_or(candidate);
        let tail = rest.get(name.len()..)?;
        if !crate::host::plain_tail(tail, https, http) {
            return None;
        }
        self.hosts.by_folded_name(name)
    }

    /// May this source of this workspace send to this host?
    ///
    /// `host` is taken as a gateway sees it; see [`crate::normalize_host`].
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// assert!(policy.ingest("eu-west", "ios", "events.eu1.segmentapis.com").is_allowed());
    /// assert!(policy.ingest("us-west", "ios", "api.segment.io").is_allowed());
    /// let d = policy.ingest("eu-west", "ios", "api.segment.io");
    /// assert!(d.has_code(ReasonCode::IngestionOutsideRegion));
    /// ```
    pub fn ingest(&self, workspace: &str, source: &str, host: &str) -> Decision {
        let region = self.region_id(workspace);
        let source = self.source_id(source);
        let host = self.host_id(host);
        match (region, source, host) {
            (Some(region), Some(source), Ok(host)) => self.ingest_own(region, source, host),
            (region, source, host) => {
                // Something named was unknown or malformed: why, field by field.
                let mut denied = Decision::deny();
                if region.is_none() {
                    denied.because(Reason::UnknownRegion(Field::Workspace));
                }
                if source.is_none() {
                    denied.because(Reason::UnknownSource(Field::Source));
                }
                if let Err(reason) = host {
                    denied.because(reason);
                }
                denied
            }
        }
    }

    /// [`Policy::ingest`] on ids already looked up: the gateway's hot path. An id issued by
    /// another policy (one kept across a reload, say) is denied as `foreign-id`.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let eu = policy.region_id("eu-west").unwrap();
    /// let ios = policy.source_id("ios").unwrap();
    /// let host = policy.host_id("events.eu1.segmentapis.com").unwrap();
    /// assert_eq!(policy.ingest_ids(eu, ios, host), policy.ingest("eu-west", "ios", "events.eu1.segmentapis.com"));
    /// let us_host = policy.host_id("api.segment.io").unwrap();
    /// assert!(policy.ingest_ids(eu, ios, us_host).has_code(ReasonCode::IngestionOutsideRegion));
    /// let reloaded = Policy::default_policy();
    /// assert!(reloaded.ingest_ids(eu, ios, host).has_code(ReasonCode::ForeignId));
    /// ```
    #[inline]
    pub fn ingest_ids(&self, region: RegionId, source: SourceId, host: HostId) -> Decision {
        if !self.issued([region.1, source.1, host.1]) {
            return Decision::foreign();
        }
        self.ingest_own(region, source, host)
    }

    /// [`Policy::ingest_ids`] on ids this policy issued: the rule ([`Policy::ingest_rule`])
    /// over the host's first owner, the rest past it.
    #[inline]
    pub(crate) fn ingest_own(&self, region: RegionId, source: SourceId, host: HostId) -> Decision {
        // Two loads: the host's first owner, kept with it, is the owner the full look-up
        // finds when it is of the region; any other host goes to the rest, which reads them
        // all. So whatever this allows, the rule allows the same way.
        let support = self.support.get(source, region);
        match Self::ingest_rule(support, || self.host_first_owner_in(host, region)) {
            Some(ingestion) => Decision::allow(Reason::HostInRegion { ingestion, host }, Answer::None),
            None => self.ingest_rest(region.0, source.0, host.0),
        }
    }

    /// [`Policy::ingest_own`] past its allowed case: the source unsupported, or the host
    /// another region's first (or only), read with all the host's owners. It takes the
    /// positions of ids this policy issued and makes them again with its identity: three
    /// words to hand over rather than six, so the allowed path calls it without saving
    /// registers of its own.
    #[inline(never)]
    fn ingest_rest(&self, region: u32, source: u32, host: u32) -> Decision {
        let (region, source, host) = (
            RegionId(region, self.identity),
            SourceId(source, self.identity),
            HostId(host, self.identity),
        );
        let support = self.support.get(source, region);
        let listing = self.host_ingestion(host, region);
        if let Some(ingestion) = Self::ingest_rule(support, || listing) {
            return Decision::allow(Reason::HostInRegion { ingestion, host }, Answer::None);
        }
        let mut denied = Decision::deny();
        Self::check_source(support, region, source, &mut denied);
        if listing.is_none() {
            // Name the ingestion region that does list the host: its first owner.
            match self.hosts.get(host).and_then(|h| h.owners.first()) {
                Some(&other) => denied.because(Reason::IngestionOutsideRegion {
                    ingestion: other,
                    region,
                    host: Some(host),
                }),
                // INVARIANT: every interned host has at least one owner; fail closed regardless.
                None => denied.because(Reason::UnknownHost {
                    field: Field::Host,
                    error: None,
                }),
            }
        }
        denied
    }

    /// The ingest rule, the one statement of it: a source may send to a host when the source
    /// may be used in the workspace's region (`support`) and one of the region's ingestion
    /// regions lists the host (`listing`, asked only then): through that ingestion region.
    /// Both paths of `ingest` read it.
    #[inline]
    pub(crate) fn ingest_rule(
        support: Support,
        listing: impl FnOnce() -> Option<IngestionId>,
    ) -> Option<IngestionId> {
        match support {
            Support::Supported => listing(),
            Support::EntryUnsupported | Support::KindUnsupported => None,
        }
    }

    /// Whether `source` may be used in `region`: its kind supported there and, for a catalog
    /// source, the source listing the region (for a kind named bare, the region not taking
    /// the kind through catalog sources only).
    #[inline]
    pub(crate) fn source_supported(&self, source: SourceId, region: RegionId) -> bool {
        self.support.get(source, region) == Support::Supported
    }

    /// The ingestion region of `region` that lists `host`, if one does.
    #[inline]
    pub(crate) fn host_ingestion(&self, host: HostId, region: RegionId) -> Option<IngestionId> {
        self.host_first_owner_in(host, region)
            .or_else(|| self.host_ingestion_searched(host, region))
    }

    /// The host's first owner, kept with it, when that is an ingestion region of `region`:
    /// the usual case of [`Policy::host_ingestion`] in one load (owners are sorted by region,
    /// so it is the one the search would find).
    #[inline]
    fn host_first_owner_in(&self, host: HostId, region: RegionId) -> Option<IngestionId> {
        match self.hosts.get(host)?.home {
            Some((home, ingestion)) if home == region => Some(ingestion),
            _ => None,
        }
    }

    /// [`Policy::host_ingestion`] past its usual case: a host several regions list (which the
    /// audit lints), or none of this region's.
    #[inline]
    fn host_ingestion_searched(&self, host: HostId, region: RegionId) -> Option<IngestionId> {
        let owners = self.hosts.get(host).map_or(&[][..], |h| &h.owners[..]);
        // INVARIANT: owners are in ingestion order, and ingestion ids are given region by
        // region, so owners are sorted by region: the region's own owner is a binary search away.
        let region_of = |i: &IngestionId| self.ingestion(*i).map_or(u32::MAX, |i| i.region.0);
        let first_at_or_after = owners.partition_point(|i| region_of(i) < region.0);
        owners
            .get(first_at_or_after)
            .copied()
            .filter(|i| region_of(i) == region.0)
    }

    /// Records why a source of `support` may not be used in `region`, if it may not.
    #[inline]
    fn check_source(support: Support, region: RegionId, source: SourceId, denied: &mut Decision) {
        let kind_unsupported = match support {
            Support::Supported => return,
            Support::EntryUnsupported => false,
            Support::KindUnsupported => true,
        };
        denied.because(Reason::SourceUnsupportedInRegion {
            source,
            region,
            kind_unsupported,
        });
    }

    /// Which host must this source be configured with, and how?
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{document::Mechanism, Answer, Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let d = policy.resolve("eu-west", "node-js", None);
    /// let Answer::Host { host, mechanism, .. } = d.answer() else { panic!("no host") };
    /// assert_eq!(Ok(host), policy.host_id("events.eu1.segmentapis.com"));
    /// assert_eq!(mechanism, Mechanism::HostParameter);
    /// let d = policy.resolve("eu-west", "node-js", Some("oregon"));
    /// assert!(d.has_code(ReasonCode::IngestionOutsideRegion));
    /// ```
    pub fn resolve(&self, workspace: &str, source: &str, ingestion: Option<&str>) -> Decision {
        let mut denied = Decision::deny();
        let region_id = self.workspace_region(workspace, &mut denied);
        let source = self.source_id(source);
        if source.is_none() {
            denied.because(Reason::UnknownSource(Field::Source));
        }
        // An ingestion region some region offers, if one was named.
        let named = match ingestion {
            None => None,
            Some(name) => match self.ingestions.by_name(name) {
                Some(id) => Some(id),
                None => {
                    denied.because(Reason::UnknownIngestionRegion(Field::Ingestion));
                    return denied;
                }
            },
        };
        let (Some(region_id), Some(source), Some(region)) =
            (region_id, source, region_id.and_then(|r| self.region(r)))
        else {
            return denied;
        };
        // The name is looked up among the region's own first (names are unique within a
        // region only); past them, the first of that name anywhere, which the rule refuses.
        let asked = match (ingestion, named) {
            (Some(name), Some(other)) => {
                Some(crate::names::find_sorted(&region.ingestion_names, name).unwrap_or(other))
            }
            _ => None,
        };
        self.resolve_own(region_id, source, asked)
    }

    /// [`Policy::resolve`] on ids already looked up: `ingestion` is the ingestion region
    /// asked for (see [`Policy::ingestion_id`]), `None` for the region's default.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let eu = policy.region_id("eu-west").unwrap();
    /// let us = policy.region_id("us-west").unwrap();
    /// let node = policy.source_id("node-js").unwrap();
    /// assert_eq!(policy.resolve_ids(eu, node, None), policy.resolve("eu-west", "node-js", None));
    /// let oregon = policy.ingestion_id(us, "oregon").unwrap();
    /// assert!(policy.resolve_ids(eu, node, Some(oregon)).has_code(ReasonCode::IngestionOutsideRegion));
    /// assert!(policy.resolve_ids(us, node, Some(oregon)).is_allowed());
    /// ```
    #[inline]
    pub fn resolve_ids(
        &self,
        region: RegionId,
        source: SourceId,
        ingestion: Option<IngestionId>,
    ) -> Decision {
        let named = ingestion.map_or(region.1, |i| i.1);
        if !self.issued([region.1, source.1, named]) {
            return Decision::foreign();
        }
        self.resolve_own(region, source, ingestion)
    }

    /// [`Policy::resolve_ids`] on ids this policy issued: the rule ([`Policy::resolve_rule`])
    /// for the usual question, the region's default ingestion region; the rest past it.
    #[inline]
    fn resolve_own(&self, region: RegionId, source: SourceId, ingestion: Option<IngestionId>) -> Decision {
        if ingestion.is_none() {
            let support = self.support.get(source, region);
            if let Some((ingestion, host)) = Self::resolve_rule(support, || self.resolution(region, None)) {
                if let Some(decision) = self.resolved(source, ingestion, host) {
                    return decision;
                }
            }
        }
        self.resolve_rest(region.0, source.0, ingestion.map(|i| i.0))
    }

    /// [`Policy::resolve_own`] past its allowed case: the rule's outcome as reasons. It takes
    /// the positions of ids this policy issued and makes them again with its identity (see
    /// `ingest_rest`).
    #[inline(never)]
    fn resolve_rest(&self, region: u32, source: u32, ingestion: Option<u32>) -> Decision {
        let (region, source) = (RegionId(region, self.identity), SourceId(source, self.identity));
        let ingestion = ingestion.map(|i| IngestionId(i, self.identity));
        let support = self.support.get(source, region);
        let resolution = self.resolution(region, ingestion);
        if let Some((ingestion, host)) = Self::resolve_rule(support, || resolution) {
            if let Some(decision) = self.resolved(source, ingestion, host) {
                return decision;
            }
        }
        let mut denied = Decision::deny();
        if let Resolution::Outside(ingestion) = resolution {
            denied.because(Reason::IngestionOutsideRegion {
                ingestion,
                region,
                host: None,
            });
        }
        Self::check_source(support, region, source, &mut denied);
        if !denied.has_reasons() {
            // INVARIANT: ingestion regions have hosts and sources have kinds.
            denied.because(Reason::UnknownHost {
                field: Field::Host,
                error: None,
            });
        }
        denied
    }

    /// The resolve rule, the one statement of it: a source that may be used in the
    /// workspace's region (`support`) is configured with the host of the ingestion region
    /// `resolution` settles on (asked only then), if that is one of the region's. Both
    /// paths of `resolve` read it.
    #[inline]
    pub(crate) fn resolve_rule(
        support: Support,
        resolution: impl FnOnce() -> Resolution,
    ) -> Option<(IngestionId, HostId)> {
        match support {
            Support::Supported => match resolution() {
                Resolution::Host(ingestion, host) => Some((ingestion, host)),
                Resolution::Outside(_) | Resolution::NoHost => None,
            },
            Support::EntryUnsupported | Support::KindUnsupported => None,
        }
    }

    /// The ingestion region `resolve` settles on for `region`, and its host: the one asked
    /// for if it is one of the region's, else (none asked) the region's default, with its
    /// first host.
    #[inline]
    pub(crate) fn resolution(&self, region: RegionId, ingestion: Option<IngestionId>) -> Resolution {
        match ingestion {
            // The default ingestion region's first host, kept with the region.
            None => match self.region(region) {
                Some(r) => r.default_host.map_or(Resolution::NoHost, |host| {
                    Resolution::Host(r.default_ingestion, host)
                }),
                None => Resolution::NoHost,
            },
            Some(i) => match self.ingestion(i) {
                Some(entry) if entry.region == region => entry
                    .hosts
                    .first()
                    .map_or(Resolution::NoHost, |&host| Resolution::Host(i, host)),
                _ => Resolution::Outside(i),
            },
        }
    }

    /// The decision of a resolve the rule allows; `None` for a source without a mechanism
    /// (which cannot be compiled).
    #[inline]
    fn resolved(&self, source: SourceId, ingestion: IngestionId, host: HostId) -> Option<Decision> {
        let mechanism = self.sources.get(source)?.mechanism;
        Some(Decision::allow(
            Reason::HostResolved { ingestion, source },
            Answer::Host {
                ingestion,
                host,
                mechanism,
            },
        ))
    }
}

/// The ingestion region `resolve` settles on, and its host ([`Policy::resolution`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// One of the region's ingestion regions, with its first host.
    Host(IngestionId, HostId),
    /// The ingestion region asked for is another region's.
    Outside(IngestionId),
    /// None to hand out (an ingestion region without hosts cannot be compiled).
    NoHost,
}
