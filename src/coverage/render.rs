//! A coverage report as text for people: the tallies per question kind × region and per
//! entry kind, then the uncovered cells, every list bounded.

use super::{Coverage, EntryKind, ReasonCell};
use crate::question::QuestionKind;
use crate::text::list;
use std::fmt::Write;
use strum::IntoEnumIterator;

/// The most lines of uncovered reason cells a text report shows (one per kind × region);
/// `--format json` lists every cell.
pub const MAX_UNCOVERED_LINES: usize = 24;

/// How a region is shown; `None` is a name the policy does not define.
fn region_label(region: Option<&str>) -> &str {
    region.unwrap_or("(unknown)")
}

impl Coverage {
    /// The report as text: the overall tally, then per question kind its regions' tallies,
    /// per entry kind its tally, and the uncovered cells (at most
    /// [`MAX_UNCOVERED_LINES`] lines of reason cells, each list cut at
    /// [`crate::text::MAX_LISTED`] items with "and N more").
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{coverage::DecisionSpace, Policy, Question};
    /// let policy = Policy::default_policy();
    /// let q = Question::parse(r#"{"ask":"region-change","workspace":"eu-west","to":"us-west"}"#).unwrap();
    /// let text = DecisionSpace::new(&policy).unwrap().coverage([&q]).to_text();
    /// assert!(text.contains("region-change  us-west 0/3, eu-west 1/3, (unknown) 0/1"), "{text}");
    /// assert!(text.contains("region-change eu-west: unknown-region, region-unchanged"), "{text}");
    /// ```
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "coverage of policy `{}` by {} case(s): {}/{} cells ({:.1}%)",
            self.policy, self.cases, self.covered, self.total, self.percent
        );
        let _ = writeln!(
            out,
            "  reason codes per question kind and region: {}/{} ({:.1}%)",
            self.reasons.covered, self.reasons.total, self.reasons.percent
        );
        let groups = self.groups();
        let width = QuestionKind::iter().map(|a| a.as_str().len()).max().unwrap_or(0);
        for ask in QuestionKind::iter().map(QuestionKind::as_str) {
            let tallies = groups
                .iter()
                .filter(|g| g.ask == ask)
                .map(|g| format!("{} {}/{}", region_label(g.region), g.covered, g.total));
            let mut tallies = tallies.peekable();
            if tallies.peek().is_some() {
                let _ = writeln!(out, "    {ask:<width$}  {}", list(tallies));
            }
        }
        let _ = writeln!(
            out,
            "  policy entries: {}/{} ({:.1}%)",
            self.entries.covered, self.entries.total, self.entries.percent
        );
        let width = EntryKind::iter().map(|k| k.title().len()).max().unwrap_or(0);
        for kind in EntryKind::iter() {
            let t = self.entry_tally(kind);
            let _ = writeln!(out, "    {:<width$}  {}/{}", kind.title(), t.covered, t.total);
        }
        if !self.entries.unnameable.is_empty() {
            let _ = writeln!(
                out,
                "  entries no decision can name, not counted: {}",
                list(self.entries.unnameable.iter().map(|c| &c.entry))
            );
        }
        let beyond: Vec<&ReasonCell> = self.reasons.cells.iter().filter(|c| c.beyond_space).collect();
        if !beyond.is_empty() {
            let _ = writeln!(
                out,
                "  reached by cases but not by the audit's question space: {}",
                list(beyond.iter().map(|c| format!(
                    "{} {}: {}",
                    c.ask,
                    region_label(c.region.as_deref()),
                    c.code.as_str()
                )))
            );
        }
        let uncovered = self.total - self.covered;
        if uncovered == 0 {
            let _ = writeln!(out, "  every cell is covered");
            return out;
        }
        let _ = writeln!(
            out,
            "  uncovered: {uncovered} cell(s) (`--format json` lists every cell)"
        );
        let mut lines = 0usize;
        let mut left_out = 0usize;
        for g in groups.iter().filter(|g| !g.uncovered.is_empty()) {
            if lines == MAX_UNCOVERED_LINES {
                left_out += 1;
                continue;
            }
            lines += 1;
            let _ = writeln!(
                out,
                "    {} {}: {}",
                g.ask,
                region_label(g.region),
                list(&g.uncovered)
            );
        }
        if left_out > 0 {
            let _ = writeln!(
                out,
                "    … and {left_out} more question kind × region pair(s) with uncovered codes"
            );
        }
        for kind in EntryKind::iter() {
            let names: Vec<&str> = self
                .uncovered_entries()
                .filter(|c| c.kind == kind)
                .map(|c| c.entry.as_str())
                .collect();
            if !names.is_empty() {
                let _ = writeln!(out, "    {}: {}", kind.title(), list(names));
            }
        }
        out
    }

    /// The reason cells per question kind × region, in report order, in one pass (cells are
    /// sorted by kind, then region).
    fn groups(&self) -> Vec<Group<'_>> {
        let mut groups: Vec<Group<'_>> = Vec::new();
        for c in &self.reasons.cells {
            let region = c.region.as_deref();
            let same = groups
                .last()
                .is_some_and(|g| g.ask == c.ask && g.region == region);
            if !same {
                groups.push(Group {
                    ask: c.ask,
                    region,
                    covered: 0,
                    total: 0,
                    uncovered: Vec::new(),
                });
            }
            if let Some(g) = groups.last_mut() {
                g.total += 1;
                if c.cases > 0 {
                    g.covered += 1;
                } else {
                    g.uncovered.push(c.code.as_str());
                }
            }
        }
        groups
    }
}

/// The reason cells of one question kind in one region.
struct Group<'a> {
    ask: &'static str,
    region: Option<&'a str>,
    covered: usize,
    total: usize,
    uncovered: Vec<&'static str>,
}
