//! The check of a change: what a new configuration breaks and what it repairs, compared with
//! the one it replaces — what a control plane runs on every save.

use super::document::Workspace;
use super::pointer::Pointer;
use super::report::{Fix, Violation, ViolationCode, WorkspaceReport};
use crate::decision::ReasonCode;
use crate::policy::Policy;
use crate::question::Question;
use serde::Serialize;
use std::collections::HashSet;

/// What a change breaks and what it repairs. Violations are matched by their subject (entry
/// ids, not positions) and code, so moving entries around changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeReport {
    /// Violations of the new configuration that the old one did not have, with their fixes.
    pub broken: Vec<Violation>,
    /// Violations of the old configuration that the new one no longer has.
    pub repaired: Vec<Violation>,
    /// The check of the new configuration, whole.
    pub new: WorkspaceReport,
}

impl ChangeReport {
    /// Whether the change breaks nothing.
    pub fn breaks_nothing(&self) -> bool {
        self.broken.is_empty()
    }
}

/// Checks `new` as a change of `old`: a change of region is asked of the engine as
/// `region-change` (and never allowed); everything else is the difference between the two
/// checks.
///
/// # Examples
///
/// ```
/// use regionfence::Policy;
/// use regionfence::workspace::{check_change, Workspace};
/// let old = Workspace::parse("version: 1\nworkspace: a\nregion: eu-west\ndestinations: [{id: amp, destination: amplitude}]\n").unwrap();
/// let new = Workspace::parse("version: 1\nworkspace: a\nregion: eu-west\ndestinations: [{id: amp, destination: amplitude, endpoint: us}]\n").unwrap();
/// let change = check_change(&Policy::default_policy(), &old, &new);
/// assert_eq!(change.broken.len(), 1);
/// assert_eq!(change.broken[0].subject, "destinations[amp].endpoint");
/// assert!(change.repaired.is_empty());
/// ```
pub fn check_change(policy: &Policy, old: &Workspace, new: &Workspace) -> ChangeReport {
    let before = policy.check_workspace(old);
    let mut after = policy.check_workspace(new);
    if old.region != new.region && policy.region_id(&old.region).is_some() {
        let question = Question::RegionChange {
            workspace: old.region.clone(),
            to: new.region.clone(),
        };
        let decision = policy.decide(&question);
        if !decision.is_allowed() {
            let code = decision.codes().next().unwrap_or(ReasonCode::RegionImmutable);
            let message = decision
                .explain(policy, &question)
                .reasons
                .first()
                .map(|r| r.message.clone())
                .unwrap_or_default();
            after.violations.insert(
                0,
                Violation::new(
                    &Pointer::root().key("region"),
                    "region".into(),
                    ViolationCode::Engine(code),
                    message,
                    Fix::none(format!(
                        "no edit changes a workspace's region: create a new workspace in `{}`",
                        new.region
                    )),
                ),
            );
        }
    }
    let identity = |v: &Violation| (v.subject.clone(), v.code);
    let had: HashSet<_> = before.violations.iter().map(identity).collect();
    let has: HashSet<_> = after.violations.iter().map(identity).collect();
    ChangeReport {
        broken: after
            .violations
            .iter()
            .filter(|v| !had.contains(&identity(v)))
            .cloned()
            .collect(),
        repaired: before
            .violations
            .iter()
            .filter(|v| !has.contains(&identity(v)))
            .cloned()
            .collect(),
        new: after,
    }
}
