//! A decision in terms two policies share: the verdict, the reason codes and the extras by
//! name (a decision's ids mean nothing outside the policy that made it), and how two such
//! answers to one question differ.

use crate::decision::{Answer, Decision, ReasonCode, Verdict};
use crate::explain::Resolved;
use crate::policy::Policy;
use serde::Serialize;

/// One policy's answer to a question, by name: the verdict, the reason codes (without an
/// explanation's sentences) and what the decision [resolved](Resolved), whose keys the JSON
/// writes at the top level of the object, after `reasons`, each left out when absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerView {
    /// `allow` or `deny`.
    pub decision: Verdict,
    /// The reason codes, most fundamental first.
    pub reasons: Vec<ReasonCode>,
    /// What the decision resolved (host, mechanism, ingestion region, endpoint and its
    /// hosts, CIDRs), named as an explanation names it; flattened into the JSON.
    #[serde(flatten)]
    pub resolved: Resolved,
}

impl AnswerView {
    /// `decision` of `policy`, by name (the extras as an explanation names them).
    pub(crate) fn new(policy: &Policy, decision: &Decision) -> AnswerView {
        AnswerView {
            decision: decision.verdict(),
            reasons: decision.codes().collect(),
            resolved: Resolved::new(policy, decision),
        }
    }

    /// The answer in a few words: `allow (host-in-region)`, `allow: endpoint eu`.
    pub fn summary(&self) -> String {
        let codes: Vec<&str> = self.reasons.iter().map(|c| c.as_str()).collect();
        let mut out = format!("{} ({})", self.decision, codes.join(", "));
        let mut extras = Vec::new();
        let r = &self.resolved;
        if let Some(e) = &r.endpoint {
            extras.push(format!("endpoint `{}`", crate::text::excerpt(e)));
        }
        if let Some(h) = &r.host {
            extras.push(format!("host `{}`", crate::text::excerpt(h)));
        }
        if let Some(m) = &r.mechanism {
            extras.push(format!("by {m}"));
        }
        if let Some(c) = &r.cidrs {
            extras.push(if c.is_empty() {
                "no CIDRs".to_string()
            } else {
                format!(
                    "CIDRs {}",
                    crate::text::list(c.iter().map(|c| crate::text::excerpt(c)))
                )
            });
        }
        if !extras.is_empty() {
            out.push_str(": ");
            out.push_str(&extras.join(", "));
        }
        out
    }
}

#[cfg(test)]
impl AnswerView {
    /// An answer with these reasons and no extras.
    pub(crate) fn bare(decision: Verdict, reasons: &[ReasonCode]) -> AnswerView {
        AnswerView {
            decision,
            reasons: reasons.to_vec(),
            resolved: Resolved::default(),
        }
    }
}

/// How the answer to one question changed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, strum::Display, strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ChangeKind {
    /// Denied before, allowed now.
    NewlyAllowed,
    /// Allowed before, denied now.
    NewlyDenied,
    /// The same verdict, with other extras: another host, endpoint or CIDRs.
    OtherExtras,
    /// Allowed both times, with the same extras, for other reasons.
    AllowedForOtherReasons,
    /// Denied both times, for other reasons (a name now known, another rule first).
    DeniedForOtherReasons,
}

impl ChangeKind {
    /// How the change reads in a sentence: `newly allowed`.
    pub fn phrase(self) -> &'static str {
        match self {
            ChangeKind::NewlyAllowed => "newly allowed",
            ChangeKind::NewlyDenied => "newly denied",
            ChangeKind::OtherExtras => "allowed with other extras",
            ChangeKind::AllowedForOtherReasons => "allowed for other reasons",
            ChangeKind::DeniedForOtherReasons => "denied for other reasons",
        }
    }
}

/// How `new` differs from `old`, or `None` when they are the same answer.
pub(crate) fn change(old: &AnswerView, new: &AnswerView) -> Option<ChangeKind> {
    match (old.decision, new.decision) {
        (Verdict::Deny, Verdict::Allow) => Some(ChangeKind::NewlyAllowed),
        (Verdict::Allow, Verdict::Deny) => Some(ChangeKind::NewlyDenied),
        _ if old.resolved != new.resolved => Some(ChangeKind::OtherExtras),
        (Verdict::Allow, Verdict::Allow) if old.reasons != new.reasons => {
            Some(ChangeKind::AllowedForOtherReasons)
        }
        (Verdict::Deny, Verdict::Deny) if old.reasons != new.reasons => {
            Some(ChangeKind::DeniedForOtherReasons)
        }
        _ => None,
    }
}

/// Whether two decisions of two policies are the same answer, without building either view
/// when neither has extras (the common case, kept cheap: a diff decides every question twice).
pub(crate) fn same(old_policy: &Policy, old: &Decision, new_policy: &Policy, new: &Decision) -> bool {
    if old.verdict() != new.verdict() || !old.codes().eq(new.codes()) {
        return false;
    }
    match (old.answer(), new.answer()) {
        (Answer::None, Answer::None) => true,
        _ => Resolved::new(old_policy, old) == Resolved::new(new_policy, new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_named_by_what_differs() {
        use ChangeKind::*;
        let allow = AnswerView::bare(Verdict::Allow, &[ReasonCode::HostInRegion]);
        let deny = AnswerView::bare(Verdict::Deny, &[ReasonCode::IngestionOutsideRegion]);
        assert_eq!(change(&allow, &allow.clone()), None);
        assert_eq!(change(&deny, &deny.clone()), None);
        assert_eq!(change(&deny, &allow), Some(NewlyAllowed));
        assert_eq!(change(&allow, &deny), Some(NewlyDenied));
        let mut other = allow.clone();
        other.reasons = vec![ReasonCode::EndpointInRegion];
        assert_eq!(change(&allow, &other), Some(AllowedForOtherReasons));
        let mut other = deny.clone();
        other.reasons.push(ReasonCode::UnknownHost);
        assert_eq!(change(&deny, &other), Some(DeniedForOtherReasons));
        // Each extra alone makes the answer another one, allowed or denied.
        let extras: [fn(&mut AnswerView); 6] = [
            |v| v.resolved.host = Some("h".into()),
            |v| v.resolved.mechanism = Some("m".into()),
            |v| v.resolved.ingestion = Some("i".into()),
            |v| v.resolved.endpoint = Some("e".into()),
            |v| v.resolved.endpoint_hosts = Some(vec!["h".into()]),
            |v| v.resolved.cidrs = Some(Vec::new()),
        ];
        for (i, set) in extras.iter().enumerate() {
            for base in [&allow, &deny] {
                let mut other = base.clone();
                set(&mut other);
                assert_eq!(change(base, &other), Some(OtherExtras), "extra {i}");
                assert_eq!(change(&other, base), Some(OtherExtras), "extra {i}");
            }
        }
    }

    #[test]
    fn same_answers_are_told_apart_cheaply() {
        let p = Policy::default_policy();
        let resolve = |w: &str| p.resolve(w, "ios", None);
        let (us, eu) = (resolve("us-west"), resolve("eu-west"));
        assert!(same(&p, &us, &p, &us) && same(&p, &eu, &p, &eu));
        // Same verdict and codes, other host handed out.
        assert!(!same(&p, &us, &p, &eu));
        let unknown = p.ingest("nowhere", "ios", "api.segment.io");
        assert!(same(&p, &unknown, &p, &unknown.clone()));
        assert!(!same(
            &p,
            &unknown,
            &p,
            &p.ingest("eu-west", "nothing", "api.segment.io")
        ));
        assert!(!same(&p, &unknown, &p, &us));
    }

    #[test]
    fn a_summary_names_the_verdict_codes_and_extras() {
        let mut v = AnswerView::bare(Verdict::Allow, &[ReasonCode::EndpointInRegion]);
        assert_eq!(v.summary(), "allow (endpoint-in-region)");
        v.resolved.endpoint = Some("eu".into());
        v.resolved.host = Some("api.eu.amplitude.com".into());
        assert_eq!(
            v.summary(),
            "allow (endpoint-in-region): endpoint `eu`, host `api.eu.amplitude.com`"
        );
        let mut r = AnswerView::bare(
            Verdict::Allow,
            &[ReasonCode::HostInRegion, ReasonCode::AllowlistRequired],
        );
        r.resolved.mechanism = Some("regional-settings".into());
        r.resolved.cidrs = Some(Vec::new());
        assert_eq!(
            r.summary(),
            "allow (host-in-region, allowlist-required): by regional-settings, no CIDRs"
        );
        r.resolved.mechanism = None;
        r.resolved.cidrs = Some(vec!["3.251.148.96/29".into(), "10.0.0.0/8".into()]);
        assert!(
            r.summary().ends_with(": CIDRs 3.251.148.96/29, 10.0.0.0/8"),
            "{}",
            r.summary()
        );
        let d = AnswerView::bare(Verdict::Deny, &[]);
        assert_eq!(d.summary(), "deny ()");
    }
}
