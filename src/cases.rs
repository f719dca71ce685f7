//! Policy test cases: a question, the verdict expected, and optionally the reason code,
//! host or CIDRs expected; run against a compiled policy.

use crate::decision::{ReasonCode, Verdict};
use crate::error::Location;
use crate::policy::Policy;
use crate::question::Question;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A case file: an optional policy path (relative to the file) and the cases.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The policy to run against; the embedded default when absent.
    #[serde(default)]
    pub policy: Option<String>,
    /// The cases.
    pub cases: Vec<Case>,
}

/// The fields of a case beside its question's.
const CASE_FIELDS: [&str; 7] = [
    "name",
    "expect",
    "reason",
    "expect_host",
    "expect_mechanism",
    "expect_endpoint",
    "expect_cidrs",
];

/// Why a case file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    /// The text is not a case file: not YAML, or not of the case file's shape.
    #[error("{}{message}", match location { Some(l) => format!("{l}: "), None => String::new() })]
    Syntax {
        /// Where, when the parser could say.
        location: Option<Location>,
        /// What is wrong (an unknown field's message also lists the case's own fields).
        message: String,
    },
    /// `cases` is empty.
    #[error("the case file holds no cases: a suite that asserts nothing cannot pass")]
    NoCases,
    /// `policy` is given but empty.
    #[error("`policy` is empty: name a policy file, or leave `policy` out for the embedded default")]
    EmptyPolicy,
    /// A case's `reason` is not a reason code.
    #[error("case `{case}`: unknown reason code `{code}`{}", crate::names::hint(suggestion.map(ReasonCode::as_str)))]
    UnknownReasonCode {
        /// The case's name.
        case: String,
        /// The code as written.
        code: String,
        /// The nearest known code.
        suggestion: Option<ReasonCode>,
    },
}

impl CaseError {
    /// Where in the text the problem is, when it can be pointed at.
    pub fn location(&self) -> Option<Location> {
        match self {
            CaseError::Syntax { location, .. } => *location,
            _ => None,
        }
    }
}

/// One case: a question and what its decision must be.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// The case's name, shown in reports.
    pub name: String,
    /// The question (its fields stand beside the case's own).
    #[serde(flatten)]
    pub question: Question,
    /// The verdict expected.
    pub expect: Verdict,
    /// A reason code the decision must carry.
    #[serde(default)]
    pub reason: Option<String>,
    /// The host `resolve` must hand out, or the host of the endpoint `deliver` goes through.
    #[serde(default)]
    pub expect_host: Option<String>,
    /// The mechanism `resolve` must name.
    #[serde(default)]
    pub expect_mechanism: Option<String>,
    /// The endpoint `deliver` must go through.
    #[serde(default)]
    pub expect_endpoint: Option<String>,
    /// The CIDRs `allowlist` must hand out, in order.
    #[serde(default)]
    pub expect_cidrs: Option<Vec<String>>,
}

impl CaseFile {
    /// Reads a case file from YAML (or JSON) text, and checks every `reason` is a known code.
    ///
    /// A file without cases is refused: a suite that asserts nothing must not pass.
    pub fn parse(text: &str) -> Result<CaseFile, CaseError> {
        let file: CaseFile = crate::yaml::from_str(text).map_err(|e| CaseError::Syntax {
            location: e.location,
            message: if e.message.contains("unknown field") {
                // A case's fields are the question's and the case's own; the parser, reading
                // the question, names only the question's.
                format!("{}; a case also takes {}", e.message, CASE_FIELDS.join(", "))
            } else {
                e.message
            },
        })?;
        if file.cases.is_empty() {
            return Err(CaseError::NoCases);
        }
        if file.policy.as_deref().is_some_and(|p| p.trim().is_empty()) {
            return Err(CaseError::EmptyPolicy);
        }
        for case in &file.cases {
            if let Some(code) = &case.reason {
                if ReasonCode::from_str(code).is_err() {
                    let known = <ReasonCode as strum::IntoEnumIterator>::iter().map(ReasonCode::as_str);
                    return Err(CaseError::UnknownReasonCode {
                        case: case.name.clone(),
                        code: code.clone(),
                        suggestion: crate::names::nearest(code, known)
                            .and_then(|c| ReasonCode::from_str(c).ok()),
                    });
                }
            }
        }
        Ok(file)
    }
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// Whether every expectation held.
    pub passed: bool,
    /// The verdict given.
    pub decision: Verdict,
    /// The reason codes given.
    pub reasons: Vec<String>,
    /// What did not hold, one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<String>,
}

impl Case {
    /// Runs the case against `policy`.
    pub fn run(&self, policy: &Policy) -> CaseResult {
        let decision = policy.decide(&self.question);
        let explained = decision.explain(policy, &self.question);
        let mut failures = Vec::new();
        if decision.verdict() != self.expect {
            failures.push(format!("expected {}, got {}", self.expect, decision.verdict()));
        }
        if let Some(code) = &self.reason {
            if !decision.codes().any(|c| c.as_str() == code) {
                failures.push(format!("expected reason `{code}` among the reasons"));
            }
        }
        let mut expect_field = |what: &str, want: &Option<String>, got: &Option<String>| {
            if let Some(want) = want {
                if got.as_ref() != Some(want) {
                    failures.push(format!(
                        "expected {what} `{want}`, got `{}`",
                        got.as_deref().unwrap_or("none")
                    ));
                }
            }
        };
        expect_field("host", &self.expect_host, &explained.resolved.host);
        expect_field("mechanism", &self.expect_mechanism, &explained.resolved.mechanism);
        expect_field("endpoint", &self.expect_endpoint, &explained.resolved.endpoint);
        if let Some(want) = &self.expect_cidrs {
            if explained.resolved.cidrs.as_ref() != Some(want) {
                let got = explained.resolved.cidrs.unwrap_or_default();
                failures.push(format!(
                    "expected cidrs [{}], got [{}]",
                    want.join(", "),
                    got.join(", ")
                ));
            }
        }
        CaseResult {
            name: self.name.clone(),
            passed: failures.is_empty(),
            decision: decision.verdict(),
            reasons: explained
                .reasons
                .into_iter()
                .map(|r| r.code.to_string())
                .collect(),
            failures,
        }
    }
}
