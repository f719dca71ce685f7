//! What a policy diff reports: both policies, the counts, and the changes grouped by
//! question kind and region, then by policy entry, with examples.

use super::answer::{AnswerView, ChangeKind};
use super::entry::EntryKind;
use crate::question::Question;
use serde::Serialize;

/// How many example questions are kept per entry.
pub const MAX_EXAMPLES: usize = 3;

/// One side of a diff: which policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySide {
    /// The policy's name.
    pub name: String,
    /// Its [digest](crate::Policy::digest).
    pub digest: String,
}

/// How many answers changed, per kind of change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Denied before, allowed now.
    pub newly_allowed: usize,
    /// Allowed before, denied now.
    pub newly_denied: usize,
    /// Allowed both times, with another host, endpoint or CIDRs.
    pub other_extras: usize,
    /// Allowed both times, with the same extras, for other reasons.
    pub allowed_for_other_reasons: usize,
    /// Denied both times, for other reasons.
    pub denied_for_other_reasons: usize,
}

impl Counts {
    pub(super) fn add(&mut self, kind: ChangeKind) {
        match kind {
            ChangeKind::NewlyAllowed => self.newly_allowed += 1,
            ChangeKind::NewlyDenied => self.newly_denied += 1,
            ChangeKind::OtherExtras => self.other_extras += 1,
            ChangeKind::AllowedForOtherReasons => self.allowed_for_other_reasons += 1,
            ChangeKind::DeniedForOtherReasons => self.denied_for_other_reasons += 1,
        }
    }

    /// Every changed answer.
    pub fn total(&self) -> usize {
        self.significant() + self.denied_for_other_reasons
    }

    /// The changed answers that change what is allowed or what an allow hands out: all but
    /// denials for other reasons.
    pub fn significant(&self) -> usize {
        self.newly_allowed + self.newly_denied + self.other_extras + self.allowed_for_other_reasons
    }

    /// `3 newly allowed, 1 newly denied` (the kinds that occur).
    pub fn phrase(&self) -> String {
        let parts: Vec<String> = [
            (self.newly_allowed, ChangeKind::NewlyAllowed),
            (self.newly_denied, ChangeKind::NewlyDenied),
            (self.other_extras, ChangeKind::OtherExtras),
            (self.allowed_for_other_reasons, ChangeKind::AllowedForOtherReasons),
            (self.denied_for_other_reasons, ChangeKind::DeniedForOtherReasons),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, k)| format!("{n} {}", k.phrase()))
        .collect();
        if parts.is_empty() {
            "no change".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// One question whose answer changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// The question.
    pub question: Question,
    /// How its answer changed.
    pub change: ChangeKind,
    /// The old policy's answer.
    pub old: AnswerView,
    /// The new policy's answer.
    pub new: AnswerView,
}

/// The changes about one policy entry, within one question kind and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryChanges {
    /// What kind of entry.
    pub entry: EntryKind,
    /// Its id (`warehouse_egress` for a region's loader ranges, a host as normalised).
    pub name: String,
    /// What changed in the entry between the documents, in a few words, when it changed
    /// itself (`endpoint `eu` (eu) removed`, `regions +eu-west`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_changed: Option<String>,
    /// How many answers changed, by kind.
    pub counts: Counts,
    /// A few questions whose answer changed, the weightiest changes first (newly allowed,
    /// newly denied, other extras, allowed for other reasons, denied for other reasons).
    pub examples: Vec<Example>,
}

/// The changes of one question kind in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffGroup {
    /// The question kind (`deliver`).
    pub ask: String,
    /// The workspace's region (for `failover`, the region of `from`) as asked.
    pub region: String,
    /// Whether the region is strict in either policy.
    pub strict: bool,
    /// How many answers changed, by kind.
    pub counts: Counts,
    /// The entries, most newly allowed first.
    pub entries: Vec<EntryChanges>,
}

/// Every answer that differs between two policies, grouped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDiff {
    /// The old policy.
    pub old: PolicySide,
    /// The new policy.
    pub new: PolicySide,
    /// How many distinct questions were decided under both.
    pub questions: usize,
    /// How many answers changed, by kind.
    pub counts: Counts,
    /// The groups: newly allowed flows of strict regions first, then by question kind and
    /// region.
    pub groups: Vec<DiffGroup>,
}

impl PolicyDiff {
    /// Whether no answer changed.
    pub fn is_empty(&self) -> bool {
        self.counts.total() == 0
    }

    /// Whether some question denied by the old policy is allowed by the new one.
    pub fn has_new_allows(&self) -> bool {
        self.counts.newly_allowed > 0
    }
}

/// A diff refused before asking anything: the two question spaces together are over
/// [`MAX_DIFF_QUESTIONS`](crate::limits::MAX_DIFF_QUESTIONS).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the diff of `{old}` and `{new}` would ask up to {questions} questions, over the limit of {limit} (`limits::MAX_DIFF_QUESTIONS`)")]
pub struct DiffRefused {
    /// The old policy's name.
    pub old: String,
    /// The new policy's name.
    pub new: String,
    /// How many questions the two spaces hold together.
    pub questions: u64,
    /// The limit.
    pub limit: u64,
}
