//! A second, deliberately naive evaluator of regionfence questions, written straight from the
//! README's "The rules" (linear scans over `regionfence::document::Document`, no interning,
//! no precomputed tables), and the generators the property tests feed both evaluators with.

pub mod gen_policy;
pub mod gen_question;
pub mod hosts;
pub mod placement;
pub mod rules;
pub mod tape;

/// The model's answer: a verdict, its reason codes (names first, then rules), and the
/// extras the README's question table promises for allowed answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub allow: bool,
    pub codes: Vec<&'static str>,
    pub extras: Extras,
}

/// "extras in the answer" (README, The questions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extras {
    None,
    /// `resolve`: the ingestion region's first host, the kind's mechanism, the ingestion region.
    Host {
        host: String,
        mechanism: &'static str,
        ingestion: String,
    },
    /// `deliver`: the endpoint's id and hosts.
    Endpoint {
        id: String,
        hosts: Vec<String>,
    },
    /// `allowlist`: the CIDRs to open.
    Cidrs(Vec<ipnet::IpNet>),
}

pub use rules::{decide, NAME_CODES};
