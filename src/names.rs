//! Interned names: the string → id tables built at compile time, and "did you mean" hints.

mod table;

pub(crate) use table::NameMap;

/// Names longer than this get no "did you mean" hint.
const MAX_HINTED_NAME: usize = 128;

impl NameMap {
    /// The nearest known name to `name`, if one is close enough to be a likely typo.
    pub(crate) fn nearest(&self, name: &str) -> Option<&str> {
        nearest(name, self.names())
    }
}

/// Looks `name` up in a table of `(name, value)` pairs sorted by name (binary search).
#[inline]
pub(crate) fn find_sorted<T: Copy>(table: &[(Box<str>, T)], name: &str) -> Option<T> {
    table
        .binary_search_by(|(n, _)| (**n).cmp(name))
        .ok()
        .and_then(|i| table.get(i))
        .map(|(_, value)| *value)
}

/// The most candidates a hint computes an edit distance for. Past it, the candidates kept
/// are those that sort nearest to the name (half below it, half above), so the cost of a hint
/// is bounded whatever the policy's size, and the hint is the same on every run.
pub(crate) const MAX_HINT_CANDIDATES: usize = 256;

/// The candidate closest to `name` by edit distance, if it is close enough to suggest.
///
/// Ties go to the lexicographically smallest candidate so hints are deterministic. The work
/// is one length comparison per candidate, then at most [`MAX_HINT_CANDIDATES`] distances of
/// at most [`MAX_HINTED_NAME`]² steps each.
pub(crate) fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    // No id is longer than this, so a longer name is no typo of one; and the distance costs
    // name length × candidate length.
    if name.len() > MAX_HINTED_NAME {
        return None;
    }
    let length = name.chars().count();
    let budget = (length / 3).max(2);
    let mut close: Vec<&'a str> = candidates
        .filter(|c| {
            *c != name && c.len() <= MAX_HINTED_NAME * 4 && c.chars().count().abs_diff(length) <= budget
        })
        .collect();
    if close.len() > MAX_HINT_CANDIDATES {
        close = neighbours(close, name, MAX_HINT_CANDIDATES);
    }
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in close {
        let distance = edit_distance(name, candidate);
        if distance > budget {
            continue;
        }
        let better = match best {
            None => true,
            Some((d, c)) => distance < d || (distance == d && candidate < c),
        };
        if better {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The `keep` candidates that sort nearest to `name`: up to half of them the greatest below
/// it, the rest the least above it. Linear in the candidates.
fn neighbours<'a>(candidates: Vec<&'a str>, name: &str, keep: usize) -> Vec<&'a str> {
    let (mut below, mut above): (Vec<&'a str>, Vec<&'a str>) =
        candidates.into_iter().partition(|c| *c < name);
    let take_below = below.len().min(keep / 2).max(keep.saturating_sub(above.len()));
    let take_below = take_below.min(below.len());
    let take_above = keep.saturating_sub(take_below).min(above.len());
    if take_below < below.len() {
        let pivot = below.len() - take_below;
        if take_below > 0 {
            below.select_nth_unstable(pivot);
        }
        below.drain(..pivot);
    }
    if take_above < above.len() {
        above.select_nth_unstable(take_above);
        above.truncate(take_above);
    }
    below.extend(above);
    below
}

/// Levenshtein distance over characters, case-insensitive.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let deletion = previous.get(j + 1).copied().unwrap_or(0) + 1;
            let insertion = current.get(j).copied().unwrap_or(0) + 1;
            if let Some(cell) = current.get_mut(j + 1) {
                *cell = substitution.min(deletion).min(insertion);
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}

/// A hint suffix for an error message: `; did you mean `x`?` or nothing.
pub(crate) fn hint(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_among_many_candidates_are_bounded_and_deterministic() {
        let names: Vec<String> = (0..100_000)
            .map(|i| format!("zone-{i:06}-{}", "x".repeat(100)))
            .collect();
        let wanted = format!("zone-054321-{}", "x".repeat(99));
        let mut shuffled: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = nearest(&wanted, shuffled.iter().copied());
        assert_eq!(hint, Some(&*names[54_321]));
        shuffled.reverse();
        assert_eq!(nearest(&wanted, shuffled.iter().copied()), hint);
        assert_eq!(neighbours(vec!["a", "b", "d", "e"], "c", 2), vec!["b", "d"]);
        assert_eq!(neighbours(vec!["a", "b", "c", "d", "e"], "z", 2).len(), 2);
        assert!(neighbours(vec!["a", "b", "c", "d", "e"], "z", 2).contains(&"e"));
        assert!(neighbours(vec!["a", "b", "c", "d", "e"], "0", 2).contains(&"a"));
        // Keeping one: the least above when there is one, else the greatest below.
        assert_eq!(neighbours(vec!["a", "b", "d", "e"], "c", 1), vec!["d"]);
        assert_eq!(neighbours(vec!["a", "b"], "c", 1), vec!["b"]);
        assert!(neighbours(vec!["a", "b"], "c", 0).is_empty());
        // In any order: the greatest below and the least above, not the first met.
        assert_eq!(neighbours(vec!["e", "b", "a", "d"], "c", 2), vec!["b", "d"]);
        let mut got = neighbours(vec!["j", "a", "f", "c", "h", "e", "b", "i", "d", "g"], "e5", 4);
        got.sort_unstable();
        assert_eq!(got, vec!["d", "e", "f", "g"]);
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("eu-west", "eu-west"), 0);
        assert_eq!(edit_distance("eu-wst", "eu-west"), 1);
        assert_eq!(edit_distance("EU-WEST", "eu-west"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        // Deleting from the front, and down to nothing, cost one a character.
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("xxabc", "abc"), 2);
        assert_eq!(edit_distance("abc", "xxabc"), 2);
    }

    #[test]
    fn suggests_the_nearest_only_when_close() {
        let names = ["eu-west", "us-west"];
        assert_eq!(nearest("eu-wset", names.iter().copied()), Some("eu-west"));
        assert_eq!(nearest("us-wets", names.iter().copied()), Some("us-west"));
        assert_eq!(nearest("antarctica", names.iter().copied()), None);
        assert_eq!(nearest("eu-west", names.iter().copied()), Some("us-west"));
        // The nearer candidate wins whichever comes first; a tie goes to the lesser name.
        let names = ["ab-cdzz", "ab-cdez", "ab-cdef"];
        for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 2, 1]] {
            let candidates = order.iter().filter_map(|&i| names.get(i).copied());
            assert_eq!(nearest("ab-cdeg", candidates), Some("ab-cdef"), "{order:?}");
        }
        assert_eq!(
            nearest("ab-cdxx", ["ab-cdzz", "ab-cdyy"].into_iter()),
            Some("ab-cdyy")
        );
    }

    #[test]
    fn name_map_switches_strategy_without_losing_names() {
        let mut map = NameMap::default();
        for i in 0..20u32 {
            assert!(map.insert(&format!("n{i}"), i));
            for j in 0..=i {
                assert_eq!(map.get(&format!("n{j}")), Some(j));
            }
            assert!(!map.insert(&format!("n{i}"), 99));
        }
        assert_eq!(map.names().count(), 20);
    }

    #[test]
    fn long_names_get_no_hint_and_inputs_are_shown_safely() {
        let long = "a".repeat(200);
        assert_eq!(nearest(&long, ["a"].into_iter()), None);
        assert_eq!(crate::text::excerpt("a\nb"), "a\\nb");
        assert_eq!(crate::text::excerpt(&long).chars().count(), 81);
    }

    #[test]
    fn name_map_keeps_the_first_id() {
        let mut map = NameMap::default();
        assert!(map.insert("a", 0));
        assert!(!map.insert("a", 1));
        assert_eq!(map.get("a"), Some(0));
        assert_eq!(map.get("b"), None);
    }
}
