//! Writing the imported document: YAML in the configuration's own shape, every scalar quoted
//! when it is not a plain word, every comment escaped and bounded, so nothing read from the
//! API can break a line, end a comment early or change the document's structure.

use super::api::{Destination, Source, Warehouse, WorkspaceInfo};
use super::mapping::{self, Fact};
use crate::text::{bounded, excerpt, MAX_MESSAGE_CHARS};
use crate::workspace::UNKNOWN;
use std::fmt::Write as _;

pub(crate) struct Input<'a> {
    pub(crate) workspace: &'a WorkspaceInfo,
    pub(crate) region: &'a str,
    pub(crate) region_from: &'a str,
    pub(crate) sources: &'a [Source],
    pub(crate) destinations: &'a [Destination],
    pub(crate) warehouses: &'a [Warehouse],
}

pub(crate) struct Rendered {
    pub(crate) text: String,
    pub(crate) unknown: usize,
}

/// A YAML scalar for `text`: plain when it is a lower-case word of the names' alphabet and
/// no YAML keyword, else double-quoted with `"`, `\` and every control or bidirectional
/// character escaped.
pub(crate) fn scalar(text: &str) -> String {
    let plain = text.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && text.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b'/' | b':')
        })
        && !matches!(
            text,
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}') =>
            {
                let n = u32::from(c);
                if n <= 0xffff {
                    let _ = write!(out, "\\u{n:04x}");
                } else {
                    let _ = write!(out, "\\U{n:08x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// ` # comment`, escaped and bounded: a comment can never end its line early.
fn comment(text: &str) -> String {
    format!("   # {}", bounded(text, MAX_MESSAGE_CHARS))
}

struct Doc {
    text: String,
    unknown: usize,
}

impl Doc {
    /// A list's key: `key:` when it has entries, else `key: []` saying the call returned none.
    fn list(&mut self, key: &str, empty: bool, call: &str) {
        if empty {
            self.line("", key, "[]", &format!("{call} returned none"));
        } else {
            self.text.push_str(key);
            self.text.push_str(":\n");
        }
    }

    /// An entry's first line, its `id`, noted with where it came from (`at`), its name, what
    /// else the caller adds (`more`) and whether it is disabled.
    fn id(&mut self, id: &str, at: &str, name: Option<&str>, more: &str, enabled: bool) {
        let name = name.map(|n| format!(" `{}`", excerpt(n))).unwrap_or_default();
        self.line(
            "  - ",
            "id",
            &scalar(id),
            &format!("{at}.id{name}{more}{}", state(enabled)),
        );
    }

    fn line(&mut self, indent: &str, key: &str, value: &str, note: &str) {
        let _ = write!(self.text, "{indent}{key}: {value}");
        if !note.is_empty() {
            self.text.push_str(&comment(note));
        }
        self.text.push('\n');
    }

    /// A field from a fact: known → the value with where it came from; unknown → `unknown`
    /// with the reason; absent → nothing.
    fn fact(&mut self, indent: &str, key: &str, fact: &Fact, subject: &str) {
        match fact {
            Fact::Absent => {}
            // A setting that reads `unknown` is not a value: written so, it is one to confirm.
            Fact::Known { value, from, .. } if value == UNKNOWN => {
                self.unknown += 1;
                self.line(
                    indent,
                    key,
                    UNKNOWN,
                    &format!("{subject}.{from} reads `{UNKNOWN}`"),
                );
            }
            Fact::Known { value, from, note } => {
                let mut why = format!("{subject}.{from}");
                if !note.is_empty() {
                    let _ = write!(why, ": {note}");
                }
                self.line(indent, key, &scalar(value), &why);
            }
            Fact::Unknown { reason } => {
                self.unknown += 1;
                self.line(indent, key, UNKNOWN, reason);
            }
        }
    }
}

fn named(kind: &str, id: &str) -> String {
    format!("{kind}[id={}]", excerpt(id))
}

fn state(enabled: bool) -> &'static str {
    if enabled {
        ""
    } else {
        "; DISABLED in Segment (`enabled: false`): kept, and checked as if it were on"
    }
}

pub(crate) fn document(input: &Input<'_>) -> Rendered {
    let mut doc = Doc {
        text: String::new(),
        unknown: 0,
    };
    let ws = input.workspace;
    doc.text.push_str(
        "# Imported from Segment's Public API by `regionfence import-segment`.\n\
         # Each value's comment says where it came from. `unknown` marks a fact the API does not\n\
         # carry: `regionfence check-workspace` reports each as `not-known-from-api` until it is\n\
         # replaced by the value confirmed. Write keys are never written here.\n",
    );
    doc.line("", "version", "1", "");
    doc.line(
        "",
        "workspace",
        &scalar(&ws.slug),
        &format!("workspace.slug (workspace.id `{}`)", excerpt(&ws.id)),
    );
    doc.line("", "region", &scalar(input.region), input.region_from);

    doc.list("sources", input.sources.is_empty(), "listSources");
    for s in input.sources {
        let at = named("sources", &s.id);
        doc.id(&s.id, &at, s.name.as_deref(), "", s.enabled);
        let side = mapping::source_side(s);
        let categories: Vec<String> = s.categories.iter().map(|c| excerpt(c)).collect();
        doc.line(
            "    ",
            "source",
            &scalar(&s.slug),
            &format!(
                "{at}.metadata.slug; {} side (categories: {}{})",
                side.as_str(),
                if categories.is_empty() {
                    "none".to_string()
                } else {
                    crate::text::list(&categories)
                },
                if s.cloud_event { "; isCloudEventSource" } else { "" }
            ),
        );
        let (ingestion, host) = mapping::source_facts(s);
        doc.fact("    ", "ingestion", &ingestion, &at);
        doc.fact("    ", "host", &host, &at);
    }

    doc.list("destinations", input.destinations.is_empty(), "listDestinations");
    for d in input.destinations {
        let at = named("destinations", &d.id);
        let from = d
            .source_id
            .as_deref()
            .map(|s| format!(", from source `{}`", excerpt(s)))
            .unwrap_or_default();
        doc.id(&d.id, &at, d.name.as_deref(), &from, d.enabled);
        doc.line(
            "    ",
            "destination",
            &scalar(&d.slug),
            &format!("{at}.metadata.slug"),
        );
        doc.fact("    ", "endpoint", &mapping::destination_endpoint(d), &at);
    }

    doc.list("stores", input.warehouses.is_empty(), "listWarehouses");
    for w in input.warehouses {
        let at = named("warehouses", &w.id);
        doc.id(&w.id, &at, w.name.as_deref(), "", w.enabled);
        doc.line("    ", "store", &scalar(&w.slug), &format!("{at}.metadata.slug"));
        let region = mapping::warehouse_region(w);
        let region = match region {
            // The document needs a cloud region: nothing written would be an error, not a pass.
            Fact::Absent => Fact::Unknown {
                reason: "no setting reveals its cloud region".into(),
            },
            other => other,
        };
        doc.fact("    ", "cloud_region", &region, &at);
    }
    if !input.warehouses.is_empty() {
        doc.text.push_str("warehouses:\n");
        for w in input.warehouses {
            let _ = writeln!(doc.text, "  {}:", scalar(&w.id));
            doc.unknown += 1;
            doc.line(
                "    ",
                "firewall",
                &format!("[{UNKNOWN}]"),
                "the Public API does not return a warehouse's firewall: replace with the addresses it admits",
            );
        }
    }
    Rendered {
        text: doc.text,
        unknown: doc.unknown,
    }
}

/// The gateway's `write_keys` table.
pub(crate) fn gateway_keys(region: &str, keys: &[(String, String)]) -> String {
    let mut out = String::from(
        "# Write keys imported from Segment's Public API, each with its workspace's region: the\n\
         # gateway's `write_keys` table. Secret: keep this file readable by its owner only.\n",
    );
    if keys.is_empty() {
        out.push_str("write_keys: {}\n");
        return out;
    }
    out.push_str("write_keys:\n");
    for (key, source) in keys {
        let _ = writeln!(
            out,
            "  {}: {}{}",
            scalar_quoted(key),
            scalar(region),
            comment(&format!("sources[id={}]", excerpt(source)))
        );
    }
    out
}

/// Always double-quoted (a key is never read as another YAML type).
fn scalar_quoted(text: &str) -> String {
    let s = scalar(text);
    if s.starts_with('"') {
        s
    } else {
        format!("\"{s}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_plain_only_when_safe() {
        assert_eq!(scalar("eu-west"), "eu-west");
        assert_eq!(scalar("aws:eu-west-1"), "aws:eu-west-1");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("123"), "\"123\"");
        assert_eq!(scalar("a\"b\\c\nd\u{202e}"), "\"a\\\"b\\\\c\\u000ad\\u202e\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("a #b"), "\"a #b\"");
    }

    #[test]
    fn a_comment_never_ends_its_line() {
        assert!(!comment("a\nb\rc\u{2028}").contains(['\n', '\r', '\u{2028}']));
    }
}
