#![doc = include_str!("../docs/crate.md")]
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
pub mod guide;
mod host;
pub mod host_variants;
pub mod import;
pub mod invariants;
mod ip;
mod json;
pub mod limits;
mod maps_only;
mod names;
mod policy;
mod policy_file;
mod question;
pub mod record;
pub mod replay;
pub mod text;
pub mod workspace;
mod yaml;

/// The README's examples run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use compile::{CompileOptions, DEFAULT_POLICY_YAML};
pub use compiled::{source_digest, COMPILED_FORMAT, COMPILED_VERSION, DEFAULT_POLICY_COMPILED};
pub use date::{Date, DateError};
pub use decision::{Answer, Decision, Reason, ReasonCode, Verdict, MAX_REASONS};
pub use error::{LoadError, LoadErrorKind, Location, QuestionError, SerializeError, SyntaxError};
pub use explain::{ExplainedReason, Explanation, Hints, Resolved};
pub use host::{normalize_host, HostError, NormalHost};
pub use ip::parse_ip;
pub use policy::{
    CloudId, DestinationId, EndpointId, ExemptionId, GroupId, HostId, IngestionId, KindId, LocationId,
    Policy, RegionId, SourceId, StoreId,
};
pub use question::{Field, Question, QuestionKind};
pub use yaml::guard as yaml_guard;

/// Parses a YAML text into `T` the way the library reads its own files, for programs built on
/// it that read YAML of their own (a configuration file, say).
///
/// The text is first checked by [`yaml_guard::check`] (nesting, nodes, anchors, aliases, tags,
/// documents are bounded), then deserialised with strict scalars (a plain `true`, `null` or
/// `1.5` is never a string) and duplicate keys refused; a struct is read from a mapping only, never from a
/// sequence by position (as [`parse_json`] reads JSON). An error has the line and column when
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

/// Parses a JSON text into `T` the way the library reads its own JSON: a struct (or a struct
/// variant) is read from an object only, at any depth — never from an array by position, as
/// serde's derived readers otherwise allow — and nothing but white space may follow the value.
///
/// A program that decides on a document and hands it on (a gateway, a control plane) should
/// read it this way: a reader that took `["KEY", null]` for `{"writeKey": "KEY", …}` would
/// decide on fields that the next parser, which sees a list, does not.
///
/// ```
/// #[derive(Debug, serde::Deserialize)]
/// struct Payload {
///     #[serde(rename = "writeKey")]
///     write_key: String,
/// }
/// let p: Payload = regionfence::parse_json(r#"{"writeKey": "KEY"}"#).unwrap();
/// assert_eq!(p.write_key, "KEY");
///
/// // serde_json alone reads the struct from a list by position; this refuses it.
/// assert!(serde_json::from_str::<Payload>(r#"["KEY"]"#).is_ok());
/// let err = regionfence::parse_json::<Payload>(r#"["KEY"]"#).unwrap_err();
/// assert!(err.message.contains("expected a mapping"), "{err}");
/// assert_eq!(err.location.map(|l| l.line), Some(1));
///
/// // Questions, internally tagged, are read from a mapping only too.
/// assert!(regionfence::parse_json::<regionfence::Question>(
///     r#"["ingest", "us-west", "ios", "api.segment.io"]"#
/// )
/// .is_err());
/// ```
pub fn parse_json<'de, T: serde::Deserialize<'de>>(text: &'de str) -> Result<T, SyntaxError> {
    json::from_str(text).map_err(|e| json::syntax_error(&e))
}
