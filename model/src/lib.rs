//! The reference model of regionfence's rules and the generators that feed it: one house for
//! the property tests (`tests/properties.rs`), every fuzz target (`fuzz/properties/`) and the
//! stable replay of the fuzz corpus (`tests/fuzz_replay.rs`).
//!
//! - [`rules`]: a second, deliberately naive evaluator written straight from the README's
//!   "The rules" (linear scans over `regionfence::document::Document`, no interning, no
//!   precomputed tables), with its own readings of [`hosts`] and [`ips`];
//! - [`placement`]: where the document really places what an allowed answer touches, to
//!   confirm (both ways) the violations `regionfence::invariants` reports;
//! - [`agree`] and [`confirm`]: the check every decision passes;
//! - [`round_trip`]: a policy reloaded from its own YAML;
//! - [`ask`]: questions spelled out by hand, for tests that name their own;
//! - [`choices`], [`gen_policy`], [`gen_question`]: random policies and questions read off a
//!   byte slice, so proptest (a shrinking `Vec<u8>`) and libFuzzer (its input) drive the very
//!   same generators.
//!
//! A rule changes in the engine, the README and here — nowhere else.

pub mod agree;
pub mod ask;
pub mod choices;
pub mod confirm;
pub mod gen_policy;
pub mod gen_question;
pub mod hosts;
pub mod ips;
pub mod placement;
pub mod round_trip;
pub mod rules;

pub use agree::agree;
pub use choices::Choices;
pub use confirm::{check_decision, confirm_invariants};
pub use rules::{decide, decide_at, NAME_CODES};

/// The model's answer: a verdict, its reason codes (names first, then rules), and the
/// extras the README's question table promises for allowed answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Allowed?
    pub allow: bool,
    /// The reason codes, most fundamental first (possibly more than a decision carries).
    pub codes: Vec<&'static str>,
    /// What an allowed answer hands back.
    pub extras: Extras,
}

/// "extras in the answer" (README, The questions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extras {
    /// Nothing beyond the verdict.
    None,
    /// `resolve`: the ingestion region's first host, the kind's mechanism, the ingestion region.
    Host {
        /// The host handed out.
        host: String,
        /// How the source is configured with it.
        mechanism: &'static str,
        /// The ingestion region chosen.
        ingestion: String,
    },
    /// `deliver`: the endpoint's id and hosts (the answer's `host` is the first of them).
    Endpoint {
        /// The endpoint chosen.
        id: String,
        /// Its hosts, as listed.
        hosts: Vec<String>,
    },
    /// `allowlist`: the CIDRs to open, as `ipnet` writes them.
    Cidrs(Vec<String>),
}
