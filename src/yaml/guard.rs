//! The YAML guard: reads a text as YAML, event by event, with the same parser that then
//! deserialises it, and refuses it at the first event past a budget.
//!
//! Because it is the parser's own event stream, not a lexical approximation of it, what the
//! guard counts is exactly what the parser builds: a block scalar, a quoted scalar, a comment
//! or a tag hides nothing from it. The parser reads lazily, one token at a time, and the guard
//! stops it at the first collection that would open past [`MAX_NESTING`]; so the parser never
//! holds more than [`MAX_NESTING`] open collections (its per-token work depends on that), and
//! the whole pass costs a bounded amount per input byte.

use crate::error::{Location, SyntaxError};
use crate::limits::{MAX_NESTING, MAX_YAML_NODES};
use crate::text::{bounded, excerpt, MAX_MESSAGE_CHARS};
use serde_saphyr::granit_parser::{ErrorKind, Event, Options, Parser, Span};

/// What the guard saw of a text it accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape {
    /// Parser events read (the guard's work).
    pub events: usize,
    /// Nodes: scalars, sequences and mappings.
    pub nodes: usize,
    /// The deepest nesting of collections, block and flow alike.
    pub depth: usize,
    /// Documents in the stream (0 for an empty text).
    pub documents: usize,
}

/// Reads `text` as a YAML stream and refuses it, with the position of the first offending
/// event, when it nests collections deeper than [`MAX_NESTING`], holds more than
/// [`MAX_YAML_NODES`] nodes, uses an anchor, an alias or a tag, holds more than one document,
/// or is not YAML at all.
///
/// ```
/// use regionfence::yaml_guard::check;
/// assert_eq!(check("a: [1, {b: 2}]\n").unwrap().depth, 3);
/// let deep = format!("a: {}", "[".repeat(33));
/// assert!(check(&deep).unwrap_err().message.contains("nesting deeper than 32"));
/// assert!(check("a: &x 1\nb: *x\n").is_err());
/// assert!(check("a: !!binary aGk=\n").is_err());
/// ```
pub fn check(text: &str) -> Result<Shape, SyntaxError> {
    let mut events = 0;
    check_counted(text, &mut events)
}

/// [`check`], counting in `events` the parser events read, refused or not: the guard's work,
/// which the fuzz target bounds per input byte.
pub fn check_counted(text: &str, events: &mut usize) -> Result<Shape, SyntaxError> {
    check_within(text, events, MAX_YAML_NODES)
}

/// [`check_counted`] with at most `max_nodes` nodes.
fn check_within(text: &str, events: &mut usize, max_nodes: usize) -> Result<Shape, SyntaxError> {
    let mut shape = Shape::default();
    let mut depth = 0usize;
    let mut options = Options::default();
    // The scanner reads ahead of the events (up to its simple-key lookahead): bound its
    // own nesting too, so it stops where the guard would.
    options.flow_nesting_limit = MAX_NESTING;
    options.block_nesting_limit = MAX_NESTING;
    for event in Parser::new_from_str_with_options(text, options) {
        let (event, span) = event.map_err(|e| {
            let too_deep_here = matches!(e.kind(), ErrorKind::RecursionLimitExceeded);
            SyntaxError {
                location: Some(Location {
                    line: e.marker().line(),
                    column: e.marker().col() + 1,
                }),
                message: if too_deep_here {
                    too_deep()
                } else {
                    bounded(&e.info(), MAX_MESSAGE_CHARS)
                },
                over_limit: too_deep_here,
            }
        })?;
        *events += 1;
        shape.events = *events;
        match event {
            Event::DocumentStart(..) => {
                shape.documents += 1;
                if shape.documents > 1 {
                    return refuse(
                        &span,
                        "a YAML stream holding more than one document is not accepted".into(),
                    );
                }
            }
            Event::Alias(_) | Event::UnresolvedAlias(_) => {
                return refuse(&span, "YAML anchors and aliases are not accepted".into());
            }
            Event::Scalar(_, _, anchor, tag) => {
                node(&mut shape, &span, anchor, tag.as_deref(), max_nodes)?;
            }
            Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag) => {
                node(&mut shape, &span, anchor, tag.as_deref(), max_nodes)?;
                depth += 1;
                if depth > MAX_NESTING {
                    return refuse(&span, too_deep());
                }
                shape.depth = shape.depth.max(depth);
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(shape)
}

/// Counts one node and refuses its anchor or tag.
fn node(
    shape: &mut Shape,
    span: &Span,
    anchor: usize,
    tag: Option<&serde_saphyr::granit_parser::Tag>,
    max_nodes: usize,
) -> Result<(), SyntaxError> {
    if anchor != 0 {
        return refuse(span, "YAML anchors and aliases are not accepted".into());
    }
    if let Some(tag) = tag {
        return refuse(
            span,
            format!("YAML tags are not accepted (`{}`)", excerpt(&tag.to_string())),
        );
    }
    shape.nodes += 1;
    if shape.nodes > max_nodes {
        return refuse(span, format!("a YAML text may hold at most {max_nodes} nodes"));
    }
    Ok(())
}

fn too_deep() -> String {
    format!("YAML nesting deeper than {MAX_NESTING} levels is not accepted")
}

fn refuse<T>(span: &Span, message: String) -> Result<T, SyntaxError> {
    let start = span.tag_start().unwrap_or(span.start);
    Err(SyntaxError {
        location: Some(Location {
            line: start.line(),
            column: start.col() + 1,
        }),
        message,
        over_limit: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> SyntaxError {
        match check(text) {
            Ok(shape) => panic!("accepted {text:?}: {shape:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn flow_and_block_nesting_share_one_bound() {
        let ok = format!(
            "a: {}x{}",
            "[".repeat(MAX_NESTING - 1),
            "]".repeat(MAX_NESTING - 1)
        );
        assert_eq!(check(&ok).unwrap().depth, MAX_NESTING);
        let deep = format!("a: {}x{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        let e = refused(&deep);
        assert!(e.message.contains("nesting deeper"), "{}", e.message);
        assert_eq!(
            e.location,
            Some(Location {
                line: 1,
                column: 3 + MAX_NESTING
            })
        );
        for block in ["- ", "? "] {
            let e = refused(&block.repeat(MAX_NESTING + 1));
            assert!(e.message.contains("nesting deeper"), "{block:?}: {}", e.message);
        }
        let mut indented = String::new();
        for i in 0..=MAX_NESTING {
            indented.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        indented.push_str(&format!("{}v: 1\n", " ".repeat(MAX_NESTING + 1)));
        assert!(refused(&indented).message.contains("nesting deeper"));
    }

    /// The seventh bypass of the lexical guard: a lone `|` on an indented line. YAML ends the
    /// block scalar at the first less-indented line, and so does the parser.
    #[test]
    fn a_block_scalar_hides_nothing_after_it() {
        let depth = 100_000;
        let text = format!(
            "a:\n  b:\n      |\n      t\n  c: {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let e = refused(&text);
        assert!(e.message.contains("nesting deeper"), "{}", e.message);
        assert_eq!(e.location.map(|l| l.line), Some(5));
    }

    #[test]
    fn what_quotes_comments_and_block_scalars_hold_is_text() {
        let deep = "[".repeat(100);
        for text in [
            format!("a: '{deep}'\nb: 1 # {deep}\n"),
            format!("a: \"x\\\" {deep}\"\n"),
            format!("d: |-\n  x\n  {deep}\n\n  y\nk: 1\n"),
            format!("- >\n  {deep}\n- x\n"),
            format!("a: \"R&D owns *all* {deep}\"\n"),
        ] {
            check(&text).unwrap_or_else(|e| panic!("{text:?}: {}", e.message));
        }
    }

    #[test]
    fn anchors_aliases_and_tags_are_refused() {
        assert!(refused("a: &x [1]\n").message.contains("anchors"));
        assert!(refused("a: *x\n").location.is_some());
        let bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n";
        assert_eq!(refused(bomb).location, Some(Location { line: 1, column: 7 }));
        for tagged in [
            "ask: !!python/object:os.system ingest\n",
            "a: !!binary aGVsbG8=\n",
            "a: !x [1]\n",
            "a: !!str b\n",
        ] {
            let e = refused(tagged);
            assert!(
                e.message.starts_with("YAML tags are not accepted"),
                "{tagged:?}: {}",
                e.message
            );
            assert_eq!(e.location.map(|l| l.line), Some(1), "{tagged:?}");
        }
    }

    #[test]
    fn a_text_may_hold_exactly_the_node_limit() {
        // `[1, 2]` is three nodes: the sequence and its two scalars.
        let mut events = 0;
        assert_eq!(check_within("[1, 2]", &mut events, 3).unwrap().nodes, 3);
        let e = check_within("[1, 2, 3]", &mut events, 3).err().unwrap();
        assert_eq!(e.message, "a YAML text may hold at most 3 nodes");
        assert_eq!(e.location, Some(Location { line: 1, column: 8 }));
        assert!(e.over_limit);
        assert!(check("[1, 2, 3]").is_ok());
    }

    #[test]
    fn the_guard_counts_every_event_it_reads() {
        let count = |text: &str| {
            let mut events = 0;
            let shape = check_counted(text, &mut events).unwrap();
            assert_eq!(shape.events, events);
            events
        };
        // Two more scalars, two more events; a refused text still counts what was read.
        assert_eq!(count("a: [1, 2, 3, 4]\n"), count("a: [1, 2]\n") + 2);
        assert!(count("a: b\n") >= 4);
        // The count goes on from the value given: one budget over several texts.
        let mut events = 100;
        check_counted("a: 1\n", &mut events).unwrap();
        assert_eq!(events, 100 + count("a: 1\n"));
        let mut refused = 0;
        assert!(check_counted("a: 1\n---\nb: 2\n", &mut refused).is_err());
        assert!(refused >= count("a: 1\n") - 1, "{refused}");
    }

    #[test]
    fn one_document_at_most() {
        assert_eq!(check("").unwrap().documents, 0);
        assert_eq!(check("a: 1\n").unwrap().documents, 1);
        let e = refused("a: 1\n---\nb: 2\n");
        assert!(e.message.contains("more than one document"), "{}", e.message);
        assert_eq!(e.location.map(|l| l.line), Some(2));
    }

    #[test]
    fn a_leading_byte_order_mark_is_accepted() {
        assert_eq!(check("\u{feff}a: 1\n").unwrap().nodes, 3);
    }

    #[test]
    fn malformed_yaml_is_refused_with_its_position() {
        let e = refused("a: [1, 2\n");
        assert!(e.location.is_some());
        let e = refused("a:\n\t- x\n");
        assert_eq!(e.location.map(|l| l.line), Some(2));
    }
}
