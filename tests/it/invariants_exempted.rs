#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `invariants::covering_exemption`: an allowed decision is an exception to residency only
//! when the exemption it names is active at the policy's date, belongs to the question's
//! region and names the question's flow. Honest decisions of each shape of exemption, and the
//! same decisions paired with other questions (or given by another policy), which a broken
//! engine could hand out and which must be no exception.

use regionfence::invariants::covering_exemption;
use regionfence::{CompileOptions, Decision, Policy, Question};
use regionfence_model::ask::{connect, deliver, store};
use std::path::Path;

/// The small example policy with four exemptions of EU West, one of each shape and a
/// delivery through any endpoint.
fn policy(order: &[&str], day: &str) -> Policy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/examples/exemptions.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let head = text.split("\nexemptions:").next().unwrap();
    let entry = |id: &str| {
        let (flow, expires) = match id {
            "amp-us" => ("destination: amplitude, endpoint: us", "2026-06-30"),
            "ga-any" => ("destination: google-analytics", "2026-06-30"),
            "lake-london" => ("store: data-lake, cloud_region: aws:eu-west-2", "2026-03-31"),
            "far-loader" => ("warehouse: redshift, cidr: 10.1.0.0/30", "2026-06-30"),
            other => panic!("{other}"),
        };
        format!("  - {{id: {id}, region: eu-west, {flow}, justification: j, owner: o, expires: {expires}}}\n")
    };
    let entries: String = order.iter().map(|id| entry(id)).collect();
    let text = format!("{head}\nexemptions:\n{entries}");
    Policy::from_yaml_with(&text, &CompileOptions::new().as_of(day.parse().unwrap())).unwrap()
}

const ALL: [&str; 4] = ["amp-us", "ga-any", "lake-london", "far-loader"];

fn covering<'p>(p: &'p Policy, q: &Question, d: &Decision) -> Option<&'p str> {
    covering_exemption(p, q, d).map(|e| e.id.as_str())
}

#[test]
fn each_exempted_flow_is_covered_by_its_exemption() {
    let p = policy(&ALL, "2026-01-01");
    for (q, id) in [
        (deliver("eu-west", "amplitude", Some("us")), "amp-us"),
        // The endpoint named by one of its hosts.
        (
            deliver("eu-west", "amplitude", Some("api2.amplitude.com")),
            "amp-us",
        ),
        (deliver("eu-west", "google-analytics", None), "ga-any"),
        (deliver("eu-west", "google-analytics", Some("us")), "ga-any"),
        (store("eu-west", "data-lake", "aws:eu-west-2"), "lake-london"),
        (connect("eu-west", "redshift", "10.1.0.0"), "far-loader"),
        (connect("eu-west", "redshift", "10.1.0.3"), "far-loader"),
    ] {
        let d = p.decide(&q);
        assert!(d.is_allowed(), "{q:?}");
        assert_eq!(covering(&p, &q, &d), Some(id), "{q:?}");
    }
    // Allowed by the rules, or denied: no exemption, no exception.
    for q in [
        deliver("eu-west", "amplitude", Some("eu")),
        deliver("eu-west", "amplitude", None),
        store("eu-west", "data-lake", "aws:eu-west-1"),
        connect("eu-west", "redshift", "3.251.148.97"),
        connect("eu-west", "redshift", "10.1.0.4"),
        store("eu-west", "data-lake", "aws:us-west-2"),
    ] {
        assert_eq!(covering(&p, &q, &p.decide(&q)), None, "{q:?}");
    }
}

#[test]
fn an_exempted_answer_given_to_another_question_is_no_exception() {
    let p = policy(&ALL, "2026-01-01");
    let cases = [
        (
            deliver("eu-west", "amplitude", Some("us")),
            vec![
                deliver("us-west", "amplitude", Some("us")),
                deliver("eu-west", "google-analytics", Some("us")),
                // The answer goes through `us`, not the endpoint asked for.
                deliver("eu-west", "amplitude", Some("eu")),
                deliver("eu-west", "amplitude", Some("api.eu.amplitude.com")),
                store("eu-west", "data-lake", "aws:eu-west-2"),
            ],
        ),
        (
            store("eu-west", "data-lake", "aws:eu-west-2"),
            vec![
                store("us-west", "data-lake", "aws:eu-west-2"),
                store("eu-west", "archive", "aws:eu-west-2"),
                store("eu-west", "data-lake", "aws:us-west-2"),
                connect("eu-west", "redshift", "10.1.0.1"),
            ],
        ),
        (
            connect("eu-west", "redshift", "10.1.0.1"),
            vec![
                connect("us-west", "redshift", "10.1.0.1"),
                connect("eu-west", "archive", "10.1.0.1"),
                connect("eu-west", "redshift", "10.1.0.4"),
                connect("eu-west", "redshift", "10.0.255.255"),
                connect("eu-west", "redshift", "not an address"),
                deliver("eu-west", "amplitude", Some("us")),
            ],
        ),
    ];
    for (honest, others) in cases {
        let d = p.decide(&honest);
        assert!(covering(&p, &honest, &d).is_some(), "{honest:?}");
        for q in others {
            assert_eq!(covering(&p, &q, &d), None, "{q:?} with the answer to {honest:?}");
        }
    }
}

#[test]
fn an_exemption_covers_through_its_expiry_day_only() {
    let q = deliver("eu-west", "amplitude", Some("us"));
    let on_the_day = policy(&ALL, "2026-06-30");
    let d = on_the_day.decide(&q);
    assert_eq!(covering(&on_the_day, &q, &d), Some("amp-us"));
    // The day after, the engine denies; and its earlier allowed answer, shown to the policy
    // evaluated after the expiry, is no exception.
    let after = policy(&ALL, "2026-07-01");
    assert!(!after.decide(&q).is_allowed());
    assert_eq!(covering(&after, &q, &d), None);
    // Without a date no exemption is active.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/examples/exemptions.yaml"),
    )
    .unwrap();
    let undated = Policy::from_yaml(&text).unwrap();
    let early = policy(&["amp-us"], "2026-01-01");
    assert_eq!(covering(&undated, &q, &early.decide(&q)), None);
}

#[test]
fn another_policys_answer_through_another_destination_is_no_exception() {
    // Exemption 0 is Google Analytics' in one policy and Amplitude's in the other: the first
    // policy's exempted answer goes to Google Analytics' endpoint `us`, which Amplitude's
    // exemption (also through an endpoint `us`) does not cover.
    let ga_first = policy(&["ga-any", "amp-us"], "2026-01-01");
    let amp_first = policy(&["amp-us", "ga-any"], "2026-01-01");
    let ga = deliver("eu-west", "google-analytics", Some("us"));
    let d = ga_first.decide(&ga);
    assert_eq!(covering(&ga_first, &ga, &d), Some("ga-any"));
    let amp = deliver("eu-west", "amplitude", Some("us"));
    assert_eq!(covering(&amp_first, &amp, &d), None);
}
