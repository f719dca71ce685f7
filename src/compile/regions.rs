//! Compiling regions: their place sets and CIDRs, their ingestion regions, hosts and
//! failover locations, and the explicit failover loosenings between ingestion regions.

use super::checks::{check_bare_host, check_count, check_id, check_list, look_up};
use super::{err, Compiler, Result};
use crate::document::{Document, IngestionDoc, PlacesDoc, RegionDoc};
use crate::error::LoadErrorKind;
use crate::ip::RangeTable;
use crate::names::NameMap;
use crate::policy::*;
use ipnet::IpNet;

impl Compiler {
    /// Regions: names first (exactly one default), then each region's contents.
    pub(super) fn regions(&mut self, document: &Document) -> Result<()> {
        let mut defaults = 0;
        // Names first: a region's id is its position, its entry is built below.
        let mut names = crate::names::NameMap::default();
        for (i, r) in document.regions.iter().enumerate() {
            check_id("region", &r.id)?;
            if !names.insert(&r.id, i as u32) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "region",
                    id: r.id.clone(),
                }));
            }
            if r.default {
                defaults += 1;
                self.policy.default_region = RegionId(i as u32, self.policy.identity);
            }
        }
        if defaults != 1 {
            return Err(err(LoadErrorKind::DefaultRegion { found: defaults }));
        }
        self.check_table_size(document)?;
        let mut owners: Vec<Vec<IngestionId>> = Vec::new();
        for r in &document.regions {
            let region = self.region(self.policy.regions.next_id(), r, &mut owners)?;
            // Names were checked unique above.
            self.policy.regions.push_shared(&r.id, region);
        }
        let ingestions = &self.policy.ingestions;
        for (host, owners) in self.policy.hosts.iter_mut().zip(owners) {
            host.home = owners
                .first()
                .and_then(|&i| ingestions.get(i).map(|e| (e.region, i)));
            host.owners = owners.into_boxed_slice();
        }
        Ok(())
    }

    /// Dense tables cost regions × (cloud regions, groups, kinds, sources, destinations)
    /// cells; refuse a document that would need more than [`crate::limits::MAX_TABLE_CELLS`].
    fn check_table_size(&self, document: &Document) -> Result<()> {
        // Per region: three place sets (each a cell per cloud region and per group), a cell
        // per kind, a source row cell per kind and catalog source, and two destination cells.
        let columns = 3 * document.cloud_regions.len()
            + 3 * document.groups.len()
            + 2 * document.source_kinds.len()
            + document.sources.len()
            + 2 * document.destinations.len();
        let cells = document.regions.len().saturating_mul(columns);
        if cells > crate::limits::MAX_TABLE_CELLS {
            return Err(err(LoadErrorKind::TooManyTableCells {
                cells,
                limit: crate::limits::MAX_TABLE_CELLS,
            }));
        }
        Ok(())
    }

    fn region(&mut self, id: RegionId, r: &RegionDoc, owners: &mut Vec<Vec<IngestionId>>) -> Result<Region> {
        let at = |field: &str| format!("regions[{}].{field}", r.id);
        let p = &self.policy;
        let jurisdiction = look_up(&p.groups, "group", &r.jurisdiction, || at("jurisdiction"))?;
        let processing = look_up(&p.clouds, "cloud region", &r.processing, || at("processing"))?;
        let archive = self.places(&PlacesDoc::List(r.archive.clone()), &at("archive"))?;
        let storage = self.places(&r.customer_storage_or_default(), &at("customer_storage"))?;
        let delivery = self.places(&r.deliver_to_or_default(), &at("deliver_to"))?;

        check_list(&at("source_kinds"), &r.source_kinds)?;
        let mut kinds = vec![false; self.policy.kinds.len()].into_boxed_slice();
        for k in &r.source_kinds {
            let kind = look_up(&self.policy.kinds, "source kind", k, || at("source_kinds"))?;
            if let Some(slot) = kinds.get_mut(kind.index()) {
                *slot = true;
            }
        }
        check_list(&at("catalog_only_kinds"), &r.catalog_only_kinds)?;
        for k in &r.catalog_only_kinds {
            let kind = look_up(&self.policy.kinds, "source kind", k, || at("catalog_only_kinds"))?;
            if !kinds.get(kind.index()).copied().unwrap_or(false) {
                return Err(err(LoadErrorKind::CatalogOnlyKindNotListed {
                    kind: k.clone(),
                    region: r.id.clone(),
                    at: at("catalog_only_kinds"),
                }));
            }
        }

        check_list(&at("warehouse_egress"), &r.warehouse_egress)?;
        let mut egress = Vec::new();
        for cidr in &r.warehouse_egress {
            let net: IpNet = crate::ip::parse_cidr(cidr).ok_or_else(|| {
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
            egress.push(net);
        }

        check_count(&at("ingestion"), r.ingestion.len())?;
        let mut local = NameMap::default();
        let mut names = Vec::new();
        let mut defaults = Vec::new();
        for ing in &r.ingestion {
            check_id("ingestion region", &ing.id)?;
            let ingestion = self.policy.ingestions.next_id();
            if !local.insert(&ing.id, ingestion.0) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "ingestion region",
                    id: format!("{}/{}", r.id, ing.id),
                }));
            }
            if ing.default {
                defaults.push(ingestion);
            }
            let compiled = self.ingestion(id, &r.id, ing, ingestion, owners)?;
            self.policy.ingestions.push_shared(&ing.id, compiled);
            names.push((Box::<str>::from(ing.id.as_str()), ingestion));
        }
        let default_ingestion = match defaults.as_slice() {
            [one] => *one,
            _ => {
                return Err(err(LoadErrorKind::DefaultIngestion {
                    region: r.id.clone(),
                    found: defaults.len(),
                }))
            }
        };
        names.sort();
        let default_host = self
            .policy
            .ingestions
            .get(default_ingestion)
            .and_then(|i| i.hosts.first().copied());
        Ok(Region {
            name: r.id.as_str().into(),
            residency: r.residency,
            jurisdiction,
            processing,
            archive,
            storage,
            delivery,
            kinds,
            egress: RangeTable::new(&egress),
            egress_nets: egress.into_boxed_slice(),
            ingestion_names: names.into_boxed_slice(),
            default_ingestion,
            default_host,
        })
    }

    /// One ingestion region: its hosts (shared host names get one id and several owners)
    /// and its failover locations `<region>/<ingestion>-<zone>`, each claimed once.
    fn ingestion(
        &mut self,
        region: RegionId,
        region_name: &str,
        ing: &IngestionDoc,
        id: IngestionId,
        owners: &mut Vec<Vec<IngestionId>>,
    ) -> Result<Ingestion> {
        let at = |field: &str| format!("regions[{region_name}].ingestion[{}].{field}", ing.id);
        let p = &mut self.policy;
        let cloud = look_up(&p.clouds, "cloud region", &ing.cloud_region, || {
            at("cloud_region")
        })?;
        if ing.hosts.is_empty() {
            return Err(err(LoadErrorKind::Empty { at: at("hosts") }));
        }
        check_list(&at("hosts"), &ing.hosts)?;
        check_list(&at("zones"), &ing.zones)?;
        check_list(&at("failover_to"), &ing.failover_to)?;
        let mut hosts = Vec::new();
        for host in &ing.hosts {
            check_bare_host(host, || at("hosts"))?;
            let host_id = match p.hosts.by_name(host) {
                Some(h) => h,
                None => {
                    let h = p.hosts.push_shared(
                        host,
                        Host {
                            name: host.as_str().into(),
                            owners: Box::new([]),
                            home: None,
                        },
                    );
                    owners.push(Vec::new());
                    h
                }
            };
            let Some(host_owners) = owners.get_mut(host_id.index()) else {
                continue;
            };
            // INVARIANT: owners are appended in ingestion order, so a repeat within this
            // ingestion region is the last owner.
            if host_owners.last() == Some(&id) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "host",
                    id: host.clone(),
                }));
            }
            host_owners.push(id);
            hosts.push(host_id);
        }
        for zone in &ing.zones {
            if zone.is_empty() || !zone.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
                return Err(err(LoadErrorKind::InvalidId {
                    what: "zone",
                    id: zone.clone(),
                    why: "a zone is lower-case letters and digits, such as `a`",
                }));
            }
            let name = ing.location(region_name, zone);
            if let Some(first) = p.locations.by_name(&name) {
                let first = p.locations.get(first).map_or(id, |l| l.ingestion);
                let first = match p.ingestions.get(first) {
                    Some(i) => format!("{}/{}", p.region_name(i.region), i.name),
                    None => format!("{region_name}/{}", ing.id),
                };
                return Err(err(LoadErrorKind::LocationClaimedTwice {
                    location: name,
                    first,
                    second: format!("{region_name}/{}", ing.id),
                }));
            }
            let location = Location {
                name: name.as_str().into(),
                ingestion: id,
            };
            // The name is new (checked above).
            p.locations.push_shared(&name, location);
        }
        Ok(Ingestion {
            name: ing.id.as_str().into(),
            region,
            cloud,
            hosts: hosts.into_boxed_slice(),
            failover_to: Box::new([]),
        })
    }

    /// Explicit failover loosenings (`failover_to: [region/ingestion]`), now that every
    /// ingestion region has an id.
    pub(super) fn failover_targets(&mut self, document: &Document) -> Result<()> {
        let ingestion_docs = document
            .regions
            .iter()
            .flat_map(|r| r.ingestion.iter().map(move |i| (r, i)));
        for (position, (r, ing)) in self.policy.ingestions.ids().zip(ingestion_docs) {
            let mut targets = Vec::new();
            for target in &ing.failover_to {
                match self.ingestion_by_path(target) {
                    Some(id) => targets.push(id),
                    None => {
                        let all: Vec<String> = self
                            .policy
                            .ingestions
                            .ids()
                            .map(|i| self.policy.ingestion_path(i))
                            .collect();
                        return Err(err(LoadErrorKind::UnknownReference {
                            what: "ingestion region",
                            name: target.clone(),
                            at: format!("regions[{}].ingestion[{}].failover_to", r.id, ing.id),
                            suggestion: crate::names::nearest(target, all.iter().map(String::as_str))
                                .map(str::to_string),
                        }));
                    }
                }
            }
            // Sorted, so deciding finds a target by binary search.
            targets.sort_unstable();
            targets.dedup();
            if let Some(i) = self.policy.ingestions.get_mut(position) {
                i.failover_to = targets.into_boxed_slice();
            }
        }
        Ok(())
    }

    /// `region/ingestion` → the ingestion region's id.
    fn ingestion_by_path(&self, path: &str) -> Option<IngestionId> {
        let (region, name) = path.split_once('/')?;
        let region = self.policy.region(self.policy.region_id(region)?)?;
        crate::names::find_sorted(&region.ingestion_names, name)
    }

    /// Compiles a place list against the catalogue: listed groups, listed cloud regions,
    /// and every cloud region whose country a listed group holds.
    fn places(&self, places: &PlacesDoc, at: &str) -> Result<PlaceSet> {
        let p = &self.policy;
        let mut set = PlaceSet {
            any: false,
            clouds: vec![false; p.clouds.len()].into_boxed_slice(),
            groups: vec![false; p.groups.len()].into_boxed_slice(),
            items: Box::new([]),
        };
        let list = match places {
            PlacesDoc::Any(_) => {
                set.any = true;
                set.items = Box::new([Place::Any]);
                return Ok(set);
            }
            PlacesDoc::List(list) => list,
        };
        check_list(at, list)?;
        let mut items = Vec::with_capacity(list.len());
        for place in list {
            if let Some(g) = p.groups.by_name(place) {
                if let Some(slot) = set.groups.get_mut(g.index()) {
                    *slot = true;
                }
                items.push(Place::Group(g));
            } else if let Some(c) = p.clouds.by_name(place) {
                if let Some(slot) = set.clouds.get_mut(c.index()) {
                    *slot = true;
                }
                items.push(Place::Cloud(c));
            } else {
                let suggestion = p
                    .groups
                    .names()
                    .nearest(place)
                    .or_else(|| p.clouds.names().nearest(place));
                return Err(err(LoadErrorKind::UnknownReference {
                    what: "place (group or cloud region)",
                    name: place.clone(),
                    at: at.to_string(),
                    suggestion: suggestion.map(str::to_string),
                }));
            }
        }
        set.items = items.into_boxed_slice();
        for (cloud, slot) in p.clouds.iter().zip(set.clouds.iter_mut()) {
            if cloud
                .groups
                .iter()
                .any(|g| set.groups.get(g.index()).copied().unwrap_or(false))
            {
                *slot = true;
            }
        }
        Ok(set)
    }
}
