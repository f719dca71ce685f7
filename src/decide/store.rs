//! `store`: where data may rest.

use crate::decision::{Answer, Decision, Reason};
use crate::document::StoreKind;
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
        // The allowed case: the store runs on the cloud region's provider, is offered to the
        // region, and the cloud region is among the region's places for the store's kind.
        if let (Some(region), Some(entry), Some(place)) = (
            self.region(region_id),
            self.stores.get(store),
            self.clouds.get(cloud),
        ) {
            let places = match entry.kind {
                StoreKind::Archive => &region.archive,
                StoreKind::DataLake | StoreKind::Warehouse => &region.storage,
            };
            if entry.providers.get(place.provider as usize) == Some(&true)
                && entry.regions.get(region_id.index()) == Some(&true)
                && places.has_cloud(cloud)
            {
                return Decision::allow(
                    Reason::StoreInRegion {
                        store,
                        cloud,
                        region: region_id,
                    },
                    Answer::None,
                );
            }
        }
        self.store_rest(region_id.0, store.0, cloud.0)
    }

    /// [`Policy::store_ids`] past its allowed case. It takes the positions of ids this policy issued and makes them again with its
    /// identity (see `ingest_rest`).
    #[inline(never)]
    fn store_rest(&self, region: u32, store: u32, cloud: u32) -> Decision {
        let (region_id, store, cloud) = (
            RegionId(region, self.identity),
            StoreId(store, self.identity),
            CloudId(cloud, self.identity),
        );
        let mut denied = Decision::deny();
        let (Some(region), Some(entry), Some(place)) = (
            self.region(region_id),
            self.stores.get(store),
            self.clouds.get(cloud),
        ) else {
            return denied;
        };
        if !entry
            .providers
            .get(place.provider as usize)
            .copied()
            .unwrap_or(false)
        {
            denied.because(Reason::StoreProviderMismatch { store, cloud });
        }
        let places = match entry.kind {
            StoreKind::Archive => &region.archive,
            StoreKind::DataLake | StoreKind::Warehouse => &region.storage,
        };
        let offered = entry.regions.get(region_id.index()).copied().unwrap_or(false);
        if !offered || !places.has_cloud(cloud) {
            let rule = Reason::StoreOutsideRegion {
                store,
                cloud,
                region: region_id,
            };
            // An exemption loosens the region's places only: a store that does not run on
            // the provider stays denied.
            if !denied.has_reasons() {
                if let Some(exemption) = self.store_exemption(region_id, store, cloud) {
                    return Decision::exempted(rule, exemption, Answer::None);
                }
            }
            denied.because(rule);
        }
        if denied.has_reasons() {
            denied
        } else {
            Decision::allow(
                Reason::StoreInRegion {
                    store,
                    cloud,
                    region: region_id,
                },
                Answer::None,
            )
        }
    }
}
