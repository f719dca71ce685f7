//! Where the document really places what an allowed answer touches: the facts behind the
//! residency, processing-pin and failover-containment invariants, read from the document
//! by the model (so a violation the engine's invariants report can be confirmed, and one
//! they miss can be noticed).

use crate::hosts::{self, RawHost};
use crate::ips;
use crate::rules::{all_ingestions, location, region};
use crate::{Extras, Outcome};
use regionfence::document::{Document, GroupDoc, Mechanism, RegionDoc, Residency};
use regionfence::Question;

fn group<'d>(doc: &'d Document, id: &str) -> Option<&'d GroupDoc> {
    doc.groups.iter().find(|g| g.id == id)
}

/// Whether the cloud region's country is one of the home group's countries.
fn cloud_inside(doc: &Document, cloud: &str, home: &GroupDoc) -> bool {
    doc.cloud_regions
        .iter()
        .find(|c| c.id == cloud)
        .is_some_and(|c| home.countries.contains(&c.country))
}

/// Whether group `inner` lies within `home`: the same group, or a non-empty set of countries
/// all of which are home's.
fn group_within(doc: &Document, inner: &str, home: &GroupDoc) -> bool {
    inner == home.id
        || group(doc, inner).is_some_and(|g| {
            !g.countries.is_empty() && g.countries.iter().all(|c| home.countries.contains(c))
        })
}

fn strict_home<'d>(doc: &'d Document, workspace: &str) -> Option<(&'d RegionDoc, &'d GroupDoc)> {
    let r = region(doc, workspace)?;
    if r.residency != Residency::Strict {
        return None;
    }
    Some((r, group(doc, &r.jurisdiction)?))
}

fn normal_host(raw: &str) -> Option<String> {
    match hosts::normalise(raw) {
        RawHost::Name(n) => Some(n),
        _ => None,
    }
}

/// For an allowed answer to a strict region's workspace: what the document places outside
/// the region's jurisdiction, if anything.
pub fn residency_breach(doc: &Document, q: &Question, outcome: &Outcome) -> Option<String> {
    if !outcome.allow {
        return None;
    }
    // Every flow of a strict region is processed where the region processes.
    if let Question::Ingest { workspace, .. }
    | Question::Resolve { workspace, .. }
    | Question::Deliver { workspace, .. }
    | Question::Store { workspace, .. }
    | Question::Connect { workspace, .. } = q
    {
        if let Some((r, home)) = strict_home(doc, workspace) {
            if !cloud_inside(doc, &r.processing, home) {
                return Some(format!("`{}` processes in `{}`", r.id, r.processing));
            }
        }
    }
    // A managed kind named bare may be any of its catalog sources; each must list the region.
    if let Question::Ingest {
        workspace, source, ..
    }
    | Question::Resolve {
        workspace, source, ..
    } = q
    {
        if let Some((r, _)) = strict_home(doc, workspace) {
            let managed = doc
                .source_kinds
                .iter()
                .any(|k| &k.id == source && k.mechanism == Mechanism::Managed);
            let missing = doc
                .sources
                .iter()
                .find(|s| &s.kind == source && !s.regions.contains(&r.id));
            if let (true, Some(s)) = (managed, missing) {
                return Some(format!(
                    "bare managed kind `{source}` may be catalog source `{}`, which does not list `{}`",
                    s.id, r.id
                ));
            }
        }
    }
    // **Exemptions**: a flow an active exemption allows is an exception to residency, not
    // a breach (the model's own answer says whether one did).
    if outcome.codes.contains(&"exempted")
        && matches!(
            q,
            Question::Deliver { .. } | Question::Store { .. } | Question::Connect { .. }
        )
    {
        return None;
    }
    match q {
        Question::Ingest { workspace, host, .. } => {
            let (_, home) = strict_home(doc, workspace)?;
            let host = normal_host(host)?;
            all_ingestions(doc)
                .find(|(_, i)| i.hosts.contains(&host) && !cloud_inside(doc, &i.cloud_region, home))
                .map(|(r, i)| {
                    format!(
                        "host `{host}` is served by `{}/{}` in `{}`",
                        r.id, i.id, i.cloud_region
                    )
                })
        }
        Question::Resolve { workspace, .. } => {
            let (r, home) = strict_home(doc, workspace)?;
            let Extras::Host { ingestion, .. } = &outcome.extras else {
                return None;
            };
            let i = r.ingestion.iter().find(|i| &i.id == ingestion)?;
            (!cloud_inside(doc, &i.cloud_region, home))
                .then(|| format!("ingestion `{}/{}` is in `{}`", r.id, i.id, i.cloud_region))
        }
        Question::Deliver {
            workspace,
            destination,
            ..
        } => {
            let (_, home) = strict_home(doc, workspace)?;
            let Extras::Endpoint { id, .. } = &outcome.extras else {
                return None;
            };
            let d = doc.destinations.iter().find(|d| &d.id == destination)?;
            let e = d.endpoints.iter().find(|e| &e.id == id)?;
            (!group_within(doc, &e.jurisdiction, home))
                .then(|| format!("endpoint `{}/{}` lies in `{}`", d.id, e.id, e.jurisdiction))
        }
        Question::Store {
            workspace,
            cloud_region,
            ..
        } => {
            let (_, home) = strict_home(doc, workspace)?;
            (!cloud_inside(doc, cloud_region, home)).then(|| format!("data at rest in `{cloud_region}`"))
        }
        Question::Connect { workspace, ip, .. } => {
            let (r, home) = strict_home(doc, workspace)?;
            if !cloud_inside(doc, &r.processing, home) {
                return Some(format!("loaders egress from `{}`", r.processing));
            }
            let ip = ips::parse_ip(ip)?;
            doc.regions
                .iter()
                .find(|other| other.id != r.id && ips::in_egress(other, ip))
                .map(|other| format!("`{ip}` is also a loader of `{}`", other.id))
        }
        _ => None,
    }
}

/// For an allowed `ingest` or `resolve`: another processing region the host or ingestion
/// region feeds, if any.
pub fn pin_breach(doc: &Document, q: &Question, outcome: &Outcome) -> Option<String> {
    if !outcome.allow {
        return None;
    }
    match q {
        Question::Ingest { workspace, host, .. } => {
            let host = normal_host(host)?;
            all_ingestions(doc)
                .find(|(r, i)| i.hosts.contains(&host) && &r.id != workspace)
                .map(|(r, i)| format!("host `{host}` is also `{}/{}`'s", r.id, i.id))
        }
        // The model resolves only among the workspace region's own ingestion regions.
        _ => None,
    }
}

/// For an allowed `failover`: the change of ingestion region it makes, if any.
pub fn failover_breach(doc: &Document, q: &Question, outcome: &Outcome) -> Option<String> {
    let Question::Failover { from, to } = q else {
        return None;
    };
    if !outcome.allow {
        return None;
    }
    let (fr, fi) = location(doc, from)?;
    let (tr, ti) = location(doc, to)?;
    (fr.id != tr.id || fi.id != ti.id).then(|| format!("`{}/{}` → `{}/{}`", fr.id, fi.id, tr.id, ti.id))
}
