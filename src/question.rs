//! The questions a policy answers, as callers hold them: names and raw strings.

use crate::error::QuestionError;
use crate::limits::MAX_QUESTION_BYTES;
use serde::Serialize;

/// A field of a question, named as JSON and YAML write it (`cloud_region`, `to`, …).
///
/// Every field of every [`Question`] kind is one of these; [`Question::field`] hands out a
/// field's raw text by it, and the reasons that say a name was unknown or malformed carry
/// the field they are about ([`Reason::field`](crate::Reason::field)).
///
/// # Examples
///
/// ```
/// use regionfence::Field;
/// assert_eq!(Field::CloudRegion.as_str(), "cloud_region");
/// assert_eq!("ip".parse::<Field>(), Ok(Field::Ip));
/// assert!("cloud-region".parse::<Field>().is_err());
/// ```
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    strum::Display,
    strum::AsRefStr,
    strum::EnumString,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Field {
    /// `workspace`: the workspace's processing region.
    Workspace,
    /// `source`: a source kind or a catalog source.
    Source,
    /// `host`: an ingestion host.
    Host,
    /// `ingestion`: an ingestion region.
    Ingestion,
    /// `destination`: a catalog destination.
    Destination,
    /// `endpoint`: an endpoint id or host of the destination.
    Endpoint,
    /// `store`: a store.
    Store,
    /// `cloud_region`: `provider:name`.
    CloudRegion,
    /// `warehouse`: a warehouse.
    Warehouse,
    /// `ip`: the connecting address.
    Ip,
    /// `from`: a failover location.
    From,
    /// `to`: a failover location, or the region a workspace would move to.
    To,
}

impl Field {
    /// The field's name as JSON and YAML write it.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Field;
    /// assert_eq!(Field::Workspace.as_str(), "workspace");
    /// assert_eq!(Field::To.to_string(), "to");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What a question is, for the error on a text that is not one.
const QUESTION_SHAPE: &str = "a question: a mapping with `ask` (ingest, resolve, deliver, store, connect, \
     allowlist, failover or region-change) and that question's fields";

crate::maps_only::tagged_enum! {
#[serde(tag = "ask", rename_all = "kebab-case", deny_unknown_fields)]
#[expecting = QUESTION_SHAPE]
/// One question about a data flow, tagged by `ask` in JSON or YAML.
///
/// # Examples
///
/// ```
/// use regionfence::Question;
/// let q = Question::parse(r#"{"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "events.eu1.segmentapis.com"}"#).unwrap();
/// assert!(matches!(q, Question::Ingest { .. }));
/// assert!(Question::parse(r#"{"ask": "teleport"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(QuestionKind),
    doc = "A question's kind, as written after `ask:` (`ingest`, …, `region-change`): one enum, \
           derived from [`Question`], in the one order reports list kinds.",
    derive(
        Hash,
        PartialOrd,
        Ord,
        Serialize,
        strum::Display,
        strum::AsRefStr,
        strum::EnumString,
        strum::EnumIter,
        strum::IntoStaticStr,
        strum::VariantArray
    ),
    serde(rename_all = "kebab-case"),
    strum(serialize_all = "kebab-case")
)]
pub enum Question as QuestionFields {
    /// May this source of this workspace send to this host?
    Ingest {
        /// The workspace's processing region.
        workspace: String,
        /// A source kind or a catalog source slug.
        source: String,
        /// The host as a gateway saw it (scheme, port, path, case and a trailing dot are
        /// normalised away).
        host: String,
    },
    /// Which host must this source be configured with, and how?
    Resolve {
        /// The workspace's processing region.
        workspace: String,
        /// A source kind or a catalog source slug.
        source: String,
        /// An ingestion region of the workspace's region; its default when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ingestion: Option<String>,
    },
    /// May this workspace's data be delivered to this destination (through this endpoint)?
    Deliver {
        /// The workspace's processing region.
        workspace: String,
        /// The destination's catalog slug.
        destination: String,
        /// An endpoint id (`us`, `eu`) or host; the destination's in-region endpoint when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        endpoint: Option<String>,
    },
    /// May this workspace's data at rest live in this store in this cloud region?
    Store {
        /// The workspace's processing region.
        workspace: String,
        /// `archive`, `data-lake` or a warehouse (`redshift`, `bigquery`, …).
        store: String,
        /// `provider:name`, such as `aws:eu-central-1`.
        cloud_region: String,
    },
    /// May a warehouse firewall accept this IP as the workspace region's loader?
    Connect {
        /// The workspace's processing region.
        workspace: String,
        /// The warehouse.
        warehouse: String,
        /// The connecting address.
        ip: String,
    },
    /// Which CIDRs must the customer open for this warehouse?
    Allowlist {
        /// The workspace's processing region.
        workspace: String,
        /// The warehouse.
        warehouse: String,
    },
    /// Is `to` a valid failover target for `from`?
    Failover {
        /// A failover location, `region/ingestion-zone`.
        from: String,
        /// A failover location, `region/ingestion-zone`.
        to: String,
    },
    /// May the workspace move to another region?
    RegionChange {
        /// The workspace's processing region.
        workspace: String,
        /// The region asked for.
        to: String,
    },
}
}

impl Question {
    /// Reads a question from JSON or YAML text, refusing text over
    /// [`MAX_QUESTION_BYTES`](crate::limits::MAX_QUESTION_BYTES).
    pub fn parse(text: &str) -> Result<Question, QuestionError> {
        if text.len() > MAX_QUESTION_BYTES {
            return Err(QuestionError::TooLarge {
                size: text.len(),
                limit: MAX_QUESTION_BYTES,
            });
        }
        if is_blank(text) {
            return Err(QuestionError::Syntax {
                location: None,
                message: "the question is empty: expected a mapping with `ask` and the question's fields"
                    .into(),
            });
        }
        crate::json::from_json_or_yaml(text).map_err(|e| QuestionError::Syntax {
            location: e.location,
            // The YAML reader says only "expected a mapping" of a lone scalar: say what a
            // question is.
            message: if e.message == "expected a mapping" {
                format!("expected {QUESTION_SHAPE}")
            } else {
                e.message
            },
        })
    }

    /// The question's kind, as written after `ask:`.
    pub fn ask(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The question's kind.
    ///
    /// ```
    /// use regionfence::{Question, QuestionKind};
    /// let q = Question::RegionChange { workspace: "eu-west".into(), to: "us-west".into() };
    /// assert_eq!(q.kind(), QuestionKind::RegionChange);
    /// assert_eq!(q.kind().as_str(), "region-change");
    /// assert_eq!("allowlist".parse::<QuestionKind>(), Ok(QuestionKind::Allowlist));
    /// ```
    pub fn kind(&self) -> QuestionKind {
        QuestionKind::from(self)
    }

    /// The raw text of one of the question's fields, as the question holds it; `None` when
    /// the question has no such field, or leaves an optional one out.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Field, Question};
    /// let q = Question::Store {
    ///     workspace: "eu-west".into(),
    ///     store: "redshift".into(),
    ///     cloud_region: "aws:eu-west-1".into(),
    /// };
    /// assert_eq!(q.field(Field::CloudRegion), Some("aws:eu-west-1"));
    /// assert_eq!(q.field(Field::Workspace), Some("eu-west"));
    /// assert_eq!(q.field(Field::Ip), None);
    /// let r = Question::Resolve { workspace: "eu-west".into(), source: "ios".into(), ingestion: None };
    /// assert_eq!(r.field(Field::Ingestion), None);
    /// ```
    pub fn field(&self, field: Field) -> Option<&str> {
        let value = match (self, field) {
            (
                Question::Ingest { workspace, .. }
                | Question::Resolve { workspace, .. }
                | Question::Deliver { workspace, .. }
                | Question::Store { workspace, .. }
                | Question::Connect { workspace, .. }
                | Question::Allowlist { workspace, .. }
                | Question::RegionChange { workspace, .. },
                Field::Workspace,
            ) => workspace,
            (Question::Ingest { source, .. } | Question::Resolve { source, .. }, Field::Source) => source,
            (Question::Ingest { host, .. }, Field::Host) => host,
            (Question::Resolve { ingestion, .. }, Field::Ingestion) => ingestion.as_ref()?,
            (Question::Deliver { destination, .. }, Field::Destination) => destination,
            (Question::Deliver { endpoint, .. }, Field::Endpoint) => endpoint.as_ref()?,
            (Question::Store { store, .. }, Field::Store) => store,
            (Question::Store { cloud_region, .. }, Field::CloudRegion) => cloud_region,
            (
                Question::Connect { warehouse, .. } | Question::Allowlist { warehouse, .. },
                Field::Warehouse,
            ) => warehouse,
            (Question::Connect { ip, .. }, Field::Ip) => ip,
            (Question::Failover { from, .. }, Field::From) => from,
            (Question::Failover { to, .. } | Question::RegionChange { to, .. }, Field::To) => to,
            _ => return None,
        };
        Some(value.as_str())
    }

    /// The fields a question of this kind has, in the order JSON writes them (optional ones
    /// included, whether given or not).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Field, Question};
    /// let q = Question::Failover { from: "eu-west/dublin-a".into(), to: "eu-west/dublin-b".into() };
    /// assert_eq!(q.fields(), [Field::From, Field::To]);
    /// ```
    pub fn fields(&self) -> &'static [Field] {
        use Field::*;
        match self {
            Question::Ingest { .. } => &[Workspace, Source, Host],
            Question::Resolve { .. } => &[Workspace, Source, Ingestion],
            Question::Deliver { .. } => &[Workspace, Destination, Endpoint],
            Question::Store { .. } => &[Workspace, Store, CloudRegion],
            Question::Connect { .. } => &[Workspace, Warehouse, Ip],
            Question::Allowlist { .. } => &[Workspace, Warehouse],
            Question::Failover { .. } => &[From, To],
            Question::RegionChange { .. } => &[Workspace, To],
        }
    }

    /// The question as one line of JSON, ready to paste after `regionfence ask`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Whether `text` holds nothing but white space, a byte order mark and YAML comments.
fn is_blank(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .lines()
        .all(|line| matches!(line.trim_start().chars().next(), None | Some('#')))
}

impl QuestionKind {
    /// The kind as written after `ask:`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_of_exactly_the_size_limit_is_read_and_one_byte_more_is_refused() {
        let question =
            r#"{"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "api.segment.io"}"#;
        let mut text = question.to_string();
        text.push_str(&" ".repeat(MAX_QUESTION_BYTES - question.len()));
        assert_eq!(text.len(), MAX_QUESTION_BYTES);
        assert!(matches!(Question::parse(&text), Ok(Question::Ingest { .. })));
        text.push(' ');
        match Question::parse(&text) {
            Err(QuestionError::TooLarge { size, limit }) => {
                assert_eq!((size, limit), (MAX_QUESTION_BYTES + 1, MAX_QUESTION_BYTES));
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }
}
