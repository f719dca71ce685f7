//! An explanation and a policy diff's answer view name what a decision resolved through one
//! type, [`Resolved`], built by one function: the two cannot drift apart, and their JSON is
//! the wire form it was when each held its own copy of the fields.

use super::{Explanation, Hints, Resolved};
use crate::decision::Answer;
use crate::diff::AnswerView;
use crate::policy::Policy;
use crate::question::Question;
use serde::Serialize;

/// The wire form of an explanation as it was written before [`Resolved`] (every field its
/// own, in this order, each absent one left out): the form clients of `regionfence ask`,
/// `/v1/decide` and the Python bindings read. Destructuring [`Resolved`] whole, it stops
/// compiling when an extra is added: a new key on the wire is then added here on purpose.
#[derive(Serialize)]
struct WireExplanation<'a> {
    decision: crate::decision::Verdict,
    reasons: &'a [super::ExplainedReason],
    #[serde(skip_serializing_if = "Option::is_none")]
    host: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mechanism: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ingestion: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoint: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoint_hosts: &'a Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cidrs: &'a Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exemption: &'a Option<String>,
}

/// The wire form of an answer view in a diff report, as it was written before [`Resolved`].
#[derive(Serialize)]
struct WireView<'a> {
    decision: crate::decision::Verdict,
    reasons: &'a [crate::decision::ReasonCode],
    #[serde(skip_serializing_if = "Option::is_none")]
    host: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mechanism: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ingestion: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoint: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoint_hosts: &'a Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cidrs: &'a Option<Vec<String>>,
}

fn wire_explanation(e: &Explanation) -> WireExplanation<'_> {
    let Resolved {
        host,
        mechanism,
        ingestion,
        endpoint,
        endpoint_hosts,
        cidrs,
    } = &e.resolved;
    WireExplanation {
        decision: e.decision,
        reasons: &e.reasons,
        host,
        mechanism,
        ingestion,
        endpoint,
        endpoint_hosts,
        cidrs,
        exemption: &e.exemption,
    }
}

fn wire_view(v: &AnswerView) -> WireView<'_> {
    let Resolved {
        host,
        mechanism,
        ingestion,
        endpoint,
        endpoint_hosts,
        cidrs,
    } = &v.resolved;
    WireView {
        decision: v.decision,
        reasons: &v.reasons,
        host,
        mechanism,
        ingestion,
        endpoint,
        endpoint_hosts,
        cidrs,
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}

fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

/// `policies/examples/exemptions.yaml` on a day both its exemptions apply.
fn exemptions_policy() -> Policy {
    let text = include_str!("../../policies/examples/exemptions.yaml");
    let as_of = "2026-03-01".parse().unwrap();
    Policy::from_yaml_with(text, &crate::CompileOptions::new().as_of(as_of)).unwrap()
}

fn question(json: &str) -> Question {
    Question::parse(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// The JSON of the explanation and of the answer view, written out as they were before the
/// two shared [`Resolved`]: every extra, present and absent, an empty list, an exemption.
#[test]
fn the_json_of_each_extra_is_unchanged() {
    let default = Policy::default_policy();
    let exempting = exemptions_policy();
    let cases: [(&Policy, &str, &str, &str); 8] = [
        (
            &default,
            r#"{"ask":"ingest","workspace":"eu-west","source":"ios","host":"api.segment.io"}"#,
            r#"{"decision":"deny","reasons":[{"code":"ingestion-outside-region","message":"host `api.segment.io` belongs to ingestion region `us-west/oregon`, not to workspace region `eu-west`"}]}"#,
            r#"{"decision":"deny","reasons":["ingestion-outside-region"]}"#,
        ),
        (
            &default,
            r#"{"ask":"resolve","workspace":"eu-west","source":"ios"}"#,
            r#"{"decision":"allow","reasons":[{"code":"host-resolved","message":"source `ios` uses ingestion region `eu-west/dublin` through regional-settings"}],"host":"events.eu1.segmentapis.com","mechanism":"regional-settings","ingestion":"dublin"}"#,
            r#"{"decision":"allow","reasons":["host-resolved"],"host":"events.eu1.segmentapis.com","mechanism":"regional-settings","ingestion":"dublin"}"#,
        ),
        (
            &default,
            r#"{"ask":"deliver","workspace":"eu-west","destination":"amplitude"}"#,
            r#"{"decision":"allow","reasons":[{"code":"endpoint-in-region","message":"endpoint `eu` of destination `amplitude` lies in `eu`, inside `regions[eu-west].deliver_to`"}],"host":"api.eu.amplitude.com","endpoint":"eu","endpoint_hosts":["api.eu.amplitude.com"]}"#,
            r#"{"decision":"allow","reasons":["endpoint-in-region"],"host":"api.eu.amplitude.com","endpoint":"eu","endpoint_hosts":["api.eu.amplitude.com"]}"#,
        ),
        (
            &default,
            r#"{"ask":"deliver","workspace":"us-west","destination":"2mee"}"#,
            r#"{"decision":"allow","reasons":[{"code":"endpoint-in-region","message":"endpoint `us` of destination `2mee` lies in `us`, inside `regions[us-west].deliver_to`"}],"endpoint":"us","endpoint_hosts":[]}"#,
            r#"{"decision":"allow","reasons":["endpoint-in-region"],"endpoint":"us","endpoint_hosts":[]}"#,
        ),
        (
            &default,
            r#"{"ask":"deliver","workspace":"eu-west","destination":"2mee"}"#,
            r#"{"decision":"deny","reasons":[{"code":"endpoint-outside-region","message":"destination `2mee` has no endpoint inside `regions[eu-west].deliver_to`"}]}"#,
            r#"{"decision":"deny","reasons":["endpoint-outside-region"]}"#,
        ),
        (
            &default,
            r#"{"ask":"allowlist","workspace":"eu-west","warehouse":"redshift"}"#,
            r#"{"decision":"allow","reasons":[{"code":"allowlist-required","message":"warehouse `redshift` allowlisting is required: open `regions[eu-west].warehouse_egress` (3.251.148.96/29)"}],"cidrs":["3.251.148.96/29"]}"#,
            r#"{"decision":"allow","reasons":["allowlist-required"],"cidrs":["3.251.148.96/29"]}"#,
        ),
        (
            &default,
            r#"{"ask":"allowlist","workspace":"eu-west","warehouse":"bigquery"}"#,
            r#"{"decision":"allow","reasons":[{"code":"allowlist-not-needed","message":"warehouse `bigquery` needs no allowlist"}],"cidrs":[]}"#,
            r#"{"decision":"allow","reasons":["allowlist-not-needed"],"cidrs":[]}"#,
        ),
        (
            &exempting,
            r#"{"ask":"deliver","workspace":"eu-west","destination":"amplitude","endpoint":"us"}"#,
            r#"{"decision":"allow","reasons":[{"code":"endpoint-outside-region","message":"endpoint `us` of destination `amplitude` lies in `us`, outside `regions[eu-west].deliver_to`"},{"code":"exempted","message":"allowed despite that rule by exemption `amp-us` of region `eu-west`, owned by `dpo@example.com`, until 2026-06-30 inclusive: the US project's events, under a signed transfer agreement, until it moves to the EU endpoint"}],"host":"api2.amplitude.com","endpoint":"us","endpoint_hosts":["api2.amplitude.com"],"exemption":"amp-us"}"#,
            r#"{"decision":"allow","reasons":["endpoint-outside-region","exempted"],"host":"api2.amplitude.com","endpoint":"us","endpoint_hosts":["api2.amplitude.com"]}"#,
        ),
    ];
    for (policy, q, explained, viewed) in cases {
        let q = question(q);
        let d = policy.decide(&q);
        let e = d.explain(policy, &q);
        assert_eq!(e.to_json(), explained);
        assert_eq!(json(&AnswerView::new(policy, &d)), viewed);
        // What the Python bindings and the gateway's tracking refusals read: a JSON value.
        let value: serde_json::Value = serde_json::from_str(explained).unwrap();
        assert_eq!(serde_json::to_value(&e).unwrap(), value);
    }
    // `regionfence ask` prints it pretty.
    let q = question(r#"{"ask":"resolve","workspace":"eu-west","source":"ios"}"#);
    assert_eq!(
        default.explain(&q).to_json_pretty(),
        r#"{
  "decision": "allow",
  "reasons": [
    {
      "code": "host-resolved",
      "message": "source `ios` uses ingestion region `eu-west/dublin` through regional-settings"
    }
  ],
  "host": "events.eu1.segmentapis.com",
  "mechanism": "regional-settings",
  "ingestion": "dublin"
}"#
    );
}

/// Over the audit's question space of three policies (the default one, a later catalogue,
/// one with active exemptions): the explanation and the diff's view resolve the same, agree
/// on the verdict and codes, and each writes the JSON it wrote before. Every question that
/// resolves something is explained; of the rest, one in 50 in a plain `cargo test`, all in
/// the long run (`REGIONFENCE_LONG_TESTS=1`).
#[test]
fn an_explanation_and_a_diff_view_resolve_alike() {
    let long = std::env::var_os("REGIONFENCE_LONG_TESTS").is_some_and(|v| v == "1");
    let stride = if long { 1 } else { 50 };
    let later = Policy::from_yaml(include_str!("../../policies/segment-2025.yaml")).unwrap();
    let policies = [Policy::default_policy(), later, exemptions_policy()];
    // Which extras the space exercises, so that a space that stopped reaching one fails here.
    let mut seen = [false; 7];
    let mut asked = 0usize;
    for policy in &policies {
        crate::audit::space(policy).for_each(|q| {
            asked += 1;
            let d = policy.decide(&q);
            let v = AnswerView::new(policy, &d);
            assert_eq!(
                v.resolved.is_empty(),
                d.answer() == Answer::None,
                "{}",
                q.to_json()
            );
            if v.resolved.is_empty() && !asked.is_multiple_of(stride) {
                return;
            }
            // The prose is not under test here: skip the search for hints.
            let e = d.explain_with(policy, &q, Hints::Skip);
            assert_eq!(e.resolved, v.resolved, "{}", q.to_json());
            assert_eq!(e.decision, v.decision, "{}", q.to_json());
            assert!(e.reasons.iter().map(|r| r.code).eq(v.reasons.iter().copied()));
            assert_eq!(e.to_json(), json(&wire_explanation(&e)), "{}", q.to_json());
            assert_eq!(
                e.to_json_pretty(),
                pretty(&wire_explanation(&e)),
                "{}",
                q.to_json()
            );
            assert_eq!(json(&v), json(&wire_view(&v)), "{}", q.to_json());
            let r = &e.resolved;
            let present = [
                r.host.is_some(),
                r.mechanism.is_some(),
                r.ingestion.is_some(),
                r.endpoint.is_some(),
                r.endpoint_hosts.is_some(),
                r.cidrs.is_some(),
                e.exemption.is_some(),
            ];
            for (s, p) in seen.iter_mut().zip(present) {
                *s |= p;
            }
        });
    }
    assert!(asked > 10_000, "{asked} questions");
    assert_eq!(
        seen, [true; 7],
        "host, mechanism, ingestion, endpoint, endpoint_hosts, cidrs, exemption"
    );
}
