//! Coverage of a policy's decision space by a suite of cases: which of the decisions the
//! policy can make, and which of its entries, the cases exercise.
//!
//! The space has two parts, both derived from the policy:
//!
//! - **Reason cells**: (question kind, region, reason code) triples the engine gives. They are
//!   found by deciding the audit's whole question space ([`crate::audit::space`]: every name
//!   of the policy, hostile spellings and unknowns), so the fail-closed codes appear beside
//!   the rules' own. The region is the question's workspace, or for `failover` the region of
//!   the location it starts from; a name the policy does not define is the unknown region.
//! - **Entry cells**: every ingestion host (per ingestion region), destination endpoint,
//!   store placement (a place of a region's `archive` or `customer_storage` list where one
//!   of its cloud regions runs the store), warehouse egress CIDR and failover location.
//!
//! A case covers a reason cell when its decision gives that code in that kind × region, and
//! an entry cell when its decision names that entry: a host admitted, refused as another
//! region's or handed out; an endpoint gone through or refused; a place a store is allowed
//! in; a CIDR that admits an address or that an allowlist hands out; a location a failover
//! starts from or goes to. A cell only a case
//! reaches — one the audit's space never asked — is counted too, and flagged.

mod cells;
mod render;
mod touch;

pub use cells::EntryKind;
pub use render::MAX_UNCOVERED_LINES;

use crate::audit::{space, AuditRefused, Family};
use crate::cases::Case;
use crate::decision::ReasonCode;
use crate::policy::{Policy, RegionId};
use crate::question::Question;
use crate::question::QuestionKind;
use cells::{EntryKey, ReasonKey};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use strum::IntoEnumIterator;

/// A policy's decision space, decided once; [`DecisionSpace::coverage`] then measures any
/// number of suites against it.
pub struct DecisionSpace<'p> {
    policy: &'p Policy,
    /// The reason cells the audit's question space reaches.
    reasons: BTreeSet<ReasonKey>,
    /// Every entry cell, in document order, with its region and label.
    entries: Vec<(EntryKey, Option<RegionId>, String)>,
    /// The entries no decision can name: of a kind whose family the space asked in full, and
    /// named by none of its decisions.
    unnameable: HashSet<EntryKey>,
    questions: usize,
}

impl<'p> DecisionSpace<'p> {
    /// Decides `policy`'s question space and collects its cells. A policy whose space is
    /// over [`MAX_AUDIT_QUESTIONS`](crate::limits::MAX_AUDIT_QUESTIONS) is refused, as the audit refuses it.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{coverage::DecisionSpace, Policy};
    /// let policy = Policy::default_policy();
    /// let space = DecisionSpace::new(&policy).unwrap();
    /// assert!(space.reason_cells() > 50);
    /// assert!(space.entry_cells() > 100);
    /// ```
    pub fn new(policy: &'p Policy) -> Result<DecisionSpace<'p>, AuditRefused> {
        let space = space(policy);
        crate::audit::within_budget(policy, &space)?;
        let mut reasons = BTreeSet::new();
        let mut named = HashSet::new();
        let mut questions = 0usize;
        space.for_each(|q| {
            questions += 1;
            let decision = policy.decide(&q);
            touch::touched(
                policy,
                &q,
                &decision,
                |r| {
                    reasons.insert(r);
                },
                |e| {
                    named.insert(e);
                },
            );
        });
        // A family asked in full asks every name of the policy (and every loader range's
        // boundaries), so an entry none of its decisions names is one no question can name.
        // Per class, an entry may merely be one the classes did not pick: it stays a cell.
        let full = |family: Family| space.plans().iter().any(|p| p.family == family && p.full);
        let entries = cells::entries(policy);
        let unnameable = entries
            .iter()
            .map(|e| e.0)
            .filter(|key| !named.contains(key) && full(key.kind().family()))
            .collect();
        Ok(DecisionSpace {
            policy,
            reasons,
            entries,
            unnameable,
            questions,
        })
    }

    /// How many reason cells the policy's question space reaches.
    pub fn reason_cells(&self) -> usize {
        self.reasons.len()
    }

    /// How many entry cells the policy has (entries no decision can name are none).
    pub fn entry_cells(&self) -> usize {
        self.entries.len() - self.unnameable.len()
    }

    /// Which cells `questions` (a suite's questions) exercise.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{coverage::DecisionSpace, Policy, Question};
    /// let policy = Policy::default_policy();
    /// let space = DecisionSpace::new(&policy).unwrap();
    /// let q = Question::parse(r#"{"ask":"connect","workspace":"eu-west","warehouse":"redshift","ip":"3.251.148.97"}"#).unwrap();
    /// let c = space.coverage([&q]);
    /// assert!(c.reasons.cells.iter().any(|cell| cell.ask == "connect"
    ///     && cell.region.as_deref() == Some("eu-west")
    ///     && cell.code.as_str() == "ip-allowlisted"
    ///     && cell.cases == 1));
    /// assert!(c.entries.cells.iter().any(|cell| cell.entry == "eu-west 3.251.148.96/29" && cell.cases == 1));
    /// assert!(c.percent < 5.0);
    /// ```
    pub fn coverage<'q>(&self, questions: impl IntoIterator<Item = &'q Question>) -> Coverage {
        let policy = self.policy;
        let mut reason_hits: HashMap<ReasonKey, usize> = self.reasons.iter().map(|k| (*k, 0)).collect();
        let mut entry_hits: HashMap<EntryKey, usize> = self.entries.iter().map(|e| (e.0, 0)).collect();
        let mut cases = 0usize;
        for q in questions {
            cases += 1;
            let decision = policy.decide(q);
            // A case counts once per cell, however many of its reasons or answers name it.
            let mut reasons = Vec::new();
            let mut entries = Vec::new();
            touch::touched(policy, q, &decision, |r| reasons.push(r), |e| entries.push(e));
            reasons.sort_unstable();
            reasons.dedup();
            entries.sort_unstable();
            entries.dedup();
            for r in reasons {
                *reason_hits.entry(r).or_insert(0) += 1;
            }
            for e in entries {
                if let Some(n) = entry_hits.get_mut(&e) {
                    *n += 1;
                }
            }
        }
        let region_name = |r: Option<RegionId>| r.map(|r| policy.region_name(r).to_string());
        let mut keys: Vec<(ReasonKey, usize)> = reason_hits.into_iter().collect();
        keys.sort_unstable_by_key(|(k, _)| (k.ask, k.region.map_or(u32::MAX, |r| r.0), k.code));
        let reason_cells: Vec<ReasonCell> = keys
            .into_iter()
            .map(|(k, n)| ReasonCell {
                ask: <QuestionKind as strum::VariantArray>::VARIANTS
                    .get(usize::from(k.ask))
                    .map_or("", |k| k.as_str()),
                region: region_name(k.region),
                code: k.code,
                cases: n,
                beyond_space: !self.reasons.contains(&k),
            })
            .collect();
        let mut entry_cells = Vec::new();
        let mut unnameable = Vec::new();
        for (key, region, label) in &self.entries {
            let cell = EntryCell {
                kind: key.kind(),
                region: region_name(*region),
                entry: label.clone(),
                cases: entry_hits.get(key).copied().unwrap_or(0),
            };
            // An entry a case names after all is counted, whatever the space said.
            if cell.cases == 0 && self.unnameable.contains(key) {
                unnameable.push(cell);
            } else {
                entry_cells.push(cell);
            }
        }
        let mut c = Coverage::new(policy.name(), cases, self.questions, reason_cells, entry_cells);
        c.entries.unnameable = unnameable;
        c
    }
}

/// Measures how much of `policy`'s decision space `cases` exercise (see [`DecisionSpace`];
/// to measure several suites, decide the space once with [`DecisionSpace::new`]).
///
/// # Examples
///
/// ```
/// use regionfence::{cases::CaseFile, coverage, Policy};
/// let policy = Policy::default_policy();
/// let file = CaseFile::parse(
///     "cases:\n  - {name: EU host, ask: ingest, workspace: eu-west, source: ios, host: events.eu1.segmentapis.com, expect: allow}\n",
/// ).unwrap();
/// let c = coverage::coverage(&policy, &file.cases).unwrap();
/// assert_eq!(c.cases, 1);
/// assert_eq!(c.reasons.covered, 1);
/// let host = c.entries.cells.iter().find(|e| e.entry == "eu-west/dublin events.eu1.segmentapis.com").unwrap();
/// assert_eq!(host.cases, 1);
/// assert!(c.uncovered_reasons().any(|cell| cell.code.as_str() == "ingestion-outside-region"));
/// ```
pub fn coverage(policy: &Policy, cases: &[Case]) -> Result<Coverage, AuditRefused> {
    Ok(DecisionSpace::new(policy)?.coverage(cases.iter().map(|c| &c.question)))
}

/// A reason cell and how many cases exercise it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonCell {
    /// The question kind, as written after `ask:`.
    pub ask: &'static str,
    /// The region; `None` for a name the policy does not define.
    pub region: Option<String>,
    /// The reason code.
    pub code: ReasonCode,
    /// How many cases' decisions give it.
    pub cases: usize,
    /// Reached by a case but not by the audit's question space.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub beyond_space: bool,
}

/// An entry cell and how many cases exercise it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryCell {
    /// What kind of entry.
    pub kind: EntryKind,
    /// The region it belongs to, where it belongs to one.
    pub region: Option<String>,
    /// The entry, as reports show it (`eu-west/dublin events.eu1.segmentapis.com`,
    /// `amplitude/eu`, `eu-west: redshift in eu`, `eu-west 3.251.148.96/29`,
    /// `eu-west/dublin-a`).
    pub entry: String,
    /// How many cases' decisions name it.
    pub cases: usize,
}

/// Covered out of total, for one part of the space.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tally {
    /// Cells some case exercises.
    pub covered: usize,
    /// All cells.
    pub total: usize,
    /// `covered` in percent of `total`, to one decimal (100 when there are none).
    pub percent: f64,
}

impl Tally {
    fn of(covered: usize, total: usize) -> Tally {
        Tally {
            covered,
            total,
            percent: percent(covered, total),
        }
    }
}

fn percent(covered: usize, total: usize) -> f64 {
    if total == 0 {
        return 100.0;
    }
    (covered as f64 * 1000.0 / total as f64).floor() / 10.0
}

/// The reason cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonPart {
    /// Cells covered.
    pub covered: usize,
    /// All cells.
    pub total: usize,
    /// In percent, to one decimal, rounded down.
    pub percent: f64,
    /// Every cell, by kind, region (the unknown region last) and code.
    pub cells: Vec<ReasonCell>,
}

/// One entry kind's tally.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KindTally {
    /// The entry kind.
    pub kind: EntryKind,
    /// Its cells covered.
    pub covered: usize,
    /// All its cells.
    pub total: usize,
}

/// The entry cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryPart {
    /// Cells covered.
    pub covered: usize,
    /// All cells.
    pub total: usize,
    /// In percent, to one decimal, rounded down.
    pub percent: f64,
    /// Per entry kind.
    pub kinds: Vec<KindTally>,
    /// Every cell, in document order per kind.
    pub cells: Vec<EntryCell>,
    /// Entries no decision can name (the endpoints of a destination no region lists, say),
    /// so no case can cover them: listed, and not counted. Found only where the audit's
    /// space asks a family in full.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unnameable: Vec<EntryCell>,
}

/// How much of a policy's decision space a suite exercises: a report, never an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// The policy's name.
    pub policy: String,
    /// How many cases were measured.
    pub cases: usize,
    /// How many questions of the policy's space were decided to find its reason cells.
    pub questions: usize,
    /// Cells covered, reason and entry cells together.
    pub covered: usize,
    /// All cells.
    pub total: usize,
    /// `covered` in percent of `total`, to one decimal, rounded down (so 100 means all).
    pub percent: f64,
    /// The reason cells.
    pub reasons: ReasonPart,
    /// The entry cells.
    pub entries: EntryPart,
}

impl Coverage {
    fn new(
        policy: &str,
        cases: usize,
        questions: usize,
        reasons: Vec<ReasonCell>,
        entries: Vec<EntryCell>,
    ) -> Coverage {
        let reasons_covered = reasons.iter().filter(|c| c.cases > 0).count();
        let entries_covered = entries.iter().filter(|c| c.cases > 0).count();
        let kinds = EntryKind::iter()
            .map(|kind| {
                let of_kind = entries.iter().filter(|c| c.kind == kind);
                KindTally {
                    kind,
                    covered: of_kind.clone().filter(|c| c.cases > 0).count(),
                    total: of_kind.count(),
                }
            })
            .collect();
        let covered = reasons_covered + entries_covered;
        let total = reasons.len() + entries.len();
        let r = Tally::of(reasons_covered, reasons.len());
        let e = Tally::of(entries_covered, entries.len());
        Coverage {
            policy: policy.to_string(),
            cases,
            questions,
            covered,
            total,
            percent: percent(covered, total),
            reasons: ReasonPart {
                covered: r.covered,
                total: r.total,
                percent: r.percent,
                cells: reasons,
            },
            entries: EntryPart {
                covered: e.covered,
                total: e.total,
                percent: e.percent,
                kinds,
                cells: entries,
                unnameable: Vec::new(),
            },
        }
    }

    /// The reason cells no case exercises.
    pub fn uncovered_reasons(&self) -> impl Iterator<Item = &ReasonCell> {
        self.reasons.cells.iter().filter(|c| c.cases == 0)
    }

    /// The entry cells no case exercises.
    pub fn uncovered_entries(&self) -> impl Iterator<Item = &EntryCell> {
        self.entries.cells.iter().filter(|c| c.cases == 0)
    }

    /// The tally of one entry kind.
    pub fn entry_tally(&self, kind: EntryKind) -> Tally {
        let k = self.entries.kinds.iter().find(|k| k.kind == kind);
        Tally::of(k.map_or(0, |k| k.covered), k.map_or(0, |k| k.total))
    }

    /// The tally of one question kind in one region (`None`: the unknown region).
    pub fn reason_tally(&self, ask: &str, region: Option<&str>) -> Tally {
        let cells = self
            .reasons
            .cells
            .iter()
            .filter(|c| c.ask == ask && c.region.as_deref() == region);
        Tally::of(cells.clone().filter(|c| c.cases > 0).count(), cells.count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_only_a_case_reaches_is_counted_and_flagged() {
        let policy = Policy::default_policy();
        let mut space = DecisionSpace::new(&policy).unwrap();
        let eu = policy.region_id("eu-west");
        // As if the audit's space had never asked an EU region change.
        space.reasons.retain(|k| !(k.ask == 7 && k.region == eu));
        let q = Question::parse(r#"{"ask":"region-change","workspace":"eu-west","to":"eu-west"}"#).unwrap();
        let c = space.coverage([&q]);
        let cell = c
            .reasons
            .cells
            .iter()
            .find(|cell| cell.ask == "region-change" && cell.region.as_deref() == Some("eu-west"))
            .unwrap();
        assert_eq!(
            (cell.code, cell.cases, cell.beyond_space),
            (ReasonCode::RegionUnchanged, 1, true)
        );
        assert_eq!(c.reasons.total, space.reasons.len() + 1);
        assert!(c.to_text().contains(
            "reached by cases but not by the audit's question space: region-change eu-west: region-unchanged"
        ));
        assert!(serde_json::to_string(&c)
            .unwrap()
            .contains(r#""beyond_space":true"#));
    }
}
