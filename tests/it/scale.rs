//! The audit, the graph and loading on large generated policies (each shape of
//! `examples/generate_policy.rs`, at sizes that used to take minutes or gigabytes): each
//! completes with the right result or is refused naming its limit. And the audit's
//! equivalence classes are sound: asked per class, it finds the same invariants broken as
//! asked in full, on the broken policies and on random hostile ones.
//!
//! No timing is asserted here; `README.md`'s "Limits" gives the measured figures.
//!
//! The large policies take minutes on two cores: those tests are `#[ignore]`d in a plain
//! `cargo test` and run by `.ci/run` (`cargo test --test it -- --ignored`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
#[path = "../../examples/generate_policy.rs"]
mod generate_policy;

use generate_policy::generate;
use proptest::prelude::*;
use regionfence::audit::{audit, audit_with, space, AuditReport, Family, Status};
use regionfence::graph::GraphFormat;
use regionfence::invariants::Invariant;
use regionfence::limits::MAX_AUDIT_QUESTIONS;
use regionfence::Policy;
use regionfence_model::gen_policy::{policy as random_policy, Family as PolicyFamily};
use regionfence_model::Choices;
use strum::IntoEnumIterator;

fn load(shape: &str, n: usize) -> Policy {
    let text = generate(shape, n).unwrap();
    assert!(text.len() <= regionfence::limits::MAX_POLICY_BYTES);
    Policy::from_yaml(&text).unwrap_or_else(|e| panic!("{shape} {n}: {e}"))
}

/// Audits a generated policy: every invariant proved, over no more questions than the space
/// announced, with the given families asked per class.
fn audited(policy: &Policy, per_class: &[Family]) -> AuditReport {
    let announced = space(policy).estimated_len();
    let report = audit(policy).unwrap();
    assert!(report.passed(), "{}", report.to_text());
    assert!(
        report.questions as u64 <= announced,
        "{} > {announced}",
        report.questions
    );
    let classes: Vec<Family> = report
        .plans
        .iter()
        .filter(|p| !p.full)
        .map(|p| p.family)
        .collect();
    assert_eq!(classes, per_class, "{}", report.to_text());
    for invariant in Invariant::iter() {
        assert!(
            report.result(invariant).unwrap().checked > 0,
            "{invariant} checked nothing"
        );
    }
    report
}

fn drawn(policy: &Policy) -> String {
    policy.flow_graph().unwrap().render(GraphFormat::Mermaid)
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn ten_thousand_zones_in_one_ingestion_region() {
    let policy = load("zones", 10_000);
    let report = audited(&policy, &[Family::Failover]);
    // Every location against itself and a sibling, both ways, at least.
    assert!(report.result(Invariant::FailoverContainment).unwrap().checked >= 3 * 10_000);
    let mermaid = drawn(&policy);
    assert!(mermaid.contains("eu-west/dublin zones z0 z1 z2"));
    assert!(mermaid.contains("eu-west: failover"));
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn four_hundred_regions() {
    let policy = load("regions", 400);
    audited(&policy, &[Family::Ingest, Family::Connect, Family::Failover]);
    let mermaid = drawn(&policy);
    assert!(mermaid.contains("in.eu-399.example"));
    assert!(mermaid.contains("eu-399/frankfurt-399 zones a b c"));
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn ten_thousand_hosts() {
    let policy = load("hosts", 10_000);
    let report = audited(&policy, &[Family::Ingest]);
    // Every host's every spelling is asked.
    assert!(report.questions > 19 * 10_000);
    let mermaid = drawn(&policy);
    assert!(mermaid.contains("in-9999.eu.example"));
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn ten_thousand_sources() {
    let policy = load("sources", 10_000);
    audited(&policy, &[Family::Ingest]);
    drawn(&policy);
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn forty_thousand_destinations() {
    let policy = load("destinations", 40_000);
    audited(&policy, &[Family::Deliver]);
    let mermaid = drawn(&policy);
    // Half of them also have an EU endpoint.
    assert!(mermaid.contains("eu-west: 20000 destinations"), "{mermaid}");
    assert!(mermaid.contains("us-west: 40000 destinations"), "{mermaid}");
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn ten_thousand_cidrs() {
    let policy = load("cidrs", 10_000);
    audited(&policy, &[]);
    assert!(drawn(&policy).contains("warehouse loaders 10.0.0.0/30"));
}

/// Audits a generated policy that breaks exactly `broken`, in full and per class: both find
/// it, and only it.
fn broken_both_ways(policy: &Policy, broken: Invariant) -> AuditReport {
    let full = audit_with(policy, u64::MAX).unwrap();
    let classes = audit_with(policy, 0).unwrap();
    assert_eq!(statuses(&full), statuses(&classes));
    for r in &classes.invariants {
        let expected = if r.invariant == broken {
            Status::Violated
        } else {
            Status::Proved
        };
        assert_eq!(r.status, expected, "{}", classes.to_text());
    }
    classes
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn many_ingestion_regions_with_listed_failover_targets() {
    let policy = load("ingestions", 300);
    let report = broken_both_ways(&policy, Invariant::FailoverContainment);
    let c = &report
        .result(Invariant::FailoverContainment)
        .unwrap()
        .counterexamples[0];
    assert!(
        c.why
            .contains("moves from ingestion region `eu-west/cork-1` to `eu-west/cork-2`"),
        "{}",
        c.why
    );
    // At scale, per class, with the graph drawing each listed target once.
    let policy = load("ingestions", 20_000);
    let report = audit(&policy).unwrap();
    assert_eq!(
        report.result(Invariant::FailoverContainment).unwrap().status,
        Status::Violated
    );
    assert!(drawn(&policy).contains("eu-west/cork-19997 zones a b"));
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn one_host_shared_by_many_regions() {
    let policy = load("shared-host", 50);
    let report = broken_both_ways(&policy, Invariant::ProcessingPin);
    assert!(report.lints.iter().any(|l| l.code == "shared-host"));
    let policy = load("shared-host", 5_000);
    let report = audit(&policy).unwrap();
    assert_eq!(
        report.result(Invariant::ProcessingPin).unwrap().status,
        Status::Violated
    );
    let text = report.to_text();
    assert!(
        text.contains("`eu-19`, and 4980 more"),
        "{}",
        &text[..2000.min(text.len())]
    );
    assert!(text.len() < 10_000, "the report stays short");
    drawn(&policy);
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn many_regions_stores_and_cloud_regions() {
    let policy = load("stores", 300);
    audited(&policy, &[Family::Ingest, Family::Store, Family::Connect]);
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn a_product_over_the_budget_is_refused_naming_the_limit() {
    let policy = load("stores", 2_000);
    let refused = audit(&policy).unwrap_err();
    assert_eq!(refused.limit, MAX_AUDIT_QUESTIONS);
    assert_eq!(refused.family, Family::Store);
    assert!(refused.questions > MAX_AUDIT_QUESTIONS);
    let message = refused.to_string();
    assert!(message.contains("MAX_AUDIT_QUESTIONS"), "{message}");
    assert!(message.contains("`store`"), "{message}");
    // The graph of the same policy is drawn: it asks one store per category and provider.
    assert!(drawn(&policy).contains("eu-west customer stores"));
}

#[test]
#[ignore = "at scale: `.ci/run` runs it (`cargo test --test it -- --ignored`)"]
fn the_commands_refuse_with_the_limit_and_exit_one() {
    let path = std::env::temp_dir().join(format!("regionfence-scale-{}.yaml", std::process::id()));
    std::fs::write(&path, generate("stores", 2_000).unwrap()).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcome = regionfence::cli::audit(Some(&path), regionfence::cli::Format::Text, &mut out, &mut err);
    let err = String::from_utf8(err).unwrap();
    assert_eq!(outcome, regionfence::cli::Outcome::Failure);
    assert!(
        err.contains("over the limit of 10000000 (`limits::MAX_AUDIT_QUESTIONS`)"),
        "{err}"
    );
    assert!(out.is_empty());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcome = regionfence::cli::graph(Some(&path), GraphFormat::Dot, &mut out, &mut err);
    assert_eq!(outcome, regionfence::cli::Outcome::Success);
    assert!(String::from_utf8(out).unwrap().starts_with("digraph flows {"));
    std::fs::remove_file(&path).unwrap();
}

/// The invariants' statuses, in order.
fn statuses(report: &AuditReport) -> Vec<(Invariant, Status)> {
    report
        .invariants
        .iter()
        .map(|r| (r.invariant, r.status))
        .collect()
}

#[test]
fn every_broken_policy_is_caught_per_class_too() {
    let mut seen = 0;
    for entry in std::fs::read_dir("policies/broken").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        seen += 1;
        let policy = Policy::from_yaml(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let full = audit_with(&policy, u64::MAX).unwrap();
        let classes = audit_with(&policy, 0).unwrap();
        // (A family whose classes are as many as its product is asked in full.)
        for family in [Family::Ingest, Family::Resolve, Family::Deliver, Family::Failover] {
            assert!(
                classes.plans.iter().any(|p| p.family == family && !p.full),
                "{family}"
            );
        }
        assert_eq!(statuses(&full), statuses(&classes), "{}", path.display());
    }
    assert!(seen >= 7);
    for path in ["policies/segment.yaml", "policies/segment-2025.yaml"] {
        let policy = Policy::from_yaml(&std::fs::read_to_string(path).unwrap()).unwrap();
        let classes = audit_with(&policy, 0).unwrap();
        assert!(classes.passed(), "{path}: {}", classes.to_text());
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_none() {
            crate::long_or_light(100, 30)
        } else {
            ProptestConfig::default().cases
        },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// On random policies, hostile ones included (shared hosts, failover loosenings,
    /// overlapping loader ranges, loose overrides), the audit asked per equivalence class
    /// finds exactly the invariants broken that the audit asked in full finds.
    #[test]
    fn the_audit_per_class_finds_what_the_full_audit_finds(
        tape in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let doc = random_policy(&mut Choices::new(&tape), PolicyFamily::Any);
        let Ok(policy) = Policy::compile(doc) else {
            return Ok(());
        };
        let full = audit_with(&policy, u64::MAX).unwrap();
        let classes = audit_with(&policy, 0).unwrap();
        prop_assert_eq!(
            statuses(&full),
            statuses(&classes),
            "full:\n{}\nper class:\n{}\npolicy:\n{}",
            full.to_text(),
            classes.to_text(),
            policy.to_yaml().unwrap_or_default()
        );
    }
}
