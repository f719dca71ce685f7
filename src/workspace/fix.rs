//! Applying every offered fix: to a configuration's values (RFC 6902 operations), or to its
//! text (in place, every other byte kept).

use super::document::{parse_spanned, ParsedWorkspace, Workspace, WorkspaceError, WorkspaceErrorKind};
use super::edit::{apply_splices, apply_to_text, splices_for, split_bom, EditError, Splice, TextStyle};
use super::pointer::{apply, PatchOp, Pointer};
use super::report::{Violation, WorkspaceReport};
use crate::policy::Policy;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A configuration with every offered fix applied.
#[derive(Debug, Clone)]
pub struct FixOutcome {
    /// The fixed configuration.
    pub workspace: Workspace,
    /// The violations whose fixes were applied, in order.
    pub applied: Vec<Violation>,
    /// The check of the fixed configuration: only violations no edit fixes remain.
    pub remaining: WorkspaceReport,
}

/// Applies every offered fix, then checks again and fixes what the first round's edits
/// revealed (a loader range two removed entries both admitted, say), until no fix is left or
/// a round changes nothing. Within a round, removals run last, from the highest index down,
/// so every operation's path still names the value it was computed for.
///
/// # Examples
///
/// ```
/// use regionfence::Policy;
/// use regionfence::workspace::{fix_all, Workspace};
/// let ws = Workspace::parse(
///     "version: 1\nworkspace: acme\nregion: eu-west\n\
///      sources: [{id: api, source: node-js, host: api.segment.io}]\n",
/// ).unwrap();
/// let fixed = fix_all(&Policy::default_policy(), &ws);
/// assert!(fixed.remaining.is_compliant());
/// assert_eq!(fixed.workspace.sources[0].host.as_deref(), Some("events.eu1.segmentapis.com"));
/// ```
pub fn fix_all(policy: &Policy, workspace: &Workspace) -> FixOutcome {
    let mut current = workspace.clone();
    let mut applied = Vec::new();
    let mut refused: HashSet<(String, String)> = HashSet::new();
    // Each round fixes or refuses at least one violation, or stops; a fix never adds one, so
    // the rounds are bounded by the violations of the first check, and a few more for what
    // edits reveal.
    let mut report = policy.check_workspace(&current);
    let rounds = 2 * report.violations.len() + 16;
    for _ in 0..rounds {
        let fixable: Vec<&Violation> = report
            .violations
            .iter()
            .filter(|v| v.fix.has_edit() && !refused.contains(&key(v)))
            .collect();
        if fixable.is_empty() {
            return FixOutcome {
                workspace: current,
                applied,
                remaining: report,
            };
        }
        let ops = ordered(&fixable);
        match apply(&current, &ops) {
            Ok(next) => {
                current = next;
                applied.extend(fixable.into_iter().cloned());
            }
            Err(_) => {
                // Fall back to one fix at a time, keeping every one that applies. Removals
                // go last, from the highest index down, so each path still holds.
                let (mut removals, edits): (Vec<&Violation>, Vec<&Violation>) = fixable
                    .into_iter()
                    .partition(|v| v.fix.patch.iter().any(|op| matches!(op, PatchOp::Remove { .. })));
                removals.sort_by_key(|v| std::cmp::Reverse(first_path(v)));
                for v in edits.into_iter().chain(removals) {
                    match apply(&current, &v.fix.patch) {
                        Ok(next) => {
                            current = next;
                            applied.push(v.clone());
                        }
                        Err(_) => {
                            refused.insert(key(v));
                        }
                    }
                }
            }
        }
        report = policy.check_workspace(&current);
    }
    let remaining = report;
    FixOutcome {
        workspace: current,
        applied,
        remaining,
    }
}

fn first_path(v: &Violation) -> Option<Pointer> {
    v.fix.patch.first().and_then(|op| Pointer::parse(op.path()))
}

fn key(v: &Violation) -> (String, String) {
    (v.subject.clone(), v.code.as_str().to_string())
}

/// The operations of several fixes in an order that keeps every path valid: replacements and
/// additions first, then removals from the highest position down.
fn ordered(fixes: &[&Violation]) -> Vec<PatchOp> {
    let mut edits = Vec::new();
    let mut removals = Vec::new();
    for v in fixes {
        for op in &v.fix.patch {
            match op {
                PatchOp::Remove { path } => removals.push((Pointer::parse(path), op.clone())),
                _ => edits.push(op.clone()),
            }
        }
    }
    removals.sort_by(|a, b| b.0.cmp(&a.0));
    removals.dedup_by(|a, b| a.0 == b.0);
    edits.extend(removals.into_iter().map(|(_, op)| op));
    edits
}

/// The text of a configuration with every offered fix applied in place.
#[derive(Debug, Clone)]
pub struct TextFixOutcome {
    /// The fixed text.
    pub text: String,
    /// The violations whose fixes were applied, in order.
    pub applied: Vec<Violation>,
    /// Violations with an edit that could not be made in place, and why.
    pub failed: Vec<(Violation, EditError)>,
    /// The check of the fixed text.
    pub remaining: WorkspaceReport,
}

/// Applies every offered fix to a configuration's text, so that only the values fixed change:
/// every other line, comment and key keeps its place.
///
/// The fixes go in rounds. A round computes every open fix's edit from one parse of the text
/// (additions and replacements first; removals in a round of their own, so a list keeps its
/// layout and a block list is never emptied on the way to a new entry), makes them all from
/// the highest position down, then parses and checks the result once. A fix whose edit
/// touches the bytes of another's waits for the next round. The rounds are bounded by the
/// violations of the first check; a fix still open past them is reported as failed.
pub fn fix_text(policy: &Policy, text: &str) -> Result<TextFixOutcome, WorkspaceError> {
    let parsed = parse_spanned(text)?;
    Ok(fix_parsed_text(policy, text, parsed))
}

/// [`fix_text`] for a text already parsed: `parsed` must be the parse of `text`.
pub fn fix_parsed_text(policy: &Policy, text: &str, parsed: ParsedWorkspace) -> TextFixOutcome {
    let (bom, _) = split_bom(text);
    let mut current = text.to_string();
    let mut parsed = parsed;
    let mut applied = Vec::new();
    let mut failed: Vec<(Violation, EditError)> = Vec::new();
    let mut refused: HashSet<(String, String)> = HashSet::new();
    let mut report = policy.check_workspace(&parsed.workspace);
    let rounds = 2 * report.violations.len() + 16;
    let removes = |v: &Violation| v.fix.patch.iter().any(|op| matches!(op, PatchOp::Remove { .. }));
    for _ in 0..rounds {
        let open: Vec<&Violation> = report
            .violations
            .iter()
            .filter(|v| v.fix.has_edit() && !refused.contains(&key(v)))
            .collect();
        if open.is_empty() {
            return TextFixOutcome {
                text: current,
                applied,
                failed,
                remaining: report,
            };
        }
        let additions = open.iter().any(|v| !removes(v));
        let batch: Vec<&Violation> = open.into_iter().filter(|v| removes(v) != additions).collect();
        let batch = keep_one_entry_per_list(&parsed, batch);
        let (_, body) = split_bom(&current);
        let style = TextStyle::of(body);
        let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
        let mut splices: Vec<Splice> = Vec::new();
        let mut chosen: Vec<(&Violation, Vec<Splice>)> = Vec::new();
        let mut alone: Option<&Violation> = None;
        for v in batch {
            let mut own = Vec::new();
            let mut error = None;
            for op in &v.fix.patch {
                match splices_for(body, &parsed, style, op) {
                    Ok(s) => own.extend(s),
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = error {
                refused.insert(key(v));
                failed.push((v.clone(), e));
                continue;
            }
            let inner = own
                .iter()
                .enumerate()
                .any(|(n, s)| own.iter().skip(n + 1).any(|o| o.conflicts(s)));
            if inner {
                // Its own edits overlap: made one after another, on a round of its own.
                if chosen.is_empty() {
                    alone = Some(v);
                    break;
                }
                continue;
            }
            if own.iter().any(|s| conflicts_with(&taken, s)) {
                continue; // the next round, from a fresh parse
            }
            for s in &own {
                taken.insert(s.start, s.end);
            }
            splices.extend(own.iter().cloned());
            chosen.push((v, own));
        }
        if let Some(v) = alone {
            let mut edited = current.clone();
            let mut error = None;
            for op in &v.fix.patch {
                match apply_to_text(&edited, op) {
                    Ok(text) => edited = text,
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            let result = match error {
                Some(e) => Err(e),
                None => parse_spanned(&edited).map_err(EditError::Parse),
            };
            match result {
                Ok(next) => {
                    current = edited;
                    parsed = next;
                    applied.push(v.clone());
                    report = policy.check_workspace(&parsed.workspace);
                }
                Err(e) => {
                    refused.insert(key(v));
                    failed.push((v.clone(), e));
                }
            }
            continue;
        }
        if chosen.is_empty() {
            continue;
        }
        let single = chosen.len() == 1;
        let edited = apply_splices(body, &mut splices);
        let next = match parse_spanned(&edited) {
            Ok(next) => Some((edited, next, chosen.iter().map(|(v, _)| (*v).clone()).collect())),
            Err(e) if single => {
                if let Some((v, _)) = chosen.first() {
                    refused.insert(key(v));
                    failed.push(((*v).clone(), EditError::Parse(e)));
                }
                None
            }
            Err(e) if matches!(e.kind, WorkspaceErrorKind::TooLarge { .. }) => {
                // The fixed text would pass the size limit: none of them is made.
                for (v, _) in &chosen {
                    refused.insert(key(v));
                    failed.push(((*v).clone(), EditError::Parse(e.clone())));
                }
                None
            }
            Err(_) => {
                // Together they break the text: the first alone, the rest next round.
                chosen.first().and_then(|(v, own)| {
                    let edited = apply_splices(body, &mut own.clone());
                    match parse_spanned(&edited) {
                        Ok(next) => Some((edited, next, vec![(*v).clone()])),
                        Err(e) => {
                            refused.insert(key(v));
                            failed.push(((*v).clone(), EditError::Parse(e)));
                            None
                        }
                    }
                })
            }
        };
        if let Some((edited, next, done)) = next {
            current = format!("{bom}{edited}");
            parsed = next;
            applied.extend(done);
            report = policy.check_workspace(&parsed.workspace);
        }
    }
    // Past the bound: what is still open is refused, with the reason.
    for v in &report.violations {
        if v.fix.has_edit() && !refused.contains(&key(v)) {
            failed.push((
                v.clone(),
                EditError::Shape {
                    path: v.pointer.clone(),
                    why: "the fixes did not settle within the round limit",
                },
            ));
        }
    }
    TextFixOutcome {
        text: current,
        applied,
        failed,
        remaining: report,
    }
}

/// Whether `s` touches bytes of a splice already taken (keyed by start, valued by end).
fn conflicts_with(taken: &BTreeMap<usize, usize>, s: &Splice) -> bool {
    let before = taken
        .range(..=s.start)
        .next_back()
        .is_some_and(|(&start, &end)| start == s.start || end > s.start);
    let after = taken
        .range(s.start..)
        .next()
        .is_some_and(|(&start, _)| start == s.start || start < s.end);
    before || after
}

/// The batch without one removal from each list the batch would otherwise empty: a list's
/// last entry is removed on its own, where the editor leaves `[]` after the key.
fn keep_one_entry_per_list<'a>(parsed: &ParsedWorkspace, batch: Vec<&'a Violation>) -> Vec<&'a Violation> {
    let mut per_list: HashMap<String, Vec<usize>> = HashMap::new();
    for v in &batch {
        for op in &v.fix.patch {
            if let PatchOp::Remove { path } = op {
                if let Some((list, index)) = path.rsplit_once('/') {
                    if let Ok(index) = index.parse::<usize>() {
                        per_list.entry(list.to_string()).or_default().push(index);
                    }
                }
            }
        }
    }
    let mut held: HashSet<String> = HashSet::new();
    for (list, mut indices) in per_list {
        indices.sort_unstable();
        indices.dedup();
        let len = (0..)
            .take_while(|i| parsed.span(&format!("{list}/{i}")).is_some())
            .count();
        if len > 1 && indices.len() >= len {
            if let Some(first) = indices.first() {
                held.insert(format!("{list}/{first}"));
            }
        }
    }
    if held.is_empty() {
        return batch;
    }
    batch
        .into_iter()
        .filter(|v| {
            !v.fix
                .patch
                .iter()
                .any(|op| matches!(op, PatchOp::Remove { path } if held.contains(path)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_splice_conflicts_with_the_taken_ones_it_touches() {
        let taken: BTreeMap<usize, usize> = [(10, 20), (30, 30)].into_iter().collect();
        let s = |start: usize, end: usize| Splice {
            start,
            end,
            with: String::new(),
        };
        // Overlapping the taken range, starting where one starts, or inserting inside it.
        for (start, end) in [(15, 25), (5, 11), (10, 10), (19, 19), (30, 31), (25, 35)] {
            assert!(conflicts_with(&taken, &s(start, end)), "{start}..{end}");
        }
        // Touching an edge, or apart.
        for (start, end) in [(20, 25), (5, 10), (21, 29), (31, 40), (0, 0)] {
            assert!(!conflicts_with(&taken, &s(start, end)), "{start}..{end}");
        }
    }
}
