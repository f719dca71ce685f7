//! `question_json`: arbitrary bytes as a question against the default policy.
//!
//! A question parses or errors, never panics, and text over the limit is refused. Whatever
//! it decides is the README's answer computed from the default policy's *document*
//! ([`regionfence_model::check_decision`]: verdict, reason codes in order, extras), so an
//! allow happens only for a question that is, after normalisation, exactly one of the
//! allowed shapes of `policies/segment.yaml`; every invariant holds. A question read back from its own `to_json` gets the same verdict.

use regionfence::limits::MAX_QUESTION_BYTES;
use regionfence::Question;

/// The property.
pub fn check(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let question = match Question::parse(&text) {
        Ok(question) => question,
        Err(e) => {
            if e.to_string().is_empty() {
                return Err("a question error with an empty message".into());
            }
            return Ok(());
        }
    };
    if text.len() > MAX_QUESTION_BYTES {
        return Err(format!("a question of {} bytes was accepted", text.len()));
    }
    let policy = super::default_policy();
    regionfence_model::check_decision(policy, &question)?;

    let json = question.to_json();
    if let Ok(again) = Question::parse(&json) {
        let (first, second) = (policy.decide(&question), policy.decide(&again));
        if first.verdict() != second.verdict() {
            return Err(format!(
                "{json} read back from to_json is decided {}, the original {}",
                second.verdict(),
                first.verdict()
            ));
        }
    }
    Ok(())
}
