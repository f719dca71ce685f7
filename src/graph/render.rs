//! Drawing a built [`FlowGraph`] as Graphviz DOT or a Mermaid flowchart: one pass over its
//! nodes (grouped by cluster once) and one over its edges.

use super::{FlowGraph, Node, Shape};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Nodes by key.
type Nodes<'a> = Vec<(&'a str, &'a Node)>;

/// The nodes grouped by cluster, clusters in order, and each node's drawn id.
struct Layout<'a> {
    /// Cluster id → its label and its nodes; only clusters holding a node.
    clusters: Vec<(&'a str, &'a str, Nodes<'a>)>,
    /// Nodes that lie anywhere.
    loose: Nodes<'a>,
    ids: BTreeMap<&'a str, String>,
}

impl<'a> Layout<'a> {
    fn new(g: &'a FlowGraph) -> Self {
        let mut by_cluster: BTreeMap<&str, Nodes<'a>> = BTreeMap::new();
        let mut loose = Vec::new();
        for (key, node) in &g.nodes {
            match node.cluster.as_deref() {
                Some(c) => by_cluster.entry(c).or_default().push((key.as_str(), node)),
                None => loose.push((key.as_str(), node)),
            }
        }
        let clusters = g
            .clusters
            .iter()
            .filter_map(|(c, label)| Some((c.as_str(), label.as_str(), by_cluster.remove(c.as_str())?)))
            .collect();
        let ids = g
            .nodes
            .keys()
            .enumerate()
            .map(|(i, k)| (k.as_str(), format!("n{i}")))
            .collect();
        Layout { clusters, loose, ids }
    }

    fn id(&self, key: &str) -> &str {
        self.ids.get(key).map_or("", |s| s)
    }

    /// Every edge as the ids both renderers draw, with its labels joined.
    fn edges(&'a self, g: &'a FlowGraph) -> impl Iterator<Item = (&'a str, &'a str, String)> + 'a {
        g.edges.iter().filter_map(move |((from, to), labels)| {
            Some((
                self.ids.get(from.as_str())?.as_str(),
                self.ids.get(to.as_str())?.as_str(),
                labels.join(", "),
            ))
        })
    }
}

pub(super) fn to_dot(g: &FlowGraph) -> String {
    let layout = Layout::new(g);
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
            layout.id(key),
            esc(&node.label)
        )
    };
    for (cluster, label, nodes) in &layout.clusters {
        let _ = writeln!(
            out,
            "  subgraph \"cluster_{}\" {{\n    label=\"{}\";",
            esc(cluster),
            esc(label)
        );
        for (key, node) in nodes {
            let _ = writeln!(out, "    {}", node_line(key, node));
        }
        out.push_str("  }\n");
    }
    for (key, node) in &layout.loose {
        let _ = writeln!(out, "  {}", node_line(key, node));
    }
    for (a, b, label) in layout.edges(g) {
        let _ = writeln!(out, "  {a} -> {b} [label=\"{}\"];", esc(&label));
    }
    out.push_str("}\n");
    out
}

pub(super) fn to_mermaid(g: &FlowGraph) -> String {
    let layout = Layout::new(g);
    let esc = |s: &str| s.replace('"', "#quot;");
    let node_text = |key: &str, node: &Node| {
        let id = layout.id(key);
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
    for (i, (_, label, nodes)) in layout.clusters.iter().enumerate() {
        let _ = writeln!(out, "  subgraph c{i}[\"{}\"]", esc(label));
        for (key, node) in nodes {
            let _ = writeln!(out, "    {}", node_text(key, node));
        }
        out.push_str("  end\n");
    }
    for (key, node) in &layout.loose {
        let _ = writeln!(out, "  {}", node_text(key, node));
    }
    for (a, b, label) in layout.edges(g) {
        if label.is_empty() {
            let _ = writeln!(out, "  {a} --> {b}");
        } else {
            let _ = writeln!(out, "  {a} -->|\"{}\"| {b}", esc(&label));
        }
    }
    out
}
