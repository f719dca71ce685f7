//! The JSON view of an explanation: the verdict alone, what the decision resolved (host,
//! mechanism, endpoint, CIDRs) in the policy's own names, and the JSON text.

use super::Explanation;
use crate::decision::{Answer, Verdict};
use crate::policy::Policy;

/// Fills in what `answer` resolved, in the names `policy` gives it.
pub(super) fn answer(policy: &Policy, answer: Answer, out: &mut Explanation) {
    match answer {
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
}

impl Explanation {
    /// A verdict with nothing else (no reasons, no answer).
    pub(crate) fn bare(decision: Verdict) -> Explanation {
        Explanation {
            decision,
            reasons: Vec::new(),
            host: None,
            mechanism: None,
            ingestion: None,
            endpoint: None,
            endpoint_hosts: None,
            cidrs: None,
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
