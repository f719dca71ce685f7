//! The audit proves every invariant on the default policy, and finds the break in every
//! policy under `policies/broken/`, with the counterexample its header names.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use regionfence::audit::{audit, space_with, Status, FULL_FAMILY_QUESTIONS};
use regionfence::invariants::{decide_and_check, Invariant};
use regionfence::{Policy, Question};
use std::collections::HashSet;
use std::path::Path;
use strum::IntoEnumIterator;

fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# "))
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
}

#[test]
fn the_default_policy_keeps_every_invariant() {
    let policy = Policy::default_policy();
    let report = audit(&policy).unwrap();
    assert!(report.passed(), "{}", report.to_text());
    assert!(report.questions > 40_000, "{}", report.questions);
    assert_eq!(report.strict_regions, ["eu-west"]);
    assert!(report
        .to_text()
        .contains("residency is proved for the strict regions: `eu-west`"));
    for invariant in Invariant::iter() {
        let result = report.result(invariant).unwrap();
        assert_eq!(result.status, Status::Proved);
        assert!(result.checked > 0, "{invariant} checked nothing");
    }
}

#[test]
fn todays_policy_keeps_every_invariant() {
    let text = std::fs::read_to_string("policies/segment-2025.yaml").unwrap();
    let report = audit(&Policy::from_yaml(&text).unwrap()).unwrap();
    assert!(report.passed(), "{}", report.to_text());
}

#[test]
fn the_base_of_the_broken_policies_is_sound() {
    let text = std::fs::read_to_string("policies/broken/base.yaml").unwrap();
    let report = audit(&Policy::from_yaml(&text).unwrap()).unwrap();
    assert!(report.passed(), "{}", report.to_text());
    assert!(report.lints.is_empty(), "{:?}", report.lints);
}

#[test]
fn every_broken_policy_is_caught_with_its_counterexample() {
    let mut seen = 0;
    for entry in std::fs::read_dir(Path::new("policies/broken")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") || path.ends_with("base.yaml") {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let policy = Policy::from_yaml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let expected: Invariant = header(&text, "expect-violation:")
            .unwrap_or_else(|| panic!("{}: no expect-violation header", path.display()))
            .parse()
            .unwrap();
        let question = Question::parse(&header(&text, "expect-counterexample:").unwrap()).unwrap();

        let report = audit(&policy).unwrap();
        assert!(!report.passed(), "{}: the audit passed", path.display());
        let result = report.result(expected).unwrap();
        assert_eq!(
            result.status,
            Status::Violated,
            "{}: {}",
            path.display(),
            report.to_text()
        );
        assert!(!result.counterexamples.is_empty());
        // Only the invariant the file breaks is broken.
        for other in Invariant::iter().filter(|i| *i != expected) {
            assert_eq!(
                report.result(other).unwrap().status,
                Status::Proved,
                "{}: {other}",
                path.display()
            );
        }
        // The named question is allowed, and breaks exactly that invariant.
        let (decision, violations) = decide_and_check(&policy, &question);
        assert!(
            decision.unwrap().is_allowed(),
            "{}: {question:?} is not allowed",
            path.display()
        );
        assert!(
            violations.iter().any(|v| v.invariant == expected),
            "{}: {question:?} does not break {expected}",
            path.display()
        );
        // Every counterexample is a ready-to-paste command that parses back to its question.
        for c in &result.counterexamples {
            let json = c
                .command
                .strip_prefix("regionfence ask '")
                .unwrap()
                .strip_suffix('\'')
                .unwrap();
            assert_eq!(Question::parse(json).unwrap(), c.question);
        }
    }
    assert!(seen >= 6, "only {seen} broken policies");
}

#[test]
fn the_report_serialises_for_machines() {
    let text = std::fs::read_to_string("policies/broken/strict-store-in-us.yaml").unwrap();
    let report = audit(&Policy::from_yaml(&text).unwrap()).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["invariants"][0]["invariant"], "residency");
    assert_eq!(json["invariants"][0]["status"], "violated");
    assert_eq!(
        json["invariants"][0]["counterexamples"][0]["question"]["ask"],
        "store"
    );
}

#[test]
fn the_space_asks_every_bare_kind_and_catalog_source_in_every_region() {
    // Whether a bare kind or a catalog source is supported depends on the region (a kind may be
    // catalog-only in one region only): each is asked, in `ingest` and `resolve`, in every
    // region, whether the family is asked in full or per class.
    let text = std::fs::read_to_string("policies/segment-2025.yaml").unwrap();
    let policy = Policy::from_yaml(&text).unwrap();
    let doc = policy.document();
    let sources: Vec<&str> = doc
        .source_kinds
        .iter()
        .map(|k| k.id.as_str())
        .chain(doc.sources.iter().map(|s| s.id.as_str()))
        .collect();
    for full in [FULL_FAMILY_QUESTIONS, 0] {
        let mut asked: HashSet<(&'static str, String, String)> = HashSet::new();
        space_with(&policy, full).for_each(|q| match q {
            Question::Ingest {
                workspace, source, ..
            } => {
                asked.insert(("ingest", workspace, source));
            }
            Question::Resolve {
                workspace, source, ..
            } => {
                asked.insert(("resolve", workspace, source));
            }
            _ => {}
        });
        for r in &doc.regions {
            for s in &sources {
                for ask in ["ingest", "resolve"] {
                    assert!(
                        asked.contains(&(ask, r.id.clone(), s.to_string())),
                        "{ask} of `{s}` in `{}` is not asked (full: {full})",
                        r.id
                    );
                }
            }
        }
    }
}
