//! Decision records: one JSON line per decision, naming the policy that made it by its
//! digest, so that the decision can be replayed later and shown to be the same.
//!
//! ```json
//! {"digest":"…64 hex digits…","as_of":null,"question":{"ask":"ingest",…},"decision":"deny","reasons":["ingestion-outside-region"],"exemptions":[],"engine":"0.1.0"}
//! ```
//!
//! A line is read within [`MAX_RECORD_BYTES`], as JSON only, with every field required but
//! `as_of`, no unknown field, a known reason code in `reasons` and a digest of 64 lower-case
//! hex digits; an error says the column.

use crate::date::Date;
use crate::decision::{Decision, ReasonCode, Verdict};
use crate::error::Location;
use crate::limits::MAX_RECORD_BYTES;
use crate::policy::Policy;
use crate::question::Question;
use crate::text::{bounded, MAX_MESSAGE_CHARS};
use serde::{Deserialize, Serialize};

/// The engine's version, as records name it.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One decision, as a line of JSON: which policy (its digest), as of which date, the
/// question, the decision, its reason codes, the exemptions it used and the engine's version.
///
/// # Examples
///
/// ```
/// use regionfence::record::DecisionRecord;
/// use regionfence::{Policy, Question, Verdict};
/// let policy = Policy::default_policy();
/// let q = Question::parse(r#"{"ask":"ingest","workspace":"eu-west","source":"ios","host":"api.segment.io"}"#).unwrap();
/// let record = policy.record(&q);
/// assert_eq!(record.digest, policy.digest());
/// assert_eq!(record.decision, Verdict::Deny);
/// let line = record.to_json_line();
/// assert_eq!(DecisionRecord::parse_line(&line).unwrap(), record);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRecord {
    /// The [digest](Policy::digest) of the policy that decided.
    pub digest: String,
    /// The date the policy was evaluated at (`YYYY-MM-DD`, its [`CompileOptions`]
    /// `as_of`), which decides which exemptions apply; `null` for a policy compiled without
    /// one (no exemption applies then).
    ///
    /// [`CompileOptions`]: crate::CompileOptions
    #[serde(default)]
    pub as_of: Option<Date>,
    /// The question, as `regionfence ask` reads it.
    pub question: Question,
    /// `allow` or `deny`.
    pub decision: Verdict,
    /// The reason codes, most fundamental first.
    #[serde(deserialize_with = "reason_codes")]
    pub reasons: Vec<ReasonCode>,
    /// The ids of the exemptions the decision used.
    pub exemptions: Vec<String>,
    /// The version of the engine that decided.
    pub engine: String,
}

/// Reads `reasons`: known codes only.
fn reason_codes<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<ReasonCode>, D::Error> {
    let codes = <Vec<String> as Deserialize>::deserialize(deserializer)?;
    codes
        .iter()
        .map(|c| {
            c.parse::<ReasonCode>().map_err(|_| {
                serde::de::Error::custom(format!("unknown reason code `{}`", crate::text::excerpt(c)))
            })
        })
        .collect()
}

/// Why a record line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The line is over [`MAX_RECORD_BYTES`].
    #[error("the record is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The line is not a record.
    #[error("{}{message}", location.map_or(String::new(), |l| format!("{l}: ")))]
    Syntax {
        /// Where in the line, when the parser could say.
        location: Option<Location>,
        /// What is wrong, bounded and escaped.
        message: String,
    },
}

impl DecisionRecord {
    /// The record as one line of JSON (no line break).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads one record line (see the module's documentation for what is refused).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::record::DecisionRecord;
    /// let err = DecisionRecord::parse_line(r#"{"digest":"x","extra":1}"#).unwrap_err();
    /// assert!(err.to_string().starts_with("line 1, column"), "{err}");
    /// ```
    pub fn parse_line(line: &str) -> Result<DecisionRecord, RecordError> {
        if line.len() > MAX_RECORD_BYTES {
            return Err(RecordError::TooLarge {
                size: line.len(),
                limit: MAX_RECORD_BYTES,
            });
        }
        let record: DecisionRecord = crate::json::from_str(line).map_err(|e| RecordError::Syntax {
            // serde_json says column 0 at the end of an empty line; positions are 1-based.
            location: (e.line() > 0).then(|| Location {
                line: e.line(),
                column: e.column().max(1),
            }),
            message: bounded(&strip_position(&e.to_string()), MAX_MESSAGE_CHARS),
        })?;
        if record.digest.len() != 64
            || !record
                .digest
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(RecordError::Syntax {
                location: None,
                message: format!(
                    "`digest` is `{}`: a policy digest is 64 lower-case hex digits",
                    crate::text::excerpt(&record.digest)
                ),
            });
        }
        Ok(record)
    }
}

/// serde_json ends its messages with " at line L column C"; the location is kept apart.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

/// Makes records for one policy, its digest computed once.
///
/// # Examples
///
/// ```
/// use regionfence::record::Recorder;
/// use regionfence::{Policy, Question};
/// let policy = Policy::default_policy();
/// let recorder = Recorder::new(&policy);
/// let q = Question::RegionChange { workspace: "eu-west".into(), to: "us-west".into() };
/// let record = recorder.record(&q);
/// assert_eq!(record.reasons[0].as_str(), "region-immutable");
/// assert_eq!(record.as_of, None);
/// assert!(record.exemptions.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Recorder<'p> {
    policy: &'p Policy,
    digest: String,
}

impl<'p> Recorder<'p> {
    /// A recorder for `policy`.
    pub fn new(policy: &'p Policy) -> Recorder<'p> {
        Recorder {
            policy,
            digest: policy.digest(),
        }
    }

    /// The digest every record of this recorder names.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Decides `question` and records the decision.
    pub fn record(&self, question: &Question) -> DecisionRecord {
        let decision = self.policy.decide(question);
        let exemptions = exemption_names(self.policy, &decision);
        DecisionRecord {
            digest: self.digest.clone(),
            as_of: self.policy.as_of(),
            question: question.clone(),
            decision: decision.verdict(),
            reasons: decision.codes().collect(),
            exemptions,
            engine: ENGINE_VERSION.to_string(),
        }
    }
}

/// The ids of the exemptions `decision` used.
pub(crate) fn exemption_names(policy: &Policy, decision: &Decision) -> Vec<String> {
    decision
        .exemption()
        .map(|id| policy.exemption_name(id).to_string())
        .into_iter()
        .collect()
}

impl Policy {
    /// Decides `question` and records the decision (see [`DecisionRecord`]); for many records,
    /// a [`Recorder`] computes the policy's digest once.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, Question, ReasonCode};
    /// let policy = Policy::default_policy();
    /// let question = Question::Ingest {
    ///     workspace: "eu-west".into(),
    ///     source: "ios".into(),
    ///     host: "api.segment.io".into(),
    /// };
    /// let record = policy.record(&question);
    /// assert_eq!(record.digest, policy.digest());
    /// assert_eq!(record.reasons, [ReasonCode::IngestionOutsideRegion]);
    /// assert!(record.exemptions.is_empty());
    /// ```
    pub fn record(&self, question: &Question) -> DecisionRecord {
        Recorder::new(self).record(question)
    }
}
