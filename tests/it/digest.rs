#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `Policy::digest`: the same for every writing of one policy (reformatted, commented, keys in
//! another order, set-like lists reordered, defaults written out), and changed by every edit
//! that changes an answer. The property: a random single edit of a generated policy either
//! changes the digest or leaves every answer of both question spaces unchanged (the policy
//! diff is empty); an edit of writing only never changes it.

use proptest::prelude::*;
use regionfence::document::{Allowlisting, Document, Residency, StoreKind};
use regionfence::{diff, Policy};
use regionfence_model::gen_policy::{self, Family};
use regionfence_model::Choices;

fn repo(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn shipped() -> Vec<(String, Policy)> {
    ["policies/segment.yaml", "policies/segment-2025.yaml"]
        .iter()
        .map(|p| {
            let text = repo(p);
            let policy = Policy::from_yaml(&text).unwrap();
            (text, policy)
        })
        .collect()
}

/// The text without its comments (every `#` in the shipped policies starts a comment).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.split(" #").next().unwrap_or(l))
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_digest_is_64_lower_case_hex_digits_and_differs_between_the_shipped_policies() {
    let policies = shipped();
    for (_, p) in &policies {
        let d = p.digest();
        assert_eq!(d.len(), 64);
        assert!(
            d.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{d}"
        );
        assert_eq!(d, p.digest(), "the same every time");
    }
    assert_ne!(policies[0].1.digest(), policies[1].1.digest());
    assert_eq!(Policy::default_policy().digest(), policies[0].1.digest());
}

#[test]
fn formatting_comments_and_key_order_do_not_change_the_digest() {
    for (text, policy) in shipped() {
        let digest = policy.digest();
        // Serialised again (other quoting, flow and block styles, no comments).
        let again = Policy::from_yaml(&policy.to_yaml().unwrap()).unwrap();
        assert_eq!(again.digest(), digest);
        // Comments removed and added, blank lines and indentation of comments.
        let bare = without_comments(&text);
        assert_ne!(bare, text);
        assert_eq!(Policy::from_yaml(&bare).unwrap().digest(), digest);
        let commented = format!(
            "# header\n\n{}\n# trailer\n",
            text.replace("\nregions:", "\n  # note\nregions:")
        );
        assert_eq!(Policy::from_yaml(&commented).unwrap().digest(), digest);
        // Every mapping's keys in alphabetical order, written as JSON (a YAML flow text).
        let sorted = serde_json::to_string_pretty(&serde_json::to_value(policy.document()).unwrap()).unwrap();
        assert!(sorted.find("\"cloud_regions\"").unwrap() < sorted.find("\"version\"").unwrap());
        assert_eq!(Policy::from_yaml(&sorted).unwrap().digest(), digest);
        // The description is text for people.
        let mut doc = policy.document().clone();
        doc.description = Some("reworded".into());
        assert_eq!(Policy::compile(doc).unwrap().digest(), digest);
    }
}

/// The lists whose order the rules read (the README's "Digest"), as JSON paths of the
/// document (`[]`: every element of a list). Every other list of a document is a set: the
/// tests below find the lists in the document's JSON, so a list added to the document is a
/// set to them until it is named here.
pub(crate) const ORDERED_LISTS: &[&str] = &[
    "regions",
    "regions[].ingestion",
    "regions[].ingestion[].hosts",
    "regions[].ingestion[].zones",
    "regions[].warehouse_egress",
    "destinations[].endpoints",
    "destinations[].endpoints[].hosts",
    "exemptions",
];

/// Reorders every set-like list of `value` (every list whose path is not in
/// [`ORDERED_LISTS`]) with `reorder`, innermost first, and returns the paths of those it
/// reordered (lists of two or more).
fn reorder_sets(
    value: &mut serde_json::Value,
    reorder: &mut dyn FnMut(&mut Vec<serde_json::Value>),
) -> Vec<String> {
    fn walk(
        value: &mut serde_json::Value,
        path: &str,
        reorder: &mut dyn FnMut(&mut Vec<serde_json::Value>),
        seen: &mut Vec<String>,
    ) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    let inner = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(v, &inner, reorder, seen);
                }
            }
            serde_json::Value::Array(list) => {
                let inner = format!("{path}[]");
                for v in list.iter_mut() {
                    walk(v, &inner, reorder, seen);
                }
                if list.len() >= 2 && !ORDERED_LISTS.contains(&path) {
                    reorder(list);
                    if !seen.iter().any(|p| p == path) {
                        seen.push(path.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let mut seen = Vec::new();
    walk(value, "", reorder, &mut seen);
    seen
}

/// `doc` with every set-like list reordered by `reorder`, and the paths reordered.
pub(crate) fn with_sets_reordered(
    doc: &Document,
    reorder: &mut dyn FnMut(&mut Vec<serde_json::Value>),
) -> (Document, Vec<String>) {
    let mut value = serde_json::to_value(doc).unwrap();
    let paths = reorder_sets(&mut value, reorder);
    (serde_json::from_value(value).unwrap(), paths)
}

/// Every set-like list of the shipped policies, and of the default policy with every store
/// offered to its regions by name and every region's kinds catalog-only, in reverse: the
/// same digest, and the same answers.
#[test]
fn every_set_like_list_in_reverse_keeps_the_digest() {
    let mut docs: Vec<Document> = shipped().into_iter().map(|(_, p)| p.document().clone()).collect();
    let mut named = Policy::default_policy().document().clone();
    let region_ids: Vec<String> = named.regions.iter().map(|r| r.id.clone()).collect();
    for s in &mut named.stores {
        s.regions = Some(region_ids.clone());
    }
    docs.push(named);
    for doc in docs {
        let policy = Policy::compile(doc.clone()).unwrap();
        let (reversed, paths) = with_sets_reordered(&doc, &mut |list| list.reverse());
        let again = Policy::compile(reversed).unwrap();
        assert_eq!(
            again.digest(),
            policy.digest(),
            "{} with {paths:?} reversed",
            policy.name()
        );
        assert!(diff::diff(&policy, &again).unwrap().is_empty(), "{paths:?}");
    }
}

/// An edit of a document.
type Edit = fn(&mut Document);

#[test]
fn every_change_of_meaning_in_the_default_policy_changes_the_digest() {
    let policy = Policy::default_policy();
    let digest = policy.digest();
    let edits: Vec<(&str, Edit)> = vec![
        ("another name", |d| d.name.push('x')),
        ("EU West edge-ingest", |d| {
            d.regions[1].residency = Residency::EdgeIngest
        }),
        ("a second US loader range", |d| {
            d.regions[0].warehouse_egress.push("34.223.203.0/28".into())
        }),
        ("the US hosts in another order", |d| {
            d.regions[0].ingestion[0]
                .hosts
                .insert(0, "events.segmentapis.com".into())
        }),
        ("a zone fewer", |d| {
            d.regions[1].ingestion[0].zones.pop();
        }),
        ("an EU endpoint removed", |d| {
            let amplitude = d.destinations.iter_mut().find(|x| x.id == "amplitude").unwrap();
            amplitude.endpoints.retain(|e| e.id != "eu");
        }),
        ("a store's allowlisting", |d| {
            let redshift = d.stores.iter_mut().find(|s| s.id == "redshift").unwrap();
            redshift.allowlist = Some(Allowlisting::Recommended);
        }),
        ("a store offered to one region only", |d| {
            let redshift = d.stores.iter_mut().find(|s| s.id == "redshift").unwrap();
            redshift.regions = Some(vec!["us-west".into()]);
        }),
        ("a store's kind", |d| {
            let lake = d
                .stores
                .iter_mut()
                .find(|s| s.kind == StoreKind::DataLake)
                .unwrap();
            lake.kind = StoreKind::Warehouse;
            lake.allowlist = Some(Allowlisting::Required);
        }),
    ];
    for (what, edit) in edits {
        let mut doc = policy.document().clone();
        edit(&mut doc);
        let edited = Policy::compile(doc).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_ne!(edited.digest(), digest, "{what}");
    }
}

/// `cases` cases in the long run, a quarter of them in a plain `cargo test`.
fn config(cases: u32) -> ProptestConfig {
    crate::proptest_config(
        crate::long_or_light(cases, cases / 4),
        concat!(env!("CARGO_MANIFEST_DIR"), "/proptest-regressions/digest.txt"),
    )
}

/// Swaps two entries of a list, when it has two.
fn swap<T>(list: &mut [T], t: &mut Choices<'_>) {
    if list.len() >= 2 {
        let a = t.below(list.len());
        let b = (a + 1 + t.below(list.len() - 1)) % list.len();
        list.swap(a, b);
    }
}

/// Removes one entry of a list, when it has one.
fn remove<T>(list: &mut Vec<T>, t: &mut Choices<'_>) {
    if !list.is_empty() {
        let i = t.below(list.len());
        list.remove(i);
    }
}

/// One random edit of `doc`, named; the edited document may not load (then it is skipped).
fn edit(doc: &mut Document, t: &mut Choices<'_>) -> &'static str {
    let groups: Vec<String> = doc.groups.iter().map(|g| g.id.clone()).collect();
    let kinds: Vec<String> = doc.source_kinds.iter().map(|k| k.id.clone()).collect();
    let ri = t.below(doc.regions.len().max(1));
    match t.below(23) {
        0 => {
            doc.name.push('2');
            "name"
        }
        1 => {
            doc.description = Some("changed".into());
            "description"
        }
        2 => match doc.regions.get_mut(ri) {
            Some(r) => {
                r.residency = match r.residency {
                    Residency::Strict => Residency::EdgeIngest,
                    Residency::EdgeIngest => Residency::Strict,
                };
                "residency"
            }
            None => "nothing",
        },
        3 => {
            if let (Some(r), Some(g)) = (doc.regions.get_mut(ri), t.pick(&groups)) {
                r.jurisdiction = g.clone();
            }
            "jurisdiction"
        }
        4 => {
            if let Some(i) = doc.regions.get_mut(ri).and_then(|r| r.ingestion.first_mut()) {
                swap(&mut i.hosts, t);
            }
            "host order"
        }
        5 => {
            if let Some(i) = doc.regions.get_mut(ri).and_then(|r| r.ingestion.first_mut()) {
                remove(&mut i.hosts, t);
            }
            "host removed"
        }
        6 => {
            if let Some(i) = doc.regions.get_mut(ri).and_then(|r| r.ingestion.last_mut()) {
                i.hosts.push(format!("new{}.example", t.below(3)));
            }
            "host added"
        }
        7 => {
            if let Some(r) = doc.regions.get_mut(ri) {
                swap(&mut r.warehouse_egress, t);
            }
            "egress order"
        }
        8 => {
            if let Some(r) = doc.regions.get_mut(ri) {
                remove(&mut r.warehouse_egress, t);
            }
            "egress removed"
        }
        9 => {
            if let Some(r) = doc.regions.get_mut(ri) {
                r.warehouse_egress.push(format!("192.0.2.{}/32", t.below(4)));
            }
            "egress added"
        }
        10 => {
            if let Some(r) = doc.regions.get_mut(ri) {
                remove(&mut r.source_kinds, t);
            }
            "source kind dropped"
        }
        11 => {
            if let (Some(r), Some(k)) = (doc.regions.get_mut(ri), t.pick(&kinds)) {
                if !r.source_kinds.contains(k) {
                    r.source_kinds.push(k.clone());
                }
            }
            "source kind added"
        }
        12 => {
            let di = t.below(doc.destinations.len().max(1));
            if let Some(d) = doc.destinations.get_mut(di) {
                if t.percent(50) {
                    swap(&mut d.endpoints, t);
                } else if d.endpoints.len() > 1 {
                    remove(&mut d.endpoints, t);
                }
            }
            "endpoints"
        }
        13 => {
            let di = t.below(doc.destinations.len().max(1));
            if let Some(d) = doc.destinations.get_mut(di) {
                remove(&mut d.regions, t);
            }
            "destination regions"
        }
        14 => {
            let si = t.below(doc.stores.len().max(1));
            if let Some(s) = doc.stores.get_mut(si) {
                if s.kind == StoreKind::Warehouse {
                    s.allowlist = Some(match s.allowlist {
                        Some(Allowlisting::Required) => Allowlisting::NotNeeded,
                        _ => Allowlisting::Required,
                    });
                } else {
                    remove(&mut s.clouds, t);
                }
            }
            "store"
        }
        15 => {
            let ci = t.below(doc.cloud_regions.len().max(1));
            if let Some(c) = doc.cloud_regions.get_mut(ci) {
                c.country = if c.country == "US" {
                    "IE".into()
                } else {
                    "US".into()
                };
            }
            "cloud country"
        }
        16 => {
            if let Some(i) = doc.regions.get_mut(ri).and_then(|r| r.ingestion.first_mut()) {
                if t.percent(50) {
                    remove(&mut i.zones, t);
                } else if !i.zones.iter().any(|z| z == "z") {
                    i.zones.push("z".into());
                }
            }
            "zones"
        }
        17 => {
            if let Some(r) = doc.regions.get_mut(ri) {
                swap(&mut r.ingestion, t);
            }
            "ingestion order"
        }
        22 => {
            // The regions a store is offered to: one fewer, or named where it was implicit.
            let region_ids: Vec<String> = doc.regions.iter().map(|r| r.id.clone()).collect();
            let si = t.below(doc.stores.len().max(1));
            if let Some(s) = doc.stores.get_mut(si) {
                let mut offered = s.regions.clone().unwrap_or(region_ids);
                if t.percent(50) {
                    remove(&mut offered, t);
                }
                s.regions = Some(offered);
            }
            "store regions"
        }
        // Edits of writing only: the digest must stay.
        18 => {
            swap(&mut doc.destinations, t);
            swap(&mut doc.cloud_regions, t);
            "catalogue order"
        }
        19 => {
            swap(&mut doc.stores, t);
            swap(&mut doc.sources, t);
            swap(&mut doc.groups, t);
            "catalogue order"
        }
        20 => {
            if let Some(r) = doc.regions.get_mut(ri) {
                swap(&mut r.source_kinds, t);
                swap(&mut r.archive, t);
            }
            "region sets order"
        }
        _ => {
            swap(&mut doc.regions, t);
            "region order"
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// A random single edit changes the digest, or changes no answer of the question space;
    /// an edit of writing only never changes it.
    #[test]
    fn an_edit_changes_the_digest_unless_every_answer_is_unchanged(
        tape in proptest::collection::vec(any::<u8>(), 0..600),
        edit_tape in proptest::collection::vec(any::<u8>(), 0..16),
        safe in any::<bool>(),
    ) {
        let doc = gen_policy::policy(&mut Choices::new(&tape), if safe { Family::Safe } else { Family::Any });
        let before = Policy::compile(doc.clone()).unwrap();
        let mut edited = doc.clone();
        let what = edit(&mut edited, &mut Choices::new(&edit_tape));
        let Ok(after) = Policy::compile(edited.clone()) else {
            return Ok(());
        };
        let same_digest = before.digest() == after.digest();
        if matches!(what, "description" | "catalogue order" | "region sets order") {
            prop_assert!(same_digest, "an edit of writing only ({what}) changed the digest");
        }
        if same_digest {
            let d = diff::diff(&before, &after).unwrap();
            prop_assert!(
                d.is_empty(),
                "`{what}` kept the digest but changed {} answers, e.g. {:?}",
                d.counts.total(),
                d.groups.first().and_then(|g| g.entries.first()).and_then(|e| e.examples.first())
            );
        }
        // Reformatting never changes it.
        let again = Policy::from_yaml(&after.to_yaml().unwrap()).unwrap();
        prop_assert_eq!(again.digest(), after.digest());
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Every set-like list of a generated policy, each in a random order (found in the
    /// document's JSON, not named here): the same digest, and no answer changes.
    #[test]
    fn any_order_of_any_set_like_list_keeps_the_digest(
        tape in proptest::collection::vec(any::<u8>(), 0..600),
        order in proptest::collection::vec(any::<u8>(), 0..64),
        safe in any::<bool>(),
    ) {
        let doc = gen_policy::policy(&mut Choices::new(&tape), if safe { Family::Safe } else { Family::Any });
        let before = Policy::compile(doc.clone()).unwrap();
        let mut t = Choices::new(&order);
        let (shuffled, paths) = with_sets_reordered(&doc, &mut |list| {
            // Fisher-Yates, read off the tape.
            for i in (1..list.len()).rev() {
                list.swap(i, t.below(i + 1));
            }
        });
        let after = Policy::compile(shuffled).unwrap();
        prop_assert_eq!(after.digest(), before.digest(), "reordered: {:?}", paths);
        prop_assert!(diff::diff(&before, &after).unwrap().is_empty(), "reordered: {:?}", paths);
    }
}

#[test]
fn audit_check_and_diff_print_the_digest() {
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_regionfence"))
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/segment-2025.yaml");
    let path = path.to_str().unwrap();
    let digest = shipped()[1].1.digest();
    assert!(run(&["--policy", path, "audit"]).contains(&format!("policy digest: {digest}")));
    let json: serde_json::Value =
        serde_json::from_str(&run(&["--policy", path, "audit", "--format", "json"])).unwrap();
    assert_eq!(json["digest"], digest);
    assert!(run(&["check", path]).contains(&format!("ok: policy `segment-regional-2025`, digest {digest}")));
    assert!(run(&["diff", path, path]).contains(&format!("new digest: {digest}")));
}
