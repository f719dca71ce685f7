#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The id layer agrees with the string layer: a question whose every name is known gives the
//! same decision asked by name and asked on the ids those names look up to (each `*_ids`
//! question answers its allowed cases on a path of its own, read from tables compilation
//! fills; this pins them to the rules). On random policies and questions, and on the
//! default and the exemptions example policies.

use proptest::prelude::*;
use regionfence::{parse_ip, CompileOptions, Decision, Policy, Question};
use regionfence_model::gen_policy::{self, Family};
use regionfence_model::{gen_question, Choices};

/// The decision on ids for a question whose names all look up; `None` otherwise (or for
/// `region-change`, which has no id form).
fn on_ids(policy: &Policy, question: &Question) -> Option<Decision> {
    Some(match question {
        Question::Ingest {
            workspace,
            source,
            host,
        } => policy.ingest_ids(
            policy.region_id(workspace)?,
            policy.source_id(source)?,
            policy.host_id(host).ok()?,
        ),
        Question::Resolve {
            workspace,
            source,
            ingestion,
        } => {
            let region = policy.region_id(workspace)?;
            let ingestion = match ingestion {
                // Only the region's own: another region's of the same name is named by the
                // first of that name in the string layer.
                Some(name) => Some(policy.ingestion_id(region, name)?),
                None => None,
            };
            policy.resolve_ids(region, policy.source_id(source)?, ingestion)
        }
        Question::Deliver {
            workspace,
            destination,
            endpoint,
        } => {
            let destination = policy.destination_id(destination)?;
            let endpoint = match endpoint {
                Some(raw) => Some(policy.endpoint_id(destination, raw)?),
                None => None,
            };
            policy.deliver_ids(policy.region_id(workspace)?, destination, endpoint)
        }
        Question::Store {
            workspace,
            store,
            cloud_region,
        } => policy.store_ids(
            policy.region_id(workspace)?,
            policy.store_id(store)?,
            policy.cloud_id(cloud_region)?,
        ),
        Question::Connect {
            workspace,
            warehouse,
            ip,
        } => policy.connect_ids(
            policy.region_id(workspace)?,
            policy.store_id(warehouse)?,
            parse_ip(ip)?,
        ),
        Question::Allowlist { workspace, warehouse } => {
            policy.allowlist_ids(policy.region_id(workspace)?, policy.store_id(warehouse)?)
        }
        Question::Failover { from, to } => {
            policy.failover_ids(policy.location_id(from)?, policy.location_id(to)?)
        }
        _ => return None,
    })
}

/// Asks each question both ways; returns how many had an id form.
fn agree(policy: &Policy, questions: &[Question]) -> Result<usize, String> {
    let mut compared = 0;
    for q in questions {
        let Some(ids) = on_ids(policy, q) else { continue };
        let names = policy.decide(q);
        if ids != names {
            return Err(format!(
                "{}\n  by name: {names:?}\n  on ids:  {ids:?}",
                serde_json::to_string(q).unwrap()
            ));
        }
        compared += 1;
    }
    Ok(compared)
}

#[test]
fn the_default_and_the_exemptions_example_agree_both_ways() {
    let default = Policy::default_policy();
    let questions = gen_question::questions(default.document(), 4000);
    let compared = agree(&default, &questions).unwrap();
    assert!(compared > 500, "only {compared} questions had an id form");

    let text = include_str!("../../policies/examples/exemptions.yaml");
    let options = CompileOptions::new().as_of("2026-01-15".parse().unwrap());
    let exempting = Policy::from_yaml_with(text, &options).unwrap();
    let questions = gen_question::questions(exempting.document(), 4000);
    let compared = agree(&exempting, &questions).unwrap();
    assert!(compared > 500, "only {compared} questions had an id form");
    // Some of them are allowed, some by an exemption, and some denied.
    let decided: Vec<Decision> = questions.iter().filter_map(|q| on_ids(&exempting, q)).collect();
    assert!(decided.iter().any(|d| d.is_allowed() && d.exemption().is_none()));
    assert!(decided.iter().any(|d| d.exemption().is_some()));
    assert!(decided.iter().any(|d| !d.is_allowed()));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() { ProptestConfig::default().cases } else { 128 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn on_random_policies_ids_and_names_agree(
        policy_tape in proptest::collection::vec(any::<u8>(), 0..600),
        question_tapes in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..48), 1..=32),
        any_family in any::<bool>(),
    ) {
        let family = if any_family { Family::Any } else { Family::Safe };
        let doc = gen_policy::policy(&mut Choices::new(&policy_tape), family);
        let options = CompileOptions::new().as_of(gen_policy::as_of());
        let policy = Policy::compile_with(doc.clone(), &options).unwrap();
        let questions: Vec<Question> = question_tapes
            .iter()
            .map(|tape| gen_question::question(&mut Choices::new(tape), &doc))
            .collect();
        if let Err(message) = agree(&policy, &questions) {
            return Err(TestCaseError::fail(message));
        }
    }
}

/// Every id kind names what it was looked up by; ids another policy issued (two loads of one
/// document) name nothing and decide nothing, whether one of a question's ids is foreign or
/// all of them are.
#[test]
fn ids_name_their_entry_and_foreign_ids_are_refused() {
    let a = Policy::default_policy();
    let b = Policy::default_policy();
    let ids = |p: &Policy| {
        let eu = p.region_id("eu-west").unwrap();
        let amplitude = p.destination_id("amplitude").unwrap();
        (
            eu,
            p.ingestion_id(eu, "dublin").unwrap(),
            p.host_id("events.eu1.segmentapis.com").unwrap(),
            p.cloud_id("aws:eu-west-1").unwrap(),
            p.source_id("ios").unwrap(),
            amplitude,
            p.endpoint_id(amplitude, "eu").unwrap(),
            p.store_id("redshift").unwrap(),
            p.location_id("eu-west/dublin-a").unwrap(),
            p.location_id("eu-west/dublin-b").unwrap(),
        )
    };
    let (region, ingestion, host, cloud, source, destination, endpoint, store, from, to) = ids(&a);
    assert_eq!(a.region_name(region), "eu-west");
    assert_eq!(a.ingestion_name(ingestion), "dublin");
    assert_eq!(a.host_name(host), "events.eu1.segmentapis.com");
    assert_eq!(a.cloud_name(cloud), "aws:eu-west-1");
    assert_eq!(a.source_name(source), "ios");
    assert_eq!(a.destination_name(destination), "amplitude");
    assert_eq!(a.endpoint_name(destination, endpoint), "eu");
    assert_eq!(a.store_name(store), "redshift");
    assert_eq!(a.location_name(from), "eu-west/dublin-a");
    assert_eq!(a.location_name(to), "eu-west/dublin-b");
    let group = a.group_id("eu").unwrap();
    assert_eq!(a.group_name(group), "eu");

    let ip = parse_ip("3.251.148.97").unwrap();
    let foreign = |d: Decision| d.codes().map(|c| c.as_str()).collect::<Vec<_>>() == ["foreign-id"];
    // Own ids: the allowed answers.
    assert!(a.ingest_ids(region, source, host).is_allowed());
    assert!(a.connect_ids(region, store, ip).is_allowed());
    assert!(a.failover_ids(from, to).is_allowed());
    let (r2, i2, h2, c2, s2, d2, e2, st2, f2, t2) = ids(&b);
    assert_eq!(a.region_name(r2), "");
    assert_eq!(a.location_name(f2), "");
    assert_eq!(a.store_name(st2), "");
    // An endpoint is named only when both its ids are the policy's own.
    assert_eq!(a.endpoint_name(destination, e2), "");
    assert_eq!(a.endpoint_name(d2, endpoint), "");
    assert_eq!(a.endpoint_name(d2, e2), "");
    // All ids foreign: every question refused.
    assert!(foreign(a.ingest_ids(r2, s2, h2)));
    assert!(foreign(a.resolve_ids(r2, s2, Some(i2))));
    assert!(foreign(a.resolve_ids(r2, s2, None)));
    assert!(foreign(a.deliver_ids(r2, d2, Some(e2))));
    assert!(foreign(a.deliver_ids(r2, d2, None)));
    assert!(foreign(a.store_ids(r2, st2, c2)));
    assert!(foreign(a.connect_ids(r2, st2, ip)));
    assert!(foreign(a.allowlist_ids(r2, st2)));
    assert!(foreign(a.failover_ids(f2, t2)));
    // One foreign id among own ones: refused too.
    assert!(foreign(a.ingest_ids(region, source, h2)));
    assert!(foreign(a.connect_ids(region, st2, ip)));
    assert!(foreign(a.allowlist_ids(r2, store)));
    assert!(foreign(a.failover_ids(from, t2)));
    assert!(foreign(a.deliver_ids(region, destination, Some(e2))));
    assert!(foreign(a.store_ids(region, store, c2)));

    // A source's kind, named; another policy's kind id names nothing.
    let kind = a.kind_of(source).unwrap();
    assert_eq!(a.kind_name(kind), "ios");
    assert_eq!(a.kind_name(b.kind_of(s2).unwrap()), "");

    // Another region's ingestion region, by id: refused as outside the region, as by name.
    let us = a.region_id("us-west").unwrap();
    let oregon = a.ingestion_id(us, "oregon").unwrap();
    let d = a.resolve_ids(region, source, Some(oregon));
    assert!(!d.is_allowed());
    assert_eq!(
        d.codes().map(|c| c.as_str()).collect::<Vec<_>>(),
        ["ingestion-outside-region"]
    );
    assert!(a.resolve_ids(region, source, Some(ingestion)).is_allowed());
}

/// An exemption's id names it, in the policy that issued it only.
#[test]
fn exemption_ids_name_their_exemption() {
    let text = format!(
        "{}exemptions:\n  - {{id: lake-london, region: eu-west, store: data-lake, cloud_region: aws:eu-west-2, justification: migration, owner: data-team, expires: 2026-03-31}}\n  - {{id: amp-us, region: eu-west, destination: amplitude, endpoint: us, justification: contract, owner: growth, expires: 2026-03-31}}\n",
        regionfence::DEFAULT_POLICY_YAML
    );
    let a = Policy::from_yaml(&text).unwrap();
    let lake = a.exemption_id("lake-london").unwrap();
    let amp = a.exemption_id("amp-us").unwrap();
    assert_ne!(lake, amp);
    assert_eq!(a.exemption_name(lake), "lake-london");
    assert_eq!(a.exemption_name(amp), "amp-us");
    assert_eq!(a.exemption_id("lake-paris"), None);
    assert_eq!(Policy::default_policy().exemption_id("lake-london"), None);
    let b = Policy::from_yaml(&text).unwrap();
    assert_eq!(b.exemption_name(lake), "");
}
