//! The questions a policy answers, as callers hold them: names and raw strings.

use crate::error::QuestionError;
use crate::limits::MAX_QUESTION_BYTES;
use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "ask", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Question {
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
            message: e.message,
        })
    }

    /// The question's kind, as written after `ask:`.
    pub fn ask(&self) -> &'static str {
        match self {
            Question::Ingest { .. } => "ingest",
            Question::Resolve { .. } => "resolve",
            Question::Deliver { .. } => "deliver",
            Question::Store { .. } => "store",
            Question::Connect { .. } => "connect",
            Question::Allowlist { .. } => "allowlist",
            Question::Failover { .. } => "failover",
            Question::RegionChange { .. } => "region-change",
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
