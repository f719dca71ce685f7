//! Compiling exemptions: every name looked up like any other reference, the flow's shape,
//! the range, the justification and owner, and which exemptions apply at the as-of date.

use super::checks::{check_id, look_up};
use super::{err, Compiler, Result};
use crate::document::{Document, ExemptedFlow, ExemptionDoc, StoreKind};
use crate::error::LoadErrorKind;
use crate::policy::*;

/// The longest justification, in bytes.
pub(crate) const MAX_JUSTIFICATION_BYTES: usize = 1024;

/// The longest owner, in bytes.
pub(crate) const MAX_OWNER_BYTES: usize = 256;

impl Compiler {
    /// Exemptions come last: they name regions, destinations, endpoints, stores, cloud
    /// regions and warehouses.
    pub(super) fn exemptions(&mut self, document: &Document) -> Result<()> {
        let mut active = Vec::new();
        for e in &document.exemptions {
            check_id("exemption", &e.id)?;
            if self.policy.exemptions.by_name(&e.id).is_some() {
                return Err(err(LoadErrorKind::Duplicate {
                    what: "exemption",
                    id: e.id.clone(),
                }));
            }
            let exemption = self.exemption(e)?;
            let active_now = exemption.active;
            // The name is new (checked above), so the entry is found by it.
            let id = self.policy.exemptions.push_shared(&e.id, exemption);
            if active_now {
                if let Some(exemption) = self.policy.exemptions.get(id) {
                    active.push(exemption_key(exemption, id));
                }
            }
        }
        active.sort_unstable();
        self.policy.active_exemptions = active.into_boxed_slice();
        Ok(())
    }

    fn exemption(&self, e: &ExemptionDoc) -> Result<Exemption> {
        let at = |field: &str| format!("exemptions[{}].{field}", e.id);
        let policy = &self.policy;
        let region = look_up(&policy.regions, "region", &e.region, || at("region"))?;
        let rule = |field: &str, message: String| {
            err(LoadErrorKind::InvalidExemption {
                at: at(field),
                message,
            })
        };
        let flow = match e.flow() {
            Some(ExemptedFlow::Deliver {
                destination,
                endpoint,
            }) => {
                let d = look_up(&policy.destinations, "destination", destination, || {
                    at("destination")
                })?;
                let endpoint = match endpoint {
                    None => None,
                    Some(name) => {
                        let table = policy
                            .destinations
                            .get(d)
                            .map_or(&[][..], |d| &d.endpoint_lookup[..]);
                        match crate::names::find_sorted(table, name) {
                            Some(position) => Some(position),
                            None => {
                                return Err(err(LoadErrorKind::UnknownReference {
                                    what: "endpoint",
                                    name: name.to_string(),
                                    at: at("endpoint"),
                                    suggestion: crate::names::nearest(name, table.iter().map(|(n, _)| &**n))
                                        .map(str::to_string),
                                }))
                            }
                        }
                    }
                };
                ExemptFlow::Deliver(d, endpoint)
            }
            Some(ExemptedFlow::Store { store, cloud_region }) => {
                let s = look_up(&policy.stores, "store", store, || at("store"))?;
                let c = look_up(&policy.clouds, "cloud region", cloud_region, || {
                    at("cloud_region")
                })?;
                ExemptFlow::Store(s, c)
            }
            Some(ExemptedFlow::Connect { warehouse, cidr }) => {
                let s = look_up(&policy.stores, "store", warehouse, || at("warehouse"))?;
                let kind = policy.stores.get(s).map(|s| s.kind);
                if kind != Some(StoreKind::Warehouse) {
                    return Err(rule(
                        "warehouse",
                        format!("store `{}` is not a warehouse", crate::text::excerpt(warehouse)),
                    ));
                }
                let net = crate::ip::parse_cidr(cidr).ok_or_else(|| {
                    err(LoadErrorKind::MalformedCidr {
                        cidr: cidr.to_string(),
                        at: at("cidr"),
                    })
                })?;
                if net.trunc() != net {
                    return Err(err(LoadErrorKind::CidrHostBits {
                        cidr: cidr.to_string(),
                        at: at("cidr"),
                        network: net.trunc().to_string(),
                    }));
                }
                ExemptFlow::Connect(s, crate::ip::span(&net))
            }
            None => {
                return Err(err(LoadErrorKind::InvalidExemption {
                    at: format!("exemptions[{}]", e.id),
                    message: "an exemption names one flow: `destination` (and `endpoint`), \
                              `store` and `cloud_region`, or `warehouse` and `cidr`"
                        .to_string(),
                }))
            }
        };
        check_text(&e.justification, MAX_JUSTIFICATION_BYTES)
            .map_err(|why| rule("justification", format!("the justification {why}")))?;
        check_text(&e.owner, MAX_OWNER_BYTES).map_err(|why| rule("owner", format!("the owner {why}")))?;
        Ok(Exemption {
            name: e.id.as_str().into(),
            region,
            flow,
            owner: e.owner.as_str().into(),
            justification: e.justification.as_str().into(),
            expires: e.expires,
            // INVARIANT: an exemption applies through its expiry day, and never without a date.
            active: policy.as_of.is_some_and(|today| today <= e.expires),
        })
    }
}

/// The key an exemption is found by.
fn exemption_key(e: &Exemption, id: ExemptionId) -> ExemptionKey {
    match e.flow {
        ExemptFlow::Deliver(d, _) => (e.region, 0, d.0, id),
        ExemptFlow::Store(s, _) => (e.region, 1, s.0, id),
        ExemptFlow::Connect(s, _) => (e.region, 2, s.0, id),
    }
}

/// Free text shown in reports: not blank, bounded, without control characters.
fn check_text(text: &str, limit: usize) -> std::result::Result<(), String> {
    if text.trim().is_empty() {
        return Err("must not be empty".to_string());
    }
    if text.len() > limit {
        return Err(format!("is {} bytes, over the limit of {limit}", text.len()));
    }
    if text.chars().any(char::is_control) {
        return Err("must not hold control characters".to_string());
    }
    Ok(())
}
