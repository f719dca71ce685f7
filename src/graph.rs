//! A picture of a policy's allowed flows: sources → ingestion hosts → processing regions →
//! stores, destinations and loaders, with failover between zones, clustered by the
//! jurisdiction each thing lies in. Every edge is drawn from the engine's own decisions.

use crate::document::StoreKind;
use crate::policy::{CloudId, GroupId, Policy, RegionId};
use std::collections::BTreeMap;
use std::fmt::Write;

/// How to draw the graph.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumString, strum::Display, strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart (rendered by GitHub in Markdown).
    #[default]
    Mermaid,
}

/// A node's shape, by what it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Source,
    Host,
    Region,
    Place,
    Zones,
}

#[derive(Debug, Clone)]
struct Node {
    label: String,
    shape: Shape,
    /// The jurisdiction (group) it lies in; `None` for things that lie anywhere.
    cluster: Option<String>,
}

/// The allowed flows of a policy.
#[derive(Debug, Clone, Default)]
pub struct FlowGraph {
    nodes: BTreeMap<String, Node>,
    edges: BTreeMap<(String, String), Vec<String>>,
    clusters: BTreeMap<String, String>,
}

impl FlowGraph {
    fn node(&mut self, key: &str, label: String, shape: Shape, cluster: Option<String>) {
        self.nodes.entry(key.to_string()).or_insert(Node {
            label,
            shape,
            cluster,
        });
    }

    fn edge(&mut self, from: &str, to: &str, label: &str) {
        let labels = self.edges.entry((from.to_string(), to.to_string())).or_default();
        if !label.is_empty() && !labels.iter().any(|l| l == label) {
            labels.push(label.to_string());
        }
    }

    /// Draws the graph.
    pub fn render(&self, format: GraphFormat) -> String {
        match format {
            GraphFormat::Dot => self.to_dot(),
            GraphFormat::Mermaid => self.to_mermaid(),
        }
    }

    /// Clusters holding at least one node.
    fn used_clusters(&self) -> impl Iterator<Item = (&String, &String)> {
        self.clusters
            .iter()
            .filter(|(c, _)| self.nodes_in(Some(c.as_str())).next().is_some())
    }

    /// The nodes of one cluster (`None`: the nodes that lie anywhere).
    fn nodes_in<'a>(&'a self, cluster: Option<&'a str>) -> impl Iterator<Item = (&'a String, &'a Node)> {
        self.nodes
            .iter()
            .filter(move |(_, n)| n.cluster.as_deref() == cluster)
    }

    /// Every edge as the ids both renderers draw, with its labels joined.
    fn drawn_edges<'a>(
        &'a self,
        ids: &'a BTreeMap<&'a str, String>,
    ) -> impl Iterator<Item = (&'a str, &'a str, String)> {
        self.edges.iter().filter_map(move |((from, to), labels)| {
            Some((
                ids.get(from.as_str())?.as_str(),
                ids.get(to.as_str())?.as_str(),
                labels.join(", "),
            ))
        })
    }

    fn ids(&self) -> BTreeMap<&str, String> {
        self.nodes
            .keys()
            .enumerate()
            .map(|(i, k)| (k.as_str(), format!("n{i}")))
            .collect()
    }

    fn to_dot(&self) -> String {
        let ids = self.ids();
        let mut out = String::from("digraph flows {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let node_line = |key: &str, node: &Node| {
            let shape = match node.shape {
                Shape::Source => "ellipse",
                Shape::Host => "box",
                Shape::Region => "box3d",
                Shape::Place => "cylinder",
                Shape::Zones => "octagon",
            };
            format!(
                "{} [label=\"{}\", shape={shape}];",
                ids.get(key).map_or("", |s| s),
                esc(&node.label)
            )
        };
        for (cluster, label) in self.used_clusters() {
            let _ = writeln!(
                out,
                "  subgraph \"cluster_{}\" {{\n    label=\"{}\";",
                esc(cluster),
                esc(label)
            );
            for (key, node) in self.nodes_in(Some(cluster)) {
                let _ = writeln!(out, "    {}", node_line(key, node));
            }
            out.push_str("  }\n");
        }
        for (key, node) in self.nodes_in(None) {
            let _ = writeln!(out, "  {}", node_line(key, node));
        }
        for (a, b, label) in self.drawn_edges(&ids) {
            let _ = writeln!(out, "  {a} -> {b} [label=\"{}\"];", esc(&label));
        }
        out.push_str("}\n");
        out
    }

    fn to_mermaid(&self) -> String {
        let ids = self.ids();
        let esc = |s: &str| s.replace('"', "#quot;");
        let node_text = |key: &str, node: &Node| {
            let id = ids.get(key).map_or("", |s| s);
            let label = esc(&node.label);
            match node.shape {
                Shape::Source => format!("{id}([\"{label}\"])"),
                Shape::Host => format!("{id}[\"{label}\"]"),
                Shape::Region => format!("{id}[[\"{label}\"]]"),
                Shape::Place => format!("{id}[(\"{label}\")]"),
                Shape::Zones => format!("{id}{{{{\"{label}\"}}}}"),
            }
        };
        let mut out = String::from("flowchart LR\n");
        for (i, (cluster, label)) in self.used_clusters().enumerate() {
            let _ = writeln!(out, "  subgraph c{i}[\"{}\"]", esc(label));
            for (key, node) in self.nodes_in(Some(cluster)) {
                let _ = writeln!(out, "    {}", node_text(key, node));
            }
            out.push_str("  end\n");
        }
        for (key, node) in self.nodes_in(None) {
            let _ = writeln!(out, "  {}", node_text(key, node));
        }
        for (a, b, label) in self.drawn_edges(&ids) {
            if label.is_empty() {
                let _ = writeln!(out, "  {a} --> {b}");
            } else {
                let _ = writeln!(out, "  {a} -->|\"{}\"| {b}", esc(&label));
            }
        }
        out
    }
}

impl Policy {
    /// The jurisdiction a cloud region lies in: its first group.
    fn cluster_of(&self, cloud: CloudId) -> Option<GroupId> {
        self.clouds
            .get(cloud.index())
            .and_then(|c| c.groups.first().copied())
    }

    /// Draws the policy's allowed flows, every edge taken from the engine's decisions.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{graph::GraphFormat, Policy};
    /// let mermaid = Policy::default_policy().flow_graph().render(GraphFormat::Mermaid);
    /// assert!(mermaid.starts_with("flowchart LR"));
    /// assert!(mermaid.contains("events.eu1.segmentapis.com"));
    /// ```
    pub fn flow_graph(&self) -> FlowGraph {
        let mut g = FlowGraph::default();
        let mut cluster = |g: &mut FlowGraph, group: Option<GroupId>| -> Option<String> {
            let group = group?;
            let id = self.group_name(group).to_string();
            let label = self
                .document
                .groups
                .get(group.index())
                .and_then(|d| d.name.clone())
                .map_or(id.clone(), |name| format!("{id}: {name}"));
            g.clusters.insert(id.clone(), label);
            Some(id)
        };
        for region_id in self.region_ids() {
            let Some(region) = self.region(region_id) else {
                continue;
            };
            let rname = region.name.to_string();
            let rkey = format!("region:{rname}");
            let home = cluster(&mut g, self.cluster_of(region.processing));
            g.node(
                &rkey,
                format!(
                    "{rname} ({}, {})",
                    region.residency,
                    self.cloud_name(region.processing)
                ),
                Shape::Region,
                home.clone(),
            );
            self.ingest_edges(&mut g, region_id, &rkey, &mut cluster);
            self.store_edges(&mut g, region_id, &rkey, &mut cluster);
            self.delivery_edges(&mut g, region_id, &rkey, &mut cluster);
            let loaders: Vec<String> = self.egress(region_id).iter().map(|n| n.to_string()).collect();
            if !loaders.is_empty() {
                let key = format!("loaders:{rname}");
                g.node(
                    &key,
                    format!("warehouse loaders {}", loaders.join(", ")),
                    Shape::Place,
                    home,
                );
                g.edge(&rkey, &key, &format!("{rname}: connect"));
            }
        }
        self.failover_edges(&mut g, &mut cluster);
        g
    }

    fn ingest_edges(
        &self,
        g: &mut FlowGraph,
        region_id: RegionId,
        rkey: &str,
        cluster: &mut impl FnMut(&mut FlowGraph, Option<GroupId>) -> Option<String>,
    ) {
        let rname = self.region_name(region_id).to_string();
        for host in &self.hosts {
            let hkey = format!("host:{}", host.name);
            for kind in &self.kinds {
                if !self.ingest(&rname, &kind.name, &host.name).is_allowed() {
                    continue;
                }
                let place = host
                    .owners
                    .first()
                    .and_then(|o| self.ingestion(*o))
                    .and_then(|i| self.cluster_of(i.cloud));
                let c = cluster(g, place);
                g.node(&hkey, host.name.to_string(), Shape::Host, c);
                // One node per side (client, server, cloud), naming its kinds.
                let skey = format!("side:{}", kind.side);
                let mut by_mechanism: BTreeMap<String, Vec<&str>> = BTreeMap::new();
                for k in self.kinds.iter().filter(|k| k.side == kind.side) {
                    by_mechanism
                        .entry(k.mechanism.to_string())
                        .or_default()
                        .push(&k.name);
                }
                let kinds: Vec<String> = by_mechanism
                    .iter()
                    .map(|(m, ks)| format!("{} ({m})", ks.join(", ")))
                    .collect();
                g.node(
                    &skey,
                    format!("{} sources: {}", kind.side, kinds.join("; ")),
                    Shape::Source,
                    None,
                );
                g.edge(&skey, &hkey, &rname);
                g.edge(&hkey, rkey, &rname);
            }
        }
    }

    fn store_edges(
        &self,
        g: &mut FlowGraph,
        region_id: RegionId,
        rkey: &str,
        cluster: &mut impl FnMut(&mut FlowGraph, Option<GroupId>) -> Option<String>,
    ) {
        let rname = self.region_name(region_id).to_string();
        for (category, kinds) in [
            ("archives", &[StoreKind::Archive][..]),
            (
                "customer stores",
                &[StoreKind::DataLake, StoreKind::Warehouse][..],
            ),
        ] {
            // Cloud regions where some store of this category may live, by cluster.
            let mut by_cluster: BTreeMap<Option<String>, Vec<&str>> = BTreeMap::new();
            let mut total = 0usize;
            for (ci, cloud) in self.clouds.iter().enumerate() {
                let allowed = self
                    .stores
                    .iter()
                    .filter(|s| kinds.contains(&s.kind))
                    .any(|s| self.store(&rname, &s.name, &cloud.name).is_allowed());
                if allowed {
                    total += 1;
                    let c = cluster(g, self.cluster_of(CloudId(ci as u32)));
                    by_cluster.entry(c).or_default().push(&cloud.name);
                }
            }
            if total == 0 {
                continue;
            }
            if total == self.clouds.len() && self.clouds.len() > 1 {
                let key = format!("anywhere:{category}");
                g.node(&key, format!("{category}: any cloud region"), Shape::Place, None);
                g.edge(rkey, &key, &format!("{rname}: store"));
                continue;
            }
            for (c, clouds) in by_cluster {
                let key = format!("store:{rname}:{category}:{}", c.as_deref().unwrap_or("-"));
                let label = if clouds.len() <= 3 {
                    format!("{rname} {category}: {}", clouds.join(", "))
                } else {
                    format!("{rname} {category}: {} cloud regions", clouds.len())
                };
                g.node(&key, label, Shape::Place, c);
                g.edge(rkey, &key, &format!("{rname}: store"));
            }
        }
    }

    fn delivery_edges(
        &self,
        g: &mut FlowGraph,
        region_id: RegionId,
        rkey: &str,
        cluster: &mut impl FnMut(&mut FlowGraph, Option<GroupId>) -> Option<String>,
    ) {
        let rname = self.region_name(region_id).to_string();
        let mut counts: BTreeMap<GroupId, usize> = BTreeMap::new();
        for d in &self.destinations {
            let mut through: Vec<GroupId> = Vec::new();
            for e in d.endpoints.iter() {
                if self.deliver(&rname, &d.name, Some(&e.name)).is_allowed()
                    && !through.contains(&e.jurisdiction)
                {
                    through.push(e.jurisdiction);
                }
            }
            for j in through {
                *counts.entry(j).or_default() += 1;
            }
        }
        for (group, count) in counts {
            let c = cluster(g, Some(group));
            let key = format!("destinations:{}", self.group_name(group));
            g.node(
                &key,
                format!("destination endpoints in {}", self.group_name(group)),
                Shape::Place,
                c,
            );
            g.edge(rkey, &key, &format!("{rname}: {count} destinations"));
        }
    }

    fn failover_edges(
        &self,
        g: &mut FlowGraph,
        cluster: &mut impl FnMut(&mut FlowGraph, Option<GroupId>) -> Option<String>,
    ) {
        for (li, from) in self.locations.iter().enumerate() {
            for (lj, to) in self.locations.iter().enumerate() {
                if li == lj || !self.failover(&from.name, &to.name).is_allowed() {
                    continue;
                }
                let zones_node =
                    |g: &mut FlowGraph,
                     cluster: &mut dyn FnMut(&mut FlowGraph, Option<GroupId>) -> Option<String>,
                     ing| {
                        let key = format!("zones:{}", self.ingestion_path(ing));
                        let zones: Vec<&str> = self
                            .locations
                            .iter()
                            .filter(|l| l.ingestion == ing)
                            .filter_map(|l| l.name.rsplit('-').next())
                            .collect();
                        let place = self.ingestion(ing).and_then(|i| self.cluster_of(i.cloud));
                        let c = cluster(g, place);
                        g.node(
                            &key,
                            format!("{} zones {}", self.ingestion_path(ing), zones.join(" ")),
                            Shape::Zones,
                            c,
                        );
                        key
                    };
                let a = zones_node(g, cluster, from.ingestion);
                let b = zones_node(g, cluster, to.ingestion);
                g.edge(
                    &a,
                    &b,
                    &format!(
                        "{}: failover",
                        self.region_name(
                            self.ingestion(from.ingestion)
                                .map_or(RegionId(u32::MAX), |i| i.region)
                        )
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every edge carrying a strict region's data ends inside its jurisdiction's cluster:
    /// the picture shows nothing leaving the EU box.
    #[test]
    fn nothing_leaves_the_strict_region_box() {
        let policy = Policy::default_policy();
        let g = policy.flow_graph();
        let mut checked = 0;
        for ((from, to), labels) in &g.edges {
            if !labels.iter().any(|l| l == "eu-west" || l.starts_with("eu-west:")) {
                continue;
            }
            checked += 1;
            let target = &g.nodes[to];
            assert_eq!(
                target.cluster.as_deref(),
                Some("eu"),
                "{from} -> {to} ({labels:?}) leaves the eu box"
            );
            let source = &g.nodes[from];
            assert!(
                matches!(source.cluster.as_deref(), Some("eu") | None),
                "{from} lies outside eu"
            );
        }
        assert!(checked >= 6, "{checked}");
    }

    #[test]
    fn both_formats_draw_every_node_once() {
        let g = Policy::default_policy().flow_graph();
        let dot = g.render(GraphFormat::Dot);
        let mermaid = g.render(GraphFormat::Mermaid);
        assert!(dot.starts_with("digraph flows {") && dot.trim_end().ends_with('}'));
        for node in g.nodes.values() {
            assert_eq!(
                mermaid.matches(&format!("\"{}\"", node.label)).count(),
                1,
                "{}",
                node.label
            );
        }
        assert!(mermaid.contains("eu-west: failover"));
        assert!(
            !mermaid.contains("subgraph c0[\"ae"),
            "empty clusters are not drawn"
        );
    }
}
