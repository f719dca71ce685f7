//! Compiling the catalogue: groups, cloud regions (placed in groups by country), source
//! kinds, catalog sources and stores.

use super::checks::{check_country, check_id, check_list, look_up, look_up_name, unknown};
use super::{err, Compiler, Result};
use crate::document::{Document, StoreKind};
use crate::error::LoadErrorKind;
use crate::policy::*;
use std::collections::HashMap;

impl Compiler {
    /// Groups come first: cloud regions are placed in them by country.
    pub(super) fn groups(&mut self, document: &Document) -> Result<()> {
        for g in &document.groups {
            check_id("group", &g.id)?;
            check_list(&format!("groups[{}].countries", g.id), &g.countries)?;
            let group = Group {
                name: g.id.as_str().into(),
            };
            if self.policy.groups.push_unique(&g.id, group).is_none() {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "group",
                    id: g.id.clone(),
                }));
            }
            for country in &g.countries {
                check_country(country, || format!("groups[{}].countries", g.id))?;
            }
        }
        Ok(())
    }

    /// Cloud regions, each placed in every group that holds its country.
    pub(super) fn cloud_regions(&mut self, document: &Document) -> Result<()> {
        let mut members: HashMap<&str, Vec<GroupId>> = HashMap::new();
        for (group, g) in self.policy.groups.ids().zip(&document.groups) {
            for country in &g.countries {
                let groups = members.entry(country.as_str()).or_default();
                if groups.last() != Some(&group) {
                    groups.push(group);
                }
            }
        }
        // Each cloud region keeps the groups holding its country: bound that before building it.
        let memberships: usize = document
            .cloud_regions
            .iter()
            .map(|c| members.get(c.country.as_str()).map_or(0, Vec::len))
            .sum();
        if memberships > crate::limits::MAX_TABLE_CELLS {
            return Err(err(LoadErrorKind::TooManyMemberships {
                memberships,
                limit: crate::limits::MAX_TABLE_CELLS,
            }));
        }
        for c in &document.cloud_regions {
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
            if self.policy.clouds.by_name(&c.id).is_some() {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "cloud region",
                    id: c.id.clone(),
                }));
            }
            let provider = match self.provider_names.get(provider) {
                Some(p) => p,
                None => {
                    let p = self.policy.providers.len() as u32;
                    self.provider_names.insert(provider, p);
                    self.policy.providers.push(provider.into());
                    p
                }
            };
            let groups = members
                .get(c.country.as_str())
                .cloned()
                .unwrap_or_default()
                .into_boxed_slice();
            let cloud = CloudRegion {
                name: c.id.as_str().into(),
                provider,
                country: c.country.as_str().into(),
                groups,
            };
            // The name is new (checked above).
            self.policy.clouds.push_shared(&c.id, cloud);
        }
        Ok(())
    }

    /// Source kinds; each is also a source of its own name, usable wherever it is supported.
    pub(super) fn source_kinds(&mut self, document: &Document) -> Result<()> {
        for k in &document.source_kinds {
            check_id("source kind", &k.id)?;
            let entry = Kind {
                name: k.id.as_str().into(),
                side: k.side,
                mechanism: k.mechanism,
            };
            let Some(kind) = self.policy.kinds.push_unique(&k.id, entry) else {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "source kind",
                    id: k.id.clone(),
                }));
            };
            // Kinds are the first sources, so a kind's source has the kind's position.
            let source = Source {
                name: k.id.as_str().into(),
                kind,
                mechanism: k.mechanism,
            };
            self.policy.sources.push_shared(&k.id, source);
        }
        Ok(())
    }

    /// Catalog sources, after the regions they name. A slug may not repeat a kind's id.
    pub(super) fn sources(&mut self, document: &Document) -> Result<()> {
        let p = &mut self.policy;
        let kinds = p.kinds.len();
        let mut table = BitTable::new(kinds + document.sources.len(), p.regions.len());
        // A kind, named bare, is a source of every region but those listing it catalog-only
        // (the regions checked each such name when they were compiled).
        for (region, r) in p.regions.ids().zip(&document.regions) {
            for (source, k) in p.sources.ids().zip(&document.source_kinds).take(kinds) {
                if !r.catalog_only_kinds.contains(&k.id) {
                    table.set(source, region, true);
                }
            }
        }
        for s in &document.sources {
            check_id("source", &s.id)?;
            if p.sources.by_name(&s.id).is_some() {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "source",
                    id: s.id.clone(),
                }));
            }
            let source = p.sources.next_id();
            let at = |field: &str| format!("sources[{}].{field}", s.id);
            let kind = look_up(&p.kinds, "source kind", &s.kind, || at("kind"))?;
            // The id was just looked up, so its entry is there.
            let mechanism = p
                .kinds
                .get(kind)
                .map(|k| k.mechanism)
                .ok_or_else(|| unknown("source kind", &s.kind, at("kind"), p.kinds.names()))?;
            check_list(&at("regions"), &s.regions)?;
            for region in &s.regions {
                let r = look_up(&p.regions, "region", region, || at("regions"))?;
                table.set(source, r, true);
            }
            // The name is new (checked above).
            p.sources.push_shared(
                &s.id,
                Source {
                    name: s.id.as_str().into(),
                    kind,
                    mechanism,
                },
            );
        }
        // Kind and entry read together, per source and region.
        let mut support = Grid::new(p.sources.len(), p.regions.len());
        for (source, s) in p.sources.with_ids() {
            for (region, r) in p.regions.with_ids() {
                let kind_ok = r.kinds.get(s.kind.index()).copied().unwrap_or(false);
                let cell = match (kind_ok, table.get(source, region)) {
                    (false, _) => Support::KindUnsupported,
                    (true, false) => Support::EntryUnsupported,
                    (true, true) => Support::Supported,
                };
                support.set(source, region, cell);
            }
        }
        p.source_regions = table;
        p.support = support;
        Ok(())
    }

    /// Stores, with the cloud providers they run on and, for warehouses, their allowlisting.
    pub(super) fn stores(&mut self, document: &Document) -> Result<()> {
        for s in &document.stores {
            check_id("store", &s.id)?;
            if self.policy.stores.by_name(&s.id).is_some() {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "store",
                    id: s.id.clone(),
                }));
            }
            let at = |field: &str| format!("stores[{}].{field}", s.id);
            check_list(&at("clouds"), &s.clouds)?;
            let mut providers = vec![false; self.policy.providers.len()].into_boxed_slice();
            for cloud in &s.clouds {
                let p = look_up_name(&self.provider_names, "cloud provider", cloud, || at("clouds"))?;
                if let Some(slot) = providers.get_mut(p as usize) {
                    *slot = true;
                }
            }
            match (s.kind, s.allowlist) {
                (StoreKind::Warehouse, None) => {
                    return Err(err(LoadErrorKind::AllowlistMissing {
                        store: s.id.clone(),
                        at: at("kind"),
                    }))
                }
                (StoreKind::Archive | StoreKind::DataLake, Some(_)) => {
                    return Err(err(LoadErrorKind::AllowlistNotWarehouse {
                        store: s.id.clone(),
                        kind: s.kind,
                        at: at("allowlist"),
                    }))
                }
                _ => {}
            }
            let regions = match &s.regions {
                None => vec![true; self.policy.regions.len()].into_boxed_slice(),
                Some(names) => {
                    check_list(&at("regions"), names)?;
                    let mut regions = vec![false; self.policy.regions.len()].into_boxed_slice();
                    for name in names {
                        let r = look_up(&self.policy.regions, "region", name, || at("regions"))?;
                        if let Some(slot) = regions.get_mut(r.index()) {
                            *slot = true;
                        }
                    }
                    regions
                }
            };
            let store = Store {
                name: s.id.as_str().into(),
                kind: s.kind,
                providers,
                allowlist: s.allowlist,
                regions,
            };
            // The name is new (checked above).
            self.policy.stores.push_shared(&s.id, store);
        }
        Ok(())
    }
}
