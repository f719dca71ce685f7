//! Lints: entries a policy may legally hold but a reviewer should look at.

use crate::document::Residency;
use crate::policy::Policy;
use ipnet::IpNet;
use serde::Serialize;

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

fn warn(code: &'static str, message: String) -> Lint {
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
    let unused_kinds: Vec<&str> = doc
        .source_kinds
        .iter()
        .filter(|k| {
            !doc.regions.iter().any(|r| r.source_kinds.contains(&k.id))
                && !doc.sources.iter().any(|s| s.kind == k.id)
        })
        .map(|k| k.id.as_str())
        .collect();
    if !unused_kinds.is_empty() {
        out.push(warn(
            "unreferenced-entry",
            format!("source kinds no region supports: {}", sample(&unused_kinds)),
        ));
    }
    let empty_groups: Vec<&str> = doc
        .groups
        .iter()
        .filter(|g| !doc.cloud_regions.iter().any(|c| g.countries.contains(&c.country)))
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

    // Strict regions listing destinations they can never deliver to.
    for (ri, r) in doc.regions.iter().enumerate() {
        if r.residency != Residency::Strict {
            continue;
        }
        let Some(region) = policy.region(crate::policy::RegionId(ri as u32)) else {
            continue;
        };
        let stranded: Vec<&str> = doc
            .destinations
            .iter()
            .enumerate()
            .filter(|(_, d)| d.regions.contains(&r.id))
            .filter(|(di, _)| {
                let dest = policy.destinations.get(*di);
                !dest.is_some_and(|d| d.endpoints.iter().any(|e| e.jurisdiction == region.jurisdiction))
            })
            .map(|(_, d)| d.id.as_str())
            .collect();
        if !stranded.is_empty() {
            out.push(warn(
                "no-in-region-endpoint",
                format!(
                    "strict region `{}` lists {} destination(s) with no endpoint in `{}` ({}); their deliveries are denied",
                    r.id,
                    stranded.len(),
                    r.jurisdiction,
                    sample(&stranded)
                ),
            ));
        }
    }

    // CIDRs overlapping across regions.
    let nets: Vec<(&str, IpNet)> = doc
        .regions
        .iter()
        .flat_map(|r| {
            r.warehouse_egress
                .iter()
                .filter_map(move |c| Some((r.id.as_str(), c.parse::<IpNet>().ok()?)))
        })
        .collect();
    for (i, (ra, a)) in nets.iter().enumerate() {
        for (rb, b) in nets.iter().skip(i + 1) {
            if ra != rb && (a.contains(b) || b.contains(a)) {
                out.push(warn(
                    "overlapping-cidrs",
                    format!("`{a}` of region `{ra}` overlaps `{b}` of region `{rb}`"),
                ));
            }
        }
    }

    // A host listed under two regions.
    for host in &policy.hosts {
        let mut regions: Vec<&str> = host
            .owners
            .iter()
            .filter_map(|o| policy.ingestion(*o).map(|i| policy.region_name(i.region)))
            .collect();
        regions.sort_unstable();
        regions.dedup();
        if regions.len() > 1 {
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
    out
}
