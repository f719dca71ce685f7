//! `failover` and `region-change`: movement between locations and regions.

use crate::decision::{Answer, Decision, Reason};
use crate::policy::*;
use crate::question::Field;

impl Policy {
    /// A failover location by name.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert!(policy.location_id("eu-west/dublin-a").is_some());
    /// assert_ne!(policy.location_id("eu-west/dublin-a"), policy.location_id("us-west/dublin-a"));
    /// assert_eq!(policy.location_id("eu-west/dublin"), None);
    /// ```
    #[inline]
    pub fn location_id(&self, name: &str) -> Option<LocationId> {
        self.locations.by_name(name)
    }

    /// Is `to` a valid failover target for `from`?
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// assert!(policy.failover("eu-west/dublin-a", "eu-west/dublin-b").is_allowed());
    /// let d = policy.failover("eu-west/dublin-a", "us-west/dublin-a");
    /// assert!(d.has_code(ReasonCode::FailoverAcrossRegions));
    /// let d = policy.failover("us-west/oregon-a", "us-west/dublin-a");
    /// assert!(d.has_code(ReasonCode::FailoverAcrossIngestionRegions));
    /// assert!(policy.failover("eu-west/dublin-a", "eu-west/dublin-a").has_code(ReasonCode::FailoverSameLocation));
    /// ```
    pub fn failover(&self, from: &str, to: &str) -> Decision {
        let mut denied = Decision::deny();
        let from_id = self.location_id(from);
        if from_id.is_none() {
            denied.because(Reason::UnknownLocation(Field::From));
        }
        let to_id = self.location_id(to);
        if to_id.is_none() {
            denied.because(Reason::UnknownLocation(Field::To));
        }
        match (from_id, to_id) {
            (Some(from), Some(to)) => self.failover_own(from, to),
            _ => denied,
        }
    }

    /// [`Policy::failover`] on ids.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let a = policy.location_id("eu-west/dublin-a").unwrap();
    /// let b = policy.location_id("eu-west/dublin-b").unwrap();
    /// let us = policy.location_id("us-west/dublin-a").unwrap();
    /// assert!(policy.failover_ids(a, b).has_code(ReasonCode::FailoverWithinIngestionRegion));
    /// assert!(policy.failover_ids(a, us).has_code(ReasonCode::FailoverAcrossRegions));
    /// ```
    #[inline]
    pub fn failover_ids(&self, from: LocationId, to: LocationId) -> Decision {
        if !self.issued([from.1, to.1]) {
            return Decision::foreign();
        }
        self.failover_own(from, to)
    }

    /// [`Policy::failover_ids`] on ids this policy issued.
    #[inline]
    fn failover_own(&self, from: LocationId, to: LocationId) -> Decision {
        // The one normal case first: another zone of the same ingestion region (every
        // location's ingestion region exists: it is compiled with its locations).
        if from != to {
            if let (Some(a), Some(b)) = (self.locations.get(from), self.locations.get(to)) {
                if a.ingestion == b.ingestion {
                    return Decision::allow(Reason::FailoverWithinIngestionRegion { from, to }, Answer::None);
                }
            }
        }
        self.failover_rest(from, to)
    }

    /// [`Policy::failover_own`] past its normal case.
    #[inline(never)]
    fn failover_rest(&self, from: LocationId, to: LocationId) -> Decision {
        let mut denied = Decision::deny();
        let owner = |l: LocationId| {
            self.locations
                .get(l)
                .and_then(|l| Some((l.ingestion, self.ingestion(l.ingestion)?)))
        };
        let (Some((from_ing, from_entry)), Some((to_ing, to_entry))) = (owner(from), owner(to)) else {
            // Ids from another policy: name the side that is unknown here.
            if owner(from).is_none() {
                denied.because(Reason::UnknownLocation(Field::From));
            }
            if owner(to).is_none() {
                denied.because(Reason::UnknownLocation(Field::To));
            }
            return denied;
        };
        // The combining rule, most specific first.
        match () {
            // A location is not its own failover.
            _ if from == to => denied.because(Reason::FailoverSameLocation(from)),
            // The one normal case: another zone of the same ingestion region.
            _ if from_ing == to_ing => {
                return Decision::allow(Reason::FailoverWithinIngestionRegion { from, to }, Answer::None)
            }
            // An explicit, named loosening in the policy; the audit checks it.
            _ if from_entry.failover_to.binary_search(&to_ing).is_ok() => {
                return Decision::allow(Reason::FailoverListedTarget { from, to }, Answer::None)
            }
            // Never across processing regions.
            _ if from_entry.region != to_entry.region => {
                denied.because(Reason::FailoverAcrossRegions { from, to })
            }
            // Within a region, never across ingestion regions either.
            _ => denied.because(Reason::FailoverAcrossIngestionRegions { from, to }),
        }
        denied
    }

    /// May the workspace move to another region? Never: only staying put is allowed.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// assert!(policy.region_change("eu-west", "eu-west").has_code(ReasonCode::RegionUnchanged));
    /// let d = policy.region_change("eu-west", "us-west");
    /// assert!(!d.is_allowed());
    /// assert!(d.has_code(ReasonCode::RegionImmutable));
    /// ```
    pub fn region_change(&self, workspace: &str, to: &str) -> Decision {
        let mut denied = Decision::deny();
        let from = self.workspace_region(workspace, &mut denied);
        let target = self.region_id(to);
        if target.is_none() {
            denied.because(Reason::UnknownRegion(Field::To));
        }
        match (from, target) {
            (Some(from), Some(to)) if from == to => {
                Decision::allow(Reason::RegionUnchanged(from), Answer::None)
            }
            (Some(from), Some(to)) => {
                denied.because(Reason::RegionImmutable { from, to });
                denied
            }
            _ => denied,
        }
    }
}
