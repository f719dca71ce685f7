//! What the audit says about exemptions: the exempted flows of strict regions, listed, and
//! lints for exemptions that change nothing (expired, never evaluated, or covering a flow
//! that is allowed anyway or still denied).

use super::lints::{warn, Lint};
use crate::document::{ExemptedFlow, ExemptionDoc, Residency};
use crate::ip::Boundaries;
use crate::policy::{ExemptionId, Policy};
use crate::question::Question;
use ipnet::IpNet;
use serde::Serialize;
use std::collections::HashMap;

/// The most exemption warnings of one code given one by one; past it, one more counts the rest.
const MAX_EXEMPTION_WARNINGS: usize = 20;

/// A flow of a strict region that residency allows only by an exemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExemptedFlowEntry {
    /// The exemption's id.
    pub exemption: String,
    /// The strict region.
    pub region: String,
    /// The flow, in words (`deliver to `amplitude` through endpoint `us``).
    pub flow: String,
    /// Who answers for it.
    pub owner: String,
    /// The last day it applies.
    pub expires: String,
    /// Why it is allowed.
    pub justification: String,
}

/// The most endpoints of one destination an exemption without `endpoint` is tried through.
const MAX_ENDPOINTS_TRIED: usize = 16;

/// The most pieces of a connection exemption's range its flow is tried from.
const MAX_PIECES_TRIED: usize = 64;

/// A question asking for an exemption's flow: a connection from the first address of its
/// range.
pub fn flow_question(e: &ExemptionDoc) -> Option<Question> {
    Some(match e.flow()? {
        ExemptedFlow::Deliver {
            destination,
            endpoint,
        } => Question::Deliver {
            workspace: e.region.clone(),
            destination: destination.to_string(),
            endpoint: endpoint.map(str::to_string),
        },
        ExemptedFlow::Store { store, cloud_region } => Question::Store {
            workspace: e.region.clone(),
            store: store.to_string(),
            cloud_region: cloud_region.to_string(),
        },
        ExemptedFlow::Connect { warehouse, cidr } => Question::Connect {
            workspace: e.region.clone(),
            warehouse: warehouse.to_string(),
            ip: crate::ip::parse_cidr(cidr)?.network().to_string(),
        },
    })
}

/// Where connection exemptions' ranges are cut, per region and warehouse: at that region's
/// own loader ranges and at the ranges of every exemption of the same region and warehouse
/// (what a connection's decision depends on besides the address). Built once per pass over
/// the exemptions, so trying every exemption costs O(n log n), not O(n²).
struct Cuts {
    by_flow: HashMap<(String, String), Boundaries>,
}

impl Cuts {
    fn new(policy: &Policy) -> Cuts {
        let mut nets: HashMap<(String, String), Vec<IpNet>> = HashMap::new();
        for e in &policy.document.exemptions {
            if let (Some(ExemptedFlow::Connect { warehouse, cidr }), Some(region)) =
                (e.flow(), policy.region_id(&e.region))
            {
                let entry = nets
                    .entry((e.region.clone(), warehouse.to_string()))
                    .or_insert_with(|| policy.egress(region).to_vec());
                entry.extend(crate::ip::parse_cidr(cidr));
            }
        }
        let by_flow = nets
            .into_iter()
            .map(|(flow, nets)| (flow, Boundaries::new(&nets)))
            .collect();
        Cuts { by_flow }
    }
}

/// The questions an exemption's flow is tried with: its [`flow_question`]; for a connection,
/// one from the first address of every piece its range is cut into by [`Cuts`] (at most
/// [`MAX_PIECES_TRIED`], so a range whose two ends are the region's own loaders is still tried
/// in its middle) and one from its last address; for a delivery through any endpoint, one
/// through each endpoint of the destination (at most [`MAX_ENDPOINTS_TRIED`]).
fn flow_questions(policy: &Policy, cuts: &Cuts, e: &ExemptionDoc) -> Vec<Question> {
    let mut out: Vec<Question> = flow_question(e).into_iter().collect();
    if let (Some(ExemptedFlow::Connect { warehouse, .. }), Some(net)) =
        (e.flow(), e.cidr.as_deref().and_then(crate::ip::parse_cidr))
    {
        let mut starts = cuts
            .by_flow
            .get(&(e.region.clone(), warehouse.to_string()))
            .map(|b| b.piece_starts(&net, MAX_PIECES_TRIED))
            .unwrap_or_default();
        // The first piece starts at the range's first address: that is `flow_question`. The
        // range's last address is asked too, unless it is the last piece's start.
        let last = net.broadcast();
        if starts.last().map(|&a| crate::ip::canonical(a)) != Some(crate::ip::canonical(last)) {
            starts.push(last);
        }
        out.extend(starts.into_iter().skip(1).map(|ip| Question::Connect {
            workspace: e.region.clone(),
            warehouse: warehouse.to_string(),
            ip: ip.to_string(),
        }));
    }
    if let Some(ExemptedFlow::Deliver {
        destination,
        endpoint: None,
    }) = e.flow()
    {
        // INVARIANT: a destination's id maps to its position in the document.
        let endpoints = policy
            .destinations
            .by_name(destination)
            .and_then(|i| policy.document.destinations.get(i.index()))
            .map_or(&[][..], |d| &d.endpoints[..]);
        out.extend(
            endpoints
                .iter()
                .take(MAX_ENDPOINTS_TRIED)
                .map(|x| Question::Deliver {
                    workspace: e.region.clone(),
                    destination: destination.to_string(),
                    endpoint: Some(x.id.clone()),
                }),
        );
    }
    out
}

/// Asks `ask` every exemption's flow ([`flow_questions`]), one exemption at a time, for the
/// audit to check besides its question space.
pub(super) fn each_exemption_question(policy: &Policy, mut ask: impl FnMut(&Question)) {
    let cuts = Cuts::new(policy);
    for e in &policy.document.exemptions {
        for q in flow_questions(policy, &cuts, e) {
            ask(&q);
        }
    }
}

/// Whether exemption `i` allows some question of its flow ([`flow_questions`]): `Ok`, or why
/// not.
fn in_use(policy: &Policy, cuts: &Cuts, i: ExemptionId, e: &ExemptionDoc) -> Result<(), String> {
    let mine = Some(i);
    let (mut other, mut denied) = (None, None);
    for q in flow_questions(policy, cuts, e) {
        let d = policy.decide(&q);
        match d.exemption() {
            id if id == mine => return Ok(()),
            Some(id) => other = other.or(Some(id)),
            None if !d.is_allowed() => {
                denied = denied.or_else(|| Some(d.codes().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")))
            }
            None => {}
        }
    }
    Err(match (other, denied) {
        (Some(id), _) => format!("exemption `{}` covers the flow first", policy.exemption_name(id)),
        (None, Some(codes)) => format!("the flow is still denied ({codes})"),
        (None, None) => "the rules allow the flow already".to_string(),
    })
}

/// The active exemptions of strict regions that allow their flow, in document order.
pub fn exempted_flows(policy: &Policy) -> Vec<ExemptedFlowEntry> {
    let strict = |region: &str| {
        policy
            .region_id(region)
            .and_then(|r| policy.region(r))
            .is_some_and(|r| r.residency == Residency::Strict)
    };
    let cuts = Cuts::new(policy);
    policy
        .exemptions
        .ids()
        .zip(&policy.document.exemptions)
        .filter(|&(i, e)| {
            policy.exemption_active(i) && strict(&e.region) && in_use(policy, &cuts, i, e).is_ok()
        })
        .map(|(_, e)| ExemptedFlowEntry {
            exemption: e.id.clone(),
            region: e.region.clone(),
            flow: e.flow().map(|f| f.to_string()).unwrap_or_default(),
            owner: crate::text::excerpt(&e.owner),
            expires: e.expires.to_string(),
            justification: crate::text::bounded(&e.justification, 256),
        })
        .collect()
}

/// Lints: `exemptions-not-evaluated` (no as-of date), `exemption-expired`, and
/// `exemption-exempts-nothing` (active, but its flow is allowed by the rules, still denied
/// for another reason, or covered by an earlier exemption).
pub(super) fn exemption_lints(policy: &Policy) -> Vec<Lint> {
    let exemptions = &policy.document.exemptions;
    if exemptions.is_empty() {
        return Vec::new();
    }
    let Some(as_of) = policy.as_of() else {
        return vec![warn(
            "exemptions-not-evaluated",
            format!(
                "the policy was compiled without an as-of date, so none of its {} exemption(s) applies",
                exemptions.len()
            ),
        )];
    };
    let cuts = Cuts::new(policy);
    let mut expired = Vec::new();
    let mut idle = Vec::new();
    for (i, e) in policy.exemptions.ids().zip(exemptions) {
        let named = || format!("exemption `{}` of region `{}` ({})", e.id, e.region, flow_text(e));
        if !policy.exemption_active(i) {
            expired.push(format!(
                "{} expired on {} (evaluated at {as_of}) and changes nothing: renew or remove it",
                named(),
                e.expires
            ));
            continue;
        }
        let Err(why) = in_use(policy, &cuts, i, e) else {
            continue;
        };
        idle.push(format!("{} exempts nothing: {why}", named()));
    }
    let mut out = Vec::new();
    for (code, messages) in [
        ("exemption-expired", expired),
        ("exemption-exempts-nothing", idle),
    ] {
        let more = messages.len().saturating_sub(MAX_EXEMPTION_WARNINGS);
        out.extend(
            messages
                .into_iter()
                .take(MAX_EXEMPTION_WARNINGS)
                .map(|m| warn(code, m)),
        );
        if more > 0 {
            out.push(warn(code, format!("and {more} more")));
        }
    }
    out
}

fn flow_text(e: &ExemptionDoc) -> String {
    e.flow().map(|f| f.to_string()).unwrap_or_default()
}
