#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod audit;
pub mod cases;
pub mod cli;
mod compile;
mod compiled;
pub mod coverage;
mod date;
mod decide;
mod decision;
pub mod diff;
mod digest;
pub mod document;
mod error;
mod explain;
pub mod graph;
mod host;
pub mod host_variants;
pub mod import;
pub mod invariants;
mod ip;
mod json;
pub mod limits;
mod names;
mod policy;
mod question;
pub mod record;
pub mod replay;
pub mod text;
pub mod workspace;
mod yaml;

pub use compile::{CompileOptions, DEFAULT_POLICY_YAML};
pub use compiled::{source_digest, COMPILED_FORMAT, COMPILED_VERSION, DEFAULT_POLICY_COMPILED};
pub use date::{Date, DateError};
pub use decision::{Answer, Decision, Reason, ReasonCode, Verdict, MAX_REASONS};
pub use error::{LoadError, LoadErrorKind, Location, QuestionError, SerializeError, SyntaxError};
pub use explain::{ExplainedReason, Explanation};
pub use host::{normalize_host, HostError, NormalHost};
pub use ip::parse_ip;
pub use policy::{
    CloudId, DestinationId, EndpointId, ExemptionId, GroupId, HostId, IngestionId, KindId, LocationId,
    Policy, RegionId, SourceId, StoreId,
};
pub use question::{Field, Question};
pub use yaml::guard as yaml_guard;

/// Parses a YAML text into `T` the way the library reads its own files, for programs built on
/// it that read YAML of their own (a configuration file, say).
///
/// The text is first checked by [`yaml_guard::check`] (nesting, nodes, anchors, aliases, tags,
/// documents are bounded), then deserialised with strict scalars (a plain `true`, `null` or
/// `1.5` is never a string) and duplicate keys refused. An error has the line and column when
/// the parser can say, and a bounded, escaped message naming the node it is about.
///
/// ```
/// use std::collections::BTreeMap;
/// let map: BTreeMap<String, String> = regionfence::parse_yaml("a: x\nb: y\n").unwrap();
/// assert_eq!(map["b"], "y");
///
/// // Duplicate keys are refused, not resolved to the last one.
/// let err = regionfence::parse_yaml::<BTreeMap<String, String>>("k: x\nk: y\n").unwrap_err();
/// assert!(err.location.is_some());
/// assert!(err.to_string().starts_with("line 2, column"), "{err}");
///
/// // Scalars are strict: `true` is a boolean, not the text.
/// assert!(regionfence::parse_yaml::<BTreeMap<String, String>>("k: true\n").is_err());
///
/// // Aliases are refused by the guard.
/// assert!(regionfence::parse_yaml::<BTreeMap<String, String>>("a: &x v\nb: *x\n").is_err());
///
/// // Messages are escaped and bounded.
/// let err = regionfence::parse_yaml::<BTreeMap<String, String>>(
///     &format!("k: [\"\u{202E}{}\"]\n", "x".repeat(5000)),
/// )
/// .unwrap_err();
/// assert!(!err.message.contains('\u{202E}'));
/// assert!(err.message.chars().count() < 1000);
/// ```
pub fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, SyntaxError> {
    yaml::from_str(text)
}
