//! The audit: every question a policy can be asked, decided and checked against every
//! invariant, plus lints for entries that are legal but suspicious.
//!
//! A compiled policy's question space is finite once each free-text field (a host, an IP,
//! a name) is reduced to the policy's own values, their hostile variants and a few unknowns;
//! [`space`] enumerates it, and [`audit`] proves each invariant over all of it or hands back
//! the first counterexamples as ready-to-paste `regionfence ask` questions.

mod exemptions;
mod lints;
mod space;

pub use exemptions::{exempted_flows, flow_question, ExemptedFlowEntry};
pub use lints::{lints, Lint, Severity};
pub use space::{space, space_with, Family, Plan, Space, FULL_FAMILY_QUESTIONS};

use crate::explain::Explanation;
use crate::invariants::{decide_and_check_with, Facts, Invariant};
use crate::limits::MAX_AUDIT_QUESTIONS;
use crate::policy::Policy;
use crate::question::Question;
use serde::Serialize;
use strum::IntoEnumIterator;

/// How many counterexamples are kept per violated invariant.
pub const MAX_COUNTEREXAMPLES: usize = 3;

/// The result of auditing one policy. An audit is a result, not an error: read
/// [`AuditReport::passed`].
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// The policy's name.
    pub policy: String,
    /// How many questions were decided and checked.
    pub questions: usize,
    /// How each family of questions was enumerated: its whole product, or one
    /// representative per equivalence class (see the README's "The proofs").
    pub plans: Vec<Plan>,
    /// The strict regions, whose residency the audit proves (an edge-ingest region promises
    /// none), so a region that stopped being strict shows at once.
    pub strict_regions: Vec<String>,
    /// The flows of strict regions allowed only by an active exemption: residency is proved
    /// except for these, each listed.
    pub exempted: Vec<ExemptedFlowEntry>,
    /// How many of the questions asked were allowed by an exemption in a strict region.
    pub exempted_questions: usize,
    /// The date the policy was evaluated at (`None`: no exemption applies).
    pub as_of: Option<String>,
    /// One entry per invariant, in a fixed order.
    pub invariants: Vec<InvariantResult>,
    /// Warnings about legal but suspicious entries.
    pub lints: Vec<Lint>,
}

/// Whether an invariant held over the whole question space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::Display)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Status {
    /// It held for every question it applies to.
    Proved,
    /// At least one question breaks it.
    Violated,
}

/// One invariant's result.
#[derive(Debug, Clone, Serialize)]
pub struct InvariantResult {
    /// Which invariant.
    pub invariant: Invariant,
    /// Proved or violated.
    pub status: Status,
    /// How many questions it applies to.
    pub checked: usize,
    /// How many of those break it.
    pub violations: usize,
    /// The first few that break it.
    pub counterexamples: Vec<Counterexample>,
}

/// A question that breaks an invariant, with the decision it got and why that is wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Counterexample {
    /// The question.
    pub question: Question,
    /// The question as a shell command.
    pub command: String,
    /// The decision it got.
    pub decision: Explanation,
    /// Why that breaks the invariant.
    pub why: String,
}

impl AuditReport {
    /// Rewrites every counterexample's command to ask under this policy file and date
    /// ([`ask_command`]): what a caller that loaded the policy from a file prints.
    pub fn reproduce_with(&mut self, policy: Option<&str>, as_of: Option<crate::Date>) {
        for result in &mut self.invariants {
            for c in &mut result.counterexamples {
                c.command = ask_command(&c.question, policy, as_of);
            }
        }
    }

    /// Whether every invariant was proved (lints do not count).
    pub fn passed(&self) -> bool {
        self.invariants.iter().all(|i| i.status == Status::Proved)
    }

    /// `, except N exempted flow(s)` when exemptions allow flows of strict regions, so a
    /// report never reads as clean without them.
    fn exception_words(&self) -> String {
        match self.exempted.len() {
            0 if self.exempted_questions == 0 => String::new(),
            0 => format!(
                ", except {} question(s) allowed by exemptions",
                self.exempted_questions
            ),
            n => format!(", except {n} exempted flow(s)"),
        }
    }

    /// The result for one invariant.
    pub fn result(&self, invariant: Invariant) -> Option<&InvariantResult> {
        self.invariants.iter().find(|i| i.invariant == invariant)
    }
}

/// A policy the audit refuses to audit: its question space is over the budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit of policy `{policy}` would ask {questions} questions, over the limit of {limit} (`limits::MAX_AUDIT_QUESTIONS`); the largest family is `{family}` with {family_questions}")]
pub struct AuditRefused {
    /// The policy's name.
    pub policy: String,
    /// How many questions the audit would ask.
    pub questions: u64,
    /// The limit.
    pub limit: u64,
    /// The family asking the most.
    pub family: Family,
    /// How many that family asks.
    pub family_questions: u64,
}

/// Whether an invariant speaks about this question: residency only about the flows of a
/// strict region's workspaces.
fn applies(facts: &Facts, invariant: Invariant, question: &Question) -> bool {
    match invariant {
        Invariant::Residency => match question {
            Question::Ingest { workspace, .. }
            | Question::Resolve { workspace, .. }
            | Question::Deliver { workspace, .. }
            | Question::Store { workspace, .. }
            | Question::Connect { workspace, .. } => facts.strict(workspace),
            _ => false,
        },
        Invariant::ProcessingPin => matches!(question, Question::Ingest { .. } | Question::Resolve { .. }),
        Invariant::FailoverContainment => matches!(question, Question::Failover { .. }),
        Invariant::Immutability => matches!(question, Question::RegionChange { .. }),
        Invariant::FailClosed | Invariant::Totality => true,
    }
}

/// Whether an audit asking `questions` questions is over the budget
/// ([`MAX_AUDIT_QUESTIONS`], itself allowed).
fn over_budget(questions: u64) -> bool {
    questions > MAX_AUDIT_QUESTIONS
}

/// `Err` when asking `space` is over the budget: the refusal says how many questions it
/// would ask and names its largest family. The audit and the coverage report share it.
pub(crate) fn within_budget(policy: &Policy, space: &Space<'_>) -> Result<(), AuditRefused> {
    let estimated = space.estimated_len();
    if !over_budget(estimated) {
        return Ok(());
    }
    let largest = space.plans().iter().max_by_key(|p| p.questions);
    Err(AuditRefused {
        policy: policy.name().to_string(),
        questions: estimated,
        limit: MAX_AUDIT_QUESTIONS,
        family: largest.map_or(Family::Ingest, |p| p.family),
        family_questions: largest.map_or(0, |p| p.questions),
    })
}

/// Shell-quotes a question for `regionfence ask`.
fn command(question: &Question) -> String {
    ask_command(question, None, None)
}

/// Shell-quotes `text` as one word for a POSIX shell.
fn shell_word(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The `regionfence ask` command that asks `question` again, under `--policy POLICY` and
/// `--as-of DATE` when given, so a pasted counterexample is decided as the audit decided it.
///
/// ```
/// use regionfence::audit::ask_command;
/// use regionfence::Question;
/// let q = Question::RegionChange { workspace: "eu-west".into(), to: "us-west".into() };
/// assert_eq!(
///     ask_command(&q, Some("my policy.yaml"), "2026-01-31".parse().ok()),
///     r#"regionfence --policy 'my policy.yaml' --as-of 2026-01-31 ask '{"ask":"region-change","workspace":"eu-west","to":"us-west"}'"#
/// );
/// ```
pub fn ask_command(question: &Question, policy: Option<&str>, as_of: Option<crate::Date>) -> String {
    let mut command = "regionfence".to_string();
    if let Some(policy) = policy {
        command.push_str(" --policy ");
        command.push_str(&shell_word(policy));
    }
    if let Some(date) = as_of {
        command.push_str(&format!(" --as-of {date}"));
    }
    command.push_str(" ask ");
    command.push_str(&shell_word(&question.to_json()));
    command
}

/// Audits a policy: decides every question of its [`space`], checks every invariant on
/// every answer, and lints the policy. The questions are produced one at a time and each
/// costs a bounded amount; a policy whose space is over [`MAX_AUDIT_QUESTIONS`] is refused
/// before anything is asked.
///
/// # Examples
///
/// ```
/// use regionfence::{audit, Policy};
/// let report = audit::audit(&Policy::default_policy()).unwrap();
/// assert!(report.passed());
/// assert!(report.questions > 10_000);
/// ```
pub fn audit(policy: &Policy) -> Result<AuditReport, AuditRefused> {
    audit_with(policy, FULL_FAMILY_QUESTIONS)
}

/// [`audit`], asking each family of questions in full when its product is at most
/// `full_family_questions` and per equivalence class past it (0: every family per class).
/// The class arguments are in the README's "The proofs"; the test suite checks that a
/// per-class audit finds the same invariants broken as a full one.
pub fn audit_with(policy: &Policy, full_family_questions: u64) -> Result<AuditReport, AuditRefused> {
    let space = space_with(policy, full_family_questions);
    within_budget(policy, &space)?;
    let facts = Facts::new(policy);
    let mut results: Vec<InvariantResult> = Invariant::iter()
        .map(|invariant| InvariantResult {
            invariant,
            status: Status::Proved,
            checked: 0,
            violations: 0,
            counterexamples: Vec::new(),
        })
        .collect();
    let mut questions = 0usize;
    let mut exempted_questions = 0usize;
    let mut ask = |question: &Question| {
        questions += 1;
        let (decision, violations) = decide_and_check_with(policy, &facts, question);
        for result in results.iter_mut() {
            if applies(&facts, result.invariant, question) {
                result.checked += 1;
            }
        }
        if let Some(d) = &decision {
            if d.exemption().is_some() && applies(&facts, Invariant::Residency, question) {
                exempted_questions += 1;
            }
        }
        for v in violations {
            let Some(result) = results.iter_mut().find(|r| r.invariant == v.invariant) else {
                continue;
            };
            result.status = Status::Violated;
            result.violations += 1;
            if result.counterexamples.len() < MAX_COUNTEREXAMPLES {
                let explained = match &decision {
                    Some(d) => d.explain(policy, question),
                    // Deciding panicked: there is no decision to explain.
                    None => Explanation::bare(crate::decision::Verdict::Deny),
                };
                result.counterexamples.push(Counterexample {
                    question: question.clone(),
                    command: command(question),
                    decision: explained,
                    why: v.why,
                });
            }
        }
    };
    space.for_each(|question| ask(&question));
    // Every exemption's own flow too: an exemption names single entries, which the
    // equivalence classes of a family asked per class do not tell apart.
    exemptions::each_exemption_question(policy, &mut ask);
    Ok(AuditReport {
        policy: policy.name().to_string(),
        questions,
        plans: space.plans().to_vec(),
        strict_regions: policy
            .document()
            .regions
            .iter()
            .filter(|r| r.residency == crate::document::Residency::Strict)
            .map(|r| r.id.clone())
            .collect(),
        exempted: exempted_flows(policy),
        exempted_questions,
        as_of: policy.as_of().map(|d| d.to_string()),
        invariants: results,
        lints: lints(policy),
    })
}

impl AuditReport {
    /// The report for people.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "audit of policy `{}`: {} questions decided and checked",
            self.policy, self.questions
        );
        const SHOWN: usize = 20;
        let mut strict: Vec<String> = self
            .strict_regions
            .iter()
            .take(SHOWN)
            .map(|r| format!("`{r}`"))
            .collect();
        if self.strict_regions.len() > SHOWN {
            strict.push(format!("and {} more", self.strict_regions.len() - SHOWN));
        }
        let _ = writeln!(
            out,
            "residency is proved for the strict regions: {}{}",
            if strict.is_empty() {
                "none".to_string()
            } else {
                strict.join(", ")
            },
            self.exception_words()
        );
        for e in &self.exempted {
            let _ = writeln!(
                out,
                "  - exempted by `{}` (region `{}`): {}; owner `{}`, expires {}",
                e.exemption, e.region, e.flow, e.owner, e.expires
            );
        }
        let classes: Vec<String> = self
            .plans
            .iter()
            .filter(|p| !p.full)
            .map(|p| format!("`{}`", p.family))
            .collect();
        if !classes.is_empty() {
            let _ = writeln!(
                out,
                "asked per equivalence class (their products are over {FULL_FAMILY_QUESTIONS} questions): {}",
                classes.join(", ")
            );
        }
        for r in &self.invariants {
            match r.status {
                Status::Proved => {
                    let except = match r.invariant {
                        Invariant::Residency if self.exempted_questions > 0 => {
                            format!(", except {} allowed by exemptions", self.exempted_questions)
                        }
                        Invariant::Residency => self.exception_words(),
                        _ => String::new(),
                    };
                    let _ = writeln!(
                        out,
                        "  {:<22} proved over {} questions{except}",
                        r.invariant.to_string(),
                        r.checked
                    );
                }
                Status::Violated => {
                    let _ = writeln!(
                        out,
                        "  {:<22} VIOLATED by {} of {} questions; first counterexamples:",
                        r.invariant.to_string(),
                        r.violations,
                        r.checked
                    );
                    for c in &r.counterexamples {
                        let _ = writeln!(out, "    - {}", c.why);
                        let _ = writeln!(out, "      {}", c.command);
                    }
                }
            }
        }
        if self.lints.is_empty() {
            let _ = writeln!(out, "no warnings");
        } else {
            let _ = writeln!(out, "{} warning(s):", self.lints.len());
            for l in &self.lints {
                let _ = writeln!(out, "  {}: {}", l.code, l.message);
            }
        }
        let _ = writeln!(
            out,
            "{}",
            if self.passed() {
                format!("all invariants hold{}", self.exception_words())
            } else {
                "INVARIANTS VIOLATED".to_string()
            }
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_allows_exactly_the_limit() {
        assert!(!over_budget(0));
        assert!(!over_budget(MAX_AUDIT_QUESTIONS - 1));
        assert!(!over_budget(MAX_AUDIT_QUESTIONS));
        assert!(over_budget(MAX_AUDIT_QUESTIONS + 1));
        assert!(over_budget(u64::MAX));
    }
}
