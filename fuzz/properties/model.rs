//! A naive reference model of the README's rules, written for clarity over the policy
//! *document* (linear scans, strings, no compiled tables), and the checks every decision of
//! every target must pass against it.
//!
//! Nothing here calls the engine to decide what the engine should have decided: hosts are
//! normalised by [`spec_host`], IPs parsed by [`spec_ip`] and every question answered by
//! [`expected`], each written from the README's text.

use ipnet::IpNet;
use regionfence::document::{
    Allowlisting, Document, PlacesDoc, RegionDoc, Residency, SourceKindDoc, StoreKind,
};
use regionfence::invariants::{self, Invariant};
use regionfence::limits::{MAX_HOST_INPUT_BYTES, MAX_HOST_NAME_BYTES, MAX_IP_INPUT_BYTES};
use regionfence::{Policy, Question, ReasonCode, Verdict, MAX_REASONS};
use std::net::{IpAddr, Ipv4Addr};

// ---------------------------------------------------------------------------------------
// Hosts
// ---------------------------------------------------------------------------------------

/// Why the README's rules refuse a raw host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostRefusal {
    /// Not a host name at all (`malformed-host`).
    Malformed,
    /// A well-formed address that is not a listable name: an IP literal or a non-default
    /// port (`unknown-host`).
    Unknown,
}

/// The README's host normalisation, step by step in the order the README gives.
pub fn spec_host(raw: &str) -> Result<String, HostRefusal> {
    use HostRefusal::{Malformed, Unknown};
    if raw.len() > MAX_HOST_INPUT_BYTES {
        return Err(Malformed);
    }
    // A leading scheme: a letter, then letters, digits, `+`, `-` or `.`, then `://`; it must
    // be `http` or `https` in any case.
    let scheme_end = raw
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .unwrap_or(raw.len());
    let scheme = &raw[..scheme_end];
    let has_scheme =
        scheme.starts_with(|c: char| c.is_ascii_alphabetic()) && raw[scheme_end..].starts_with("://");
    let (rest, default_ports): (&str, &[&str]) = if !has_scheme {
        (raw, &["443", "80"])
    } else if scheme.eq_ignore_ascii_case("https") {
        (&raw[scheme_end + 3..], &["443"])
    } else if scheme.eq_ignore_ascii_case("http") {
        (&raw[scheme_end + 3..], &["80"])
    } else {
        return Err(Malformed);
    };
    // Cutting everything from the first `/`, `?` or `#`.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // In order: userinfo; a leading `[` or several colons with a non-default port; an empty
    // or non-numeric port; any other non-default port.
    if authority.contains('@') {
        return Err(Malformed);
    }
    if authority.starts_with('[') {
        return Err(Unknown);
    }
    let name = match authority.rsplit_once(':') {
        None => authority,
        Some((name, port)) => {
            let default = default_ports.contains(&port);
            if name.contains(':') && !default {
                return Err(Unknown);
            }
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Malformed);
            }
            if !default {
                return Err(Unknown);
            }
            name
        }
    };
    // Removing one trailing dot; lower-casing ASCII (and only ASCII: a Kelvin sign must not
    // become a `k`).
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name.is_empty() || name.len() > MAX_HOST_NAME_BYTES {
        return Err(Malformed);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return Err(Malformed);
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 || label.starts_with('-') || label.ends_with('-') {
            return Err(Malformed);
        }
    }
    // A numeric last label (decimal, or `0x` hex as URL parsers read it) is an IP literal.
    let last = name.rsplit('.').next().unwrap_or("");
    let hex = last
        .strip_prefix("0x")
        .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()));
    if last.bytes().all(|b| b.is_ascii_digit()) || hex {
        return Err(Unknown);
    }
    Ok(name)
}

/// Whether `name` is a bare host name as a policy lists them.
pub fn is_bare_host(name: &str) -> bool {
    spec_host(name).is_ok_and(|n| n == name)
}

/// Every ingestion host a document lists, in document order (with repeats).
pub fn ingestion_hosts(doc: &Document) -> Vec<&str> {
    doc.regions
        .iter()
        .flat_map(|r| &r.ingestion)
        .flat_map(|i| &i.hosts)
        .map(String::as_str)
        .collect()
}

// ---------------------------------------------------------------------------------------
// IPs
// ---------------------------------------------------------------------------------------

/// The README's strict IP parsing: a dotted quad without leading zeros (parsed here by hand),
/// or IPv6 without zone or brackets; an IPv4-mapped IPv6 address is its IPv4 address.
pub fn spec_ip(raw: &str) -> Option<IpAddr> {
    if raw.is_empty() || raw.len() > MAX_IP_INPUT_BYTES {
        return None;
    }
    if raw.contains(':') {
        if raw.contains(['%', '[', ']']) || raw.bytes().any(|b| b.is_ascii_whitespace()) {
            return None;
        }
        let v6: std::net::Ipv6Addr = raw.parse().ok()?;
        return Some(match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        });
    }
    let mut octets = [0u8; 4];
    let mut parts = raw.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        let well_formed = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'));
        if !well_formed {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}

/// A network as compared: an IPv4-mapped IPv6 network (`::ffff:a.b.c.d/96+n`) is the IPv4
/// network it carries.
pub fn spec_net(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net {
        if v6.prefix_len() >= 96 {
            if let Some(v4) = v6.network().to_ipv4_mapped() {
                if let Ok(n) = ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96) {
                    return IpNet::V4(n);
                }
            }
        }
    }
    net
}

/// A naive scan: whether `ip` (already canonical) lies in any of `nets`.
pub fn spec_in(nets: &[IpNet], ip: IpAddr) -> bool {
    nets.iter().any(|n| spec_net(*n).contains(&ip))
}

/// A region's egress CIDRs, parsed from the document.
fn egress(region: &RegionDoc) -> Vec<IpNet> {
    region
        .warehouse_egress
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect()
}

// ---------------------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------------------

/// What the README's rules decide for a question, and what an allow must hand back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// Allowed?
    pub allow: bool,
    /// Whether a name in the question is unknown or malformed (so a reason must say so).
    pub unknown: bool,
    /// `resolve`: the host handed out; `deliver`: the chosen endpoint's first host.
    pub host: Option<String>,
    /// `resolve`: the mechanism.
    pub mechanism: Option<String>,
    /// `resolve`: the ingestion region chosen.
    pub ingestion: Option<String>,
    /// `deliver`: the endpoint chosen.
    pub endpoint: Option<String>,
    /// `allowlist`: the CIDRs handed out.
    pub cidrs: Option<Vec<String>>,
}

fn deny(unknown: bool) -> Expected {
    Expected {
        unknown,
        ..Expected::default()
    }
}

/// A source name: a kind, or a catalog entry with its kind and regions.
struct SourceRef<'d> {
    kind: Option<&'d SourceKindDoc>,
    catalog_regions: Option<&'d [String]>,
}

fn source<'d>(doc: &'d Document, name: &str) -> Option<SourceRef<'d>> {
    if let Some(kind) = doc.source_kinds.iter().find(|k| k.id == name) {
        return Some(SourceRef {
            kind: Some(kind),
            catalog_regions: None,
        });
    }
    let entry = doc.sources.iter().find(|s| s.id == name)?;
    Some(SourceRef {
        kind: doc.source_kinds.iter().find(|k| k.id == entry.kind),
        catalog_regions: Some(&entry.regions),
    })
}

/// "A source is supported in region R when its kind is in `regions[R].source_kinds`, and —
/// for a catalog source — R is in its `regions`."
fn supported(source: &SourceRef<'_>, region: &RegionDoc) -> bool {
    source.kind.is_some_and(|k| region.source_kinds.contains(&k.id))
        && source
            .catalog_regions
            .is_none_or(|regions| regions.contains(&region.id))
}

/// A region's place list as written, or its default.
fn places_or_default(region: &RegionDoc, places: Option<&PlacesDoc>) -> PlacesDoc {
    match places {
        Some(p) => p.clone(),
        None => match region.residency {
            Residency::Strict => PlacesDoc::List(vec![region.jurisdiction.clone()]),
            Residency::EdgeIngest => PlacesDoc::Any(regionfence::document::AnyWord::Any),
        },
    }
}

/// "A cloud region is in a list when it is listed or its country is in a listed group's
/// `countries`."
fn cloud_in_places(doc: &Document, places: &PlacesDoc, cloud_id: &str) -> bool {
    let Some(cloud) = doc.cloud_regions.iter().find(|c| c.id == cloud_id) else {
        return false;
    };
    match places {
        PlacesDoc::Any(_) => true,
        PlacesDoc::List(list) => list.iter().any(|p| {
            p == cloud_id
                || doc
                    .groups
                    .iter()
                    .any(|g| &g.id == p && g.countries.contains(&cloud.country))
        }),
    }
}

/// "An endpoint is in a list when its `jurisdiction` group is listed (or the list is `any`)."
fn group_in_places(places: &PlacesDoc, group: &str) -> bool {
    match places {
        PlacesDoc::Any(_) => true,
        PlacesDoc::List(list) => list.iter().any(|p| p == group),
    }
}

/// Every failover location: `(name, region, ingestion)`.
fn locations(doc: &Document) -> Vec<(String, &str, &str)> {
    let mut out = Vec::new();
    for r in &doc.regions {
        for i in &r.ingestion {
            for z in &i.zones {
                out.push((format!("{}/{}-{}", r.id, i.id, z), r.id.as_str(), i.id.as_str()));
            }
        }
    }
    out
}

/// The README's answer to `question` under `doc`.
pub fn expected(doc: &Document, question: &Question) -> Expected {
    let region = |name: &str| doc.regions.iter().find(|r| r.id == name);
    match question {
        Question::Ingest {
            workspace,
            source: source_name,
            host,
        } => {
            let r = region(workspace);
            let s = source(doc, source_name);
            let h = spec_host(host)
                .ok()
                .filter(|h| ingestion_hosts(doc).contains(&h.as_str()));
            let (Some(r), Some(s), Some(h)) = (r, s, h) else {
                return deny(true);
            };
            let own = r.ingestion.iter().any(|i| i.hosts.contains(&h));
            Expected {
                allow: own && supported(&s, r),
                ..deny(false)
            }
        }
        Question::Resolve {
            workspace,
            source: source_name,
            ingestion,
        } => {
            let (Some(r), Some(s)) = (region(workspace), source(doc, source_name)) else {
                return deny(true);
            };
            let chosen = match ingestion {
                None => r.ingestion.iter().find(|i| i.default),
                Some(name) => {
                    let offered = doc
                        .regions
                        .iter()
                        .any(|o| o.ingestion.iter().any(|i| &i.id == name));
                    if !offered {
                        return deny(true);
                    }
                    r.ingestion.iter().find(|i| &i.id == name)
                }
            };
            match chosen {
                Some(i) if supported(&s, r) => Expected {
                    allow: true,
                    unknown: false,
                    host: i.hosts.first().cloned(),
                    mechanism: s.kind.map(|k| k.mechanism.to_string()),
                    ingestion: Some(i.id.clone()),
                    ..Expected::default()
                },
                _ => deny(false),
            }
        }
        Question::Deliver {
            workspace,
            destination,
            endpoint,
        } => {
            let r = region(workspace);
            let d = doc.destinations.iter().find(|d| &d.id == destination);
            let Some(d) = d else {
                return deny(true);
            };
            // "A named endpoint is matched by id, or by host after normalisation."
            let named = match endpoint {
                None => None,
                Some(raw) => {
                    let normal = spec_host(raw).ok();
                    match d
                        .endpoints
                        .iter()
                        .find(|e| &e.id == raw || normal.as_ref().is_some_and(|n| e.hosts.contains(n)))
                    {
                        Some(e) => Some(e),
                        None => return deny(true),
                    }
                }
            };
            let Some(r) = r else {
                return deny(true);
            };
            if !d.regions.contains(&r.id) {
                return deny(false);
            }
            let deliver_to = places_or_default(r, r.deliver_to.as_ref());
            let allowed =
                |e: &&regionfence::document::EndpointDoc| group_in_places(&deliver_to, &e.jurisdiction);
            let chosen = named.or_else(|| {
                d.endpoints
                    .iter()
                    .find(|e| e.jurisdiction == r.jurisdiction && allowed(e))
                    .or_else(|| d.endpoints.iter().find(allowed))
            });
            match chosen {
                // README: the answer names the endpoint, and its first host where known.
                Some(e) if allowed(&e) => Expected {
                    allow: true,
                    endpoint: Some(e.id.clone()),
                    host: e.hosts.first().cloned(),
                    ..deny(false)
                },
                _ => deny(false),
            }
        }
        Question::Store {
            workspace,
            store,
            cloud_region,
        } => {
            let r = region(workspace);
            let st = doc.stores.iter().find(|s| &s.id == store);
            let c = doc.cloud_regions.iter().find(|c| &c.id == cloud_region);
            let (Some(r), Some(st), Some(c)) = (r, st, c) else {
                return deny(true);
            };
            let provider = c.id.split(':').next().unwrap_or("");
            let provider_ok = st.clouds.iter().any(|p| p == provider);
            let places = match st.kind {
                StoreKind::Archive => PlacesDoc::List(r.archive.clone()),
                StoreKind::DataLake | StoreKind::Warehouse => {
                    places_or_default(r, r.customer_storage.as_ref())
                }
            };
            Expected {
                allow: provider_ok && cloud_in_places(doc, &places, &c.id),
                ..deny(false)
            }
        }
        Question::Connect {
            workspace,
            warehouse,
            ip,
        } => {
            let r = region(workspace);
            let w = doc
                .stores
                .iter()
                .find(|s| &s.id == warehouse && s.kind == StoreKind::Warehouse);
            let (Some(r), Some(_), Some(ip)) = (r, w, spec_ip(ip)) else {
                return deny(true);
            };
            Expected {
                allow: spec_in(&egress(r), ip),
                ..deny(false)
            }
        }
        Question::Allowlist { workspace, warehouse } => {
            let r = region(workspace);
            let w = doc
                .stores
                .iter()
                .find(|s| &s.id == warehouse && s.kind == StoreKind::Warehouse);
            let (Some(r), Some(w)) = (r, w) else {
                return deny(true);
            };
            let cidrs: Vec<String> = egress(r).iter().map(ToString::to_string).collect();
            match w.allowlist {
                Some(Allowlisting::NotNeeded) => Expected {
                    allow: true,
                    cidrs: Some(Vec::new()),
                    ..deny(false)
                },
                _ if !cidrs.is_empty() => Expected {
                    allow: true,
                    cidrs: Some(cidrs),
                    ..deny(false)
                },
                _ => deny(false),
            }
        }
        Question::Failover { from, to } => {
            let all = locations(doc);
            let find = |name: &str| all.iter().find(|(n, _, _)| n == name);
            let (Some((_, fr, fi)), Some((_, tr, ti))) = (find(from), find(to)) else {
                return deny(true);
            };
            let listed = doc
                .regions
                .iter()
                .filter(|r| r.id == *fr)
                .flat_map(|r| &r.ingestion)
                .filter(|i| i.id == *fi)
                .any(|i| i.failover_to.iter().any(|t| *t == format!("{tr}/{ti}")));
            let same_ingestion = fr == tr && fi == ti;
            Expected {
                allow: from != to && (same_ingestion || listed),
                ..deny(false)
            }
        }
        Question::RegionChange { workspace, to } => {
            if region(workspace).is_none() || region(to).is_none() {
                return deny(true);
            }
            Expected {
                allow: workspace == to,
                ..deny(false)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// When an invariant must hold: only where the policy itself keeps it
// ---------------------------------------------------------------------------------------

/// Whether every country of `inner` is a country of `outer` (an empty group lies nowhere).
fn group_within(doc: &Document, inner: &str, outer: &str) -> bool {
    let countries = |id: &str| doc.groups.iter().find(|g| g.id == id).map(|g| &g.countries);
    match (countries(inner), countries(outer)) {
        (Some(i), Some(o)) => inner == outer || (!i.is_empty() && i.iter().all(|c| o.contains(c))),
        _ => false,
    }
}

fn cloud_country<'d>(doc: &'d Document, cloud: &str) -> Option<&'d str> {
    doc.cloud_regions
        .iter()
        .find(|c| c.id == cloud)
        .map(|c| c.country.as_str())
}

fn cloud_within(doc: &Document, cloud: &str, group: &str) -> bool {
    let country = cloud_country(doc, cloud);
    doc.groups
        .iter()
        .any(|g| g.id == group && country.is_some_and(|c| g.countries.iter().any(|x| x == c)))
}

/// Whether a place list (for storage) lies inside `group`: every listed cloud region is in it
/// and every listed group's countries are (empty groups place nothing).
fn storage_places_within(doc: &Document, places: &PlacesDoc, group: &str) -> bool {
    match places {
        PlacesDoc::Any(_) => false,
        PlacesDoc::List(list) => list.iter().all(|p| {
            if doc.groups.iter().any(|g| &g.id == p) {
                let empty = doc.groups.iter().any(|g| &g.id == p && g.countries.is_empty());
                empty || group_within(doc, p, group)
            } else {
                cloud_within(doc, p, group)
            }
        }),
    }
}

/// Whether a place list (for delivery) holds only groups inside `group`.
fn delivery_places_within(doc: &Document, places: &PlacesDoc, group: &str) -> bool {
    match places {
        PlacesDoc::Any(_) => false,
        PlacesDoc::List(list) => list
            .iter()
            .filter(|p| doc.groups.iter().any(|g| &g.id == *p))
            .all(|p| group_within(doc, p, group)),
    }
}

/// Whether `region` is strict and its own entries keep its data in its jurisdiction, so that
/// the residency invariant must hold for every question its workspaces ask: ingestion
/// regions (and every ingestion region sharing one of their hosts), processing, archive,
/// customer storage and delivery places inside the jurisdiction, and no loader range shared
/// with another region.
pub fn strict_and_clean(doc: &Document, region: &RegionDoc) -> bool {
    if region.residency != Residency::Strict {
        return false;
    }
    let home = region.jurisdiction.as_str();
    let own_hosts: Vec<&String> = region.ingestion.iter().flat_map(|i| &i.hosts).collect();
    let ingestion_ok = doc
        .regions
        .iter()
        .flat_map(|r| &r.ingestion)
        .filter(|i| i.hosts.iter().any(|h| own_hosts.contains(&h)))
        .all(|i| cloud_within(doc, &i.cloud_region, home));
    let mine = egress(region);
    let shared_range = doc.regions.iter().filter(|o| o.id != region.id).any(|o| {
        egress(o).iter().any(|theirs| {
            let theirs = spec_net(*theirs);
            mine.iter().any(|m| {
                let m = spec_net(*m);
                m.contains(&theirs.network()) || theirs.contains(&m.network())
            })
        })
    });
    ingestion_ok
        && cloud_within(doc, &region.processing, home)
        && storage_places_within(doc, &PlacesDoc::List(region.archive.clone()), home)
        && storage_places_within(
            doc,
            &places_or_default(region, region.customer_storage.as_ref()),
            home,
        )
        && delivery_places_within(doc, &places_or_default(region, region.deliver_to.as_ref()), home)
        && !shared_range
}

/// Whether some host is listed by ingestion regions of two different processing regions.
fn host_shared_across_regions(doc: &Document) -> bool {
    doc.regions.iter().enumerate().any(|(ri, r)| {
        r.ingestion.iter().flat_map(|i| &i.hosts).any(|h| {
            doc.regions
                .iter()
                .enumerate()
                .any(|(oi, o)| oi != ri && o.ingestion.iter().any(|i| i.hosts.contains(h)))
        })
    })
}

/// Whether the policy must keep `invariant` for `question`: the policy-independent ones
/// always; the others only where the document itself does not break them on purpose
/// (dirty strict regions, hosts shared across regions, explicit `failover_to` loosenings).
fn must_hold(doc: &Document, invariant: Invariant, question: &Question) -> bool {
    match invariant {
        Invariant::FailClosed | Invariant::Immutability | Invariant::Totality => true,
        Invariant::Residency => {
            let workspace = match question {
                Question::Ingest { workspace, .. }
                | Question::Resolve { workspace, .. }
                | Question::Deliver { workspace, .. }
                | Question::Store { workspace, .. }
                | Question::Connect { workspace, .. } => workspace,
                _ => return true,
            };
            doc.regions
                .iter()
                .find(|r| &r.id == workspace)
                .is_none_or(|r| strict_and_clean(doc, r))
        }
        Invariant::ProcessingPin => !host_shared_across_regions(doc),
        Invariant::FailoverContainment => doc
            .regions
            .iter()
            .flat_map(|r| &r.ingestion)
            .all(|i| i.failover_to.is_empty()),
    }
}

// ---------------------------------------------------------------------------------------
// The check every decision passes
// ---------------------------------------------------------------------------------------

const ALLOW_CODES: [ReasonCode; 11] = [
    ReasonCode::HostInRegion,
    ReasonCode::HostResolved,
    ReasonCode::EndpointInRegion,
    ReasonCode::StoreInRegion,
    ReasonCode::IpAllowlisted,
    ReasonCode::AllowlistRequired,
    ReasonCode::AllowlistRecommended,
    ReasonCode::AllowlistNotNeeded,
    ReasonCode::FailoverWithinIngestionRegion,
    ReasonCode::FailoverListedTarget,
    ReasonCode::RegionUnchanged,
];

/// The codes an allow of this kind of question may carry.
fn allow_codes(question: &Question) -> &'static [ReasonCode] {
    match question {
        Question::Ingest { .. } => &[ReasonCode::HostInRegion],
        Question::Resolve { .. } => &[ReasonCode::HostResolved],
        Question::Deliver { .. } => &[ReasonCode::EndpointInRegion],
        Question::Store { .. } => &[ReasonCode::StoreInRegion],
        Question::Connect { .. } => &[ReasonCode::IpAllowlisted],
        Question::Allowlist { .. } => &[
            ReasonCode::AllowlistRequired,
            ReasonCode::AllowlistRecommended,
            ReasonCode::AllowlistNotNeeded,
        ],
        Question::Failover { .. } => &[
            ReasonCode::FailoverWithinIngestionRegion,
            ReasonCode::FailoverListedTarget,
        ],
        Question::RegionChange { .. } => &[ReasonCode::RegionUnchanged],
    }
}

/// Decides `question` with `policy` and checks the decision: it is well formed, it is the
/// README's answer (verdict, and what an allow hands back), and it keeps every invariant
/// `regionfence::invariants` states that the policy itself keeps.
pub fn check_decision(policy: &Policy, question: &Question) -> Result<(), String> {
    let decision = policy.decide(question);
    let fail = |why: String| {
        Err(format!(
            "{why}\n  question: {}\n  decision: {decision:?}",
            question.to_json()
        ))
    };

    // Well formed.
    if policy.decide(question) != decision {
        return fail("deciding twice gave two answers".into());
    }
    let codes: Vec<ReasonCode> = decision.codes().collect();
    match decision.verdict() {
        Verdict::Allow => {
            if codes.len() != 1 || !allow_codes(question).contains(&codes[0]) {
                return fail(format!(
                    "an allow must carry exactly one allow reason of its kind, not {codes:?}"
                ));
            }
        }
        Verdict::Deny => {
            if codes.is_empty() || codes.len() > MAX_REASONS {
                return fail(format!(
                    "a deny must carry 1..={MAX_REASONS} reasons, not {codes:?}"
                ));
            }
            if let Some(c) = codes.iter().find(|c| ALLOW_CODES.contains(c)) {
                return fail(format!("a deny carries the allow reason `{c}`"));
            }
        }
    }
    let explained = decision.explain(policy, question);
    if explained.decision != decision.verdict() || explained.reasons.len() != codes.len() {
        return fail(format!(
            "the explanation disagrees with the decision: {explained:?}"
        ));
    }

    // The README's answer.
    let want = expected(policy.document(), question);
    if decision.is_allowed() != want.allow {
        return fail(format!(
            "the engine says {}, the README's rules say {}",
            decision.verdict(),
            if want.allow { "allow" } else { "deny" }
        ));
    }
    let says_unknown = codes.iter().any(|c| c.is_unknown_or_malformed());
    if says_unknown != want.unknown {
        return fail(format!(
            "the README's rules say a name is {}, the reasons {codes:?} say otherwise",
            if want.unknown {
                "unknown or malformed"
            } else {
                "known"
            }
        ));
    }
    if want.allow {
        let answers = [
            ("host", &explained.host, &want.host),
            ("mechanism", &explained.mechanism, &want.mechanism),
            ("ingestion", &explained.ingestion, &want.ingestion),
            ("endpoint", &explained.endpoint, &want.endpoint),
        ];
        for (what, got, wanted) in answers {
            if got != wanted {
                return fail(format!(
                    "answer `{what}`: the engine says {got:?}, the README {wanted:?}"
                ));
            }
        }
        if explained.cidrs != want.cidrs {
            return fail(format!(
                "answer `cidrs`: the engine says {:?}, the README {:?}",
                explained.cidrs, want.cidrs
            ));
        }
    }

    // The invariants, wherever the policy keeps them.
    let doc = policy.document();
    let broken: Vec<String> = invariants::check(policy, question, &decision)
        .into_iter()
        .filter(|v| must_hold(doc, v.invariant, question))
        .map(|v| format!("{}: {}", v.invariant, v.why))
        .collect();
    if !broken.is_empty() {
        return fail(format!("invariants broken: {}", broken.join("; ")));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// A probe set: questions built from a document's own names, their variants and unknowns
// ---------------------------------------------------------------------------------------

/// Hostile spellings of a known host: accepted ones first, then spoofs.
pub fn host_variants(host: &str) -> Vec<String> {
    vec![
        host.to_string(),
        format!("HTTPS://{}:443/v1/batch?x=1#y", host.to_ascii_uppercase()),
        format!("{host}."),
        format!("{host}.evil.example"),
        format!("evil-{host}"),
        format!("user@{host}"),
        format!("{host}:8443"),
        format!("ftp://{host}"),
        host.replacen('.', "%2e", 1),
        host.replacen('e', "\u{435}", 1),
        format!("{host}\0"),
        format!(" {host}"),
    ]
}

/// A few questions of every kind over `doc`'s own names (at most `per_list` of each), their
/// variants and unknowns.
pub fn probes(doc: &Document, per_list: usize) -> Vec<Question> {
    let unknown = "no-such-name".to_string();
    let take = |names: Vec<String>| -> Vec<String> {
        let mut out: Vec<String> = names.into_iter().take(per_list).collect();
        out.push(unknown.clone());
        out
    };
    let regions = take(doc.regions.iter().map(|r| r.id.clone()).collect());
    let sources = take(
        doc.source_kinds
            .iter()
            .map(|k| k.id.clone())
            .take(per_list.div_ceil(2))
            .chain(doc.sources.iter().map(|s| s.id.clone()))
            .collect(),
    );
    let mut hosts: Vec<String> = Vec::new();
    for h in ingestion_hosts(doc).into_iter().take(per_list) {
        hosts.extend(host_variants(h).into_iter().take(4));
    }
    hosts.push("unknown.example".into());
    let ingestions = take(
        doc.regions
            .iter()
            .flat_map(|r| &r.ingestion)
            .map(|i| i.id.clone())
            .collect(),
    );
    let destinations = take(doc.destinations.iter().map(|d| d.id.clone()).collect());
    let stores = take(doc.stores.iter().map(|s| s.id.clone()).collect());
    let clouds = take(doc.cloud_regions.iter().map(|c| c.id.clone()).collect());
    let locations = take(locations(doc).into_iter().map(|(n, _, _)| n).collect());
    let mut ips: Vec<String> = vec!["1.2.3.4".into(), "::1".into(), "01.2.3.4".into()];
    for r in doc.regions.iter().take(per_list) {
        for net in egress(r).into_iter().take(2) {
            let net = spec_net(net);
            ips.push(net.network().to_string());
            ips.push(net.broadcast().to_string());
            if let IpAddr::V4(v4) = net.broadcast() {
                ips.push(Ipv4Addr::from(u32::from(v4).wrapping_add(1)).to_string());
                ips.push(format!("::ffff:{v4}"));
            }
        }
    }

    let mut out = Vec::new();
    for w in &regions {
        for s in &sources {
            for h in &hosts {
                out.push(Question::Ingest {
                    workspace: w.clone(),
                    source: s.clone(),
                    host: h.clone(),
                });
            }
            for i in std::iter::once(None).chain(ingestions.iter().map(Some)) {
                out.push(Question::Resolve {
                    workspace: w.clone(),
                    source: s.clone(),
                    ingestion: i.cloned(),
                });
            }
        }
        for d in &destinations {
            let mut endpoints: Vec<Option<String>> = vec![None, Some(unknown.clone())];
            if let Some(entry) = doc.destinations.iter().find(|x| &x.id == d) {
                for e in &entry.endpoints {
                    endpoints.push(Some(e.id.clone()));
                    endpoints.extend(e.hosts.iter().take(1).map(|h| Some(format!("https://{h}/"))));
                }
            }
            for e in endpoints {
                out.push(Question::Deliver {
                    workspace: w.clone(),
                    destination: d.clone(),
                    endpoint: e,
                });
            }
        }
        for s in &stores {
            for c in &clouds {
                out.push(Question::Store {
                    workspace: w.clone(),
                    store: s.clone(),
                    cloud_region: c.clone(),
                });
            }
            out.push(Question::Allowlist {
                workspace: w.clone(),
                warehouse: s.clone(),
            });
            for ip in &ips {
                out.push(Question::Connect {
                    workspace: w.clone(),
                    warehouse: s.clone(),
                    ip: ip.clone(),
                });
            }
        }
        for to in &regions {
            out.push(Question::RegionChange {
                workspace: w.clone(),
                to: to.clone(),
            });
        }
    }
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

/// Whether `finding` is listed in `REGIONFENCE_FUZZ_KNOWN` (comma-separated): a reported,
/// still-open finding a long fuzzing run steps over so it can look for others. Unset (as in
/// `cargo test` and `.ci/fuzz`), every finding fails.
pub fn known_open(finding: &str) -> bool {
    static KNOWN: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KNOWN
        .get_or_init(|| {
            std::env::var("REGIONFENCE_FUZZ_KNOWN")
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .iter()
        .any(|k| k == finding)
}

/// The first `limit` bytes of `text` (on a character boundary), for messages.
pub fn clip(text: &str, limit: usize) -> &str {
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Loads `policy.to_yaml()` back: it must load, to the same document. `Ok(None)` when the
/// reload is refused by one of the loader's text guards and that finding is known-open.
pub fn reload(policy: &Policy) -> Result<Option<Policy>, String> {
    let yaml = policy
        .to_yaml()
        .map_err(|e| format!("a compiled policy does not serialise: {e}"))?;
    let again = match Policy::from_yaml(&yaml) {
        Ok(again) => again,
        Err(e) => {
            let message = e.to_string();
            let guard = message.contains("anchors and aliases") || message.contains("nesting deeper");
            if guard && known_open("to-yaml-guards") {
                return Ok(None);
            }
            return Err(format!(
                "Policy::to_yaml gives text that does not load: {message}\n---\n{}",
                clip(&yaml, 1500)
            ));
        }
    };
    if again.document() != policy.document() {
        return Err(format!(
            "Policy::to_yaml does not round-trip the document:\n---\n{}",
            clip(&yaml, 1500)
        ));
    }
    Ok(Some(again))
}

/// The embedded default policy, compiled once per process.
pub fn default_policy() -> &'static Policy {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(Policy::default_policy)
}
