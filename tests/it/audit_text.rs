#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The audit's text report says what its numbers say: the strict regions (the first twenty,
//! then a count of the rest), the families asked per equivalence class (only those), each
//! invariant's status, the lints, and the verdict.

use regionfence::audit::{audit, audit_with, AuditReport, Family, Plan, FULL_FAMILY_QUESTIONS};
use regionfence::Policy;

/// A report with nothing in it but these strict regions and plans.
fn report(strict: usize, plans: Vec<Plan>) -> AuditReport {
    AuditReport {
        policy: "p".into(),
        questions: 0,
        plans,
        strict_regions: (0..strict).map(|i| format!("r{i}")).collect(),
        invariants: Vec::new(),
        lints: Vec::new(),
        exempted: Vec::new(),
        exempted_questions: 0,
        as_of: None,
    }
}

/// The text's strict-regions line.
fn strict_line(text: &str) -> &str {
    text.lines()
        .find(|l| l.starts_with("residency is proved for the strict regions: "))
        .unwrap()
}

#[test]
fn twenty_strict_regions_are_named_and_the_rest_counted() {
    let none = report(0, Vec::new()).to_text();
    assert_eq!(
        strict_line(&none),
        "residency is proved for the strict regions: none"
    );

    let twenty = report(20, Vec::new()).to_text();
    let line = strict_line(&twenty);
    assert!(line.ends_with("`r18`, `r19`"), "{line}");
    assert!(!line.contains("more"), "{line}");

    let twenty_five = report(25, Vec::new()).to_text();
    let line = strict_line(&twenty_five);
    assert!(line.ends_with("`r18`, `r19`, and 5 more"), "{line}");
    assert!(!line.contains("`r20`"), "{line}");
}

#[test]
fn only_the_families_asked_per_class_are_listed() {
    let plan = |family, full| Plan {
        family,
        full,
        questions: 10,
    };
    let all_full = report(1, vec![plan(Family::Ingest, true), plan(Family::Store, true)]).to_text();
    assert!(!all_full.contains("per equivalence class"), "{all_full}");

    let mixed = report(1, vec![plan(Family::Ingest, true), plan(Family::Store, false)]).to_text();
    let line = mixed
        .lines()
        .find(|l| l.starts_with("asked per equivalence class"))
        .unwrap();
    assert_eq!(
        line,
        format!("asked per equivalence class (their products are over {FULL_FAMILY_QUESTIONS} questions): `store`")
    );

    // On a real policy: in full, no family is listed; per class, every one is.
    let policy = Policy::default_policy();
    let full = audit_with(&policy, u64::MAX).unwrap();
    assert!(full.plans.iter().all(|p| p.full));
    assert!(!full.to_text().contains("per equivalence class"));
    let per_class = audit_with(&policy, 0).unwrap();
    let text = per_class.to_text();
    let line = text
        .lines()
        .find(|l| l.starts_with("asked per equivalence class"))
        .unwrap();
    assert!(per_class.plans.iter().any(|p| !p.full));
    for p in &per_class.plans {
        assert_eq!(line.contains(&format!("`{}`", p.family)), !p.full, "{line}");
    }
    assert_eq!(audit(&policy).unwrap().passed(), full.passed());
}
