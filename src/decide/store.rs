//! `store`: where data may rest.

use crate::decision::{Answer, Decision, Reason};
use crate::policy::*;
use crate::question::Field;

impl Policy {
    /// May this workspace's data at rest live in this store in this cloud region?
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// assert!(policy.store("eu-west", "redshift", "aws:eu-west-1").is_allowed());
    /// let d = policy.store("eu-west", "redshift", "aws:us-west-2");
    /// assert!(d.has_code(ReasonCode::StoreOutsideRegion));
    /// let d = policy.store("eu-west", "redshift", "gcp:europe-west1");
    /// assert!(d.has_code(ReasonCode::StoreProviderMismatch));
    /// ```
    pub fn store(&self, workspace: &str, store: &str, cloud_region: &str) -> Decision {
        let mut denied = Decision::deny();
        let region = self.workspace_region(workspace, &mut denied);
        let store_id = self.stores.by_name(store);
        if store_id.is_none() {
            denied.because(Reason::UnknownStore(Field::Store));
        }
        let cloud = self.clouds.by_name(cloud_region);
        if cloud.is_none() {
            denied.because(Reason::UnknownCloudRegion(Field::CloudRegion));
        }
        let (Some(region_id), Some(store), Some(cloud)) = (region, store_id, cloud) else {
            return denied;
        };
        self.store_ids(region_id, store, cloud)
    }

    /// [`Policy::store`] on ids already looked up.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, Reason, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let d = policy.store("us-west", "redshift", "aws:us-west-2");
    /// let Some(&Reason::StoreInRegion { store, cloud, region }) = d.reasons().next() else { panic!() };
    /// assert_eq!(policy.store_ids(region, store, cloud), d);
    /// let eu = policy.region_id("eu-west").unwrap();
    /// assert!(policy.store_ids(eu, store, cloud).has_code(ReasonCode::StoreOutsideRegion));
    /// ```
    #[inline]
    pub fn store_ids(&self, region_id: RegionId, store: StoreId, cloud: CloudId) -> Decision {
        if !self.issued([region_id.1, store.1, cloud.1]) {
            return Decision::foreign();
        }
        let check = self.store_check(region_id, store, cloud);
        if check.allowed() {
            return Decision::allow(
                Reason::StoreInRegion {
                    store,
                    cloud,
                    region: region_id,
                },
                Answer::None,
            );
        }
        self.store_denied(check, region_id.0, store.0, cloud.0)
    }

    /// The store rule: what it finds of a store in a cloud region for a region's workspaces,
    /// each condition read once. Both paths of [`Policy::store_ids`] and every tool that
    /// reasons about stores (coverage, the graph, the audit's classes) read the rule here.
    #[inline]
    pub(crate) fn store_check(&self, region: RegionId, store: StoreId, cloud: CloudId) -> StoreCheck {
        // Each entry looked up once, and read through `Store::runs_on_provider`,
        // `Store::offered_to` and `Region::places_for`.
        match (
            self.stores.get(store),
            self.clouds.get(cloud),
            self.region(region),
        ) {
            (Some(s), Some(c), Some(r)) => StoreCheck {
                runs_on_provider: s.runs_on_provider(c.provider),
                offered: s.offered_to(region),
                in_places: r.places_for(s.kind).has_cloud(cloud),
            },
            _ => StoreCheck {
                runs_on_provider: false,
                offered: false,
                in_places: false,
            },
        }
    }

    /// A store check that failed, turned into its reasons (or an exemption's allow). It takes
    /// the positions of ids this policy issued and makes them again with its identity (see
    /// `ingest_rest`).
    #[inline(never)]
    fn store_denied(&self, check: StoreCheck, region: u32, store: u32, cloud: u32) -> Decision {
        let (region, store, cloud) = (
            RegionId(region, self.identity),
            StoreId(store, self.identity),
            CloudId(cloud, self.identity),
        );
        let StoreCheck {
            runs_on_provider,
            offered,
            in_places,
        } = check;
        let mut denied = Decision::deny();
        if !runs_on_provider {
            denied.because(Reason::StoreProviderMismatch { store, cloud });
        }
        // Not offered to the region, no cloud region will do: the places are not read then.
        let rule = if !offered {
            Some(Reason::StoreNotOffered { store, region })
        } else if !in_places {
            Some(Reason::StoreOutsideRegion { store, cloud, region })
        } else {
            None
        };
        if let Some(rule) = rule {
            // An exemption loosens the region's rule only: a store that does not run on the
            // provider stays denied.
            if !denied.has_reasons() {
                if let Some(exemption) = self.store_exemption(region, store, cloud) {
                    return Decision::exempted(rule, exemption, Answer::None);
                }
            }
            denied.because(rule);
        }
        if denied.has_reasons() {
            denied
        } else {
            Decision::allow(Reason::StoreInRegion { store, cloud, region }, Answer::None)
        }
    }
}

/// What the store rule finds of one store in one cloud region for one region's workspaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoreCheck {
    /// The store runs on the cloud region's provider.
    pub(crate) runs_on_provider: bool,
    /// The store is offered to the region (`stores[].regions`).
    pub(crate) offered: bool,
    /// The cloud region is among the region's places for the store's kind.
    pub(crate) in_places: bool,
}

impl StoreCheck {
    /// Whether the rule allows the flow (before any exemption).
    #[inline]
    pub(crate) fn allowed(self) -> bool {
        // Destructured in full, as in `store_denied`: a condition added to the rule does not
        // build until both say what it means.
        let StoreCheck {
            runs_on_provider,
            offered,
            in_places,
        } = self;
        runs_on_provider && offered && in_places
    }
}
