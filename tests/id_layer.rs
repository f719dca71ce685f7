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

    let text = include_str!("../policies/examples/exemptions.yaml");
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
