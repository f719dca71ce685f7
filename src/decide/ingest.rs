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
        self.source_names.get(name).map(SourceId)
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
        let name = crate::host::strip_around(raw).map_err(classify)?;
        // Fast path: the name exactly as written is a listed host, so it is a valid,
        // lower-case host name already (the loader checked every listed host).
        if let Some(id) = self.host_names.get(name) {
            return Ok(HostId(id));
        }
        let normal = crate::host::check_name(name).map_err(classify)?;
        self.host_names
            .get(normal.as_str())
            .map(HostId)
            .ok_or(Reason::UnknownHost {
                field: Field::Host,
                error: None,
            })
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
        let mut denied = Decision::deny();
        let region = self.workspace_region(workspace, &mut denied);
        let source = self.source_id(source);
        if source.is_none() {
            denied.because(Reason::UnknownSource(Field::Source));
        }
        let host = self.host_id(host).map_err(|reason| denied.because(reason)).ok();
        match (region, source, host) {
            (Some(region), Some(source), Some(host)) => self.ingest_ids(region, source, host),
            // Something named was unknown or malformed: its reason is recorded above.
            _ => denied,
        }
    }

    /// [`Policy::ingest`] on ids already looked up: the gateway's hot path. Ids are valid only
    /// for the policy that issued them; look them up again after loading another policy.
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
    /// ```
    pub fn ingest_ids(&self, region: RegionId, source: SourceId, host: HostId) -> Decision {
        let mut denied = Decision::deny();
        self.check_source(region, source, &mut denied);
        let owners = self.hosts.get(host.index()).map_or(&[][..], |h| &h.owners[..]);
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
    fn check_source(&self, region: RegionId, source: SourceId, denied: &mut Decision) {
        let kind = self.sources.get(source.index()).map(|s| s.kind);
        let kind_ok = kind.is_some_and(|k| {
            self.region(region)
                .is_some_and(|r| r.kinds.get(k.index()).copied().unwrap_or(false))
        });
        let entry_ok = self.source_regions.get(source.index(), region.index());
        if !kind_ok || !entry_ok {
            denied.because(Reason::SourceUnsupportedInRegion {
                source,
                region,
                kind_unsupported: !kind_ok,
            });
        }
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
            Some(name) => match self.ingestion_names.get(name) {
                Some(id) => Some(IngestionId(id)),
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
        self.check_source(region_id, source, &mut denied);
        match chosen {
            Some(ingestion) if !denied.has_reasons() => {
                let host = self.ingestion(ingestion).and_then(|i| i.hosts.first().copied());
                let mechanism = self
                    .sources
                    .get(source.index())
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
