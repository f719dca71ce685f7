#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Model-based property tests: on random valid policies and random (often hostile)
//! questions, the compiled engine agrees with the naive reference model of the
//! `regionfence-model` crate (`model/`: verdict, reason codes in order, extras), the
//! invariants hold on safe policies and every violation on the others is confirmed by the
//! model both ways, and policies round-trip. The generators read their choices off byte
//! vectors, the same generators the fuzz targets drive with their input.
//!
//! Case counts are per property (each case is one policy and up to 16 questions about it).
//! `PROPTEST_CASES=N cargo test --test it properties::` runs N cases of every property instead
//! (proptest reads the variable in `ProptestConfig::default()`, which `config` below starts
//! from, and `config` only sets its own count when the variable is absent). Shrunk failures
//! are kept in `proptest-regressions/properties.txt` and replayed first on every run.

use proptest::prelude::*;
use regionfence::document::Document;
use regionfence::invariants;
use regionfence::{Policy, Question, Verdict};
use regionfence_model::gen_policy::{self, Family};
use regionfence_model::gen_question;
use regionfence_model::{agree as model_agree, confirm_invariants, Choices, Outcome};
use std::sync::LazyLock;

/// `cases` cases in the long run `.ci/run` makes (`REGIONFENCE_LONG_TESTS=1`), a tenth of
/// them in a plain `cargo test`, unless `PROPTEST_CASES` says otherwise.
fn config(cases: u32) -> ProptestConfig {
    crate::proptest_config(
        crate::long_or_light(cases, cases / 10),
        concat!(env!("CARGO_MANIFEST_DIR"), "/proptest-regressions/properties.txt"),
    )
}

/// The choices a policy is read from.
fn policy_tape() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..600)
}

/// The choices of up to 16 questions.
fn question_tapes() -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..48), 1..=16)
}

fn policy(tape: &[u8], family: Family) -> Document {
    gen_policy::policy(&mut Choices::new(tape), family)
}

fn question(tape: &[u8], doc: &Document) -> Question {
    gen_question::question(&mut Choices::new(tape), doc)
}

static DEFAULT: LazyLock<Policy> = LazyLock::new(Policy::default_policy);

fn yaml(doc: &Document) -> String {
    serde_yaml::to_string(doc).unwrap_or_else(|e| format!("<unserialisable: {e}>"))
}

fn json(q: &Question) -> String {
    serde_json::to_string(q).unwrap_or_default()
}

/// Compiled at the generators' as-of date, so their exemptions are active or expired.
fn compile(doc: &Document) -> Result<Policy, TestCaseError> {
    let options = regionfence::CompileOptions::new().as_of(gen_policy::as_of());
    Policy::compile_with(doc.clone(), &options)
        .map_err(|e| TestCaseError::fail(format!("a generated policy was rejected: {e}\n{}", yaml(doc))))
}

/// The engine's answer and the model's agree (`regionfence_model::agree`).
fn agree(policy: &Policy, doc: &Document, q: &Question) -> Result<Outcome, TestCaseError> {
    model_agree(policy, doc, q).map_err(TestCaseError::fail)
}

/// On an `Any` policy: fail-closed, immutability and totality hold; a residency,
/// processing-pin or failover-containment violation is reported exactly when the model
/// allows the question and the document places the thing outside.
fn invariants_as_the_model_sees_them(
    policy: &Policy,
    doc: &Document,
    q: &Question,
    want: &Outcome,
) -> Result<(), TestCaseError> {
    confirm_invariants(policy, doc, q, want).map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(config(3000))]

    /// Safe policies: the engine agrees with the model, and every invariant holds.
    #[test]
    fn safe_policies_agree_with_the_model_and_keep_every_invariant(
        tape in policy_tape(),
        questions in question_tapes(),
    ) {
        let doc = policy(&tape, Family::Safe);
        let policy = compile(&doc)?;
        for q in questions.iter().map(|t| question(t, &doc)) {
            agree(&policy, &doc, &q)?;
            let (_, violations) = invariants::decide_and_check(&policy, &q);
            prop_assert!(
                violations.is_empty(),
                "{violations:?}\nquestion: {}\npolicy:\n{}",
                json(&q),
                yaml(&doc)
            );
        }
    }

    /// Any valid policy: the engine agrees with the model, and each reported violation is
    /// one the model confirms.
    #[test]
    fn any_policies_agree_with_the_model_and_violations_are_real(
        tape in policy_tape(),
        questions in question_tapes(),
    ) {
        let doc = policy(&tape, Family::Any);
        let policy = compile(&doc)?;
        for q in questions.iter().map(|t| question(t, &doc)) {
            let want = agree(&policy, &doc, &q)?;
            invariants_as_the_model_sees_them(&policy, &doc, &q, &want)?;
        }
    }

    /// Load → `to_yaml` → load gives the same document and the same answers. (The first
    /// load reads the document as YAML text, the way a person's file arrives.)
    #[test]
    fn policies_round_trip(tape in policy_tape(), questions in question_tapes(), safe in any::<bool>()) {
        let doc = policy(&tape, if safe { Family::Safe } else { Family::Any });
        // Written by another YAML implementation: `&` and `*` inside scalars are text.
        let written = yaml(&doc);
        let first = Policy::from_yaml(&written)
            .map_err(|e| TestCaseError::fail(format!("{e}\n--- written:\n{written}")))?;
        // The document as generated, its set-like lists sorted as loading keeps them.
        let loaded = crate::sets::sorted_sets(&doc);
        prop_assert_eq!(first.document(), &loaded, "written:\n{}", written);
        let text = first.to_yaml().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let second = Policy::from_yaml(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n--- serialised:\n{text}")))?;
        prop_assert_eq!(second.document(), &loaded, "serialised:\n{}", text);
        for q in questions.iter().map(|t| question(t, &doc)) {
            prop_assert_eq!(
                first.decide(&q).explain(&first, &q),
                second.decide(&q).explain(&second, &q),
                "question: {}", json(&q)
            );
        }
    }
}

proptest! {
    #![proptest_config(config(2000))]

    /// Hostile questions against the embedded default policy: never an allow the model
    /// does not give too, and otherwise the same answer.
    #[test]
    fn default_policy_allows_only_what_the_model_allows(questions in question_tapes()) {
        let doc = DEFAULT.document();
        for q in questions.iter().map(|t| question(t, doc)) {
            let model = regionfence_model::decide(doc, &q);
            if DEFAULT.decide(&q).verdict() == Verdict::Allow {
                prop_assert!(model.allow, "the engine allows what the model denies ({:?}): {}", model.codes, json(&q));
            }
            agree(&DEFAULT, doc, &q)?;
            let (_, violations) = invariants::decide_and_check(&DEFAULT, &q);
            prop_assert!(violations.is_empty(), "{violations:?}\nquestion: {}", json(&q));
        }
    }

    /// A question written as JSON reads back as the same question (what `regionfence ask`
    /// and the case files rely on), hostile strings included.
    #[test]
    fn questions_round_trip_through_json(questions in question_tapes()) {
        for q in questions.iter().map(|t| question(t, DEFAULT.document())) {
            let text = json(&q);
            let back = Question::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
            prop_assert_eq!(back, q);
        }
    }

    /// The default policy round-trips too, and answers the same afterwards.
    #[test]
    fn default_policy_round_trips(questions in question_tapes()) {
        static AGAIN: LazyLock<Policy> = LazyLock::new(|| {
            Policy::from_yaml(&DEFAULT.to_yaml().unwrap()).unwrap()
        });
        prop_assert_eq!(AGAIN.document(), DEFAULT.document());
        for q in questions.iter().map(|t| question(t, DEFAULT.document())) {
            prop_assert_eq!(DEFAULT.decide(&q).explain(&DEFAULT, &q), AGAIN.decide(&q).explain(&AGAIN, &q));
        }
    }
}

/// Not a property: a survey for when the properties fail. It decides many generated
/// questions without stopping at the first disagreement, and prints one shortest example
/// of each class (question kind, engine codes, model codes), so every distinct engine/model
/// disagreement shows at once. `SURVEY_CASES` sets the number of policies (default 3000).
///
/// `cargo test --test properties -- --ignored --nocapture survey`
#[test]
#[ignore = "a diagnostic, run by hand"]
fn survey() {
    use proptest::strategy::ValueTree;
    use std::collections::BTreeMap;
    let cases: u32 = std::env::var("SURVEY_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut classes: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut note = |class: String, example: String| {
        let entry = classes.entry(class).or_insert((0, example.clone()));
        entry.0 += 1;
        if example.len() < entry.1.len() {
            entry.1 = example;
        }
    };
    for case in 0..cases {
        let tape = policy_tape().new_tree(&mut runner).unwrap().current();
        let questions = question_tapes().new_tree(&mut runner).unwrap().current();
        let generated;
        let (doc, policy) = match case % 3 {
            2 => (DEFAULT.document(), &*DEFAULT),
            family => {
                let doc = policy(&tape, if family == 0 { Family::Safe } else { Family::Any });
                match Policy::compile_with(
                    doc.clone(),
                    &regionfence::CompileOptions::new().as_of(gen_policy::as_of()),
                ) {
                    Ok(p) => {
                        generated = (doc, p);
                        (&generated.0, &generated.1)
                    }
                    Err(e) => {
                        note(format!("rejected: {e}"), yaml(&doc));
                        continue;
                    }
                }
            }
        };
        for q in questions.iter().map(|t| question(t, doc)) {
            let failure = agree(policy, doc, &q).and_then(|want| {
                if case % 3 == 1 {
                    invariants_as_the_model_sees_them(policy, doc, &q, &want)
                } else {
                    let (_, violations) = invariants::decide_and_check(policy, &q);
                    prop_assert!(
                        violations.is_empty(),
                        "invariants: {violations:?}\nquestion: {}",
                        json(&q)
                    );
                    Ok(())
                }
            });
            if let Err(e) = failure {
                let engine: Vec<&str> = policy.decide(&q).codes().map(|c| c.as_str()).collect();
                let model = regionfence_model::decide_at(doc, policy.as_of(), &q);
                let ask = serde_json::to_value(&q).unwrap()["ask"].to_string();
                let first_line = e.to_string().lines().next().unwrap_or("").to_string();
                let class = format!("{ask}: {first_line}: engine {engine:?} / model {:?}", model.codes);
                let example = if case % 3 == 2 { json(&q) } else { e.to_string() };
                note(class, example);
            }
        }
    }
    for (class, (count, example)) in &classes {
        println!("=== {count} × {class}\n{example}\n");
    }
    assert!(classes.is_empty(), "{} classes of disagreement", classes.len());
}
