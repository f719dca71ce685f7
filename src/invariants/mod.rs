//! The invariants a residency policy must keep, as plain functions over a compiled policy
//! and one question with its decision. The audit runs them over a policy's whole question
//! space; the property tests and fuzz targets run them over generated ones.
//!
//! Each check reads the policy's facts (where hosts, endpoints, cloud regions and ranges lie)
//! independently of the rule that made the decision, so a wrong rule or a wrong policy
//! entry shows up as a violation.

use crate::decision::{Answer, Decision, Verdict};
use crate::document::Residency;
use crate::policy::{CloudId, GroupId, IngestionId, Policy, RegionId};
use crate::question::Question;
use serde::Serialize;

mod exempted;
mod facts;
pub use exempted::covering_exemption;
pub use facts::Facts;

/// One of the six invariants.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    strum::Display,
    strum::EnumIter,
    strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Invariant {
    /// For a workspace in a strict region, every allowed `ingest`, `resolve`, `deliver`,
    /// `store` and `connect` keeps the data inside the region's jurisdiction, except a flow
    /// an active exemption of that region names (see [`covering_exemption`]); a managed
    /// source kind named bare is allowed only when every catalog source of it lists the region.
    Residency,
    /// An allowed `ingest` (or `resolve`) feeds the workspace's own processing region, and a
    /// host of one region never admits another region's workspace.
    ProcessingPin,
    /// An allowed `failover` never changes processing region or ingestion region.
    FailoverContainment,
    /// A question naming anything unknown or malformed is denied with a reason that says so.
    FailClosed,
    /// `region-change` to another region is always denied.
    Immutability,
    /// Every question gets an answer with at least one reason, the same every time, without a panic.
    Totality,
}

/// A broken invariant, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Which invariant.
    pub invariant: Invariant,
    /// What broke it, naming the policy entries involved.
    pub why: String,
}

fn violation(invariant: Invariant, why: String) -> Violation {
    Violation { invariant, why }
}

/// Checks every invariant that applies to `question` and its `decision`.
///
/// # Examples
///
/// ```
/// use regionfence::{invariants, Policy, Question};
/// let policy = Policy::default_policy();
/// let q = Question::Ingest { workspace: "eu-west".into(), source: "ios".into(), host: "events.eu1.segmentapis.com".into() };
/// let d = policy.decide(&q);
/// assert!(invariants::check(&policy, &q, &d).is_empty());
/// ```
pub fn check(policy: &Policy, question: &Question, decision: &Decision) -> Vec<Violation> {
    check_with(policy, &Facts::new(policy), question, decision)
}

/// [`check`] with the policy's facts indexed once: a bounded cost per question, for
/// checking many questions of one policy.
pub fn check_with(
    policy: &Policy,
    facts: &Facts,
    question: &Question,
    decision: &Decision,
) -> Vec<Violation> {
    let mut found = Vec::new();
    found.extend(residency_with(policy, facts, question, decision));
    found.extend(processing_pin_with(policy, facts, question, decision));
    found.extend(failover_containment(policy, question, decision));
    found.extend(fail_closed_with(facts, question, decision));
    found.extend(immutability(policy, question, decision));
    found
}

/// Decides `question` twice, catching any panic, and checks the answers agree and carry a
/// reason; then runs [`check`] on the answer.
pub fn decide_and_check(policy: &Policy, question: &Question) -> (Option<Decision>, Vec<Violation>) {
    decide_and_check_with(policy, &Facts::new(policy), question)
}

/// [`decide_and_check`] with the policy's facts indexed once.
pub fn decide_and_check_with(
    policy: &Policy,
    facts: &Facts,
    question: &Question,
) -> (Option<Decision>, Vec<Violation>) {
    let first = std::panic::catch_unwind(|| policy.decide(question));
    let second = std::panic::catch_unwind(|| policy.decide(question));
    match (first, second) {
        (Ok(a), Ok(b)) => {
            let mut found = Vec::new();
            if a != b {
                found.push(violation(
                    Invariant::Totality,
                    "two decisions of one question differ".into(),
                ));
            }
            if a.reasons().next().is_none() {
                found.push(violation(
                    Invariant::Totality,
                    "the decision carries no reason".into(),
                ));
            }
            found.extend(check_with(policy, facts, question, &a));
            (Some(a), found)
        }
        _ => (
            None,
            vec![violation(Invariant::Totality, "deciding panicked".into())],
        ),
    }
}

/// Whether a cloud region lies in a group (its country is one of the group's).
fn cloud_in(policy: &Policy, cloud: CloudId, group: GroupId) -> bool {
    policy.cloud_in_group(cloud, group)
}

/// Whether every country of group `inner` is a country of group `outer`.
fn group_within(policy: &Policy, inner: GroupId, outer: GroupId) -> bool {
    let countries = |g: GroupId| policy.document.groups.get(g.index()).map(|g| &g.countries);
    match (countries(inner), countries(outer)) {
        (Some(i), Some(o)) => inner == outer || (!i.is_empty() && i.iter().all(|c| o.contains(c))),
        _ => false,
    }
}

/// The strict region a workspace field names, if it names one.
fn strict_region(policy: &Policy, workspace: &str) -> Option<RegionId> {
    let id = policy.region_id(workspace)?;
    (policy.region(id)?.residency == Residency::Strict).then_some(id)
}

/// Invariant 1: residency of strict regions.
pub fn residency(policy: &Policy, question: &Question, decision: &Decision) -> Option<Violation> {
    residency_with(policy, &Facts::new(policy), question, decision)
}

/// [`residency`] with the policy's facts indexed once.
pub fn residency_with(
    policy: &Policy,
    facts: &Facts,
    question: &Question,
    decision: &Decision,
) -> Option<Violation> {
    if decision.verdict() != Verdict::Allow {
        return None;
    }
    let workspace = match question {
        Question::Ingest { workspace, .. }
        | Question::Resolve { workspace, .. }
        | Question::Deliver { workspace, .. }
        | Question::Store { workspace, .. }
        | Question::Connect { workspace, .. } => workspace,
        _ => return None,
    };
    let region_id = strict_region(policy, workspace)?;
    let region = policy.region(region_id)?;
    let home = region.jurisdiction;
    let home_name = policy.group_name(home);
    let outside = |what: String| {
        Some(violation(
            Invariant::Residency,
            format!(
                "strict region `{}` (jurisdiction `{home_name}`) allows {what}",
                region.name
            ),
        ))
    };
    // Whatever the question, an allowed flow of a strict region is processed at home.
    if !cloud_in(policy, region.processing, home) {
        return outside(format!(
            "processing (and loader egress) in `{}`",
            policy.cloud_name(region.processing)
        ));
    }
    // A managed kind named bare may be any of its catalog sources: each must list the region.
    if let Question::Ingest { source, .. } | Question::Resolve { source, .. } = question {
        if let Some(missing) = facts.catalog_source_missing(&region.name, source) {
            return outside(format!(
                "the managed source kind `{source}` named bare, which may be any of its catalog sources, and `{missing}` does not list the region"
            ));
        }
    }
    let ingestion_outside = |ingestion: IngestionId| {
        let i = policy.ingestion(ingestion)?;
        (!cloud_in(policy, i.cloud, home)).then(|| {
            format!(
                "ingestion region `{}` in `{}`",
                policy.ingestion_path(ingestion),
                policy.cloud_name(i.cloud)
            )
        })
    };
    match question {
        Question::Ingest { host, .. } => {
            let host = policy.host_id(host).ok()?;
            // Owners in the same cloud region lie alike: one of each is checked.
            let bad = facts
                .owners_by_cloud(host)
                .iter()
                .find_map(|&o| ingestion_outside(o))?;
            outside(format!("host `{}` served by {bad}", policy.host_name(host)))
        }
        Question::Resolve { .. } => match decision.answer() {
            Answer::Host { ingestion, .. } => outside(ingestion_outside(ingestion)?),
            _ => None,
        },
        Question::Deliver { .. } => match decision.answer() {
            Answer::Endpoint {
                destination,
                endpoint,
            } => {
                let e = policy.endpoint(destination, endpoint)?;
                if group_within(policy, e.jurisdiction, home)
                    || covering_exemption(policy, question, decision).is_some()
                {
                    None
                } else {
                    outside(format!(
                        "delivery to `{}` through endpoint `{}` in `{}`",
                        policy.destination_name(destination),
                        e.name,
                        policy.group_name(e.jurisdiction)
                    ))
                }
            }
            _ => outside("delivery without naming the endpoint used".into()),
        },
        Question::Store { cloud_region, .. } => {
            let cloud = policy.clouds.by_name(cloud_region)?;
            if cloud_in(policy, cloud, home) || covering_exemption(policy, question, decision).is_some() {
                None
            } else {
                let country = policy.clouds.get(cloud).map_or("", |c| &*c.country);
                outside(format!("data at rest in `{cloud_region}` ({country})"))
            }
        }
        Question::Connect { ip, .. } => {
            let address = crate::ip::parse_ip(ip)?;
            let other = facts.other_loader(address, region_id)?;
            if covering_exemption(policy, question, decision).is_some() {
                return None;
            }
            outside(format!(
                "connections from `{ip}`, which is also a loader address of region `{}`",
                policy.region_name(other)
            ))
        }
        _ => None,
    }
}

/// Invariant 2: an allowed ingest feeds the workspace's own region only.
pub fn processing_pin(policy: &Policy, question: &Question, decision: &Decision) -> Option<Violation> {
    processing_pin_with(policy, &Facts::new(policy), question, decision)
}

/// [`processing_pin`] with the policy's facts indexed once.
pub fn processing_pin_with(
    policy: &Policy,
    facts: &Facts,
    question: &Question,
    decision: &Decision,
) -> Option<Violation> {
    if decision.verdict() != Verdict::Allow {
        return None;
    }
    let pin = |workspace: &str, ingestion: IngestionId, what: String| {
        let i = policy.ingestion(ingestion)?;
        let mine = policy.region_id(workspace)?;
        (i.region != mine).then(|| {
            violation(
                Invariant::ProcessingPin,
                format!(
                    "{what} feeds region `{}`, not workspace region `{workspace}`",
                    policy.region_name(i.region)
                ),
            )
        })
    };
    match question {
        Question::Ingest { workspace, host, .. } => {
            let host = policy.host_id(host).ok()?;
            // Owners in the same region feed it alike: one of each is checked.
            facts.owners_by_region(host).iter().find_map(|&o| {
                pin(
                    workspace,
                    o,
                    format!(
                        "host `{}` (also listed by `{}`)",
                        policy.host_name(host),
                        policy.ingestion_path(o)
                    ),
                )
            })
        }
        Question::Resolve { workspace, .. } => match decision.answer() {
            Answer::Host { ingestion, .. } => pin(
                workspace,
                ingestion,
                format!("ingestion region `{}`", policy.ingestion_path(ingestion)),
            ),
            _ => None,
        },
        _ => None,
    }
}

/// Invariant 3: failover stays within its ingestion region.
pub fn failover_containment(policy: &Policy, question: &Question, decision: &Decision) -> Option<Violation> {
    let Question::Failover { from, to } = question else {
        return None;
    };
    if decision.verdict() != Verdict::Allow {
        return None;
    }
    let owner = |name: &str| {
        let l = policy.locations.get(policy.location_id(name)?)?;
        Some((l.ingestion, policy.ingestion(l.ingestion)?.region))
    };
    let (Some((from_ing, from_region)), Some((to_ing, to_region))) = (owner(from), owner(to)) else {
        return Some(violation(
            Invariant::FailoverContainment,
            format!("`{from}` → `{to}` allowed between unknown locations"),
        ));
    };
    if from_region != to_region {
        return Some(violation(
            Invariant::FailoverContainment,
            format!(
                "`{from}` → `{to}` moves from region `{}` to region `{}`",
                policy.region_name(from_region),
                policy.region_name(to_region)
            ),
        ));
    }
    (from_ing != to_ing).then(|| {
        violation(
            Invariant::FailoverContainment,
            format!(
                "`{from}` → `{to}` moves from ingestion region `{}` to `{}`",
                policy.ingestion_path(from_ing),
                policy.ingestion_path(to_ing)
            ),
        )
    })
}

/// Whether `question` names something the policy does not define, or something malformed,
/// judged from the document (independently of the compiled tables).
pub fn names_unknown(policy: &Policy, question: &Question) -> bool {
    names_unknown_with(&Facts::new(policy), question)
}

/// [`names_unknown`] with the policy's facts indexed once: a few hash probes.
pub fn names_unknown_with(facts: &Facts, question: &Question) -> bool {
    let known = match question {
        Question::Ingest {
            workspace,
            source,
            host,
        } => facts.region(workspace) && facts.source(source) && facts.ingestion_host(host),
        Question::Resolve {
            workspace,
            source,
            ingestion,
        } => {
            facts.region(workspace)
                && facts.source(source)
                && ingestion.as_deref().is_none_or(|n| facts.ingestion(n))
        }
        Question::Deliver {
            workspace,
            destination,
            endpoint,
        } => facts.region(workspace) && facts.endpoint(destination, endpoint.as_deref()) == Some(true),
        Question::Store {
            workspace,
            store,
            cloud_region,
        } => facts.region(workspace) && facts.store(store) && facts.cloud(cloud_region),
        Question::Connect {
            workspace,
            warehouse,
            ip,
        } => facts.region(workspace) && facts.warehouse(warehouse) && crate::ip::parse_ip(ip).is_some(),
        Question::Allowlist { workspace, warehouse } => facts.region(workspace) && facts.warehouse(warehouse),
        Question::Failover { from, to } => facts.location(from) && facts.location(to),
        Question::RegionChange { workspace, to } => facts.region(workspace) && facts.region(to),
    };
    !known
}

/// Invariant 4: unknown or malformed names are denied, with a reason that says so.
pub fn fail_closed(policy: &Policy, question: &Question, decision: &Decision) -> Option<Violation> {
    fail_closed_with(&Facts::new(policy), question, decision)
}

/// [`fail_closed`] with the policy's facts indexed once.
pub fn fail_closed_with(facts: &Facts, question: &Question, decision: &Decision) -> Option<Violation> {
    if !names_unknown_with(facts, question) {
        return None;
    }
    if decision.verdict() == Verdict::Allow {
        return Some(violation(
            Invariant::FailClosed,
            "a question naming something unknown or malformed was allowed".into(),
        ));
    }
    (!decision.codes().any(|c| c.is_unknown_or_malformed())).then(|| {
        violation(
            Invariant::FailClosed,
            format!(
                "a question naming something unknown was denied without saying so ({})",
                decision
                    .codes()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// Invariant 5: a workspace never changes region.
pub fn immutability(policy: &Policy, question: &Question, decision: &Decision) -> Option<Violation> {
    let Question::RegionChange { workspace, to } = question else {
        return None;
    };
    (decision.verdict() == Verdict::Allow && (workspace != to || policy.region_id(to).is_none())).then(|| {
        violation(
            Invariant::Immutability,
            format!("the workspace may move from `{workspace}` to `{to}`"),
        )
    })
}
