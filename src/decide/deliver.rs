//! `deliver`: which destination endpoints a region's data may go through.

use crate::decision::{Answer, Decision, Reason};
use crate::host::normalize_host;
use crate::policy::*;
use crate::question::Field;

/// What the deliver rule ([`Policy::delivery`]) finds for a region, a destination and the
/// endpoint named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// The destination does not list the region.
    Unavailable,
    /// Allowed, through this endpoint: the one named, or the region's default.
    Through(EndpointId),
    /// The destination lists the region, but the endpoint named lies outside the places the
    /// region may deliver to, or none was named and none of its endpoints lies inside.
    Outside,
}

impl Policy {
    /// May this workspace's data be delivered to this destination, through this endpoint
    /// (or, without one, through its in-region endpoint)?
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// assert!(policy.deliver("eu-west", "amplitude", None).is_allowed());
    /// assert!(policy.deliver("eu-west", "amplitude", Some("eu")).is_allowed());
    /// assert!(policy.deliver("eu-west", "amplitude", Some("api.eu.amplitude.com")).is_allowed());
    /// let d = policy.deliver("eu-west", "amplitude", Some("us"));
    /// assert!(d.has_code(ReasonCode::EndpointOutsideRegion));
    /// ```
    pub fn deliver(&self, workspace: &str, destination: &str, endpoint: Option<&str>) -> Decision {
        let mut denied = Decision::deny();
        let region = self.workspace_region(workspace, &mut denied);
        let Some(destination) = self.destinations.by_name(destination) else {
            denied.because(Reason::UnknownDestination(Field::Destination));
            return denied;
        };
        let named = match endpoint {
            None => None,
            Some(raw) => match self.endpoint_of(destination, raw) {
                Some(e) => Some(e),
                None => {
                    denied.because(Reason::UnknownEndpoint {
                        field: Field::Endpoint,
                        destination: Some(destination),
                    });
                    return denied;
                }
            },
        };
        let Some(region) = region else {
            return denied;
        };
        self.deliver_own(region, destination, named)
    }

    /// [`Policy::deliver`] on ids already looked up: `endpoint` is the named endpoint of
    /// the destination (see [`Policy::endpoint_id`]), `None` for its default.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Answer, Policy, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let d = policy.deliver("eu-west", "amplitude", Some("eu"));
    /// let Answer::Endpoint { destination, endpoint } = d.answer() else { panic!("no endpoint") };
    /// let eu = policy.region_id("eu-west").unwrap();
    /// assert_eq!(policy.deliver_ids(eu, destination, Some(endpoint)), d);
    /// assert_eq!(policy.deliver_ids(eu, destination, None), d);
    /// let us = policy.endpoint_id(destination, "us").unwrap();
    /// assert!(policy.deliver_ids(eu, destination, Some(us)).has_code(ReasonCode::EndpointOutsideRegion));
    /// ```
    #[inline]
    pub fn deliver_ids(
        &self,
        region: RegionId,
        destination: DestinationId,
        endpoint: Option<EndpointId>,
    ) -> Decision {
        let named = endpoint.map_or(region.1, |e| e.1);
        if !self.issued([region.1, destination.1, named]) {
            return Decision::foreign();
        }
        let known = endpoint.is_none_or(|e| self.endpoint(destination, e).is_some());
        if !known {
            let mut denied = Decision::deny();
            denied.because(Reason::UnknownEndpoint {
                field: Field::Endpoint,
                destination: Some(destination),
            });
            return denied;
        }
        self.deliver_own(region, destination, endpoint)
    }

    /// [`Policy::deliver_ids`] on ids this policy issued: the rule ([`Policy::delivery`]) for
    /// the usual question, no endpoint named; the rest past it.
    #[inline]
    fn deliver_own(
        &self,
        region: RegionId,
        destination: DestinationId,
        endpoint: Option<EndpointId>,
    ) -> Decision {
        if endpoint.is_none() {
            if let Delivery::Through(through) = self.delivery(region, destination, None) {
                return Self::delivered(region, destination, through);
            }
        }
        self.deliver_rest(region.0, destination.0, endpoint.map(|e| e.0))
    }

    /// [`Policy::deliver_own`] past its allowed case: the rule's outcome as reasons, or an
    /// exemption. It takes the positions of ids this policy issued and makes them again with
    /// its identity (see `ingest_rest`).
    #[inline(never)]
    fn deliver_rest(&self, region: u32, destination: u32, endpoint: Option<u32>) -> Decision {
        let (region, destination) = (
            RegionId(region, self.identity),
            DestinationId(destination, self.identity),
        );
        let named = endpoint.map(|e| EndpointId(e, self.identity));
        let mut denied = Decision::deny();
        match self.delivery(region, destination, named) {
            Delivery::Through(through) => Self::delivered(region, destination, through),
            Delivery::Unavailable => {
                denied.because(Reason::DestinationUnavailableInRegion { destination, region });
                denied
            }
            Delivery::Outside => {
                let rule = Reason::EndpointOutsideRegion {
                    destination,
                    endpoint: named,
                    region,
                };
                if let Some((exemption, endpoint)) = self.deliver_exemption(region, destination, named) {
                    return Decision::exempted(
                        rule,
                        exemption,
                        Answer::Endpoint {
                            destination,
                            endpoint,
                        },
                    );
                }
                denied.because(rule);
                denied
            }
        }
    }

    /// The decision of a delivery the rule allows through `endpoint`.
    #[inline]
    fn delivered(region: RegionId, destination: DestinationId, endpoint: EndpointId) -> Decision {
        Decision::allow(
            Reason::EndpointInRegion {
                destination,
                endpoint,
                region,
            },
            Answer::Endpoint {
                destination,
                endpoint,
            },
        )
    }

    /// The deliver rule, the one statement of it: a region's data goes to a destination that
    /// lists the region, through the endpoint named if it lies where the region may deliver,
    /// else (none named) through the region's default endpoint of the destination. Both
    /// paths of `deliver` read it, and so does anything else that asks what the rule allows.
    #[inline]
    pub(crate) fn delivery(
        &self,
        region: RegionId,
        destination: DestinationId,
        named: Option<EndpointId>,
    ) -> Delivery {
        if !self.destination_listed(destination, region) {
            return Delivery::Unavailable;
        }
        let through = match named {
            // A default is always one the region may deliver to: compilation chooses it among
            // those (`compile/destinations.rs`; a unit test checks the shipped policies).
            None => self.default_endpoint(destination, region),
            Some(e) => self.endpoint_inside(region, destination, e).then_some(e),
        };
        through.map_or(Delivery::Outside, Delivery::Through)
    }

    /// Whether `destination` lists `region`: available to the region's workspaces.
    #[inline]
    pub(crate) fn destination_listed(&self, destination: DestinationId, region: RegionId) -> bool {
        self.destination_regions.get(destination, region)
    }

    /// The endpoint of `destination` used for `region` when none is named: the first in the
    /// region's jurisdiction among those it may deliver to, else the first it may deliver
    /// to; `None` when there is none.
    #[inline]
    pub(crate) fn default_endpoint(
        &self,
        destination: DestinationId,
        region: RegionId,
    ) -> Option<EndpointId> {
        self.default_endpoints
            .get(destination, region)
            .get()
            .map(|e| EndpointId(e, self.identity))
    }

    /// Whether an endpoint of `destination` lies where `region` may deliver: its jurisdiction
    /// is among the region's `deliver_to`.
    #[inline]
    pub(crate) fn endpoint_inside(
        &self,
        region: RegionId,
        destination: DestinationId,
        endpoint: EndpointId,
    ) -> bool {
        match (self.endpoint(destination, endpoint), self.region(region)) {
            (Some(e), Some(r)) => r.delivery.has_group(e.jurisdiction),
            _ => false,
        }
    }

    /// An endpoint of a destination by its exact id, or by host in any form a gateway may see.
    pub(crate) fn endpoint_of(&self, destination: DestinationId, raw: &str) -> Option<EndpointId> {
        let d = self.destinations.get(destination)?;
        let find = crate::names::find_sorted::<EndpointId>;
        // A listed host is in normal form, so a host written exactly as listed is found
        // without normalising it.
        find(&d.endpoint_lookup, raw)
            .or_else(|| find(&d.endpoint_hosts, raw))
            .or_else(|| {
                normalize_host(raw)
                    .ok()
                    .and_then(|h| find(&d.endpoint_hosts, h.as_str()))
            })
    }
}
