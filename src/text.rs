//! Text that comes from an input and goes to a person: control characters escaped, length
//! bounded, so no name, message or excerpt can rewrite a terminal or flood a log.

use std::borrow::Cow;
use std::fmt::Write;

/// The most characters of an input quoted in any message.
pub const MAX_EXCERPT_CHARS: usize = 80;

/// The most characters of any one message built from input (a parse error, a hint list).
pub const MAX_MESSAGE_CHARS: usize = 400;

/// `text` with every control character (C0, DEL, C1, and the Unicode line and paragraph
/// separators and bidirectional overrides) written as Rust writes it escaped (`\n`,
/// `\u{1b}`); borrowed when there is none.
///
/// ```
/// use regionfence::text::escape_control;
/// assert_eq!(escape_control("eu-west"), "eu-west");
/// assert_eq!(escape_control("a\u{1b}[2K\rb"), "a\\u{1b}[2K\\rb");
/// ```
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// At most [`MAX_EXCERPT_CHARS`] characters of `text`, control characters escaped, with `…`
/// where it was cut.
///
/// ```
/// use regionfence::text::excerpt;
/// assert_eq!(excerpt("short"), "short");
/// let long = "x".repeat(1000);
/// assert_eq!(excerpt(&long).chars().count(), regionfence::text::MAX_EXCERPT_CHARS + 1);
/// ```
pub fn excerpt(text: &str) -> String {
    bounded(text, MAX_EXCERPT_CHARS)
}

/// At most `limit` characters of `text`, control characters escaped, with `…` where it was
/// cut. An escape counts as the characters it writes.
pub fn bounded(text: &str, limit: usize) -> String {
    let mut out = String::new();
    let mut written = 0usize;
    for c in text.chars() {
        let before = out.len();
        push_escaped(&mut out, c);
        written += out.get(before..).map_or(1, |s| s.chars().count());
        if written > limit {
            out.truncate(before);
            out.push('…');
            return out;
        }
    }
    out
}

/// The most items of a list from input named in one message.
pub const MAX_LISTED: usize = 8;

/// Up to [`MAX_LISTED`] items joined with `, `, then how many were left out.
///
/// ```
/// use regionfence::text::list;
/// assert_eq!(list(["a", "b"]), "a, b");
/// assert_eq!(list((0..10).map(|i| i.to_string())), "0, 1, 2, 3, 4, 5, 6, 7 and 2 more");
/// ```
pub fn list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let mut out = String::new();
    let mut left_out = 0usize;
    for (i, item) in items.into_iter().enumerate() {
        if i >= MAX_LISTED {
            left_out += 1;
            continue;
        }
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{item}");
    }
    if left_out > 0 {
        let _ = write!(out, " and {left_out} more");
    }
    out
}

/// `json`, a JSON text, with every character [`escape_control`] escapes written as a JSON
/// `\uXXXX` escape: the same JSON value, and nothing in it that could rewrite a terminal. Such
/// characters can only stand inside a JSON string, where the escape means the same character.
///
/// ```
/// use regionfence::text::escape_json_controls;
/// assert_eq!(escape_json_controls(r#"{"a":"b"}"#), r#"{"a":"b"}"#);
/// assert_eq!(escape_json_controls("[\"x\u{202E}\u{9b}\"]"), r#"["x\u202e\u009b"]"#);
/// ```
pub fn escape_json_controls(json: &str) -> Cow<'_, str> {
    if !json.chars().any(needs_escape) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 12);
    for c in json.chars() {
        if needs_escape(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut String, c: char) {
    if needs_escape(c) {
        out.extend(c.escape_debug());
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_are_escaped() {
        assert_eq!(escape_control("\u{1b}]0;title\u{7}"), "\\u{1b}]0;title\\u{7}");
        assert_eq!(
            escape_control("a\u{85}b\u{2028}c\u{202e}d"),
            "a\\u{85}b\\u{2028}c\\u{202e}d"
        );
        assert_eq!(escape_control("line\nnext\t"), "line\\nnext\\t");
        assert!(matches!(escape_control("Zürich ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn excerpts_are_bounded_and_cut_visibly() {
        assert_eq!(bounded("abcdef", 3), "abc…");
        assert_eq!(bounded("abc", 3), "abc");
        // An escape is never cut in half.
        assert_eq!(bounded("ab\u{1b}", 4), "ab…");
        assert_eq!(bounded("", 0), "");
        let huge = "é".repeat(100_000);
        assert_eq!(excerpt(&huge).chars().count(), MAX_EXCERPT_CHARS + 1);
    }
}
