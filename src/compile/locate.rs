//! Points a semantic load error at the line and column of the policy text it is about.

use crate::error::{LoadError, LoadErrorKind, Location as TextLocation};

/// Points a semantic error at the text: the first whole-word occurrence of the offending
/// name after its entry's id, outside comments. A `region/name` pair is found as `name`
/// after `region`; for a duplicate, the second occurrence is the one pointed at, and a name
/// listed twice is looked for after its list's key.
pub(super) fn locate(text: &str, error: &LoadError) -> Option<TextLocation> {
    let (anchor, token): (Option<&str>, &str) = match error.kind() {
        LoadErrorKind::UnknownReference { at, name, .. }
        | LoadErrorKind::MalformedCidr { at, cidr: name, .. }
        | LoadErrorKind::CidrHostBits { at, cidr: name, .. }
        | LoadErrorKind::MalformedHost { at, host: name, .. }
        | LoadErrorKind::MalformedCountry { at, country: name }
        | LoadErrorKind::Repeated { at, name } => (entry_of(at), name),
        LoadErrorKind::Duplicate { id, .. } | LoadErrorKind::InvalidId { id, .. } => split(id),
        LoadErrorKind::LocationClaimedTwice { second, .. } => split(second),
        LoadErrorKind::DefaultIngestion { region, .. } => (None, region),
        // A rule about a whole entry (`exemptions[x]`) points at its id.
        LoadErrorKind::Empty { at }
        | LoadErrorKind::InvalidExemption { at, .. }
        | LoadErrorKind::CatalogOnlyKindNotListed { at, .. }
        | LoadErrorKind::AllowlistMissing { at, .. }
        | LoadErrorKind::AllowlistNotWarehouse { at, .. } => match field_of(at) {
            whole if whole.contains('[') => (None, entry_of(at).unwrap_or(whole)),
            field => (entry_of(at), field),
        },
        LoadErrorKind::DefaultRegion { .. } => (None, "regions"),
        LoadErrorKind::UnsupportedVersion { .. } => (None, "version"),
        _ => return None,
    };
    // Exemptions come last and their ids may be any word: search from their list.
    let section = match error.kind() {
        LoadErrorKind::UnknownReference { at, .. }
        | LoadErrorKind::MalformedCidr { at, .. }
        | LoadErrorKind::CidrHostBits { at, .. }
        | LoadErrorKind::InvalidExemption { at, .. }
        | LoadErrorKind::Repeated { at, .. }
            if at.starts_with("exemptions[") =>
        {
            text.find("\nexemptions:").unwrap_or(0)
        }
        LoadErrorKind::Duplicate {
            what: "exemption", ..
        }
        | LoadErrorKind::InvalidId {
            what: "exemption", ..
        } => text.find("\nexemptions:").unwrap_or(0),
        _ => 0,
    };
    let mut start = anchor
        .and_then(|a| find_word(text, a, section))
        .unwrap_or(section);
    // A name listed twice is looked for in its list, after the list's key: the entry's other
    // fields may hold the name too (a region's `processing` and its `archive`).
    if let LoadErrorKind::Repeated { at, .. } = error.kind() {
        start = find_word(text, field_of(at), start).unwrap_or(start);
    }
    let mut offset = find_word(text, token, start).or_else(|| find_word(text, token, section))?;
    if let LoadErrorKind::Duplicate { .. } | LoadErrorKind::Repeated { .. } = error.kind() {
        offset = find_word(text, token, offset + token.len()).unwrap_or(offset);
    }
    let before = text.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |i| {
        before.get(i + 1..).map_or(0, |s| s.chars().count())
    }) + 1;
    Some(TextLocation { line, column })
}

/// `eu-west/dublin` → (`eu-west`, `dublin`); a plain name has no anchor.
fn split(name: &str) -> (Option<&str>, &str) {
    match name.rsplit_once('/') {
        Some((anchor, last)) => (Some(anchor.rsplit('/').next().unwrap_or(anchor)), last),
        None => (None, name),
    }
}

/// `regions[eu-west].ingestion[dublin].cloud_region` → `dublin` (the innermost entry id).
fn entry_of(at: &str) -> Option<&str> {
    let close = at.rfind(']')?;
    let open = at.get(..close)?.rfind('[')?;
    at.get(open + 1..close)
}

/// `regions[eu-west].ingestion` → `ingestion`.
fn field_of(at: &str) -> &str {
    at.rsplit('.').next().unwrap_or(at)
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/')
}

/// The first occurrence of `word` at or after byte `from` that stands alone (a `.` or `:`
/// right after it may end a sentence or a key) and is not inside a comment.
fn find_word(text: &str, word: &str, from: usize) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    let mut search = from;
    while let Some(found) = text.get(search..)?.find(word) {
        let at = search + found;
        let before_ok = text.get(..at)?.chars().next_back().is_none_or(|c| !is_word(c));
        let after = text.get(at + word.len()..)?;
        let mut rest = after.chars();
        let after_ok = match rest.next() {
            None => true,
            Some('.' | ':') => rest.next().is_none_or(|c| !is_word(c)),
            Some(c) => !is_word(c),
        };
        if before_ok && after_ok {
            // Only whole-word matches pay for a look back along their line.
            let line = text.get(..at)?.rsplit('\n').next().unwrap_or("");
            if !(line.trim_start().starts_with('#') || line.contains(" #")) {
                return Some(at);
            }
        }
        search = at + word.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_whole() {
        let text = "a: eu-west-x\nb: eu-west\n";
        assert_eq!(find_word(text, "eu-west", 0), Some(16));
        assert_eq!(find_word("x: api.segment.io.\n", "api.segment.io", 0), Some(3));
        assert_eq!(find_word("  hosts: []\n", "hosts", 0), Some(2));
        assert_eq!(find_word("# eu\nx: eu\n", "eu", 0), Some(8));
        assert_eq!(split("eu-west/dublin"), (Some("eu-west"), "dublin"));
    }

    #[test]
    fn entry_paths() {
        assert_eq!(
            entry_of("regions[eu-west].ingestion[dublin].hosts"),
            Some("dublin")
        );
        assert_eq!(entry_of("stores"), None);
        assert_eq!(field_of("regions[eu-west].ingestion"), "ingestion");
    }
}
