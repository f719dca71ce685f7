//! Exemptions at decision time: which active exemption, if any, covers a flow its rule
//! denies. Looked up only on the way to a deny, by binary search over the active ones.

use crate::policy::*;
use std::net::IpAddr;

/// The kind numbers of [`ExemptionKey`].
const DELIVER: u8 = 0;
const STORE: u8 = 1;
const CONNECT: u8 = 2;

impl Policy {
    /// The active exemptions of `region` for flows of `kind` whose first id is `first`, in
    /// document order.
    fn exemptions_for(
        &self,
        region: RegionId,
        kind: u8,
        first: u32,
    ) -> impl Iterator<Item = (ExemptionId, &Exemption)> + '_ {
        let table = &self.active_exemptions[..];
        let start = table.partition_point(|&(r, k, f, _)| (r, k, f) < (region, kind, first));
        table
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .take_while(move |&&(r, k, f, _)| (r, k, f) == (region, kind, first))
            .filter_map(|&(.., id)| self.exemptions.get(id.index()).map(|e| (id, e)))
    }

    /// The first active exemption covering delivery to `destination` from `region` through
    /// `named` (the endpoint named, or `None`), with the endpoint the data then goes through:
    /// the one named, else the exemption's, else the destination's first.
    pub(crate) fn deliver_exemption(
        &self,
        region: RegionId,
        destination: DestinationId,
        named: Option<u32>,
    ) -> Option<(ExemptionId, u32)> {
        self.exemptions_for(region, DELIVER, destination.0)
            .find_map(|(id, e)| match (e.flow, named) {
                (ExemptFlow::Deliver(_, Some(allowed)), Some(asked)) => {
                    (allowed == asked).then_some((id, asked))
                }
                (ExemptFlow::Deliver(_, Some(allowed)), None) => Some((id, allowed)),
                (ExemptFlow::Deliver(_, None), asked) => Some((id, asked.unwrap_or(0))),
                _ => None,
            })
    }

    /// The first active exemption covering `store` in `cloud` for `region`.
    pub(crate) fn store_exemption(
        &self,
        region: RegionId,
        store: StoreId,
        cloud: CloudId,
    ) -> Option<ExemptionId> {
        self.exemptions_for(region, STORE, store.0)
            .find_map(|(id, e)| (e.flow == ExemptFlow::Store(store, cloud)).then_some(id))
    }

    /// The first active exemption covering a connection from `address` to `warehouse` for
    /// `region`.
    pub(crate) fn connect_exemption(
        &self,
        region: RegionId,
        warehouse: StoreId,
        address: IpAddr,
    ) -> Option<ExemptionId> {
        self.exemptions_for(region, CONNECT, warehouse.0)
            .find_map(|(id, e)| match e.flow {
                ExemptFlow::Connect(_, span) if crate::ip::span_contains(span, address) => Some(id),
                _ => None,
            })
    }

    /// An exemption's id by name.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// assert_eq!(Policy::default_policy().exemption_id("amp-us"), None);
    /// ```
    pub fn exemption_id(&self, name: &str) -> Option<ExemptionId> {
        self.exemptions
            .iter()
            .position(|e| &*e.name == name)
            .map(|i| ExemptionId(i as u32))
    }

    /// An exemption's name (empty for an id of another policy).
    pub fn exemption_name(&self, id: ExemptionId) -> &str {
        self.exemptions.get(id.index()).map_or("", |e| &*e.name)
    }

    /// Whether the exemption applies at the policy's as-of date.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{CompileOptions, Policy};
    /// let text = format!(
    ///     "{}exemptions:\n  - {{id: lake-london, region: eu-west, store: data-lake, cloud_region: aws:eu-west-2,\n     \
    ///      justification: migration, owner: data-team, expires: 2026-03-31}}\n",
    ///     regionfence::DEFAULT_POLICY_YAML
    /// );
    /// let options = CompileOptions::new().as_of("2026-04-01".parse().unwrap());
    /// let policy = Policy::from_yaml_with(&text, &options).unwrap();
    /// let id = policy.exemption_id("lake-london").unwrap();
    /// assert!(!policy.exemption_active(id)); // expired the day before
    /// ```
    pub fn exemption_active(&self, id: ExemptionId) -> bool {
        self.exemptions.get(id.index()).is_some_and(|e| e.active)
    }

    /// The date the policy is evaluated at, when it was compiled with one.
    pub fn as_of(&self) -> Option<crate::date::Date> {
        self.as_of
    }
}
