//! The policy document as written in YAML: plain serde types, no behaviour.
//!
//! A [`Document`] is what a person writes; [`crate::Policy::compile`] turns it into the
//! immutable, interned form that answers questions. Every field is documented in the
//! README's "The policy document" section.
//!
//! Lists whose order means nothing (a group's countries, a region's places and kinds, the
//! regions of a source, destination or store, …) are sets: compiling refuses a name listed
//! twice in one and keeps each sorted, so a compiled policy's document is the same however
//! they were written (the list of them: [the policy format](crate::guide::policy_format)).

mod sets;

use serde::{Deserialize, Serialize};

/// A whole policy document (`version: 1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// The format version; only `1` exists.
    pub version: u32,
    /// The policy's name, shown in every explanation.
    pub name: String,
    /// Free text for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The cloud-region catalogue: every cloud region the policy can talk about.
    #[serde(default)]
    pub cloud_regions: Vec<CloudRegionDoc>,
    /// Named groups of countries (jurisdictions).
    #[serde(default)]
    pub groups: Vec<GroupDoc>,
    /// How each kind of source is configured.
    #[serde(default)]
    pub source_kinds: Vec<SourceKindDoc>,
    /// The processing regions.
    #[serde(default)]
    pub regions: Vec<RegionDoc>,
    /// Catalog sources, by slug.
    #[serde(default)]
    pub sources: Vec<SourceDoc>,
    /// Destinations, by catalog slug.
    #[serde(default)]
    pub destinations: Vec<DestinationDoc>,
    /// Stores: where data rests.
    #[serde(default)]
    pub stores: Vec<StoreDoc>,
    /// Exemptions: single flows allowed despite a region's rule, each dated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<ExemptionDoc>,
}

/// One cloud region of the catalogue, such as `aws:eu-west-1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudRegionDoc {
    /// `provider:name`, e.g. `gcp:europe-west3`.
    pub id: String,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A named group of countries, such as `eu`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDoc {
    /// The group's id.
    pub id: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// ISO 3166-1 alpha-2 country codes.
    pub countries: Vec<String>,
}

/// Which side of the wire a source kind lives on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Side {
    /// An SDK on a user's device or browser.
    Client,
    /// The customer's own servers.
    Server,
    /// A cloud application the platform collects from.
    Cloud,
}

/// How a source is pointed at its ingestion host.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Mechanism {
    /// Source → Settings → Regional Settings → Data Ingestion Region; the SDK picks the host up.
    RegionalSettings,
    /// The `host` configuration parameter of the library.
    HostParameter,
    /// Nothing to configure: the platform collects the data itself.
    Managed,
}

/// A kind of source, such as `javascript` or `server`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceKindDoc {
    /// The kind's id.
    pub id: String,
    /// Client, server or cloud.
    pub side: Side,
    /// How it is pointed at its host.
    pub mechanism: Mechanism,
}

/// How strictly a region keeps data inside its jurisdiction.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Residency {
    /// Ingest, store, process and deliver only inside the jurisdiction.
    Strict,
    /// May ingest through other regions' edges; processed and archived at home; customer
    /// stores and destinations unrestricted.
    EdgeIngest,
}

/// A set of places: `any`, or a list of group and cloud-region ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlacesDoc {
    /// The word `any`.
    Any(AnyWord),
    /// Group ids and cloud-region ids.
    List(Vec<String>),
}

/// The word `any`, alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnyWord {
    /// Anywhere.
    Any,
}

impl Serialize for PlacesDoc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PlacesDoc::Any(AnyWord::Any) => serializer.serialize_str("any"),
            PlacesDoc::List(list) => list.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for PlacesDoc {
    /// Reads `any` or a list directly (no buffering), with a message that says both.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Places;
        impl<'de> serde::de::Visitor<'de> for Places {
            type Value = PlacesDoc;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the word `any` or a list of group and cloud-region ids")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PlacesDoc, E> {
                match v {
                    "any" => Ok(PlacesDoc::Any(AnyWord::Any)),
                    other => Err(E::invalid_value(serde::de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<PlacesDoc, A::Error> {
                let mut list = Vec::new();
                while let Some(place) = seq.next_element::<String>()? {
                    list.push(place);
                }
                Ok(PlacesDoc::List(list))
            }
        }
        deserializer.deserialize_any(Places)
    }
}

/// A processing region, such as `eu-west`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionDoc {
    /// The region's id.
    pub id: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether new workspaces land here; exactly one region is the default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    /// Strict or edge-ingest.
    pub residency: Residency,
    /// The group whose countries the region's data must stay in (when strict).
    pub jurisdiction: String,
    /// The cloud region where data is processed and loaders egress from.
    pub processing: String,
    /// Places Segment-hosted archives may live in.
    pub archive: Vec<String>,
    /// Places customer stores may live in; defaults to the jurisdiction when strict, `any` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_storage: Option<PlacesDoc>,
    /// Places destination endpoints may lie in; same default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver_to: Option<PlacesDoc>,
    /// Source kinds supported in the region.
    pub source_kinds: Vec<String>,
    /// Kinds of `source_kinds` supported here only as their catalog sources that list the
    /// region: the kind's own id (a "bare kind") is not supported here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catalog_only_kinds: Vec<String>,
    /// CIDRs the region's warehouse loaders connect from.
    #[serde(default)]
    pub warehouse_egress: Vec<String>,
    /// Ingestion regions offered.
    pub ingestion: Vec<IngestionDoc>,
}

impl RegionDoc {
    /// What an unset `customer_storage` or `deliver_to` stands for: `[<jurisdiction>]` when
    /// the region is strict, `any` when it is edge-ingest.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::document::PlacesDoc;
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// let eu = policy.document().regions.iter().find(|r| r.id == "eu-west").unwrap();
    /// assert_eq!(eu.default_places(), PlacesDoc::List(vec!["eu".into()]));
    /// ```
    pub fn default_places(&self) -> PlacesDoc {
        RegionDoc::default_places_of(self.residency, &self.jurisdiction)
    }

    /// [`RegionDoc::default_places`] of a region of this residency and jurisdiction.
    pub fn default_places_of(residency: Residency, jurisdiction: &str) -> PlacesDoc {
        match residency {
            Residency::Strict => PlacesDoc::List(vec![jurisdiction.to_string()]),
            Residency::EdgeIngest => PlacesDoc::Any(AnyWord::Any),
        }
    }

    /// The places customer stores may live in, as the rules read them: `customer_storage`,
    /// or [its default](RegionDoc::default_places).
    pub fn customer_storage_or_default(&self) -> PlacesDoc {
        self.customer_storage
            .clone()
            .unwrap_or_else(|| self.default_places())
    }

    /// The places endpoints may lie in, as the rules read them: `deliver_to`, or [its
    /// default](RegionDoc::default_places).
    pub fn deliver_to_or_default(&self) -> PlacesDoc {
        self.deliver_to.clone().unwrap_or_else(|| self.default_places())
    }
}

/// An ingestion region of a processing region, such as `us-west`'s `dublin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestionDoc {
    /// The ingestion region's id, unique within its processing region.
    pub id: String,
    /// Whether sources use it unless told otherwise; exactly one per region.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    /// The cloud region its hosts run in.
    pub cloud_region: String,
    /// Host names; the first is the one `resolve` hands out.
    pub hosts: Vec<String>,
    /// Availability-zone letters; each is a failover location `<region>/<id>-<zone>`.
    #[serde(default)]
    pub zones: Vec<String>,
    /// An explicit loosening: other ingestion regions (`region/ingestion`) whose locations
    /// are valid failover targets too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover_to: Vec<String>,
}

impl IngestionDoc {
    /// The failover location of one of its zones: `<region>/<ingestion>-<zone>`.
    pub fn location(&self, region: &str, zone: &str) -> String {
        format!("{region}/{}-{zone}", self.id)
    }
}

/// A catalog source, such as `node-js`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDoc {
    /// The catalog slug.
    pub id: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its source kind.
    pub kind: String,
    /// Processing regions where it may be used.
    pub regions: Vec<String>,
}

/// A destination, such as `amplitude`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationDoc {
    /// The catalog slug.
    pub id: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Processing regions whose workspaces may enable it.
    pub regions: Vec<String>,
    /// Where its data goes.
    pub endpoints: Vec<EndpointDoc>,
}

/// One endpoint of a destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointDoc {
    /// The endpoint's id, unique within its destination (`us`, `eu`).
    pub id: String,
    /// The group it lies in.
    pub jurisdiction: String,
    /// Its host names, where known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
}

/// What a store is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum StoreKind {
    /// A platform-hosted archive, placed by the region's `archive`.
    Archive,
    /// A customer data lake.
    DataLake,
    /// A customer warehouse.
    Warehouse,
}

/// Whether a warehouse must open its firewall to the region's loaders.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Allowlisting {
    /// The loaders cannot connect without it.
    Required,
    /// The documentation advises it.
    Recommended,
    /// No firewall rule is needed.
    NotNeeded,
}

/// A store, such as `redshift`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreDoc {
    /// The store's id.
    pub id: String,
    /// Archive, data lake or warehouse.
    pub kind: StoreKind,
    /// Cloud providers it runs on (`aws`, `gcp`, `azure`).
    pub clouds: Vec<String>,
    /// For warehouses: whether allowlisting is required, recommended or not needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowlist: Option<Allowlisting>,
    /// Regions whose workspaces may keep data in the store; every region when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
}

/// An exemption: one flow of one region allowed despite the rule that denies it, with why,
/// who answers for it and until when. The flow is named by exactly one of `destination`
/// (with an optional `endpoint`), `store` (with its `cloud_region`) or `warehouse` (with a
/// `cidr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptionDoc {
    /// The exemption's id, named in every decision it allows.
    pub id: String,
    /// The processing region whose rule it loosens.
    pub region: String,
    /// `deliver`: the destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// `deliver`: the endpoint id; absent, every endpoint of the destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// `store`: the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// `store`: the cloud region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_region: Option<String>,
    /// `connect`: the warehouse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    /// `connect`: the addresses a firewall of that warehouse may admit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    /// Why the flow is allowed.
    pub justification: String,
    /// Who answers for it.
    pub owner: String,
    /// The last day it applies (it applies through that day, and not after it).
    pub expires: crate::date::Date,
}

/// The flow an exemption names, as its kind and names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExemptedFlow<'a> {
    /// `deliver` to a destination, through one endpoint or any.
    Deliver {
        /// The destination.
        destination: &'a str,
        /// The endpoint id, or `None` for any.
        endpoint: Option<&'a str>,
    },
    /// `store` in one store in one cloud region.
    Store {
        /// The store.
        store: &'a str,
        /// The cloud region.
        cloud_region: &'a str,
    },
    /// `connect` from addresses of a CIDR to a warehouse.
    Connect {
        /// The warehouse.
        warehouse: &'a str,
        /// The CIDR.
        cidr: &'a str,
    },
}

impl ExemptionDoc {
    /// The flow it names, when it names exactly one of the three shapes (the loader refuses
    /// any other).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::document::{ExemptedFlow, ExemptionDoc};
    /// let e = ExemptionDoc {
    ///     id: "amp-us".into(), region: "eu-west".into(),
    ///     destination: Some("amplitude".into()), endpoint: Some("us".into()),
    ///     store: None, cloud_region: None, warehouse: None, cidr: None,
    ///     justification: "contract".into(), owner: "dpo@example.com".into(),
    ///     expires: "2026-06-30".parse().unwrap(),
    /// };
    /// assert_eq!(e.flow(), Some(ExemptedFlow::Deliver { destination: "amplitude", endpoint: Some("us") }));
    /// assert_eq!(e.flow().unwrap().to_string(), "deliver to `amplitude` through endpoint `us`");
    /// ```
    pub fn flow(&self) -> Option<ExemptedFlow<'_>> {
        match (
            &self.destination,
            &self.endpoint,
            &self.store,
            &self.cloud_region,
            &self.warehouse,
            &self.cidr,
        ) {
            (Some(destination), endpoint, None, None, None, None) => Some(ExemptedFlow::Deliver {
                destination,
                endpoint: endpoint.as_deref(),
            }),
            (None, None, Some(store), Some(cloud_region), None, None) => {
                Some(ExemptedFlow::Store { store, cloud_region })
            }
            (None, None, None, None, Some(warehouse), Some(cidr)) => {
                Some(ExemptedFlow::Connect { warehouse, cidr })
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for ExemptedFlow<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::text::excerpt;
        match self {
            ExemptedFlow::Deliver {
                destination,
                endpoint: Some(endpoint),
            } => write!(
                f,
                "deliver to `{}` through endpoint `{}`",
                excerpt(destination),
                excerpt(endpoint)
            ),
            ExemptedFlow::Deliver {
                destination,
                endpoint: None,
            } => write!(f, "deliver to `{}` through any endpoint", excerpt(destination)),
            ExemptedFlow::Store { store, cloud_region } => {
                write!(f, "store `{}` in `{}`", excerpt(store), excerpt(cloud_region))
            }
            ExemptedFlow::Connect { warehouse, cidr } => write!(
                f,
                "connect from `{}` to warehouse `{}`",
                excerpt(cidr),
                excerpt(warehouse)
            ),
        }
    }
}
