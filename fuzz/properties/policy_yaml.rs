//! `policy_yaml`: arbitrary bytes as a policy.
//!
//! Loading returns a policy or an error, never a panic; an error that points at the text
//! points inside it. A policy that loads round-trips: `Policy::to_yaml` gives text that loads
//! to the same document, and both policies give the same explanation for every question of a
//! set the shared question generator builds from the document's own names (with hostile
//! variants and unknowns); every one of those decisions is also the README's answer, and
//! every invariant violation is one the model confirms ([`regionfence_model::check_decision`]).

use regionfence::Policy;
use regionfence_model::{check_decision, gen_question, round_trip};

/// How many questions are asked of each policy.
const QUESTIONS: usize = 192;

/// The property.
pub fn check(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let policy = match Policy::from_yaml(&text) {
        Ok(policy) => policy,
        Err(e) => {
            let message = e.to_string();
            if message.is_empty() {
                return Err("a load error with an empty message".into());
            }
            if let Some(at) = e.location() {
                // YAML breaks lines at `\n`, `\r` (alone or before `\n`) and, in YAML 1.1,
                // at NEL, LS and PS; the end of the text may be one line further.
                let breaks = text
                    .chars()
                    .filter(|c| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'))
                    .count();
                if at.line == 0 || at.line > breaks + 2 || at.column == 0 {
                    return Err(format!(
                        "the error points outside the text ({breaks} line breaks): {message}"
                    ));
                }
            }
            return Ok(());
        }
    };
    round_trip(&policy)
}

/// `to_yaml` → load gives the same document and the same answers; every probe's decision is
/// the README's answer.
pub fn round_trip(policy: &Policy) -> Result<(), String> {
    let again = round_trip::reload(policy)?;
    for question in gen_question::questions(policy.document(), QUESTIONS) {
        check_decision(policy, &question)?;
        let Some(again) = &again else {
            continue;
        };
        let first = policy.decide(&question).explain(policy, &question);
        let second = again.decide(&question).explain(again, &question);
        if first != second {
            return Err(format!(
                "the reloaded policy answers {} differently: {first:?} != {second:?}",
                question.to_json()
            ));
        }
    }
    Ok(())
}
