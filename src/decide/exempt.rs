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
            .filter_map(|&(.., id)| self.exemptions.get(id).map(|e| (id, e)))
    }

    /// The first active exemption covering delivery to `destination` from `region` through
    /// `named` (the endpoint named, or `None`), with the endpoint the data then goes through:
    /// the one named, else the exemption's, else the destination's first.
    pub(crate) fn deliver_exemption(
        &self,
        region: RegionId,
        destination: DestinationId,
        named: Option<EndpointId>,
    ) -> Option<(ExemptionId, EndpointId)> {
        self.exemptions_for(region, DELIVER, destination.0)
            .find_map(|(id, e)| match (e.flow, named) {
                (ExemptFlow::Deliver(_, Some(allowed)), Some(asked)) => {
                    (allowed == asked).then_some((id, asked))
                }
                (ExemptFlow::Deliver(_, Some(allowed)), None) => Some((id, allowed)),
                (ExemptFlow::Deliver(_, None), asked) => {
                    Some((id, asked.unwrap_or(EndpointId(0, self.identity))))
                }
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
        self.exemptions.by_name(name)
    }

    /// An exemption's name (empty for an id of another policy).
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
    /// let policy = Policy::from_yaml(&text).unwrap();
    /// let id = policy.exemption_id("lake-london").unwrap();
    /// assert_eq!(policy.exemption_name(id), "lake-london");
    /// // An id is only good for the policy that issued it.
    /// let reloaded = Policy::from_yaml(&text).unwrap();
    /// assert_eq!(reloaded.exemption_name(id), "");
    /// ```
    pub fn exemption_name(&self, id: ExemptionId) -> &str {
        self.exemptions.name(id)
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
        self.exemptions.get(id).is_some_and(|e| e.active)
    }

    /// The date the policy is evaluated at, when it was compiled with one.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{CompileOptions, Policy};
    /// assert_eq!(Policy::default_policy().as_of(), None);
    /// let date = "2026-04-01".parse().unwrap();
    /// let options = CompileOptions::new().as_of(date);
    /// let policy = Policy::from_yaml_with(regionfence::DEFAULT_POLICY_YAML, &options).unwrap();
    /// assert_eq!(policy.as_of(), Some(date));
    /// assert_eq!(policy.as_of().unwrap().to_string(), "2026-04-01");
    /// ```
    pub fn as_of(&self) -> Option<crate::date::Date> {
        self.as_of
    }
}

#[cfg(test)]
mod tests {
    use crate::decision::ReasonCode::{self, *};
    use crate::{CompileOptions, Policy};
    use std::sync::OnceLock;

    /// `policies/examples/exemptions.yaml` at 2026-01-15: all three of its exemptions apply
    /// (the last on its expiry day).
    fn policy() -> &'static Policy {
        static POLICY: OnceLock<Policy> = OnceLock::new();
        POLICY.get_or_init(|| {
            let text = include_str!("../../policies/examples/exemptions.yaml");
            let options = CompileOptions::new().as_of("2026-01-15".parse().unwrap());
            Policy::from_yaml_with(text, &options).unwrap()
        })
    }

    /// Allowed by exemption `$id`, the rule's own reason first.
    macro_rules! exempted {
        ($method:ident($($arg:expr),*) => $rule:expr, $id:expr) => {{
            let d = policy().$method($($arg),*);
            let codes: Vec<ReasonCode> = d.codes().collect();
            assert!(d.is_allowed(), "{}({:?}): {codes:?}", stringify!($method), ($($arg),*));
            assert_eq!(codes, [$rule, Exempted], "{}({:?})", stringify!($method), ($($arg),*));
            assert_eq!(policy().exemption_name(d.exemption().unwrap()), $id);
        }};
    }
    macro_rules! denied {
        ($method:ident($($arg:expr),*) => $code:expr) => {{
            let d = policy().$method($($arg),*);
            assert!(!d.is_allowed(), "{}({:?}) allowed: {d:?}", stringify!($method), ($($arg),*));
            assert!(d.has_code($code) && !d.has_code(Exempted), "{}({:?}): {d:?}", stringify!($method), ($($arg),*));
        }};
    }

    #[test]
    fn exemptions() {
        exempted!(deliver("eu-west", "amplitude", Some("us")) => EndpointOutsideRegion, "amp-us");
        exempted!(deliver("eu-west", "amplitude", Some("API2.amplitude.com")) => EndpointOutsideRegion, "amp-us");
        denied!(deliver("eu-west", "amplitude", Some("api3.amplitude.com")) => UnknownEndpoint);
        denied!(deliver("eu-west", "google-analytics", None::<&str>) => EndpointOutsideRegion);
        denied!(deliver("eu-west", "google-analytics", Some("us")) => EndpointOutsideRegion);
        exempted!(store("eu-west", "data-lake", "aws:eu-west-2") => StoreOutsideRegion, "lake-london");
        denied!(store("eu-west", "archive", "aws:eu-west-2") => StoreOutsideRegion);
        denied!(store("eu-west", "redshift", "aws:eu-west-2") => StoreOutsideRegion);
        denied!(store("eu-west", "data-lake", "aws:us-west-2") => StoreOutsideRegion);
        denied!(store("eu-west", "data-lake", "gcp:europe-west2") => UnknownCloudRegion);
        exempted!(connect("eu-west", "redshift", "52.25.130.38") => IpNotAllowlisted, "us-loader");
        exempted!(connect("eu-west", "redshift", "::ffff:52.25.130.38") => IpNotAllowlisted, "us-loader");
        denied!(connect("eu-west", "redshift", "52.25.130.39") => IpNotAllowlisted);
        denied!(connect("eu-west", "redshift", "052.25.130.38") => MalformedIp);
        denied!(connect("eu-west", "archive", "52.25.130.38") => UnknownWarehouse);
        denied!(connect("us-west", "redshift", "3.251.148.97") => IpNotAllowlisted);
        denied!(region_change("eu-west", "us-west") => RegionImmutable);
        // `allowlist` hands out the region's ranges, never an exemption's.
        let d = policy().allowlist("eu-west", "redshift");
        assert_eq!(d.codes().collect::<Vec<_>>(), [AllowlistRequired]);
        assert_eq!(policy().egress(policy().region_id("eu-west").unwrap()).len(), 1);
    }
}
