//! Which cells one decided question exercises: its reason codes in its kind × region, and
//! the policy entries its reasons and answer name.

use super::cells::{ask_index, question_region, EntryKey, ReasonKey};
use crate::decision::{Answer, Decision, Reason};
use crate::policy::{Policy, RegionId};
use crate::question::Question;

/// Calls `reason` for every reason cell and `entry` for every entry cell that `decision`
/// (the policy's answer to `question`) exercises. An entry is exercised when the decision
/// names it: a host admitted or refused as another region's, a host handed out, an endpoint
/// gone through or refused, a place a store was allowed in, a CIDR an address was admitted by
/// or that an allowlist hands out, a location a failover starts from or goes to.
pub(crate) fn touched(
    policy: &Policy,
    question: &Question,
    decision: &Decision,
    mut reason: impl FnMut(ReasonKey),
    mut entry: impl FnMut(EntryKey),
) {
    let ask = ask_index(question);
    let region = question_region(policy, question);
    for r in decision.reasons() {
        reason(ReasonKey {
            ask,
            region,
            code: r.code(),
        });
        match *r {
            Reason::HostInRegion { ingestion, host }
            | Reason::IngestionOutsideRegion {
                ingestion,
                host: Some(host),
                ..
            } => entry(EntryKey::Host(ingestion, host)),
            Reason::EndpointInRegion {
                destination,
                endpoint,
                ..
            }
            | Reason::EndpointOutsideRegion {
                destination,
                endpoint: Some(endpoint),
                ..
            } => entry(EntryKey::Endpoint(destination, endpoint)),
            Reason::StoreInRegion { store, cloud, region } => {
                let kind = policy.stores.get(store).map(|s| s.kind);
                let list = kind.and_then(|kind| policy.places_for(region, kind));
                for (pi, place) in list.map_or(&[][..], |l| &l.items).iter().enumerate() {
                    if place.holds(policy, cloud) {
                        entry(EntryKey::Placement(region, store, pi as u32));
                    }
                }
            }
            Reason::IpAllowlisted { region } => {
                if let Question::Connect { ip, .. } = question {
                    if let Some(ip) = crate::ip::parse_ip(ip) {
                        for (ni, net) in policy.egress(region).iter().enumerate() {
                            if lies_in(net, ip) {
                                entry(EntryKey::Cidr(region, ni as u32));
                            }
                        }
                    }
                }
            }
            Reason::FailoverSameLocation(l) => entry(EntryKey::Location(l)),
            Reason::FailoverAcrossRegions { from, to }
            | Reason::FailoverAcrossIngestionRegions { from, to }
            | Reason::FailoverWithinIngestionRegion { from, to }
            | Reason::FailoverListedTarget { from, to } => {
                entry(EntryKey::Location(from));
                entry(EntryKey::Location(to));
            }
            _ => {}
        }
    }
    match decision.answer() {
        Answer::Host { ingestion, host, .. } => entry(EntryKey::Host(ingestion, host)),
        Answer::Endpoint {
            destination,
            endpoint,
        } => entry(EntryKey::Endpoint(destination, endpoint)),
        Answer::Cidrs { region: Some(r) } => cidrs(policy, r, &mut entry),
        Answer::Cidrs { region: None } | Answer::None => {}
    }
}

fn cidrs(policy: &Policy, region: RegionId, entry: &mut impl FnMut(EntryKey)) {
    for ni in 0..policy.egress(region).len() {
        entry(EntryKey::Cidr(region, ni as u32));
    }
}

/// Whether `ip` (IPv4-mapped addresses already read as IPv4) lies in `net`, compared as the
/// engine compares: an IPv4-mapped CIDR is the IPv4 CIDR it carries.
fn lies_in(net: &ipnet::IpNet, ip: std::net::IpAddr) -> bool {
    use crate::ip::Span;
    match (crate::ip::span(net), ip) {
        (Span::V4(first, last), std::net::IpAddr::V4(v4)) => (first..=last).contains(&u32::from(v4)),
        (Span::V6(first, last), std::net::IpAddr::V6(v6)) => (first..=last).contains(&u128::from(v6)),
        _ => false,
    }
}
