//! The policy diff: every question of two policies' question spaces decided under both, and
//! every answer that differs, grouped for a reviewer.
//!
//! [`diff`] asks each question of the old policy's [question space](crate::audit::space),
//! then each question of the new one's not asked yet (the union of both), under both
//! policies, and compares the answers by name: the verdict, the reason codes and the extras
//! (the host handed out, the endpoint, the CIDRs). Changes are grouped by question kind and
//! region, then by the policy entry whose change changed them (a destination, a source, a
//! host, a store, a cloud region, a region's loader ranges, an ingestion region, a failover
//! location), with counts, what changed in the entry and a few example questions; groups with
//! newly allowed flows of strict regions come first.

mod answer;
mod changed;
mod entry;
mod render;
mod report;

pub use answer::{AnswerView, ChangeKind};
pub use entry::EntryKind;
pub use report::{
    Counts, DiffGroup, DiffRefused, EntryChanges, Example, PolicyDiff, PolicySide, MAX_EXAMPLES,
};

use crate::audit::space;
use crate::limits::MAX_DIFF_QUESTIONS;
use crate::policy::Policy;
use crate::question::Question;
use changed::Index;
use entry::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// A question's identity in the set of questions already asked: 128 bits of two SipHash
/// passes (fixed keys), so the set holds 16 bytes per question whatever its text.
fn fingerprint(question: &Question) -> u128 {
    let mut a = std::hash::DefaultHasher::new();
    question.hash(&mut a);
    let mut b = std::hash::DefaultHasher::new();
    0xA5u8.hash(&mut b);
    question.hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// How plainly a question is written, lower is plainer: as a person would write it (no
/// upper case, white space, scheme, port or escape), then short.
fn plainness(question: &Question) -> (bool, usize) {
    let json = question.to_json();
    let odd = json
        .chars()
        .any(|c| c.is_ascii_uppercase() || c.is_whitespace() || matches!(c, '\\' | '@' | '%' | '*'))
        || json.contains("://");
    (odd, json.len())
}

/// An entry's changes while they are gathered.
#[derive(Default)]
struct EntryAcc {
    counts: Counts,
    /// The examples kept, with how plainly each is written.
    examples: Vec<((bool, usize), Example)>,
}

#[derive(Default)]
struct GroupAcc {
    counts: Counts,
    entries: HashMap<Entry, EntryAcc>,
}

/// The position of a question kind in the report: [`QuestionKind`]'s one order.
fn ask_rank(ask: &str) -> usize {
    ask.parse::<crate::QuestionKind>()
        .map_or(usize::MAX, |kind| kind as usize)
}

/// Adds `item` (written as plainly as `plain`, its change read by `kind_of`) to an entry's
/// `examples`, which keeps the weightiest: one of each kind of change while there is room
/// (newly allowed first, as kinds sort), of each kind the plainest found, at most
/// [`MAX_EXAMPLES`]; sorted by kind, then plainness.
fn keep_example<T>(
    examples: &mut Vec<((bool, usize), T)>,
    plain: (bool, usize),
    item: T,
    kind_of: impl Fn(&T) -> ChangeKind,
) {
    let kind = kind_of(&item);
    if let Some(same) = examples.iter_mut().find(|(_, x)| kind_of(x) == kind) {
        if plain < same.0 {
            *same = (plain, item);
        } else if examples.len() < MAX_EXAMPLES {
            examples.push((plain, item));
        }
    } else if examples.len() < MAX_EXAMPLES {
        examples.push((plain, item));
    } else if let Some(last) = examples.last_mut().filter(|(_, last)| kind < kind_of(last)) {
        *last = (plain, item);
    }
    examples.sort_by_key(|(plain, x)| (kind_of(x), *plain));
}

/// Diffs two policies: decides every question of both question spaces under both, and
/// groups every answer that differs. Refused before asking anything when the two spaces
/// together hold over [`MAX_DIFF_QUESTIONS`].
///
/// # Examples
///
/// ```
/// use regionfence::{diff, Policy};
/// let old = Policy::default_policy();
/// assert!(diff::diff(&old, &old).unwrap().is_empty());
///
/// let text = regionfence::DEFAULT_POLICY_YAML
///     .replace("warehouse_egress: [52.25.130.38/32]", "warehouse_egress: [52.25.130.38/32, 34.223.203.0/28]");
/// let new = Policy::from_yaml(&text).unwrap();
/// let d = diff::diff(&old, &new).unwrap();
/// assert!(d.has_new_allows());
/// let connect = d.groups.iter().find(|g| g.ask == "connect" && g.region == "us-west").unwrap();
/// assert_eq!(connect.entries[0].entry, diff::EntryKind::LoaderRanges);
/// ```
pub fn diff(old: &Policy, new: &Policy) -> Result<PolicyDiff, DiffRefused> {
    diff_within(old, new, MAX_DIFF_QUESTIONS)
}

/// [`diff`], refused past `limit` questions.
fn diff_within(old: &Policy, new: &Policy, limit: u64) -> Result<PolicyDiff, DiffRefused> {
    let (old_space, new_space) = (space(old), space(new));
    let questions = old_space
        .estimated_len()
        .saturating_add(new_space.estimated_len());
    if questions > limit {
        return Err(DiffRefused {
            old: old.name().to_string(),
            new: new.name().to_string(),
            questions,
            limit,
        });
    }
    let (old_index, new_index) = (Index::new(old.document()), Index::new(new.document()));
    let mut seen: HashSet<u128> = HashSet::new();
    let mut groups: BTreeMap<(usize, &'static str, String), GroupAcc> = BTreeMap::new();
    let mut counts = Counts::default();
    let mut asked = 0usize;
    // Each distinct question once: the new space repeats most of the old one's, and a space
    // may spell a question twice.
    let mut ask = |question: Question| {
        if !seen.insert(fingerprint(&question)) {
            return;
        }
        asked += 1;
        let (d_old, d_new) = (old.decide(&question), new.decide(&question));
        if answer::same(old, &d_old, new, &d_new) {
            return;
        }
        let (v_old, v_new) = (AnswerView::new(old, &d_old), AnswerView::new(new, &d_new));
        let Some(kind) = answer::change(&v_old, &v_new) else {
            return;
        };
        counts.add(kind);
        let entry = entry::entry_of(&question, &v_old, &v_new, &old_index, &new_index);
        let key = (
            ask_rank(question.ask()),
            question.ask(),
            entry::region_of(&question).to_string(),
        );
        let group = groups.entry(key).or_default();
        group.counts.add(kind);
        let acc = group.entries.entry(entry).or_default();
        acc.counts.add(kind);
        let example = Example {
            question,
            change: kind,
            old: v_old,
            new: v_new,
        };
        let plain = plainness(&example.question);
        keep_example(&mut acc.examples, plain, example, |x| x.change);
    };
    old_space.for_each(&mut ask);
    new_space.for_each(&mut ask);

    let mut out: Vec<DiffGroup> = groups
        .into_iter()
        .map(|((_, ask, region), acc)| {
            let mut entries: Vec<EntryChanges> = acc
                .entries
                .into_iter()
                .map(|(entry, e)| EntryChanges {
                    what_changed: changed::what_changed(&old_index, &new_index, &region, &entry),
                    entry: entry.kind,
                    name: entry.name,
                    counts: e.counts,
                    examples: e.examples.into_iter().map(|(_, x)| x).collect(),
                })
                .collect();
            entries.sort_by(|a, b| {
                let weight = |c: &Counts| (c.newly_allowed, c.significant(), c.total());
                weight(&b.counts)
                    .cmp(&weight(&a.counts))
                    .then_with(|| (a.entry, &a.name).cmp(&(b.entry, &b.name)))
            });
            DiffGroup {
                ask: ask.to_string(),
                strict: old_index.strict(&region) || new_index.strict(&region),
                region,
                counts: acc.counts,
                entries,
            }
        })
        .collect();
    // Newly allowed flows of strict regions first; then groups that change what is allowed;
    // then in the order of the question kinds.
    out.sort_by_key(|g| {
        (
            !(g.strict && g.counts.newly_allowed > 0),
            g.counts.significant() == 0,
            ask_rank(&g.ask),
            g.region.clone(),
        )
    });
    Ok(PolicyDiff {
        old: PolicySide {
            name: old.name().to_string(),
            digest: old.digest(),
        },
        new: PolicySide {
            name: new.name().to_string(),
            digest: new.digest(),
        },
        questions: asked,
        counts,
        groups: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_over_the_limit_is_refused_before_asking() {
        let policy = Policy::default_policy();
        let err = diff_within(&policy, &policy, 1000).unwrap_err();
        assert_eq!(err.limit, 1000);
        assert!(err.questions > 100_000, "{err}");
        assert!(err.to_string().contains("over the limit of 1000"), "{err}");
    }

    #[test]
    fn fingerprints_tell_questions_apart() {
        let a = Question::Failover {
            from: "a".into(),
            to: "b".into(),
        };
        let b = Question::Failover {
            from: "b".into(),
            to: "a".into(),
        };
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a), fingerprint(&a.clone()));
    }

    #[test]
    fn a_fingerprint_keeps_both_passes() {
        let q = Question::Failover {
            from: "a".into(),
            to: "b".into(),
        };
        let print = fingerprint(&q);
        // Both halves are SipHash values: each is zero with odds of 2^-64, and they differ.
        let (high, low) = (print >> 64, print & u128::from(u64::MAX));
        assert_ne!(high, 0);
        assert_ne!(low, 0);
        assert_ne!(high, low);
    }

    #[test]
    fn examples_keep_each_kind_and_the_plainest() {
        use ChangeKind::*;
        // Items are (kind, name); plainness is given apart.
        let kept = |adds: &[(ChangeKind, usize, &'static str)]| -> Vec<&'static str> {
            let mut examples = Vec::new();
            for &(kind, plain, name) in adds {
                keep_example(&mut examples, (false, plain), (kind, name), |x| x.0);
            }
            examples.iter().map(|(_, (_, name))| *name).collect()
        };
        // Of one kind: a plainer one replaces the first, a less plain one fills the room.
        assert_eq!(kept(&[(NewlyDenied, 5, "a"), (NewlyDenied, 3, "b")]), ["b"]);
        assert_eq!(kept(&[(NewlyDenied, 3, "a"), (NewlyDenied, 5, "b")]), ["a", "b"]);
        // As plain as the first: the first stays, the other fills the room.
        assert_eq!(kept(&[(NewlyDenied, 3, "a"), (NewlyDenied, 3, "b")]), ["a", "b"]);
        // Kinds sort newly allowed first, whatever order they came in.
        assert_eq!(
            kept(&[
                (DeniedForOtherReasons, 1, "d"),
                (NewlyDenied, 1, "n"),
                (NewlyAllowed, 1, "a")
            ]),
            ["a", "n", "d"]
        );
        // A plainer example of a kind already kept replaces it, not another kind's.
        assert_eq!(
            kept(&[
                (NewlyAllowed, 5, "a5"),
                (NewlyDenied, 5, "n5"),
                (NewlyDenied, 1, "n1")
            ]),
            ["a5", "n1"]
        );
        // Full: a weightier kind takes the last place; a lighter or equal one does not.
        let full = [
            (NewlyDenied, 1, "n"),
            (OtherExtras, 1, "o"),
            (DeniedForOtherReasons, 1, "d"),
        ];
        let with = |extra: (ChangeKind, usize, &'static str)| {
            let mut adds = full.to_vec();
            adds.push(extra);
            kept(&adds)
        };
        assert_eq!(with((NewlyAllowed, 9, "a")), ["a", "n", "o"]);
        assert_eq!(with((AllowedForOtherReasons, 9, "r")), ["n", "o", "r"]);
        assert_eq!(with((DeniedForOtherReasons, 0, "d0")), ["n", "o", "d0"]);
        assert_eq!(with((DeniedForOtherReasons, 5, "d5")), ["n", "o", "d"]);
    }

    #[test]
    fn plain_questions_sort_first() {
        let q = |host: &str| Question::Ingest {
            workspace: "us-west".into(),
            source: "ios".into(),
            host: host.into(),
        };
        let mut hosts = [
            "API.SEGMENT.IO",
            "https://api.segment.io",
            "api.segment.io",
            "api.segment.io.",
        ];
        hosts.sort_by_key(|h| plainness(&q(h)));
        assert_eq!(hosts[0], "api.segment.io");
        assert_eq!(hosts[1], "api.segment.io.");
    }
}
