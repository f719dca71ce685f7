//! Compiling destinations: availability per region, endpoints by id and host, and the
//! endpoint each region uses when none is named.

use super::checks::{check_bare_host, check_count, check_id, check_list, look_up};
use super::{err, Compiler, Result};
use crate::document::Document;
use crate::error::LoadErrorKind;
use crate::policy::*;

impl Compiler {
    pub(super) fn destinations(&mut self, document: &Document) -> Result<()> {
        let regions = self.policy.regions.len();
        let mut available = BitTable::new(document.destinations.len(), regions);
        let mut defaults = Grid::new(document.destinations.len(), regions);
        for d in &document.destinations {
            check_id("destination", &d.id)?;
            let destination = self.policy.destinations.next_id();
            if self.policy.destinations.by_name(&d.id).is_some() {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "destination",
                    id: d.id.clone(),
                }));
            }
            let at = |field: &str| format!("destinations[{}].{field}", d.id);
            check_list(&at("regions"), &d.regions)?;
            for region in &d.regions {
                let r = look_up(&self.policy.regions, "region", region, || at("regions"))?;
                available.set(destination, r, true);
            }
            if d.endpoints.is_empty() {
                return Err(err(LoadErrorKind::Empty { at: at("endpoints") }));
            }
            check_count(&at("endpoints"), d.endpoints.len())?;
            let mut endpoints = Vec::new();
            let mut lookup: Vec<(Box<str>, EndpointId)> = Vec::new();
            let mut hosts: Vec<(Box<str>, EndpointId)> = Vec::new();
            for (ei, e) in d.endpoints.iter().enumerate() {
                let endpoint = EndpointId(ei as u32, self.policy.identity);
                let eat = |field: &str| format!("destinations[{}].endpoints[{}].{field}", d.id, e.id);
                check_id("endpoint", &e.id)?;
                let jurisdiction = look_up(&self.policy.groups, "group", &e.jurisdiction, || {
                    eat("jurisdiction")
                })?;
                check_list(&eat("hosts"), &e.hosts)?;
                lookup.push((e.id.as_str().into(), endpoint));
                for host in &e.hosts {
                    check_bare_host(host, || eat("hosts"))?;
                    hosts.push((host.as_str().into(), endpoint));
                }
                endpoints.push(Endpoint {
                    name: e.id.as_str().into(),
                    jurisdiction,
                    hosts: e.hosts.iter().map(|h| h.as_str().into()).collect(),
                });
            }
            for table in [&mut lookup, &mut hosts] {
                table.sort();
                if let Some(pair) = table.windows(2).find(|w| matches!(w, [a, b] if a.0 == b.0)) {
                    let name = pair.first().map_or("", |(n, _)| &**n);
                    return Err(err(LoadErrorKind::Duplicate {
                        what: "endpoint",
                        id: format!("{}/{name}", d.id),
                    }));
                }
            }
            // An id that is also a host would let the id's endpoint answer for the host's.
            if let Some((name, _)) = lookup
                .iter()
                .find(|(id, _)| hosts.binary_search_by(|(h, _)| h.cmp(id)).is_ok())
            {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "endpoint id and host",
                    id: format!("{}/{name}", d.id),
                }));
            }
            for (ri, region) in self.policy.regions.with_ids() {
                // In-jurisdiction first, then any endpoint the region may deliver to.
                let home = endpoints.iter().position(|e| {
                    e.jurisdiction == region.jurisdiction && region.delivery.has_group(e.jurisdiction)
                });
                let fallback = endpoints
                    .iter()
                    .position(|e| region.delivery.has_group(e.jurisdiction));
                if let Some(e) = home.or(fallback) {
                    defaults.set(destination, ri, MaybePosition::some(e));
                }
            }
            let entry = Destination {
                name: d.id.as_str().into(),
                endpoints: endpoints.into_boxed_slice(),
                endpoint_lookup: lookup.into_boxed_slice(),
                endpoint_hosts: hosts.into_boxed_slice(),
            };
            // The name is new (checked above).
            self.policy.destinations.push_shared(&d.id, entry);
        }
        self.policy.destination_regions = available;
        self.policy.default_endpoints = defaults;
        Ok(())
    }
}
