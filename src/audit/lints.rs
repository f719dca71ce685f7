//! Lints: entries a policy may legally hold but a reviewer should look at.

use crate::document::{PlacesDoc, Residency};
use crate::ip::{span, Span};
use crate::policy::Policy;
use serde::Serialize;
use std::collections::HashSet;

/// The most `shared-host` warnings given one by one; past it, one more counts the rest.
const MAX_SHARED_HOST_WARNINGS: usize = 20;

/// The most `overlapping-cidrs` warnings given one by one; past it, one more counts the rest.
const MAX_OVERLAP_WARNINGS: usize = 20;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth a look; never fails the audit.
    Warning,
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// How serious.
    pub severity: Severity,
    /// A stable kebab-case code.
    pub code: &'static str,
    /// What and where.
    pub message: String,
}

pub(super) fn warn(code: &'static str, message: String) -> Lint {
    Lint {
        severity: Severity::Warning,
        code,
        message,
    }
}

/// A few names, then a count of the rest.
fn sample(names: &[&str]) -> String {
    const SHOWN: usize = 5;
    let shown: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        format!("{} and {} more", shown.join(", "), names.len() - SHOWN)
    } else {
        shown.join(", ")
    }
}

/// Lints a policy.
pub fn lints(policy: &Policy) -> Vec<Lint> {
    let doc = policy.document();
    let mut out = Vec::new();

    // Entries nothing refers to.
    let used_kinds: HashSet<&str> = doc
        .regions
        .iter()
        .flat_map(|r| r.source_kinds.iter().map(String::as_str))
        .chain(doc.sources.iter().map(|s| s.kind.as_str()))
        .collect();
    let unused_kinds: Vec<&str> = doc
        .source_kinds
        .iter()
        .filter(|k| !used_kinds.contains(k.id.as_str()))
        .map(|k| k.id.as_str())
        .collect();
    if !unused_kinds.is_empty() {
        out.push(warn(
            "unreferenced-entry",
            format!("source kinds no region supports: {}", sample(&unused_kinds)),
        ));
    }
    let countries: HashSet<&str> = doc.cloud_regions.iter().map(|c| c.country.as_str()).collect();
    let empty_groups: Vec<&str> = doc
        .groups
        .iter()
        .filter(|g| !g.countries.iter().any(|c| countries.contains(c.as_str())))
        .map(|g| g.id.as_str())
        .collect();
    if !empty_groups.is_empty() {
        out.push(warn(
            "unreferenced-entry",
            format!("groups holding no cloud region: {}", sample(&empty_groups)),
        ));
    }
    let idle_destinations: Vec<&str> = doc
        .destinations
        .iter()
        .filter(|d| d.regions.is_empty())
        .map(|d| d.id.as_str())
        .collect();
    if !idle_destinations.is_empty() {
        out.push(warn(
            "unreferenced-entry",
            format!(
                "destinations available in no region: {}",
                sample(&idle_destinations)
            ),
        ));
    }
    let idle_sources: Vec<&str> = doc
        .sources
        .iter()
        .filter(|s| s.regions.is_empty())
        .map(|s| s.id.as_str())
        .collect();
    if !idle_sources.is_empty() {
        out.push(warn(
            "unreferenced-entry",
            format!("sources usable in no region: {}", sample(&idle_sources)),
        ));
    }

    // Kinds a region supports only by name, with no catalog source of them naming the region.
    for r in &doc.regions {
        let stranded: Vec<&str> = r
            .catalog_only_kinds
            .iter()
            .filter(|k| {
                !doc.sources
                    .iter()
                    .any(|s| &s.kind == *k && s.regions.contains(&r.id))
            })
            .map(String::as_str)
            .collect();
        if !stranded.is_empty() {
            out.push(warn(
                "catalog-only-without-sources",
                format!(
                    "region `{}` supports {} only as catalog sources, and none of them lists the region: no source of those kinds runs there",
                    r.id,
                    sample(&stranded)
                ),
            ));
        }
    }

    // Strict regions listing destinations they can never deliver to.
    for (ri, r) in policy.regions.ids().zip(&doc.regions) {
        if r.residency != Residency::Strict {
            continue;
        }
        // What the deliver rule reads: an endpoint lies inside the region's delivery places.
        let stranded: Vec<&str> = policy
            .destinations
            .ids()
            .zip(&doc.destinations)
            .filter(|(di, _)| policy.destination_listed(*di, ri))
            .filter(|(di, _)| {
                let dest = policy.destinations.get(*di);
                !dest.is_some_and(|d| {
                    d.endpoints_with_ids(policy.identity)
                        .any(|(ei, _)| policy.endpoint_inside(ri, *di, ei))
                })
            })
            .map(|(_, d)| d.id.as_str())
            .collect();
        if !stranded.is_empty() {
            let places = match r.deliver_to_or_default() {
                PlacesDoc::Any(_) => "any".to_string(),
                PlacesDoc::List(list) if list.is_empty() => "none".to_string(),
                PlacesDoc::List(list) => crate::text::list(list.iter().map(|p| format!("`{p}`"))),
            };
            out.push(warn(
                "no-in-region-endpoint",
                format!(
                    "strict region `{}` lists {} destination(s) with no endpoint inside its `deliver_to` ({places}): {}; their deliveries are denied",
                    r.id,
                    stranded.len(),
                    sample(&stranded)
                ),
            ));
        }
    }

    // CIDRs overlapping across regions.
    out.extend(overlapping_cidrs(policy));

    // A host listed under two regions.
    let mut shared = 0usize;
    for host in &policy.hosts {
        let mut regions: Vec<&str> = host
            .owners
            .iter()
            .filter_map(|o| policy.ingestion(*o).map(|i| policy.region_name(i.region)))
            .collect();
        regions.sort_unstable();
        regions.dedup();
        if regions.len() > 1 {
            shared += 1;
            if shared > MAX_SHARED_HOST_WARNINGS {
                continue;
            }
            out.push(warn(
                "shared-host",
                format!(
                    "host `{}` is listed under regions {}",
                    host.name,
                    sample(&regions)
                ),
            ));
        }
    }

    if shared > MAX_SHARED_HOST_WARNINGS {
        out.push(warn(
            "shared-host",
            format!(
                "and {} more hosts listed under more than one region",
                shared - MAX_SHARED_HOST_WARNINGS
            ),
        ));
    }

    // Cloud regions in no group.
    let homeless: Vec<&str> = policy
        .clouds
        .iter()
        .filter(|c| c.groups.is_empty())
        .map(|c| &*c.name)
        .collect();
    if !homeless.is_empty() {
        out.push(warn(
            "cloud-region-in-no-group",
            format!("cloud regions in no group: {}", sample(&homeless)),
        ));
    }
    out.extend(super::exemptions::exemption_lints(policy));
    out
}

/// Loader ranges of one region overlapping another region's. Networks either nest or are
/// disjoint, so one sweep in order of start (the wider first) with a stack of the ranges
/// still open finds every pair, in time linear in the ranges times the nesting depth (at
/// most 129).
fn overlapping_cidrs(policy: &crate::policy::Policy) -> Vec<Lint> {
    let mut nets: Vec<(u8, u128, u128, crate::policy::RegionId, &ipnet::IpNet)> = Vec::new();
    for (ri, r) in policy.regions.with_ids() {
        for net in r.egress_nets.iter() {
            let (family, first, last) = match span(net) {
                Span::V4(a, b) => (4, u128::from(a), u128::from(b)),
                Span::V6(a, b) => (6, a, b),
            };
            nets.push((family, first, last, ri, net));
        }
    }
    nets.sort_unstable_by_key(|n| (n.0, n.1, std::cmp::Reverse(n.2)));
    let mut open: Vec<(u8, u128, crate::policy::RegionId, &ipnet::IpNet)> = Vec::new();
    let mut out = Vec::new();
    let mut more = 0usize;
    for (family, first, last, region, net) in nets {
        while open
            .last()
            .is_some_and(|&(f, end, _, _)| f != family || end < first)
        {
            open.pop();
        }
        for &(_, _, outer, outer_net) in &open {
            if outer == region {
                continue;
            }
            if out.len() < MAX_OVERLAP_WARNINGS {
                out.push(warn(
                    "overlapping-cidrs",
                    format!(
                        "`{outer_net}` of region `{}` overlaps `{net}` of region `{}`",
                        policy.region_name(outer),
                        policy.region_name(region)
                    ),
                ));
            } else {
                more += 1;
            }
        }
        open.push((family, last, region, net));
    }
    if more > 0 {
        out.push(warn(
            "overlapping-cidrs",
            format!("and {more} more pairs of loader ranges overlapping across regions"),
        ));
    }
    out
}
