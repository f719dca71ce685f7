//! The one place that talks to the YAML parser: size and nesting limits, error positions.
//!
//! Keeping `serde_yaml` behind this module means a move to a drop-in fork is a one-line
//! change in `Cargo.toml`.

use crate::error::Location;
use crate::limits::MAX_NESTING;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A parse failure: where, and the parser's message.
#[derive(Debug)]
pub(crate) struct YamlError {
    pub(crate) location: Option<Location>,
    pub(crate) message: String,
}

/// Parses `text` into `T`, refusing anchors with aliases and flow nesting deeper than
/// [`MAX_NESTING`] before the parser sees it.
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_aliases(text)?;
    check_nesting(text)?;
    serde_yaml::from_str(text).map_err(|e| YamlError {
        location: e.location().map(|l| Location {
            line: l.line(),
            column: l.column(),
        }),
        message: strip_position(&e.to_string()),
    })
}

/// Parses `text` into `T` with the parser that reports source spans (for documents whose
/// values are edited in place), behind the same guards as [`from_str`]: anchors with aliases
/// and deep flow nesting are refused before the parser sees the text, and so are duplicate
/// keys (by the parser).
pub(crate) fn spanned_from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_aliases(text)?;
    check_nesting(text)?;
    serde_saphyr::from_str(text).map_err(|e| YamlError {
        location: e.location().map(|l| Location {
            line: usize::try_from(l.line()).unwrap_or(usize::MAX),
            column: usize::try_from(l.column()).unwrap_or(usize::MAX),
        }),
        message: saphyr_message(&e.without_snippet().to_string()),
    })
}

/// The first line of a serde-saphyr message, without its `error: line L column C: ` prefix
/// (the location is reported separately).
fn saphyr_message(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or(rendered);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let rest = match first.strip_prefix("line ") {
        Some(after) => after.split_once(": ").map_or(first, |(_, m)| m),
        None => first,
    };
    rest.trim().to_string()
}

/// Serialises `value` as YAML that [`from_str`] reads back. When plain YAML would trip the
/// guards (a string holding both `&x` and `*y`, say), the text is JSON — which is YAML —
/// with every `&` and `*` escaped: in JSON they can only stand inside strings.
pub(crate) fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    let yaml = serde_yaml::to_string(value).map_err(|e| e.to_string())?;
    if check_aliases(&yaml).is_ok() && check_nesting(&yaml).is_ok() {
        return Ok(yaml);
    }
    let json = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    Ok(json.replace('&', "\\u0026").replace('*', "\\u002a") + "\n")
}

/// Parses a question: JSON (text starting with `{`) with the JSON parser, which has no
/// aliases and a nesting limit of its own; anything else as YAML with at most
/// [`MAX_NESTING`] flow openers in all, wherever they stand.
pub(crate) fn question_from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    if text.trim_start().starts_with('{') {
        match serde_json::from_str(text) {
            Ok(value) => return Ok(value),
            // Well-formed JSON of the wrong shape: the JSON parser's message is the clearest.
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                return Err(YamlError {
                    location: (e.line() > 0).then(|| Location {
                        line: e.line(),
                        column: e.column(),
                    }),
                    message: strip_position(&e.to_string()),
                })
            }
            // Not JSON: a YAML flow mapping such as `{ask: ingest, …}`; read it as YAML below.
            Err(_) => {}
        }
    }
    let openers = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
    if openers > MAX_NESTING {
        return Err(YamlError {
            location: None,
            message: format!("a YAML question may hold at most {MAX_NESTING} `[` or `{{` in all"),
        });
    }
    from_str(text)
}

/// Refuses a text that could hold an alias: one with both an anchor-like `&name` and an
/// alias-like `*name` anywhere (quoted or not). Aliases replay whole subtrees, so a small
/// text could otherwise expand to a huge value; an alias needs an anchor, so this check
/// cannot be slipped past, and it costs legitimate documents nothing they need.
fn check_aliases(text: &str) -> Result<(), YamlError> {
    let marked = |sigil: u8| {
        let bytes = text.as_bytes();
        bytes.windows(2).position(|w| {
            matches!(w, [s, next] if *s == sigil && !next.is_ascii_whitespace() && !matches!(next, b'[' | b']' | b'{' | b'}' | b','))
        })
    };
    match (marked(b'&'), marked(b'*')) {
        (Some(_), Some(alias)) => {
            let before = text.get(..alias).unwrap_or("");
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(YamlError {
                location: Some(Location { line, column }),
                message: "YAML anchors and aliases are not accepted".to_string(),
            })
        }
        _ => Ok(()),
    }
}

/// serde_yaml appends " at line L column C" to its messages; the location is reported
/// separately, so drop it to keep one format.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

/// Rejects flow collections nested deeper than [`MAX_NESTING`] (the parser's cost grows with
/// the square of their depth), counting brackets outside quoted scalars, comments and block
/// scalars, following YAML's lexical rules closely enough that what it skips, YAML skips too:
///
/// - a line ends at LF, CR, CR LF, NEL, LS or PS;
/// - a quote opens a quoted scalar only where a node starts: in block context after white
///   space that follows `:`, `-` or `?`, or first on a line; in a flow collection right after
///   `[`, `{`, `,`, after white space that follows one of those or `:`, or right after the `:`
///   of a quoted key; tags (`!…`) and anchors (`&…`) before a node do not move its start;
/// - inside double quotes `\` escapes; inside single quotes `''` is a quote; a quoted scalar
///   in block context must end on its line (a longer one is refused: it could be the text of
///   a plain scalar that only looks quoted);
/// - `#` after white space starts a comment;
/// - `|` or `>` where a block node starts opens a block scalar, whose lines (blank, or
///   indented more than the key or `-` that owns it) are skipped.
fn check_nesting(text: &str) -> Result<(), YamlError> {
    let refuse = |line: usize, column: usize, message: String| {
        Err(YamlError {
            location: Some(Location { line, column }),
            message,
        })
    };
    let mut depth = 0usize;
    let (mut line, mut column) = (1usize, 0usize);
    let mut quote: Option<(char, bool)> = None; // (quote character, opened in block context)
    let mut comment = false;
    let mut previous = '\n';
    // The last character other than white space, outside quotes: on this line in block
    // context, since the collection opened in flow context.
    let mut significant: Option<char> = None;
    let mut closed_quote_just_before = false;
    let mut in_property = false;
    let mut block_scalar: Option<usize> = None; // the column of the node that owns it
    let mut indent = 0usize;
    let mut at_line_start = true;
    let mut token_start = 0usize; // column where the current block token began
    let mut owner = 0usize; // column of the last key or `-` on this line
    let mut chars = text.chars().peekable();
    while let Some(mut c) = chars.next() {
        column += 1;
        if c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
            c = '\n';
        }
        if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            if let Some((_, true)) = quote {
                return refuse(
                    line,
                    column,
                    "a quoted scalar spanning lines is not accepted outside flow collections".into(),
                );
            }
            line += 1;
            column = 0;
            comment = false;
            in_property = false;
            previous = '\n';
            if depth == 0 {
                significant = None;
            }
            indent = 0;
            owner = 0;
            at_line_start = true;
            continue;
        }
        if at_line_start {
            if c == ' ' {
                indent += 1;
                continue;
            }
            at_line_start = false;
            if let Some(parent) = block_scalar {
                if indent > parent || c == '\t' {
                    // A line of the block scalar: skip to its end.
                    while chars
                        .peek()
                        .is_some_and(|&n| !matches!(n, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'))
                    {
                        chars.next();
                    }
                    continue;
                }
                block_scalar = None;
            }
        }
        if comment {
            continue;
        }
        if let Some((q, _)) = quote {
            match c {
                '\\' if q == '"' => {
                    chars.next();
                    column += 1;
                }
                '\'' if q == '\'' && chars.peek() == Some(&'\'') => {
                    chars.next();
                    column += 1;
                }
                _ if c == q => {
                    quote = None;
                    significant = Some(c);
                    closed_quote_just_before = true;
                }
                _ => {}
            }
            previous = c;
            continue;
        }
        if in_property {
            if !(c.is_whitespace() || (depth > 0 && matches!(c, ',' | '[' | ']' | '{' | '}'))) {
                continue;
            }
            in_property = false;
        }
        let white_before = matches!(previous, ' ' | '\t' | '\n');
        let node_start = if depth == 0 {
            white_before && matches!(significant, None | Some(':' | '-' | '?'))
        } else {
            matches!(previous, '[' | '{' | ',')
                || (closed_quote_just_before && previous == ':')
                || (white_before && matches!(significant, None | Some('[' | '{' | ',' | ':' | '?')))
        };
        match c {
            '!' | '&' if node_start => {
                // A tag or an anchor: the node starts after it.
                in_property = true;
                continue;
            }
            '"' | '\'' if node_start => quote = Some((c, depth == 0)),
            '#' if white_before => comment = true,
            '|' | '>' if depth == 0 && node_start => block_scalar = Some(owner),
            '-' if depth == 0 && node_start && chars.peek().is_some_and(|n| n.is_whitespace()) => {
                owner = column - 1;
            }
            ':' if depth == 0 && chars.peek().is_none_or(|n| n.is_whitespace()) => owner = token_start,
            '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return refuse(line, column, format!("nesting deeper than {MAX_NESTING} levels"));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && node_start && !matches!(c, ' ' | '\t') {
            token_start = column - 1;
        }
        if c != ':' {
            closed_quote_just_before = false;
        }
        if !matches!(c, ' ' | '\t') && !comment {
            significant = Some(c);
        }
        previous = c;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_nesting_is_refused_with_a_position() {
        let text = format!("a: {}{}", "[".repeat(40), "]".repeat(40));
        let err = from_str::<serde_yaml::Value>(&text).err().unwrap();
        assert!(err.message.contains("nesting"));
        assert_eq!(
            err.location,
            Some(Location {
                line: 1,
                column: 4 + MAX_NESTING
            })
        );
    }

    #[test]
    fn brackets_inside_quotes_and_comments_do_not_count() {
        let text = format!("a: '{}'\nb: 1 # {}\n", "[".repeat(40), "{".repeat(40));
        assert!(from_str::<serde_yaml::Value>(&text).is_ok());
    }

    #[test]
    fn anchors_with_aliases_are_refused() {
        let bomb = "a: &a [x, x]\nb: [*a, *a]\n";
        let err = from_str::<serde_yaml::Value>(bomb).err().unwrap();
        assert!(err.message.contains("aliases"), "{}", err.message);
        assert_eq!(err.location, Some(Location { line: 2, column: 5 }));
        // An ampersand or an asterisk alone is text.
        assert!(from_str::<serde_yaml::Value>("a: \"Criteo App & Web\"\nb: \"*.x\"\n").is_ok());
        assert!(from_str::<serde_yaml::Value>("a: \"R&D\"\n").is_ok());
    }

    #[test]
    fn questions_in_json_and_yaml() {
        let json: serde_yaml::Value = question_from_str("{\"a\": \"[[[[\"}").unwrap();
        assert_eq!(json["a"], "[[[[");
        let err = question_from_str::<serde_yaml::Value>("{\"a\": ").err().unwrap();
        assert!(err.location.is_some());
        let flow: serde_yaml::Value = question_from_str("{a: b}").unwrap();
        assert_eq!(flow["a"], "b");
        let wrong = question_from_str::<Vec<u8>>("{\"a\": 1}").err().unwrap();
        assert!(wrong.message.contains("expected"), "{}", wrong.message);
        let yaml: serde_yaml::Value = question_from_str("a: b\n").unwrap();
        assert_eq!(yaml["a"], "b");
        let deep = format!("a: {}", "[".repeat(MAX_NESTING + 1));
        assert!(question_from_str::<serde_yaml::Value>(&deep).is_err());
    }

    #[test]
    fn a_quote_inside_a_plain_scalar_hides_nothing() {
        let deep = format!("{}x{}", "[".repeat(40), "]".repeat(40));
        for text in [
            format!("d: the \"EU West\nk: {deep}\n"),
            format!("d: it's\nk: {deep}\n"),
            format!("k: [a\"b, {deep}]\n"),
        ] {
            let err = from_str::<serde_yaml::Value>(&text).err().unwrap();
            assert!(err.message.contains("nesting"), "{text}: {}", err.message);
        }
        // Quoted scalars, in block and flow style, do hide their brackets.
        for text in [
            format!("d: \"{deep}\"\n"),
            format!("d: '{deep}'\n"),
            format!("- '{deep}'\n"),
            format!("{{\"a\":\"{deep}\"}}\n"),
            format!("[\"{deep}\", '{deep}']\n"),
            format!("d: 'it''s {deep}'\n"),
        ] {
            assert!(from_str::<serde_yaml::Value>(&text).is_ok(), "{text}");
        }
    }

    #[test]
    fn block_scalars_hide_their_lines_and_nothing_after() {
        let deep = "[".repeat(40);
        assert!(from_str::<serde_yaml::Value>(&format!("d: |-\n  x\n  {deep}\n\n  y\nk: 1\n")).is_ok());
        assert!(from_str::<serde_yaml::Value>(&format!("- >\n  {deep}\n- x\n")).is_ok());
        let after = format!("d: |\n  x\nk: {deep}{}\n", "]".repeat(40));
        assert!(from_str::<serde_yaml::Value>(&after).is_err());
        // Not at a node start: plain text.
        let plain = format!("d: a | b\nk: {deep}{}\n", "]".repeat(40));
        assert!(from_str::<serde_yaml::Value>(&plain).is_err());
    }

    /// Texts that once slipped past the guard: each must be refused.
    #[test]
    fn known_bypasses_are_closed() {
        let deep = format!("{}x{}", "[".repeat(40), "]".repeat(40));
        for text in [
            format!("version: 1\ndescription: a,'b\nname: {deep}\n"),
            format!("version: 1\ndescription: a\n  'b\nname: {deep}\n"),
            format!("version: 1\nname: x\ncloud_regions: [! \"x #\", {deep}]\n"),
            format!("version: 1\nname: x\ncloud_regions: [&a \"x #\", {deep}]\n"),
            format!("version: 1 # c\rname: {deep}\n"),
            format!("version: 1 # c{}name: {deep}\n", '\u{85}'),
            format!("version: 1 # c{}name: {deep}\n", '\u{2028}'),
            format!("version: 1\nname: x\ngroups:\n  - name: |\n      hello\n    id: {deep}\n"),
            format!("version: 1\ndescription: !!str |\n  'hello\nname: {deep}\n"),
        ] {
            assert!(from_str::<serde_yaml::Value>(&text).is_err(), "{text:?}");
        }
        // The same shapes without the deep nesting load.
        for text in [
            "version: 1\nname: x\ncloud_regions: [! \"x #\", a]\n",
            "a: !!str |\n  'hello\nb: 1\n",
            "groups:\n  - name: |\n      hello\n    id: x\n",
            "a: 1\r\nb: [x]\r\n",
        ] {
            assert!(from_str::<serde_yaml::Value>(text).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        for value in [
            "R&D owns *all* regions",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            "a\nb",
            "'q",
        ] {
            let doc = vec![value.to_string()];
            let text = to_string(&doc).unwrap();
            assert_eq!(from_str::<Vec<String>>(&text).unwrap(), doc, "{text}");
        }
    }

    #[test]
    fn an_escaped_quote_does_not_end_a_string() {
        let text = format!("a: \"x\\\" {}\"\n", "[".repeat(40));
        assert!(from_str::<serde_yaml::Value>(&text).is_ok());
    }

    #[test]
    fn messages_carry_no_duplicate_position() {
        let err = from_str::<Vec<u32>>("[1, x]").err().unwrap();
        assert!(!err.message.contains(" at line "), "{}", err.message);
        assert!(err.location.is_some());
    }
}
