//! Deciding: every question's rule, over the compiled tables. Nothing here parses YAML,
//! allocates or locks; every look-up is a hash probe, a table index or a binary search.

use crate::decision::{Answer, Decision, Field, Reason};
use crate::document::StoreKind;
use crate::host::normalize_host;
use crate::ip::parse_ip;
use crate::policy::*;
use crate::question::Question;

impl Policy {
    /// Answers any question.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, Question};
    /// let policy = Policy::default_policy();
    /// let q = Question::Failover { from: "eu-west/dublin-a".into(), to: "us-west/dublin-a".into() };
    /// let d = policy.decide(&q);
    /// assert!(!d.is_allowed());
    /// assert!(d.has_code(regionfence::ReasonCode::FailoverAcrossRegions));
    /// ```
    pub fn decide(&self, question: &Question) -> Decision {
        match question {
            Question::Ingest {
                workspace,
                source,
                host,
            } => self.ingest(workspace, source, host),
            Question::Resolve {
                workspace,
                source,
                ingestion,
            } => self.resolve(workspace, source, ingestion.as_deref()),
            Question::Deliver {
                workspace,
                destination,
                endpoint,
            } => self.deliver(workspace, destination, endpoint.as_deref()),
            Question::Store {
                workspace,
                store,
                cloud_region,
            } => self.store(workspace, store, cloud_region),
            Question::Connect {
                workspace,
                warehouse,
                ip,
            } => self.connect(workspace, warehouse, ip),
            Question::Allowlist { workspace, warehouse } => self.allowlist(workspace, warehouse),
            Question::Failover { from, to } => self.failover(from, to),
            Question::RegionChange { workspace, to } => self.region_change(workspace, to),
        }
    }

    /// A source by name: a source kind or a catalog slug.
    #[inline]
    pub fn source_id(&self, name: &str) -> Option<SourceId> {
        self.source_names.get(name).map(SourceId)
    }

    /// An ingestion host by its raw form (normalised first).
    #[inline]
    pub fn host_id(&self, raw: &str) -> Result<HostId, Reason> {
        match normalize_host(raw) {
            Ok(normal) => self
                .host_names
                .get(normal.as_str())
                .map(HostId)
                .ok_or(Reason::UnknownHost(None)),
            Err(e) if e.is_unknown_rather_than_malformed() => Err(Reason::UnknownHost(Some(e))),
            Err(e) => Err(Reason::MalformedHost(e)),
        }
    }

    /// May this source of this workspace send to this host?
    ///
    /// `host` is taken as a gateway sees it; see [`crate::normalize_host`].
    pub fn ingest(&self, workspace: &str, source: &str, host: &str) -> Decision {
        let mut denied = Decision::deny();
        let region = self.region_id(workspace);
        if region.is_none() {
            denied.because(Reason::UnknownRegion(Field::Workspace));
        }
        let source = self.source_id(source);
        if source.is_none() {
            denied.because(Reason::UnknownSource);
        }
        let host = self.host_id(host).map_err(|reason| denied.because(reason)).ok();
        match (region, source, host) {
            (Some(region), Some(source), Some(host)) => self.ingest_ids(region, source, host),
            // Something named was unknown or malformed: its reason is recorded above.
            _ => denied,
        }
    }

    /// [`Policy::ingest`] on ids already looked up: the gateway's hot path.
    pub fn ingest_ids(&self, region: RegionId, source: SourceId, host: HostId) -> Decision {
        let mut denied = Decision::deny();
        self.check_source(region, source, &mut denied);
        let owners = self.hosts.get(host.index()).map_or(&[][..], |h| &h.owners[..]);
        let own = owners
            .iter()
            .copied()
            .find(|&i| self.ingestion(i).is_some_and(|i| i.region == region));
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
                denied.because(Reason::UnknownHost(None));
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
    pub fn resolve(&self, workspace: &str, source: &str, ingestion: Option<&str>) -> Decision {
        let mut denied = Decision::deny();
        let Some(region_id) = self.region_id(workspace) else {
            denied.because(Reason::UnknownRegion(Field::Workspace));
            if self.source_id(source).is_none() {
                denied.because(Reason::UnknownSource);
            }
            return denied;
        };
        let Some(source) = self.source_id(source) else {
            denied.because(Reason::UnknownSource);
            return denied;
        };
        let Some(region) = self.region(region_id) else {
            return denied;
        };
        let chosen = match ingestion {
            None => Some(region.default_ingestion),
            Some(name) => match region.ingestion_names.binary_search_by(|(n, _)| (**n).cmp(name)) {
                Ok(i) => region.ingestion_names.get(i).map(|(_, id)| *id),
                Err(_) => {
                    match self.ingestion_anywhere(name) {
                        Some(other) => denied.because(Reason::IngestionOutsideRegion {
                            ingestion: other,
                            region: region_id,
                            host: None,
                        }),
                        None => denied.because(Reason::UnknownIngestionRegion),
                    }
                    None
                }
            },
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
                        denied.because(Reason::UnknownHost(None));
                        denied
                    }
                }
            }
            _ => denied,
        }
    }

    /// The first ingestion region of that name in any processing region (for the message
    /// "belongs to another region").
    fn ingestion_anywhere(&self, name: &str) -> Option<IngestionId> {
        self.regions.iter().find_map(|r| {
            r.ingestion_names
                .binary_search_by(|(n, _)| (**n).cmp(name))
                .ok()
                .and_then(|i| r.ingestion_names.get(i))
                .map(|(_, id)| *id)
        })
    }

    /// May this workspace's data be delivered to this destination, through this endpoint
    /// (or, without one, through its in-region endpoint)?
    pub fn deliver(&self, workspace: &str, destination: &str, endpoint: Option<&str>) -> Decision {
        let mut denied = Decision::deny();
        let region = self.region_id(workspace);
        if region.is_none() {
            denied.because(Reason::UnknownRegion(Field::Workspace));
        }
        let Some(destination) = self.destination_names.get(destination).map(DestinationId) else {
            denied.because(Reason::UnknownDestination);
            return denied;
        };
        let named = match endpoint {
            None => None,
            Some(raw) => match self.endpoint_of(destination, raw) {
                Some(e) => Some(e),
                None => {
                    denied.because(Reason::UnknownEndpoint(Some(destination)));
                    return denied;
                }
            },
        };
        let Some(region) = region else {
            return denied;
        };
        if !self.destination_regions.get(destination.index(), region.index()) {
            denied.because(Reason::DestinationUnavailableInRegion { destination, region });
            return denied;
        }
        let chosen = match named {
            Some(e) => Some(e),
            None => self
                .default_endpoints
                .get(destination.index() * self.regions.len() + region.index())
                .and_then(|&e| e.checked_sub(1)),
        };
        let inside = chosen.and_then(|e| {
            let jurisdiction = self.endpoint(destination, e)?.jurisdiction;
            self.region(region)?.delivery.has_group(jurisdiction).then_some(e)
        });
        match inside {
            Some(endpoint) => Decision::allow(
                Reason::EndpointInRegion {
                    destination,
                    endpoint,
                    region,
                },
                Answer::Endpoint {
                    destination,
                    endpoint,
                },
            ),
            None => {
                denied.because(Reason::EndpointOutsideRegion {
                    destination,
                    endpoint: named,
                    region,
                });
                denied
            }
        }
    }

    /// An endpoint of a destination by id, or by host in any form a gateway may see.
    fn endpoint_of(&self, destination: DestinationId, raw: &str) -> Option<u32> {
        let d = self.destinations.get(destination.index())?;
        let find = |name: &str| {
            d.endpoint_lookup
                .binary_search_by(|(n, _)| (**n).cmp(name))
                .ok()
                .and_then(|i| d.endpoint_lookup.get(i))
                .map(|(_, e)| *e)
        };
        find(raw).or_else(|| normalize_host(raw).ok().and_then(|h| find(h.as_str())))
    }

    /// May this workspace's data at rest live in this store in this cloud region?
    pub fn store(&self, workspace: &str, store: &str, cloud_region: &str) -> Decision {
        let mut denied = Decision::deny();
        let region = self.region_id(workspace);
        if region.is_none() {
            denied.because(Reason::UnknownRegion(Field::Workspace));
        }
        let store_id = self.store_names.get(store).map(StoreId);
        if store_id.is_none() {
            denied.because(Reason::UnknownStore);
        }
        let cloud = self.cloud_names.get(cloud_region).map(CloudId);
        if cloud.is_none() {
            denied.because(Reason::UnknownCloudRegion);
        }
        let (Some(region_id), Some(store), Some(cloud)) = (region, store_id, cloud) else {
            return denied;
        };
        let (Some(region), Some(entry), Some(place)) = (
            self.region(region_id),
            self.stores.get(store.index()),
            self.clouds.get(cloud.index()),
        ) else {
            return denied;
        };
        if !entry
            .providers
            .get(place.provider as usize)
            .copied()
            .unwrap_or(false)
        {
            denied.because(Reason::StoreProviderMismatch { store, cloud });
        }
        let places = match entry.kind {
            StoreKind::Archive => &region.archive,
            StoreKind::DataLake | StoreKind::Warehouse => &region.storage,
        };
        if !places.has_cloud(cloud) {
            denied.because(Reason::StoreOutsideRegion {
                store,
                cloud,
                region: region_id,
            });
        }
        if denied.has_reasons() {
            denied
        } else {
            Decision::allow(
                Reason::StoreInRegion {
                    store,
                    cloud,
                    region: region_id,
                },
                Answer::None,
            )
        }
    }

    /// A warehouse by name; a store that is not a warehouse is reported as such.
    fn warehouse(&self, name: &str, denied: &mut Decision) -> Option<StoreId> {
        match self.store_names.get(name).map(StoreId) {
            Some(id)
                if self
                    .stores
                    .get(id.index())
                    .is_some_and(|s| s.kind == StoreKind::Warehouse) =>
            {
                Some(id)
            }
            other => {
                denied.because(Reason::UnknownWarehouse(other));
                None
            }
        }
    }

    /// May a warehouse firewall accept this IP as the workspace region's loader?
    pub fn connect(&self, workspace: &str, warehouse: &str, ip: &str) -> Decision {
        let mut denied = Decision::deny();
        let region = self.region_id(workspace);
        if region.is_none() {
            denied.because(Reason::UnknownRegion(Field::Workspace));
        }
        let store = self.warehouse(warehouse, &mut denied);
        let address = parse_ip(ip);
        if address.is_none() {
            denied.because(Reason::MalformedIp);
        }
        let (Some(region), Some(_), Some(address)) = (region, store, address) else {
            return denied;
        };
        if self.region(region).is_some_and(|r| r.egress.contains(address)) {
            Decision::allow(Reason::IpAllowlisted { region }, Answer::None)
        } else {
            denied.because(Reason::IpNotAllowlisted { region });
            denied
        }
    }

    /// Which CIDRs must the customer open for this warehouse?
    pub fn allowlist(&self, workspace: &str, warehouse: &str) -> Decision {
        let mut denied = Decision::deny();
        let region = self.region_id(workspace);
        if region.is_none() {
            denied.because(Reason::UnknownRegion(Field::Workspace));
        }
        let store = self.warehouse(warehouse, &mut denied);
        let (Some(region), Some(store)) = (region, store) else {
            return denied;
        };
        let level = self
            .stores
            .get(store.index())
            .and_then(|s| s.allowlist)
            .unwrap_or(crate::document::Allowlisting::Required);
        let ranges_known = self.region(region).is_some_and(|r| !r.egress.is_empty());
        match level {
            crate::document::Allowlisting::NotNeeded => Decision::allow(
                Reason::Allowlist { store, region, level },
                Answer::Cidrs { region: None },
            ),
            _ if ranges_known => Decision::allow(
                Reason::Allowlist { store, region, level },
                Answer::Cidrs { region: Some(region) },
            ),
            _ => {
                denied.because(Reason::AllowlistUnknown { store, region });
                denied
            }
        }
    }

    /// A failover location by name.
    #[inline]
    pub fn location_id(&self, name: &str) -> Option<LocationId> {
        self.location_names.get(name).map(LocationId)
    }

    /// Is `to` a valid failover target for `from`?
    pub fn failover(&self, from: &str, to: &str) -> Decision {
        let mut denied = Decision::deny();
        let from_id = self.location_id(from);
        if from_id.is_none() {
            denied.because(Reason::UnknownLocation(Field::From));
        }
        let to_id = self.location_id(to);
        if to_id.is_none() {
            denied.because(Reason::UnknownLocation(Field::To));
        }
        match (from_id, to_id) {
            (Some(from), Some(to)) => self.failover_ids(from, to),
            _ => denied,
        }
    }

    /// [`Policy::failover`] on ids.
    pub fn failover_ids(&self, from: LocationId, to: LocationId) -> Decision {
        let mut denied = Decision::deny();
        let owner = |l: LocationId| {
            self.locations
                .get(l.index())
                .and_then(|l| Some((l.ingestion, self.ingestion(l.ingestion)?)))
        };
        let (Some((from_ing, from_entry)), Some((to_ing, to_entry))) = (owner(from), owner(to)) else {
            denied.because(Reason::UnknownLocation(Field::From));
            return denied;
        };
        // The combining rule, most specific first.
        match () {
            // A location is not its own failover.
            _ if from == to => denied.because(Reason::FailoverSameLocation(from)),
            // The one normal case: another zone of the same ingestion region.
            _ if from_ing == to_ing => {
                return Decision::allow(Reason::FailoverWithinIngestionRegion { from, to }, Answer::None)
            }
            // An explicit, named loosening in the policy; the audit checks it.
            _ if from_entry.failover_to.contains(&to_ing) => {
                return Decision::allow(Reason::FailoverListedTarget { from, to }, Answer::None)
            }
            // Never across processing regions.
            _ if from_entry.region != to_entry.region => {
                denied.because(Reason::FailoverAcrossRegions { from, to })
            }
            // Within a region, never across ingestion regions either.
            _ => denied.because(Reason::FailoverAcrossIngestionRegions { from, to }),
        }
        denied
    }

    /// May the workspace move to another region? Never: only staying put is allowed.
    pub fn region_change(&self, workspace: &str, to: &str) -> Decision {
        let mut denied = Decision::deny();
        let from = self.region_id(workspace);
        if from.is_none() {
            denied.because(Reason::UnknownRegion(Field::Workspace));
        }
        let target = self.region_id(to);
        if target.is_none() {
            denied.because(Reason::UnknownRegion(Field::To));
        }
        match (from, target) {
            (Some(from), Some(to)) if from == to => {
                Decision::allow(Reason::RegionUnchanged(from), Answer::None)
            }
            (Some(from), Some(to)) => {
                denied.because(Reason::RegionImmutable { from, to });
                denied
            }
            _ => denied,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::decision::ReasonCode::{self, *};
    use crate::Policy;
    use std::sync::OnceLock;

    fn policy() -> &'static Policy {
        static POLICY: OnceLock<Policy> = OnceLock::new();
        POLICY.get_or_init(Policy::default_policy)
    }

    macro_rules! allowed {
        ($method:ident($($arg:expr),*)) => {{
            let d = policy().$method($($arg),*);
            assert!(d.is_allowed(), "{}({:?}) denied: {:?}", stringify!($method), ($($arg),*), d);
        }};
    }
    macro_rules! denied {
        ($method:ident($($arg:expr),*) => $code:expr) => {{
            let d = policy().$method($($arg),*);
            assert!(!d.is_allowed(), "{}({:?}) allowed", stringify!($method), ($($arg),*));
            let code: ReasonCode = $code;
            assert!(d.has_code(code), "{}({:?}): {:?} lacks {code}", stringify!($method), ($($arg),*), d);
        }};
    }

    #[test]
    fn ingest() {
        allowed!(ingest("us-west", "javascript", "api.segment.io"));
        allowed!(ingest("us-west", "ios", "in.eu2.segmentapis.com"));
        allowed!(ingest("us-west", "android", "in.ap1.segmentapis.com"));
        allowed!(ingest("us-west", "react-native", "in.au1.segmentapis.com"));
        allowed!(ingest("us-west", "salesforce", "api.segment.io"));
        allowed!(ingest(
            "eu-west",
            "server",
            "https://events.eu1.segmentapis.com/v1/"
        ));
        allowed!(ingest("eu-west", "node-js", "EVENTS.EU1.SEGMENTAPIS.COM."));
        allowed!(ingest("eu-west", "project", "events.eu1.segmentapis.com:443"));
        denied!(ingest("eu-west", "javascript", "api.segment.io") => IngestionOutsideRegion);
        denied!(ingest("eu-west", "javascript", "in.eu2.segmentapis.com") => IngestionOutsideRegion);
        denied!(ingest("us-west", "javascript", "events.eu1.segmentapis.com") => IngestionOutsideRegion);
        denied!(ingest("eu-west", "cloud-event", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion);
        denied!(ingest("eu-west", "cloud-object", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion);
        denied!(ingest("eu-west", "salesforce", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion);
        denied!(ingest("eu-west", "swift-ios", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion);
        denied!(ingest("EU-West", "javascript", "events.eu1.segmentapis.com") => UnknownRegion);
        denied!(ingest("eu-west", "cobol", "events.eu1.segmentapis.com") => UnknownSource);
        denied!(ingest("eu-west", "javascript", "events.eu1.segmentapis.com.evil.example") => UnknownHost);
        denied!(ingest("eu-west", "javascript", "3.251.148.97") => UnknownHost);
        denied!(ingest("eu-west", "javascript", "events.eu1.segmentapis.com:8443") => UnknownHost);
        denied!(ingest("eu-west", "javascript", "user@events.eu1.segmentapis.com") => MalformedHost);
        denied!(ingest("eu-west", "javascript", "*.segmentapis.com") => MalformedHost);
        denied!(ingest("eu-west", "javascript", "") => MalformedHost);
    }

    #[test]
    fn every_unknown_name_is_reported_at_once() {
        let d = policy().ingest("mars", "cobol", "user@x");
        let codes: Vec<_> = d.codes().collect();
        assert_eq!(codes, [UnknownRegion, UnknownSource, MalformedHost]);
    }

    #[test]
    fn resolve() {
        allowed!(resolve("eu-west", "javascript", None::<&str>));
        allowed!(resolve("us-west", "server", Some("dublin")));
        denied!(resolve("eu-west", "javascript", Some("singapore")) => IngestionOutsideRegion);
        denied!(resolve("eu-west", "javascript", Some("atlantis")) => UnknownIngestionRegion);
        denied!(resolve("eu-west", "cloud-event", None::<&str>) => SourceUnsupportedInRegion);
        denied!(resolve("nowhere", "javascript", None::<&str>) => UnknownRegion);
    }

    #[test]
    fn deliver() {
        allowed!(deliver("eu-west", "amplitude", None::<&str>));
        allowed!(deliver("eu-west", "amplitude", Some("eu")));
        allowed!(deliver(
            "eu-west",
            "mixpanel",
            Some("https://API-EU.mixpanel.com/track")
        ));
        allowed!(deliver("us-west", "amplitude", Some("eu")));
        allowed!(deliver("us-west", "google-analytics", None::<&str>));
        denied!(deliver("eu-west", "amplitude", Some("us")) => EndpointOutsideRegion);
        denied!(deliver("eu-west", "amplitude", Some("api2.amplitude.com")) => EndpointOutsideRegion);
        denied!(deliver("eu-west", "google-analytics", None::<&str>) => EndpointOutsideRegion);
        denied!(deliver("eu-west", "amplitude", Some("api.eu.amplitude.com.evil.example")) => UnknownEndpoint);
        denied!(deliver("eu-west", "no-such-destination", None::<&str>) => UnknownDestination);
    }

    #[test]
    fn store() {
        allowed!(store("eu-west", "archive", "aws:eu-west-1"));
        allowed!(store("eu-west", "redshift", "aws:eu-central-1"));
        allowed!(store("eu-west", "bigquery", "gcp:europe-west3"));
        allowed!(store("eu-west", "azuresqldw", "azure:westeurope"));
        allowed!(store("us-west", "snowflake", "aws:ap-southeast-2"));
        denied!(store("eu-west", "archive", "aws:us-west-2") => StoreOutsideRegion);
        denied!(store("eu-west", "archive", "aws:eu-central-1") => StoreOutsideRegion);
        denied!(store("eu-west", "redshift", "aws:eu-west-2") => StoreOutsideRegion);
        denied!(store("eu-west", "bigquery", "gcp:europe-west6") => StoreOutsideRegion);
        denied!(store("eu-west", "redshift", "gcp:europe-west3") => StoreProviderMismatch);
        denied!(store("eu-west", "redshift", "aws:mars-1") => UnknownCloudRegion);
        denied!(store("eu-west", "lake", "aws:eu-west-1") => UnknownStore);
    }

    #[test]
    fn connect_and_allowlist() {
        allowed!(connect("eu-west", "redshift", "3.251.148.96"));
        allowed!(connect("eu-west", "postgres", "3.251.148.103"));
        allowed!(connect("eu-west", "postgres", "::ffff:3.251.148.100"));
        allowed!(connect("us-west", "redshift", "52.25.130.38"));
        denied!(connect("eu-west", "redshift", "3.251.148.104") => IpNotAllowlisted);
        denied!(connect("eu-west", "redshift", "52.25.130.38") => IpNotAllowlisted);
        denied!(connect("eu-west", "redshift", "03.251.148.96") => MalformedIp);
        denied!(connect("eu-west", "archive", "3.251.148.96") => UnknownWarehouse);
        allowed!(allowlist("eu-west", "redshift"));
        allowed!(allowlist("eu-west", "bigquery"));
        denied!(allowlist("eu-west", "data-lake") => UnknownWarehouse);
    }

    #[test]
    fn failover_and_region_change() {
        allowed!(failover("eu-west/dublin-a", "eu-west/dublin-c"));
        allowed!(failover("us-west/oregon-d", "us-west/oregon-a"));
        denied!(failover("eu-west/dublin-a", "us-west/dublin-a") => FailoverAcrossRegions);
        denied!(failover("us-west/oregon-a", "us-west/dublin-a") => FailoverAcrossIngestionRegions);
        denied!(failover("eu-west/dublin-a", "eu-west/dublin-a") => FailoverSameLocation);
        denied!(failover("eu-west/dublin-d", "eu-west/dublin-a") => UnknownLocation);
        allowed!(region_change("eu-west", "eu-west"));
        denied!(region_change("eu-west", "us-west") => RegionImmutable);
        denied!(region_change("us-west", "eu-west") => RegionImmutable);
        denied!(region_change("us-west", "mars") => UnknownRegion);
    }
}
