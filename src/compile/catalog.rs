//! Compiling the catalogue: groups, cloud regions (placed in groups by country), source
//! kinds, catalog sources and stores.

use super::checks::{check_country, check_id, check_list, look_up};
use super::{err, Compiler, Result};
use crate::document::{Document, StoreKind};
use crate::error::LoadErrorKind;
use crate::policy::*;
use std::collections::HashMap;

impl Compiler {
    /// Groups come first: cloud regions are placed in them by country.
    pub(super) fn groups(&mut self, document: &Document) -> Result<()> {
        for (i, g) in document.groups.iter().enumerate() {
            check_id("group", &g.id)?;
            check_list(&format!("groups[{}].countries", g.id), &g.countries)?;
            if !self.policy.group_names.insert(&g.id, i as u32) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "group",
                    id: g.id.clone(),
                }));
            }
            for country in &g.countries {
                check_country(country, || format!("groups[{}].countries", g.id))?;
            }
            self.policy.groups.push(Group {
                name: g.id.as_str().into(),
            });
        }
        Ok(())
    }

    /// Cloud regions, each placed in every group that holds its country.
    pub(super) fn cloud_regions(&mut self, document: &Document) -> Result<()> {
        let mut members: HashMap<&str, Vec<GroupId>> = HashMap::new();
        for (gi, g) in document.groups.iter().enumerate() {
            for country in &g.countries {
                let groups = members.entry(country.as_str()).or_default();
                if groups.last() != Some(&GroupId(gi as u32, self.policy.identity)) {
                    groups.push(GroupId(gi as u32, self.policy.identity));
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
            if !self.policy.cloud_names.insert(&c.id, i as u32) {
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
            self.policy.clouds.push(CloudRegion {
                name: c.id.as_str().into(),
                provider,
                country: c.country.as_str().into(),
                groups,
            });
        }
        Ok(())
    }

    /// Source kinds; each is also a source of its own name, usable wherever it is supported.
    pub(super) fn source_kinds(&mut self, document: &Document) -> Result<()> {
        for (i, k) in document.source_kinds.iter().enumerate() {
            check_id("source kind", &k.id)?;
            if !self.kind_names.insert(&k.id, i as u32) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "source kind",
                    id: k.id.clone(),
                }));
            }
            self.policy.source_names.insert(&k.id, i as u32);
            self.policy.kinds.push(Kind {
                name: k.id.as_str().into(),
                side: k.side,
                mechanism: k.mechanism,
            });
            self.policy.sources.push(Source {
                name: k.id.as_str().into(),
                kind: KindId(i as u32, self.policy.identity),
            });
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
        for (region, r) in document.regions.iter().enumerate() {
            for (kind, k) in document.source_kinds.iter().enumerate().take(kinds) {
                if !r.catalog_only_kinds.contains(&k.id) {
                    table.set(kind, region);
                }
            }
        }
        for s in &document.sources {
            check_id("source", &s.id)?;
            let source = p.sources.len() as u32;
            if !p.source_names.insert(&s.id, source) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "source",
                    id: s.id.clone(),
                }));
            }
            let at = |field: &str| format!("sources[{}].{field}", s.id);
            let kind = KindId(
                look_up(&self.kind_names, "source kind", &s.kind, || at("kind"))?,
                p.identity,
            );
            check_list(&at("regions"), &s.regions)?;
            for region in &s.regions {
                let r = look_up(&p.region_names, "region", region, || at("regions"))?;
                table.set(source as usize, r as usize);
            }
            p.sources.push(Source {
                name: s.id.as_str().into(),
                kind,
            });
        }
        p.source_regions = table;
        Ok(())
    }

    /// Stores, with the cloud providers they run on and, for warehouses, their allowlisting.
    pub(super) fn stores(&mut self, document: &Document) -> Result<()> {
        for (si, s) in document.stores.iter().enumerate() {
            check_id("store", &s.id)?;
            if !self.policy.store_names.insert(&s.id, si as u32) {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "store",
                    id: s.id.clone(),
                }));
            }
            let at = |field: &str| format!("stores[{}].{field}", s.id);
            check_list(&at("clouds"), &s.clouds)?;
            let mut providers = vec![false; self.policy.providers.len()].into_boxed_slice();
            for cloud in &s.clouds {
                let p = look_up(&self.provider_names, "cloud provider", cloud, || at("clouds"))?;
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
                        let r = look_up(&self.policy.region_names, "region", name, || at("regions"))?;
                        if let Some(slot) = regions.get_mut(r as usize) {
                            *slot = true;
                        }
                    }
                    regions
                }
            };
            self.policy.stores.push(Store {
                name: s.id.as_str().into(),
                kind: s.kind,
                providers,
                allowlist: s.allowlist,
                regions,
            });
        }
        Ok(())
    }
}
