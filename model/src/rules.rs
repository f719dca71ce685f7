//! The model's rules, one function per question, each a transcription of its paragraph in
//! the README's "The rules" (linear scans over the document; nothing precomputed).

use crate::hosts::{self, RawHost};
use crate::ips;
use crate::{Extras, Outcome};
use regionfence::document::{
    Allowlisting, DestinationDoc, Document, EndpointDoc, ExemptionDoc, IngestionDoc, Mechanism, PlacesDoc,
    RegionDoc, Residency, SourceKindDoc, StoreDoc, StoreKind,
};
use regionfence::{Date, Question};

/// The reason codes the README lists under **Names**: any of them denies the question.
pub const NAME_CODES: [&str; 12] = [
    "unknown-region",
    "unknown-source",
    "unknown-host",
    "malformed-host",
    "unknown-destination",
    "unknown-endpoint",
    "unknown-cloud-region",
    "unknown-store",
    "unknown-warehouse",
    "unknown-location",
    "unknown-ingestion-region",
    "malformed-ip",
];

// ---- exemptions ----

/// The document and the date it is evaluated at.
struct Exempt<'d> {
    doc: &'d Document,
    as_of: Option<Date>,
}

impl<'d> Exempt<'d> {
    /// **Exemptions**: "active when the policy is evaluated at a date on or before its
    /// `expires`"; the first active one of region `region` that `covers` the flow, in the
    /// document's order.
    fn first(&self, region: &str, covers: impl Fn(&ExemptionDoc) -> bool) -> Option<&'d ExemptionDoc> {
        let as_of = self.as_of?;
        self.doc
            .exemptions
            .iter()
            .find(|e| as_of <= e.expires && e.region == region && covers(e))
    }
}

/// "the decision carries the rule's reason, then `exempted`".
fn exempted(rule: &'static str, extras: Extras) -> Outcome {
    Outcome {
        allow: true,
        codes: vec![rule, "exempted"],
        extras,
    }
}

/// Answers `question` from the document alone, evaluated at no date (no exemption applies).
pub fn decide(doc: &Document, question: &Question) -> Outcome {
    decide_at(doc, None, question)
}

/// Answers `question` from the document alone, evaluated at `as_of`.
pub fn decide_at(doc: &Document, as_of: Option<Date>, question: &Question) -> Outcome {
    let at = Exempt { doc, as_of };
    match question {
        Question::Ingest {
            workspace,
            source,
            host,
        } => ingest(doc, workspace, source, host),
        Question::Resolve {
            workspace,
            source,
            ingestion,
        } => resolve(doc, workspace, source, ingestion.as_deref()),
        Question::Deliver {
            workspace,
            destination,
            endpoint,
        } => deliver(&at, workspace, destination, endpoint.as_deref()),
        Question::Store {
            workspace,
            store: name,
            cloud_region,
        } => store(&at, workspace, name, cloud_region),
        Question::Connect {
            workspace,
            warehouse,
            ip,
        } => connect(&at, workspace, warehouse, ip),
        Question::Allowlist { workspace, warehouse } => allowlist(doc, workspace, warehouse),
        Question::Failover { from, to } => failover(doc, from, to),
        Question::RegionChange { workspace, to } => region_change(doc, workspace, to),
    }
}

// ---- look-ups: "Names are compared exactly" ----

pub fn region<'d>(doc: &'d Document, name: &str) -> Option<&'d RegionDoc> {
    doc.regions.iter().find(|r| r.id == name)
}

/// A source kind, or a catalog source (with its kind's id), by name.
pub enum Source<'d> {
    Kind(&'d SourceKindDoc),
    Catalog { kind: &'d str, regions: &'d [String] },
}

pub fn source<'d>(doc: &'d Document, name: &str) -> Option<Source<'d>> {
    if let Some(k) = doc.source_kinds.iter().find(|k| k.id == name) {
        return Some(Source::Kind(k));
    }
    doc.sources
        .iter()
        .find(|s| s.id == name)
        .map(|s| Source::Catalog {
            kind: &s.kind,
            regions: &s.regions,
        })
}

fn kind_of<'d>(doc: &'d Document, source: &Source<'d>) -> Option<&'d SourceKindDoc> {
    match source {
        Source::Kind(k) => Some(k),
        Source::Catalog { kind, .. } => doc.source_kinds.iter().find(|k| k.id == *kind),
    }
}

/// Every ingestion region of every processing region, with its owner.
pub fn all_ingestions(doc: &Document) -> impl Iterator<Item = (&RegionDoc, &IngestionDoc)> {
    doc.regions
        .iter()
        .flat_map(|r| r.ingestion.iter().map(move |i| (r, i)))
}

/// A host as the policy knows it: normalised and listed by some ingestion region.
fn host_name(doc: &Document, raw: &str) -> Result<String, &'static str> {
    match hosts::normalise(raw) {
        RawHost::Name(n) if all_ingestions(doc).any(|(_, i)| i.hosts.contains(&n)) => Ok(n),
        RawHost::Name(_) | RawHost::Unknown => Err("unknown-host"),
        RawHost::Malformed => Err("malformed-host"),
    }
}

fn destination<'d>(doc: &'d Document, name: &str) -> Option<&'d DestinationDoc> {
    doc.destinations.iter().find(|d| d.id == name)
}

/// "A named endpoint is matched by id, or by host after normalisation".
fn endpoint<'d>(d: &'d DestinationDoc, raw: &str) -> Option<&'d EndpointDoc> {
    d.endpoints
        .iter()
        .find(|e| e.id == raw)
        .or_else(|| match hosts::normalise(raw) {
            RawHost::Name(n) => d.endpoints.iter().find(|e| e.hosts.contains(&n)),
            _ => None,
        })
}

fn store_named<'d>(doc: &'d Document, name: &str) -> Option<&'d StoreDoc> {
    doc.stores.iter().find(|s| s.id == name)
}

/// "The warehouse must be a store of kind `warehouse`."
fn warehouse<'d>(doc: &'d Document, name: &str) -> Option<&'d StoreDoc> {
    store_named(doc, name).filter(|s| s.kind == StoreKind::Warehouse)
}

/// "Locations are `<region>/<ingestion>-<zone>`, one per zone of each ingestion region."
pub fn location<'d>(doc: &'d Document, name: &str) -> Option<(&'d RegionDoc, &'d IngestionDoc)> {
    all_ingestions(doc).find(|(r, i)| i.zones.iter().any(|z| format!("{}/{}-{}", r.id, i.id, z) == name))
}

// ---- places ----

/// "default to `[<jurisdiction>]` when it is `strict` and to `any` when it is `edge-ingest`".
fn effective(places: &Option<PlacesDoc>, region: &RegionDoc) -> PlacesDoc {
    match places {
        Some(p) => p.clone(),
        None => match region.residency {
            Residency::Strict => PlacesDoc::List(vec![region.jurisdiction.clone()]),
            Residency::EdgeIngest => PlacesDoc::Any(regionfence::document::AnyWord::Any),
        },
    }
}

/// "A cloud region is in a list when it is listed or its country is in a listed group's
/// `countries`".
pub fn cloud_in_places(doc: &Document, cloud_id: &str, places: &PlacesDoc) -> bool {
    let list = match places {
        PlacesDoc::Any(_) => return true,
        PlacesDoc::List(list) => list,
    };
    let country = doc
        .cloud_regions
        .iter()
        .find(|c| c.id == cloud_id)
        .map(|c| &c.country);
    list.iter().any(|place| {
        place == cloud_id
            || doc
                .groups
                .iter()
                .any(|g| &g.id == place && country.is_some_and(|c| g.countries.contains(c)))
    })
}

/// "an endpoint is in a list when its `jurisdiction` group is listed (or the list is `any`)".
fn endpoint_in_places(e: &EndpointDoc, places: &PlacesDoc) -> bool {
    match places {
        PlacesDoc::Any(_) => true,
        PlacesDoc::List(list) => list.contains(&e.jurisdiction),
    }
}

pub fn deliver_to(region: &RegionDoc) -> PlacesDoc {
    effective(&region.deliver_to, region)
}

pub fn customer_storage(region: &RegionDoc) -> PlacesDoc {
    effective(&region.customer_storage, region)
}

/// **Source support**: "its kind is in `regions[R].source_kinds`, and — for a catalog source
/// — R is in its `regions`. A source kind named bare is not supported in R when R lists it in
/// `catalog_only_kinds`".
fn supported(doc: &Document, source: &Source, region: &RegionDoc) -> bool {
    let kind_ok = kind_of(doc, source).is_some_and(|k| region.source_kinds.contains(&k.id));
    let entry_ok = match source {
        Source::Kind(k) => !region.catalog_only_kinds.contains(&k.id),
        Source::Catalog { regions, .. } => regions.contains(&region.id),
    };
    kind_ok && entry_ok
}

// ---- the questions ----

fn denied(codes: Vec<&'static str>) -> Outcome {
    Outcome {
        allow: false,
        codes,
        extras: Extras::None,
    }
}

fn allowed(code: &'static str, extras: Extras) -> Outcome {
    Outcome {
        allow: true,
        codes: vec![code],
        extras,
    }
}

/// Records `code` when `found` is `None`.
fn named<T>(found: Option<T>, code: &'static str, names: &mut Vec<&'static str>) -> Option<T> {
    if found.is_none() {
        names.push(code);
    }
    found
}

fn ingest(doc: &Document, workspace: &str, source_name: &str, raw_host: &str) -> Outcome {
    let mut names = Vec::new();
    let r = named(region(doc, workspace), "unknown-region", &mut names);
    let s = named(source(doc, source_name), "unknown-source", &mut names);
    let h = host_name(doc, raw_host).map_err(|code| names.push(code)).ok();
    let (Some(r), Some(s), Some(h)) = (r, s, h) else {
        return denied(names);
    };
    let mut reasons = Vec::new();
    if !supported(doc, &s, r) {
        reasons.push("source-unsupported-in-region");
    }
    let own = r.ingestion.iter().any(|i| i.hosts.contains(&h));
    if !own {
        // Listed by some ingestion region (it is known), none of them this region's.
        reasons.push("ingestion-outside-region");
    }
    if reasons.is_empty() {
        allowed("host-in-region", Extras::None)
    } else {
        denied(reasons)
    }
}

fn resolve(doc: &Document, workspace: &str, source_name: &str, ingestion: Option<&str>) -> Outcome {
    let mut names = Vec::new();
    let r = named(region(doc, workspace), "unknown-region", &mut names);
    let s = named(source(doc, source_name), "unknown-source", &mut names);
    if let Some(name) = ingestion {
        // "a name no region offers is `unknown-ingestion-region`".
        if !all_ingestions(doc).any(|(_, i)| i.id == name) {
            names.push("unknown-ingestion-region");
        }
    }
    let (Some(r), Some(s), true) = (r, s, names.is_empty()) else {
        return denied(names);
    };
    let mut reasons = Vec::new();
    let chosen = match ingestion {
        Some(name) => {
            let mine = r.ingestion.iter().find(|i| i.id == name);
            if mine.is_none() {
                reasons.push("ingestion-outside-region");
            }
            mine
        }
        None => r.ingestion.iter().find(|i| i.default),
    };
    if !supported(doc, &s, r) {
        reasons.push("source-unsupported-in-region");
    }
    let mechanism = kind_of(doc, &s).map(|k| k.mechanism);
    match (chosen, mechanism, reasons.is_empty()) {
        (Some(i), Some(m), true) => allowed(
            "host-resolved",
            Extras::Host {
                host: i.hosts.first().cloned().unwrap_or_default(),
                mechanism: mechanism_name(m),
                ingestion: i.id.clone(),
            },
        ),
        _ => denied(reasons),
    }
}

fn mechanism_name(m: Mechanism) -> &'static str {
    match m {
        Mechanism::RegionalSettings => "regional-settings",
        Mechanism::HostParameter => "host-parameter",
        Mechanism::Managed => "managed",
    }
}

fn deliver(at: &Exempt, workspace: &str, destination_name: &str, raw_endpoint: Option<&str>) -> Outcome {
    let doc = at.doc;
    let mut names = Vec::new();
    let r = named(region(doc, workspace), "unknown-region", &mut names);
    let d = named(
        destination(doc, destination_name),
        "unknown-destination",
        &mut names,
    );
    // An endpoint can only be looked up among a known destination's endpoints.
    let named_endpoint = match (d, raw_endpoint) {
        (Some(d), Some(raw)) => named(endpoint(d, raw), "unknown-endpoint", &mut names),
        _ => None,
    };
    let (Some(r), Some(d), true) = (r, d, names.is_empty()) else {
        return denied(names);
    };
    if !d.regions.contains(&r.id) {
        return denied(vec!["destination-unavailable-in-region"]);
    }
    let places = deliver_to(r);
    let chosen = named_endpoint.or_else(|| {
        d.endpoints
            .iter()
            .find(|e| e.jurisdiction == r.jurisdiction && endpoint_in_places(e, &places))
            .or_else(|| d.endpoints.iter().find(|e| endpoint_in_places(e, &places)))
    });
    match chosen {
        Some(e) if endpoint_in_places(e, &places) => allowed(
            "endpoint-in-region",
            Extras::Endpoint {
                id: e.id.clone(),
                hosts: e.hosts.clone(),
            },
        ),
        _ => {
            // "deliver: an exemption naming the destination and, when it names an endpoint,
            // the endpoint named (any, when the question names none)"; the data goes
            // through the endpoint named, else the exemption's, else the destination's first.
            let covering = at.first(&r.id, |e| {
                e.destination.as_deref() == Some(d.id.as_str())
                    && match (&e.endpoint, named_endpoint) {
                        (Some(allowed), Some(asked)) => *allowed == asked.id,
                        _ => true,
                    }
            });
            let through = covering.and_then(|e| match (named_endpoint, &e.endpoint) {
                (Some(asked), _) => Some(asked),
                (None, Some(allowed)) => d.endpoints.iter().find(|x| x.id == *allowed),
                (None, None) => d.endpoints.first(),
            });
            match through {
                Some(e) => exempted(
                    "endpoint-outside-region",
                    Extras::Endpoint {
                        id: e.id.clone(),
                        hosts: e.hosts.clone(),
                    },
                ),
                None => denied(vec!["endpoint-outside-region"]),
            }
        }
    }
}

fn store(at: &Exempt, workspace: &str, store_name: &str, cloud_region: &str) -> Outcome {
    let doc = at.doc;
    let mut names = Vec::new();
    let r = named(region(doc, workspace), "unknown-region", &mut names);
    let s = named(store_named(doc, store_name), "unknown-store", &mut names);
    let c = named(
        doc.cloud_regions.iter().find(|c| c.id == cloud_region),
        "unknown-cloud-region",
        &mut names,
    );
    let (Some(r), Some(s), Some(c)) = (r, s, c) else {
        return denied(names);
    };
    let mut reasons = Vec::new();
    let provider = c.id.split(':').next().unwrap_or("");
    if !s.clouds.iter().any(|p| p == provider) {
        reasons.push("store-provider-mismatch");
    }
    let places = match s.kind {
        StoreKind::Archive => PlacesDoc::List(r.archive.clone()),
        StoreKind::DataLake | StoreKind::Warehouse => customer_storage(r),
    };
    // "A store that lists `regions` must list R".
    let offered = s.regions.as_ref().is_none_or(|listed| listed.contains(&r.id));
    // "must list R (`store-not-offered`: then no cloud region will do, and the places are
    // not read)".
    if !offered {
        reasons.push("store-not-offered");
    } else if !cloud_in_places(doc, &c.id, &places) {
        reasons.push("store-outside-region");
    }
    // "store: `store-not-offered` or `store-outside-region` (a provider mismatch is never
    // exempted), an exemption naming the store and the cloud region".
    let covered = || {
        at.first(&r.id, |e| {
            e.store.as_deref() == Some(s.id.as_str()) && e.cloud_region.as_deref() == Some(c.id.as_str())
        })
        .is_some()
    };
    if reasons.is_empty() {
        allowed("store-in-region", Extras::None)
    } else if let (["store-not-offered" | "store-outside-region"], true) = (reasons.as_slice(), covered()) {
        exempted(reasons[0], Extras::None)
    } else {
        denied(reasons)
    }
}

fn connect(at: &Exempt, workspace: &str, warehouse_name: &str, raw_ip: &str) -> Outcome {
    let doc = at.doc;
    let mut names = Vec::new();
    let r = named(region(doc, workspace), "unknown-region", &mut names);
    let w = named(warehouse(doc, warehouse_name), "unknown-warehouse", &mut names);
    let ip = named(ips::parse_ip(raw_ip), "malformed-ip", &mut names);
    let (Some(r), Some(w), Some(ip)) = (r, w, ip) else {
        return denied(names);
    };
    // "connect: an exemption naming the warehouse whose `cidr` holds the IP".
    let covered = || {
        at.first(&r.id, |e| {
            e.warehouse.as_deref() == Some(w.id.as_str())
                && e.cidr
                    .as_deref()
                    .and_then(|c| c.parse().ok())
                    .is_some_and(|net| ips::in_nets(&[net], ip))
        })
        .is_some()
    };
    if ips::in_egress(r, ip) {
        allowed("ip-allowlisted", Extras::None)
    } else if covered() {
        exempted("ip-not-allowlisted", Extras::None)
    } else {
        denied(vec!["ip-not-allowlisted"])
    }
}

fn allowlist(doc: &Document, workspace: &str, warehouse_name: &str) -> Outcome {
    let mut names = Vec::new();
    let r = named(region(doc, workspace), "unknown-region", &mut names);
    let w = named(warehouse(doc, warehouse_name), "unknown-warehouse", &mut names);
    let (Some(r), Some(w)) = (r, w) else {
        return denied(names);
    };
    let cidrs = || Extras::Cidrs(ips::egress(r).iter().map(ToString::to_string).collect());
    match w.allowlist {
        Some(Allowlisting::NotNeeded) => allowed("allowlist-not-needed", Extras::Cidrs(vec![])),
        _ if r.warehouse_egress.is_empty() => denied(vec!["allowlist-unknown"]),
        Some(Allowlisting::Recommended) => allowed("allowlist-recommended", cidrs()),
        // A warehouse always has a rule; `required` is the only one left.
        Some(Allowlisting::Required) | None => allowed("allowlist-required", cidrs()),
    }
}

fn failover(doc: &Document, from: &str, to: &str) -> Outcome {
    let mut names = Vec::new();
    let f = named(location(doc, from), "unknown-location", &mut names);
    let t = named(location(doc, to), "unknown-location", &mut names);
    let (Some((fr, fi)), Some((tr, ti))) = (f, t) else {
        return denied(names);
    };
    let same_ingestion = fr.id == tr.id && fi.id == ti.id;
    let listed = fi.failover_to.contains(&format!("{}/{}", tr.id, ti.id));
    // "first match wins".
    if from == to {
        denied(vec!["failover-same-location"])
    } else if same_ingestion {
        allowed("failover-within-ingestion-region", Extras::None)
    } else if listed {
        allowed("failover-listed-target", Extras::None)
    } else if fr.id != tr.id {
        denied(vec!["failover-across-regions"])
    } else {
        denied(vec!["failover-across-ingestion-regions"])
    }
}

fn region_change(doc: &Document, workspace: &str, to: &str) -> Outcome {
    let mut names = Vec::new();
    let from_region = named(region(doc, workspace), "unknown-region", &mut names);
    let to_region = named(region(doc, to), "unknown-region", &mut names);
    match (from_region, to_region) {
        (Some(a), Some(b)) if a.id == b.id => allowed("region-unchanged", Extras::None),
        (Some(_), Some(_)) => denied(vec!["region-immutable"]),
        _ => denied(names),
    }
}
