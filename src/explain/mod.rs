//! Explanations: a decision rendered for people and machines, every reason naming the
//! policy entry that decided.
//!
//! The types and entry points live here; [`prose`] writes each reason's sentence and
//! [`view`] names what the decision resolved ([`Resolved`], which a policy diff's
//! [`AnswerView`](crate::diff::AnswerView) holds too).

mod prose;
#[cfg(test)]
mod tests;
mod view;

pub use view::Resolved;

use crate::decision::{Decision, ReasonCode, Verdict};
use crate::policy::Policy;
use crate::question::Question;
use serde::Serialize;

/// A decision as JSON shows it: the verdict, every reason with its sentence, what the
/// decision resolved and the exemption that allowed it.
///
/// The JSON is one object: `decision`, `reasons`, then the [`Resolved`] keys (`host`,
/// `mechanism`, `ingestion`, `endpoint`, `endpoint_hosts`, `cidrs`) at its top level, then
/// `exemption`; a key whose value is absent is left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// `allow` or `deny`.
    pub decision: Verdict,
    /// Why, most fundamental first.
    pub reasons: Vec<ExplainedReason>,
    /// What the decision resolved (host, mechanism, ingestion region, endpoint and its
    /// hosts, CIDRs), in the policy's names; flattened into the explanation's JSON.
    #[serde(flatten)]
    pub resolved: Resolved,
    /// The id of the exemption that allowed the flow despite its rule, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemption: Option<String>,
}

/// An explanation reads as what it resolved too: `explanation.host` is
/// `explanation.resolved.host`.
///
/// ```
/// use regionfence::{Policy, Question};
/// let policy = Policy::default_policy();
/// let q = Question::Resolve { workspace: "eu-west".into(), source: "ios".into(), ingestion: None };
/// let e = policy.explain(&q);
/// assert_eq!(e.host.as_deref(), Some("events.eu1.segmentapis.com"));
/// assert_eq!(e.host, e.resolved.host);
/// ```
impl std::ops::Deref for Explanation {
    type Target = Resolved;

    fn deref(&self) -> &Resolved {
        &self.resolved
    }
}

/// One reason as JSON shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainedReason {
    /// The reason's stable code; JSON writes it kebab-case (`allowlist-required`).
    pub code: ReasonCode,
    /// A sentence naming the policy entry that decided.
    pub message: String,
}

/// Whether an explanation searches the policy's names for a "did you mean" hint where a
/// question names something the policy does not know. The search costs tens of microseconds
/// against a large catalogue: a server answering many questions in one request bounds it by
/// explaining past a budget with [`Hints::Skip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hints {
    /// Search, and add `; did you mean `…`?` when a name is near enough.
    #[default]
    Search,
    /// Do not search: the same sentences, without the hint.
    Skip,
}

impl crate::decision::Reason {
    /// Whether explaining this reason searches the policy's names for a hint (it names a
    /// region, source, destination, cloud region, store, warehouse or failover location the
    /// policy does not know).
    ///
    /// ```
    /// use regionfence::{Policy, Question};
    /// let policy = Policy::default_policy();
    /// let q = Question::Deliver { workspace: "eu-west".into(), destination: "amplitud".into(), endpoint: None };
    /// let d = policy.decide(&q);
    /// assert!(d.reasons().any(|r| r.searches_for_hint()));
    /// ```
    pub fn searches_for_hint(&self) -> bool {
        prose::searches_for_hint(self)
    }
}

impl Decision {
    /// [`Decision::explain`], with or without the search for "did you mean" hints.
    ///
    /// ```
    /// use regionfence::{Hints, Policy, Question};
    /// let policy = Policy::default_policy();
    /// let q = Question::Deliver { workspace: "eu-west".into(), destination: "amplitud".into(), endpoint: None };
    /// let d = policy.decide(&q);
    /// let searched = d.explain_with(&policy, &q, Hints::Search);
    /// let skipped = d.explain_with(&policy, &q, Hints::Skip);
    /// assert!(searched.reasons[0].message.contains("did you mean `amplitude`"));
    /// assert!(!skipped.reasons[0].message.contains("did you mean"));
    /// assert_eq!(searched.reasons[0].code, skipped.reasons[0].code);
    /// ```
    pub fn explain_with(&self, policy: &Policy, question: &Question, hints: Hints) -> Explanation {
        let mut out = Explanation::bare(self.verdict());
        out.reasons = self
            .reasons()
            .map(|r| ExplainedReason {
                code: r.code(),
                message: prose::message(policy, question, r, hints),
            })
            .collect();
        out.exemption = self.exemption().map(|id| policy.exemption_name(id).to_string());
        out.resolved = Resolved::new(policy, self);
        out
    }

    /// Renders the decision for `question` (the question it answers) against `policy`.
    /// [`Policy::explain`] decides and renders in one call.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, Question, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let q = Question::Allowlist { workspace: "eu-west".into(), warehouse: "redshift".into() };
    /// let e = policy.decide(&q).explain(&policy, &q);
    /// assert_eq!(e.resolved.cidrs, Some(vec!["3.251.148.96/29".to_string()]));
    /// assert_eq!(e.reasons[0].code, ReasonCode::AllowlistRequired);
    /// assert!(e.to_json().contains(r#""code":"allowlist-required""#));
    /// ```
    pub fn explain(&self, policy: &Policy, question: &Question) -> Explanation {
        self.explain_with(policy, question, Hints::Search)
    }
}

impl Policy {
    /// Decides `question` and renders the decision: the one call for a caller that wants
    /// the explanation (the same as `policy.decide(question).explain(policy, question)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, Question, ReasonCode, Verdict};
    /// let policy = Policy::default_policy();
    /// let q = Question::Store {
    ///     workspace: "eu-west".into(),
    ///     store: "redshift".into(),
    ///     cloud_region: "aws:us-east-1".into(),
    /// };
    /// let e = policy.explain(&q);
    /// assert_eq!(e.decision, Verdict::Deny);
    /// assert_eq!(e.reasons[0].code, ReasonCode::StoreOutsideRegion);
    /// assert!(e.reasons[0].message.contains("aws:us-east-1"));
    /// assert_eq!(e, policy.decide(&q).explain(&policy, &q));
    /// ```
    pub fn explain(&self, question: &Question) -> Explanation {
        self.decide(question).explain(self, question)
    }
}
