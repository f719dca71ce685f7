//! The engine's answer against the model's: the same verdict, the same reason codes in the
//! same order (at most four, the most fundamental first), and the same extras.

use crate::{rules, Extras, Outcome, NAME_CODES};
use regionfence::document::Document;
use regionfence::{Policy, Question, Resolved, MAX_REASONS};

/// The policy as text, for failure messages.
pub fn policy_text(policy: &Policy) -> String {
    policy
        .to_yaml()
        .unwrap_or_else(|e| format!("<unserialisable: {e}>"))
}

/// Decides `q` with `policy` and with the model over `doc` (the document `policy` was
/// compiled from); `Err` says how they differ.
pub fn agree(policy: &Policy, doc: &Document, q: &Question) -> Result<Outcome, String> {
    let decision = policy.decide(q);
    let explained = decision.explain(policy, q);
    let want = rules::decide_at(doc, policy.as_of(), q);
    let got: Vec<&str> = decision.codes().map(|c| c.as_str()).collect();
    let fail = |what: &str| {
        format!(
            "{what}\nquestion: {}\nengine:   {:?} {:?}\nmodel:    {} {:?} {:?}\nexplained: {}\npolicy:\n{}",
            q.to_json(),
            decision.verdict(),
            got,
            if want.allow { "Allow" } else { "Deny" },
            want.codes,
            want.extras,
            explained.to_json(),
            policy_text(policy)
        )
    };
    if policy.decide(q) != decision {
        return Err(fail("deciding twice gave two answers"));
    }
    if decision.is_allowed() != want.allow {
        return Err(fail("the verdicts differ"));
    }
    if got.is_empty() || got.len() > MAX_REASONS {
        return Err(fail("a decision carries one to four reasons"));
    }
    // "A decision carries at most four reasons, the most fundamental first": the model's
    // codes, in its order, cut at four.
    let expected: Vec<&str> = want.codes.iter().copied().take(MAX_REASONS).collect();
    if got != expected {
        return Err(fail("the reason codes differ"));
    }
    // Names are looked up before any rule is applied.
    let first_rule = got
        .iter()
        .position(|c| !NAME_CODES.contains(c))
        .unwrap_or(got.len());
    if got.iter().skip(first_rule).any(|c| NAME_CODES.contains(c)) {
        return Err(fail("a name reason comes after a rule reason"));
    }
    // The extras, whole: what the model resolves, and nothing else (an extra the model does
    // not name must be absent).
    let mut expected = Resolved::default();
    match (&want.extras, want.allow) {
        (_, false) | (Extras::None, true) => {}
        (
            Extras::Host {
                host,
                mechanism,
                ingestion,
            },
            true,
        ) => {
            expected.host = Some(host.clone());
            expected.mechanism = Some(mechanism.to_string());
            expected.ingestion = Some(ingestion.clone());
        }
        // README: "the answer names the endpoint and its first host, where the policy lists
        // one".
        (Extras::Endpoint { id, hosts }, true) => {
            expected.endpoint = Some(id.clone());
            expected.host = hosts.first().cloned();
            expected.endpoint_hosts = Some(hosts.clone());
        }
        (Extras::Cidrs(nets), true) => expected.cidrs = Some(nets.clone()),
    }
    let extras_agree = explained.resolved == expected;
    if !extras_agree {
        return Err(fail("the extras differ"));
    }
    // **Exemptions**: an exempted allow names its exemption, and nothing else does.
    if explained.exemption.is_some() != want.codes.contains(&"exempted") {
        return Err(fail("the exemption named differs"));
    }
    if explained.decision != decision.verdict() || explained.reasons.len() != got.len() {
        return Err(fail("the explanation does not match the decision"));
    }
    Ok(want)
}
