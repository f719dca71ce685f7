//! The one place that talks to the YAML parser: the guard that bounds what a text may make
//! the parser do, the parser's options, and error positions.
//!
//! Every YAML text — a policy, a case file, a question — is first read by [`guard::check`]
//! (nesting, nodes, anchors, aliases, tags, documents), then deserialised by the same parser
//! with the same budgets, so the limits hold by construction.

pub mod guard;
mod path;

use crate::error::{Location, SyntaxError};
use crate::limits::{MAX_NESTING, MAX_YAML_NODES};
use crate::text::{bounded, MAX_MESSAGE_CHARS};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Parses `text` into `T` once [`guard::check`] has accepted it.
///
/// Scalars are typed strictly: a plain `true`, `null` or `1.5` is a boolean, a null or a
/// number, never a string (write `"true"` to mean the text); duplicate keys are refused.
///
/// A message names the path of the node it is about (`regions[0].residency: …`). A missing
/// field is reported without a position (the parser cannot say which mapping lacks it). A
/// text with no node at all reads as an empty mapping, so it is reported by the fields it
/// lacks.
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, SyntaxError> {
    let text = if guard::check(text)?.nodes == 0 {
        "{}"
    } else {
        text
    };
    serde_saphyr::with_deserializer_from_str_with_options(text, options(), |d| {
        crate::maps_only::deserialize(d)
    })
    .map_err(|e| {
        let mut location = e.location().filter(|l| l.line() > 0).map(|l| Location {
            line: usize::try_from(l.line()).unwrap_or(usize::MAX),
            column: usize::try_from(l.column()).unwrap_or(usize::MAX),
        });
        let mut message = message(&e);
        if message.starts_with("missing field") {
            location = None;
        }
        let about_the_key = message.starts_with("unknown field") || message.starts_with("duplicate key");
        if let Some(node) = location.and_then(|at| path::node_at(text, at)) {
            let node = node.path_for(about_the_key);
            if !node.is_empty() {
                message = bounded(&format!("{node}: {message}"), MAX_MESSAGE_CHARS);
            }
        }
        let over_limit = matches!(e.without_snippet(), serde_saphyr::Error::Budget { .. });
        SyntaxError {
            location,
            message,
            over_limit,
        }
    })
}

/// Serialises `value` as YAML that [`from_str`] reads back.
pub(crate) fn to_string<T: Serialize>(value: &T) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(value)
}

/// The parser's options: the guard's budgets again (belt and braces), strict scalars,
/// duplicate keys refused.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_NESTING;
    budget.flow_nesting_limit = MAX_NESTING;
    budget.max_nodes = MAX_YAML_NODES;
    budget.max_events = MAX_YAML_NODES.saturating_mul(3);
    budget.max_aliases = 0;
    budget.max_anchors = 0;
    budget.max_total_scalar_bytes = crate::limits::MAX_POLICY_BYTES;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options.reject_unsupported_tags = true;
    options.strict_booleans = true;
    options.no_schema = true;
    options.with_snippet = false;
    options.crop_radius = 0;
    options
}

/// The parser's message without its position (reported separately), bounded and escaped:
/// a message may quote the input, and the input may be anything.
fn message(error: &serde_saphyr::Error) -> String {
    let text = error.without_snippet().to_string();
    let text = strip_position(&text);
    let text = match text.strip_prefix("duplicate mapping key: ") {
        Some(key) => {
            let key = key
                .strip_suffix(", set DuplicateKeyPolicy in Options if acceptable")
                .unwrap_or(key);
            format!("duplicate key `{key}`")
        }
        None => match text {
            "expected sequence start" => "expected a sequence".to_string(),
            "expected mapping start" => "expected a mapping".to_string(),
            t if t.starts_with("cannot deserialize null into string") => {
                "expected a string, found null".to_string()
            }
            t => match t
                .strip_prefix("The string value [")
                .and_then(|v| v.strip_suffix("] must be quoted"))
            {
                Some(value) => format!(
                    "expected a string, found the plain scalar `{value}`; quote it if it is meant as text"
                ),
                None => t.to_string(),
            },
        },
    };
    bounded(&text, MAX_MESSAGE_CHARS)
}

/// The parser writes the position into its messages ("line L column C: …" or "… at line L,
/// column C"); the location is reported separately, so drop it to keep one format.
fn strip_position(message: &str) -> &str {
    let message = match message.rfind(" at line ") {
        Some(i) if message.get(i..).is_some_and(|tail| tail.contains(", column ")) => {
            message.get(..i).unwrap_or(message)
        }
        _ => message,
    };
    let Some(rest) = message.strip_prefix("line ") else {
        return message;
    };
    match rest.split_once(": ") {
        Some((position, text)) if position.split(' ').count() == 3 && position.contains(" column ") => text,
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn only_the_parsers_own_position_is_stripped_from_a_message() {
        assert_eq!(
            strip_position("line 3 column 5: unexpected end"),
            "unexpected end"
        );
        assert_eq!(
            strip_position("invalid value at line 3, column 5"),
            "invalid value"
        );
        // Words that only look like a position stay.
        assert_eq!(
            strip_position("seen at line 3 of the file"),
            "seen at line 3 of the file"
        );
        assert_eq!(strip_position("line of sight: blocked"), "line of sight: blocked");
        assert_eq!(strip_position("line 3 row 5: text"), "line 3 row 5: text");
        assert_eq!(
            strip_position("line 3 column 5 more: text"),
            "line 3 column 5 more: text"
        );
        assert_eq!(strip_position("no position here"), "no position here");
    }

    type Map = BTreeMap<String, serde_json::Value>;

    #[test]
    fn deep_nesting_is_refused_with_a_position() {
        let text = format!("a: {}", "[".repeat(40));
        let err = from_str::<Map>(&text).err().unwrap();
        assert!(err.message.contains("nesting deeper"), "{}", err.message);
        assert_eq!(
            err.location,
            Some(Location {
                line: 1,
                column: 4 + MAX_NESTING
            })
        );
    }

    #[test]
    fn what_is_written_reads_back() {
        for value in [
            "R&D owns *all* regions",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            "a\nb",
            "'q",
            "true",
            "null",
            "1.5",
            "010",
            "- x",
            "\u{feff}x",
            "#",
        ] {
            let doc = vec![value.to_string()];
            let text = to_string(&doc).unwrap();
            assert_eq!(from_str::<Vec<String>>(&text).unwrap(), doc, "{text}");
        }
    }

    #[test]
    fn scalars_are_typed_strictly() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Named {
            id: String,
        }
        for text in [
            "id: true\n",
            "id: null\n",
            "id: 1.5\n",
            "id: 7\n",
            "id:\n",
            "id: ~\n",
        ] {
            assert!(from_str::<Named>(text).is_err(), "{text:?}");
        }
        assert_eq!(from_str::<Named>("id: \"true\"\n").unwrap().id, "true");
        assert_eq!(from_str::<Named>("id: 'NO'\n").unwrap().id, "NO");
        // YAML 1.1's `NO` is not a boolean.
        assert_eq!(from_str::<Named>("id: NO\n").unwrap().id, "NO");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let err = from_str::<Map>("a: 1\nb: 2\na: 3\n").err().unwrap();
        assert!(err.message.contains("duplicate"), "{}", err.message);
        assert!(!err.message.contains("DuplicateKeyPolicy"), "{}", err.message);
        assert_eq!(err.location.map(|l| l.line), Some(3));
    }

    #[test]
    fn messages_carry_no_duplicate_position_and_quote_little() {
        let err = from_str::<Vec<u32>>("[1, x]").err().unwrap();
        assert!(!err.message.contains("line 1"), "{}", err.message);
        assert!(err.location.is_some());
        let secret = format!("root:x:0:0:{}\u{1b}[2K", "y".repeat(10_000));
        let err = from_str::<Vec<u32>>(&format!("- \"{secret}\"\n")).err().unwrap();
        assert!(
            err.message.len() <= MAX_MESSAGE_CHARS * 4,
            "{}",
            err.message.len()
        );
        assert!(!err.message.contains('\u{1b}'));
    }

    #[test]
    fn a_leading_byte_order_mark_is_accepted() {
        let map = from_str::<Map>("\u{feff}a: b\n").unwrap();
        assert_eq!(map.get("a"), Some(&serde_json::json!("b")));
    }
}
