//! The policy digest: a SHA-256 of a canonical form of the compiled policy, the same however
//! the policy is written and different whenever what it says changes.
//!
//! The canonical form is a versioned prefix and the JSON of the policy's [`Document`] after
//! [`canonical`]: serde writes struct fields in their declared order, so comments,
//! formatting, quoting and the order of mapping keys are gone before anything is hashed.
//! [`canonical`] destructures every document type in full, so a field added to the document
//! does not build until it says what the field is. On top of that:
//!
//! - `description` is left out: it is free text for people, read by no rule;
//! - `customer_storage` and `deliver_to` are written out with their defaults (the
//!   jurisdiction for a strict region, `any` otherwise), so writing the default is the same
//!   policy as leaving it out;
//! - a CIDR is written as `ipnet` writes it (`2001:DB8:0:0::/32` is `2001:db8::/32`);
//! - lists that are sets under the rules are sorted: the catalogue lists (cloud regions,
//!   groups, source kinds, sources, destinations, stores), a group's countries, a region's
//!   source kinds, `catalog_only_kinds` and places (`archive`, `customer_storage`,
//!   `deliver_to`), a source's, a destination's and a store's regions, a store's clouds and an
//!   ingestion region's `failover_to`.
//!
//! Lists whose order the rules read keep it: regions and their ingestion regions (an
//! ingestion region's name names the first region's that has it), hosts (the first is handed
//! out), endpoints (the first in-region endpoint is the default) and their hosts (the first is
//! the answer's host), zones, `warehouse_egress` (the order `allowlist` hands the CIDRs out
//! in) and exemptions (the first active one covering a flow is the one named). A policy's
//! `name` is part of the digest: it is shown in every explanation. `tests/it/digest.rs` shuffles
//! every list of generated policies but these and requires the digest to stay.

use crate::document::{
    CloudRegionDoc, DestinationDoc, Document, EndpointDoc, GroupDoc, IngestionDoc, RegionDoc, SourceDoc,
    SourceKindDoc, StoreDoc,
};
use crate::policy::Policy;
use sha2::{Digest as _, Sha256};
use std::fmt::Write as _;

/// The prefix of the canonical form; a new canonical form gets a new number, so a digest never
/// means two things.
const CANONICAL_PREFIX: &str = "regionfence-policy-digest/1\n";

impl Policy {
    /// The policy's digest: 64 lower-case hex digits of a SHA-256 of its canonical form (see
    /// the README's "Digest"). Two texts of one policy — reformatted, commented, with keys in
    /// another order or set-like lists reordered — have one digest; any change to what the
    /// policy answers changes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let digest = policy.digest();
    /// assert_eq!(digest.len(), 64);
    /// assert!(digest.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    ///
    /// // Comments and formatting do not count...
    /// let text = format!("# reviewed\n{}\n\n", regionfence::DEFAULT_POLICY_YAML);
    /// assert_eq!(Policy::from_yaml(&text).unwrap().digest(), digest);
    /// // ...a changed loader range does.
    /// let changed = regionfence::DEFAULT_POLICY_YAML.replace("3.251.148.96/29", "3.251.148.96/28");
    /// assert_ne!(Policy::from_yaml(&changed).unwrap().digest(), digest);
    /// ```
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(canonical_form(self).as_bytes());
        let mut out = String::with_capacity(64);
        for byte in hasher.finalize() {
            let _ = write!(out, "{byte:02x}");
        }
        out
    }
}

/// The text that is hashed: the prefix and the JSON of the canonical document.
pub(crate) fn canonical_form(policy: &Policy) -> String {
    let json = serde_json::to_string(&canonical(policy)).unwrap_or_default();
    format!("{CANONICAL_PREFIX}{json}")
}

/// Sorts a catalogue list (entries with unique ids) by id.
fn catalogue<T>(list: &mut [T], id: impl Fn(&T) -> &str) {
    list.sort_by(|a, b| id(a).cmp(id(b)));
}

/// A compiled policy's document in canonical form (see the module's documentation). Its sets
/// are already sorted: compilation sorts them ([`Document::sort_sets`], the one statement of
/// which lists are sets), which is why this takes a policy, not any document. Every document
/// type is destructured in full besides, so a field added to one does not build until this
/// function says whether it is a default to write out, a form to normalise, free text, or
/// read as it is.
pub(crate) fn canonical(policy: &Policy) -> Document {
    let mut doc = policy.document.clone();
    let Document {
        version: _,
        name: _,
        description,
        cloud_regions,
        groups,
        source_kinds,
        regions,
        sources,
        destinations,
        stores,
        // Ordered: the first active exemption covering a flow is the one named.
        exemptions: _,
    } = &mut doc;
    *description = None;
    for c in cloud_regions.iter_mut() {
        let CloudRegionDoc {
            id: _,
            country: _,
            name: _,
        } = c;
    }
    catalogue(cloud_regions, |c| &c.id);
    for g in groups.iter_mut() {
        let GroupDoc {
            id: _,
            name: _,
            // A set.
            countries: _,
        } = g;
    }
    catalogue(groups, |g| &g.id);
    for k in source_kinds.iter_mut() {
        let SourceKindDoc {
            id: _,
            side: _,
            mechanism: _,
        } = k;
    }
    catalogue(source_kinds, |k| &k.id);
    // Ordered, and so are a region's ingestion regions: an ingestion region's name names the
    // first region's that has it.
    for r in regions.iter_mut() {
        let RegionDoc {
            id: _,
            name: _,
            default: _,
            residency,
            jurisdiction,
            processing: _,
            // Sets, and so are `customer_storage` and `deliver_to` when written as lists.
            archive: _,
            source_kinds: _,
            catalog_only_kinds: _,
            customer_storage,
            deliver_to,
            warehouse_egress,
            ingestion,
        } = r;
        let default = RegionDoc::default_places_of(*residency, jurisdiction);
        for places in [customer_storage, deliver_to] {
            if places.is_none() {
                *places = Some(default.clone());
            }
        }
        // Ordered: `allowlist` hands the CIDRs out in this order.
        for cidr in warehouse_egress.iter_mut() {
            if let Ok(net) = cidr.parse::<ipnet::IpNet>() {
                *cidr = net.to_string();
            }
        }
        for i in ingestion.iter_mut() {
            let IngestionDoc {
                id: _,
                default: _,
                cloud_region: _,
                // Ordered: the first is the one `resolve` hands out.
                hosts: _,
                // Ordered, as the README lists it.
                zones: _,
                // A set.
                failover_to: _,
            } = i;
        }
    }
    for s in sources.iter_mut() {
        let SourceDoc {
            id: _,
            name: _,
            kind: _,
            // A set.
            regions: _,
        } = s;
    }
    catalogue(sources, |s| &s.id);
    for d in destinations.iter_mut() {
        let DestinationDoc {
            id: _,
            name: _,
            // A set.
            regions: _,
            // Ordered: the first in-region endpoint is the default.
            endpoints,
        } = d;
        for e in endpoints.iter_mut() {
            // Ordered: the first host is the answer's host.
            let EndpointDoc {
                id: _,
                jurisdiction: _,
                hosts: _,
            } = e;
        }
    }
    catalogue(destinations, |d| &d.id);
    for s in stores.iter_mut() {
        let StoreDoc {
            id: _,
            kind: _,
            // Sets.
            clouds: _,
            regions: _,
            allowlist: _,
        } = s;
    }
    catalogue(stores, |s| &s.id);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_form_is_versioned_json() {
        let policy = Policy::default_policy();
        let form = canonical_form(&policy);
        assert!(form.starts_with("regionfence-policy-digest/1\n{\"version\":1,"));
        assert!(!form.contains("\"description\""));
    }

    #[test]
    fn written_defaults_and_reordered_sets_are_the_same_policy() {
        let policy = Policy::default_policy();
        let mut doc = policy.document().clone();
        doc.destinations.reverse();
        doc.cloud_regions.reverse();
        doc.description = Some("another description".into());
        for r in &mut doc.regions {
            r.source_kinds.reverse();
            if r.residency == crate::document::Residency::Strict && r.deliver_to.is_none() {
                r.deliver_to = Some(crate::document::PlacesDoc::List(vec![r.jurisdiction.clone()]));
            }
        }
        let again = Policy::compile(doc).unwrap();
        assert_eq!(again.digest(), policy.digest());
    }

    #[test]
    fn order_that_the_rules_read_counts() {
        let policy = Policy::default_policy();
        let mut doc = policy.document().clone();
        let us = doc.regions.iter_mut().find(|r| r.id == "us-west").unwrap();
        us.ingestion[0].hosts.push("api2.segment.io".into());
        let with_second = Policy::compile(doc.clone()).unwrap();
        let us = doc.regions.iter_mut().find(|r| r.id == "us-west").unwrap();
        us.ingestion[0].hosts.reverse();
        let reversed = Policy::compile(doc).unwrap();
        assert_ne!(with_second.digest(), policy.digest());
        assert_ne!(reversed.digest(), with_second.digest());
    }
}
