//! Exempted flows, judged from the document: whether an allowed decision's exemption is
//! active at the policy's date and names exactly the flow the question asks about.

use crate::decision::{Answer, Decision};
use crate::document::{ExemptedFlow, ExemptionDoc};
use crate::policy::Policy;
use crate::question::Question;

/// The exemption that makes `decision` an allowed exception for `question`: the decision is
/// allowed, names an exemption, and that exemption — read from the document, not from the
/// compiled tables — is active at the policy's as-of date, belongs to the question's region
/// and names the question's flow. `None` for anything else, so a forged or mistaken
/// `exempted` is no exception.
///
/// # Examples
///
/// ```
/// use regionfence::{invariants, CompileOptions, Policy, Question};
/// let text = format!(
///     "{}exemptions:\n  - {{id: amp-us, region: eu-west, destination: amplitude, endpoint: us,\n     \
///      justification: a signed transfer agreement, owner: dpo@example.com, expires: 2026-06-30}}\n",
///     regionfence::DEFAULT_POLICY_YAML
/// );
/// let options = CompileOptions::new().as_of("2026-01-01".parse().unwrap());
/// let policy = Policy::from_yaml_with(&text, &options).unwrap();
/// let q = Question::Deliver { workspace: "eu-west".into(), destination: "amplitude".into(), endpoint: Some("us".into()) };
/// let d = policy.decide(&q);
/// assert_eq!(invariants::covering_exemption(&policy, &q, &d).unwrap().id, "amp-us");
/// // The same answer given to another destination's question is no exception.
/// let other = Question::Deliver { workspace: "eu-west".into(), destination: "mixpanel".into(), endpoint: None };
/// assert!(invariants::covering_exemption(&policy, &other, &d).is_none());
/// ```
pub fn covering_exemption<'p>(
    policy: &'p Policy,
    question: &Question,
    decision: &Decision,
) -> Option<&'p ExemptionDoc> {
    if !decision.is_allowed() {
        return None;
    }
    let e = policy.document.exemptions.get(decision.exemption()?.index())?;
    if policy.as_of? > e.expires {
        return None;
    }
    let covers = match (question, e.flow()?) {
        (
            Question::Deliver {
                workspace,
                destination,
                endpoint: asked,
            },
            ExemptedFlow::Deliver {
                destination: exempted,
                endpoint,
            },
        ) => {
            // The endpoint the answer sends the data through, which must be the one the
            // question names, if it names one (by id, or by one of its hosts).
            let through = match decision.answer() {
                Answer::Endpoint {
                    destination: d,
                    endpoint: through,
                } if policy.destination_name(d) == destination => policy.endpoint(d, through),
                _ => None,
            }
            .filter(|e| {
                asked.as_deref().is_none_or(|raw| {
                    *e.name == *raw
                        || crate::host::normalize_host(raw)
                            .is_ok_and(|h| e.hosts.iter().any(|x| **x == *h.as_str()))
                })
            })
            .map(|e| &*e.name);
            *workspace == e.region
                && destination == exempted
                && through.is_some_and(|name| endpoint.is_none_or(|allowed| allowed == name))
        }
        (
            Question::Store {
                workspace,
                store,
                cloud_region,
            },
            ExemptedFlow::Store {
                store: exempted,
                cloud_region: place,
            },
        ) => *workspace == e.region && store == exempted && cloud_region == place,
        (
            Question::Connect {
                workspace,
                warehouse,
                ip,
            },
            ExemptedFlow::Connect {
                warehouse: exempted,
                cidr,
            },
        ) => {
            let inside = match (crate::ip::parse_ip(ip), crate::ip::parse_cidr(cidr)) {
                (Some(address), Some(net)) => crate::ip::span_contains(crate::ip::span(&net), address),
                _ => false,
            };
            *workspace == e.region && warehouse == exempted && inside
        }
        _ => false,
    };
    covers.then_some(e)
}
