#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! A loader range of one region lying inside a strict region's range: the audit asks the
//! strict region about the inner range's addresses (in full and per class) and finds the
//! residency break there, and asks no region about a range that does not lie inside its own.

use regionfence::audit::{audit_with, space_with, Status};
use regionfence::invariants::Invariant;
use regionfence::{Policy, Question};

const NESTED: &str = r#"
version: 1
name: nested
cloud_regions:
  - {id: aws:eu-west-1, country: IE}
  - {id: aws:us-west-2, country: US}
groups:
  - {id: eu, countries: [IE]}
  - {id: us, countries: [US]}
source_kinds:
  - {id: javascript, side: client, mechanism: regional-settings}
regions:
  - id: eu-west
    residency: strict
    jurisdiction: eu
    processing: aws:eu-west-1
    archive: [aws:eu-west-1]
    source_kinds: [javascript]
    warehouse_egress: [3.251.148.96/29]
    ingestion:
      - {id: dublin, default: true, cloud_region: aws:eu-west-1, hosts: [api.eu.example], zones: [a]}
  - id: us-west
    default: true
    residency: strict
    jurisdiction: us
    processing: aws:us-west-2
    archive: [aws:us-west-2]
    source_kinds: [javascript]
    warehouse_egress: [52.0.0.0/8]
    ingestion:
      - {id: oregon, default: true, cloud_region: aws:us-west-2, hosts: [api.us.example], zones: [a]}
  - id: edge
    residency: edge-ingest
    jurisdiction: us
    processing: aws:us-west-2
    archive: [aws:us-west-2]
    source_kinds: [javascript]
    warehouse_egress: [52.25.130.38/32]
    ingestion:
      - {id: relay, default: true, cloud_region: aws:us-west-2, hosts: [relay.example], zones: [a]}
destinations:
  - {id: amplitude, regions: [us-west], endpoints: [{id: us, jurisdiction: us, hosts: [api.amplitude.example]}]}
stores:
  - {id: archive, kind: archive, clouds: [aws]}
  - {id: redshift, kind: warehouse, clouds: [aws], allowlist: required}
"#;

/// The (workspace, ip) of every `connect` question of the space.
fn connects(policy: &Policy, full_family_questions: u64) -> Vec<(String, String)> {
    let mut out = Vec::new();
    space_with(policy, full_family_questions).for_each(|q| {
        if let Question::Connect { workspace, ip, .. } = q {
            out.push((workspace, ip));
        }
    });
    out
}

#[test]
fn the_inner_range_is_asked_of_the_region_around_it_and_breaks_residency() {
    let policy = Policy::from_yaml(NESTED).unwrap();
    for full_family_questions in [0, u64::MAX] {
        let report = audit_with(&policy, full_family_questions).unwrap();
        let residency = report.result(Invariant::Residency).unwrap();
        assert_eq!(residency.status, Status::Violated, "{}", report.to_text());
        assert!(
            residency.counterexamples.iter().any(|c| matches!(
                &c.question,
                Question::Connect { workspace, ip, .. } if workspace == "us-west" && ip == "52.25.130.38"
            )),
            "{}",
            report.to_text()
        );
    }
}

#[test]
fn per_class_no_region_is_asked_about_a_range_outside_its_own() {
    let policy = Policy::from_yaml(NESTED).unwrap();
    let asked = connects(&policy, 0);
    assert!(asked.contains(&("us-west".into(), "52.25.130.38".into())));
    // eu-west's range holds no other range: the edge's address is never asked of it.
    assert!(
        !asked.iter().any(|(w, ip)| w == "eu-west" && ip == "52.25.130.38"),
        "{asked:?}"
    );
}
