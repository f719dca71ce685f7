//! Applying every offered fix: to a configuration's values (RFC 6902 operations), or to its
//! text (in place, every other byte kept).

use super::document::{parse_spanned, Workspace, WorkspaceError};
use super::edit::{apply_to_text, EditError};
use super::pointer::{apply, PatchOp, Pointer};
use super::report::{Violation, WorkspaceReport};
use crate::policy::Policy;
use std::collections::HashSet;

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
    // Each round fixes at least one violation or stops; a fix never adds one, so the rounds
    // are bounded by the violations of the first check, and a few more for what edits reveal.
    for _ in 0..64 {
        let report = policy.check_workspace(&current);
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
                // Fall back to one fix at a time, keeping those that apply.
                for v in fixable {
                    match apply(&current, &v.fix.patch) {
                        Ok(next) => {
                            current = next;
                            applied.push(v.clone());
                            break;
                        }
                        Err(_) => {
                            refused.insert(key(v));
                        }
                    }
                }
            }
        }
    }
    let remaining = policy.check_workspace(&current);
    FixOutcome {
        workspace: current,
        applied,
        remaining,
    }
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

/// Applies every offered fix to a configuration's text, one at a time and checking again
/// after each, so that only the values fixed change: every other line, comment and key keeps
/// its place.
pub fn fix_text(policy: &Policy, text: &str) -> Result<TextFixOutcome, WorkspaceError> {
    let mut current = text.to_string();
    let mut applied = Vec::new();
    let mut failed: Vec<(Violation, EditError)> = Vec::new();
    let mut refused: HashSet<(String, String)> = HashSet::new();
    let start = parse_spanned(&current)?;
    let budget = 4
        * (start.workspace.sources.len()
            + start.workspace.destinations.len()
            + start.workspace.stores.len()
            + start.workspace.failover.len()
            + start
                .workspace
                .warehouses
                .values()
                .map(|w| w.firewall.len() + 4)
                .sum::<usize>())
        + 16;
    let mut report = policy.check_workspace(&start.workspace);
    for _ in 0..budget {
        // Additions and replacements before removals: a list keeps its layout (and a block
        // list is never emptied on the way to a new entry).
        let open = |v: &&Violation| v.fix.has_edit() && !refused.contains(&key(v));
        let removes = |v: &&Violation| v.fix.patch.iter().any(|op| matches!(op, PatchOp::Remove { .. }));
        let candidates = report.violations.iter().filter(open);
        let Some(next) = candidates
            .clone()
            .find(|v| !removes(v))
            .or_else(|| candidates.clone().next())
            .cloned()
        else {
            break;
        };
        let mut edited = current.clone();
        let mut error = None;
        for op in &next.fix.patch {
            match apply_to_text(&edited, op) {
                Ok(text) => edited = text,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        match error {
            Some(e) => {
                refused.insert(key(&next));
                failed.push((next, e));
            }
            None => {
                current = edited;
                applied.push(next);
                report = policy.check_workspace(&parse_spanned(&current)?.workspace);
            }
        }
    }
    Ok(TextFixOutcome {
        text: current,
        applied,
        failed,
        remaining: report,
    })
}
