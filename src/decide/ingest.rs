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

    /// [`Policy::ingest_ids`] on ids this policy issued.
    #[inline]
    pub(crate) fn ingest_own(&self, region: RegionId, source: SourceId, host: HostId) -> Decision {
        // The allowed case in two loads: the source is supported in the region, and the
        // host's first owner is of the region (owners are sorted by region, so it is the one
        // the search in `ingest_rest` finds).
        if self.support.get(source, region) == Support::Supported {
            if let Some((home, ingestion)) = self.hosts.get(host).and_then(|h| h.home) {
                if home == region {
                    return Decision::allow(Reason::HostInRegion { ingestion, host }, Answer::None);
                }
            }
        }
        self.ingest_rest(region.0, source.0, host.0)
    }

    /// [`Policy::ingest_own`] past its allowed case: the source unsupported, or the host
    /// another region's first (or only). It takes the positions of ids this policy issued
    /// and makes them again with its identity: three words to hand over rather than six,
    /// so the allowed path calls it without saving registers of its own.
    #[inline(never)]
    fn ingest_rest(&self, region: u32, source: u32, host: u32) -> Decision {
        let (region, source, host) = (
            RegionId(region, self.identity),
            SourceId(source, self.identity),
            HostId(host, self.identity),
        );
        let mut denied = Decision::deny();
        self.check_source(region, source, &mut denied);
        let owners = self.hosts.get(host).map_or(&[][..], |h| &h.owners[..]);
        // INVARIANT: owners are in ingestion order, and ingestion ids are given region by
        // region, so owners are sorted by region: the region's own owner is a binary search away.
        let region_of = |i: &IngestionId| self.ingestion(*i).map_or(u32::MAX, |i| i.region.0);
        let first_at_or_after = owners.partition_point(|i| region_of(i) < region.0);
        let own = owners
            .get(first_at_or_after)
            .copied()
            .filter(|i| region_of(i) == region.0);
        match (own, owners.first()) {
            (Some(ingestion), _) if !denied.has_reasons() => {
                Decision::allow(Reason::HostInRegion { ingestion, host }, Answer::None)
            }
            // The host is this region's, but the source is not supported: reason recorded.
            (Some(_), _) => denied,
            (None, Some(&other)) => {
                denied.because(Reason::IngestionOutsideRegion {
                    ingestion: other,
                    region,
                    host: Some(host),
                });
                denied
            }
            // INVARIANT: every interned host has at least one owner; fail closed regardless.
            (None, None) => {
                denied.because(Reason::UnknownHost {
                    field: Field::Host,
                    error: None,
                });
                denied
            }
        }
    }

    /// Records why `source` may not be used in `region`, if it may not.
    #[inline]
    fn check_source(&self, region: RegionId, source: SourceId, denied: &mut Decision) {
        let kind_unsupported = match self.support.get(source, region) {
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
        let chosen = match (ingestion, named) {
            (Some(name), Some(other)) => {
                let own = crate::names::find_sorted(&region.ingestion_names, name);
                if own.is_none() {
                    denied.because(Reason::IngestionOutsideRegion {
                        ingestion: other,
                        region: region_id,
                        host: None,
                    });
                }
                own
            }
            _ => Some(region.default_ingestion),
        };
        self.resolve_chosen(region_id, source, chosen, denied)
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
        // The allowed case of the default ingestion region, from what compilation kept for it.
        if ingestion.is_none() && self.support.get(source, region) == Support::Supported {
            if let (Some(r), Some(s)) = (self.regions.get(region), self.sources.get(source)) {
                if let Some(host) = r.default_host {
                    let ingestion = r.default_ingestion;
                    return Decision::allow(
                        Reason::HostResolved { ingestion, source },
                        Answer::Host {
                            ingestion,
                            host,
                            mechanism: s.mechanism,
                        },
                    );
                }
            }
        }
        self.resolve_ids_rest(region.0, source.0, ingestion.map(|i| i.0))
    }

    /// [`Policy::resolve_ids`] past its allowed case of the default ingestion region. It takes the positions of ids this policy issued and makes them again with its
    /// identity (see `ingest_rest`).
    #[inline(never)]
    fn resolve_ids_rest(&self, region: u32, source: u32, ingestion: Option<u32>) -> Decision {
        let (region, source) = (RegionId(region, self.identity), SourceId(source, self.identity));
        let ingestion = ingestion.map(|i| IngestionId(i, self.identity));
        let mut denied = Decision::deny();
        let chosen = match ingestion {
            Some(i) if self.ingestion(i).is_some_and(|e| e.region == region) => Some(i),
            Some(i) => {
                denied.because(Reason::IngestionOutsideRegion {
                    ingestion: i,
                    region,
                    host: None,
                });
                None
            }
            None => self.region(region).map(|r| r.default_ingestion),
        };
        self.resolve_chosen(region, source, chosen, denied)
    }

    /// The rest of `resolve` once the ingestion region is chosen (or refused, in `denied`).
    fn resolve_chosen(
        &self,
        region_id: RegionId,
        source: SourceId,
        chosen: Option<IngestionId>,
        mut denied: Decision,
    ) -> Decision {
        self.check_source(region_id, source, &mut denied);
        match chosen {
            Some(ingestion) if !denied.has_reasons() => {
                let host = self.ingestion(ingestion).and_then(|i| i.hosts.first().copied());
                let mechanism = self
                    .sources
                    .get(source)
                    .and_then(|s| self.kind(s.kind))
                    .map(|k| k.mechanism);
                match (host, mechanism) {
                    (Some(host), Some(mechanism)) => Decision::allow(
                        Reason::HostResolved { ingestion, source },
                        Answer::Host {
                            ingestion,
                            host,
                            mechanism,
                        },
                    ),
                    // INVARIANT: ingestion regions have hosts and sources have kinds.
                    _ => {
                        denied.because(Reason::UnknownHost {
                            field: Field::Host,
                            error: None,
                        });
                        denied
                    }
                }
            }
            _ => denied,
        }
    }
}
