//! `connect` and `allowlist`: which loaders a warehouse admits, and which CIDRs it must open.

use crate::decision::{Answer, Decision, Reason};
use crate::document::{Allowlisting, StoreKind};
use crate::ip::parse_ip;
use crate::policy::*;
use crate::question::Field;

impl Policy {
    /// A warehouse by name; a store that is not a warehouse is reported as such.
    fn warehouse(&self, name: &str, denied: &mut Decision) -> Option<StoreId> {
        match self.stores.by_name(name) {
            Some(id) if self.is_warehouse(id) => Some(id),
            other => {
                denied.because(Reason::UnknownWarehouse {
                    field: Field::Warehouse,
                    store: other,
                });
                None
            }
        }
    }

    /// May a warehouse firewall accept this IP as the workspace region's loader?
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// assert!(policy.connect("eu-west", "redshift", "3.251.148.97").is_allowed());
    /// assert!(policy.connect("us-west", "redshift", "52.25.130.38").is_allowed());
    /// let d = policy.connect("eu-west", "redshift", "52.25.130.38");
    /// assert!(d.has_code(ReasonCode::IpNotAllowlisted));
    /// assert!(policy.connect("eu-west", "redshift", "3.251.148").has_code(ReasonCode::MalformedIp));
    /// ```
    pub fn connect(&self, workspace: &str, warehouse: &str, ip: &str) -> Decision {
        let mut denied = Decision::deny();
        let region = self.workspace_region(workspace, &mut denied);
        let store = self.warehouse(warehouse, &mut denied);
        let address = parse_ip(ip);
        if address.is_none() {
            denied.because(Reason::MalformedIp(Field::Ip));
        }
        let (Some(region), Some(store), Some(address)) = (region, store, address) else {
            return denied;
        };
        self.connect_own(region, store, address)
    }

    /// [`Policy::connect`] on ids already looked up, and an address already parsed (an
    /// IPv4-mapped IPv6 address is compared as its IPv4 address).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let eu = policy.region_id("eu-west").unwrap();
    /// let redshift = policy.store_id("redshift").unwrap();
    /// assert!(policy.connect_ids(eu, redshift, "3.251.148.97".parse().unwrap()).is_allowed());
    /// assert!(policy.connect_ids(eu, redshift, "::ffff:3.251.148.97".parse().unwrap()).is_allowed());
    /// let d = policy.connect_ids(eu, redshift, "52.25.130.38".parse().unwrap());
    /// assert!(d.has_code(ReasonCode::IpNotAllowlisted));
    /// let archive = policy.store_id("archive").unwrap();
    /// let d = policy.connect_ids(eu, archive, "3.251.148.97".parse().unwrap());
    /// assert!(d.has_code(ReasonCode::UnknownWarehouse));
    /// ```
    #[inline]
    pub fn connect_ids(&self, region: RegionId, warehouse: StoreId, ip: std::net::IpAddr) -> Decision {
        if !self.issued([region.1, warehouse.1]) {
            return Decision::foreign();
        }
        self.connect_own(region, warehouse, ip)
    }

    /// [`Policy::connect_ids`] on ids this policy issued: the allowed case of the rule
    /// ([`Policy::connection`]), the rest past it.
    #[inline]
    fn connect_own(&self, region: RegionId, warehouse: StoreId, ip: std::net::IpAddr) -> Decision {
        match self.connection(region, warehouse, ip) {
            Connection::Loader => Decision::allow(Reason::IpAllowlisted { region }, Answer::None),
            Connection::NotWarehouse | Connection::NotLoader => self.connect_rest(region, warehouse, ip),
        }
    }

    /// [`Policy::connect_own`] past its allowed case: the rule's outcome as reasons, or an
    /// exemption.
    #[inline(never)]
    fn connect_rest(&self, region: RegionId, warehouse: StoreId, ip: std::net::IpAddr) -> Decision {
        let mut denied = Decision::deny();
        match self.connection(region, warehouse, ip) {
            Connection::Loader => return Decision::allow(Reason::IpAllowlisted { region }, Answer::None),
            Connection::NotWarehouse => denied.because(Reason::UnknownWarehouse {
                field: Field::Warehouse,
                store: Some(warehouse),
            }),
            Connection::NotLoader => {
                let rule = Reason::IpNotAllowlisted { region };
                if let Some(exemption) = self.connect_exemption(region, warehouse, ip) {
                    return Decision::exempted(rule, exemption, Answer::None);
                }
                denied.because(rule);
            }
        }
        denied
    }

    /// The connect rule, the one statement of it: a warehouse firewall accepts an address
    /// as the workspace region's loader when it lies in the region's `warehouse_egress`
    /// (an IPv4-mapped IPv6 address compared as its IPv4 address). Both paths of `connect`
    /// read it.
    #[inline]
    pub(crate) fn connection(
        &self,
        region: RegionId,
        warehouse: StoreId,
        ip: std::net::IpAddr,
    ) -> Connection {
        if !self.is_warehouse(warehouse) {
            Connection::NotWarehouse
        } else if self.egress_contains(region, ip) {
            Connection::Loader
        } else {
            Connection::NotLoader
        }
    }

    /// Whether `ip` is one of `region`'s warehouse loaders: in its `warehouse_egress`.
    #[inline]
    pub(crate) fn egress_contains(&self, region: RegionId, ip: std::net::IpAddr) -> bool {
        self.region(region).is_some_and(|r| r.egress.contains(ip))
    }

    /// Whether a store is a warehouse.
    #[inline]
    fn is_warehouse(&self, store: StoreId) -> bool {
        self.stores
            .get(store)
            .is_some_and(|s| s.kind == StoreKind::Warehouse)
    }

    /// Which CIDRs must the customer open for this warehouse?
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Answer, Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let d = policy.allowlist("eu-west", "redshift");
    /// let Answer::Cidrs { region: Some(region) } = d.answer() else { panic!("no CIDRs") };
    /// assert_eq!(policy.egress(region)[0].to_string(), "3.251.148.96/29");
    /// assert!(d.has_code(ReasonCode::AllowlistRequired));
    /// let d = policy.allowlist("eu-west", "bigquery");
    /// assert_eq!(d.answer(), Answer::Cidrs { region: None });
    /// ```
    pub fn allowlist(&self, workspace: &str, warehouse: &str) -> Decision {
        let mut denied = Decision::deny();
        let region = self.workspace_region(workspace, &mut denied);
        let store = self.warehouse(warehouse, &mut denied);
        let (Some(region), Some(store)) = (region, store) else {
            return denied;
        };
        self.allowlist_own(region, store)
    }

    /// [`Policy::allowlist`] on ids already looked up.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Answer, Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let eu = policy.region_id("eu-west").unwrap();
    /// let redshift = policy.store_id("redshift").unwrap();
    /// assert_eq!(policy.allowlist_ids(eu, redshift), policy.allowlist("eu-west", "redshift"));
    /// let archive = policy.store_id("archive").unwrap();
    /// assert!(policy.allowlist_ids(eu, archive).has_code(ReasonCode::UnknownWarehouse));
    /// ```
    #[inline]
    pub fn allowlist_ids(&self, region: RegionId, warehouse: StoreId) -> Decision {
        if !self.issued([region.1, warehouse.1]) {
            return Decision::foreign();
        }
        self.allowlist_own(region, warehouse)
    }

    /// The allowlist rule on ids known to be this policy's: a store that is not a warehouse
    /// is denied as one (the name path has already said so).
    #[inline]
    fn allowlist_own(&self, region: RegionId, store: StoreId) -> Decision {
        match self.allowlisting(store) {
            Some(level) => self.allowlist_rule(region, store, level),
            None => Self::allowlist_ids_rest(store),
        }
    }

    /// The allowlist rule's deny of a store that is not a warehouse.
    #[cold]
    #[inline(never)]
    fn allowlist_ids_rest(warehouse: StoreId) -> Decision {
        let mut denied = Decision::deny();
        denied.because(Reason::UnknownWarehouse {
            field: Field::Warehouse,
            store: Some(warehouse),
        });
        denied
    }

    /// A warehouse's allowlisting (a compiled warehouse always has one; were it missing,
    /// `required`, the strictest); `None` for a store that is not a warehouse.
    #[inline]
    fn allowlisting(&self, store: StoreId) -> Option<Allowlisting> {
        let s = self
            .stores
            .get(store)
            .filter(|s| s.kind == StoreKind::Warehouse)?;
        Some(s.allowlist.unwrap_or(Allowlisting::Required))
    }

    /// The allowlist rule, for the id path and the name path alike: a warehouse that needs no
    /// firewall rule is allowed with no CIDRs; one whose allowlisting is required or
    /// recommended is allowed with the region's egress ranges, or denied when the region
    /// lists none.
    #[inline]
    fn allowlist_rule(&self, region: RegionId, store: StoreId, level: Allowlisting) -> Decision {
        let reason = match level {
            Allowlisting::NotNeeded => {
                return Decision::allow(
                    Reason::AllowlistNotNeeded { store, region },
                    Answer::Cidrs { region: None },
                );
            }
            Allowlisting::Required => Reason::AllowlistRequired { store, region },
            Allowlisting::Recommended => Reason::AllowlistRecommended { store, region },
        };
        if self.region(region).is_some_and(|r| !r.egress.is_empty()) {
            Decision::allow(reason, Answer::Cidrs { region: Some(region) })
        } else {
            let mut denied = Decision::deny();
            denied.because(Reason::AllowlistUnknown { store, region });
            denied
        }
    }
}

/// What the connect rule ([`Policy::connection`]) finds for a region, a store and an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Connection {
    /// The store is not a warehouse: it has no firewall.
    NotWarehouse,
    /// Allowed: the address is one of the region's loaders.
    Loader,
    /// The address is not one of the region's loaders.
    NotLoader,
}
