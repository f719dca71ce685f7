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

impl crate::policy::Policy {
    /// The "did you mean" hint for a destination the policy does not know: the nearest id, or
    /// the id of the destination whose display name has the same words (`Mixpanel (Actions)`).
    pub(crate) fn destination_hint(&self, name: &str) -> Option<&str> {
        let named = self.document.destinations.iter();
        nearest_named(
            name,
            self.destinations.names().names(),
            named.filter_map(|d| Some((d.id.as_str(), d.name.as_deref()?))),
        )
    }

    /// The "did you mean" hint for a source the policy does not know: the nearest kind or
    /// catalog source, or the catalog source whose display name has the same words.
    pub(crate) fn source_hint(&self, name: &str) -> Option<&str> {
        let named = self.document.sources.iter();
        nearest_named(
            name,
            self.sources.names().names(),
            named.filter_map(|s| Some((s.id.as_str(), s.name.as_deref()?))),
        )
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

/// The candidate closest to `name`, if it is close enough to suggest.
///
/// A candidate with the same words as `name`, in any order, case and punctuation, comes
/// first (`Mixpanel (Actions)` and `mixpanel-actions` are `actions-mixpanel`); else the
/// candidate nearest by edit distance, of the text as typed or of its words in order
/// (`mixpanel-action` is near `actions-mixpanel`). Ties go to the lexicographically
/// smallest candidate so hints are deterministic. The work is one pass over each candidate's
/// characters, then at most [`MAX_HINT_CANDIDATES`] pairs of distances of at most
/// [`MAX_HINTED_NAME`]² steps each.
pub(crate) fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    nearest_named(name, candidates, std::iter::empty())
}

/// [`nearest`], where a candidate may also be named by its display name: `named` gives
/// `(id, display name)` pairs, and a display name with the same words as `name` suggests its
/// id (`Google Analytics 4` suggests `actions-google-analytics-4`). Display names count only
/// word for word; typos are measured against `ids` alone. A hint is text for a person: it
/// never changes a decision.
pub(crate) fn nearest_named<'a>(
    name: &str,
    ids: impl Iterator<Item = &'a str>,
    named: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<&'a str> {
    // No id is longer than this, so a longer name is no typo of one; and the distance costs
    // name length × candidate length.
    if name.len() > MAX_HINTED_NAME {
        return None;
    }
    let typed = Words::of(name);
    let length = name.chars().count();
    let budget = (length / 3).max(2);
    // The least candidate with the same words, and the candidates near enough in length.
    let mut same: Option<&'a str> = None;
    let mut keep_same = |id: &'a str, text: &str| {
        if id != name && text.len() <= MAX_HINTED_NAME * 4 && typed.same_as(text) {
            same = Some(same.map_or(id, |s: &'a str| s.min(id)));
        }
    };
    let mut close: Vec<&'a str> = Vec::new();
    for c in ids {
        keep_same(c, c);
        if c != name && c.len() <= MAX_HINTED_NAME * 4 && c.chars().count().abs_diff(length) <= budget {
            close.push(c);
        }
    }
    for (id, display) in named {
        if display != id {
            keep_same(id, display);
        }
    }
    if same.is_some() {
        return same;
    }
    if close.len() > MAX_HINT_CANDIDATES {
        close = neighbours(close, name, MAX_HINT_CANDIDATES);
    }
    let typed_chars = lower(name);
    let typed_words: Vec<char> = typed.sorted.chars().collect();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in close {
        // Only a distance within the budget, and no greater than the best so far, counts.
        let limit = best.map_or(budget, |(d, _)| d.min(budget));
        let chars = lower(candidate);
        let mut distance = distance_within(&typed_chars, &chars, limit);
        // The words in order, when the name has several to order and the text did not match.
        if typed.count > 1 && distance != Some(0) {
            let words: Vec<char> = Words::of(candidate).sorted.chars().collect();
            let limit = distance.map_or(limit, |d| d.saturating_sub(1));
            if let Some(d) = distance_within(&typed_words, &words, limit) {
                distance = Some(distance.map_or(d, |old| old.min(d)));
            }
        }
        let Some(distance) = distance else {
            continue;
        };
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

/// A name's words: its runs of letters and digits, lower-cased, sorted and joined by dashes,
/// so that every order, case and punctuation of the same words gives the same text.
struct Words {
    /// The words, sorted, joined by `-`.
    sorted: String,
    /// How many characters the words hold (after lower-casing): a cheap first test.
    letters: usize,
    /// How many words.
    count: usize,
}

impl Words {
    fn of(name: &str) -> Words {
        let mut words: Vec<String> = name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        words.sort_unstable();
        let letters = words.iter().map(|w| w.chars().count()).sum();
        Words {
            sorted: words.join("-"),
            letters,
            count: words.len(),
        }
    }

    /// Whether `text` has the same words. Texts too short to hold as many letters, or whose
    /// letters do not add up to as many, are turned down without allocating. (A character
    /// lower-cases to no more characters than its UTF-8 bytes.)
    fn same_as(&self, text: &str) -> bool {
        if text.len() < self.letters {
            return false;
        }
        let letters: usize = text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .map(|c| c.to_lowercase().count())
            .sum();
        letters == self.letters && Words::of(text).sorted == self.sorted
    }
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

/// A text's characters, lower-cased.
fn lower(text: &str) -> Vec<char> {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// Levenshtein distance over characters, case-insensitive.
#[cfg(test)]
fn edit_distance(a: &str, b: &str) -> usize {
    distance_within(&lower(a), &lower(b), usize::MAX).unwrap_or(usize::MAX)
}

/// Levenshtein distance between two texts' characters if it is at most `limit`, else `None`:
/// a row whose least cell exceeds `limit` ends the work, since no later row is less.
fn distance_within(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
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
        if current.iter().min().is_some_and(|&least| least > limit) {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().filter(|&d| d <= limit)
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
        // Within a limit: the distance, or nothing past it.
        assert_eq!(distance_within(&lower("kitten"), &lower("sitting"), 3), Some(3));
        assert_eq!(distance_within(&lower("kitten"), &lower("sitting"), 2), None);
        assert_eq!(distance_within(&lower("abc"), &lower("abcdef"), 2), None);
        assert_eq!(distance_within(&lower(""), &lower(""), 0), Some(0));
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
    fn names_as_people_type_them_get_hints() {
        let ids = [
            "actions-mixpanel",
            "mixpanel",
            "amplitude",
            "actions-amplitude",
            "google-analytics",
        ];
        let hint = |typed: &str| nearest(typed, ids.iter().copied());
        // The display name, and the slug's words in another order: the words, not the order.
        assert_eq!(hint("Mixpanel (Actions)"), Some("actions-mixpanel"));
        assert_eq!(hint("mixpanel-actions"), Some("actions-mixpanel"));
        assert_eq!(hint("MIXPANEL_ACTIONS"), Some("actions-mixpanel"));
        assert_eq!(hint("Actions Mixpanel"), Some("actions-mixpanel"));
        // A typo of reordered words is near too; a typo of the slug as before.
        assert_eq!(hint("mixpanel-action"), Some("actions-mixpanel"));
        assert_eq!(hint("amplitud"), Some("amplitude"));
        assert_eq!(hint("Amplitude (Actions)"), Some("actions-amplitude"));
        assert_eq!(hint("Google Analytics"), Some("google-analytics"));
        // Words are whole: a name with other words, or more of them, gets none of these.
        assert_eq!(hint("Mixpanel Cohorts (Actions)"), None);
        assert_eq!(hint("("), None);
        assert_eq!(hint(""), None);
        // Display names count word for word, and suggest their id.
        let named = [
            ("actions-google-analytics-4", "Google Analytics 4"),
            ("sprig-web", "Sprig (Actions)"),
        ];
        let by_name = |typed: &str| nearest_named(typed, ids.iter().copied(), named.iter().copied());
        assert_eq!(by_name("Google Analytics 4"), Some("actions-google-analytics-4"));
        assert_eq!(by_name("google-analytics-4"), Some("actions-google-analytics-4"));
        assert_eq!(by_name("actions-sprig"), Some("sprig-web"));
        assert_eq!(by_name("Mixpanel (Actions)"), Some("actions-mixpanel"));
        assert_eq!(by_name("amplitud"), Some("amplitude"));
        // The id itself typed is no hint for itself.
        assert_eq!(
            nearest("actions-mixpanel", ["actions-mixpanel"].into_iter()),
            None
        );
        // Among several with the same words, the least.
        assert_eq!(nearest("b a", ["b-a", "a-b", "A_B"].into_iter()), Some("A_B"));
    }

    #[test]
    fn same_words_among_many_long_candidates_are_found_at_bounded_cost() {
        // 100,000 candidates with as many letters as the name typed (each one's words are
        // tested), of which one has its words; and a name past the hinted length gets none.
        let names: Vec<String> = (0..100_000)
            .map(|i| format!("{}-{i:06}", "w".repeat(100)))
            .collect();
        let typed = format!("054321 {}", "W".repeat(100));
        let mut shuffled: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = nearest(&typed, shuffled.iter().copied());
        assert_eq!(hint, Some(&*names[54_321]));
        shuffled.reverse();
        assert_eq!(nearest(&typed, shuffled.iter().copied()), hint);
        let long = format!("{typed} {}", "x".repeat(MAX_HINTED_NAME));
        assert_eq!(nearest(&long, shuffled.iter().copied()), None);
        let named = shuffled.iter().map(|n| ("id", *n));
        assert_eq!(nearest_named(&long, std::iter::empty(), named), None);
    }

    proptest::proptest! {
        /// A hint is always one of the candidates (never made up, never the name itself),
        /// whatever is typed.
        #[test]
        fn a_hint_is_a_candidate_other_than_the_name(typed in "\\PC{0,40}", pick in 0usize..6) {
            let ids = ["actions-mixpanel", "mixpanel", "amplitude", "eu-west", "a-b", "x"];
            let typed = match pick {
                0 => typed,
                1 => format!("{typed} (Actions)"),
                n => format!("{}{typed}", ids.get(n).copied().unwrap_or_default()),
            };
            let hint = nearest(&typed, ids.iter().copied());
            if let Some(h) = hint {
                proptest::prop_assert!(ids.contains(&h));
                proptest::prop_assert_ne!(h, typed.as_str());
            }
        }
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
