#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Regressions the property tests and the structured fuzz target once shrank to, written out
//! literally (`tests/regressions/`): a policy as text (and, where the generator built it, the
//! document it must load to, as JSON, its set-like lists in the generator's order) and the
//! questions asked of it, one JSON line each. They no longer depend on how a generator reads
//! its choices, so they keep testing what they tested when the generators change.
//!
//! Each policy loads (or is refused for holding YAML anchors and aliases, and then compiles
//! from its document), round-trips through `Policy::to_yaml`, and every question passes the
//! model's check (`regionfence_model::check_decision`: the engine's verdict, reason codes
//! and extras are the model's, every reported invariant violation is confirmed by the model
//! and every breach it sees is reported); on a safe policy no invariant is violated at all.

use regionfence::document::Document;
use regionfence::invariants;
use regionfence::{Policy, Question};
use regionfence_model::{check_decision, round_trip};
use std::path::PathBuf;

/// Which family of generated policy a regression's document belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    /// Built so that no invariant can break.
    Safe,
    /// Any valid policy.
    Any,
}

/// Every regression: its file stem, its family, and what it once caught.
const REGRESSIONS: [(&str, Family, &str); 7] = [
    (
        "first-agreement-seed-safe",
        Family::Safe,
        "the first engine/model disagreement, read as a safe policy",
    ),
    (
        "first-agreement-seed-any",
        Family::Any,
        "the first engine/model disagreement, read as any policy",
    ),
    (
        "round-trip-block-scalar-name",
        Family::Any,
        "a display name YAML writes as a block scalar",
    ),
    (
        "round-trip-anchor-and-alias-names",
        Family::Any,
        "display names `&anchor` and `*alias`: refused as text, round-trips from the document",
    ),
    (
        "residency-of-processing-abroad",
        Family::Any,
        "a strict region processing outside its jurisdiction: a store there breaks residency",
    ),
    (
        "residency-of-processing-abroad-safe",
        Family::Safe,
        "the same choices read as a safe policy",
    ),
    (
        "to-yaml-ampersand-asterisk-in-display-name",
        Family::Any,
        "`&a *b` in a display name: `to_yaml` must give text the loader accepts",
    ),
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions")
}

fn read(stem: &str, extension: &str) -> Option<String> {
    std::fs::read_to_string(dir().join(format!("{stem}.{extension}"))).ok()
}

fn replay(stem: &str, family: Family) -> Result<(), String> {
    let text = read(stem, "yaml").ok_or("no policy text")?;
    let document: Option<Document> = read(stem, "json").map(|j| serde_json::from_str(&j).unwrap());
    let policy = match Policy::from_yaml(&text) {
        Ok(policy) => {
            if let Some(document) = &document {
                // Loading keeps set-like lists sorted.
                if policy.document() != &crate::sets::sorted_sets(document) {
                    return Err("the text does not load to its document".into());
                }
            }
            policy
        }
        Err(e) if e.to_string().contains("anchors and aliases") => {
            let document = document.ok_or(format!("refused, and no document to compile: {e}"))?;
            Policy::compile(document).map_err(|e| format!("the document does not compile: {e}"))?
        }
        Err(e) => return Err(format!("the text does not load: {e}")),
    };
    let again = round_trip::reload(&policy)?.ok_or("a reload step was skipped")?;
    let questions = read(stem, "questions.jsonl").unwrap_or_default();
    for line in questions.lines().filter(|l| !l.trim().is_empty()) {
        let q = Question::parse(line).map_err(|e| format!("{line}: {e}"))?;
        check_decision(&policy, &q)?;
        if family == Family::Safe {
            let (_, violations) = invariants::decide_and_check(&policy, &q);
            if !violations.is_empty() {
                return Err(format!("{line}: a safe policy breaks {violations:?}"));
            }
        }
        if policy.decide(&q).explain(&policy, &q) != again.decide(&q).explain(&again, &q) {
            return Err(format!("{line}: the reloaded policy answers differently"));
        }
    }
    Ok(())
}

#[test]
fn every_regression_still_holds() {
    let failures: Vec<String> = REGRESSIONS
        .iter()
        .filter_map(|(stem, family, what)| {
            replay(stem, *family)
                .err()
                .map(|why| format!("{stem} ({what}): {why}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_file_belongs_to_a_listed_regression() {
    for entry in std::fs::read_dir(dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            REGRESSIONS
                .iter()
                .any(|(stem, _, _)| name.starts_with(&format!("{stem}."))),
            "tests/regressions/{name} is not listed in REGRESSIONS"
        );
    }
}

/// The residency regression is what it says: the model sees the breach, and so do the
/// invariants.
#[test]
fn the_processing_abroad_regression_breaks_residency() {
    let text = read("residency-of-processing-abroad", "yaml").unwrap();
    let policy = Policy::from_yaml(&text).unwrap();
    let line = read("residency-of-processing-abroad", "questions.jsonl").unwrap();
    let q = Question::parse(line.lines().next().unwrap()).unwrap();
    let (_, violations) = invariants::decide_and_check(&policy, &q);
    assert!(
        violations
            .iter()
            .any(|v| v.invariant == invariants::Invariant::Residency),
        "{violations:?}"
    );
}
