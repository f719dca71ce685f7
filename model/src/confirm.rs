//! Invariant confirmation, both ways: every violation `regionfence::invariants` reports is
//! one the model's [`placement`](crate::placement) confirms, and every breach the model sees
//! is reported. Fail-closed, immutability and totality have no confirming breach: on any
//! policy, a report of one of them fails.

use crate::agree::{agree, policy_text};
use crate::{placement, Outcome};
use regionfence::document::Document;
use regionfence::invariants::{self, Invariant};
use regionfence::{Policy, Question};

/// Checks the invariants on `q` against the model's answer `want`.
pub fn confirm_invariants(
    policy: &Policy,
    doc: &Document,
    q: &Question,
    want: &Outcome,
) -> Result<(), String> {
    let (decision, violations) = invariants::decide_and_check(policy, q);
    if decision.is_none() {
        return Err(format!("deciding panicked on {}", q.to_json()));
    }
    let expected = [
        (Invariant::Residency, placement::residency_breach(doc, q, want)),
        (Invariant::ProcessingPin, placement::pin_breach(doc, q, want)),
        (
            Invariant::FailoverContainment,
            placement::failover_breach(doc, q, want),
        ),
    ];
    for v in &violations {
        let confirmed = expected
            .iter()
            .any(|(inv, breach)| *inv == v.invariant && breach.is_some());
        if !confirmed {
            return Err(format!(
                "violation {:?} ({}) not confirmed by the model\nquestion: {}\nmodel: {want:?}\npolicy:\n{}",
                v.invariant,
                v.why,
                q.to_json(),
                policy_text(policy)
            ));
        }
    }
    for (inv, breach) in &expected {
        if let Some(breach) = breach {
            if !violations.iter().any(|v| v.invariant == *inv) {
                return Err(format!(
                    "the model sees a {inv:?} breach ({breach}) the invariants miss\nquestion: {}\npolicy:\n{}",
                    q.to_json(),
                    policy_text(policy)
                ));
            }
        }
    }
    Ok(())
}

/// The check every decision passes, wherever it comes from: the engine agrees with the
/// model over the policy's own document ([`agree`]), and the invariants are confirmed both
/// ways ([`confirm_invariants`]). Returns the model's answer.
pub fn check_decision(policy: &Policy, q: &Question) -> Result<Outcome, String> {
    let doc = policy.document();
    let want = agree(policy, doc, q)?;
    confirm_invariants(policy, doc, q, &want)?;
    Ok(want)
}
