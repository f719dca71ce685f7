//! What a check finds: violations, each with its path, the engine's reason, a message and
//! the smallest fix.

use super::pointer::{PatchOp, Pointer};
use crate::decision::ReasonCode;
use serde::Serialize;

/// Why an entry of a configuration breaks residency: the engine's reason code, or one of the
/// few findings only a whole configuration shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViolationCode {
    /// The engine denied the entry's question for this reason.
    Engine(ReasonCode),
    /// A warehouse firewall admits addresses the engine names as another region's loaders.
    FirewallAdmitsForeignLoader,
    /// A warehouse firewall does not admit a loader range the engine's `allowlist` requires.
    FirewallLacksLoader,
    /// A firewall entry is neither a CIDR nor an address.
    MalformedCidr,
    /// A failover step starts at a location of another processing region.
    FailoverOutsideRegion,
    /// A value is [`UNKNOWN`](super::UNKNOWN): the API it was imported from does not carry
    /// it, so a person must confirm it before the entry can pass.
    NotKnownFromApi,
}

impl ViolationCode {
    /// The stable kebab-case code.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationCode::Engine(code) => code.as_str(),
            ViolationCode::FirewallAdmitsForeignLoader => "firewall-admits-foreign-loader",
            ViolationCode::FirewallLacksLoader => "firewall-lacks-loader",
            ViolationCode::MalformedCidr => "malformed-cidr",
            ViolationCode::FailoverOutsideRegion => "failover-outside-region",
            ViolationCode::NotKnownFromApi => "not-known-from-api",
        }
    }
}

impl std::fmt::Display for ViolationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ViolationCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The smallest change that removes a violation: a sentence for a person and, where an edit
/// exists, RFC 6902 operations for a control plane (one, or a few that belong together).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What to do, in one sentence.
    pub sentence: String,
    /// The edit; empty when no edit of the configuration can fix it.
    pub patch: Vec<PatchOp>,
}

impl Fix {
    pub(crate) fn edit(sentence: String, patch: Vec<PatchOp>) -> Fix {
        Fix { sentence, patch }
    }

    pub(crate) fn none(sentence: String) -> Fix {
        Fix {
            sentence,
            patch: Vec::new(),
        }
    }

    /// Whether an edit of the configuration fixes the violation.
    pub fn has_edit(&self) -> bool {
        !self.patch.is_empty()
    }
}

/// One entry of a configuration that breaks residency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The offending value, as a person reads it: `destinations[3].endpoint`.
    pub path: String,
    /// The same value as a JSON Pointer: `/destinations/3/endpoint`.
    pub pointer: String,
    /// The entry by its ids rather than positions (`destinations[amp].endpoint`), stable when
    /// other entries are added or removed: what [`check_change`](super::check_change)
    /// compares.
    pub subject: String,
    /// Why.
    pub code: ViolationCode,
    /// What is wrong, in the engine's words.
    pub message: String,
    /// The smallest fix.
    pub fix: Fix,
    /// When no edit keeps the entry and the flow is one an exemption can name: the policy
    /// entry (YAML, to add under `exemptions:`) that would allow exactly this flow, with
    /// placeholders for its justification, owner and expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemption: Option<String>,
}

impl Violation {
    pub(crate) fn new(at: &Pointer, subject: String, code: ViolationCode, message: String, fix: Fix) -> Self {
        Violation {
            path: at.to_human(),
            pointer: at.to_json_pointer(),
            subject,
            code,
            message,
            fix,
            exemption: None,
        }
    }
}

/// The result of checking a configuration: compliant when it holds no violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceReport {
    /// The workspace's name.
    pub workspace: String,
    /// Its region, as written.
    pub region: String,
    /// How many questions the engine answered.
    pub questions: usize,
    /// What breaks residency, in the configuration's order.
    pub violations: Vec<Violation>,
}

impl WorkspaceReport {
    /// Whether nothing breaks residency.
    pub fn is_compliant(&self) -> bool {
        self.violations.is_empty()
    }

    /// The report as pretty JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
