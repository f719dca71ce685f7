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
mod decide;
mod decision;
pub mod document;
mod error;
mod explain;
pub mod graph;
mod host;
pub mod host_variants;
pub mod invariants;
mod ip;
mod json;
pub mod limits;
mod names;
mod policy;
mod question;
pub mod text;
pub mod workspace;
mod yaml;

pub use compile::DEFAULT_POLICY_YAML;
pub use decision::{Answer, Decision, Field, Reason, ReasonCode, Verdict, MAX_REASONS};
pub use error::{LoadError, LoadErrorKind, Location, QuestionError, SyntaxError};
pub use explain::{ExplainedReason, Explanation};
pub use host::{normalize_host, HostError, NormalHost};
pub use ip::parse_ip;
pub use policy::{
    CloudId, DestinationId, GroupId, HostId, IngestionId, KindId, LocationId, Policy, RegionId, SourceId,
    StoreId,
};
pub use question::Question;
pub use yaml::guard as yaml_guard;
