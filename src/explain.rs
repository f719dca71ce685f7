//! Explanations: a decision rendered for people and machines, every reason naming the
//! policy entry that decided.

use crate::decision::{Answer, Decision, Field, Reason, Verdict};
use crate::names::hint;
use crate::policy::Policy;
use crate::question::Question;
use serde::Serialize;

/// A decision as JSON shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// `allow` or `deny`.
    pub decision: Verdict,
    /// Why, most fundamental first.
    pub reasons: Vec<ExplainedReason>,
    /// `resolve`: the host to configure; `deliver`: the endpoint's host, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `resolve`: how (`regional-settings`, `host-parameter` or `managed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<String>,
    /// `resolve`: the ingestion region chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingestion: Option<String>,
    /// `deliver`: the endpoint the data goes through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// `deliver`: that endpoint's hosts, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_hosts: Option<Vec<String>>,
    /// `allowlist`: the CIDRs to open (empty when none is needed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidrs: Option<Vec<String>>,
}

/// One reason as JSON shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainedReason {
    /// The stable kebab-case code.
    pub code: String,
    /// A sentence naming the policy entry that decided.
    pub message: String,
}

impl Decision {
    /// Renders the decision for `question` (the question it answers) against `policy`.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, Question};
    /// let policy = Policy::default_policy();
    /// let q = Question::Allowlist { workspace: "eu-west".into(), warehouse: "redshift".into() };
    /// let e = policy.decide(&q).explain(&policy, &q);
    /// assert_eq!(e.cidrs, Some(vec!["3.251.148.96/29".to_string()]));
    /// assert_eq!(e.reasons[0].code, "allowlist-required");
    /// ```
    pub fn explain(&self, policy: &Policy, question: &Question) -> Explanation {
        let mut out = Explanation::bare(self.verdict());
        out.reasons = self
            .reasons()
            .map(|r| ExplainedReason {
                code: r.code().as_str().to_string(),
                message: message(policy, question, r),
            })
            .collect();
        match self.answer() {
            Answer::None => {}
            Answer::Host {
                ingestion,
                host,
                mechanism,
            } => {
                out.host = Some(policy.host_name(host).to_string());
                out.mechanism = Some(mechanism.to_string());
                out.ingestion = Some(policy.ingestion_name(ingestion).to_string());
            }
            Answer::Endpoint {
                destination,
                endpoint,
            } => {
                if let Some(e) = policy.endpoint(destination, endpoint) {
                    out.endpoint = Some(e.name.to_string());
                    // The endpoint's first host, where the policy knows one, is the host the
                    // data goes to.
                    out.host = e.hosts.first().map(|h| h.to_string());
                    out.endpoint_hosts = Some(e.hosts.iter().map(|h| h.to_string()).collect());
                }
            }
            Answer::Cidrs { region } => {
                out.cidrs = Some(match region {
                    Some(r) => policy.egress(r).iter().map(|n| n.to_string()).collect(),
                    None => Vec::new(),
                });
            }
        }
        out
    }
}

impl Explanation {
    /// A verdict with nothing else (no reasons, no answer).
    pub(crate) fn bare(decision: Verdict) -> Explanation {
        Explanation {
            decision,
            reasons: Vec::new(),
            host: None,
            mechanism: None,
            ingestion: None,
            endpoint: None,
            endpoint_hosts: None,
            cidrs: None,
        }
    }

    /// The explanation as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The explanation as pretty JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// The raw text of a field of the question.
fn field<'q>(question: &'q Question, name: &str) -> &'q str {
    let value = match (question, name) {
        (
            Question::Ingest { workspace, .. }
            | Question::Resolve { workspace, .. }
            | Question::Deliver { workspace, .. }
            | Question::Store { workspace, .. }
            | Question::Connect { workspace, .. }
            | Question::Allowlist { workspace, .. }
            | Question::RegionChange { workspace, .. },
            "workspace",
        ) => Some(workspace.as_str()),
        (Question::Ingest { source, .. } | Question::Resolve { source, .. }, "source") => {
            Some(source.as_str())
        }
        (Question::Ingest { host, .. }, "host") => Some(host.as_str()),
        (Question::Resolve { ingestion, .. }, "ingestion") => ingestion.as_deref(),
        (Question::Deliver { destination, .. }, "destination") => Some(destination.as_str()),
        (Question::Deliver { endpoint, .. }, "endpoint") => endpoint.as_deref(),
        (Question::Store { store, .. }, "store") => Some(store.as_str()),
        (Question::Store { cloud_region, .. }, "cloud_region") => Some(cloud_region.as_str()),
        (Question::Connect { warehouse, .. } | Question::Allowlist { warehouse, .. }, "warehouse") => {
            Some(warehouse.as_str())
        }
        (Question::Connect { ip, .. }, "ip") => Some(ip.as_str()),
        (Question::Failover { from, .. }, "from") => Some(from.as_str()),
        (Question::Failover { to, .. } | Question::RegionChange { to, .. }, "to") => Some(to.as_str()),
        _ => None,
    };
    value.unwrap_or("")
}

/// User input, quoted and shortened so a hostile megabyte never reaches a log line whole.
fn quoted(raw: &str) -> String {
    format!("`{}`", crate::text::excerpt(raw))
}

fn message(policy: &Policy, question: &Question, reason: &Reason) -> String {
    let region = |r| policy.region_name(r).to_string();
    match *reason {
        Reason::UnknownRegion(f) => {
            let raw = field(
                question,
                match f {
                    Field::To => "to",
                    _ => "workspace",
                },
            );
            let hint = hint(policy.region_names.nearest(raw));
            format!(
                "region {} is not in policy `{}`{hint}",
                quoted(raw),
                policy.name()
            )
        }
        Reason::UnknownSource => {
            let raw = field(question, "source");
            format!(
                "source {} is neither a source kind nor a catalog source{}",
                quoted(raw),
                hint(policy.source_names.nearest(raw))
            )
        }
        Reason::UnknownHost(why) => {
            let raw = field(question, "host");
            match why {
                Some(e) => format!("host {} is not a known ingestion host: {e}", quoted(raw)),
                None => format!("host {} is not an ingestion host of any region", quoted(raw)),
            }
        }
        Reason::MalformedHost(e) => format!("host {} is malformed: {e}", quoted(field(question, "host"))),
        Reason::UnknownDestination => {
            let raw = field(question, "destination");
            format!(
                "destination {} is not in the catalog{}",
                quoted(raw),
                hint(policy.destination_names.nearest(raw))
            )
        }
        Reason::UnknownEndpoint(d) => {
            let raw = field(question, "endpoint");
            let known = d
                .and_then(|d| policy.destinations.get(d.index()))
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
                quoted(raw),
                field(question, "destination")
            )
        }
        Reason::UnknownCloudRegion => {
            let raw = field(question, "cloud_region");
            format!(
                "cloud region {} is not in the catalogue{}",
                quoted(raw),
                hint(policy.cloud_names.nearest(raw))
            )
        }
        Reason::UnknownStore => {
            let raw = field(question, "store");
            format!(
                "store {} is not in the policy{}",
                quoted(raw),
                hint(policy.store_names.nearest(raw))
            )
        }
        Reason::UnknownWarehouse(store) => {
            let raw = field(question, "warehouse");
            match store {
                Some(s) => format!("store `{}` is not a warehouse", policy.store_name(s)),
                None => format!(
                    "warehouse {} is not in the policy{}",
                    quoted(raw),
                    hint(policy.store_names.nearest(raw))
                ),
            }
        }
        Reason::UnknownLocation(f) => {
            let raw = field(
                question,
                match f {
                    Field::To => "to",
                    _ => "from",
                },
            );
            format!(
                "failover location {} is not in the policy{}",
                quoted(raw),
                hint(policy.location_names.nearest(raw))
            )
        }
        Reason::UnknownIngestionRegion => format!(
            "ingestion region {} is offered by no region",
            quoted(field(question, "ingestion"))
        ),
        Reason::MalformedIp => format!("{} is not an IP address", quoted(field(question, "ip"))),
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
                .get(source.index())
                .and_then(|s| policy.kind(s.kind))
                .map_or("", |k| &*k.name);
            if kind_unsupported {
                format!(
                    "source kind `{kind}` is not in `regions[{}].source_kinds`",
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
        Reason::StoreOutsideRegion {
            store,
            cloud,
            region: r,
        } => {
            let field_name = match policy.stores.get(store.index()).map(|s| s.kind) {
                Some(crate::document::StoreKind::Archive) => "archive",
                _ => "customer_storage",
            };
            format!(
                "`{}` ({}) is outside `regions[{}].{field_name}` for store `{}`",
                policy.cloud_name(cloud),
                policy.clouds.get(cloud.index()).map_or("", |c| &*c.country),
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
            let owner = policy
                .parse_and_owner(field(question, "ip"))
                .map(|o| format!("; it is a loader of region `{o}`"))
                .unwrap_or_default();
            format!(
                "{} is not in `regions[{}].warehouse_egress` ({}){owner}",
                quoted(field(question, "ip")),
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
                .get(source.index())
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
            quoted(field(question, "ip")),
            region(r),
            cidr_list(policy, r)
        ),
        Reason::Allowlist {
            store,
            region: r,
            level,
        } => match level {
            crate::document::Allowlisting::NotNeeded => {
                format!("warehouse `{}` needs no allowlist", policy.store_name(store))
            }
            _ => format!(
                "warehouse `{}` allowlisting is {level}: open `regions[{}].warehouse_egress` ({})",
                policy.store_name(store),
                region(r),
                cidr_list(policy, r)
            ),
        },
        Reason::FailoverWithinIngestionRegion { from, to } => format!(
            "`{}` and `{}` are zones of the same ingestion region",
            policy.location_name(from),
            policy.location_name(to)
        ),
        Reason::FailoverListedTarget { from, to } => {
            let target = policy
                .locations
                .get(to.index())
                .map_or(String::new(), |l| policy.ingestion_path(l.ingestion));
            format!(
                "`{}` → `{}` is allowed only by the policy's explicit `failover_to: [{target}]`",
                policy.location_name(from),
                policy.location_name(to)
            )
        }
        Reason::RegionUnchanged(r) => format!("the workspace stays in `{}`", region(r)),
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

impl Policy {
    /// The region whose egress ranges hold this IP, if any (for messages).
    fn parse_and_owner(&self, raw: &str) -> Option<&str> {
        let ip = crate::ip::parse_ip(raw)?;
        self.regions
            .iter()
            .find(|r| r.egress.contains(ip))
            .map(|r| &*r.name)
    }
}
