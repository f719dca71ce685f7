//! A policy diff for people: a header with both digests and the counts, then one block per
//! question kind and region, each listing at most eight entries with one example each.

use super::{DiffGroup, EntryChanges, PolicyDiff};
use crate::text::{escape_control, excerpt, MAX_LISTED};
use std::fmt::Write;

impl PolicyDiff {
    /// The first lines of [`PolicyDiff::to_text`]: the two policies, their digests and the
    /// counts, then one line per group.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "policy diff: `{}` → `{}`",
            excerpt(&self.old.name),
            excerpt(&self.new.name)
        );
        let _ = writeln!(out, "  old digest: {}", self.old.digest);
        let _ = writeln!(out, "  new digest: {}", self.new.digest);
        if self.is_empty() {
            let _ = writeln!(
                out,
                "{} questions decided under both policies: every answer is the same",
                self.questions
            );
            return out;
        }
        let _ = writeln!(
            out,
            "{} questions decided under both policies; {} answers differ: {}",
            self.questions,
            self.counts.total(),
            self.counts.phrase()
        );
        for g in self.groups.iter().filter(|g| g.counts.significant() > 0) {
            let _ = writeln!(out, "  {}", group_title(g));
        }
        let quiet: Vec<String> = self
            .groups
            .iter()
            .filter(|g| g.counts.significant() == 0)
            .map(|g| format!("{} in `{}`", g.ask, excerpt(&g.region)))
            .collect();
        if !quiet.is_empty() {
            let _ = writeln!(
                out,
                "  only denied for other reasons: {}",
                crate::text::list(quiet)
            );
        }
        out
    }

    /// The diff for people: the summary, then per group its entries (at most
    /// [`MAX_LISTED`] per group, the rest counted) with what changed in each and one example
    /// question with both answers. `--format json` has every entry and example.
    pub fn to_text(&self) -> String {
        let mut out = self.summary();
        for g in self.groups.iter().filter(|g| g.counts.significant() > 0) {
            let _ = writeln!(out);
            let _ = writeln!(out, "{}", group_title(g));
            for e in g.entries.iter().take(MAX_LISTED) {
                entry(&mut out, e);
            }
            if g.entries.len() > MAX_LISTED {
                let _ = writeln!(
                    out,
                    "  … and {} more entries (`--format json` lists them all)",
                    g.entries.len() - MAX_LISTED
                );
            }
        }
        out
    }
}

fn group_title(g: &DiffGroup) -> String {
    format!(
        "{} in `{}`{}: {}",
        g.ask,
        excerpt(&g.region),
        if g.strict { " (strict)" } else { "" },
        g.counts.phrase()
    )
}

fn entry(out: &mut String, e: &EntryChanges) {
    let changed = e
        .what_changed
        .as_deref()
        .map_or(String::new(), |w| format!(" ({w})"));
    let name = match e.entry {
        super::EntryKind::LoaderRanges => "loader ranges".to_string(),
        kind => format!("{} `{}`", kind.to_string().replace('-', " "), excerpt(&e.name)),
    };
    let _ = writeln!(out, "  {name}{changed}: {}", e.counts.phrase());
    if let Some(x) = e.examples.first() {
        let _ = writeln!(out, "    e.g. {}", escape_control(&x.question.to_json()));
        let _ = writeln!(out, "      {} → {}", x.old.summary(), x.new.summary());
    }
}
