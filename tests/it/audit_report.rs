//! The audit's report counts what it says it counts: each invariant's `checked` is the
//! number of questions of the space it speaks about, its `violations` the number that break
//! it, its counterexamples the first few of those with their honest decisions; and the text
//! report says what the numbers say. Computed here independently, from `audit::space` and
//! `invariants::decide_and_check`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use regionfence::audit::{audit, space, AuditReport, Status, MAX_COUNTEREXAMPLES};
use regionfence::document::Residency;
use regionfence::invariants::{decide_and_check, Invariant};
use regionfence::{Policy, Question};
use strum::IntoEnumIterator;

fn broken(name: &str) -> Policy {
    let text = std::fs::read_to_string(format!("policies/broken/{name}.yaml")).unwrap();
    Policy::from_yaml(&text).unwrap()
}

/// Whether `invariant` speaks about `q` (README, The proofs): residency about the flows of
/// a strict region's workspaces, the pin about `ingest` and `resolve`, failover containment
/// about `failover`, immutability about `region-change`, the rest about every question.
fn speaks_about(policy: &Policy, invariant: Invariant, q: &Question) -> bool {
    let strict = |w: &str| {
        policy
            .document()
            .regions
            .iter()
            .any(|r| r.id == w && r.residency == Residency::Strict)
    };
    match (invariant, q) {
        (
            Invariant::Residency,
            Question::Ingest { workspace, .. }
            | Question::Resolve { workspace, .. }
            | Question::Deliver { workspace, .. }
            | Question::Store { workspace, .. }
            | Question::Connect { workspace, .. },
        ) => strict(workspace),
        (Invariant::Residency, _) => false,
        (Invariant::ProcessingPin, q) => matches!(q, Question::Ingest { .. } | Question::Resolve { .. }),
        (Invariant::FailoverContainment, q) => matches!(q, Question::Failover { .. }),
        (Invariant::Immutability, q) => matches!(q, Question::RegionChange { .. }),
        (Invariant::FailClosed | Invariant::Totality, _) => true,
    }
}

/// Checks every number of `report` against a recount over the policy's question space.
fn recount(policy: &Policy, report: &AuditReport) {
    let mut questions: Vec<Question> = Vec::new();
    space(policy).for_each(|q| questions.push(q));
    assert_eq!(report.questions, questions.len());
    assert_eq!(report.invariants.len(), Invariant::iter().count());
    for (result, invariant) in report.invariants.iter().zip(Invariant::iter()) {
        assert_eq!(result.invariant, invariant, "results come in a fixed order");
        let checked = questions
            .iter()
            .filter(|q| speaks_about(policy, invariant, q))
            .count();
        assert_eq!(result.checked, checked, "{invariant}: checked");
        let breaking: Vec<(&Question, String)> = questions
            .iter()
            .filter_map(|q| {
                let (_, violations) = decide_and_check(policy, q);
                violations
                    .into_iter()
                    .find(|v| v.invariant == invariant)
                    .map(|v| (q, v.why))
            })
            .collect();
        assert_eq!(result.violations, breaking.len(), "{invariant}: violations");
        let status = if breaking.is_empty() {
            Status::Proved
        } else {
            Status::Violated
        };
        assert_eq!(result.status, status, "{invariant}");
        assert_eq!(
            result.counterexamples.len(),
            breaking.len().min(MAX_COUNTEREXAMPLES),
            "{invariant}: counterexamples"
        );
        for (c, (q, why)) in result.counterexamples.iter().zip(&breaking) {
            assert_eq!(&c.question, *q);
            assert_eq!(&c.why, why);
            assert_eq!(c.decision, policy.decide(q).explain(policy, q));
            assert_eq!(
                c.command,
                format!("regionfence ask '{}'", q.to_json().replace('\'', r"'\''"))
            );
        }
    }
    assert_eq!(
        report.passed(),
        report.invariants.iter().all(|r| r.status == Status::Proved)
    );
}

#[test]
fn a_sound_policy_is_counted_right() {
    let text = std::fs::read_to_string("policies/broken/base.yaml").unwrap();
    let policy = Policy::from_yaml(&text).unwrap();
    let report = audit(&policy).unwrap();
    recount(&policy, &report);
    assert!(report.passed());
    let text = report.to_text();
    for r in &report.invariants {
        let line = format!(
            "{:<22} proved over {} questions",
            r.invariant.to_string(),
            r.checked
        );
        assert!(text.contains(&line), "{line:?} missing from\n{text}");
    }
    assert!(text.contains("no warnings"), "{text}");
    assert!(text.trim_end().ends_with("all invariants hold"), "{text}");
    assert!(!text.contains("VIOLATED"), "{text}");
}

#[test]
fn broken_policies_are_counted_right() {
    for (name, invariant) in [
        ("strict-store-in-us", Invariant::Residency),
        ("eu-host-under-us-west", Invariant::ProcessingPin),
        ("failover-shared-across-regions", Invariant::FailoverContainment),
        ("strict-delivers-anywhere", Invariant::Residency),
    ] {
        let policy = broken(name);
        let report = audit(&policy).unwrap();
        recount(&policy, &report);
        assert!(!report.passed(), "{name}");
        let r = report.result(invariant).unwrap();
        assert!(r.violations > 0, "{name}");
        let text = report.to_text();
        let line = format!(
            "{:<22} VIOLATED by {} of {} questions; first counterexamples:",
            invariant.to_string(),
            r.violations,
            r.checked
        );
        assert!(text.contains(&line), "{name}: {line:?} missing from\n{text}");
        for c in &r.counterexamples {
            assert!(
                text.contains(&format!("    - {}\n      {}\n", c.why, c.command)),
                "{name}"
            );
        }
        assert!(text.trim_end().ends_with("INVARIANTS VIOLATED"), "{name}: {text}");
    }
}

#[test]
fn more_violations_than_counterexamples_keeps_only_the_first_few() {
    let mut seen = Vec::new();
    for entry in std::fs::read_dir("policies/broken").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let report = audit(&Policy::from_yaml(&std::fs::read_to_string(&path).unwrap()).unwrap()).unwrap();
        for r in report
            .invariants
            .iter()
            .filter(|r| r.violations > MAX_COUNTEREXAMPLES)
        {
            assert_eq!(r.counterexamples.len(), MAX_COUNTEREXAMPLES);
            seen.push(format!("{}: {}", path.display(), r.invariant));
        }
    }
    assert!(
        !seen.is_empty(),
        "no broken policy breaks an invariant more than {MAX_COUNTEREXAMPLES} times"
    );
}

#[test]
fn lints_are_listed_in_the_text() {
    let policy = Policy::default_policy();
    let report = audit(&policy).unwrap();
    assert!(!report.lints.is_empty());
    let text = report.to_text();
    assert!(
        text.contains(&format!("{} warning(s):", report.lints.len())),
        "{text}"
    );
    for l in &report.lints {
        assert!(text.contains(&format!("  {}: {}", l.code, l.message)), "{text}");
    }
}
