//! Points a semantic load error at the line and column of the policy text it is about.

use crate::error::{LoadError, LoadErrorKind, Location as TextLocation};

/// Points a semantic error at the text: the first whole-word occurrence of the offending
/// name after its entry's id.
pub(super) fn locate(text: &str, error: &LoadError) -> Option<TextLocation> {
    let (anchor, token): (Option<&str>, &str) = match error.kind() {
        LoadErrorKind::UnknownReference { at, name, .. }
        | LoadErrorKind::MalformedCidr { at, cidr: name, .. }
        | LoadErrorKind::CidrHostBits { at, cidr: name, .. }
        | LoadErrorKind::MalformedHost { at, host: name, .. }
        | LoadErrorKind::MalformedCountry { at, country: name } => (entry_of(at), name),
        LoadErrorKind::Duplicate { id, .. } | LoadErrorKind::InvalidId { id, .. } => (None, id),
        LoadErrorKind::LocationClaimedTwice { second, .. } => (None, second),
        LoadErrorKind::DefaultIngestion { region, .. } => (None, region),
        LoadErrorKind::Empty { at } => (entry_of(at), field_of(at)),
        _ => return None,
    };
    let start = anchor.and_then(|a| find_word(text, a, 0)).unwrap_or(0);
    let mut offset = find_word(text, token, start).or_else(|| find_word(text, token, 0))?;
    if let LoadErrorKind::Duplicate { id, .. } = error.kind() {
        // The second occurrence is the duplicate.
        offset = find_word(text, id, offset + id.len()).unwrap_or(offset);
    }
    let before = text.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |i| {
        before.get(i + 1..).map_or(0, |s| s.chars().count())
    }) + 1;
    Some(TextLocation { line, column })
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

fn find_word(text: &str, word: &str, from: usize) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/');
    let mut search = from;
    while let Some(found) = text.get(search..)?.find(word) {
        let at = search + found;
        let before_ok = text.get(..at)?.chars().next_back().is_none_or(|c| !is_word(c));
        let after = text.get(at + word.len()..)?;
        let after_ok = after.chars().next().is_none_or(|c| !is_word(c))
            || (after.starts_with('.') && after.chars().nth(1).is_none_or(|c| !is_word(c)));
        if before_ok && after_ok {
            return Some(at);
        }
        search = at + word.len().max(1);
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
