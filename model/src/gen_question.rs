//! Random questions about a policy, well-formed and hostile: the policy's own names and
//! look-alikes of them, hosts dressed the way gateways and attackers dress them, IPs at the
//! edges of the policy's CIDRs and in v4-mapped forms, and names the policy never heard of.

use crate::choices::{pseudo_random_bytes, Choices};
use regionfence::document::Document;
use regionfence::host_variants::HOST_SPELLINGS;
use regionfence::Question;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A look-alike of `name`: the same letters with a difference a lookup must not forgive.
fn lookalike(t: &mut Choices<'_>, name: &str) -> String {
    match t.below(14) {
        0 => name.to_uppercase(),
        1 => {
            let mut c = name.chars();
            c.next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        }
        2 => format!("{name} "),
        3 => format!(" {name}"),
        4 => format!("{name}."),
        5 => format!("{name}-2"),
        6 => name
            .chars()
            .take(name.chars().count().saturating_sub(1))
            .collect(),
        7 => name.replace('-', "_"),
        8 => name.replacen('e', "\u{435}", 1), // Cyrillic е
        9 => format!("{name}\0"),
        10 => name.replacen('i', "\u{131}", 1),  // dotless ı
        11 => format!("{name}\u{200b}"),         // zero-width space
        12 => name.replacen('-', "\u{2010}", 1), // Unicode hyphen
        _ => String::new(),
    }
}

/// One of `names` as is (mostly), a look-alike of one, or something else entirely.
fn name(t: &mut Choices<'_>, names: &[String], strangers: &[String]) -> String {
    match t.below(10) {
        0..=5 if !names.is_empty() => t.pick(names).cloned().unwrap_or_default(),
        6 | 7 if !names.is_empty() => {
            let n = t.pick(names).cloned().unwrap_or_default();
            lookalike(t, &n)
        }
        8 if !strangers.is_empty() => t.pick(strangers).cloned().unwrap_or_default(),
        _ => t
            .pick(&["mars", "", "default", "any", "*", "../eu-west", "eu-west/", "EU"])
            .map_or_else(String::new, |s| s.to_string()),
    }
}

struct Names {
    regions: Vec<String>,
    sources: Vec<String>,
    ingestions: Vec<String>,
    hosts: Vec<String>,
    destinations: Vec<String>,
    stores: Vec<String>,
    warehouses: Vec<String>,
    clouds: Vec<String>,
    groups: Vec<String>,
    locations: Vec<String>,
    cidrs: Vec<ipnet::IpNet>,
}

fn names(doc: &Document) -> Names {
    let ingestions = doc.regions.iter().flat_map(|r| r.ingestion.iter());
    Names {
        regions: doc.regions.iter().map(|r| r.id.clone()).collect(),
        sources: doc
            .source_kinds
            .iter()
            .map(|k| k.id.clone())
            .chain(doc.sources.iter().map(|s| s.id.clone()))
            .collect(),
        ingestions: ingestions.clone().map(|i| i.id.clone()).collect(),
        hosts: ingestions
            .clone()
            .flat_map(|i| i.hosts.iter().cloned())
            .chain(
                doc.destinations
                    .iter()
                    .flat_map(|d| d.endpoints.iter().flat_map(|e| e.hosts.iter().cloned())),
            )
            .collect(),
        destinations: doc.destinations.iter().map(|d| d.id.clone()).collect(),
        stores: doc.stores.iter().map(|s| s.id.clone()).collect(),
        warehouses: doc
            .stores
            .iter()
            .filter(|s| s.kind == regionfence::document::StoreKind::Warehouse)
            .map(|s| s.id.clone())
            .collect(),
        clouds: doc.cloud_regions.iter().map(|c| c.id.clone()).collect(),
        groups: doc.groups.iter().map(|g| g.id.clone()).collect(),
        locations: doc
            .regions
            .iter()
            .flat_map(|r| {
                r.ingestion
                    .iter()
                    .flat_map(move |i| i.zones.iter().map(move |z| format!("{}/{}-{z}", r.id, i.id)))
            })
            .collect(),
        cidrs: doc
            .regions
            .iter()
            .flat_map(|r| r.warehouse_egress.iter().filter_map(|c| c.parse().ok()))
            .chain(
                doc.exemptions
                    .iter()
                    .filter_map(|e| e.cidr.as_deref()?.parse().ok()),
            )
            .collect(),
    }
}

/// A host as a gateway (or an attacker) may present it: a known host (or a stranger)
/// with up to three disguises from `regionfence::host_variants`, one over another.
pub fn hostile_host(t: &mut Choices<'_>, hosts: &[String]) -> String {
    const STRANGERS: &[&str] = &[
        "evil.example",
        "1.2.3.4",
        "3.251.148.97",
        "::1",
        "[::1]",
        "[::ffff:10.0.0.1]",
        "localhost",
        "0x7f.1",
        "2130706433",
        "",
        ".",
        "..",
        "a..b",
        "-a.b",
        "a-.b",
        "*.segment.io",
        "%65vents.eu1.segmentapis.com",
        "fe80::1%eth0",
        "[fe80::1]",
        "[garbage]",
        "host.0x1f",
        "unlisted.example",
        "segment.io",
    ];
    let mut host = if t.percent(80) && !hosts.is_empty() {
        t.pick(hosts).cloned().unwrap_or_default()
    } else {
        t.pick(STRANGERS).map_or_else(String::new, |s| s.to_string())
    };
    let disguises = t.below(4);
    for _ in 0..disguises {
        if let Some(spelling) = t.pick(HOST_SPELLINGS) {
            host = spelling.spell(&host);
        }
    }
    host
}

/// A host of the policy dressed the way a well-behaved gateway may carry it.
fn dressed_host(t: &mut Choices<'_>, hosts: &[String]) -> String {
    let mut host = t.pick(hosts).cloned().unwrap_or_default();
    if t.percent(30) {
        host = host.to_uppercase();
    }
    if t.percent(20) {
        host.push('.');
    }
    let port = t.percent(20);
    host = match t.below(4) {
        1 => format!("https://{host}{}", if port { ":443" } else { "" }),
        2 => format!("http://{host}{}", if port { ":80" } else { "" }),
        3 if port => format!("{host}:443"),
        _ => host,
    };
    match t.below(4) {
        1 => format!("{host}/v1/batch"),
        2 => format!("{host}?x=1"),
        _ => host,
    }
}

fn v4_edges(net: &ipnet::Ipv4Net) -> Vec<Ipv4Addr> {
    let lo = u32::from(net.network());
    let hi = u32::from(net.broadcast());
    vec![
        Ipv4Addr::from(lo),
        Ipv4Addr::from(hi),
        Ipv4Addr::from(lo.wrapping_sub(1)),
        Ipv4Addr::from(hi.wrapping_add(1)),
        Ipv4Addr::from(lo + (hi - lo) / 2),
    ]
}

fn v6_edges(net: &ipnet::Ipv6Net) -> Vec<Ipv6Addr> {
    let lo = u128::from(net.network());
    let hi = u128::from(net.broadcast());
    vec![
        Ipv6Addr::from(lo),
        Ipv6Addr::from(hi),
        Ipv6Addr::from(lo.wrapping_sub(1)),
        Ipv6Addr::from(hi.wrapping_add(1)),
        Ipv6Addr::from(lo + (hi - lo) / 2),
    ]
}

/// An IP string: an edge of one of the policy's CIDRs (or a stranger) in some spelling.
pub fn hostile_ip(t: &mut Choices<'_>, cidrs: &[ipnet::IpNet]) -> String {
    let ip: IpAddr = match t.pick(cidrs) {
        Some(ipnet::IpNet::V4(n)) if t.percent(85) => IpAddr::V4(*t.pick(&v4_edges(n)).unwrap()),
        Some(ipnet::IpNet::V6(n)) if t.percent(85) => IpAddr::V6(*t.pick(&v6_edges(n)).unwrap()),
        _ if t.percent(30) => Ipv4Addr::new(t.byte(), t.byte(), t.byte(), t.byte()).into(),
        _ => t
            .pick(&[
                "3.251.148.97",
                "52.25.130.38",
                "0.0.0.0",
                "255.255.255.255",
                "::",
                "::1",
                "10.0.0.1",
            ])
            .unwrap()
            .parse()
            .unwrap(),
    };
    let plain = ip.to_string();
    match (ip, t.below(16)) {
        (_, 0..=5) => plain,
        (IpAddr::V4(v4), 6) => v4.to_ipv6_mapped().to_string(),
        (IpAddr::V4(v4), 7) => {
            let [a, b, c, d] = v4.octets();
            format!("::FFFF:{:x}{:02x}:{:x}{:02x}", a, b, c, d)
        }
        (IpAddr::V4(v4), 8) => format!("::{v4}"),
        (IpAddr::V4(v4), 9) => {
            let [a, b, c, d] = v4.octets();
            format!("{a:03}.{b}.{c}.{d}")
        }
        (IpAddr::V4(v4), 10) => format!("0:0:0:0:0:ffff:{v4}"),
        (IpAddr::V6(v6), 6..=10) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6
                .segments()
                .iter()
                .map(|s| format!("{s:04X}"))
                .collect::<Vec<_>>()
                .join(":"),
        },
        (_, 11) => format!("[{plain}]"),
        (_, 12) => format!("{plain}%eth0"),
        (_, 13) => format!(" {plain}"),
        (_, 14) => format!("{plain}/32"),
        (IpAddr::V4(v4), 15) if t.percent(50) => format!("0x{:08x}", u32::from(v4)),
        _ => t
            .pick(&[
                "",
                "1.2.3",
                "1.2.3.4.5",
                "256.1.1.1",
                "0x1.2.3.4",
                "1.2.3.4:80",
                "localhost",
                "１.2.3.4",
            ])
            .unwrap()
            .to_string(),
    }
}

fn places_list(places: &Option<regionfence::document::PlacesDoc>) -> Option<&Vec<String>> {
    match places {
        Some(regionfence::document::PlacesDoc::List(list)) => Some(list),
        _ => None,
    }
}

/// `count` questions about `doc`, each read off its own pseudo-random choices: for a policy
/// that comes as text, with no choices of its own to read.
pub fn questions(doc: &Document, count: usize) -> Vec<Question> {
    (0..count)
        .map(|i| question(&mut Choices::new(&pseudo_random_bytes(i as u64, 64)), doc))
        .collect()
}

/// A question about `doc`, read off `t`: about half are well-formed (the policy's own
/// names, hosts dressed as gateways dress them, IPs of the workspace's own ranges), the rest
/// hostile.
pub fn question(t: &mut Choices<'_>, doc: &Document) -> Question {
    let n = names(doc);
    let everything: Vec<String> = [
        &n.regions,
        &n.sources,
        &n.ingestions,
        &n.stores,
        &n.clouds,
        &n.groups,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    let hostile = t.percent(50);
    let pick = |t: &mut Choices<'_>, names: &[String], strangers: &[String]| {
        if hostile || names.is_empty() {
            name(t, names, strangers)
        } else {
            t.pick(names).cloned().unwrap_or_default()
        }
    };
    let workspace = pick(t, &n.regions, &everything);
    let own = doc.regions.iter().find(|r| r.id == workspace);
    match t.below(8) {
        0 => {
            let source = pick(t, &n.sources, &everything);
            let own_hosts: Vec<String> = own
                .map(|r| r.ingestion.iter().flat_map(|i| i.hosts.iter().cloned()).collect())
                .unwrap_or_default();
            let host = if hostile {
                hostile_host(t, &n.hosts)
            } else if t.percent(70) && !own_hosts.is_empty() {
                dressed_host(t, &own_hosts)
            } else {
                dressed_host(t, &n.hosts)
            };
            Question::Ingest {
                workspace,
                source,
                host,
            }
        }
        1 => {
            let source = pick(t, &n.sources, &everything);
            let own_ingestions: Vec<String> = own
                .map(|r| r.ingestion.iter().map(|i| i.id.clone()).collect())
                .unwrap_or_default();
            let ingestion = match t.below(3) {
                0 => None,
                1 if !hostile && !own_ingestions.is_empty() => t.pick(&own_ingestions).cloned(),
                _ => Some(pick(t, &n.ingestions, &everything)),
            };
            Question::Resolve {
                workspace,
                source,
                ingestion,
            }
        }
        2 => {
            let destination = pick(t, &n.destinations, &everything);
            let endpoints: Vec<String> = doc
                .destinations
                .iter()
                .filter(|d| d.id == destination)
                .flat_map(|d| {
                    d.endpoints
                        .iter()
                        .flat_map(|e| std::iter::once(e.id.clone()).chain(e.hosts.iter().cloned()))
                })
                .collect();
            let endpoint = match t.below(4) {
                0 => None,
                1 if !endpoints.is_empty() => {
                    let e = t.pick(&endpoints).cloned().unwrap_or_default();
                    Some(if hostile { hostile_host(t, &[e]) } else { e })
                }
                _ => {
                    let all_endpoints: Vec<String> = doc
                        .destinations
                        .iter()
                        .flat_map(|d| d.endpoints.iter().map(|e| e.id.clone()))
                        .chain(n.hosts.iter().cloned())
                        .collect();
                    Some(pick(t, &endpoints, &all_endpoints))
                }
            };
            Question::Deliver {
                workspace,
                destination,
                endpoint,
            }
        }
        3 => {
            let store = pick(t, &n.stores, &everything);
            // Well-formed questions mostly ask about a cloud region the workspace lists.
            let listed: Vec<String> = own
                .map(|r| {
                    let lists = [Some(&r.archive), places_list(&r.customer_storage)];
                    let ids: Vec<&String> = lists.into_iter().flatten().flatten().collect();
                    doc.cloud_regions
                        .iter()
                        .filter(|c| {
                            ids.iter().any(|p| {
                                **p == c.id
                                    || doc
                                        .groups
                                        .iter()
                                        .any(|g| &g.id == *p && g.countries.contains(&c.country))
                            })
                        })
                        .map(|c| c.id.clone())
                        .collect()
                })
                .unwrap_or_default();
            let cloud_region = if !hostile && t.percent(60) && !listed.is_empty() {
                t.pick(&listed).cloned().unwrap_or_default()
            } else {
                pick(t, &n.clouds, &everything)
            };
            Question::Store {
                workspace,
                store,
                cloud_region,
            }
        }
        4 => {
            let own_cidrs: Vec<ipnet::IpNet> = own
                .map(|r| r.warehouse_egress.iter().filter_map(|c| c.parse().ok()).collect())
                .unwrap_or_default();
            let cidrs = if !hostile && t.percent(70) && !own_cidrs.is_empty() {
                own_cidrs
            } else {
                n.cidrs.clone()
            };
            Question::Connect {
                workspace,
                warehouse: pick(t, &n.warehouses, &n.stores),
                ip: hostile_ip(t, &cidrs),
            }
        }
        5 => Question::Allowlist {
            workspace,
            warehouse: pick(t, &n.warehouses, &n.stores),
        },
        6 => {
            let strangers: Vec<String> = n
                .ingestions
                .iter()
                .chain(n.regions.iter())
                .map(|x| format!("{x}/{x}-a"))
                .collect();
            Question::Failover {
                from: pick(t, &n.locations, &strangers),
                to: pick(t, &n.locations, &strangers),
            }
        }
        _ => Question::RegionChange {
            workspace,
            to: pick(t, &n.regions, &everything),
        },
    }
}
