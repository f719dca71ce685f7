//! Deciding: every question's rule, over the compiled tables, one file per group of
//! questions. Nothing here parses YAML,
//! allocates or locks; every look-up is a hash probe, a table index or a binary search.

mod deliver;
mod exempt;
mod failover;
mod ingest;
mod lookup;
mod store;
#[cfg(test)]
mod tests;
mod warehouse;

use crate::decision::{Decision, Reason};
use crate::policy::{Policy, RegionId};
use crate::question::Field;
use crate::question::Question;

impl Policy {
    /// Answers any question.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, Question};
    /// let policy = Policy::default_policy();
    /// let q = Question::Failover { from: "eu-west/dublin-a".into(), to: "us-west/dublin-a".into() };
    /// let d = policy.decide(&q);
    /// assert!(!d.is_allowed());
    /// assert!(d.has_code(regionfence::ReasonCode::FailoverAcrossRegions));
    /// ```
    pub fn decide(&self, question: &Question) -> Decision {
        match question {
            Question::Ingest {
                workspace,
                source,
                host,
            } => self.ingest(workspace, source, host),
            Question::Resolve {
                workspace,
                source,
                ingestion,
            } => self.resolve(workspace, source, ingestion.as_deref()),
            Question::Deliver {
                workspace,
                destination,
                endpoint,
            } => self.deliver(workspace, destination, endpoint.as_deref()),
            Question::Store {
                workspace,
                store,
                cloud_region,
            } => self.store(workspace, store, cloud_region),
            Question::Connect {
                workspace,
                warehouse,
                ip,
            } => self.connect(workspace, warehouse, ip),
            Question::Allowlist { workspace, warehouse } => self.allowlist(workspace, warehouse),
            Question::Failover { from, to } => self.failover(from, to),
            Question::RegionChange { workspace, to } => self.region_change(workspace, to),
        }
    }

    /// The workspace's region, or `None` with `unknown-region` recorded in `denied`: the
    /// first look-up of every rule that takes a workspace.
    #[inline]
    pub(crate) fn workspace_region(&self, workspace: &str, denied: &mut Decision) -> Option<RegionId> {
        let region = self.region_id(workspace);
        if region.is_none() {
            denied.because(Reason::UnknownRegion(Field::Workspace));
        }
        region
    }
}
