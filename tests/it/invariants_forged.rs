#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The invariant checks themselves, on forged answers as well as honest ones.
//!
//! No policy can make the engine allow an unknown name or a region change, so the audit's
//! checks of fail-closed and immutability would never be seen to fail on real decisions. A
//! check is a plain function of a policy, a question and a decision: pairing a question with
//! the decision the engine gave *another* question forges the answer a broken engine would
//! give (an allowed question naming an unknown host, an allowed region change, a resolve that
//! hands out another region's host, a delivery through an endpoint abroad, …). Each check
//! must report exactly those, name what broke it, and stay silent on honest answers.

use regionfence::invariants::{
    self, check, decide_and_check, fail_closed, failover_containment, immutability, names_unknown,
    processing_pin, residency, Invariant, Violation,
};
use regionfence::{Decision, Policy, Question, Verdict};
use regionfence_model::ask::{allowlist, connect, deliver, failover, ingest, region_change, resolve, store};
use std::sync::LazyLock;

/// Two strict regions, each with two ingestion regions; a strict region processing abroad;
/// an edge region ingesting in Ireland; catalog sources, among them managed (cloud) ones that
/// EU West supports only by name; endpoints in the EU, in Ireland (a group within the EU), in
/// the US and in a group with no countries.
const POLICY: &str = r#"
version: 1
name: forged-answers
cloud_regions:
  - {id: aws:eu-west-1, country: IE}
  - {id: aws:eu-central-1, country: DE}
  - {id: aws:us-west-2, country: US}
  - {id: aws:us-east-1, country: US}
groups:
  - {id: eu, countries: [IE, DE]}
  - {id: ie, countries: [IE]}
  - {id: us, countries: [US]}
  - {id: nowhere, countries: []}
source_kinds:
  - {id: javascript, side: client, mechanism: regional-settings}
  - {id: server, side: server, mechanism: host-parameter}
  - {id: cloud-event, side: cloud, mechanism: managed}
  - {id: cloud-object, side: cloud, mechanism: managed}
regions:
  - id: us-west
    default: true
    residency: strict
    jurisdiction: us
    processing: aws:us-west-2
    archive: [aws:us-west-2]
    customer_storage: any
    deliver_to: any
    source_kinds: [javascript, server, cloud-event]
    warehouse_egress: [52.25.130.38/32]
    ingestion:
      - {id: oregon, default: true, cloud_region: aws:us-west-2, hosts: [api.segment.io], zones: [a, b]}
      - {id: virginia, cloud_region: aws:us-east-1, hosts: [east.segment.io], zones: [a]}
  - id: eu-west
    residency: strict
    jurisdiction: eu
    processing: aws:eu-west-1
    archive: [aws:eu-west-1]
    source_kinds: [javascript, server, cloud-event, cloud-object]
    catalog_only_kinds: [cloud-event]
    warehouse_egress: [3.251.148.96/29]
    ingestion:
      - {id: dublin, default: true, cloud_region: aws:eu-west-1, hosts: [events.eu1.segmentapis.com], zones: [a, b]}
      - {id: frankfurt, cloud_region: aws:eu-central-1, hosts: [in.eu2.segmentapis.com], zones: [a]}
  - id: abroad
    residency: strict
    jurisdiction: eu
    processing: aws:us-west-2
    archive: [aws:eu-west-1]
    source_kinds: [server]
    ingestion:
      - {id: cork, default: true, cloud_region: aws:eu-west-1, hosts: [cork.example], zones: [a]}
  - id: edge
    residency: edge-ingest
    jurisdiction: us
    processing: aws:us-west-2
    archive: [aws:us-west-2]
    source_kinds: [javascript, server]
    warehouse_egress: [10.0.0.0/8]
    ingestion:
      - {id: relay, default: true, cloud_region: aws:eu-west-1, hosts: [relay.example], zones: [a]}
sources:
  - {id: node-js, kind: server, regions: [us-west, eu-west]}
  - {id: iterable, kind: cloud-event, regions: [us-west, eu-west]}
  - {id: airship, kind: cloud-event, regions: [us-west]}
  - {id: stripe, kind: cloud-object, regions: [us-west, eu-west]}
  - {id: unity, kind: server, regions: [us-west]}
destinations:
  - id: amplitude
    regions: [us-west, eu-west, abroad, edge]
    endpoints:
      - {id: us, jurisdiction: us, hosts: [api2.amplitude.com]}
      - {id: eu, jurisdiction: eu, hosts: [api.eu.amplitude.com]}
      - {id: ie, jurisdiction: ie, hosts: [api.ie.amplitude.com]}
      - {id: void, jurisdiction: nowhere, hosts: [void.amplitude.com]}
stores:
  - {id: archive, kind: archive, clouds: [aws]}
  - {id: lake, kind: data-lake, clouds: [aws]}
  - {id: redshift, kind: warehouse, clouds: [aws], allowlist: required}
"#;

static POLICY_: LazyLock<Policy> = LazyLock::new(|| Policy::from_yaml(POLICY).unwrap());

fn policy() -> &'static Policy {
    &POLICY_
}

/// The engine's honest decision of `q`, which must have the given verdict (so a forged
/// pairing below really pairs an allow, or a deny, with another question).
fn decided(q: &Question, verdict: Verdict) -> Decision {
    let d = policy().decide(q);
    assert_eq!(
        d.verdict(),
        verdict,
        "{} → {:?}",
        q.to_json(),
        d.codes().collect::<Vec<_>>()
    );
    d
}

fn allowed(q: &Question) -> Decision {
    decided(q, Verdict::Allow)
}

fn denied(q: &Question) -> Decision {
    decided(q, Verdict::Deny)
}

/// An allowed decision with no answer beyond its verdict.
fn plain_allow() -> Decision {
    allowed(&region_change("eu-west", "eu-west"))
}

/// Asserts that `found` is a violation of `invariant` whose message names every one of
/// `names`.
fn violates(found: Option<Violation>, invariant: Invariant, names: &[&str]) {
    let v = found.unwrap_or_else(|| panic!("no {invariant} violation reported"));
    assert_eq!(v.invariant, invariant, "{v:?}");
    for name in names {
        assert!(v.why.contains(name), "`{}` does not name `{name}`", v.why);
    }
}

// ---- honest answers: no check fires where the policy keeps its promise ----

#[test]
fn honest_answers_of_sound_regions_break_nothing() {
    let questions = [
        ingest("eu-west", "javascript", "events.eu1.segmentapis.com"),
        ingest("eu-west", "server", "HTTPS://in.eu2.segmentapis.com:443/v1"),
        ingest("eu-west", "javascript", "api.segment.io"),
        ingest("eu-west", "javascript", "no-such.example"),
        ingest("us-west", "javascript", "east.segment.io"),
        resolve("eu-west", "server", None),
        resolve("eu-west", "server", Some("frankfurt")),
        resolve("eu-west", "server", Some("oregon")),
        resolve("us-west", "javascript", Some("virginia")),
        deliver("eu-west", "amplitude", None),
        deliver("eu-west", "amplitude", Some("ie")),
        deliver("eu-west", "amplitude", Some("us")),
        deliver("us-west", "amplitude", Some("us")),
        store("eu-west", "archive", "aws:eu-west-1"),
        store("eu-west", "lake", "aws:eu-central-1"),
        store("eu-west", "lake", "aws:us-west-2"),
        connect("eu-west", "redshift", "3.251.148.97"),
        connect("eu-west", "redshift", "52.25.130.38"),
        connect("us-west", "redshift", "52.25.130.38"),
        allowlist("eu-west", "redshift"),
        failover("eu-west/dublin-a", "eu-west/dublin-b"),
        failover("eu-west/dublin-a", "eu-west/frankfurt-a"),
        failover("eu-west/dublin-a", "us-west/oregon-a"),
        failover("eu-west/dublin-a", "eu-west/dublin-a"),
        region_change("eu-west", "eu-west"),
        region_change("eu-west", "us-west"),
        region_change("mars", "mars"),
        ingest("edge", "javascript", "relay.example"),
        resolve("edge", "javascript", None),
        ingest("eu-west", "iterable", "events.eu1.segmentapis.com"),
        ingest("eu-west", "airship", "events.eu1.segmentapis.com"),
        ingest("eu-west", "cloud-event", "events.eu1.segmentapis.com"),
        resolve("eu-west", "cloud-event", None),
        ingest("eu-west", "cloud-object", "events.eu1.segmentapis.com"),
        resolve("eu-west", "stripe", None),
        ingest("us-west", "cloud-event", "api.segment.io"),
    ];
    let mut allows = 0;
    for q in &questions {
        let (decision, violations) = decide_and_check(policy(), q);
        assert_eq!(decision, Some(policy().decide(q)), "{}", q.to_json());
        assert!(violations.is_empty(), "{}: {violations:?}", q.to_json());
        allows += usize::from(decision.is_some_and(|d| d.is_allowed()));
    }
    // Honest allows of every kind were checked, not only denials.
    assert!(allows >= 15, "{allows}");
}

#[test]
fn honest_answers_of_a_hostile_region_are_reported() {
    // `abroad` is strict, but processes in Oregon: every allowed flow of it breaks residency.
    let q = ingest("abroad", "server", "cork.example");
    let (decision, violations) = decide_and_check(policy(), &q);
    assert!(decision.is_some_and(|d| d.is_allowed()));
    assert_eq!(violations.len(), 1, "{violations:?}");
    violates(
        violations.first().cloned(),
        Invariant::Residency,
        &["abroad", "aws:us-west-2"],
    );
    // `us-west` is strict but delivers anywhere: delivering through the EU endpoint breaks it.
    let q = deliver("us-west", "amplitude", Some("eu"));
    violates(
        residency(policy(), &q, &allowed(&q)),
        Invariant::Residency,
        &["us-west", "amplitude", "eu"],
    );
    assert_eq!(check(policy(), &q, &allowed(&q)).len(), 1);
}

// ---- residency ----

#[test]
fn residency_reports_processing_abroad_whatever_the_question() {
    for q in [
        ingest("abroad", "server", "cork.example"),
        resolve("abroad", "server", None),
        deliver("abroad", "amplitude", Some("eu")),
        store("abroad", "archive", "aws:eu-west-1"),
        connect("abroad", "redshift", "3.251.148.97"),
    ] {
        violates(
            residency(policy(), &q, &plain_allow()),
            Invariant::Residency,
            &["`abroad`", "`eu`", "processing", "aws:us-west-2"],
        );
        // Denied, nothing went anywhere.
        let deny = denied(&region_change("eu-west", "us-west"));
        assert_eq!(residency(policy(), &q, &deny), None, "{}", q.to_json());
    }
}

#[test]
fn residency_reports_an_allowed_ingest_through_a_host_abroad() {
    let forged = allowed(&ingest("us-west", "javascript", "api.segment.io"));
    let q = ingest("eu-west", "javascript", "api.segment.io");
    violates(
        residency(policy(), &q, &forged),
        Invariant::Residency,
        &["eu-west", "api.segment.io", "us-west/oregon", "aws:us-west-2"],
    );
    // A host of an ingestion region inside the jurisdiction (Frankfurt, for the EU) is fine,
    // and so is an edge region's ingest anywhere.
    let q = ingest("eu-west", "server", "in.eu2.segmentapis.com");
    assert_eq!(residency(policy(), &q, &forged), None);
    let q = ingest("edge", "javascript", "api.segment.io");
    assert_eq!(residency(policy(), &q, &forged), None);
    // An unknown host cannot be placed anywhere (fail-closed reports it instead).
    let q = ingest("eu-west", "javascript", "unknown.example");
    assert_eq!(residency(policy(), &q, &forged), None);
}

#[test]
fn residency_reports_a_resolve_that_hands_out_an_ingestion_region_abroad() {
    let forged = allowed(&resolve("us-west", "javascript", None));
    let q = resolve("eu-west", "javascript", None);
    violates(
        residency(policy(), &q, &forged),
        Invariant::Residency,
        &["eu-west", "us-west/oregon", "aws:us-west-2"],
    );
    // Handing out Frankfurt (in the EU) or nothing at all is no breach of residency.
    let frankfurt = allowed(&resolve("eu-west", "server", Some("frankfurt")));
    assert_eq!(residency(policy(), &q, &frankfurt), None);
    assert_eq!(residency(policy(), &q, &plain_allow()), None);
}

#[test]
fn residency_reports_a_delivery_through_an_endpoint_outside_the_jurisdiction() {
    let q = deliver("eu-west", "amplitude", None);
    for (endpoint, group) in [("us", "us"), ("void", "nowhere")] {
        let forged = allowed(&deliver("us-west", "amplitude", Some(endpoint)));
        violates(
            residency(policy(), &q, &forged),
            Invariant::Residency,
            &[
                "eu-west",
                "amplitude",
                &format!("`{endpoint}`"),
                &format!("`{group}`"),
            ],
        );
    }
    // The EU endpoint, and one in a group within the EU, stay home.
    for endpoint in ["eu", "ie"] {
        let honest = allowed(&deliver("us-west", "amplitude", Some(endpoint)));
        assert_eq!(residency(policy(), &q, &honest), None, "{endpoint}");
    }
    // An allow that does not say which endpoint it used cannot be trusted.
    violates(
        residency(policy(), &q, &plain_allow()),
        Invariant::Residency,
        &["without naming the endpoint"],
    );
}

#[test]
fn residency_reports_data_at_rest_abroad() {
    let forged = allowed(&store("us-west", "lake", "aws:us-west-2"));
    violates(
        residency(policy(), &store("eu-west", "lake", "aws:us-east-1"), &forged),
        Invariant::Residency,
        &["eu-west", "aws:us-east-1", "US"],
    );
    assert_eq!(
        residency(policy(), &store("eu-west", "lake", "aws:eu-central-1"), &forged),
        None
    );
    assert_eq!(
        residency(policy(), &store("eu-west", "lake", "aws:nowhere-1"), &forged),
        None
    );
    assert_eq!(
        residency(policy(), &store("edge", "lake", "aws:us-east-1"), &forged),
        None
    );
}

#[test]
fn residency_reports_a_connection_from_another_regions_loader() {
    let forged = allowed(&connect("us-west", "redshift", "52.25.130.38"));
    violates(
        residency(policy(), &connect("eu-west", "redshift", "52.25.130.38"), &forged),
        Invariant::Residency,
        &["eu-west", "52.25.130.38", "`us-west`"],
    );
    violates(
        residency(policy(), &connect("eu-west", "redshift", "10.1.2.3"), &forged),
        Invariant::Residency,
        &["10.1.2.3", "`edge`"],
    );
    // Its own loader address, an address no region uses, and garbage are no breach.
    for ip in ["3.251.148.97", "192.0.2.1", "not-an-ip"] {
        assert_eq!(
            residency(policy(), &connect("eu-west", "redshift", ip), &forged),
            None,
            "{ip}"
        );
    }
}

#[test]
fn residency_reports_an_unnamed_managed_source_allowed_where_only_some_of_its_kind_are() {
    // EU West lists `cloud-event` catalog-only, so the engine denies it named bare: forge the
    // allow a rule without that would give.
    for (q, honest) in [
        (
            ingest("eu-west", "cloud-event", "events.eu1.segmentapis.com"),
            ingest("eu-west", "iterable", "events.eu1.segmentapis.com"),
        ),
        (
            resolve("eu-west", "cloud-event", None),
            resolve("eu-west", "iterable", None),
        ),
    ] {
        denied(&q);
        let forged = allowed(&honest);
        violates(
            residency(policy(), &q, &forged),
            Invariant::Residency,
            &["eu-west", "cloud-event", "airship"],
        );
        // The named source that lists the region is no breach.
        assert_eq!(residency(policy(), &honest, &forged), None);
    }
    // Every `cloud-object` source lists EU West, so the bare kind may be allowed there; a US
    // West (strict) workspace may name `cloud-event` bare, since every source of it lists US West.
    for q in [
        ingest("eu-west", "cloud-object", "events.eu1.segmentapis.com"),
        ingest("us-west", "cloud-event", "api.segment.io"),
    ] {
        assert_eq!(residency(policy(), &q, &allowed(&q)), None, "{}", q.to_json());
    }
    // A kind its catalog sources do not run (a client SDK) is the customer's code sending to
    // the host asked about: naming it bare is no breach, whichever catalog sources of it exist.
    let q = ingest("eu-west", "server", "events.eu1.segmentapis.com");
    assert_eq!(residency(policy(), &q, &allowed(&q)), None);
}

#[test]
fn residency_ignores_questions_that_move_no_data() {
    for q in [
        allowlist("eu-west", "redshift"),
        failover("eu-west/dublin-a", "us-west/oregon-a"),
        region_change("eu-west", "us-west"),
    ] {
        assert_eq!(residency(policy(), &q, &plain_allow()), None, "{}", q.to_json());
    }
}

// ---- processing pin ----

#[test]
fn processing_pin_reports_another_regions_host_admitting_a_workspace() {
    let forged = allowed(&ingest("us-west", "javascript", "api.segment.io"));
    violates(
        processing_pin(
            policy(),
            &ingest("eu-west", "javascript", "api.segment.io"),
            &forged,
        ),
        Invariant::ProcessingPin,
        &["api.segment.io", "us-west/oregon", "`us-west`", "`eu-west`"],
    );
    // The workspace's own host, an unknown host, an unknown workspace, or a denial: no breach.
    let own = ingest("us-west", "server", "east.segment.io");
    assert_eq!(processing_pin(policy(), &own, &forged), None);
    let unknown = ingest("eu-west", "javascript", "unknown.example");
    assert_eq!(processing_pin(policy(), &unknown, &forged), None);
    let stranger = ingest("mars", "javascript", "api.segment.io");
    assert_eq!(processing_pin(policy(), &stranger, &forged), None);
    let deny = denied(&ingest("eu-west", "javascript", "api.segment.io"));
    let q = ingest("eu-west", "javascript", "api.segment.io");
    assert_eq!(processing_pin(policy(), &q, &deny), None);
}

#[test]
fn processing_pin_reports_a_resolve_that_hands_out_another_regions_ingestion() {
    // The edge region's relay lies in Ireland, inside the EU: residency holds, the pin does
    // not.
    let forged = allowed(&resolve("edge", "javascript", None));
    let q = resolve("eu-west", "javascript", None);
    assert_eq!(residency(policy(), &q, &forged), None);
    violates(
        processing_pin(policy(), &q, &forged),
        Invariant::ProcessingPin,
        &["edge/relay", "`edge`", "`eu-west`"],
    );
    let found = check(policy(), &q, &forged);
    assert_eq!(
        found.iter().map(|v| v.invariant).collect::<Vec<_>>(),
        [Invariant::ProcessingPin]
    );
    // Its own ingestion region, or no answer at all: no breach.
    let own = allowed(&resolve("eu-west", "server", Some("frankfurt")));
    assert_eq!(processing_pin(policy(), &q, &own), None);
    assert_eq!(processing_pin(policy(), &q, &plain_allow()), None);
    // Other questions are not about the pin.
    assert_eq!(
        processing_pin(policy(), &deliver("eu-west", "amplitude", None), &forged),
        None
    );
}

#[test]
fn a_resolve_handing_out_a_host_abroad_of_another_region_breaks_two_invariants() {
    let forged = allowed(&resolve("us-west", "javascript", None));
    let q = resolve("eu-west", "javascript", None);
    let found: Vec<Invariant> = check(policy(), &q, &forged).iter().map(|v| v.invariant).collect();
    assert_eq!(found, [Invariant::Residency, Invariant::ProcessingPin]);
}

// ---- failover containment ----

#[test]
fn failover_containment_reports_an_allowed_move_out_of_the_ingestion_region() {
    let forged = allowed(&failover("eu-west/dublin-a", "eu-west/dublin-b"));
    violates(
        failover_containment(
            policy(),
            &failover("eu-west/dublin-a", "us-west/oregon-a"),
            &forged,
        ),
        Invariant::FailoverContainment,
        &[
            "eu-west/dublin-a",
            "us-west/oregon-a",
            "region `eu-west`",
            "region `us-west`",
        ],
    );
    violates(
        failover_containment(
            policy(),
            &failover("eu-west/dublin-b", "eu-west/frankfurt-a"),
            &forged,
        ),
        Invariant::FailoverContainment,
        &["ingestion region `eu-west/dublin`", "`eu-west/frankfurt`"],
    );
    for (from, to) in [("eu-west/dublin-a", "mars/x-a"), ("mars/x-a", "eu-west/dublin-a")] {
        violates(
            failover_containment(policy(), &failover(from, to), &forged),
            Invariant::FailoverContainment,
            &["unknown locations"],
        );
    }
    // Within one ingestion region, denied, or not a failover: no breach.
    let within = failover("eu-west/dublin-b", "eu-west/dublin-a");
    assert_eq!(failover_containment(policy(), &within, &forged), None);
    let across = failover("eu-west/dublin-a", "us-west/oregon-a");
    assert_eq!(failover_containment(policy(), &across, &denied(&across)), None);
    assert_eq!(
        failover_containment(policy(), &region_change("eu-west", "us-west"), &forged),
        None
    );
}

// ---- fail closed ----

/// For each kind of question: one with every name known, then one per field with only that
/// field unknown or malformed.
fn one_unknown_at_a_time() -> Vec<(Question, Vec<Question>)> {
    vec![
        (
            ingest(
                "eu-west",
                "javascript",
                "HTTPS://Events.EU1.segmentapis.com:443/v1",
            ),
            vec![
                ingest("mars", "javascript", "events.eu1.segmentapis.com"),
                ingest("eu-west", "cobol", "events.eu1.segmentapis.com"),
                ingest("eu-west", "javascript", "unknown.example"),
                ingest("eu-west", "javascript", "user@events.eu1.segmentapis.com"),
            ],
        ),
        (
            resolve("eu-west", "node-js", Some("oregon")),
            vec![
                resolve("mars", "server", None),
                resolve("eu-west", "cobol", None),
                resolve("eu-west", "server", Some("atlantis")),
            ],
        ),
        (
            deliver("eu-west", "amplitude", Some("https://api.eu.amplitude.com/")),
            vec![
                deliver("mars", "amplitude", None),
                deliver("eu-west", "mixpanel", None),
                deliver("eu-west", "amplitude", Some("moon")),
                deliver("eu-west", "amplitude", Some("user@api.eu.amplitude.com")),
            ],
        ),
        (
            store("eu-west", "archive", "aws:eu-west-1"),
            vec![
                store("mars", "archive", "aws:eu-west-1"),
                store("eu-west", "attic", "aws:eu-west-1"),
                store("eu-west", "archive", "aws:moon-1"),
            ],
        ),
        (
            connect("eu-west", "redshift", "3.251.148.97"),
            vec![
                connect("mars", "redshift", "3.251.148.97"),
                connect("eu-west", "lake", "3.251.148.97"),
                connect("eu-west", "redshift", "3.251.148.097"),
            ],
        ),
        (
            allowlist("eu-west", "redshift"),
            vec![allowlist("mars", "redshift"), allowlist("eu-west", "archive")],
        ),
        (
            failover("eu-west/dublin-a", "us-west/oregon-b"),
            vec![
                failover("eu-west/dublin-z", "us-west/oregon-b"),
                failover("eu-west/dublin-a", "us-west/oregon"),
            ],
        ),
        (
            region_change("eu-west", "us-west"),
            vec![region_change("mars", "us-west"), region_change("eu-west", "mars")],
        ),
    ]
}

#[test]
fn names_unknown_finds_each_unknown_or_malformed_field() {
    for (known, unknowns) in one_unknown_at_a_time() {
        assert!(!names_unknown(policy(), &known), "{}", known.to_json());
        for q in unknowns {
            assert!(names_unknown(policy(), &q), "{}", q.to_json());
        }
    }
}

#[test]
fn fail_closed_reports_an_allowed_question_naming_something_unknown() {
    for (known, unknowns) in one_unknown_at_a_time() {
        assert_eq!(
            fail_closed(policy(), &known, &plain_allow()),
            None,
            "{}",
            known.to_json()
        );
        for q in unknowns {
            violates(
                fail_closed(policy(), &q, &plain_allow()),
                Invariant::FailClosed,
                &["allowed"],
            );
            // The engine's own answer denies it and says why.
            assert_eq!(
                fail_closed(policy(), &q, &policy().decide(&q)),
                None,
                "{}",
                q.to_json()
            );
            let all = check(policy(), &q, &plain_allow());
            assert!(
                all.iter().any(|v| v.invariant == Invariant::FailClosed),
                "{all:?}"
            );
        }
    }
}

#[test]
fn fail_closed_reports_a_denial_that_does_not_say_a_name_is_unknown() {
    // Denied for a rule (the host is another region's), not for a name.
    let forged = denied(&ingest("eu-west", "javascript", "api.segment.io"));
    let q = ingest("eu-west", "javascript", "unknown.example");
    violates(
        fail_closed(policy(), &q, &forged),
        Invariant::FailClosed,
        &["without saying so", "ingestion-outside-region"],
    );
    assert_eq!(
        fail_closed(
            policy(),
            &ingest("eu-west", "javascript", "api.segment.io"),
            &forged
        ),
        None
    );
}

// ---- immutability ----

#[test]
fn immutability_reports_an_allowed_region_change() {
    let forged = plain_allow();
    violates(
        immutability(policy(), &region_change("eu-west", "us-west"), &forged),
        Invariant::Immutability,
        &["`eu-west`", "`us-west`"],
    );
    // Staying in an unknown region is no staying at all.
    violates(
        immutability(policy(), &region_change("mars", "mars"), &forged),
        Invariant::Immutability,
        &["`mars`"],
    );
    assert_eq!(
        immutability(policy(), &region_change("us-west", "us-west"), &forged),
        None
    );
    let move_ = region_change("eu-west", "us-west");
    assert_eq!(immutability(policy(), &move_, &denied(&move_)), None);
    assert_eq!(
        immutability(
            policy(),
            &failover("eu-west/dublin-a", "us-west/oregon-a"),
            &forged
        ),
        None
    );
    let all = check(policy(), &move_, &forged);
    assert_eq!(
        all.iter().map(|v| v.invariant).collect::<Vec<_>>(),
        [Invariant::Immutability]
    );
}

#[test]
fn the_audit_runs_every_check() {
    // Through `check`, every forged answer above is reported under its own invariant.
    let cases = [
        (
            ingest("eu-west", "javascript", "api.segment.io"),
            allowed(&ingest("us-west", "javascript", "api.segment.io")),
            vec![Invariant::Residency, Invariant::ProcessingPin],
        ),
        (
            failover("eu-west/dublin-a", "us-west/oregon-a"),
            allowed(&failover("eu-west/dublin-a", "eu-west/dublin-b")),
            vec![Invariant::FailoverContainment],
        ),
        (
            ingest("eu-west", "javascript", "unknown.example"),
            plain_allow(),
            vec![Invariant::FailClosed],
        ),
        (
            ingest("eu-west", "cloud-event", "events.eu1.segmentapis.com"),
            allowed(&ingest("eu-west", "iterable", "events.eu1.segmentapis.com")),
            vec![Invariant::Residency],
        ),
    ];
    for (q, forged, want) in cases {
        let got: Vec<Invariant> = invariants::check(policy(), &q, &forged)
            .iter()
            .map(|v| v.invariant)
            .collect();
        assert_eq!(got, want, "{}", q.to_json());
    }
}

/// The forged-answers policy with three exemptions of `eu-west`: the US endpoint of
/// `amplitude`, the lake in Oregon, and connections from the US loader.
fn exempted_policy(as_of: &str) -> Policy {
    let text = format!(
        "{POLICY}exemptions:
  - {{id: amp-us, region: eu-west, destination: amplitude, endpoint: us, justification: j, owner: o, expires: 2026-06-30}}
  - {{id: lake-oregon, region: eu-west, store: lake, cloud_region: aws:us-west-2, justification: j, owner: o, expires: 2026-06-30}}
  - {{id: us-loader, region: eu-west, warehouse: redshift, cidr: 52.25.130.38/32, justification: j, owner: o, expires: 2026-06-30}}
"
    );
    let options = regionfence::CompileOptions::new().as_of(as_of.parse().unwrap());
    Policy::from_yaml_with(&text, &options).unwrap()
}

#[test]
fn residency_treats_an_active_exemption_as_an_exception_and_nothing_else() {
    let policy = exempted_policy("2026-06-30");
    let exempted = [
        deliver("eu-west", "amplitude", Some("us")),
        store("eu-west", "lake", "aws:us-west-2"),
        connect("eu-west", "redshift", "52.25.130.38"),
    ];
    for q in &exempted {
        let d = policy.decide(q);
        assert!(d.is_allowed() && d.exemption().is_some(), "{}", q.to_json());
        assert!(
            check(&policy, q, &d).is_empty(),
            "{}: {:?}",
            q.to_json(),
            check(&policy, q, &d)
        );
        assert!(invariants::covering_exemption(&policy, q, &d).is_some());
    }
    // The same exempted answers given to flows the exemptions do not name: violations.
    for (answer, forged) in [
        (&exempted[0], deliver("eu-west", "amplitude", Some("void"))),
        (&exempted[0], deliver("abroad", "amplitude", Some("us"))),
        (&exempted[1], store("eu-west", "lake", "aws:us-east-1")),
        (&exempted[1], store("eu-west", "archive", "aws:us-west-2")),
        (&exempted[2], connect("eu-west", "redshift", "10.0.0.1")),
        (&exempted[1], connect("eu-west", "redshift", "52.25.130.38")),
    ] {
        let d = policy.decide(answer);
        let v = residency(&policy, &forged, &d);
        assert!(
            v.as_ref().is_some_and(|v| v.invariant == Invariant::Residency),
            "{} answered as {}: {v:?}",
            forged.to_json(),
            answer.to_json()
        );
    }
    // An allow across regions without an active exemption: a violation, whatever the
    // policy holds. The exempted answers of a policy evaluated at its expiry day, checked
    // against the same policy a day later, and against the policy without a date.
    let later = exempted_policy("2026-07-01");
    let undated = Policy::from_yaml(&later.to_yaml().unwrap()).unwrap();
    for q in &exempted {
        let d = policy.decide(q);
        for other in [&later, &undated] {
            assert!(!other.decide(q).is_allowed(), "{}", q.to_json());
            assert!(
                residency(other, q, &d).is_some(),
                "{} allowed by an expired exemption",
                q.to_json()
            );
        }
    }
    // An honest allow of another region's flow, given to a strict region's question.
    let us = policy.decide(&deliver("us-west", "amplitude", Some("us")));
    assert!(us.is_allowed() && us.exemption().is_none());
    assert!(residency(&policy, &deliver("eu-west", "amplitude", Some("us")), &us).is_some());
}

#[test]
fn residency_reports_another_regions_loader_nested_in_the_home_regions_range() {
    // us-west's loaders span all of 52.0.0.0/8, and the edge region's one loader lies inside
    // it: a connection from that address may come from either region.
    let text = POLICY
        .replace(
            "warehouse_egress: [52.25.130.38/32]",
            "warehouse_egress: [52.0.0.0/8]",
        )
        .replace(
            "warehouse_egress: [10.0.0.0/8]",
            "warehouse_egress: [52.25.130.38/32]",
        );
    let nested = Policy::from_yaml(&text).unwrap();
    let shared = connect("us-west", "redshift", "52.25.130.38");
    let honest = nested.decide(&shared);
    assert!(honest.is_allowed());
    violates(
        residency(&nested, &shared, &honest),
        Invariant::Residency,
        &["`us-west`", "52.25.130.38", "`edge`"],
    );
    // An address of the home range that no other region uses is no breach.
    let own = connect("us-west", "redshift", "52.1.2.3");
    assert_eq!(residency(&nested, &own, &nested.decide(&own)), None);
}
