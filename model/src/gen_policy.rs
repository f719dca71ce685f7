//! Random valid policy documents, in two families: `Family::Safe`, built so that no
//! invariant can break, and `Family::Any`, with shared hosts, loose overrides, `failover_to`
//! loosenings and overlapping CIDRs; and [`defect`], which breaks a valid document in one
//! named way the loader must refuse. Ids include words YAML 1.1 reads as something else,
//! display names are full of YAML syntax.

use crate::choices::Choices;
use regionfence::document::{
    Allowlisting, AnyWord, CloudRegionDoc, DestinationDoc, Document, EndpointDoc, ExemptionDoc, GroupDoc,
    IngestionDoc, Mechanism, PlacesDoc, RegionDoc, Residency, Side, SourceDoc, SourceKindDoc, StoreDoc,
    StoreKind,
};
use regionfence::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Strict regions use only in-jurisdiction cloud regions, endpoints and places; no host is
    /// shared; no `failover_to`; each region's CIDRs lie in a block of its own.
    Safe,
    /// Anything valid.
    Any,
}

// Id pools: real-looking names, and words YAML 1.1 reads as something else.
const COUNTRIES: &[&str] = &["IE", "DE", "FR", "US", "GB", "NO", "CH", "JP", "AU", "CA"];
const GROUPS: &[&str] = &[
    "eu", "us", "eea", "uk", "apac", "null", "no", "yes", "1", "g.1_x", "y", "on",
];
const PROVIDERS: &[&str] = &["aws", "gcp", "azure", "p1", "true"];
const CLOUD_NAMES: &[&str] = &[
    "eu-west-1",
    "us-west-2",
    "europe-west3",
    "x",
    "1",
    "null",
    "eu-west-1.b",
    "1e3",
    "true",
    "0x10",
];
const KINDS: &[&str] = &[
    "javascript",
    "ios",
    "server",
    "cloud-event",
    "project",
    "on",
    "off",
];
const CATALOG: &[&str] = &["node-js", "salesforce", "python", "yes", "a.b", "n", "1"];
const REGIONS: &[&str] = &[
    "us-west", "eu-west", "ap-south", "true", "eu", "r1", "dublin", "ap.south",
];
const INGESTIONS: &[&str] = &[
    "dublin", "oregon", "sydney", "a", "a-b", "1", "null", "eu-west", "edge",
];
const ZONES: &[&str] = &["a", "b", "c", "1", "az1"];
const DESTINATIONS: &[&str] = &["amplitude", "mixpanel", "webhooks", "null", "d.1", "2mee"];
const ENDPOINT_IDS: &[&str] = &[
    "us",
    "eu",
    "global",
    "e-1",
    "null",
    "api.example.com",
    "us.example",
    "eu.dest.example",
];
const STORES: &[&str] = &[
    "archive",
    "data-lake",
    "redshift",
    "bigquery",
    "snowflake",
    "s3",
    "no",
];
/// Ingestion hosts: look-alikes of each other, suffix/prefix spoofs that are valid names in
/// their own right, punycode, digits, a single label, a 63-byte label.
const HOSTS: &[&str] = &[
    "api.segment.io",
    "events.eu1.segmentapis.com",
    "in.eu2.segmentapis.com",
    "eu1.segmentapis.com",
    "events.eu1.segmentapis.com.evil.example",
    "evilevents.eu1.segmentapis.com",
    "api.segment.io.eu",
    "localhost",
    "xn--80ak6aa92e.com",
    "1password.com",
    "a-b.c2",
    "x.example",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
    "edge.example",
    "x-1.y.example",
];
const ENDPOINT_HOSTS: &[&str] = &[
    "api2.amplitude.com",
    "api.eu.amplitude.com",
    "api.example.com",
    "us.example",
    "hooks.example",
    "api.segment.io",
    "api2.dest.example",
    "dest.example",
];

fn s(x: &str) -> String {
    x.to_string()
}

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|x| s(x)).collect()
}

/// Free text that YAML must quote to keep: what `name` and `description` may hold.
fn text(t: &mut Choices<'_>, what: &str) -> String {
    const TEXTS: &[&str] = &[
        "yes",
        "null",
        "~",
        "1.0",
        "0x1F",
        "- a",
        "a: b",
        "# c",
        " lead",
        "trail ",
        "é ü 中",
        "'q'",
        "\"dq\"",
        "multi\nline",
        "tab\there",
        "",
        "[x]",
        "{y}",
        "*alias",
        "&anchor",
        "!tag",
        "%",
        "@",
        "`",
        "it's [a] {b}",
        "line one\nit's [ still text\n# and this",
        "deep\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{ }",
        "quote ' then\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "x: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['",
        "\t",
        "crab \u{1f980}",
        "&a *b",
        "%YAML 1.2",
        "---",
        "x\r\ny",
        "{[(",
        "10",
        "0o17",
        "? k",
        "multi\n  line [x] {y}",
    ];
    match t.below(3) {
        0 => format!("{what} policy"),
        _ => s(t.pick(TEXTS).unwrap_or(&"x")),
    }
}

fn places(t: &mut Choices<'_>, pool: &[String], max: usize) -> Vec<String> {
    let n = t.range(0, max);
    t.distinct(pool, n)
}

/// A CIDR text: one of a few overlapping bases cut to a random prefix (host bits cleared),
/// sometimes written in a valid but non-canonical form.
fn any_cidr(t: &mut Choices<'_>) -> String {
    const V4: &[&str] = &[
        "10.0.0.0",
        "10.0.0.128",
        "3.251.148.96",
        "52.25.130.38",
        "0.0.0.0",
        "255.255.255.255",
    ];
    const V6: &[&str] = &[
        "::",
        "2001:db8::",
        "fd00::1",
        "::ffff:10.0.0.0",
        "::ffff:3.251.148.96",
        "fe80::",
    ];
    if t.percent(75) {
        let base: std::net::Ipv4Addr = t.pick(V4).unwrap_or(&"10.0.0.0").parse().unwrap();
        let prefix = if t.percent(20) {
            t.range(0, 32)
        } else {
            t.range(24, 32)
        } as u8;
        ipnet::Ipv4Net::new(base, prefix).unwrap().trunc().to_string()
    } else {
        let base: std::net::Ipv6Addr = t.pick(V6).unwrap_or(&"::").parse().unwrap();
        let prefix = if t.percent(30) {
            t.range(0, 128)
        } else {
            t.range(112, 128)
        } as u8;
        let net = ipnet::Ipv6Net::new(base, prefix).unwrap().trunc();
        if t.percent(20) {
            // Upper-case and fully written out: parses to the same network.
            let seg = net.network().segments();
            let full: Vec<String> = seg.iter().map(|x| format!("{x:04X}")).collect();
            format!("{}/{}", full.join(":"), net.prefix_len())
        } else {
            net.to_string()
        }
    }
}

/// A CIDR inside region `ri`'s own block: 10.<ri>.0.0/16 or fd00:<ri>::/32.
fn block_cidr(t: &mut Choices<'_>, ri: usize) -> String {
    if t.percent(70) {
        let prefix = t.range(16, 32) as u8;
        let addr = std::net::Ipv4Addr::new(10, ri as u8, t.below(256) as u8, t.below(256) as u8);
        ipnet::Ipv4Net::new(addr, prefix).unwrap().trunc().to_string()
    } else {
        let prefix = t.range(32, 128) as u8;
        let addr = std::net::Ipv6Addr::new(
            0xfd00,
            ri as u16,
            t.below(65536) as u16,
            0,
            0,
            0,
            0,
            t.below(65536) as u16,
        );
        ipnet::Ipv6Net::new(addr, prefix).unwrap().trunc().to_string()
    }
}

/// A valid policy document read off `t`.
pub fn policy(t: &mut Choices<'_>, family: Family) -> Document {
    let safe = family == Family::Safe;

    let n = t.range(1, 4);
    let groups: Vec<GroupDoc> = t
        .distinct(&strings(GROUPS), n)
        .into_iter()
        .map(|id| {
            let lo = usize::from(safe);
            let k = t.range(lo, 4);
            GroupDoc {
                id,
                name: t.percent(20).then(|| text(t, "group")),
                countries: t.distinct(&strings(COUNTRIES), k),
            }
        })
        .collect();

    let n = t.range(1, 7);
    let mut cloud_regions: Vec<CloudRegionDoc> = Vec::new();
    for _ in 0..n {
        let id = format!("{}:{}", t.pick(PROVIDERS).unwrap(), t.pick(CLOUD_NAMES).unwrap());
        let country = s(t.pick(COUNTRIES).unwrap());
        let name = t.percent(20).then(|| text(t, "cloud"));
        if !cloud_regions.iter().any(|c| c.id == id) {
            cloud_regions.push(CloudRegionDoc { id, country, name });
        }
    }
    let cloud_ids: Vec<String> = cloud_regions.iter().map(|c| c.id.clone()).collect();
    let mut providers: Vec<String> = Vec::new();
    for c in &cloud_ids {
        let p = s(c.split(':').next().unwrap());
        if !providers.contains(&p) {
            providers.push(p);
        }
    }
    let group_ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();

    let n = t.range(1, 4);
    let source_kinds: Vec<SourceKindDoc> = t
        .distinct(&strings(KINDS), n)
        .into_iter()
        .map(|id| SourceKindDoc {
            id,
            side: *t.pick(&[Side::Client, Side::Server, Side::Cloud]).unwrap(),
            mechanism: *t
                .pick(&[
                    Mechanism::RegionalSettings,
                    Mechanism::HostParameter,
                    Mechanism::Managed,
                ])
                .unwrap(),
        })
        .collect();
    let kind_ids: Vec<String> = source_kinds.iter().map(|k| k.id.clone()).collect();

    let country_of = |cloud: &str| {
        cloud_regions
            .iter()
            .find(|c| c.id == cloud)
            .map(|c| c.country.clone())
    };
    let countries_of = |g: &str| {
        groups
            .iter()
            .find(|x| x.id == g)
            .map(|x| x.countries.clone())
            .unwrap_or_default()
    };

    let n = t.range(1, 4);
    let region_ids = t.distinct(&strings(REGIONS), n);
    let default_region = t.below(region_ids.len());
    let mut used_hosts: Vec<String> = Vec::new();
    let mut regions: Vec<RegionDoc> = Vec::new();
    for (ri, id) in region_ids.iter().enumerate() {
        let mut residency = if t.percent(40) {
            Residency::EdgeIngest
        } else {
            Residency::Strict
        };
        let mut jurisdiction = s(t.pick(&group_ids).unwrap());
        // A strict region keeps to its home (a group holding a cloud region to process in)
        // always in the safe family, mostly in the other, so residency gets allowed answers
        // to prove and hostile regions to disprove.
        let homes: Vec<String> = group_ids
            .iter()
            .filter(|g| {
                let cs = countries_of(g);
                !cs.is_empty() && cloud_regions.iter().any(|c| cs.contains(&c.country))
            })
            .cloned()
            .collect();
        let mut constrained = residency == Residency::Strict && (safe || t.percent(60));
        if constrained {
            match t.pick(&homes) {
                Some(h) => jurisdiction = h.clone(),
                None if safe => {
                    residency = Residency::EdgeIngest;
                    constrained = false;
                }
                None => constrained = false,
            }
        }
        let home = countries_of(&jurisdiction);
        let home_clouds: Vec<String> = cloud_ids
            .iter()
            .filter(|c| country_of(c).is_some_and(|k| home.contains(&k)))
            .cloned()
            .collect();
        let home_groups: Vec<String> = group_ids
            .iter()
            .filter(|g| {
                let cs = countries_of(g);
                **g == jurisdiction || (!cs.is_empty() && cs.iter().all(|c| home.contains(c)))
            })
            .cloned()
            .collect();
        let cloud_pool = if constrained { &home_clouds } else { &cloud_ids };
        let place_pool: Vec<String> = if constrained {
            home_groups.iter().chain(home_clouds.iter()).cloned().collect()
        } else {
            group_ids.iter().chain(cloud_ids.iter()).cloned().collect()
        };
        let optional_places = |t: &mut Choices<'_>, groups_only: bool| -> Option<PlacesDoc> {
            match t.below(4) {
                0 | 1 => None,
                2 if !constrained => Some(PlacesDoc::Any(AnyWord::Any)),
                _ => {
                    let pool = if groups_only && constrained {
                        &home_groups
                    } else {
                        &place_pool
                    };
                    Some(PlacesDoc::List(places(t, pool, 3)))
                }
            }
        };
        let processing = s(t.pick(cloud_pool).unwrap());
        let archive = places(t, &place_pool, 3);
        let customer_storage = optional_places(t, false);
        let deliver_to = optional_places(t, true);
        let region_kinds = t.subset(&kind_ids, 60);
        let k = t.range(0, 3);
        let warehouse_egress = (0..k)
            .map(|_| if safe { block_cidr(t, ri) } else { any_cidr(t) })
            .fold(Vec::new(), |mut v: Vec<String>, c| {
                if !v.contains(&c) {
                    v.push(c);
                }
                v
            });

        let n = t.range(1, 3);
        let ingestion_ids = t.distinct(&strings(INGESTIONS), n);
        let default_ingestion = t.below(ingestion_ids.len());
        let mut ingestion = Vec::new();
        for (ii, iid) in ingestion_ids.into_iter().enumerate() {
            let cloud_region = s(t.pick(cloud_pool).unwrap());
            let h = t.range(1, 3);
            let mut hosts: Vec<String> = Vec::new();
            for _ in 0..h {
                let fresh = format!("h{}.{}.example", t.below(1000), iid);
                let candidate = if t.percent(60) {
                    s(t.pick(HOSTS).unwrap())
                } else {
                    fresh
                };
                let shared_elsewhere = used_hosts.contains(&candidate);
                if !hosts.contains(&candidate) && (!safe || !shared_elsewhere) {
                    hosts.push(candidate);
                }
            }
            if hosts.is_empty() {
                hosts.push(format!(
                    "only.{}.{}.example",
                    id.replace('_', "-"),
                    iid.replace('_', "-")
                ));
            }
            used_hosts.extend(hosts.iter().cloned());
            let z = t.range(0, 3);
            ingestion.push(IngestionDoc {
                id: iid,
                default: ii == default_ingestion,
                cloud_region,
                hosts,
                zones: t.distinct(&strings(ZONES), z),
                failover_to: vec![],
            });
        }
        regions.push(RegionDoc {
            id: id.clone(),
            name: t.percent(20).then(|| text(t, "region")),
            default: ri == default_region,
            residency,
            jurisdiction,
            processing,
            archive,
            customer_storage,
            deliver_to,
            source_kinds: region_kinds,
            catalog_only_kinds: Vec::new(),
            warehouse_egress,
            ingestion,
        });
    }
    if !safe {
        // Loosenings: any ingestion region may list others (its own region's or another's).
        let all: Vec<String> = regions
            .iter()
            .flat_map(|r| r.ingestion.iter().map(move |i| format!("{}/{}", r.id, i.id)))
            .collect();
        for r in &mut regions {
            for i in &mut r.ingestion {
                if t.percent(30) {
                    let k = t.range(1, 2);
                    i.failover_to = t.distinct(&all, k);
                }
            }
        }
    }

    let n = t.range(0, 3);
    let sources: Vec<SourceDoc> = t
        .distinct(&strings(CATALOG), n)
        .into_iter()
        .map(|id| SourceDoc {
            id,
            name: t.percent(20).then(|| text(t, "source")),
            kind: s(t.pick(&kind_ids).unwrap()),
            regions: t.subset(&region_ids, 60),
        })
        .collect();

    let n = t.range(0, 3);
    let destinations: Vec<DestinationDoc> = t
        .distinct(&strings(DESTINATIONS), n)
        .into_iter()
        .map(|id| {
            let k = t.range(1, 3);
            let endpoint_ids = t.distinct(&strings(ENDPOINT_IDS), k);
            let mut taken: Vec<String> = endpoint_ids.clone();
            let endpoints = endpoint_ids
                .into_iter()
                .map(|eid| {
                    let h = t.range(0, 2);
                    let mut hosts = Vec::new();
                    for candidate in t.distinct(&strings(ENDPOINT_HOSTS), h) {
                        if !taken.contains(&candidate) {
                            taken.push(candidate.clone());
                            hosts.push(candidate);
                        }
                    }
                    EndpointDoc {
                        id: eid,
                        jurisdiction: s(t.pick(&group_ids).unwrap()),
                        hosts,
                    }
                })
                .collect();
            DestinationDoc {
                id,
                name: t.percent(20).then(|| text(t, "destination")),
                regions: t.subset(&region_ids, 60),
                endpoints,
            }
        })
        .collect();

    let n = t.range(0, 4);
    let stores: Vec<StoreDoc> = t
        .distinct(&strings(STORES), n)
        .into_iter()
        .map(|id| {
            let kind = *t
                .pick(&[StoreKind::Warehouse, StoreKind::Archive, StoreKind::DataLake])
                .unwrap();
            let allowlist = (kind == StoreKind::Warehouse).then(|| {
                *t.pick(&[
                    Allowlisting::Required,
                    Allowlisting::Recommended,
                    Allowlisting::NotNeeded,
                ])
                .unwrap()
            });
            StoreDoc {
                id,
                kind,
                clouds: t.subset(&providers, 60),
                allowlist,
                regions: None,
            }
        })
        .collect();

    // Drawn last, so the rest of a document reads its choices as before.
    let mut stores = stores;
    for store in &mut stores {
        if t.percent(25) {
            store.regions = Some(t.subset(&region_ids, 50));
        }
    }
    for r in &mut regions {
        let mut only = t.subset(&r.source_kinds, 30);
        if safe && r.residency == Residency::Strict {
            // A managed kind named bare may be any of its catalog sources: in a strict region
            // it is catalog-only whenever one of them does not list the region.
            for k in &r.source_kinds {
                let managed = source_kinds
                    .iter()
                    .any(|sk| &sk.id == k && sk.mechanism == Mechanism::Managed);
                let partial = sources.iter().any(|s| &s.kind == k && !s.regions.contains(&r.id));
                if managed && partial && !only.contains(k) {
                    only.push(k.clone());
                }
            }
        }
        r.catalog_only_kinds = only;
    }

    let name = text(t, "generated");
    let description = t.percent(20).then(|| text(t, "about"));
    let mut doc = Document {
        version: 1,
        name,
        description,
        cloud_regions,
        groups,
        source_kinds,
        regions,
        sources,
        destinations,
        stores,
        exemptions: Vec::new(),
    };
    doc.exemptions = exemptions(t, &doc);
    // A store's twin: the same kind, clouds and allowlisting, offered to the regions the
    // store is not offered to (drawn last, so the rest of a document reads its choices as
    // before).
    if t.percent(30) {
        let si = t.below(doc.stores.len());
        let twin_regions = t.subset(&region_ids, 50);
        if let Some(store) = doc.stores.get_mut(si) {
            let id = format!("{}-2", store.id);
            store.regions = Some(
                region_ids
                    .iter()
                    .filter(|r| !twin_regions.contains(r))
                    .cloned()
                    .collect(),
            );
            let twin = StoreDoc {
                id,
                regions: Some(twin_regions),
                ..store.clone()
            };
            if !doc.stores.iter().any(|s| s.id == twin.id) {
                doc.stores.push(twin);
            }
        }
    }
    doc
}

/// The date generated policies are evaluated at; their exemptions expire around it.
pub fn as_of() -> Date {
    Date::new(2026, 6, 30).unwrap()
}

/// Up to three exemptions naming the document's own entries (a delivery through one
/// endpoint or any, a store in a cloud region, a connection from a range to a warehouse),
/// expired, expiring on the as-of date itself, or active.
fn exemptions(t: &mut Choices<'_>, doc: &Document) -> Vec<ExemptionDoc> {
    const TEXTS: &[&str] = &[
        "a signed transfer agreement",
        "yes",
        "null",
        "1.0",
        "it's [a] {b}",
        "é ü 中",
        "# c",
        "dpo@example.com",
        "- a",
    ];
    let regions: Vec<String> = doc.regions.iter().map(|r| r.id.clone()).collect();
    let warehouses: Vec<&StoreDoc> = doc
        .stores
        .iter()
        .filter(|s| s.kind == StoreKind::Warehouse)
        .collect();
    let egress: Vec<String> = doc
        .regions
        .iter()
        .flat_map(|r| r.warehouse_egress.clone())
        .collect();
    let n = if t.percent(50) { t.range(1, 3) } else { 0 };
    let mut out = Vec::new();
    for i in 0..n {
        let Some(region) = t.pick(&regions).cloned() else {
            break;
        };
        let mut e = ExemptionDoc {
            id: format!("ex-{i}"),
            region,
            destination: None,
            endpoint: None,
            store: None,
            cloud_region: None,
            warehouse: None,
            cidr: None,
            justification: s(t.pick(TEXTS).unwrap()),
            owner: s(t.pick(TEXTS).unwrap()),
            expires: Date::from_days_since_epoch(
                as_of().days_since_epoch() + [-400, -1, 0, 0, 1, 30, 3650][t.below(7)],
            )
            .unwrap(),
        };
        match t.below(3) {
            0 if !doc.destinations.is_empty() => {
                let d = t.pick(&doc.destinations).unwrap();
                e.destination = Some(d.id.clone());
                if t.percent(60) {
                    e.endpoint = t.pick(&d.endpoints).map(|x| x.id.clone());
                }
            }
            1 if !doc.stores.is_empty() && !doc.cloud_regions.is_empty() => {
                e.store = Some(t.pick(&doc.stores).unwrap().id.clone());
                e.cloud_region = Some(t.pick(&doc.cloud_regions).unwrap().id.clone());
            }
            2 if !warehouses.is_empty() => {
                e.warehouse = Some(t.pick(&warehouses).unwrap().id.clone());
                e.cidr = Some(match t.pick(&egress) {
                    Some(cidr) if t.percent(50) => cidr.clone(),
                    _ => any_cidr(t),
                });
            }
            _ => continue,
        }
        out.push(e);
    }
    out
}

/// Puts one deliberate defect into a valid document, and names it; `None` (the document
/// unchanged) when it has no region to break.
pub fn defect(doc: &mut Document, t: &mut Choices<'_>) -> Option<&'static str> {
    let region = t.below(doc.regions.len());
    let kind = t.below(14);
    let r = doc.regions.get_mut(region)?;
    let first_ingestion = r.ingestion.first_mut()?;
    Some(match kind {
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
            doc.cloud_regions.first_mut()?.country = "ie".into();
            "a malformed country"
        }
        11 => {
            let group = doc.groups.first()?.clone();
            doc.groups.push(group);
            "a duplicate group"
        }
        12 => {
            doc.stores.push(StoreDoc {
                id: "snowflake-x".into(),
                kind: StoreKind::Warehouse,
                clouds: Vec::new(),
                allowlist: None,
                regions: None,
            });
            "a warehouse without an allowlisting rule"
        }
        _ => {
            doc.destinations.push(DestinationDoc {
                id: "empty-x".into(),
                name: None,
                regions: Vec::new(),
                endpoints: Vec::new(),
            });
            "a destination without endpoints"
        }
    })
}
