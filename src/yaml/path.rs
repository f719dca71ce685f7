//! Where in a document's tree a position lies: `regions[0].residency`, for error messages.
//!
//! Only read after a text failed to deserialise, and only a text the guard accepted, so the
//! walk is as bounded as the guard's own.

use crate::error::Location;
use serde_saphyr::granit_parser::{Event, Parser};

/// One open collection on the way down.
enum Frame {
    Sequence { path: String, index: usize },
    Mapping { path: String, key: Option<String> },
}

impl Frame {
    fn path(&self) -> &str {
        match self {
            Frame::Sequence { path, .. } | Frame::Mapping { path, .. } => path,
        }
    }

    /// The path of the child that comes next, or `None` when the next event is a key.
    fn child(&self) -> Option<String> {
        match self {
            Frame::Sequence { path, index, .. } => Some(format!("{path}[{index}]")),
            Frame::Mapping { key: None, .. } => None,
            Frame::Mapping {
                path, key: Some(key), ..
            } if path.is_empty() => Some(key.clone()),
            Frame::Mapping {
                path, key: Some(key), ..
            } => Some(format!("{path}.{key}")),
        }
    }

    /// A child ended: the next one begins.
    fn advance(&mut self) {
        match self {
            Frame::Sequence { index, .. } => *index += 1,
            Frame::Mapping { key, .. } => *key = None,
        }
    }
}

/// What stands at a position.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Node {
    /// A key of the mapping at this path (empty for the root).
    Key {
        /// The mapping's path.
        mapping: String,
        /// The key, as an excerpt.
        key: String,
    },
    /// A value, or the end of the collection, at this path.
    Value(String),
}

impl Node {
    /// The path to name in a message about this node: a key's mapping for messages about
    /// the key itself (an unknown or duplicate key), else the value's path.
    pub(crate) fn path_for(self, about_the_key: bool) -> String {
        match self {
            Node::Key { mapping, .. } if about_the_key => mapping,
            Node::Key { mapping, key } if mapping.is_empty() => key,
            Node::Key { mapping, key } => format!("{mapping}.{key}"),
            Node::Value(path) => path,
        }
    }
}

/// The node at `at` in `text`.
pub(crate) fn node_at(text: &str, at: Location) -> Option<Node> {
    let mut stack: Vec<Frame> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.ok()?;
        let here = Location {
            line: span.start.line(),
            column: span.start.col() + 1,
        };
        let reached = (here.line, here.column) >= (at.line, at.column);
        match event {
            Event::Scalar(value, ..) => {
                let top = stack.last_mut()?;
                match top.child() {
                    None if reached => {
                        return Some(Node::Key {
                            mapping: top.path().to_string(),
                            key: crate::text::excerpt(&value),
                        })
                    }
                    None => {
                        if let Frame::Mapping { key, .. } = top {
                            *key = Some(crate::text::excerpt(&value));
                        }
                    }
                    Some(path) if reached => return Some(Node::Value(path)),
                    Some(_) => top.advance(),
                }
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let path = match stack.last() {
                    None => String::new(),
                    Some(top) => top.child().unwrap_or_else(|| top.path().to_string()),
                };
                if reached {
                    return Some(Node::Value(path));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Sequence { path, index: 0 }
                } else {
                    Frame::Mapping { path, key: None }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = stack.pop()?;
                if reached {
                    return Some(Node::Value(frame.path().to_string()));
                }
                if let Some(top) = stack.last_mut() {
                    top.advance();
                }
            }
            // The guard admits one document only: what ends it ends the search.
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, line: usize, column: usize) -> Option<Node> {
        node_at(text, Location { line, column })
    }

    fn value(path: &str) -> Option<Node> {
        Some(Node::Value(path.into()))
    }

    #[test]
    fn paths_of_keys_values_and_items() {
        let text = "version: 1\nregions:\n  - id: eu\n    residency: loose\n    kinds: [a, b]\n";
        assert_eq!(at(text, 1, 10), value("version"));
        assert_eq!(at(text, 3, 9), value("regions[0].id"));
        assert_eq!(
            at(text, 4, 5),
            Some(Node::Key {
                mapping: "regions[0]".into(),
                key: "residency".into()
            })
        );
        assert_eq!(at(text, 4, 5).unwrap().path_for(true), "regions[0]");
        assert_eq!(at(text, 4, 5).unwrap().path_for(false), "regions[0].residency");
        assert_eq!(at(text, 4, 16), value("regions[0].residency"));
        assert_eq!(at(text, 5, 15), value("regions[0].kinds[1]"));
        // A key of the root mapping is named alone.
        assert_eq!(at(text, 2, 1).unwrap().path_for(false), "regions");
        assert_eq!(at(text, 2, 1).unwrap().path_for(true), "");
    }

    #[test]
    fn past_the_end_there_is_no_node() {
        assert_eq!(at("a: [1,\n", 1, 5), value("a[0]"));
        assert_eq!(at("a: 1\n", 9, 1), None);
    }
}
