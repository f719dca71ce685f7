//! Edits of a configuration's text that change only the values they fix: every other byte —
//! comments, key order, quoting, layout — stays as it was.

use super::document::{parse_spanned, ParsedWorkspace, TextSpan, WorkspaceError};
use super::pointer::{PatchOp, Pointer, Segment};
use serde_json::Value;

/// Why an edit could not be made in place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The text does not parse (before or after the edit).
    #[error("{0}")]
    Parse(WorkspaceError),
    /// The value is not where the edit expects it, or is written in a shape this editor does
    /// not change in place.
    #[error("cannot edit `{path}` in place: {why}")]
    Shape {
        /// The operation's path.
        path: String,
        /// Why.
        why: &'static str,
    },
}

/// Applies one RFC 6902 operation to a configuration's text, touching only the bytes of the
/// value it changes (and, for a removal, the lines or separators of the removed entry). The
/// result is parsed again, so a broken edit is an error, never a broken file.
///
/// # Examples
///
/// ```
/// use regionfence::workspace::{apply_to_text, PatchOp};
/// let text = "version: 1\nworkspace: a   # ours\nregion: eu-west\nstores:\n  - {id: lake, store: data-lake, cloud_region: aws:us-east-1}  # S3\n";
/// let op = PatchOp::Replace { path: "/stores/0/cloud_region".into(), value: "aws:eu-west-1".into() };
/// let edited = apply_to_text(text, &op).unwrap();
/// assert_eq!(edited, text.replace("aws:us-east-1", "aws:eu-west-1"));
/// ```
pub fn apply_to_text(text: &str, op: &PatchOp) -> Result<String, EditError> {
    let (bom, body) = split_bom(text);
    let parsed = parse_spanned(body).map_err(EditError::Parse)?;
    let style = TextStyle::of(body);
    let mut splices = splices_for(body, &parsed, style, op)?;
    let edited = apply_splices(body, &mut splices);
    parse_spanned(&edited).map_err(EditError::Parse)?;
    Ok(format!("{bom}{edited}"))
}

/// A text's byte order mark, if any, and the text after it (the text spans count from).
pub(crate) fn split_bom(text: &str) -> (&'static str, &str) {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    }
}

/// How a text writes: JSON or YAML, and its line break.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextStyle {
    json: bool,
    newline: &'static str,
}

impl TextStyle {
    pub(crate) fn of(body: &str) -> TextStyle {
        TextStyle {
            json: body.trim_start().starts_with('{'),
            newline: if body.contains("\r\n") { "\r\n" } else { "\n" },
        }
    }
}

/// One replacement of the bytes `start..end` of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Splice {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) with: String,
}

impl Splice {
    /// Whether two splices touch the same bytes (or insert at the same place), so that
    /// applying both from one parse could change their meaning.
    pub(crate) fn conflicts(&self, other: &Splice) -> bool {
        self.start == other.start || (self.start < other.end && other.start < self.end)
    }
}

/// The splices that make `op` on `body`, every position taken from `parsed` (the parse of
/// `body`): several operations' splices, computed from one parse, apply together when none
/// conflicts with another.
pub(crate) fn splices_for(
    body: &str,
    parsed: &ParsedWorkspace,
    style: TextStyle,
    op: &PatchOp,
) -> Result<Vec<Splice>, EditError> {
    // YAML breaks a line at a lone carriage return too; this editor finds lines by their
    // line feeds, so it would take two lines for one. It refuses rather than misplace an edit.
    if has_lone_carriage_return(body) {
        return Err(EditError::Shape {
            path: op.path().to_string(),
            why: "the text breaks a line with a lone carriage return (not followed by a line feed)",
        });
    }
    let editor = Editor {
        body,
        parsed,
        path: op.path(),
        json: style.json,
        newline: style.newline,
    };
    editor.apply(op)
}

/// Whether `body` holds a carriage return that no line feed follows.
fn has_lone_carriage_return(body: &str) -> bool {
    let bytes = body.as_bytes();
    bytes
        .iter()
        .enumerate()
        .any(|(i, b)| *b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// `body` with every splice made, from the highest position down so each one's positions
/// still hold; the splices must not conflict.
pub(crate) fn apply_splices(body: &str, splices: &mut [Splice]) -> String {
    splices.sort_by(|a, b| b.start.cmp(&a.start).then(b.end.cmp(&a.end)));
    let mut out = body.to_string();
    for s in splices.iter() {
        if out.get(s.start..s.end).is_some() {
            out.replace_range(s.start..s.end, &s.with);
        }
    }
    out
}

struct Editor<'a> {
    body: &'a str,
    parsed: &'a ParsedWorkspace,
    path: &'a str,
    json: bool,
    newline: &'static str,
}

impl Editor<'_> {
    fn shape(&self, why: &'static str) -> EditError {
        EditError::Shape {
            path: self.path.to_string(),
            why,
        }
    }

    fn span(&self, pointer: &Pointer) -> Option<TextSpan> {
        self.parsed.span(&pointer.to_json_pointer())
    }

    fn splice(&self, start: usize, end: usize, with: &str) -> Result<Vec<Splice>, EditError> {
        if start > end || self.body.get(start..end).is_none() {
            return Err(self.shape("a position falls outside the text"));
        }
        Ok(vec![Splice {
            start,
            end,
            with: with.to_string(),
        }])
    }

    fn apply(&self, op: &PatchOp) -> Result<Vec<Splice>, EditError> {
        let pointer = Pointer::parse(self.path).ok_or_else(|| self.shape("not a JSON Pointer"))?;
        let Some((last, parents)) = pointer.segments().split_last() else {
            return Err(self.shape("the root is not edited"));
        };
        let parent = Pointer::root();
        let parent = parents.iter().fold(parent, |p, s| match s {
            Segment::Key(k) => p.key(k),
            Segment::Index(i) => p.index(*i),
            Segment::End => p.end(),
        });
        match (op, last) {
            (PatchOp::Replace { value, .. }, _) => self.replace(&pointer, value),
            (PatchOp::Add { value, .. }, Segment::Key(k)) => match self.span(&pointer) {
                Some(_) => self.replace(&pointer, value),
                None => self.add_key(&parent, k, value),
            },
            (PatchOp::Add { value, .. }, Segment::End) => match self.span(&parent) {
                Some(_) => self.append(&parent, value),
                None => {
                    // The list itself is absent: add it, holding the value.
                    let (Some((Segment::Key(k), grand)), true) = (parents.split_last(), true) else {
                        return Err(self.shape("no list to append to"));
                    };
                    let owner = grand.iter().fold(Pointer::root(), |p, s| match s {
                        Segment::Key(k) => p.key(k),
                        Segment::Index(i) => p.index(*i),
                        Segment::End => p.end(),
                    });
                    self.add_key(&owner, k, &Value::Array(vec![value.clone()]))
                }
            },
            (PatchOp::Remove { .. }, Segment::Index(i)) => self.remove(&parent, *i),
            (PatchOp::Remove { .. }, Segment::Key(_)) => self.remove_key(&parent, &pointer),
            _ => Err(self.shape("only replace, add and remove are edited in place")),
        }
    }

    /// A value written as the text around it writes values: JSON in a JSON document, the
    /// original quoting when there was one, plain where YAML reads it back as the same string.
    fn format(&self, value: &Value, like: Option<&str>) -> Result<String, EditError> {
        match value {
            Value::String(s) => Ok(self.scalar(s, like)),
            Value::Array(items) => {
                let inner: Result<Vec<String>, EditError> =
                    items.iter().map(|v| self.format(v, None)).collect();
                Ok(format!("[{}]", inner?.join(", ")))
            }
            _ => Err(self.shape("only text values are written in place")),
        }
    }

    fn scalar(&self, s: &str, like: Option<&str>) -> String {
        let quoted = || serde_json::to_string(s).unwrap_or_default();
        if self.json || like.is_some_and(|l| l.starts_with('"')) {
            return quoted();
        }
        if like.is_some_and(|l| l.starts_with('\'')) {
            return format!("'{}'", s.replace('\'', "''"));
        }
        if plain_is_safe(s) {
            s.to_string()
        } else {
            quoted()
        }
    }

    fn replace(&self, pointer: &Pointer, value: &Value) -> Result<Vec<Splice>, EditError> {
        let span = self
            .span(pointer)
            .ok_or_else(|| self.shape("no such value in the text"))?;
        let original = self.body.get(span.offset..span.offset + span.len).unwrap_or("");
        if span.len == 0 || original.starts_with(['{', '[', '|', '>']) {
            return Err(self.shape("only scalars are replaced in place"));
        }
        let written = self.format(value, Some(original))?;
        self.splice(span.offset, span.offset + span.len, &written)
    }

    fn is_flow(&self, span: TextSpan) -> bool {
        span.len == 1 && matches!(self.body.as_bytes().get(span.offset), Some(b'[' | b'{'))
    }

    /// Where the node starting at `span` ends: past its closing bracket, its scalar, or the
    /// last line of a block node.
    fn node_end(&self, span: TextSpan) -> Result<usize, EditError> {
        if self.is_flow(span) {
            return matching_close(self.body, span.offset).ok_or_else(|| self.shape("unclosed collection"));
        }
        if span.len > 0 {
            return Ok(span.offset + span.len);
        }
        Ok(self.block_end(span.offset, column_of(self.body, span.offset)))
    }

    /// The end (before its line break) of the last line of the block whose lines are indented
    /// at least `indent`, starting on the line of `offset`; blank and comment lines in between
    /// belong to it only when more of the block follows.
    fn block_end(&self, offset: usize, indent: usize) -> usize {
        let mut end = line_content_end(self.body, offset);
        let mut cursor = line_next(self.body, offset);
        while let Some(start) = cursor {
            let line = &self.body[start..line_content_end(self.body, start)];
            let trimmed = line.trim_start_matches(' ');
            let own_indent = line.len() - trimmed.len();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                cursor = line_next(self.body, start);
                continue;
            }
            if own_indent < indent || trimmed.starts_with("---") || trimmed.starts_with("...") {
                break;
            }
            end = line_content_end(self.body, start);
            cursor = line_next(self.body, start);
        }
        end
    }

    fn elements(&self, list: &Pointer) -> Vec<TextSpan> {
        (0..).map_while(|i| self.span(&list.index(i))).collect()
    }

    fn append(&self, list: &Pointer, value: &Value) -> Result<Vec<Splice>, EditError> {
        let list_span = self.span(list).ok_or_else(|| self.shape("no such list"))?;
        let items = self.elements(list);
        let written = self.format(value, None)?;
        if self.is_flow(list_span) {
            return match items.last() {
                None => self.splice(list_span.offset + 1, list_span.offset + 1, &written),
                Some(last) => {
                    let end = self.node_end(*last)?;
                    self.splice(end, end, &format!(", {written}"))
                }
            };
        }
        let last = items.last().ok_or_else(|| self.shape("an empty block list"))?;
        let (dash, prefix) = self.dash_of(*last)?;
        let end = self.block_end(last.offset, dash + 1);
        let _ = dash;
        self.splice(end, end, &format!("{}{prefix}- {written}", self.newline))
    }

    /// The column of the `-` that opens a block list entry, and the text before it on its line.
    fn dash_of(&self, element: TextSpan) -> Result<(usize, String), EditError> {
        let start = line_start(self.body, element.offset);
        let before = self.body.get(start..element.offset).unwrap_or("");
        let trimmed = before.trim_start_matches(' ');
        if !trimmed.starts_with('-') {
            return Err(self.shape("a list entry not opened by `-` on its own line"));
        }
        let dash = before.len() - trimmed.len();
        Ok((dash, before.get(..dash).unwrap_or("").to_string()))
    }

    fn remove(&self, list: &Pointer, index: usize) -> Result<Vec<Splice>, EditError> {
        let list_span = self.span(list).ok_or_else(|| self.shape("no such list"))?;
        let element = self
            .span(&list.index(index))
            .ok_or_else(|| self.shape("no such entry"))?;
        let previous = index.checked_sub(1).and_then(|p| self.span(&list.index(p)));
        let following = self.span(&list.index(index + 1));
        if self.is_flow(list_span) {
            let end = self.node_end(element)?;
            return match (previous.as_ref(), following.as_ref()) {
                (_, Some(next)) => self.splice(element.offset, next.offset, ""),
                (Some(previous), None) => {
                    let previous_end = self.node_end(*previous)?;
                    self.splice(previous_end, end, "")
                }
                (None, None) => self.splice(element.offset, end, ""),
            };
        }
        let (dash, _) = self.dash_of(element)?;
        let start = line_start(self.body, element.offset);
        let end = self.block_end(element.offset, dash + 1);
        let cut_end = line_next(self.body, end).unwrap_or(self.body.len());
        if previous.is_some() || following.is_some() {
            return self.splice(start, cut_end, "");
        }
        // The only entry: the list becomes `[]` after its key.
        let key_line = self.body.get(..start).unwrap_or("");
        let key_line_end = key_line.trim_end_matches(['\n', '\r']).len();
        let key_start = line_start(self.body, key_line_end);
        let line = self.body.get(key_start..key_line_end).unwrap_or("");
        let code = match line.find(" #") {
            Some(i) => line.get(..i).unwrap_or(line),
            None => line,
        };
        let code = code.trim_end();
        if !code.ends_with(':') {
            return Err(self.shape("the list's key is not on the line above its first entry"));
        }
        let colon = key_start + code.len();
        let mut splices = self.splice(colon, colon, " []")?;
        splices.extend(self.splice(start, cut_end, "")?);
        Ok(splices)
    }

    /// Removes a key and its value from a mapping: the key's lines in a block mapping, the
    /// entry and one separator in a flow mapping.
    fn remove_key(&self, mapping: &Pointer, entry: &Pointer) -> Result<Vec<Splice>, EditError> {
        let parent = self.span(mapping).ok_or_else(|| self.shape("no such mapping"))?;
        let value = self
            .span(entry)
            .ok_or_else(|| self.shape("no such value in the text"))?;
        let value_end = self.node_end(value)?;
        let key_start = self.key_before(value)?;
        if self.is_flow(parent) {
            let after = self.body.get(value_end..).unwrap_or("");
            let gap = after.len() - after.trim_start().len();
            if after.trim_start().starts_with(',') {
                let rest = after.get(gap + 1..).unwrap_or("");
                let end = value_end + gap + 1 + (rest.len() - rest.trim_start().len());
                return self.splice(key_start, end, "");
            }
            let before = self.body.get(..key_start).unwrap_or("");
            let trimmed = before.trim_end();
            if let Some(comma) = trimmed.strip_suffix(',') {
                return self.splice(comma.len(), value_end, "");
            }
            return self.splice(key_start, value_end, "");
        }
        let indent = column_of(self.body, key_start);
        let start = line_start(self.body, key_start);
        if self
            .body
            .get(start..key_start)
            .is_some_and(|b| !b.trim().is_empty())
        {
            return Err(self.shape("a key that does not start its line"));
        }
        let end = self.block_end(key_start, indent + 1);
        let cut_end = line_next(self.body, end).unwrap_or(self.body.len());
        self.splice(start, cut_end, "")
    }

    /// The start of the key whose value starts at `value`: before the `:` that precedes a
    /// flow or scalar value on its line, or on the line above a block value.
    fn key_before(&self, value: TextSpan) -> Result<usize, EditError> {
        let mut end = value.offset;
        if value.len == 0 {
            // A block mapping value: its key is the last line above with content.
            let mut cursor = line_start(self.body, value.offset);
            loop {
                let previous = cursor
                    .checked_sub(1)
                    .ok_or_else(|| self.shape("no key above the value"))?;
                let start = line_start(self.body, previous);
                let line = self
                    .body
                    .get(start..line_content_end(self.body, start))
                    .unwrap_or("");
                let content = line.trim_start();
                if !content.is_empty() && !content.starts_with('#') {
                    let code = match line.find(" #") {
                        Some(i) => line.get(..i).unwrap_or(line),
                        None => line,
                    };
                    end = start + code.trim_end().len();
                    break;
                }
                cursor = start;
            }
        }
        let before = self.body.get(..end).unwrap_or("").trim_end();
        let before = before
            .strip_suffix(':')
            .ok_or_else(|| self.shape("no `:` before the value"))?;
        let key = before.trim_end();
        let start = if let Some(quoted) = key.strip_suffix('"') {
            quoted
                .rfind('"')
                .ok_or_else(|| self.shape("an unbalanced quoted key"))?
        } else if let Some(quoted) = key.strip_suffix('\'') {
            quoted
                .rfind('\'')
                .ok_or_else(|| self.shape("an unbalanced quoted key"))?
        } else {
            key.rfind([' ', '\t', '\n', '{', ',']).map_or(0, |i| i + 1)
        };
        Ok(start)
    }

    fn add_key(&self, mapping: &Pointer, key: &str, value: &Value) -> Result<Vec<Splice>, EditError> {
        let span = self.span(mapping).ok_or_else(|| self.shape("no such mapping"))?;
        let written = self.format(value, None)?;
        let key = self.scalar(key, None);
        if self.is_flow(span) {
            let end = self.node_end(span)?;
            let close = end.saturating_sub(1);
            let inner = self.body.get(span.offset + 1..close).unwrap_or("");
            let at = span.offset + 1 + inner.trim_end().len();
            let separator = if inner.trim().is_empty() { "" } else { ", " };
            return self.splice(at, at, &format!("{separator}{key}: {written}"));
        }
        if span.len != 0 {
            return Err(self.shape("not a mapping"));
        }
        let indent = column_of(self.body, span.offset);
        let end = self.block_end(span.offset, indent);
        self.splice(
            end,
            end,
            &format!("{}{}{key}: {written}", self.newline, " ".repeat(indent)),
        )
    }
}

/// Whether YAML reads `s`, written without quotes, back as the same string in block and flow
/// context alike.
fn plain_is_safe(s: &str) -> bool {
    let special = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", ".inf", ".nan",
    ];
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/' | b':'))
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && !special.iter().any(|w| s.eq_ignore_ascii_case(w))
        && s.parse::<f64>().is_err()
        && !s.contains("::")
        && !(s.starts_with("0x") || s.starts_with("0o"))
}

fn line_start(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1)
}

fn line_content_end(text: &str, offset: usize) -> usize {
    let end = text
        .get(offset..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| offset + i);
    if end > offset && text.as_bytes().get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    }
}

fn line_next(text: &str, offset: usize) -> Option<usize> {
    text.get(offset..)
        .and_then(|t| t.find('\n'))
        .map(|i| offset + i + 1)
        .filter(|n| *n < text.len())
}

fn column_of(text: &str, offset: usize) -> usize {
    offset - line_start(text, offset)
}

/// The position just past the bracket that closes the one at `open`, skipping quoted text
/// and comments.
fn matching_close(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    let mut previous = b' ';
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    if c == b'\\' {
                        i += 1;
                    } else if c == b'"' {
                        break;
                    }
                    i += 1;
                }
            }
            b'\'' if matches!(previous, b' ' | b'[' | b'{' | b',' | b':' | b'\n') => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    if c == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            b'#' if matches!(previous, b' ' | b'\t' | b'\n') => {
                while bytes.get(i).is_some_and(|c| *c != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        previous = b;
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = "version: 1\nworkspace: a\nregion: eu-west # home\nsources:\n  # the website\n  - id: web\n    source: javascript\n    host: https://api.segment.io   # pasted\n\n  - id: app\n    source: ios\n# stores next\nstores: []\nwarehouses:\n  redshift:\n    firewall:\n      - 3.251.148.96/29   # EU loaders\n      - 52.25.130.38\n  bq: {}\n";

    fn op_remove(path: &str) -> PatchOp {
        PatchOp::Remove { path: path.into() }
    }

    fn op_replace(path: &str, v: &str) -> PatchOp {
        PatchOp::Replace {
            path: path.into(),
            value: v.into(),
        }
    }

    #[test]
    fn splices_conflict_when_they_share_a_byte_or_a_place() {
        let at = |start: usize, end: usize| Splice {
            start,
            end,
            with: String::new(),
        };
        let both = |a: &Splice, b: &Splice| {
            assert_eq!(a.conflicts(b), b.conflicts(a), "{a:?} {b:?}");
            a.conflicts(b)
        };
        // Overlapping, nested, or inserting at one place.
        assert!(both(&at(0, 5), &at(3, 8)));
        assert!(both(&at(0, 10), &at(3, 4)));
        assert!(both(&at(4, 4), &at(4, 4)));
        assert!(both(&at(4, 4), &at(4, 9)));
        assert!(both(&at(2, 6), &at(5, 6)));
        // Adjacent or apart: no conflict, nor an insertion at the end of another.
        assert!(!both(&at(0, 5), &at(5, 8)));
        assert!(!both(&at(0, 5), &at(6, 8)));
        assert!(!both(&at(5, 5), &at(0, 5)));
        assert!(!both(&at(3, 4), &at(5, 9)));
    }

    #[test]
    fn a_block_key_is_found_above_comments_and_blank_lines() {
        let text = "version: 1\nworkspace: a\nregion: eu-west\nwarehouses:\n  redshift:\n\n# kept for the audit\n    # the EU loaders\n    firewall:\n      - 3.251.148.96/29\n  bq: {}\n";
        let out = apply_to_text(text, &op_remove("/warehouses/redshift")).unwrap();
        assert_eq!(
            out,
            "version: 1\nworkspace: a\nregion: eu-west\nwarehouses:\n  bq: {}\n"
        );
    }

    #[test]
    fn a_position_past_the_text_is_refused() {
        // Positions of a longer text than the one edited (a broken caller): an error, no splice.
        let parsed = parse_spanned(BLOCK).unwrap();
        let op = op_replace("/warehouses/redshift/firewall/1", "3.251.148.96/29");
        assert!(splices_for(BLOCK, &parsed, TextStyle::of(BLOCK), &op).is_ok());
        let short = BLOCK.get(..BLOCK.len() - 12).unwrap();
        let err = splices_for(short, &parsed, TextStyle::of(short), &op).unwrap_err();
        assert!(
            err.to_string().contains("a position falls outside the text"),
            "{err}"
        );
    }

    #[test]
    fn replace_keeps_everything_else() {
        let out = apply_to_text(
            BLOCK,
            &op_replace("/sources/0/host", "events.eu1.segmentapis.com"),
        )
        .unwrap();
        assert_eq!(
            out,
            BLOCK.replace("https://api.segment.io ", "events.eu1.segmentapis.com ")
        );
        let out = apply_to_text(BLOCK, &op_replace("/sources/1/source", "true")).unwrap();
        assert!(out.contains("source: \"true\"\n"), "{out}");
    }

    #[test]
    fn a_replaced_value_keeps_its_quoting() {
        let text = "version: 1\nworkspace: a\nregion: eu-west\nsources:\n  - id: web\n    source: 'javascript'\n    host: \"https://api.segment.io\"\n";
        let out = apply_to_text(text, &op_replace("/sources/0/source", "it's")).unwrap();
        assert!(out.contains("    source: 'it''s'\n"), "{out}");
        let out = apply_to_text(text, &op_replace("/sources/0/host", "events.eu1.segmentapis.com")).unwrap();
        assert!(
            out.contains("    host: \"events.eu1.segmentapis.com\"\n"),
            "{out}"
        );
    }

    #[test]
    fn block_removal_takes_the_entry_lines_only() {
        let out = apply_to_text(BLOCK, &op_remove("/sources/1")).unwrap();
        assert_eq!(out, BLOCK.replace("  - id: app\n    source: ios\n", ""));
        let out = apply_to_text(BLOCK, &op_remove("/warehouses/redshift/firewall/1")).unwrap();
        assert_eq!(out, BLOCK.replace("      - 52.25.130.38\n", ""));
        let out = apply_to_text(BLOCK, &op_remove("/sources/0")).unwrap();
        assert_eq!(
            out,
            BLOCK.replace(
                "  - id: web\n    source: javascript\n    host: https://api.segment.io   # pasted\n",
                ""
            )
        );
    }

    #[test]
    fn appends_and_new_keys() {
        let add = |path: &str, v: &str| PatchOp::Add {
            path: path.into(),
            value: v.into(),
        };
        let out = apply_to_text(BLOCK, &add("/warehouses/redshift/firewall/-", "10.0.0.0/8")).unwrap();
        assert_eq!(
            out,
            BLOCK.replace(
                "      - 52.25.130.38\n",
                "      - 52.25.130.38\n      - 10.0.0.0/8\n"
            )
        );
        let out = apply_to_text(BLOCK, &add("/warehouses/bq/firewall/-", "10.0.0.0/8")).unwrap();
        assert!(out.contains("  bq: {firewall: [10.0.0.0/8]}\n"), "{out}");
        let out = apply_to_text(BLOCK, &add("/sources/1/ingestion", "dublin")).unwrap();
        assert!(
            out.contains("    source: ios\n    ingestion: dublin\n# stores next"),
            "{out}"
        );
    }

    #[test]
    fn appends_after_a_flow_scalar_and_to_an_indentless_list() {
        let add = |path: &str, v: &str| PatchOp::Add {
            path: path.into(),
            value: v.into(),
        };
        // After the last scalar of a flow list.
        let flow = "version: 1\nworkspace: a\nregion: eu-west\nwarehouses:\n  redshift: {firewall: [3.251.148.96/29, 52.25.130.38]}  # two\n";
        let out = apply_to_text(flow, &add("/warehouses/redshift/firewall/-", "10.0.0.0/8")).unwrap();
        assert_eq!(out, flow.replace("52.25.130.38]", "52.25.130.38, 10.0.0.0/8]"));
        // A block list written at its key's own indent, a sibling key after it: the new
        // entry goes after the list's last entry, at its dash's column.
        let indentless = "version: 1\nworkspace: a\nregion: eu-west\nwarehouses:\n  redshift:\n    firewall:\n    - 3.251.148.96/29\n  bq: {}\n";
        let out = apply_to_text(indentless, &add("/warehouses/redshift/firewall/-", "10.0.0.0/8")).unwrap();
        assert_eq!(
            out,
            indentless.replace(
                "    - 3.251.148.96/29\n",
                "    - 3.251.148.96/29\n    - 10.0.0.0/8\n"
            )
        );
        // Indented by one space: the next warehouse sits one column left of the dash.
        let narrow = "version: 1\nworkspace: a\nregion: eu-west\nwarehouses:\n redshift:\n  firewall:\n  - 3.251.148.96/29\n bq: {}\n";
        let out = apply_to_text(narrow, &add("/warehouses/redshift/firewall/-", "10.0.0.0/8")).unwrap();
        assert_eq!(
            out,
            narrow.replace("  - 3.251.148.96/29\n", "  - 3.251.148.96/29\n  - 10.0.0.0/8\n")
        );
    }

    #[test]
    fn a_bracket_is_closed_past_quotes_and_comments() {
        let close = |text: &str| matching_close(text, 0);
        assert_eq!(close("[a, b] x"), Some(6));
        assert_eq!(close("[a, [b], {c: d}] x"), Some(16));
        // A bracket inside double quotes (with an escaped quote before it), inside single
        // quotes (with a doubled quote), or in a comment does not close.
        let text = r#"["a\"]", b]"#;
        assert_eq!(close(text), Some(text.len()));
        let text = r#"["]", b]"#;
        assert_eq!(close(text), Some(text.len()));
        let text = "['it''s ]', b]";
        assert_eq!(close(text), Some(text.len()));
        let text = "[a, # ]\n b]";
        assert_eq!(close(text), Some(text.len()));
        // A quote inside a word opens nothing; a `#` inside a word is no comment.
        let text = "[it's, a#]";
        assert_eq!(close(text), Some(text.len()));
        assert_eq!(close("[a, b"), None);
        assert_eq!(close(r#"["a\"]"#), None);
    }

    #[test]
    fn the_next_line_starts_past_the_break() {
        assert_eq!(line_next("ab\ncd", 0), Some(3));
        assert_eq!(line_next("ab\ncd", 3), None);
        assert_eq!(line_next("ab\n", 0), None);
        assert_eq!(line_next("\n\nx", 1), Some(2));
    }

    #[test]
    fn a_line_ends_before_its_break() {
        assert_eq!(line_content_end("\nx", 0), 0);
        assert_eq!(line_content_end("ab\r\ncd", 0), 2);
        assert_eq!(line_content_end("ab\ncd", 1), 2);
        assert_eq!(line_content_end("ab\r\n\r\n", 4), 4);
        assert_eq!(line_content_end("ab", 0), 2);
        assert_eq!(line_content_end("ab\r", 3), 3);
    }

    #[test]
    fn flow_lists_and_json() {
        let flow = "version: 1\nworkspace: a\nregion: eu-west\ndestinations: [{id: a, destination: x}, {id: b, destination: y, endpoint: us}]\n";
        let out = apply_to_text(flow, &op_remove("/destinations/1")).unwrap();
        assert!(out.contains("destinations: [{id: a, destination: x}]\n"), "{out}");
        let out = apply_to_text(flow, &op_remove("/destinations/0")).unwrap();
        assert!(
            out.contains("destinations: [{id: b, destination: y, endpoint: us}]\n"),
            "{out}"
        );
        let out = apply_to_text(
            flow,
            &PatchOp::Add {
                path: "/destinations/0/endpoint".into(),
                value: "eu".into(),
            },
        )
        .unwrap();
        assert!(out.contains("{id: a, destination: x, endpoint: eu}"), "{out}");
        let json = "{\"version\": 1, \"workspace\": \"a\", \"region\": \"eu-west\",\n \"destinations\": [{\"id\": \"a\", \"destination\": \"x\"}]}\n";
        let out = apply_to_text(
            json,
            &PatchOp::Add {
                path: "/destinations/0/endpoint".into(),
                value: "eu".into(),
            },
        )
        .unwrap();
        assert!(
            out.contains("{\"id\": \"a\", \"destination\": \"x\", \"endpoint\": \"eu\"}"),
            "{out}"
        );
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
    }

    #[test]
    fn map_entries_are_removed_with_their_lines_or_separator() {
        let out = apply_to_text(BLOCK, &op_remove("/warehouses/redshift")).unwrap();
        assert_eq!(
            out,
            BLOCK.replace(
                "  redshift:\n    firewall:\n      - 3.251.148.96/29   # EU loaders\n      - 52.25.130.38\n",
                ""
            )
        );
        let out = apply_to_text(BLOCK, &op_remove("/warehouses/bq")).unwrap();
        assert_eq!(out, BLOCK.replace("  bq: {}\n", ""));
        let flow = "version: 1\nworkspace: a\nregion: eu-west\nwarehouses: {\"a\": {firewall: []}, b: {firewall: [x]}}\n";
        let out = apply_to_text(flow, &op_remove("/warehouses/a")).unwrap();
        assert!(out.contains("warehouses: {b: {firewall: [x]}}\n"), "{out}");
        let out = apply_to_text(flow, &op_remove("/warehouses/b")).unwrap();
        assert!(out.contains("warehouses: {\"a\": {firewall: []}}\n"), "{out}");
        // White space before the comma and after it goes with the entry.
        let spaced = "version: 1\nworkspace: a\nregion: eu-west\nwarehouses: {a: {firewall: []}  ,   b: {firewall: [x]}}\n";
        let out = apply_to_text(spaced, &op_remove("/warehouses/a")).unwrap();
        assert!(out.ends_with("warehouses: {b: {firewall: [x]}}\n"), "{out}");
    }

    #[test]
    fn removing_the_only_entry_leaves_an_empty_list() {
        let text = "version: 1\nworkspace: a\nregion: eu-west\nsources:   # one\n  - {id: a, source: ios}\nstores: []\n";
        let out = apply_to_text(text, &op_remove("/sources/0")).unwrap();
        assert_eq!(
            out,
            "version: 1\nworkspace: a\nregion: eu-west\nsources: []   # one\nstores: []\n"
        );
    }

    #[test]
    fn a_lone_carriage_return_is_refused_not_misread() {
        // YAML reads `\r` as a line break: the comment ends there and `b` is an entry of its own.
        let text = "version: 1\nworkspace: w\nregion: eu-west\ndestinations:\n  - {id: a, destination: amplitude}  # x\r  - {id: b, destination: mixpanell}\n";
        let op = PatchOp::Remove {
            path: "/destinations/0".into(),
        };
        let err = apply_to_text(text, &op).unwrap_err();
        assert!(err.to_string().contains("lone carriage return"), "{err}");
        // CRLF line breaks are edited as before.
        let crlf = text
            .replace("\r  -", "\r\n  -")
            .replace('\n', "\r\n")
            .replace("\r\r\n", "\r\n");
        assert!(apply_to_text(&crlf, &op).is_ok(), "{crlf:?}");
    }
}
