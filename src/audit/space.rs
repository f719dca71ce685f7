//! The finite question space of a compiled policy: its own names and values, hostile
//! variants of each, and a few unknowns.

use crate::policy::Policy;
use crate::question::Question;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A name no policy defines (ids cannot contain upper case).
const UNKNOWN: &str = "No-Such-Name";

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

/// Every question the audit asks of `policy`.
pub fn space(policy: &Policy) -> Vec<Question> {
    let doc = policy.document();
    let mut regions: Vec<String> = doc.regions.iter().map(|r| r.id.clone()).collect();
    if let Some(first) = regions.first() {
        regions.push(first.to_ascii_uppercase());
    }
    regions.push(UNKNOWN.to_string());

    let mut sources: Vec<String> = doc.source_kinds.iter().map(|k| k.id.clone()).collect();
    sources.extend(doc.sources.iter().map(|s| s.id.clone()));
    sources.push(UNKNOWN.to_string());

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

    let mut ingestions: Vec<Option<String>> = vec![None];
    for r in &doc.regions {
        for i in &r.ingestion {
            if !ingestions.contains(&Some(i.id.clone())) {
                ingestions.push(Some(i.id.clone()));
            }
        }
    }
    ingestions.push(Some(UNKNOWN.to_string()));

    let mut out = Vec::new();
    for workspace in &regions {
        for source in &sources {
            for host in &hosts {
                out.push(Question::Ingest {
                    workspace: workspace.clone(),
                    source: source.clone(),
                    host: host.clone(),
                });
            }
            for ingestion in &ingestions {
                out.push(Question::Resolve {
                    workspace: workspace.clone(),
                    source: source.clone(),
                    ingestion: ingestion.clone(),
                });
            }
        }
        let mut destinations: Vec<(String, Vec<Option<String>>)> = doc
            .destinations
            .iter()
            .map(|d| {
                let mut endpoints: Vec<Option<String>> = vec![None];
                for e in &d.endpoints {
                    endpoints.push(Some(e.id.clone()));
                    for h in &e.hosts {
                        endpoints.push(Some(h.clone()));
                        endpoints.push(Some(format!("https://{}/v1", h.to_ascii_uppercase())));
                        endpoints.push(Some(format!("{h}.evil.example")));
                    }
                }
                endpoints.push(Some(UNKNOWN.to_string()));
                (d.id.clone(), endpoints)
            })
            .collect();
        destinations.push((UNKNOWN.to_string(), vec![None]));
        for (destination, endpoints) in &destinations {
            for endpoint in endpoints {
                out.push(Question::Deliver {
                    workspace: workspace.clone(),
                    destination: destination.clone(),
                    endpoint: endpoint.clone(),
                });
            }
        }
        let mut stores: Vec<String> = doc.stores.iter().map(|s| s.id.clone()).collect();
        stores.push(UNKNOWN.to_string());
        let mut clouds: Vec<String> = doc.cloud_regions.iter().map(|c| c.id.clone()).collect();
        clouds.push(UNKNOWN.to_string());
        clouds.push("aws:EU-WEST-1".to_string());
        for store in &stores {
            for cloud_region in &clouds {
                out.push(Question::Store {
                    workspace: workspace.clone(),
                    store: store.clone(),
                    cloud_region: cloud_region.clone(),
                });
            }
            out.push(Question::Allowlist {
                workspace: workspace.clone(),
                warehouse: store.clone(),
            });
        }
        let mut ips: Vec<String> = HOSTILE_IPS.iter().map(|s| s.to_string()).collect();
        for r in &doc.regions {
            for cidr in &r.warehouse_egress {
                if let Ok(net) = cidr.parse::<IpNet>() {
                    ips.extend(boundary_addresses(&net));
                }
            }
        }
        ips.sort();
        ips.dedup();
        for warehouse in &stores {
            for ip in &ips {
                out.push(Question::Connect {
                    workspace: workspace.clone(),
                    warehouse: warehouse.clone(),
                    ip: ip.clone(),
                });
            }
        }
        for to in &regions {
            out.push(Question::RegionChange {
                workspace: workspace.clone(),
                to: to.clone(),
            });
        }
    }

    let mut locations: Vec<String> = Vec::new();
    for r in &doc.regions {
        for i in &r.ingestion {
            for z in &i.zones {
                locations.push(i.location(&r.id, z));
            }
        }
    }
    if let Some(first) = locations.first() {
        locations.push(first.to_ascii_uppercase());
    }
    locations.push(UNKNOWN.to_string());
    for from in &locations {
        for to in &locations {
            out.push(Question::Failover {
                from: from.clone(),
                to: to.clone(),
            });
        }
    }
    out
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
        let space = space(&policy);
        for ask in [
            "ingest",
            "resolve",
            "deliver",
            "store",
            "connect",
            "allowlist",
            "failover",
            "region-change",
        ] {
            assert!(space.iter().any(|q| q.ask() == ask), "{ask}");
        }
    }
}
