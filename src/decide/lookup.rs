//! Public look-ups from names to ids for every kind of id the decisions take or report (the
//! rest sit beside the question that uses them), so a gateway can prepare `*_ids` questions
//! and log names without building a [`crate::Question`].

use crate::policy::*;

impl Policy {
    /// An ingestion region of a processing region, by name.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let eu = policy.region_id("eu-west").unwrap();
    /// assert!(policy.ingestion_id(eu, "dublin").is_some());
    /// assert_eq!(policy.ingestion_id(eu, "oregon"), None);
    /// ```
    pub fn ingestion_id(&self, region: RegionId, name: &str) -> Option<IngestionId> {
        if region.1 != self.identity {
            return None;
        }
        crate::names::find_sorted(&self.region(region)?.ingestion_names, name)
    }

    /// A destination by its slug.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert!(policy.destination_id("amplitude").is_some());
    /// assert_eq!(policy.destination_id("Amplitude"), None);
    /// ```
    #[inline]
    pub fn destination_id(&self, name: &str) -> Option<DestinationId> {
        self.destinations.by_name(name)
    }

    /// An endpoint of a destination, by its id or by one of its hosts in any form a gateway
    /// may see: its position among the destination's endpoints, as [`Policy::deliver_ids`]
    /// takes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let amplitude = policy.destination_id("amplitude").unwrap();
    /// let eu = policy.endpoint_id(amplitude, "eu").unwrap();
    /// assert_eq!(policy.endpoint_id(amplitude, "https://API.EU.amplitude.com/2/httpapi"), Some(eu));
    /// assert_eq!(policy.endpoint_name(amplitude, eu), "eu");
    /// assert_eq!(policy.endpoint_id(amplitude, "mars"), None);
    /// ```
    pub fn endpoint_id(&self, destination: DestinationId, name: &str) -> Option<EndpointId> {
        if destination.1 != self.identity {
            return None;
        }
        self.endpoint_of(destination, name)
    }

    /// The id of an endpoint of a destination; empty when there is none at that position or
    /// either id is another policy's.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let slack = policy.destination_id("slack").unwrap();
    /// let eu = policy.endpoint_id(slack, "eu").unwrap();
    /// assert_eq!(policy.endpoint_name(slack, eu), "eu");
    /// // An endpoint id is read against its own destination's endpoints.
    /// let amplitude = policy.destination_id("amplitude").unwrap();
    /// let us = policy.endpoint_id(amplitude, "us").unwrap();
    /// assert_eq!(policy.endpoint_name(amplitude, us), "us");
    /// // Ids of another policy name nothing.
    /// let other = Policy::default_policy();
    /// assert_eq!(other.endpoint_name(slack, eu), "");
    /// ```
    pub fn endpoint_name(&self, destination: DestinationId, endpoint: EndpointId) -> &str {
        if destination.1 != self.identity || endpoint.1 != self.identity {
            return "";
        }
        self.endpoint(destination, endpoint).map_or("", |e| &*e.name)
    }

    /// A store by its id.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert!(policy.store_id("redshift").is_some());
    /// assert_eq!(policy.store_id("oracle"), None);
    /// ```
    #[inline]
    pub fn store_id(&self, name: &str) -> Option<StoreId> {
        self.stores.by_name(name)
    }

    /// A cloud region of the catalogue by its id (`provider:name`).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert!(policy.cloud_id("aws:eu-west-1").is_some());
    /// assert_eq!(policy.cloud_id("aws:moon-1"), None);
    /// ```
    #[inline]
    pub fn cloud_id(&self, name: &str) -> Option<CloudId> {
        self.clouds.by_name(name)
    }

    /// A group (jurisdiction) by its id.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert!(policy.group_id("eu").is_some());
    /// assert_eq!(policy.group_id("atlantis"), None);
    /// ```
    pub fn group_id(&self, name: &str) -> Option<GroupId> {
        self.groups.by_name(name)
    }

    /// The source kind of a source (a kind is its own kind).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let node = policy.source_id("node-js").unwrap();
    /// let kind = policy.kind_of(node).unwrap();
    /// assert_eq!(policy.kind_name(kind), "server");
    /// ```
    pub fn kind_of(&self, source: SourceId) -> Option<KindId> {
        if source.1 != self.identity {
            return None;
        }
        self.sources.get(source).map(|s| s.kind)
    }

    /// The name of a source kind; empty for an id another policy issued.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let ios = policy.source_id("ios").unwrap();
    /// let kind = policy.kind_of(ios).unwrap();
    /// assert_eq!(policy.kind_name(kind), "ios");
    /// let other = Policy::default_policy();
    /// assert_eq!(other.kind_name(kind), "");
    /// ```
    pub fn kind_name(&self, kind: KindId) -> &str {
        self.kinds.name(kind)
    }
}
