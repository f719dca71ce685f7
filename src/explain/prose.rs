//! The prose of an explanation: one sentence per reason, naming the policy entry that
//! decided and quoting (escaped, bounded) the question's text it is about.

use super::Hints;
use crate::decision::Reason;
use crate::names::hint;
use crate::policy::Policy;
use crate::question::{Field, Question};

/// The raw text of a field of the question; empty when the question has no such field.
fn text(question: &Question, field: Field) -> &str {
    question.field(field).unwrap_or("")
}

/// User input, quoted and shortened so a hostile megabyte never reaches a log line whole.
fn quoted(raw: &str) -> String {
    format!("`{}`", crate::text::excerpt(raw))
}

/// Whether [`message`] searches the policy's names for a "did you mean" hint for `reason`:
/// it names a region, source, destination, cloud region, store, warehouse or failover
/// location the policy does not know.
pub(super) fn searches_for_hint(reason: &Reason) -> bool {
    matches!(
        reason,
        Reason::UnknownRegion(_)
            | Reason::UnknownSource(_)
            | Reason::UnknownDestination(_)
            | Reason::UnknownCloudRegion(_)
            | Reason::UnknownStore(_)
            | Reason::UnknownWarehouse { store: None, .. }
            | Reason::UnknownLocation(_)
    )
}

pub(super) fn message(policy: &Policy, question: &Question, reason: &Reason, hints: Hints) -> String {
    // The nearest of `names` to `raw`, as a hint, when hints are searched for.
    let hint = |names: &crate::names::NameMap, raw: &str| match hints {
        Hints::Search => hint(names.nearest(raw)),
        Hints::Skip => String::new(),
    };
    // Whether hints are searched for (by the searches of their own that take display names).
    let searching = matches!(hints, Hints::Search);
    let region = |r| policy.region_name(r).to_string();
    match *reason {
        Reason::UnknownRegion(f) => {
            let raw = text(question, f);
            let hint = hint(policy.regions.names(), raw);
            format!(
                "region {} is not in policy `{}`{hint}",
                quoted(raw),
                policy.name()
            )
        }
        Reason::UnknownSource(f) => {
            let raw = text(question, f);
            format!(
                "source {} is neither a source kind nor a catalog source{}",
                quoted(raw),
                crate::names::hint(if searching { policy.source_hint(raw) } else { None })
            )
        }
        Reason::UnknownHost { field, error } => {
            let raw = text(question, field);
            match error {
                Some(e) => format!("host {} is not a known ingestion host: {e}", quoted(raw)),
                None => format!("host {} is not an ingestion host of any region", quoted(raw)),
            }
        }
        Reason::MalformedHost { field, error } => {
            format!("host {} is malformed: {error}", quoted(text(question, field)))
        }
        Reason::UnknownDestination(f) => {
            let raw = text(question, f);
            format!(
                "destination {} is not in the catalog{}",
                quoted(raw),
                crate::names::hint(if searching { policy.destination_hint(raw) } else { None })
            )
        }
        Reason::UnknownEndpoint { field, destination } => {
            let known = destination
                .and_then(|d| policy.destinations.get(d))
                .map(|d| {
                    crate::text::list(
                        d.endpoint_lookup
                            .iter()
                            .chain(d.endpoint_hosts.iter())
                            .map(|(n, _)| format!("`{n}`")),
                    )
                })
                .unwrap_or_default();
            format!(
                "endpoint {} is not an endpoint of destination `{}` (known: {known})",
                quoted(text(question, field)),
                text(question, Field::Destination)
            )
        }
        Reason::UnknownCloudRegion(f) => {
            let raw = text(question, f);
            format!(
                "cloud region {} is not in the catalogue{}",
                quoted(raw),
                hint(policy.clouds.names(), raw)
            )
        }
        Reason::UnknownStore(f) => {
            let raw = text(question, f);
            format!(
                "store {} is not in the policy{}",
                quoted(raw),
                hint(policy.stores.names(), raw)
            )
        }
        Reason::UnknownWarehouse { field, store } => match store {
            Some(s) => format!("store `{}` is not a warehouse", policy.store_name(s)),
            None => {
                let raw = text(question, field);
                format!(
                    "warehouse {} is not in the policy{}",
                    quoted(raw),
                    hint(policy.stores.names(), raw)
                )
            }
        },
        Reason::UnknownLocation(f) => {
            let raw = text(question, f);
            format!(
                "failover location {} is not in the policy{}",
                quoted(raw),
                hint(policy.locations.names(), raw)
            )
        }
        Reason::UnknownIngestionRegion(f) => format!(
            "ingestion region {} is offered by no region",
            quoted(text(question, f))
        ),
        Reason::MalformedIp(f) => format!("{} is not an IP address", quoted(text(question, f))),
        Reason::ForeignId => "an id in the question was issued by another policy; ids are looked up again \
             for each policy loaded"
            .to_string(),
        Reason::SourceUnsupportedInRegion {
            source,
            region: r,
            kind_unsupported,
        } => {
            let kind = policy
                .sources
                .get(source)
                .and_then(|s| policy.kind(s.kind))
                .map_or("", |k| &*k.name);
            if kind_unsupported {
                format!(
                    "source kind `{kind}` is not in `regions[{}].source_kinds`",
                    region(r)
                )
            } else if policy.kind_of_source(source).is_some() {
                // A bare kind its region lists catalog-only: only named catalog sources will do.
                let named = policy.catalog_sources_in(source, r, 3);
                let examples = if named.is_empty() {
                    "none lists it".to_string()
                } else {
                    format!(
                        "name one, such as {}",
                        named
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                format!(
                    "source kind `{kind}` is in `regions[{}].catalog_only_kinds`: only its catalog sources that list the region are supported there; {examples}",
                    region(r)
                )
            } else {
                format!(
                    "catalog source `{}` does not list `{}` in its regions",
                    policy.source_name(source),
                    region(r)
                )
            }
        }
        Reason::IngestionOutsideRegion {
            ingestion,
            region: r,
            host,
        } => {
            let owner = policy.ingestion_path(ingestion);
            match host {
                Some(h) => format!(
                    "host `{}` belongs to ingestion region `{owner}`, not to workspace region `{}`",
                    policy.host_name(h),
                    region(r)
                ),
                None => format!(
                    "ingestion region `{owner}` is not offered by region `{}`",
                    region(r)
                ),
            }
        }
        Reason::DestinationUnavailableInRegion {
            destination,
            region: r,
        } => format!(
            "destination `{}` does not list region `{}`",
            policy.destination_name(destination),
            region(r)
        ),
        Reason::EndpointOutsideRegion {
            destination,
            endpoint,
            region: r,
        } => match endpoint.and_then(|e| policy.endpoint(destination, e)) {
            Some(e) => format!(
                "endpoint `{}` of destination `{}` lies in `{}`, outside `regions[{}].deliver_to`",
                e.name,
                policy.destination_name(destination),
                policy.group_name(e.jurisdiction),
                region(r)
            ),
            None => format!(
                "destination `{}` has no endpoint inside `regions[{}].deliver_to`",
                policy.destination_name(destination),
                region(r)
            ),
        },
        Reason::StoreNotOffered { store, region: r } => format!(
            "store `{}` is not offered to region `{}`: `stores[{}].regions` does not list it",
            policy.store_name(store),
            region(r),
            policy.store_name(store)
        ),
        Reason::StoreOutsideRegion {
            store,
            cloud,
            region: r,
        } => {
            let field_name = policy
                .stores
                .get(store)
                .map_or("customer_storage", |s| crate::policy::PlaceList::of(s.kind).field());
            format!(
                "`{}` ({}) is outside `regions[{}].{field_name}` for store `{}`",
                policy.cloud_name(cloud),
                policy.clouds.get(cloud).map_or("", |c| &*c.country),
                region(r),
                policy.store_name(store)
            )
        }
        Reason::StoreProviderMismatch { store, cloud } => format!(
            "store `{}` does not run on the provider of `{}`",
            policy.store_name(store),
            policy.cloud_name(cloud)
        ),
        Reason::IpNotAllowlisted { region: r } => {
            let owner = crate::ip::parse_ip(text(question, Field::Ip))
                .and_then(|ip| policy.egress_owner(ip))
                .map(|o| format!("; it is a loader of region `{}`", region(o)))
                .unwrap_or_default();
            format!(
                "{} is not in `regions[{}].warehouse_egress` ({}){owner}",
                quoted(text(question, Field::Ip)),
                region(r),
                cidr_list(policy, r)
            )
        }
        Reason::AllowlistUnknown { store, region: r } => format!(
            "warehouse `{}` needs an allowlist, and `regions[{}].warehouse_egress` is empty",
            policy.store_name(store),
            region(r)
        ),
        Reason::FailoverAcrossRegions { from, to } => format!(
            "`{}` and `{}` belong to different processing regions; failover never crosses regions",
            policy.location_name(from),
            policy.location_name(to)
        ),
        Reason::FailoverAcrossIngestionRegions { from, to } => format!(
            "`{}` and `{}` belong to different ingestion regions",
            policy.location_name(from),
            policy.location_name(to)
        ),
        Reason::FailoverSameLocation(l) => {
            format!("`{}` is the location failing over", policy.location_name(l))
        }
        Reason::RegionImmutable { from, to } => format!(
            "a workspace's region never changes (`{}` → `{}`): create a workspace in `{}` instead",
            region(from),
            region(to),
            region(to)
        ),
        Reason::HostInRegion { ingestion, host } => format!(
            "host `{}` is listed under `regions[{}].ingestion[{}].hosts`",
            policy.host_name(host),
            policy
                .ingestion(ingestion)
                .map_or(String::new(), |i| region(i.region)),
            policy.ingestion_name(ingestion)
        ),
        Reason::HostResolved { ingestion, source } => {
            let mechanism = policy
                .sources
                .get(source)
                .and_then(|s| policy.kind(s.kind))
                .map_or(String::new(), |k| k.mechanism.to_string());
            format!(
                "source `{}` uses ingestion region `{}` through {mechanism}",
                policy.source_name(source),
                policy.ingestion_path(ingestion)
            )
        }
        Reason::EndpointInRegion {
            destination,
            endpoint,
            region: r,
        } => {
            let e = policy.endpoint(destination, endpoint);
            format!(
                "endpoint `{}` of destination `{}` lies in `{}`, inside `regions[{}].deliver_to`",
                e.map_or("", |e| &*e.name),
                policy.destination_name(destination),
                e.map_or("", |e| policy.group_name(e.jurisdiction)),
                region(r)
            )
        }
        Reason::StoreInRegion {
            store,
            cloud,
            region: r,
        } => format!(
            "`{}` is inside the places region `{}` may keep store `{}` in",
            policy.cloud_name(cloud),
            region(r),
            policy.store_name(store)
        ),
        Reason::IpAllowlisted { region: r } => format!(
            "{} is in `regions[{}].warehouse_egress` ({})",
            quoted(text(question, Field::Ip)),
            region(r),
            cidr_list(policy, r)
        ),
        Reason::AllowlistRequired { store, region: r } => format!(
            "warehouse `{}` allowlisting is required: open `regions[{}].warehouse_egress` ({})",
            policy.store_name(store),
            region(r),
            cidr_list(policy, r)
        ),
        Reason::AllowlistRecommended { store, region: r } => format!(
            "warehouse `{}` allowlisting is recommended: open `regions[{}].warehouse_egress` ({})",
            policy.store_name(store),
            region(r),
            cidr_list(policy, r)
        ),
        Reason::AllowlistNotNeeded { store, .. } => {
            format!("warehouse `{}` needs no allowlist", policy.store_name(store))
        }
        Reason::FailoverWithinIngestionRegion { from, to } => format!(
            "`{}` and `{}` are zones of the same ingestion region",
            policy.location_name(from),
            policy.location_name(to)
        ),
        Reason::FailoverListedTarget { from, to } => {
            let target = policy
                .location_owner(to)
                .map_or(String::new(), |(ingestion, _)| policy.ingestion_path(ingestion));
            format!(
                "`{}` → `{}` is allowed only by the policy's explicit `failover_to: [{target}]`",
                policy.location_name(from),
                policy.location_name(to)
            )
        }
        Reason::RegionUnchanged(r) => format!("the workspace stays in `{}`", region(r)),
        Reason::Exempted { exemption } => match policy.exemptions.get(exemption) {
            Some(e) => format!(
                "allowed despite that rule by exemption `{}` of region `{}`, owned by `{}`, until {} inclusive: {}",
                e.name,
                region(e.region),
                crate::text::excerpt(&e.owner),
                e.expires,
                crate::text::bounded(&e.justification, 256)
            ),
            None => "allowed by an exemption".to_string(),
        },
    }
}

fn cidr_list(policy: &Policy, region: crate::policy::RegionId) -> String {
    let nets = policy.egress(region);
    if nets.is_empty() {
        "none".to_string()
    } else {
        crate::text::list(nets.iter())
    }
}
