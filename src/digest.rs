//! The policy digest: a SHA-256 of a canonical form of the compiled policy, the same however
//! the policy is written and different whenever what it says changes.
//!
//! The canonical form is a versioned prefix and the JSON of the policy's [`Document`] after
//! [`canonical`]: serde writes struct fields in their declared order, so comments,
//! formatting, quoting and the order of mapping keys are gone before anything is hashed, and
//! a field added to the document later is hashed without a change here. On top of that:
//!
//! - `description` is left out: it is free text for people, read by no rule;
//! - `customer_storage` and `deliver_to` are written out with their defaults (the
//!   jurisdiction for a strict region, `any` otherwise), so writing the default is the same
//!   policy as leaving it out;
//! - a CIDR is written as `ipnet` writes it (`2001:DB8:0:0::/32` is `2001:db8::/32`);
//! - lists that are sets under the rules are sorted: the catalogue lists (cloud regions,
//!   groups, source kinds, sources, destinations, stores), a group's countries, a region's
//!   source kinds and places (`archive`, `customer_storage`, `deliver_to`), a source's and a
//!   destination's regions, a store's clouds and an ingestion region's `failover_to`.
//!
//! Lists whose order the rules read keep it: regions and their ingestion regions (an
//! ingestion region's name names the first region's that has it), hosts (the first is handed
//! out), endpoints (the first in-region endpoint is the default) and their hosts (the first is
//! the answer's host), zones, and `warehouse_egress` (the order `allowlist` hands the CIDRs
//! out in). A policy's `name` is part of the digest: it is shown in every explanation.

use crate::document::{AnyWord, Document, PlacesDoc, Residency};
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
        hasher.update(canonical_form(&self.document).as_bytes());
        let mut out = String::with_capacity(64);
        for byte in hasher.finalize() {
            let _ = write!(out, "{byte:02x}");
        }
        out
    }
}

/// The text that is hashed: the prefix and the JSON of the canonical document.
pub(crate) fn canonical_form(document: &Document) -> String {
    let json = serde_json::to_string(&canonical(document)).unwrap_or_default();
    format!("{CANONICAL_PREFIX}{json}")
}

/// The document in canonical form (see the module's documentation).
pub(crate) fn canonical(document: &Document) -> Document {
    let mut doc = document.clone();
    doc.description = None;
    doc.cloud_regions.sort_by(|a, b| a.id.cmp(&b.id));
    for g in &mut doc.groups {
        g.countries.sort();
    }
    doc.groups.sort_by(|a, b| a.id.cmp(&b.id));
    doc.source_kinds.sort_by(|a, b| a.id.cmp(&b.id));
    for r in &mut doc.regions {
        let default = match r.residency {
            Residency::Strict => PlacesDoc::List(vec![r.jurisdiction.clone()]),
            Residency::EdgeIngest => PlacesDoc::Any(AnyWord::Any),
        };
        for places in [&mut r.customer_storage, &mut r.deliver_to] {
            let mut set = places.take().unwrap_or_else(|| default.clone());
            if let PlacesDoc::List(list) = &mut set {
                list.sort();
            }
            *places = Some(set);
        }
        r.archive.sort();
        r.source_kinds.sort();
        for cidr in &mut r.warehouse_egress {
            if let Ok(net) = cidr.parse::<ipnet::IpNet>() {
                *cidr = net.to_string();
            }
        }
        for i in &mut r.ingestion {
            i.failover_to.sort();
        }
    }
    for s in &mut doc.sources {
        s.regions.sort();
    }
    doc.sources.sort_by(|a, b| a.id.cmp(&b.id));
    for d in &mut doc.destinations {
        d.regions.sort();
    }
    doc.destinations.sort_by(|a, b| a.id.cmp(&b.id));
    for s in &mut doc.stores {
        s.clouds.sort();
    }
    doc.stores.sort_by(|a, b| a.id.cmp(&b.id));
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_form_is_versioned_json() {
        let policy = Policy::default_policy();
        let form = canonical_form(policy.document());
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
            if r.residency == Residency::Strict && r.deliver_to.is_none() {
                r.deliver_to = Some(PlacesDoc::List(vec![r.jurisdiction.clone()]));
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
