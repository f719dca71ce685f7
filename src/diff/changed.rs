//! What changed in one policy entry between two documents, in a few words (`endpoint `eu`
//! (eu) removed`, `regions +eu-west`), looked up by id so describing every changed entry of
//! a diff costs a look-up each.

use super::entry::{Entry, EntryKind};
use crate::document::{
    CloudRegionDoc, DestinationDoc, Document, GroupDoc, IngestionDoc, Mechanism, PlacesDoc, RegionDoc,
    SourceDoc, SourceKindDoc, StoreDoc,
};
use std::collections::{BTreeSet, HashMap, HashSet};

/// `+a, -b`: what was added to and removed from a list (by value), or `None` when neither.
fn delta(old: &[String], new: &[String]) -> Option<String> {
    let (was, is): (HashSet<&str>, HashSet<&str>) = (
        old.iter().map(String::as_str).collect(),
        new.iter().map(String::as_str).collect(),
    );
    let added = new
        .iter()
        .filter(|x| !was.contains(x.as_str()))
        .map(|x| format!("+{x}"));
    let removed = old
        .iter()
        .filter(|x| !is.contains(x.as_str()))
        .map(|x| format!("-{x}"));
    let all: Vec<String> = added.chain(removed).collect();
    (!all.is_empty()).then(|| crate::text::list(all))
}

/// One document's entries by id, so that describing every changed entry costs a look-up each.
pub(crate) struct Index<'d> {
    regions: HashMap<&'d str, &'d RegionDoc>,
    sources: HashMap<&'d str, &'d SourceDoc>,
    kinds: HashMap<&'d str, &'d SourceKindDoc>,
    destinations: HashMap<&'d str, &'d DestinationDoc>,
    stores: HashMap<&'d str, &'d StoreDoc>,
    clouds: HashMap<&'d str, &'d CloudRegionDoc>,
    groups: &'d [GroupDoc],
    /// Host → the `region/ingestion` paths listing it.
    host_owners: HashMap<&'d str, Vec<String>>,
    /// Ingestion region name → the first region's that has it (`region/ingestion`), as the
    /// rules look a name up.
    ingestions: HashMap<&'d str, (String, &'d IngestionDoc)>,
    /// Failover location (`region/ingestion-zone`) → its ingestion region (`region/ingestion`).
    locations: HashMap<String, (String, &'d IngestionDoc)>,
}

impl<'d> Index<'d> {
    pub(crate) fn new(doc: &'d Document) -> Index<'d> {
        let mut host_owners: HashMap<&str, Vec<String>> = HashMap::new();
        let mut ingestions = HashMap::new();
        let mut locations = HashMap::new();
        for r in &doc.regions {
            for i in &r.ingestion {
                let path = format!("{}/{}", r.id, i.id);
                for h in &i.hosts {
                    host_owners.entry(h).or_default().push(path.clone());
                }
                for z in &i.zones {
                    locations
                        .entry(i.location(&r.id, z))
                        .or_insert_with(|| (path.clone(), i));
                }
                ingestions.entry(i.id.as_str()).or_insert((path, i));
            }
        }
        Index {
            regions: doc.regions.iter().map(|x| (x.id.as_str(), x)).collect(),
            sources: doc.sources.iter().map(|x| (x.id.as_str(), x)).collect(),
            kinds: doc.source_kinds.iter().map(|x| (x.id.as_str(), x)).collect(),
            destinations: doc.destinations.iter().map(|x| (x.id.as_str(), x)).collect(),
            stores: doc.stores.iter().map(|x| (x.id.as_str(), x)).collect(),
            clouds: doc.cloud_regions.iter().map(|x| (x.id.as_str(), x)).collect(),
            groups: &doc.groups,
            host_owners,
            ingestions,
            locations,
        }
    }

    /// Whether `id` names a strict region.
    pub(crate) fn strict(&self, id: &str) -> bool {
        self.regions
            .get(id)
            .is_some_and(|r| r.residency == crate::document::Residency::Strict)
    }
}

/// Whether `store` is offered to the region named `region` (`regions` absent: to every
/// region).
fn offered(regions: &Option<Vec<String>>, region: &str) -> bool {
    regions
        .as_ref()
        .is_none_or(|regions| regions.iter().any(|r| r == region))
}

/// What the `store` rule reads of the store named `name` for `region`, in `index`.
fn store_reads<'d>(
    index: &Index<'d>,
    name: &str,
    region: &str,
) -> Option<(
    crate::document::StoreKind,
    std::collections::BTreeSet<&'d str>,
    bool,
)> {
    index.stores.get(name).map(|store| {
        let StoreDoc {
            id: _,
            kind,
            clouds,
            // Read by `allowlist` only.
            allowlist: _,
            regions,
        } = *store;
        (
            *kind,
            clouds.iter().map(String::as_str).collect(),
            offered(regions, region),
        )
    })
}

/// Whether what the `store` rule reads of the store named `name` for the region named
/// `region` differs between the two documents: whether it exists, its kind, its clouds (as a
/// set) and whether it is offered to the region. Every field of a store is named, so a field
/// added to it does not build until this says whether the rule reads it.
pub(crate) fn store_rule_changed(old: &Index<'_>, new: &Index<'_>, name: &str, region: &str) -> bool {
    store_reads(old, name, region) != store_reads(new, name, region)
}

/// Whether what the `allowlist` rule reads of the store named `name` differs: whether it
/// exists, its kind and its allowlisting.
pub(crate) fn allowlisting_changed(old: &Index<'_>, new: &Index<'_>, name: &str) -> bool {
    let reads = |index: &Index<'_>| {
        index.stores.get(name).map(|store| {
            let StoreDoc {
                id: _,
                kind,
                clouds: _,
                allowlist,
                regions: _,
            } = store;
            (*kind, *allowlist)
        })
    };
    reads(old) != reads(new)
}

/// What the source rules (`ingest`, `resolve`) read of the source named `name` for the
/// region named `region`: its kind, whether the region supports the kind, whether it supports
/// the entry (a catalog source that lists the region; a bare kind the region does not list
/// as catalog-only) and the kind's mechanism. `None` for a name that is neither a kind nor a
/// catalog source. Sources and kinds are named in full, so a field added to either does not
/// build until this says whether the rules read it.
fn source_reads<'d>(
    index: &Index<'d>,
    name: &str,
    region: &str,
) -> Option<(&'d str, bool, bool, Option<Mechanism>)> {
    let r = index.regions.get(region);
    let (kind, entry_supported) = match (index.kinds.get(name), index.sources.get(name)) {
        (Some(k), _) => {
            let SourceKindDoc {
                id,
                // Read by no rule.
                side: _,
                mechanism: _,
            } = *k;
            let bare = r.is_some_and(|r| !r.catalog_only_kinds.contains(id));
            (id.as_str(), bare)
        }
        (None, Some(s)) => {
            let SourceDoc {
                id: _,
                name: _,
                kind,
                regions,
            } = *s;
            (kind.as_str(), regions.iter().any(|x| x == region))
        }
        (None, None) => return None,
    };
    let kind_supported = r.is_some_and(|r| r.source_kinds.iter().any(|k| k == kind));
    let mechanism = index.kinds.get(kind).map(|k| k.mechanism);
    Some((kind, kind_supported, entry_supported, mechanism))
}

/// Whether what the source rules read of the source named `name` for the region named
/// `region` differs between the two documents (see `source_reads`).
pub(crate) fn source_rule_changed(old: &Index<'_>, new: &Index<'_>, name: &str, region: &str) -> bool {
    source_reads(old, name, region) != source_reads(new, name, region)
}

/// What the `failover` rule reads of the location named `name`: the ingestion region it is a
/// zone of (`region/ingestion`), and that ingestion region's `failover_to` as a set; `None`
/// for a name that is no location.
fn location_reads<'a>(index: &'a Index<'_>, name: &str) -> Option<(&'a str, BTreeSet<&'a str>)> {
    index
        .locations
        .get(name)
        .map(|(path, i)| (path.as_str(), i.failover_to.iter().map(String::as_str).collect()))
}

/// Whether what the `failover` rule reads of the location named `name` as the location a
/// failover starts from differs between the two documents: whether it is one, of which
/// ingestion region, and where that one may fail over to.
pub(crate) fn origin_changed(old: &Index<'_>, new: &Index<'_>, name: &str) -> bool {
    location_reads(old, name) != location_reads(new, name)
}

/// Whether the location named `name` is a location of another ingestion region, or is one in
/// one document only: what the `failover` rule reads of a failover's target.
pub(crate) fn target_changed(old: &Index<'_>, new: &Index<'_>, name: &str) -> bool {
    location_reads(old, name).map(|l| l.0) != location_reads(new, name).map(|l| l.0)
}

/// A place list as a set: what the rules read of it.
fn place_set(places: PlacesDoc) -> Option<BTreeSet<String>> {
    match places {
        PlacesDoc::Any(_) => None,
        PlacesDoc::List(list) => Some(list.into_iter().collect()),
    }
}

/// `` `r` deliver_to changed``, when the places a region's `field` stands for (`read` of
/// the region: the list, or its default) differ; naming what the default is read from when
/// the field is unset in both.
fn places_note(
    region_id: &str,
    field: &str,
    x: &RegionDoc,
    y: &RegionDoc,
    read: impl Fn(&RegionDoc) -> PlacesDoc,
    unset: impl Fn(&RegionDoc) -> bool,
) -> Option<String> {
    if place_set(read(x)) == place_set(read(y)) {
        return None;
    }
    let mut note = format!("`{region_id}` {field} changed");
    if unset(x) && unset(y) {
        let mut why = Vec::new();
        if x.jurisdiction != y.jurisdiction {
            why.push(format!("jurisdiction {} → {}", x.jurisdiction, y.jurisdiction));
        }
        if x.residency != y.residency {
            why.push(format!("residency {} → {}", x.residency, y.residency));
        }
        note.push_str(&format!(" (unset: {})", why.join(", ")));
    }
    Some(note)
}

/// Where the diff attributes and notes a change of each field of a region. Destructured in
/// full: a field added to a region does not build until it is placed here, with its notes
/// written under the entry kind named. Never called: it is a check the build makes.
const _: fn(&RegionDoc) = region_fields_are_placed;
fn region_fields_are_placed(r: &RegionDoc) {
    let RegionDoc {
        // `Region` (presence); every entry of the region is looked up by it.
        id: _,
        // Read by no rule.
        name: _,
        // Decides no question (a question names its region; a workspace configuration that
        // names none is checked in the default region, which the diff does not ask).
        default: _,
        // `CloudRegion` (customer_storage) and `Destination` (deliver_to), through the
        // default places (`places_note`).
        residency: _,
        jurisdiction: _,
        // `Destination`'s notes: which places and which default endpoint the rule reads.
        deliver_to: _,
        // `CloudRegion`'s notes: the places a store may lie in.
        archive: _,
        customer_storage: _,
        // `Source`'s notes.
        source_kinds: _,
        catalog_only_kinds: _,
        // `LoaderRanges`' notes.
        warehouse_egress: _,
        // Each below.
        ingestion,
        // Decides no question: the graph draws it, the audit checks it lies in the
        // jurisdiction, workspace fixes prefer it.
        processing: _,
    } = r;
    for i in ingestion {
        let IngestionDoc {
            // `IngestionRegion`'s notes (presence, `hosts`, `default`) and `Host`'s.
            id: _,
            default: _,
            hosts: _,
            // `FailoverLocation`'s notes.
            zones: _,
            failover_to: _,
            // Decides no question: the audit checks it lies in the jurisdiction.
            cloud_region: _,
        } = i;
    }
}

/// Where the diff notes a change of each field of the other entries (a store's fields are
/// read in `store_reads` and `allowlisting_changed`). Destructured in full, as for a region.
const _: fn(&SourceKindDoc, &SourceDoc, &DestinationDoc, &CloudRegionDoc, &GroupDoc) =
    other_fields_are_placed;
fn other_fields_are_placed(
    kind: &SourceKindDoc,
    source: &SourceDoc,
    destination: &DestinationDoc,
    cloud: &CloudRegionDoc,
    group: &GroupDoc,
) {
    // `Source`'s notes: the mechanism decides what `resolve` answers; the side decides no
    // question (the graph draws it).
    let SourceKindDoc {
        id: _,
        side: _,
        mechanism: _,
    } = kind;
    // `Source`'s notes (`kind`, `regions`); the display name decides nothing.
    let SourceDoc {
        id: _,
        name: _,
        kind: _,
        regions: _,
    } = source;
    // `Destination`'s notes (`regions`, each endpoint's jurisdiction and hosts); the display
    // name decides nothing.
    let DestinationDoc {
        id: _,
        name: _,
        regions: _,
        endpoints,
    } = destination;
    for e in endpoints {
        let crate::document::EndpointDoc {
            id: _,
            jurisdiction: _,
            hosts: _,
        } = e;
    }
    // `CloudRegion`'s notes (`country`, and through it the groups that hold it); the display
    // name decides nothing.
    let CloudRegionDoc {
        id: _,
        country: _,
        name: _,
    } = cloud;
    // `CloudRegion`'s notes: a cloud region's groups are those whose `countries` hold its
    // country; the display name decides nothing.
    let GroupDoc {
        id: _,
        name: _,
        countries: _,
    } = group;
}

fn presence(was: bool, is: bool) -> Option<String> {
    match (was, is) {
        (false, true) => Some("added".to_string()),
        (true, false) => Some("removed".to_string()),
        _ => None,
    }
}

/// What changed in `entry` (as it bears on `region_id`) from `old` to `new`, in a few words:
/// `endpoint eu removed`, `regions +eu-west`; `None` when the entry itself reads the same.
pub(crate) fn what_changed(
    old: &Index<'_>,
    new: &Index<'_>,
    region_id: &str,
    entry: &Entry,
) -> Option<String> {
    let name = entry.name.as_str();
    let mut notes: Vec<String> = Vec::new();
    let (r_old, r_new) = (
        old.regions.get(region_id).copied(),
        new.regions.get(region_id).copied(),
    );
    match entry.kind {
        EntryKind::Destination => {
            let (a, b) = (old.destinations.get(name), new.destinations.get(name));
            notes.extend(presence(a.is_some(), b.is_some()));
            if let (Some(a), Some(b)) = (a, b) {
                if let Some(d) = delta(&a.regions, &b.regions) {
                    notes.push(format!("regions {d}"));
                }
                for e in &b.endpoints {
                    match a.endpoints.iter().find(|x| x.id == e.id) {
                        None => notes.push(format!("endpoint `{}` ({}) added", e.id, e.jurisdiction)),
                        Some(x) if x.jurisdiction != e.jurisdiction => notes.push(format!(
                            "endpoint `{}` moved from {} to {}",
                            e.id, x.jurisdiction, e.jurisdiction
                        )),
                        Some(x) => {
                            if let Some(d) = delta(&x.hosts, &e.hosts) {
                                notes.push(format!("endpoint `{}` hosts {d}", e.id));
                            } else if x.hosts != e.hosts {
                                notes.push(format!("endpoint `{}` hosts reordered", e.id));
                            }
                        }
                    }
                }
                for e in a
                    .endpoints
                    .iter()
                    .filter(|e| !b.endpoints.iter().any(|x| x.id == e.id))
                {
                    notes.push(format!("endpoint `{}` ({}) removed", e.id, e.jurisdiction));
                }
                let order = |d: &DestinationDoc| d.endpoints.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
                if notes.is_empty() && order(a) != order(b) {
                    notes.push("endpoints reordered".into());
                }
            }
            if let (Some(x), Some(y)) = (r_old, r_new) {
                let places = places_note(
                    region_id,
                    "deliver_to",
                    x,
                    y,
                    RegionDoc::deliver_to_or_default,
                    |r| r.deliver_to.is_none(),
                );
                let explained = places.as_deref().is_some_and(|n| n.contains("jurisdiction"));
                notes.extend(places);
                // The default endpoint is one of the jurisdiction's where there is one.
                if x.jurisdiction != y.jurisdiction && !explained {
                    notes.push(format!(
                        "`{region_id}` jurisdiction {} → {}",
                        x.jurisdiction, y.jurisdiction
                    ));
                }
            }
        }
        EntryKind::Source => {
            let (a, b) = (old.sources.get(name), new.sources.get(name));
            let (ka, kb) = (old.kinds.get(name), new.kinds.get(name));
            notes.extend(presence(a.is_some() || ka.is_some(), b.is_some() || kb.is_some()));
            if let (Some(a), Some(b)) = (a, b) {
                if let Some(d) = delta(&a.regions, &b.regions) {
                    notes.push(format!("regions {d}"));
                }
                if a.kind != b.kind {
                    notes.push(format!("kind {} → {}", a.kind, b.kind));
                }
            }
            let kind = b.or(a).map_or(name, |s| s.kind.as_str());
            if let (Some(x), Some(y)) = (r_old, r_new) {
                let (had, has) = (
                    x.source_kinds.iter().any(|k| k == kind),
                    y.source_kinds.iter().any(|k| k == kind),
                );
                if had != has {
                    let sign = if has { "+" } else { "-" };
                    notes.push(format!("`{region_id}` source_kinds {sign}{kind}"));
                }
                // A kind named bare: whether the region takes it only as its catalog sources.
                if ka.is_some() || kb.is_some() {
                    let (had, has) = (
                        x.catalog_only_kinds.iter().any(|k| k == name),
                        y.catalog_only_kinds.iter().any(|k| k == name),
                    );
                    if had != has {
                        let sign = if has { "+" } else { "-" };
                        notes.push(format!("`{region_id}` catalog_only_kinds {sign}{name}"));
                    }
                }
            }
            if let (Some(x), Some(y)) = (old.kinds.get(kind), new.kinds.get(kind)) {
                if x.mechanism != y.mechanism {
                    notes.push(format!("`{kind}` mechanism {} → {}", x.mechanism, y.mechanism));
                }
            }
        }
        EntryKind::Host => {
            let none = Vec::new();
            let owners = |i: &Index<'_>| i.host_owners.get(name).cloned().unwrap_or_else(|| none.clone());
            if let Some(d) = delta(&owners(old), &owners(new)) {
                notes.push(format!("listed by {d}"));
            }
        }
        EntryKind::IngestionRegion => {
            let find =
                |r: Option<&RegionDoc>| r.and_then(|r| r.ingestion.iter().find(|i| i.id == name).cloned());
            let (a, b) = (find(r_old), find(r_new));
            if a.is_none() && b.is_none() {
                // Another region's, named by a `resolve` of this one (or of a name no region
                // has): the first region's that has the name, as the rules look it up.
                let path = |i: &Index<'_>| i.ingestions.get(name).map(|(path, _)| path.clone());
                match (path(old), path(new)) {
                    (None, Some(p)) => notes.push(format!("`{p}` added")),
                    (Some(p), None) => notes.push(format!("`{p}` removed")),
                    (Some(p), Some(q)) if p != q => notes.push(format!("now `{q}`, not `{p}`")),
                    _ => {}
                }
            }
            notes.extend(presence(a.is_some(), b.is_some()));
            if let (Some(a), Some(b)) = (&a, &b) {
                if let Some(d) = delta(&a.hosts, &b.hosts) {
                    notes.push(format!("hosts {d}"));
                } else if a.hosts.first() != b.hosts.first() {
                    notes.push("another first host".into());
                }
                if a.default != b.default {
                    notes.push(
                        if b.default {
                            "now the default"
                        } else {
                            "no longer the default"
                        }
                        .into(),
                    );
                }
            }
        }
        EntryKind::Store => {
            let (a, b) = (old.stores.get(name), new.stores.get(name));
            notes.extend(presence(a.is_some(), b.is_some()));
            if let (Some(a), Some(b)) = (a, b) {
                // In full: a field added to a store is not described until it is here.
                let StoreDoc {
                    id: _,
                    kind,
                    clouds,
                    allowlist,
                    regions,
                } = a;
                let StoreDoc {
                    id: _,
                    kind: kind_b,
                    clouds: clouds_b,
                    allowlist: allowlist_b,
                    regions: regions_b,
                } = b;
                if kind != kind_b {
                    notes.push(format!("kind {kind} → {kind_b}"));
                }
                if let Some(d) = delta(clouds, clouds_b) {
                    notes.push(format!("clouds {d}"));
                }
                if allowlist != allowlist_b {
                    let show = |x: &Option<crate::document::Allowlisting>| {
                        x.map_or("none".to_string(), |x| x.to_string())
                    };
                    notes.push(format!("allowlist {} → {}", show(allowlist), show(allowlist_b)));
                }
                match (offered(regions, region_id), offered(regions_b, region_id)) {
                    (false, true) => notes.push(format!("offered to `{region_id}`")),
                    (true, false) => notes.push(format!("no longer offered to `{region_id}`")),
                    _ => {}
                }
            }
        }
        EntryKind::CloudRegion => {
            let (a, b) = (old.clouds.get(name), new.clouds.get(name));
            notes.extend(presence(a.is_some(), b.is_some()).map(|p| format!("{p} to the catalogue")));
            if let (Some(a), Some(b)) = (a, b) {
                if a.country != b.country {
                    notes.push(format!("country {} → {}", a.country, b.country));
                }
                // The groups its country is in: the places that hold it.
                let groups = |i: &Index<'_>, c: &CloudRegionDoc| -> Vec<String> {
                    i.groups
                        .iter()
                        .filter(|g| g.countries.contains(&c.country))
                        .map(|g| g.id.clone())
                        .collect()
                };
                if let Some(d) = delta(&groups(old, a), &groups(new, b)) {
                    notes.push(format!("groups {d}"));
                }
            }
            if let (Some(x), Some(y)) = (r_old, r_new) {
                notes.extend(places_note(
                    region_id,
                    "customer_storage",
                    x,
                    y,
                    RegionDoc::customer_storage_or_default,
                    |r| r.customer_storage.is_none(),
                ));
                if let Some(d) = delta(&x.archive, &y.archive) {
                    notes.push(format!("`{region_id}` archive {d}"));
                }
            }
        }
        EntryKind::LoaderRanges => {
            if let (Some(x), Some(y)) = (r_old, r_new) {
                if let Some(d) = delta(&x.warehouse_egress, &y.warehouse_egress) {
                    notes.push(format!("`{region_id}` warehouse_egress {d}"));
                } else if x.warehouse_egress != y.warehouse_egress {
                    notes.push(format!("`{region_id}` warehouse_egress reordered"));
                }
            }
        }
        EntryKind::FailoverLocation => {
            let find = |i: &Index<'_>| {
                let (r, rest) = name.split_once('/')?;
                i.regions.get(r)?.ingestion.iter().find(|x| x.id == rest).cloned()
            };
            let (a, b) = (find(old), find(new));
            notes.extend(presence(a.is_some(), b.is_some()));
            if let (Some(a), Some(b)) = (&a, &b) {
                if let Some(d) = delta(&a.zones, &b.zones) {
                    notes.push(format!("zones {d}"));
                }
                if let Some(d) = delta(&a.failover_to, &b.failover_to) {
                    notes.push(format!("failover_to {d}"));
                }
            }
        }
        EntryKind::Region => {
            notes.extend(presence(
                old.regions.contains_key(name),
                new.regions.contains_key(name),
            ));
        }
    }
    if notes.is_empty() {
        None
    } else {
        Some(crate::text::list(
            notes.iter().map(|n| crate::text::escape_control(n)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn deltas_name_what_came_and_went() {
        assert_eq!(
            delta(&strings(&["a", "b"]), &strings(&["b", "c"])).as_deref(),
            Some("+c, -a")
        );
        assert_eq!(delta(&strings(&["a", "b"]), &strings(&["b", "a"])), None);
        let many: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        assert!(delta(&[], &many).unwrap().ends_with("and 12 more"));
    }
}
