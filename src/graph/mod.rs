//! A picture of a policy's allowed flows: sources → ingestion hosts → processing regions →
//! stores, destinations and loaders, with failover between zones, clustered by the
//! jurisdiction each thing lies in. Every edge is drawn from the engine's own decisions.
//!
//! [`build`](self) asks the engine (on ids) and gathers nodes and edges; `render` draws them.

mod build;
mod render;

use crate::policy::Policy;
use std::collections::BTreeMap;

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

/// A policy whose graph is over the budget: it would take too many decisions, or draw too
/// many nodes and edges, bounded from the policy's sizes before anything is drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the graph of policy `{policy}` would take up to {count} {what}, over the limit of {limit} (`limits::{name}`)")]
pub struct GraphRefused {
    /// The policy's name.
    pub policy: String,
    /// What is over: `decisions`, or `nodes and edges`.
    pub what: &'static str,
    /// The bound computed from the policy's sizes.
    pub count: u64,
    /// The limit.
    pub limit: u64,
    /// The limit's name in [`crate::limits`].
    pub name: &'static str,
}

impl FlowGraph {
    fn node(&mut self, key: &str, label: String, shape: Shape, cluster: Option<String>) {
        if !self.nodes.contains_key(key) {
            self.nodes.insert(
                key.to_string(),
                Node {
                    label,
                    shape,
                    cluster,
                },
            );
        }
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
            GraphFormat::Dot => render::to_dot(self),
            GraphFormat::Mermaid => render::to_mermaid(self),
        }
    }

    /// How many nodes and edges it holds.
    pub fn size(&self) -> (usize, usize) {
        (self.nodes.len(), self.edges.len())
    }
}

impl Policy {
    /// Draws the policy's allowed flows, every edge taken from the engine's decisions, in
    /// time linear in the edges drawn and the tables compiled; a policy whose graph would
    /// be over [`crate::limits::MAX_GRAPH_DECISIONS`] decisions or
    /// [`crate::limits::MAX_GRAPH_ITEMS`] nodes and edges is refused before drawing.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{graph::GraphFormat, Policy};
    /// let mermaid = Policy::default_policy().flow_graph().unwrap().render(GraphFormat::Mermaid);
    /// assert!(mermaid.starts_with("flowchart LR"));
    /// assert!(mermaid.contains("events.eu1.segmentapis.com"));
    /// ```
    pub fn flow_graph(&self) -> Result<FlowGraph, GraphRefused> {
        build::build(self)
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
        let g = policy.flow_graph().unwrap();
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
        let g = Policy::default_policy().flow_graph().unwrap();
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

    #[test]
    fn a_graph_over_the_budget_is_refused_naming_the_limit() {
        let policy = Policy::default_policy();
        let refused = build::build_within(&policy, 10, u64::MAX).unwrap_err();
        assert_eq!(refused.what, "decisions");
        assert!(
            refused.to_string().contains("`limits::MAX_GRAPH_DECISIONS`"),
            "{refused}"
        );
        let refused = build::build_within(&policy, u64::MAX, 10).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("over the limit of 10 (`limits::MAX_GRAPH_ITEMS`)"),
            "{refused}"
        );
    }
}
