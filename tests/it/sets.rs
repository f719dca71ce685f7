#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Set-like lists are sets: a loaded policy keeps every one sorted, whatever order it was
//! written in, so two writings of one policy load to one document and write one text; a
//! name listed twice in one is refused, naming the list, the name and where it is. The
//! set-like lists are found in the document's JSON (every list of names whose order the
//! rules do not read: `digest::ORDERED_LISTS` names those), not named here, so a list added
//! to the document is held to this as soon as a policy fills it.

use crate::digest::{with_sets_reordered, ORDERED_LISTS};
use proptest::prelude::*;
use regionfence::document::Document;
use regionfence::{LoadErrorKind, Location, Policy};
use regionfence_model::gen_policy::{self, Family};
use regionfence_model::Choices;
use serde_json::Value;
use std::collections::BTreeSet;

/// A small valid policy in which every set-like list holds two names or more, none of them
/// written in sorted order (and so are some ordered lists and the catalogues).
const SETS: &str = include_str!("../fixtures/sets.yaml");

fn repo(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The shipped policies' texts.
fn shipped() -> Vec<String> {
    ["policies/segment.yaml", "policies/segment-2025.yaml"]
        .iter()
        .map(|p| repo(p))
        .collect()
}

/// Whether a JSON list is a list of names (set-like lists are; the catalogues are lists of
/// mappings).
fn is_names(list: &[Value]) -> bool {
    !list.is_empty() && list.iter().all(Value::is_string)
}

/// The JSON paths (`regions[].archive`) of the set-like lists of `doc` that hold a name.
fn set_paths(doc: &Document) -> BTreeSet<String> {
    fn walk(value: &Value, path: &str, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    let inner = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(v, &inner, out);
                }
            }
            Value::Array(list) => {
                let inner = format!("{path}[]");
                for v in list {
                    walk(v, &inner, out);
                }
                if is_names(list) && !ORDERED_LISTS.contains(&path) {
                    out.insert(path.to_string());
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(&serde_json::to_value(doc).unwrap(), "", &mut out);
    out
}

/// `doc` with every set-like list reordered by `reorder` (the catalogues keep their order).
fn with_names_reordered(doc: &Document, reorder: &mut dyn FnMut(&mut Vec<Value>)) -> Document {
    with_sets_reordered(doc, &mut |list| {
        if is_names(list) {
            reorder(list);
        }
    })
    .0
}

/// `doc` with every set-like list sorted: what loading it keeps.
pub(crate) fn sorted_sets(doc: &Document) -> Document {
    with_names_reordered(doc, &mut |list| list.sort_by(|a, b| a.as_str().cmp(&b.as_str())))
}

/// The document written as YAML by another implementation, as a person's file arrives.
fn yaml(doc: &Document) -> String {
    serde_yaml::to_string(doc).unwrap()
}

#[test]
fn the_fixture_writes_every_set_like_list_unsorted() {
    let written: Document = serde_yaml::from_str(SETS).unwrap();
    let paths = set_paths(&written);
    // Every set-like list a generated policy fills, the fixture fills too.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..128 {
        let tape: Vec<u8> = (0..600)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed.to_le_bytes()[0]
            })
            .collect();
        for family in [Family::Safe, Family::Any] {
            let doc = gen_policy::policy(&mut Choices::new(&tape), family);
            for path in set_paths(&doc) {
                assert!(paths.contains(&path), "the fixture has no `{path}`");
            }
        }
    }
    assert_eq!(paths.len(), 11, "{paths:?}");
    // None is written sorted, so loading must sort each.
    let mut unsorted = 0;
    with_names_reordered(&written, &mut |list| {
        if !list.is_sorted_by(|a, b| a.as_str() <= b.as_str()) {
            unsorted += 1;
        }
    });
    assert_eq!(unsorted, 11);
}

#[test]
fn a_loaded_policy_keeps_every_set_like_list_sorted() {
    let mut texts = shipped();
    texts.push(SETS.to_string());
    for text in texts {
        let written: Document = serde_yaml::from_str(&text).unwrap();
        let policy = Policy::from_yaml(&text).unwrap();
        assert_eq!(policy.document(), &sorted_sets(&written), "{}", policy.name());
    }
    // The sets the fixture writes, as they load.
    let policy = Policy::from_yaml(SETS).unwrap();
    let doc = policy.document();
    assert_eq!(doc.groups[0].countries, ["DE", "IE"]);
    assert_eq!(doc.regions[0].archive, ["aws:eu-central-1", "aws:eu-west-1"]);
    assert_eq!(doc.regions[0].source_kinds, ["javascript", "server"]);
    assert_eq!(
        doc.regions[0].ingestion[0].failover_to,
        ["eu-west/frankfurt", "us-west/oregon"]
    );
    assert_eq!(doc.stores[0].clouds, ["aws", "gcp"]);
    assert_eq!(
        doc.stores[1].regions.as_deref(),
        Some(&["eu-west".to_string(), "us-west".to_string()][..])
    );
    // Ordered lists and catalogues keep the order written.
    assert_eq!(doc.cloud_regions[0].id, "aws:eu-west-1");
    assert_eq!(doc.regions[0].ingestion[0].zones, ["b", "a"]);
    assert_eq!(
        doc.regions[0].ingestion[0].hosts,
        ["events.eu1.example.com", "api.eu1.example.com"]
    );
    assert_eq!(doc.regions[0].id, "eu-west");
}

/// Each set-like list of the fixture reversed in the text, one at a time, and every one
/// unsorted at once (as the fixture writes them) in YAML, JSON, Rust and compiled form: the
/// same document, the same text written back, the same digest.
#[test]
fn a_set_like_list_in_any_order_loads_to_one_document() {
    let policy = Policy::from_yaml(SETS).unwrap();
    let text = policy.to_yaml().unwrap();
    for (written, _) in DUPLICATES {
        let (key, list) = written.rsplit_once('[').unwrap();
        let names: Vec<&str> = list.trim_end_matches(']').split(", ").collect();
        let reversed = names.iter().rev().copied().collect::<Vec<_>>().join(", ");
        let edited = SETS.replacen(written, &format!("{key}[{reversed}]"), 1);
        assert_ne!(edited, SETS);
        let again = Policy::from_yaml(&edited).unwrap();
        assert_eq!(again.document(), policy.document(), "{written} reversed");
        assert_eq!(again.to_yaml().unwrap(), text, "{written} reversed");
        assert_eq!(again.digest(), policy.digest());
    }
    // Every set-like list unsorted at once, as the fixture writes them.
    let reordered: Document = serde_yaml::from_str(SETS).unwrap();
    assert_ne!(&reordered, policy.document());
    // As YAML, as JSON, as a document built in Rust, and in compiled form.
    let from_yaml = Policy::from_yaml(&yaml(&reordered)).unwrap();
    assert_eq!(from_yaml.document(), policy.document());
    let from_json = Policy::from_yaml(&serde_json::to_string_pretty(&reordered).unwrap()).unwrap();
    assert_eq!(from_json.document(), policy.document());
    let built = Policy::compile(reordered.clone()).unwrap();
    assert_eq!(built.document(), policy.document());
    assert_eq!(built.to_yaml().unwrap(), text);
    assert_eq!(built.digest(), policy.digest());
    let compiled = policy.to_compiled(SETS);
    let document = serde_json::to_string(policy.document()).unwrap();
    assert!(compiled.contains(&document));
    let reordered_form = compiled.replacen(&document, &serde_json::to_string(&reordered).unwrap(), 1);
    assert_ne!(reordered_form, compiled);
    let from_compiled = Policy::from_compiled(&reordered_form).unwrap();
    assert_eq!(from_compiled.document(), policy.document());
    assert_eq!(from_compiled.to_compiled(SETS), compiled);
}

#[test]
fn what_is_written_reads_back_equal_and_sorted() {
    let mut texts = shipped();
    texts.push(SETS.to_string());
    for text in texts {
        let policy = Policy::from_yaml(&text).unwrap();
        let written = policy.to_yaml().unwrap();
        let again = Policy::from_yaml(&written).unwrap();
        assert_eq!(again.document(), policy.document());
        assert_eq!(again.to_yaml().unwrap(), written);
        // The text itself holds each set sorted.
        let read: Document = serde_yaml::from_str(&written).unwrap();
        assert_eq!(read, sorted_sets(&read));
        let compiled = policy.to_compiled(&text);
        let again = Policy::from_compiled(&compiled).unwrap();
        assert_eq!(again.document(), policy.document());
        assert_eq!(again.to_compiled(&text), compiled);
    }
}

/// Each set-like list of the fixture as written, and the path the loader names it by.
const DUPLICATES: [(&str, &str); 11] = [
    ("countries: [IE, DE]", "groups[eu].countries"),
    (
        "archive: [aws:eu-west-1, aws:eu-central-1]",
        "regions[eu-west].archive",
    ),
    (
        "customer_storage: [eu, aws:eu-central-1]",
        "regions[eu-west].customer_storage",
    ),
    ("deliver_to: [eu, aws:eu-west-1]", "regions[eu-west].deliver_to"),
    (
        "source_kinds: [server, javascript]",
        "regions[eu-west].source_kinds",
    ),
    (
        "catalog_only_kinds: [server, javascript]",
        "regions[eu-west].catalog_only_kinds",
    ),
    (
        "failover_to: [us-west/oregon, eu-west/frankfurt]",
        "regions[eu-west].ingestion[dublin].failover_to",
    ),
    (
        "kind: server, regions: [us-west, eu-west]",
        "sources[node-js].regions",
    ),
    (
        "amplitude, regions: [us-west, eu-west]",
        "destinations[amplitude].regions",
    ),
    ("clouds: [gcp, aws]", "stores[archive].clouds"),
    (
        "required, regions: [us-west, eu-west]",
        "stores[redshift].regions",
    ),
];

/// The 1-based line and column of byte `offset` of `text`.
fn location_of(text: &str, offset: usize) -> Location {
    let before = &text[..offset];
    Location {
        line: before.matches('\n').count() + 1,
        column: before.rsplit('\n').next().unwrap().chars().count() + 1,
    }
}

/// Every set-like list with its first name written again at its end: refused, naming the
/// list and the name, at the repeated name.
#[test]
fn a_name_listed_twice_in_any_set_like_list_is_refused_where_it_is() {
    let cases: BTreeSet<String> = DUPLICATES
        .iter()
        .map(|(_, at)| {
            let mut path = String::new();
            let mut inside = false;
            for c in at.chars() {
                match c {
                    '[' => inside = true,
                    ']' => {
                        inside = false;
                        path.push_str("[]");
                    }
                    c if !inside => path.push(c),
                    _ => {}
                }
            }
            path
        })
        .collect();
    let written: Document = serde_yaml::from_str(SETS).unwrap();
    assert_eq!(cases, set_paths(&written), "a case for every set-like list");
    for (written, at) in DUPLICATES {
        let first = written
            .rsplit_once('[')
            .unwrap()
            .1
            .split([',', ']'])
            .next()
            .unwrap();
        let doubled = format!("{}, {first}]", written.trim_end_matches(']'));
        let edited = SETS.replacen(written, &doubled, 1);
        let err = Policy::from_yaml(&edited).unwrap_err();
        assert_eq!(
            err.kind(),
            &LoadErrorKind::Repeated {
                at: at.to_string(),
                name: first.to_string()
            },
            "{written}: {err}"
        );
        assert!(
            err.to_string()
                .contains(&format!("`{first}` is listed twice in `{at}`")),
            "{err}"
        );
        let repeated = edited.find(written.trim_end_matches(']')).unwrap() + written.len() + 1;
        assert_eq!(&edited[repeated..repeated + first.len()], first);
        assert_eq!(
            err.location(),
            Some(location_of(&edited, repeated)),
            "{written}: {err}"
        );
        // Read as JSON, and built in Rust, the same refusal.
        let doc: Document = serde_yaml::from_str(&edited).unwrap();
        let json = serde_json::to_string_pretty(&doc).unwrap();
        let from_json = Policy::from_yaml(&json).unwrap_err();
        assert_eq!(from_json.kind(), err.kind());
        // At the repeated name: the last of its list.
        let at = from_json.location().unwrap();
        let line_start: usize = json.split_inclusive('\n').take(at.line - 1).map(str::len).sum();
        let rest = &json[line_start + at.column - 1..];
        assert!(
            rest.starts_with(&format!("{first}\"\n")),
            "{written}: {from_json}"
        );
        assert!(
            rest.lines().nth(1).unwrap().trim_start().starts_with(']'),
            "{written}: {from_json}"
        );
        let built = Policy::compile(doc.clone()).unwrap_err();
        assert_eq!(built.kind(), err.kind());
        assert_eq!(built.location(), None);
        // And in compiled form.
        let policy = Policy::from_yaml(SETS).unwrap();
        let compiled = policy.to_compiled(SETS).replacen(
            &serde_json::to_string(policy.document()).unwrap(),
            &serde_json::to_string(&doc).unwrap(),
            1,
        );
        assert_eq!(Policy::from_compiled(&compiled).unwrap_err().kind(), err.kind());
    }
}

/// `cases` cases in the long run, a quarter of them in a plain `cargo test`.
fn config(cases: u32) -> ProptestConfig {
    crate::proptest_config(
        crate::long_or_light(cases, cases / 4),
        concat!(env!("CARGO_MANIFEST_DIR"), "/proptest-regressions/sets.txt"),
    )
}

proptest! {
    #![proptest_config(config(256))]

    /// A generated policy with every set-like list in a random order, written as YAML:
    /// it loads to the document the policy written as generated loads to, every set-like
    /// list sorted, and writes the same text back.
    #[test]
    fn any_order_of_the_sets_of_a_generated_policy_loads_to_one_document(
        tape in proptest::collection::vec(any::<u8>(), 0..600),
        order in proptest::collection::vec(any::<u8>(), 0..64),
        safe in any::<bool>(),
    ) {
        let doc = gen_policy::policy(&mut Choices::new(&tape), if safe { Family::Safe } else { Family::Any });
        let policy = Policy::from_yaml(&yaml(&doc)).unwrap();
        prop_assert_eq!(policy.document(), &sorted_sets(&doc));
        let mut t = Choices::new(&order);
        let shuffled = with_names_reordered(&doc, &mut |list| {
            for i in (1..list.len()).rev() {
                list.swap(i, t.below(i + 1));
            }
        });
        let again = Policy::from_yaml(&yaml(&shuffled)).unwrap();
        prop_assert_eq!(again.document(), policy.document());
        prop_assert_eq!(again.to_yaml().unwrap(), policy.to_yaml().unwrap());
        let built = Policy::compile(shuffled).unwrap();
        prop_assert_eq!(built.document(), policy.document());
    }
}
