//! Loading: YAML text → validated [`Document`] → compiled [`Policy`], with an error that
//! says what and where for every way a document can be wrong.

use crate::document::{Document, PlacesDoc, Residency, StoreKind};
use crate::error::{LoadError, LoadErrorKind, Location as TextLocation};
use crate::host::normalize_host;
use crate::ip::RangeTable;
use crate::limits::{MAX_ENTRIES, MAX_POLICY_BYTES};
use crate::names::NameMap;
use crate::policy::*;
use ipnet::IpNet;

/// The default policy's text, embedded at build time.
pub const DEFAULT_POLICY_YAML: &str = include_str!("../policies/segment.yaml");

type Result<T> = std::result::Result<T, LoadError>;

fn err(kind: LoadErrorKind) -> LoadError {
    LoadError::new(kind)
}

impl Policy {
    /// Parses, validates and compiles a policy document.
    ///
    /// # Examples
    ///
    /// ```
    /// let text = regionfence::DEFAULT_POLICY_YAML.replace("jurisdiction: eu\n", "jurisdiction: euu\n");
    /// let err = regionfence::Policy::from_yaml(&text).unwrap_err();
    /// assert!(err.to_string().contains("unknown group `euu`"), "{err}");
    /// assert!(err.to_string().contains("did you mean `eu`?"), "{err}");
    /// assert!(err.location().is_some());
    /// ```
    pub fn from_yaml(text: &str) -> Result<Policy> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(err(LoadErrorKind::TooLarge {
                size: text.len(),
                limit: MAX_POLICY_BYTES,
            }));
        }
        let document: Document = crate::yaml::from_str(text)
            .map_err(|e| err(LoadErrorKind::Syntax { message: e.message }).at(e.location))?;
        Policy::compile(document).map_err(|e| {
            let location = locate(text, &e);
            e.at(location)
        })
    }

    /// The embedded default policy: Segment's Regional Segment rules of October 2022
    /// (`policies/segment.yaml`).
    pub fn default_policy() -> Policy {
        match Policy::from_yaml(DEFAULT_POLICY_YAML) {
            Ok(policy) => policy,
            // INVARIANT: the embedded text is loaded by the test suite on every build; this
            // arm only exists so a broken build fails closed (an empty policy denies all).
            Err(_) => Policy::empty(),
        }
    }

    /// A policy that knows nothing, so denies everything.
    fn empty() -> Policy {
        Policy {
            document: Document {
                version: 1,
                name: "empty".into(),
                description: None,
                cloud_regions: vec![],
                groups: vec![],
                source_kinds: vec![],
                regions: vec![],
                sources: vec![],
                destinations: vec![],
                stores: vec![],
            },
            clouds: vec![],
            cloud_names: NameMap::default(),
            providers: vec![],
            groups: vec![],
            group_names: NameMap::default(),
            kinds: vec![],
            sources: vec![],
            source_names: NameMap::default(),
            source_regions: BitTable::default(),
            regions: vec![],
            region_names: NameMap::default(),
            default_region: RegionId(u32::MAX),
            ingestions: vec![],
            hosts: vec![],
            host_names: NameMap::default(),
            locations: vec![],
            location_names: NameMap::default(),
            destinations: vec![],
            destination_names: NameMap::default(),
            destination_regions: BitTable::default(),
            default_endpoints: vec![],
            stores: vec![],
            store_names: NameMap::default(),
        }
    }

    /// Validates and compiles a document already in memory.
    pub fn compile(document: Document) -> Result<Policy> {
        Compiler::default().run(document)
    }
}

/// Points a semantic error at the text: the first whole-word occurrence of the offending
/// name after its entry's id.
fn locate(text: &str, error: &LoadError) -> Option<TextLocation> {
    let (anchor, token): (Option<&str>, &str) = match error.kind() {
        LoadErrorKind::UnknownReference { at, name, .. }
        | LoadErrorKind::MalformedCidr { at, cidr: name, .. }
        | LoadErrorKind::CidrHostBits { at, cidr: name, .. }
        | LoadErrorKind::MalformedHost { at, host: name, .. }
        | LoadErrorKind::MalformedCountry { at, country: name } => (entry_of(at), name),
        LoadErrorKind::Duplicate { id, .. } | LoadErrorKind::InvalidId { id, .. } => (None, id),
        LoadErrorKind::LocationClaimedTwice { second, .. } => (None, second),
        LoadErrorKind::DefaultIngestion { region, .. } => (None, region),
        LoadErrorKind::Empty { at } => (entry_of(at), field_of(at)),
        _ => return None,
    };
    let start = anchor.and_then(|a| find_word(text, a, 0)).unwrap_or(0);
    let mut offset = find_word(text, token, start).or_else(|| find_word(text, token, 0))?;
    if let LoadErrorKind::Duplicate { id, .. } = error.kind() {
        // The second occurrence is the duplicate.
        offset = find_word(text, id, offset + id.len()).unwrap_or(offset);
    }
    let before = text.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |i| {
        before.get(i + 1..).map_or(0, |s| s.chars().count())
    }) + 1;
    Some(TextLocation { line, column })
}

/// `regions[eu-west].ingestion[dublin].cloud_region` → `dublin` (the innermost entry id).
fn entry_of(at: &str) -> Option<&str> {
    let close = at.rfind(']')?;
    let open = at.get(..close)?.rfind('[')?;
    at.get(open + 1..close)
}

/// `regions[eu-west].ingestion` → `ingestion`.
fn field_of(at: &str) -> &str {
    at.rsplit('.').next().unwrap_or(at)
}

fn find_word(text: &str, word: &str, from: usize) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/');
    let mut search = from;
    while let Some(found) = text.get(search..)?.find(word) {
        let at = search + found;
        let before_ok = text.get(..at)?.chars().next_back().is_none_or(|c| !is_word(c));
        let after = text.get(at + word.len()..)?;
        let after_ok = after.chars().next().is_none_or(|c| !is_word(c))
            || (after.starts_with('.') && after.chars().nth(1).is_none_or(|c| !is_word(c)));
        if before_ok && after_ok {
            return Some(at);
        }
        search = at + word.len().max(1);
    }
    None
}

/// Whether `id` is lower-case words of `[a-z0-9]` joined by single `-`, `_` or `.`.
fn valid_id(id: &str) -> std::result::Result<(), &'static str> {
    if id.is_empty() {
        return Err("it is empty");
    }
    if id.len() > 128 {
        return Err("it is longer than 128 bytes");
    }
    let mut previous_separator = true;
    for c in id.chars() {
        match c {
            'a'..='z' | '0'..='9' => previous_separator = false,
            '-' | '_' | '.' if !previous_separator => previous_separator = true,
            '-' | '_' | '.' => return Err("separators must stand between letters or digits"),
            _ => return Err("use lower-case letters, digits, and `-`, `_` or `.` between them"),
        }
    }
    if previous_separator {
        return Err("it must not end with a separator");
    }
    Ok(())
}

fn check_id(what: &'static str, id: &str) -> Result<()> {
    valid_id(id).map_err(|why| {
        err(LoadErrorKind::InvalidId {
            what,
            id: id.to_string(),
            why,
        })
    })
}

fn check_count(what: &str, count: usize) -> Result<()> {
    if count > MAX_ENTRIES {
        return Err(err(LoadErrorKind::TooManyEntries {
            what: what.to_string(),
            count,
            limit: MAX_ENTRIES,
        }));
    }
    Ok(())
}

fn unknown(what: &'static str, name: &str, at: String, names: &NameMap) -> LoadError {
    err(LoadErrorKind::UnknownReference {
        what,
        name: name.to_string(),
        at,
        suggestion: names.nearest(name).map(str::to_string),
    })
}

fn look_up(names: &NameMap, what: &'static str, name: &str, at: impl FnOnce() -> String) -> Result<u32> {
    names.get(name).ok_or_else(|| unknown(what, name, at(), names))
}

fn check_bare_host(host: &str, at: impl FnOnce() -> String) -> Result<()> {
    match normalize_host(host) {
        Ok(normal) if normal.as_str() == host => Ok(()),
        Ok(normal) => Err(err(LoadErrorKind::MalformedHost {
            host: host.to_string(),
            at: at(),
            normal: Some(normal.as_str().to_string()),
        })),
        Err(_) => Err(err(LoadErrorKind::MalformedHost {
            host: host.to_string(),
            at: at(),
            normal: None,
        })),
    }
}

#[derive(Default)]
struct Compiler {
    cloud_names: NameMap,
    group_names: NameMap,
    kind_names: NameMap,
    region_names: NameMap,
}

impl Compiler {
    fn run(mut self, document: Document) -> Result<Policy> {
        if document.version != 1 {
            return Err(err(LoadErrorKind::UnsupportedVersion {
                found: document.version,
            }));
        }
        check_count("cloud_regions", document.cloud_regions.len())?;
        check_count("groups", document.groups.len())?;
        check_count("source_kinds", document.source_kinds.len())?;
        check_count("regions", document.regions.len())?;
        check_count("sources", document.sources.len())?;
        check_count("destinations", document.destinations.len())?;
        check_count("stores", document.stores.len())?;

        // Groups first: cloud regions are placed in them by country.
        let mut groups = Vec::new();
        for (i, g) in document.groups.iter().enumerate() {
            check_id("group", &g.id)?;
            check_count(&format!("groups[{}].countries", g.id), g.countries.len())?;
            if !self.group_names.insert(&g.id, i as u32) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "group",
                    id: g.id.clone(),
                }));
            }
            for country in &g.countries {
                check_country(country, || format!("groups[{}].countries", g.id))?;
            }
            groups.push(Group {
                name: g.id.as_str().into(),
            });
        }

        let mut providers: Vec<Box<str>> = Vec::new();
        let mut clouds = Vec::new();
        for (i, c) in document.cloud_regions.iter().enumerate() {
            let (provider, name) = c.id.split_once(':').ok_or_else(|| {
                err(LoadErrorKind::InvalidId {
                    what: "cloud region",
                    id: c.id.clone(),
                    why: "write it as `provider:name`, such as `aws:eu-west-1`",
                })
            })?;
            check_id("cloud provider", provider)?;
            check_id("cloud region", name)?;
            check_country(&c.country, || format!("cloud_regions[{}].country", c.id))?;
            if !self.cloud_names.insert(&c.id, i as u32) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "cloud region",
                    id: c.id.clone(),
                }));
            }
            let provider = match providers.iter().position(|p| &**p == provider) {
                Some(p) => p,
                None => {
                    providers.push(provider.into());
                    providers.len() - 1
                }
            } as u32;
            let member_of = document
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.countries.contains(&c.country))
                .map(|(gi, _)| GroupId(gi as u32))
                .collect();
            clouds.push(CloudRegion {
                name: c.id.as_str().into(),
                provider,
                country: c.country.as_str().into(),
                groups: member_of,
            });
        }

        let mut kinds = Vec::new();
        let mut sources = Vec::new();
        let mut source_names = NameMap::default();
        for (i, k) in document.source_kinds.iter().enumerate() {
            check_id("source kind", &k.id)?;
            if !self.kind_names.insert(&k.id, i as u32) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "source kind",
                    id: k.id.clone(),
                }));
            }
            source_names.insert(&k.id, i as u32);
            kinds.push(Kind {
                name: k.id.as_str().into(),
                side: k.side,
                mechanism: k.mechanism,
            });
            sources.push(Source {
                name: k.id.as_str().into(),
                kind: KindId(i as u32),
                catalog: false,
            });
        }

        // Regions: names first, so failover targets may point forward.
        let mut defaults = 0;
        let mut default_region = RegionId(0);
        for (i, r) in document.regions.iter().enumerate() {
            check_id("region", &r.id)?;
            if !self.region_names.insert(&r.id, i as u32) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "region",
                    id: r.id.clone(),
                }));
            }
            if r.default {
                defaults += 1;
                default_region = RegionId(i as u32);
            }
        }
        if defaults != 1 {
            return Err(err(LoadErrorKind::DefaultRegion { found: defaults }));
        }

        let mut regions = Vec::new();
        let mut ingestions: Vec<Ingestion> = Vec::new();
        let mut hosts: Vec<Host> = Vec::new();
        let mut host_names = NameMap::default();
        let mut locations: Vec<Location> = Vec::new();
        let mut location_names = NameMap::default();
        for (ri, r) in document.regions.iter().enumerate() {
            let region_id = RegionId(ri as u32);
            let at = |field: &str| format!("regions[{}].{field}", r.id);
            let jurisdiction = GroupId(look_up(&self.group_names, "group", &r.jurisdiction, || {
                at("jurisdiction")
            })?);
            let processing = CloudId(look_up(&self.cloud_names, "cloud region", &r.processing, || {
                at("processing")
            })?);
            let archive = self
                .places(
                    &PlacesDoc::List(r.archive.clone()),
                    clouds.len(),
                    groups.len(),
                    &at("archive"),
                )?
                .with_group_clouds(&clouds);
            let own = PlacesDoc::List(vec![r.jurisdiction.clone()]);
            let default_places = match r.residency {
                Residency::Strict => &own,
                Residency::EdgeIngest => &PlacesDoc::Any(crate::document::AnyWord::Any),
            };
            let storage = self
                .places(
                    r.customer_storage.as_ref().unwrap_or(default_places),
                    clouds.len(),
                    groups.len(),
                    &at("customer_storage"),
                )?
                .with_group_clouds(&clouds);
            let delivery = self
                .places(
                    r.deliver_to.as_ref().unwrap_or(default_places),
                    clouds.len(),
                    groups.len(),
                    &at("deliver_to"),
                )?
                .with_group_clouds(&clouds);
            check_count(&at("source_kinds"), r.source_kinds.len())?;
            let mut region_kinds = vec![false; kinds.len()].into_boxed_slice();
            for k in &r.source_kinds {
                let kind = look_up(&self.kind_names, "source kind", k, || at("source_kinds"))?;
                if let Some(slot) = region_kinds.get_mut(kind as usize) {
                    *slot = true;
                }
            }
            check_count(&at("warehouse_egress"), r.warehouse_egress.len())?;
            let mut egress_nets = Vec::new();
            for cidr in &r.warehouse_egress {
                let net: IpNet = cidr.parse().map_err(|_| {
                    err(LoadErrorKind::MalformedCidr {
                        cidr: cidr.clone(),
                        at: at("warehouse_egress"),
                    })
                })?;
                if net.trunc() != net {
                    return Err(err(LoadErrorKind::CidrHostBits {
                        cidr: cidr.clone(),
                        at: at("warehouse_egress"),
                        network: net.trunc().to_string(),
                    }));
                }
                egress_nets.push(net);
            }

            check_count(&at("ingestion"), r.ingestion.len())?;
            let mut local = NameMap::default();
            let mut region_ingestions = Vec::new();
            let mut ingestion_names = Vec::new();
            let mut default_ingestion = None;
            let mut ingestion_defaults = 0;
            for ing in &r.ingestion {
                let iat = |field: &str| format!("regions[{}].ingestion[{}].{field}", r.id, ing.id);
                check_id("ingestion region", &ing.id)?;
                let ingestion_id = IngestionId(ingestions.len() as u32);
                if !local.insert(&ing.id, ingestion_id.0) {
                    return Err(err(LoadErrorKind::Duplicate {
                        what: "ingestion region",
                        id: format!("{}/{}", r.id, ing.id),
                    }));
                }
                if ing.default {
                    ingestion_defaults += 1;
                    default_ingestion = Some(ingestion_id);
                }
                let cloud = CloudId(look_up(
                    &self.cloud_names,
                    "cloud region",
                    &ing.cloud_region,
                    || iat("cloud_region"),
                )?);
                if ing.hosts.is_empty() {
                    return Err(err(LoadErrorKind::Empty { at: iat("hosts") }));
                }
                check_count(&iat("hosts"), ing.hosts.len())?;
                check_count(&iat("zones"), ing.zones.len())?;
                let mut ingestion_hosts = Vec::new();
                for host in &ing.hosts {
                    check_bare_host(host, || iat("hosts"))?;
                    let host_id = match host_names.get(host) {
                        Some(h) => HostId(h),
                        None => {
                            let h = HostId(hosts.len() as u32);
                            host_names.insert(host, h.0);
                            hosts.push(Host {
                                name: host.as_str().into(),
                                owners: Box::new([]),
                            });
                            h
                        }
                    };
                    if ingestion_hosts.contains(&host_id) {
                        return Err(err(LoadErrorKind::Duplicate {
                            what: "host",
                            id: host.clone(),
                        }));
                    }
                    ingestion_hosts.push(host_id);
                    if let Some(h) = hosts.get_mut(host_id.index()) {
                        let mut owners = h.owners.to_vec();
                        owners.push(ingestion_id);
                        h.owners = owners.into_boxed_slice();
                    }
                }
                let mut ingestion_locations = Vec::new();
                for zone in &ing.zones {
                    if zone.is_empty() || !zone.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                    {
                        return Err(err(LoadErrorKind::InvalidId {
                            what: "zone",
                            id: zone.clone(),
                            why: "a zone is lower-case letters and digits, such as `a`",
                        }));
                    }
                    let name = format!("{}/{}-{}", r.id, ing.id, zone);
                    let location_id = LocationId(locations.len() as u32);
                    if let Some(first) = location_names.get(&name) {
                        let first_owner = locations
                            .get(first as usize)
                            .map(|l| l.ingestion)
                            .unwrap_or(ingestion_id);
                        let first_path = match ingestions.get(first_owner.index()) {
                            Some(i) => format!("{}/{}", self.region_name_of(&document, i.region), i.name),
                            None => format!("{}/{}", r.id, ing.id),
                        };
                        return Err(err(LoadErrorKind::LocationClaimedTwice {
                            location: name,
                            first: first_path,
                            second: format!("{}/{}", r.id, ing.id),
                        }));
                    }
                    location_names.insert(&name, location_id.0);
                    locations.push(Location {
                        name: name.into(),
                        ingestion: ingestion_id,
                    });
                    ingestion_locations.push(location_id);
                }
                ingestion_names.push((Box::<str>::from(ing.id.as_str()), ingestion_id));
                region_ingestions.push(ingestion_id);
                ingestions.push(Ingestion {
                    name: ing.id.as_str().into(),
                    region: region_id,
                    cloud,
                    hosts: ingestion_hosts.into_boxed_slice(),
                    locations: ingestion_locations.into_boxed_slice(),
                    failover_to: Box::new([]),
                });
            }
            let default_ingestion = match (ingestion_defaults, default_ingestion) {
                (1, Some(d)) => d,
                _ => {
                    return Err(err(LoadErrorKind::DefaultIngestion {
                        region: r.id.clone(),
                        found: ingestion_defaults,
                    }))
                }
            };
            ingestion_names.sort();
            regions.push(Region {
                name: r.id.as_str().into(),
                residency: r.residency,
                jurisdiction,
                processing,
                archive,
                storage,
                delivery,
                kinds: region_kinds,
                egress: RangeTable::new(&egress_nets),
                egress_nets: egress_nets.into_boxed_slice(),
                ingestions: region_ingestions.into_boxed_slice(),
                ingestion_names: ingestion_names.into_boxed_slice(),
                default_ingestion,
            });
        }

        // Failover targets, now that every ingestion region has an id.
        let mut position = 0usize;
        for r in &document.regions {
            for ing in &r.ingestion {
                let mut targets = Vec::new();
                for target in &ing.failover_to {
                    let at = format!("regions[{}].ingestion[{}].failover_to", r.id, ing.id);
                    let found = target.split_once('/').and_then(|(region, name)| {
                        let region = regions.get(self.region_names.get(region)? as usize)?;
                        region
                            .ingestion_names
                            .binary_search_by(|(n, _)| (**n).cmp(name))
                            .ok()
                            .and_then(|i| region.ingestion_names.get(i))
                            .map(|(_, id)| *id)
                    });
                    match found {
                        Some(id) => targets.push(id),
                        None => {
                            let all: Vec<String> = ingestions
                                .iter()
                                .map(|i| format!("{}/{}", self.region_name_of(&document, i.region), i.name))
                                .collect();
                            return Err(err(LoadErrorKind::UnknownReference {
                                what: "ingestion region",
                                name: target.clone(),
                                at,
                                suggestion: crate::names::nearest(target, all.iter().map(String::as_str))
                                    .map(str::to_string),
                            }));
                        }
                    }
                }
                if let Some(i) = ingestions.get_mut(position) {
                    i.failover_to = targets.into_boxed_slice();
                }
                position += 1;
            }
        }

        // Catalog sources.
        let mut source_regions = BitTable::new(kinds.len() + document.sources.len(), regions.len());
        for (ki, _) in kinds.iter().enumerate() {
            for ri in 0..regions.len() {
                source_regions.set(ki, ri);
            }
        }
        for s in &document.sources {
            check_id("source", &s.id)?;
            let source_id = sources.len() as u32;
            if !source_names.insert(&s.id, source_id) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "source",
                    id: s.id.clone(),
                }));
            }
            let at = |field: &str| format!("sources[{}].{field}", s.id);
            let kind = KindId(look_up(&self.kind_names, "source kind", &s.kind, || at("kind"))?);
            check_count(&at("regions"), s.regions.len())?;
            for region in &s.regions {
                let r = look_up(&self.region_names, "region", region, || at("regions"))?;
                source_regions.set(source_id as usize, r as usize);
            }
            sources.push(Source {
                name: s.id.as_str().into(),
                kind,
                catalog: true,
            });
        }

        // Destinations.
        let mut destinations = Vec::new();
        let mut destination_names = NameMap::default();
        let mut destination_regions = BitTable::new(document.destinations.len(), regions.len());
        let mut default_endpoints = vec![0u32; document.destinations.len() * regions.len()];
        for (di, d) in document.destinations.iter().enumerate() {
            check_id("destination", &d.id)?;
            if !destination_names.insert(&d.id, di as u32) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "destination",
                    id: d.id.clone(),
                }));
            }
            let at = |field: &str| format!("destinations[{}].{field}", d.id);
            check_count(&at("regions"), d.regions.len())?;
            for region in &d.regions {
                let r = look_up(&self.region_names, "region", region, || at("regions"))?;
                destination_regions.set(di, r as usize);
            }
            if d.endpoints.is_empty() {
                return Err(err(LoadErrorKind::Empty { at: at("endpoints") }));
            }
            check_count(&at("endpoints"), d.endpoints.len())?;
            let mut endpoints = Vec::new();
            let mut lookup: Vec<(Box<str>, u32)> = Vec::new();
            for (ei, e) in d.endpoints.iter().enumerate() {
                let eat = |field: &str| format!("destinations[{}].endpoints[{}].{field}", d.id, e.id);
                check_id("endpoint", &e.id)?;
                let jurisdiction = GroupId(look_up(&self.group_names, "group", &e.jurisdiction, || {
                    eat("jurisdiction")
                })?);
                check_count(&eat("hosts"), e.hosts.len())?;
                for name in std::iter::once(&e.id).chain(e.hosts.iter()) {
                    if name != &e.id {
                        check_bare_host(name, || eat("hosts"))?;
                    }
                    if lookup.iter().any(|(n, _)| **n == **name) {
                        return Err(err(LoadErrorKind::Duplicate {
                            what: "endpoint",
                            id: format!("{}/{}", d.id, name),
                        }));
                    }
                    lookup.push((name.as_str().into(), ei as u32));
                }
                endpoints.push(Endpoint {
                    name: e.id.as_str().into(),
                    jurisdiction,
                    hosts: e.hosts.iter().map(|h| h.as_str().into()).collect(),
                });
            }
            lookup.sort();
            for (ri, region) in regions.iter().enumerate() {
                // In-jurisdiction first, then any endpoint the region may deliver to.
                let home = endpoints.iter().position(|e| {
                    e.jurisdiction == region.jurisdiction && region.delivery.has_group(e.jurisdiction)
                });
                let fallback = endpoints
                    .iter()
                    .position(|e| region.delivery.has_group(e.jurisdiction));
                if let (Some(e), Some(slot)) = (
                    home.or(fallback),
                    default_endpoints.get_mut(di * regions.len() + ri),
                ) {
                    *slot = e as u32 + 1;
                }
            }
            destinations.push(Destination {
                name: d.id.as_str().into(),
                endpoints: endpoints.into_boxed_slice(),
                endpoint_lookup: lookup.into_boxed_slice(),
            });
        }

        // Stores.
        let mut stores = Vec::new();
        let mut store_names = NameMap::default();
        let mut provider_names = NameMap::default();
        for (i, p) in providers.iter().enumerate() {
            provider_names.insert(p, i as u32);
        }
        for (si, s) in document.stores.iter().enumerate() {
            check_id("store", &s.id)?;
            if !store_names.insert(&s.id, si as u32) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "store",
                    id: s.id.clone(),
                }));
            }
            let at = |field: &str| format!("stores[{}].{field}", s.id);
            check_count(&at("clouds"), s.clouds.len())?;
            let mut on = vec![false; providers.len()].into_boxed_slice();
            for cloud in &s.clouds {
                let p = look_up(&provider_names, "cloud provider", cloud, || at("clouds"))?;
                if let Some(slot) = on.get_mut(p as usize) {
                    *slot = true;
                }
            }
            match (s.kind, s.allowlist) {
                (StoreKind::Warehouse, None) => {
                    return Err(err(LoadErrorKind::Invalid {
                        message: format!(
                            "warehouse `{}` must say whether allowlisting is `required`, `recommended` or `not-needed`",
                            s.id
                        ),
                    }))
                }
                (StoreKind::Archive | StoreKind::DataLake, Some(_)) => {
                    return Err(err(LoadErrorKind::Invalid {
                        message: format!("`allowlist` is for warehouses; `{}` is a {}", s.id, s.kind),
                    }))
                }
                _ => {}
            }
            stores.push(crate::policy::Store {
                name: s.id.as_str().into(),
                kind: s.kind,
                providers: on,
                allowlist: s.allowlist,
            });
        }

        Ok(Policy {
            document,
            clouds,
            cloud_names: self.cloud_names,
            providers,
            groups,
            group_names: self.group_names,
            kinds,
            sources,
            source_names,
            source_regions,
            regions,
            region_names: self.region_names,
            default_region,
            ingestions,
            hosts,
            host_names,
            locations,
            location_names,
            destinations,
            destination_names,
            destination_regions,
            default_endpoints,
            stores,
            store_names,
        })
    }

    fn region_name_of<'d>(&self, document: &'d Document, id: RegionId) -> &'d str {
        document.regions.get(id.index()).map_or("", |r| r.id.as_str())
    }

    /// Compiles a place list against the catalogue.
    fn places(&self, places: &PlacesDoc, clouds: usize, groups: usize, at: &str) -> Result<PlaceSet> {
        let mut set = PlaceSet {
            any: false,
            clouds: vec![false; clouds].into_boxed_slice(),
            groups: vec![false; groups].into_boxed_slice(),
        };
        match places {
            PlacesDoc::Any(_) => set.any = true,
            PlacesDoc::List(list) => {
                check_count(at, list.len())?;
                for place in list {
                    if let Some(g) = self.group_names.get(place) {
                        if let Some(slot) = set.groups.get_mut(g as usize) {
                            *slot = true;
                        }
                    } else if let Some(c) = self.cloud_names.get(place) {
                        if let Some(slot) = set.clouds.get_mut(c as usize) {
                            *slot = true;
                        }
                    } else {
                        let suggestion = self
                            .group_names
                            .nearest(place)
                            .or_else(|| self.cloud_names.nearest(place));
                        return Err(err(LoadErrorKind::UnknownReference {
                            what: "place (group or cloud region)",
                            name: place.clone(),
                            at: at.to_string(),
                            suggestion: suggestion.map(str::to_string),
                        }));
                    }
                }
            }
        }
        Ok(set)
    }
}

impl PlaceSet {
    /// Marks every cloud region that belongs to a listed group.
    pub(crate) fn with_group_clouds(mut self, clouds: &[CloudRegion]) -> Self {
        for (ci, cloud) in clouds.iter().enumerate() {
            if cloud
                .groups
                .iter()
                .any(|g| self.groups.get(g.index()).copied().unwrap_or(false))
            {
                if let Some(slot) = self.clouds.get_mut(ci) {
                    *slot = true;
                }
            }
        }
        self
    }
}

fn check_country(country: &str, at: impl FnOnce() -> String) -> Result<()> {
    if country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(err(LoadErrorKind::MalformedCountry {
            country: country.to_string(),
            at: at(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(valid_id("eu-west").is_ok());
        assert!(valid_id("a.b_c-1").is_ok());
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "a/b", "a:b", "é"] {
            assert!(valid_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn words_are_found_whole() {
        let text = "a: eu-west-x\nb: eu-west\n";
        assert_eq!(find_word(text, "eu-west", 0), Some(16));
        assert_eq!(find_word("x: api.segment.io.\n", "api.segment.io", 0), Some(3));
    }

    #[test]
    fn entry_paths() {
        assert_eq!(
            entry_of("regions[eu-west].ingestion[dublin].hosts"),
            Some("dublin")
        );
        assert_eq!(entry_of("stores"), None);
        assert_eq!(field_of("regions[eu-west].ingestion"), "ingestion");
    }
}
