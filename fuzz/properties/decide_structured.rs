//! `decide_structured`: a generated policy document plus questions about it.
//!
//! The input bytes are the choices of the generators the property tests use too
//! (`regionfence_model::gen_policy` and `gen_question`, read through
//! [`regionfence_model::Choices`]): the first byte picks the family — a safe policy, built so
//! that no invariant can break, or any valid one, with hosts shared across regions, strict
//! regions that stray from their jurisdiction, loose overrides, `failover_to` loosenings and
//! overlapping CIDRs — and the next ones build it, sometimes with one deliberate defect.
//! Then:
//!
//! - a document built valid compiles with `Policy::compile_with` at the generators' as-of
//!   date (its exemptions active, expiring that day, or expired), and one with a defect (an invalid
//!   id, a dangling reference, a CIDR with host bits, …) is refused;
//! - the compiled policy's `to_yaml` loads back to the same document, which decides every
//!   question the same;
//! - every question read from the remaining bytes is decided as the README's rules say
//!   (verdict, reason codes in order, what an allow hands back), and the invariants are
//!   confirmed both ways ([`regionfence_model::check_decision`]): on a safe policy none is
//!   violated; on any other, a violation is reported exactly where the model sees the
//!   document place data outside.

use regionfence::{CompileOptions, Policy};
use regionfence_model::gen_policy::{self, Family};
use regionfence_model::{check_decision, gen_question, round_trip, Choices};

/// The property.
pub fn check(data: &[u8]) -> Result<(), String> {
    let mut choices = Choices::new(data);
    let family = if choices.percent(50) {
        Family::Any
    } else {
        Family::Safe
    };
    let mut document = gen_policy::policy(&mut choices, family);
    let defect = if choices.percent(10) {
        gen_policy::defect(&mut document, &mut choices)
    } else {
        None
    };
    // At the generators' date, so their exemptions are active, expire that day or expired.
    let options = CompileOptions::new().as_of(gen_policy::as_of());
    let policy = match (Policy::compile_with(document.clone(), &options), defect) {
        (Ok(policy), None) => policy,
        (Err(_), Some(_)) => return Ok(()),
        (Ok(_), Some(defect)) => {
            return Err(format!("a document with {defect} compiled:\n{document:?}"));
        }
        (Err(e), None) => {
            return Err(format!("a valid document was refused: {e}\n{document:?}"));
        }
    };

    let again = round_trip::reload(&policy)?;
    let count = (choices.remaining() / 12).clamp(4, 24);
    for _ in 0..count {
        let question = gen_question::question(&mut choices, &document);
        check_decision(&policy, &question)?;
        if family == Family::Safe {
            let (_, violations) = regionfence::invariants::decide_and_check(&policy, &question);
            if !violations.is_empty() {
                return Err(format!(
                    "a safe policy breaks an invariant: {violations:?}\nquestion: {}",
                    question.to_json()
                ));
            }
        }
        let Some(again) = &again else {
            continue;
        };
        if policy.decide(&question) != again.decide(&question) {
            return Err(format!(
                "the policy reloaded from its YAML decides {} differently",
                question.to_json()
            ));
        }
    }
    Ok(())
}
