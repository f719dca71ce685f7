//! The JSON view of a decision: what it resolved (host, mechanism, ingestion region,
//! endpoint, CIDRs) in the policy's own names — the one part an explanation and a policy
//! diff's [`AnswerView`](crate::diff::AnswerView) share — and the explanation's JSON text.

use super::Explanation;
use crate::decision::{Answer, Decision, Verdict};
use crate::policy::Policy;
use serde::Serialize;

/// What a decision resolved, in the names its policy gives them: the extras of an answer,
/// each present only for the questions it answers (see the table under **The questions** in
/// [The rules](crate::guide::rules)).
///
/// [`Explanation`] and [`AnswerView`](crate::diff::AnswerView) both hold one, flattened: in
/// their JSON these are keys of the object itself, after `reasons`, each left out when absent.
/// A new extra of an answer is a field here and a case of [`Resolved::new`], nothing else
/// (the type is `#[non_exhaustive]`, so adding one breaks no caller: outside the crate, build
/// one from [`Resolved::default`] and set its fields).
///
/// # Examples
///
/// ```
/// use regionfence::{Policy, Resolved};
/// let policy = Policy::default_policy();
/// let d = policy.resolve("eu-west", "ios", None);
/// let r = Resolved::new(&policy, &d);
/// assert_eq!(r.host.as_deref(), Some("events.eu1.segmentapis.com"));
/// assert_eq!(r.mechanism.as_deref(), Some("regional-settings"));
/// assert_eq!(r.ingestion.as_deref(), Some("dublin"));
/// assert_eq!((r.endpoint, r.endpoint_hosts, r.cidrs), (None, None, None));
/// // The same part of the decision's explanation, without its prose.
/// let q = regionfence::Question::Resolve { workspace: "eu-west".into(), source: "ios".into(), ingestion: None };
/// assert_eq!(policy.explain(&q).resolved, Resolved::new(&policy, &d));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Resolved {
    /// `resolve`: the host to configure; `deliver`: the endpoint's first host, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `resolve`: how the source is pointed at the host (`regional-settings`,
    /// `host-parameter` or `managed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<String>,
    /// `resolve`: the ingestion region chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingestion: Option<String>,
    /// `deliver`: the endpoint the data goes through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// `deliver`: that endpoint's hosts (empty where the policy names none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_hosts: Option<Vec<String>>,
    /// `allowlist`: the CIDRs to open (empty when none is needed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidrs: Option<Vec<String>>,
}

impl Resolved {
    /// What `decision` resolved, in the names `policy` gives it (`decision` is one of
    /// `policy`'s: its ids mean nothing elsewhere). Every answer's extras, for an explanation
    /// and a diff alike, are named here.
    pub fn new(policy: &Policy, decision: &Decision) -> Resolved {
        let mut out = Resolved::default();
        match decision.answer() {
            Answer::None => {}
            Answer::Host {
                ingestion,
                host,
                mechanism,
            } => {
                out.host = Some(policy.host_name(host).to_string());
                out.mechanism = Some(mechanism.to_string());
                out.ingestion = Some(policy.ingestion_name(ingestion).to_string());
            }
            Answer::Endpoint {
                destination,
                endpoint,
            } => {
                if let Some(e) = policy.endpoint(destination, endpoint) {
                    out.endpoint = Some(e.name.to_string());
                    // The endpoint's first host, where the policy knows one, is the host the
                    // data goes to.
                    out.host = e.hosts.first().map(|h| h.to_string());
                    out.endpoint_hosts = Some(e.hosts.iter().map(|h| h.to_string()).collect());
                }
            }
            Answer::Cidrs { region } => {
                out.cidrs = Some(match region {
                    Some(r) => policy.egress(r).iter().map(|n| n.to_string()).collect(),
                    None => Vec::new(),
                });
            }
        }
        out
    }

    /// Whether nothing was resolved (the decision has no extras: an `ingest`, `store`,
    /// `connect`, `failover` or `region-change` question, or a denial).
    ///
    /// ```
    /// use regionfence::{Policy, Resolved};
    /// let policy = Policy::default_policy();
    /// assert!(Resolved::new(&policy, &policy.ingest("eu-west", "ios", "api.segment.io")).is_empty());
    /// assert!(!Resolved::new(&policy, &policy.allowlist("eu-west", "bigquery")).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        *self == Resolved::default()
    }
}

impl Explanation {
    /// A verdict with nothing else (no reasons, no answer).
    pub(crate) fn bare(decision: Verdict) -> Explanation {
        Explanation {
            decision,
            reasons: Vec::new(),
            resolved: Resolved::default(),
            exemption: None,
        }
    }

    /// The explanation as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The explanation as pretty JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
