//! `failover` and `region-change`: movement between locations and regions.

use crate::decision::{Answer, Decision, Reason};
use crate::policy::*;
use crate::question::Field;

/// What the failover rule ([`Policy::failover_rule`]) finds for two locations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failover {
    /// A location, or its ingestion region, this policy does not hold: fails closed.
    Unknown,
    /// The location failing over is the target.
    SameLocation,
    /// Allowed: another zone of the same ingestion region.
    WithinIngestionRegion,
    /// Allowed: a zone of an ingestion region listed in `failover_to`.
    ListedTarget,
    /// Another processing region.
    AcrossRegions,
    /// Another ingestion region of the same processing region, not listed.
    AcrossIngestionRegions,
}

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

    /// [`Policy::failover_ids`] on ids this policy issued: the rule's normal case, which the
    /// two locations decide alone ([`Policy::failover_by_locations`]); the rest past it.
    #[inline]
    fn failover_own(&self, from: LocationId, to: LocationId) -> Decision {
        match self.failover_by_locations(from, to) {
            Some(Failover::WithinIngestionRegion) => {
                Decision::allow(Reason::FailoverWithinIngestionRegion { from, to }, Answer::None)
            }
            _ => self.failover_rest(from, to),
        }
    }

    /// [`Policy::failover_own`] past its normal case: the rule's outcome as reasons.
    #[inline(never)]
    fn failover_rest(&self, from: LocationId, to: LocationId) -> Decision {
        let mut denied = Decision::deny();
        match self.failover_rule(from, to) {
            Failover::WithinIngestionRegion => {
                return Decision::allow(Reason::FailoverWithinIngestionRegion { from, to }, Answer::None)
            }
            Failover::ListedTarget => {
                return Decision::allow(Reason::FailoverListedTarget { from, to }, Answer::None)
            }
            Failover::Unknown => {
                // Ids from another policy: name the side that is unknown here.
                if self.location_owner(from).is_none() {
                    denied.because(Reason::UnknownLocation(Field::From));
                }
                if self.location_owner(to).is_none() {
                    denied.because(Reason::UnknownLocation(Field::To));
                }
            }
            Failover::SameLocation => denied.because(Reason::FailoverSameLocation(from)),
            Failover::AcrossRegions => denied.because(Reason::FailoverAcrossRegions { from, to }),
            Failover::AcrossIngestionRegions => {
                denied.because(Reason::FailoverAcrossIngestionRegions { from, to })
            }
        }
        denied
    }

    /// The failover rule, the one statement of it, most specific case first: a location is
    /// not its own failover; another zone of the same ingestion region is the normal case;
    /// a zone of an ingestion region the policy lists in `failover_to` is an explicit, named
    /// loosening (the audit checks it); otherwise never across processing regions, and
    /// within one never across ingestion regions either. In two steps: what the locations
    /// decide alone, then what their ingestion regions decide.
    pub(crate) fn failover_rule(&self, from: LocationId, to: LocationId) -> Failover {
        match self.failover_by_locations(from, to) {
            Some(outcome) => outcome,
            None => self.failover_by_ingestions(from, to),
        }
    }

    /// The cases of [`Policy::failover_rule`] the two locations decide alone, in two loads;
    /// `None` for locations of different ingestion regions.
    #[inline]
    fn failover_by_locations(&self, from: LocationId, to: LocationId) -> Option<Failover> {
        if from == to {
            return Some(match self.locations.get(from) {
                Some(_) => Failover::SameLocation,
                None => Failover::Unknown,
            });
        }
        let (Some(a), Some(b)) = (self.locations.get(from), self.locations.get(to)) else {
            return Some(Failover::Unknown);
        };
        (a.ingestion == b.ingestion).then_some(Failover::WithinIngestionRegion)
    }

    /// The cases of [`Policy::failover_rule`] between locations of different ingestion
    /// regions, which those regions' entries decide.
    fn failover_by_ingestions(&self, from: LocationId, to: LocationId) -> Failover {
        // Every location's ingestion region exists (it is compiled with its locations): fail
        // closed regardless.
        let (Some((source, source_region)), Some((target, target_region))) =
            (self.location_owner(from), self.location_owner(to))
        else {
            return Failover::Unknown;
        };
        if self.failover_listed(source, target) {
            Failover::ListedTarget
        } else if source_region != target_region {
            Failover::AcrossRegions
        } else {
            Failover::AcrossIngestionRegions
        }
    }

    /// Whether ingestion region `from` lists `to` in its `failover_to`.
    #[inline]
    pub(crate) fn failover_listed(&self, from: IngestionId, to: IngestionId) -> bool {
        self.ingestion(from)
            .is_some_and(|i| i.failover_to.binary_search(&to).is_ok())
    }

    /// The ingestion region and processing region a failover location belongs to.
    #[inline]
    pub(crate) fn location_owner(&self, location: LocationId) -> Option<(IngestionId, RegionId)> {
        let ingestion = self.locations.get(location)?.ingestion;
        Some((ingestion, self.ingestion(ingestion)?.region))
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
