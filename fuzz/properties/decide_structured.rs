//! `decide_structured`: a generated policy document plus questions about it.
//!
//! The input bytes are decoded by a small hand-written decoder ([`Bytes`]; the same one on
//! the fuzzer and on stable, so every corpus file means the same thing to both) into a
//! [`Document`]: a few cloud regions, groups, source kinds, regions (strict and edge-ingest
//! mixed, mostly keeping their own jurisdiction, sometimes not), ingestion regions sharing
//! hosts across regions, zones, `failover_to` loosenings, catalog sources, destinations with
//! endpoints, stores and loader CIDRs, with ids that look like YAML keywords and display
//! names full of YAML syntax. Then:
//!
//! - a document built valid compiles with `Policy::compile`, and one with a deliberate
//!   defect (an invalid id, a dangling reference, a CIDR with host bits, …) is refused;
//! - the compiled policy's `to_yaml` loads back to the same document;
//! - every question decoded from the remaining bytes is decided as the README's rules say,
//!   hands back what they say, and keeps every invariant of `regionfence::invariants` that
//!   the document itself keeps ([`model::check_decision`]): residency of strict regions
//!   (an allowed ingest host lies in an ingestion region whose cloud region's country is in
//!   the region's jurisdiction, …), the processing pin, failover only within one ingestion
//!   region unless `failover_to` lists the target, fail-closed on unknown names, immutable
//!   regions.

use super::model;
use ipnet::IpNet;
use regionfence::document::{
    Allowlisting, AnyWord, CloudRegionDoc, DestinationDoc, Document, EndpointDoc, GroupDoc, IngestionDoc,
    Mechanism, PlacesDoc, RegionDoc, Residency, Side, SourceDoc, SourceKindDoc, StoreDoc, StoreKind,
};
use regionfence::{Policy, Question};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Reads the input a byte at a time; past the end every byte is `0`.
pub struct Bytes<'a> {
    data: &'a [u8],
    position: usize,
}

impl<'a> Bytes<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, position: 0 }
    }

    /// The next byte (`0` once the input is used up).
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.position).copied().unwrap_or(0);
        self.position = self.position.saturating_add(1);
        b
    }

    /// A number in `0..n` (`0` when `n` is 0); always reads one byte.
    pub fn below(&mut self, n: usize) -> usize {
        let b = usize::from(self.byte());
        if n == 0 {
            0
        } else {
            b % n
        }
    }

    /// An index in `0..n` picked from `items`.
    pub fn pick<'p, T>(&mut self, items: &'p [T]) -> Option<&'p T> {
        let i = self.below(items.len());
        items.get(i)
    }

    /// A yes with probability `in_256 / 256`.
    pub fn chance(&mut self, in_256: u8) -> bool {
        self.byte() < in_256
    }

    /// A subset of `0..n` (n ≤ 8), as indices.
    pub fn subset(&mut self, n: usize) -> Vec<usize> {
        let mask = self.byte();
        (0..n.min(8)).filter(|i| mask >> i & 1 == 1).collect()
    }

    /// How many input bytes are left.
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.position)
    }
}

const COUNTRIES: [&str; 6] = ["IE", "DE", "FR", "US", "GB", "CH"];
const PROVIDERS: [&str; 2] = ["aws", "gcp"];
const CLOUD_NAMES: [&str; 6] = ["eu-west-1", "1e3", "true", "us-west-2", "0x10", "null"];
/// Group ids, some of which a YAML 1.1 reader takes for booleans, nulls or numbers.
const GROUP_IDS: [&str; 7] = ["eu", "us", "no", "y", "on", "null", "1"];
const KIND_IDS: [&str; 4] = ["javascript", "server", "cloud-event", "off"];
const REGION_IDS: [&str; 3] = ["us-west", "eu-west", "ap.south"];
const INGESTION_IDS: [&str; 4] = ["dublin", "oregon", "edge", "a-b"];
const ZONES: [&str; 4] = ["a", "b", "c", "1"];
/// Ingestion hosts; the last two are never listed, so questions can name them.
const HOSTS: [&str; 7] = [
    "events.eu1.segmentapis.com",
    "api.segment.io",
    "in.eu2.segmentapis.com",
    "edge.example",
    "x-1.y.example",
    "unlisted.example",
    "segment.io",
];
const LISTABLE_HOSTS: usize = 5;
const SOURCE_IDS: [&str; 3] = ["node-js", "salesforce", "1"];
const DESTINATION_IDS: [&str; 3] = ["amplitude", "2mee", "d.x"];
/// Endpoint ids: one looks like a host name.
const ENDPOINT_IDS: [&str; 3] = ["us", "eu", "eu.dest.example"];
const ENDPOINT_HOSTS: [&str; 3] = ["api2.dest.example", "api.eu.dest.example", "dest.example"];
const STORE_IDS: [&str; 4] = ["archive", "data-lake", "redshift", "bigquery"];
const CIDRS: [&str; 8] = [
    "3.251.148.96/29",
    "52.25.130.38/32",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "2001:db8::/32",
    "::ffff:198.51.100.0/120",
    "0.0.0.0/0",
    "::/0",
];
/// Display names and descriptions that YAML serialisation must quote or escape.
const TEXTS: [&str; 24] = [
    "",
    "a: b",
    "- x",
    "#c",
    "'q",
    "\"dq",
    "line\nbreak",
    "no",
    "~",
    "multi\n  line [x] {y}",
    " lead",
    "trail ",
    "\t",
    "crab \u{1f980}",
    "null",
    "&a *b",
    "!tag",
    "%YAML 1.2",
    "---",
    "x\r\ny",
    "{[(",
    "10",
    "0o17",
    "? k",
];

fn text(bytes: &mut Bytes<'_>) -> Option<String> {
    if bytes.chance(160) {
        None
    } else {
        bytes.pick(&TEXTS).map(|t| (*t).to_string())
    }
}

/// `least..=most` distinct names from `pool`, starting at a position the input picks.
fn names(bytes: &mut Bytes<'_>, pool: &[&str], least: usize, most: usize) -> Vec<String> {
    let n = least + bytes.below(most + 1 - least);
    let start = bytes.below(pool.len());
    (0..n.min(pool.len()))
        .filter_map(|i| pool.get((start + i) % pool.len()))
        .map(|s| (*s).to_string())
        .collect()
}

/// A generated document, and whether it was built with a deliberate defect.
pub struct Generated {
    /// The document.
    pub document: Document,
    /// The defect put in, if any.
    pub defect: Option<&'static str>,
}

/// Decodes a document from the input.
pub fn document(bytes: &mut Bytes<'_>) -> Generated {
    let groups: Vec<GroupDoc> = names(bytes, &GROUP_IDS, 1, 4)
        .into_iter()
        .map(|id| GroupDoc {
            id,
            name: text(bytes),
            countries: bytes
                .subset(COUNTRIES.len())
                .into_iter()
                .filter_map(|i| COUNTRIES.get(i))
                .map(|c| (*c).to_string())
                .collect(),
        })
        .collect();
    let cloud_count = 1 + bytes.below(5);
    let cloud_regions: Vec<CloudRegionDoc> = (0..cloud_count)
        .map(|i| CloudRegionDoc {
            id: format!(
                "{}:{}",
                bytes.pick(&PROVIDERS).unwrap_or(&"aws"),
                CLOUD_NAMES.get(i).unwrap_or(&"z")
            ),
            country: (*bytes.pick(&COUNTRIES).unwrap_or(&"IE")).to_string(),
            name: text(bytes),
        })
        .collect();
    let source_kinds: Vec<SourceKindDoc> = names(bytes, &KIND_IDS, 1, 3)
        .into_iter()
        .map(|id| SourceKindDoc {
            id,
            side: *bytes
                .pick(&[Side::Client, Side::Server, Side::Cloud])
                .unwrap_or(&Side::Server),
            mechanism: *bytes
                .pick(&[
                    Mechanism::RegionalSettings,
                    Mechanism::HostParameter,
                    Mechanism::Managed,
                ])
                .unwrap_or(&Mechanism::Managed),
        })
        .collect();

    let country_of = |cloud: &CloudRegionDoc| cloud.country.clone();
    let region_ids = names(bytes, &REGION_IDS, 1, 3);
    let default_region = bytes.below(region_ids.len());
    let mut regions = Vec::new();
    for (ri, id) in region_ids.iter().enumerate() {
        let residency = if bytes.chance(128) {
            Residency::Strict
        } else {
            Residency::EdgeIngest
        };
        // A strict region mostly keeps to its jurisdiction (a group that holds a cloud region,
        // its own hosts and loader ranges), so the residency invariant bites.
        let keep_home = residency == Residency::Strict && bytes.chance(224);
        let homes: Vec<&GroupDoc> = groups
            .iter()
            .filter(|g| !keep_home || cloud_regions.iter().any(|c| g.countries.contains(&country_of(c))))
            .collect();
        let keep_home = keep_home && !homes.is_empty();
        let jurisdiction = bytes
            .pick(&homes)
            .copied()
            .or_else(|| groups.first())
            .map_or_else(|| "eu".to_string(), |g| g.id.clone());
        let home: Vec<String> = groups
            .iter()
            .filter(|g| g.id == jurisdiction)
            .flat_map(|g| g.countries.clone())
            .collect();
        let home_clouds: Vec<&CloudRegionDoc> = cloud_regions
            .iter()
            .filter(|c| !keep_home || home.contains(&country_of(c)))
            .collect();
        let usable: Vec<&CloudRegionDoc> = if home_clouds.is_empty() {
            cloud_regions.iter().collect()
        } else {
            home_clouds
        };
        let cloud = |bytes: &mut Bytes<'_>| bytes.pick(&usable).map_or_else(String::new, |c| c.id.clone());
        let places = |bytes: &mut Bytes<'_>| -> Vec<String> {
            if keep_home {
                let mut list = vec![jurisdiction.clone()];
                list.extend(
                    bytes
                        .subset(usable.len().min(3))
                        .into_iter()
                        .filter_map(|i| usable.get(i))
                        .map(|c| c.id.clone()),
                );
                list
            } else {
                let mut list: Vec<String> = bytes
                    .subset(groups.len())
                    .into_iter()
                    .filter_map(|i| groups.get(i))
                    .map(|g| g.id.clone())
                    .collect();
                list.extend(
                    bytes
                        .subset(cloud_regions.len())
                        .into_iter()
                        .filter_map(|i| cloud_regions.get(i))
                        .map(|c| c.id.clone()),
                );
                list
            }
        };
        let optional_places = |bytes: &mut Bytes<'_>| match bytes.below(4) {
            0 | 1 => None,
            2 if !keep_home => Some(PlacesDoc::Any(AnyWord::Any)),
            _ => Some(PlacesDoc::List(places(bytes))),
        };
        let processing = cloud(bytes);
        let archive = places(bytes);
        let customer_storage = optional_places(bytes);
        let deliver_to = optional_places(bytes);
        let kinds: Vec<String> = bytes
            .subset(source_kinds.len())
            .into_iter()
            .filter_map(|i| source_kinds.get(i))
            .map(|k| k.id.clone())
            .collect();
        let own_cidrs = [format!("198.18.{ri}.0/24"), format!("2001:db8:{ri}::/48")];
        let warehouse_egress: Vec<String> = if keep_home {
            bytes
                .subset(2)
                .into_iter()
                .filter_map(|i| own_cidrs.get(i).cloned())
                .collect()
        } else {
            bytes
                .subset(CIDRS.len())
                .into_iter()
                .take(2)
                .filter_map(|i| CIDRS.get(i))
                .map(|c| (*c).to_string())
                .collect()
        };
        let ingestion_ids = names(bytes, &INGESTION_IDS, 1, 3);
        let default_ingestion = bytes.below(ingestion_ids.len());
        let mut ingestion = Vec::new();
        for (ii, iid) in ingestion_ids.into_iter().enumerate() {
            let cloud_region = cloud(bytes);
            let hosts = if keep_home {
                let own = [format!("in{ii}.{id}.example"), format!("api.{id}.example")];
                let count = 1 + bytes.below(2);
                own.into_iter().take(count).collect()
            } else {
                names(bytes, HOSTS.get(..LISTABLE_HOSTS).unwrap_or(&[]), 1, 2)
            };
            let zones = bytes
                .subset(ZONES.len())
                .into_iter()
                .filter_map(|i| ZONES.get(i))
                .map(|z| (*z).to_string())
                .collect();
            ingestion.push(IngestionDoc {
                id: iid,
                default: ii == default_ingestion,
                cloud_region,
                hosts,
                zones,
                failover_to: Vec::new(),
            });
        }
        regions.push(RegionDoc {
            id: id.clone(),
            name: text(bytes),
            default: ri == default_region,
            residency,
            jurisdiction,
            processing,
            archive,
            customer_storage,
            deliver_to,
            source_kinds: kinds,
            warehouse_egress,
            ingestion,
        });
    }
    // Explicit failover loosenings, once every ingestion region exists.
    let paths: Vec<String> = regions
        .iter()
        .flat_map(|r| r.ingestion.iter().map(move |i| format!("{}/{}", r.id, i.id)))
        .collect();
    for region in &mut regions {
        for ingestion in &mut region.ingestion {
            if bytes.chance(48) {
                if let Some(target) = bytes.pick(&paths) {
                    ingestion.failover_to.push(target.clone());
                }
            }
        }
    }

    let region_subset = |bytes: &mut Bytes<'_>| -> Vec<String> {
        bytes
            .subset(region_ids.len())
            .into_iter()
            .filter_map(|i| region_ids.get(i).cloned())
            .collect()
    };
    let sources: Vec<SourceDoc> = names(bytes, &SOURCE_IDS, 0, 2)
        .into_iter()
        .map(|id| SourceDoc {
            id,
            name: text(bytes),
            kind: bytes
                .pick(&source_kinds)
                .map_or_else(String::new, |k| k.id.clone()),
            regions: region_subset(bytes),
        })
        .collect();
    let destinations: Vec<DestinationDoc> = names(bytes, &DESTINATION_IDS, 0, 2)
        .into_iter()
        .map(|id| {
            let available = region_subset(bytes);
            let endpoint_ids = names(bytes, &ENDPOINT_IDS, 1, 2);
            let endpoints = endpoint_ids
                .into_iter()
                .enumerate()
                .map(|(k, eid)| EndpointDoc {
                    id: eid,
                    // Half the time a region's own jurisdiction, so deliveries get allowed.
                    jurisdiction: if bytes.chance(128) {
                        bytes
                            .pick(&regions)
                            .map_or_else(String::new, |r| r.jurisdiction.clone())
                    } else {
                        bytes.pick(&groups).map_or_else(String::new, |g| g.id.clone())
                    },
                    hosts: if bytes.chance(128) {
                        ENDPOINT_HOSTS
                            .get(k)
                            .map(|h| vec![(*h).to_string()])
                            .unwrap_or_default()
                    } else {
                        Vec::new()
                    },
                })
                .collect();
            DestinationDoc {
                id,
                name: text(bytes),
                regions: available,
                endpoints,
            }
        })
        .collect();
    let providers: Vec<String> = PROVIDERS
        .iter()
        .filter(|p| cloud_regions.iter().any(|c| c.id.starts_with(&format!("{p}:"))))
        .map(|p| (*p).to_string())
        .collect();
    let stores: Vec<StoreDoc> = names(bytes, &STORE_IDS, 0, 3)
        .into_iter()
        .map(|id| {
            let kind = *bytes
                .pick(&[StoreKind::Archive, StoreKind::DataLake, StoreKind::Warehouse])
                .unwrap_or(&StoreKind::Warehouse);
            let clouds = if bytes.chance(128) {
                providers.clone()
            } else {
                bytes
                    .subset(providers.len())
                    .into_iter()
                    .filter_map(|i| providers.get(i).cloned())
                    .collect()
            };
            let allowlist = (kind == StoreKind::Warehouse).then(|| {
                *bytes
                    .pick(&[
                        Allowlisting::Required,
                        Allowlisting::Recommended,
                        Allowlisting::NotNeeded,
                    ])
                    .unwrap_or(&Allowlisting::Required)
            });
            StoreDoc {
                id,
                kind,
                clouds,
                allowlist,
            }
        })
        .collect();

    let mut document = Document {
        version: 1,
        name: text(bytes).unwrap_or_else(|| "generated".into()),
        description: text(bytes),
        cloud_regions,
        groups,
        source_kinds,
        regions,
        sources,
        destinations,
        stores,
    };
    let defect = if bytes.chance(24) {
        defect(&mut document, bytes)
    } else {
        None
    };
    Generated { document, defect }
}

/// Puts one deliberate defect into a valid document; names it.
fn defect(doc: &mut Document, bytes: &mut Bytes<'_>) -> Option<&'static str> {
    let region = bytes.below(doc.regions.len());
    let r = doc.regions.get_mut(region)?;
    let first_ingestion = r.ingestion.first_mut()?;
    Some(match bytes.below(14) {
        0 => {
            doc.version = 2;
            "an unsupported version"
        }
        1 => {
            r.id = "Eu_West".into();
            "an invalid region id"
        }
        2 => {
            for r in &mut doc.regions {
                r.default = false;
            }
            "no default region"
        }
        3 => {
            r.jurisdiction = "nowhere".into();
            "an unknown jurisdiction"
        }
        4 => {
            r.warehouse_egress.push("10.0.0.1/8".into());
            "a CIDR with host bits"
        }
        5 => {
            first_ingestion.hosts.push("HTTPS://Bad.Example/".into());
            "a host that is not bare"
        }
        6 => {
            first_ingestion.hosts.clear();
            "an ingestion region without hosts"
        }
        7 => {
            first_ingestion.failover_to.push("nowhere/x".into());
            "a dangling failover target"
        }
        8 => {
            first_ingestion.zones = vec!["A".into()];
            "an invalid zone"
        }
        9 => {
            first_ingestion.default = !first_ingestion.default;
            "not exactly one default ingestion region"
        }
        10 => {
            let country = doc.cloud_regions.first_mut()?;
            country.country = "ie".into();
            "a malformed country"
        }
        11 => {
            let group = doc.groups.first()?.clone();
            doc.groups.push(group);
            "a duplicate group"
        }
        12 => {
            doc.stores.push(StoreDoc {
                id: "snowflake".into(),
                kind: StoreKind::Warehouse,
                clouds: Vec::new(),
                allowlist: None,
            });
            "a warehouse without an allowlisting rule"
        }
        _ => {
            doc.destinations.push(DestinationDoc {
                id: "empty".into(),
                name: None,
                regions: Vec::new(),
                endpoints: Vec::new(),
            });
            "a destination without endpoints"
        }
    })
}

/// Hostile spellings of a host, by number.
fn host_spelling(host: &str, variant: usize) -> String {
    match variant {
        0 | 1 => host.to_string(),
        2 => host.to_ascii_uppercase(),
        3 => format!("https://{host}:443/v1/batch"),
        4 => format!("HTTP://{host}:80?x#y"),
        5 => format!("{host}."),
        6 => format!("{host}.evil.example"),
        7 => format!("evil{host}"),
        8 => format!("user:pw@{host}"),
        9 => format!("{host}:8443"),
        10 => host.replacen('.', "%2E", 1),
        11 => host.replacen('e', "\u{435}", 1),
        12 => format!("{host}\0"),
        13 => format!("https://{host}@evil.example/"),
        14 => format!("{host}.."),
        _ => format!("ws://{host}"),
    }
}

/// An IP near (or in, or far from) one of the loader ranges, in some notation.
fn ip(doc: &Document, workspace: &str, bytes: &mut Bytes<'_>) -> String {
    // Mostly the workspace's own ranges, sometimes any region's.
    let own = bytes.chance(192);
    let nets: Vec<IpNet> = doc
        .regions
        .iter()
        .filter(|r| !own || r.id == workspace)
        .flat_map(|r| &r.warehouse_egress)
        .filter_map(|c| c.parse().ok())
        .map(model::spec_net)
        .collect();
    let address: IpAddr = match (bytes.pick(&nets), bytes.below(6)) {
        (Some(net), 0) => net.network(),
        (Some(net), 1) => net.broadcast(),
        (Some(IpNet::V4(net)), 2) => Ipv4Addr::from(u32::from(net.network()).wrapping_sub(1)).into(),
        (Some(IpNet::V4(net)), 3) => Ipv4Addr::from(u32::from(net.broadcast()).wrapping_add(1)).into(),
        (Some(IpNet::V6(net)), 2) => Ipv6Addr::from(u128::from(net.network()).wrapping_sub(1)).into(),
        (Some(IpNet::V6(net)), 3) => Ipv6Addr::from(u128::from(net.broadcast()).wrapping_add(1)).into(),
        (_, 4) => Ipv4Addr::new(bytes.byte(), bytes.byte(), bytes.byte(), bytes.byte()).into(),
        _ => Ipv6Addr::from([
            bytes.byte(),
            bytes.byte(),
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0xff,
            0xff,
            bytes.byte(),
            0,
            0,
            1,
        ])
        .into(),
    };
    match (address, bytes.below(8)) {
        (IpAddr::V4(v4), 0) => format!("::ffff:{v4}"),
        (IpAddr::V4(v4), 1) => v4.to_ipv6_mapped().to_string().to_ascii_uppercase(),
        (IpAddr::V4(v4), 2) => {
            let [a, b, c, d] = v4.octets();
            format!("{a:03}.{b}.{c}.{d}")
        }
        (IpAddr::V4(v4), 3) => format!("0x{:08x}", u32::from(v4)),
        (IpAddr::V6(v6), 2) => format!("{v6}%eth0"),
        (IpAddr::V6(v6), 3) => format!("[{v6}]"),
        (address, 4) => format!(" {address}"),
        (address, _) => address.to_string(),
    }
}

/// Decodes a question about `doc` from the input.
pub fn question(doc: &Document, bytes: &mut Bytes<'_>) -> Question {
    let with_unknowns = |mut names: Vec<String>| {
        let upper = names.first().map(|n| n.to_ascii_uppercase());
        names.push("no-such-name".into());
        names.extend(upper);
        names
    };
    let regions = with_unknowns(doc.regions.iter().map(|r| r.id.clone()).collect());
    let sources = with_unknowns(
        doc.source_kinds
            .iter()
            .map(|k| k.id.clone())
            .chain(doc.sources.iter().map(|s| s.id.clone()))
            .collect(),
    );
    let ingestions = with_unknowns(
        doc.regions
            .iter()
            .flat_map(|r| &r.ingestion)
            .map(|i| i.id.clone())
            .collect(),
    );
    let stores = with_unknowns(doc.stores.iter().map(|s| s.id.clone()).collect());
    // Warehouses twice over, so `connect` and `allowlist` often name one.
    let warehouses = with_unknowns(
        doc.stores
            .iter()
            .filter(|s| s.kind == StoreKind::Warehouse)
            .chain(&doc.stores)
            .map(|s| s.id.clone())
            .collect(),
    );
    let clouds = with_unknowns(doc.cloud_regions.iter().map(|c| c.id.clone()).collect());
    let locations = with_unknowns(
        doc.regions
            .iter()
            .flat_map(|r| {
                r.ingestion
                    .iter()
                    .flat_map(move |i| i.zones.iter().map(move |z| format!("{}/{}-{z}", r.id, i.id)))
            })
            .collect(),
    );
    let destinations = with_unknowns(doc.destinations.iter().map(|d| d.id.clone()).collect());
    let name = |bytes: &mut Bytes<'_>, names: &[String]| bytes.pick(names).cloned().unwrap_or_default();

    let workspace = name(bytes, &regions);
    match bytes.below(8) {
        0 => {
            let mut hosts: Vec<String> = model::ingestion_hosts(doc)
                .into_iter()
                .map(str::to_string)
                .collect();
            hosts.extend(HOSTS.iter().skip(LISTABLE_HOSTS).map(|h| (*h).to_string()));
            let host = name(bytes, &hosts);
            let variant = bytes.below(16);
            Question::Ingest {
                workspace,
                source: name(bytes, &sources),
                host: host_spelling(&host, variant),
            }
        }
        1 => Question::Resolve {
            workspace,
            source: name(bytes, &sources),
            ingestion: bytes.chance(128).then(|| name(bytes, &ingestions)),
        },
        2 => {
            let destination = name(bytes, &destinations);
            let mut endpoints: Vec<String> = vec!["no-such-name".into()];
            for d in doc.destinations.iter().filter(|d| d.id == destination) {
                for e in &d.endpoints {
                    endpoints.push(e.id.clone());
                    endpoints.push(e.id.to_ascii_uppercase());
                    endpoints.push(format!("https://{}/", e.id));
                    endpoints.extend(e.hosts.iter().cloned());
                }
            }
            endpoints.extend(ENDPOINT_HOSTS.iter().map(|h| (*h).to_string()));
            let endpoint = if bytes.chance(96) {
                None
            } else {
                let base = name(bytes, &endpoints);
                let variant = bytes.below(16);
                Some(if variant < 8 {
                    base
                } else {
                    host_spelling(&base, variant)
                })
            };
            Question::Deliver {
                workspace,
                destination,
                endpoint,
            }
        }
        3 => Question::Store {
            workspace,
            store: name(bytes, &stores),
            cloud_region: name(bytes, &clouds),
        },
        4 => Question::Connect {
            warehouse: name(bytes, &warehouses),
            ip: ip(doc, &workspace, bytes),
            workspace,
        },
        5 => Question::Allowlist {
            workspace,
            warehouse: name(bytes, &warehouses),
        },
        6 => Question::Failover {
            from: name(bytes, &locations),
            to: name(bytes, &locations),
        },
        _ => Question::RegionChange {
            workspace,
            to: name(bytes, &regions),
        },
    }
}

/// The property.
pub fn check(data: &[u8]) -> Result<(), String> {
    let mut bytes = Bytes::new(data);
    let Generated { document, defect } = document(&mut bytes);
    let policy = match (Policy::compile(document.clone()), defect) {
        (Ok(policy), None) => policy,
        (Err(_), Some(_)) => return Ok(()),
        (Ok(_), Some(defect)) => {
            return Err(format!("a document with {defect} compiled:\n{document:?}"));
        }
        (Err(e), None) => {
            return Err(format!("a valid document was refused: {e}\n{document:?}"));
        }
    };

    let again = model::reload(&policy)?;
    let count = (bytes.remaining() / 4).clamp(4, 24);
    for _ in 0..count {
        let question = question(&document, &mut bytes);
        model::check_decision(&policy, &question)?;
        let Some(again) = &again else {
            continue;
        };
        if policy.decide(&question) != again.decide(&question) {
            return Err(format!(
                "the policy reloaded from its YAML decides {} differently",
                question.to_json()
            ));
        }
    }
    Ok(())
}
