//! Building a policy's [`FlowGraph`] from the engine's decisions, on ids: one decision per
//! candidate edge, the candidates read from the policy (a host's owners, a region's cloud
//! regions, a destination's regions and endpoint jurisdictions, an ingestion region's
//! failover targets), so the work is linear in the edges drawn and the tables compiled.
//!
//! Things the rule treats alike are asked once: the kinds of one side supported in a
//! region (a host admits all or none of them), the stores of one class (as the store rule reads
//! them), the endpoints of one jurisdiction of a destination, the zones of one ingestion
//! region. The audit, not the picture, proves the rule.

use super::{FlowGraph, GraphRefused, Shape};
use crate::document::Side;
use crate::limits::{MAX_GRAPH_DECISIONS, MAX_GRAPH_ITEMS};
use crate::policy::{
    CloudId, DestinationId, EndpointId, ExemptFlow, GroupId, IngestionId, LocationId, PlaceList, Policy,
    RegionId, SourceId, StoreId,
};
use std::collections::BTreeMap;
use strum::IntoEnumIterator;

const SIDES: [Side; 3] = [Side::Client, Side::Server, Side::Cloud];

/// Upper bounds, from the policy's sizes, on the decisions and the nodes and edges a graph
/// takes.
struct Estimate {
    decisions: u64,
    items: u64,
}

fn estimate(p: &Policy) -> Estimate {
    let r = p.regions.len() as u64;
    let owners: u64 = p.hosts.iter().map(|h| h.owners.len() as u64).sum();
    let listed: u64 = p.ingestions.iter().map(|i| i.failover_to.len() as u64 + 1).sum();
    let endpoints: u64 = p
        .destinations
        .iter()
        .map(|d| d.endpoints.len() as u64)
        .sum::<u64>();
    let groups = p.groups.len() as u64 + 1;
    let decisions = (3 * owners)
        .saturating_add(r.saturating_mul((p.store_class_representatives().len() * p.clouds.len()) as u64))
        .saturating_add(r.saturating_mul(p.destinations.len() as u64))
        .saturating_add(r.saturating_mul(endpoints))
        .saturating_add(listed);
    let items = (p.hosts.len() as u64 + 3)
        .saturating_add(7 * owners)
        .saturating_add(r.saturating_mul(4 + 6 * groups))
        .saturating_add(p.ingestions.len() as u64 + listed);
    Estimate { decisions, items }
}

/// What the builder reads once per policy.
struct Builder<'a> {
    p: &'a Policy,
    g: FlowGraph,
}

impl<'a> Builder<'a> {
    /// The cluster a group is drawn in (registered on first use).
    fn cluster(&mut self, group: Option<GroupId>) -> Option<String> {
        let group = group?;
        let id = self.p.group_name(group).to_string();
        if !self.g.clusters.contains_key(&id) {
            let label = self
                .p
                .document
                .groups
                .get(group.index())
                .and_then(|d| d.name.clone())
                .map_or(id.clone(), |name| format!("{id}: {name}"));
            self.g.clusters.insert(id.clone(), label);
        }
        Some(id)
    }

    /// The jurisdiction a cloud region lies in: its first group.
    fn cluster_of(&self, cloud: CloudId) -> Option<GroupId> {
        self.p.clouds.get(cloud).and_then(|c| c.groups.first().copied())
    }

    fn region_key(&self, region: RegionId) -> String {
        format!("region:{}", self.p.region_name(region))
    }

    fn regions(&mut self) {
        let p = self.p;
        for region_id in p.region_ids() {
            let Some(region) = p.region(region_id) else {
                continue;
            };
            let home = self.cluster(self.cluster_of(region.processing));
            self.g.node(
                &self.region_key(region_id),
                format!(
                    "{} ({}, {})",
                    region.name,
                    region.residency,
                    p.cloud_name(region.processing)
                ),
                Shape::Region,
                home.clone(),
            );
            let loaders: Vec<String> = p.egress(region_id).iter().map(|n| n.to_string()).collect();
            if !loaders.is_empty() {
                let key = format!("loaders:{}", region.name);
                self.g.node(
                    &key,
                    format!("warehouse loaders {}", loaders.join(", ")),
                    Shape::Place,
                    home,
                );
                self.g.edge(
                    &self.region_key(region_id),
                    &key,
                    &format!("{}: connect", region.name),
                );
            }
        }
    }

    /// Sources → hosts → regions: each host in each region listing it, asked once per side
    /// with a kind of that side the region supports.
    fn ingest(&mut self) {
        let p = self.p;
        // Per side: its node's label, naming its kinds by mechanism.
        let side_labels: Vec<String> = SIDES
            .iter()
            .map(|side| {
                let mut by_mechanism: BTreeMap<String, Vec<&str>> = BTreeMap::new();
                for k in p.kinds.iter().filter(|k| k.side == *side) {
                    by_mechanism
                        .entry(k.mechanism.to_string())
                        .or_default()
                        .push(&k.name);
                }
                let kinds: Vec<String> = by_mechanism
                    .iter()
                    .map(|(m, ks)| format!("{} ({m})", ks.join(", ")))
                    .collect();
                format!("{side} sources: {}", kinds.join("; "))
            })
            .collect();
        // Per region and side: a source of that side the region supports, as a source id: a
        // kind named bare, else (a kind the region lists catalog-only) one of its catalog sources.
        let kind_of: Vec<[Option<SourceId>; 3]> = p
            .region_ids()
            .map(|ri| {
                SIDES.map(|side| {
                    p.sources
                        .with_ids()
                        .find(|(si, s)| {
                            p.kind(s.kind).is_some_and(|k| k.side == side) && p.source_supported(*si, ri)
                        })
                        .map(|(si, _)| si)
                })
            })
            .collect();
        for (host_id, host) in p.hosts.with_ids() {
            let hkey = format!("host:{}", host.name);
            let mut regions: Vec<RegionId> = host
                .owners
                .iter()
                .filter_map(|o| p.ingestion(*o).map(|i| i.region))
                .collect();
            regions.dedup();
            let place = host
                .owners
                .first()
                .and_then(|o| p.ingestion(*o))
                .and_then(|i| self.cluster_of(i.cloud));
            for region in regions {
                let rname = p.region_name(region).to_string();
                let kinds = kind_of.get(region.index()).copied().unwrap_or([None; 3]);
                for ((side, label), kind) in SIDES.iter().zip(&side_labels).zip(kinds) {
                    let Some(kind) = kind else { continue };
                    if !p.ingest_ids(region, kind, host_id).is_allowed() {
                        continue;
                    }
                    let c = self.cluster(place);
                    self.g.node(&hkey, host.name.to_string(), Shape::Host, c);
                    let skey = format!("side:{side}");
                    self.g.node(&skey, label.clone(), Shape::Source, None);
                    self.g.edge(&skey, &hkey, &rname);
                    self.g.edge(&hkey, &self.region_key(region), &rname);
                }
            }
        }
    }

    /// Regions → stores: per region, category (the place list that places the stores) and
    /// cloud region, whether a store of that category may keep the region's data there. The
    /// store rule is asked of one store of each class (`Store::class`), so
    /// every store is drawn as the rule decides it.
    fn stores(&mut self) {
        let p = self.p;
        let representatives = p.store_class_representatives();
        for region_id in p.region_ids() {
            let rname = p.region_name(region_id).to_string();
            let rkey = self.region_key(region_id);
            for list in PlaceList::iter() {
                let category = list.stores_title();
                let in_list = |s: StoreId| p.stores.get(s).is_some_and(|s| PlaceList::of(s.kind) == list);
                let stores: Vec<StoreId> = representatives.iter().copied().filter(|&s| in_list(s)).collect();
                // The region's active store exemptions of this category, by cloud region.
                let mut exempted: BTreeMap<CloudId, Vec<StoreId>> = BTreeMap::new();
                for e in p.exemptions.iter().filter(|e| e.active && e.region == region_id) {
                    if let ExemptFlow::Store(store, cloud) = e.flow {
                        if in_list(store) {
                            exempted.entry(cloud).or_default().push(store);
                        }
                    }
                }
                // Per cluster: the cloud regions allowed, and whether an exemption allowed one.
                let mut by_cluster: BTreeMap<Option<String>, (Vec<&str>, bool)> = BTreeMap::new();
                let mut total = 0usize;
                for (cloud_id, cloud) in p.clouds.with_ids() {
                    // A store of the category the rule allows there, or else one an active
                    // exemption allows there: a flow is drawn exempted only when no store of
                    // the category is allowed there without one.
                    let decisions = || stores.iter().map(|&s| p.store_ids(region_id, s, cloud_id));
                    let allowed = decisions()
                        .find(|d| d.is_allowed() && d.exemption().is_none())
                        .or_else(|| decisions().find(|d| d.is_allowed()))
                        .or_else(|| {
                            exempted
                                .get(&cloud_id)
                                .into_iter()
                                .flatten()
                                .map(|s| p.store_ids(region_id, *s, cloud_id))
                                .find(|d| d.is_allowed())
                        });
                    if let Some(decision) = allowed {
                        total += 1;
                        let c = self.cluster(self.cluster_of(cloud_id));
                        let entry = by_cluster.entry(c).or_default();
                        entry.0.push(&cloud.name);
                        entry.1 |= decision.exemption().is_some();
                    }
                }
                if total == 0 {
                    continue;
                }
                let edge = |exempted: bool| {
                    if exempted {
                        format!("{rname}: store (exempted)")
                    } else {
                        format!("{rname}: store")
                    }
                };
                if total == p.clouds.len() && p.clouds.len() > 1 {
                    let key = format!("anywhere:{category}");
                    self.g
                        .node(&key, format!("{category}: any cloud region"), Shape::Place, None);
                    self.g
                        .edge(&rkey, &key, &edge(by_cluster.values().any(|(_, e)| *e)));
                    continue;
                }
                for (c, (clouds, exempted)) in by_cluster {
                    let key = format!("store:{rname}:{category}:{}", c.as_deref().unwrap_or("-"));
                    let label = if clouds.len() <= 3 {
                        format!("{rname} {category}: {}", clouds.join(", "))
                    } else {
                        format!("{rname} {category}: {} cloud regions", clouds.len())
                    };
                    self.g.node(&key, label, Shape::Place, c);
                    self.g.edge(&rkey, &key, &edge(exempted));
                }
            }
        }
    }

    /// Regions → destination endpoints: per region and destination it lists, one endpoint
    /// of each jurisdiction the destination has; counted per jurisdiction.
    fn deliveries(&mut self) {
        let p = self.p;
        let through: Vec<(DestinationId, Vec<(EndpointId, GroupId)>)> = p
            .destinations
            .with_ids()
            .map(|(id, d)| {
                let mut seen: Vec<(EndpointId, GroupId)> = Vec::new();
                for (endpoint, e) in d.endpoints_with_ids(p.identity) {
                    if !seen.iter().any(|(_, j)| *j == e.jurisdiction) {
                        seen.push((endpoint, e.jurisdiction));
                    }
                }
                (id, seen)
            })
            .collect();
        for region_id in p.region_ids() {
            let rname = p.region_name(region_id).to_string();
            // Per jurisdiction: destinations allowed, and how many of them by an exemption.
            let mut counts: BTreeMap<GroupId, (usize, usize)> = BTreeMap::new();
            for &(destination, ref endpoints) in &through {
                if !p.destination_listed(destination, region_id) {
                    continue;
                }
                for &(endpoint, jurisdiction) in endpoints {
                    let decision = p.deliver_ids(region_id, destination, Some(endpoint));
                    if decision.is_allowed() {
                        let count = counts.entry(jurisdiction).or_default();
                        count.0 += 1;
                        count.1 += usize::from(decision.exemption().is_some());
                    }
                }
            }
            for (group, (count, exempted)) in counts {
                let c = self.cluster(Some(group));
                let key = format!("destinations:{}", p.group_name(group));
                self.g.node(
                    &key,
                    format!("destination endpoints in {}", p.group_name(group)),
                    Shape::Place,
                    c,
                );
                self.g.edge(
                    &self.region_key(region_id),
                    &key,
                    &if exempted > 0 {
                        format!("{rname}: {count} destinations ({exempted} exempted)")
                    } else {
                        format!("{rname}: {count} destinations")
                    },
                );
            }
        }
    }

    /// Zones → zones: per ingestion region, one zone against another of its own and
    /// against one zone of each target it lists.
    fn failover(&mut self) {
        let p = self.p;
        let mut zones: Vec<Vec<&str>> = vec![Vec::new(); p.ingestions.len()];
        let mut first_two: Vec<(Option<LocationId>, Option<LocationId>)> =
            vec![(None, None); p.ingestions.len()];
        for (li, l) in p.locations.with_ids() {
            if let Some(z) = zones.get_mut(l.ingestion.index()) {
                z.extend(l.name.rsplit('-').next());
            }
            if let Some(slot) = first_two.get_mut(l.ingestion.index()) {
                match slot {
                    (None, _) => slot.0 = Some(li),
                    (Some(_), None) => slot.1 = Some(li),
                    _ => {}
                }
            }
        }
        for (ii, ingestion) in p.ingestions.with_ids() {
            let Some((Some(from), second)) = first_two.get(ii.index()).copied() else {
                continue;
            };
            let mut targets: Vec<(IngestionId, LocationId)> = Vec::new();
            if let Some(to) = second {
                targets.push((ii, to));
            }
            for t in ingestion.failover_to.iter() {
                if let Some(&(Some(to), _)) = first_two.get(t.index()) {
                    if to != from {
                        targets.push((*t, to));
                    }
                }
            }
            let label = format!("{}: failover", p.region_name(ingestion.region));
            for (target, to) in targets {
                if !p.failover_ids(from, to).is_allowed() {
                    continue;
                }
                let a = self.zones_node(ii, &zones);
                let b = self.zones_node(target, &zones);
                self.g.edge(&a, &b, &label);
            }
        }
    }

    fn zones_node(&mut self, ingestion: IngestionId, zones: &[Vec<&str>]) -> String {
        let p = self.p;
        let path = p.ingestion_path(ingestion);
        let key = format!("zones:{path}");
        let place = p.ingestion(ingestion).and_then(|i| self.cluster_of(i.cloud));
        let c = self.cluster(place);
        let names = zones
            .get(ingestion.index())
            .map_or(String::new(), |z| z.join(" "));
        self.g
            .node(&key, format!("{path} zones {names}"), Shape::Zones, c);
        key
    }
}

/// Builds the graph of `policy`, or refuses one whose graph is over the budget.
pub(super) fn build(policy: &Policy) -> Result<FlowGraph, GraphRefused> {
    build_within(policy, MAX_GRAPH_DECISIONS, MAX_GRAPH_ITEMS)
}

/// [`build`] within the given budget.
pub(super) fn build_within(
    policy: &Policy,
    max_decisions: u64,
    max_items: u64,
) -> Result<FlowGraph, GraphRefused> {
    let e = estimate(policy);
    for (what, count, limit, name) in [
        ("decisions", e.decisions, max_decisions, "MAX_GRAPH_DECISIONS"),
        ("nodes and edges", e.items, max_items, "MAX_GRAPH_ITEMS"),
    ] {
        if count > limit {
            return Err(GraphRefused {
                policy: policy.name().to_string(),
                what,
                count,
                limit,
                name,
            });
        }
    }
    let mut b = Builder {
        p: policy,
        g: FlowGraph::default(),
    };
    b.regions();
    b.ingest();
    b.stores();
    b.deliveries();
    b.failover();
    Ok(b.g)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store category run in one cloud region is drawn in that region, not as "any cloud
    /// region", even when the policy has no other.
    #[test]
    fn a_store_in_the_only_cloud_region_is_drawn_there() {
        let p = Policy::from_yaml(include_str!("../../tests/fixtures/tiny.yaml")).unwrap();
        let g = p.flow_graph().unwrap();
        assert!(
            !g.nodes.keys().any(|k| k.starts_with("anywhere:")),
            "{:?}",
            g.nodes.keys()
        );
        for category in ["archives", "customer stores"] {
            assert!(
                g.nodes
                    .keys()
                    .any(|k| k.starts_with(&format!("store:eu-west:{category}:"))),
                "{category}: {:?}",
                g.nodes.keys()
            );
        }
    }

    /// A flow some store of a category takes under the rule is drawn as the rule's, even
    /// where another store of the category is allowed there only by an exemption.
    #[test]
    fn a_flow_the_rule_allows_is_not_drawn_exempted() {
        let text = format!(
            "{}\nexemptions:\n  - {{id: az-lake, region: eu-west, store: data-lake-azure, cloud_region: azure:westeurope, justification: m, owner: o, expires: 2026-03-31}}\n",
            crate::DEFAULT_POLICY_YAML.trim_end()
        );
        let options = crate::CompileOptions::new().as_of("2026-01-15".parse().unwrap());
        let p = Policy::from_yaml_with(&text, &options).unwrap();
        // The rule allows a warehouse there; the exemption allows the Azure data lake.
        assert!(p
            .store("eu-west", "postgres", "azure:westeurope")
            .exemption()
            .is_none());
        assert!(p
            .store("eu-west", "data-lake-azure", "azure:westeurope")
            .exemption()
            .is_some());
        let g = p.flow_graph().unwrap();
        let exempted: Vec<_> = g
            .edges
            .iter()
            .filter(|((from, _), labels)| {
                from == "region:eu-west" && labels.iter().any(|l| l.ends_with("store (exempted)"))
            })
            .collect();
        assert!(exempted.is_empty(), "{exempted:?}");
    }

    /// Each region's stores are drawn, archives and customer stores, with their edges.
    #[test]
    fn stores_are_drawn_per_region() {
        let g = Policy::default_policy().flow_graph().unwrap();
        for region in ["us-west", "eu-west"] {
            for category in ["archives", "customer stores"] {
                let drawn = g.nodes.keys().any(|k| {
                    k.starts_with(&format!("store:{region}:{category}:"))
                        || k == &format!("anywhere:{category}")
                });
                assert!(drawn, "{region} {category}");
            }
            let store_edges = g
                .edges
                .iter()
                .filter(|((from, _), labels)| {
                    from == &format!("region:{region}") && labels.iter().any(|l| l.ends_with(": store"))
                })
                .count();
            assert!(store_edges > 0, "{region}");
        }
    }

    /// Failover is drawn within an ingestion region, and to the targets a loosening lists.
    #[test]
    fn failover_edges_follow_zones_and_loosenings() {
        let sydney = "{id: sydney, cloud_region: aws:ap-southeast-2, hosts: [in.au1.segmentapis.com], zones: [a, b, c]}";
        let text = crate::DEFAULT_POLICY_YAML.replace(
            sydney,
            &sydney.replace(
                "zones: [a, b, c]",
                "zones: [a, b, c], failover_to: [us-west/oregon]",
            ),
        );
        let failover = |p: &Policy| -> Vec<(String, String)> {
            let g = p.flow_graph().unwrap();
            g.edges
                .iter()
                .filter(|(_, labels)| labels.iter().any(|l| l.ends_with(": failover")))
                .map(|((a, b), _)| (a.clone(), b.clone()))
                .collect()
        };
        let plain = failover(&Policy::default_policy());
        assert!(plain.iter().all(|(a, b)| a == b), "{plain:?}");
        assert!(plain.contains(&("zones:us-west/sydney".into(), "zones:us-west/sydney".into())));
        let loosened = failover(&Policy::from_yaml(&text).unwrap());
        let across: Vec<_> = loosened.iter().filter(|(a, b)| a != b).collect();
        assert_eq!(
            across,
            [&(
                "zones:us-west/sydney".to_string(),
                "zones:us-west/oregon".to_string()
            )]
        );
    }

    /// An edge drawn for several flows carries each label once, and never an empty one.
    #[test]
    fn edge_labels_are_distinct_and_named() {
        let policy = Policy::default_policy();
        let g = policy.flow_graph().unwrap();
        for ((from, to), labels) in &g.edges {
            let mut seen = std::collections::BTreeSet::new();
            for label in labels {
                assert!(!label.is_empty(), "{from} -> {to}");
                assert!(seen.insert(label), "{from} -> {to} repeats `{label}`");
            }
        }
        assert!(g.edges.len() > 10);
        // The same edge asked twice with one label, and with empty labels.
        let mut twice = FlowGraph::default();
        twice.edge("a", "b", "x");
        twice.edge("a", "b", "x");
        twice.edge("a", "b", "");
        twice.edge("a", "c", "");
        assert_eq!(twice.edges.get(&("a".into(), "b".into())).map(Vec::len), Some(1));
        assert_eq!(twice.edges.get(&("a".into(), "c".into())).map(Vec::len), Some(0));
    }

    /// The bound computed up front is a bound: the graph drawn is never larger.
    #[test]
    fn the_estimate_bounds_the_graph() {
        let texts = [
            include_str!("../../policies/segment.yaml"),
            include_str!("../../policies/segment-2025.yaml"),
            include_str!("../../policies/broken/failover-shared-across-regions.yaml"),
            include_str!("../../policies/broken/eu-host-under-us-west.yaml"),
        ];
        for text in texts {
            let policy = Policy::from_yaml(text).unwrap();
            let graph = policy.flow_graph().unwrap();
            let (nodes, edges) = graph.size();
            assert_eq!((nodes, edges), (graph.nodes.len(), graph.edges.len()));
            assert!(nodes > 1 && edges > 1, "{nodes} nodes, {edges} edges");
            let e = estimate(&policy);
            assert!(
                (nodes + edges) as u64 <= e.items,
                "{nodes} + {edges} > {}",
                e.items
            );
        }
    }
}
