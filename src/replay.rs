//! Replaying decision records: every record decided again by a policy, and each one whose
//! decision is no longer the recorded one reported with what differs.

use crate::compile::CompileOptions;
use crate::date::Date;
use crate::limits::MAX_RECORDS;
use crate::policy::Policy;
use crate::record::{exemption_names, DecisionRecord};
use crate::text::excerpt;
use serde::Serialize;

/// How many problems a report keeps (the counts cover them all).
pub const MAX_REPORTED: usize = 1000;

/// What went wrong with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::Display)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ProblemKind {
    /// Decided again, the decision, reasons or exemptions differ.
    Mismatch,
    /// Recorded under another policy digest, and not compared (see
    /// [`ReplayOptions::any_digest`]).
    OtherDigest,
    /// The line is not a record.
    Malformed,
}

/// One record that did not replay identically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The line of the file, from 1.
    pub line: usize,
    /// What went wrong.
    pub kind: ProblemKind,
    /// What differs, or why the line was not compared.
    pub message: String,
    /// The record's question as one line of JSON, when the line was a record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
}

/// How to replay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplayOptions {
    /// Compare records made under another policy digest too, rather than refusing them.
    pub any_digest: bool,
}

/// The result of a replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayReport {
    /// The name of the policy that decided again.
    pub policy: String,
    /// Its digest.
    pub digest: String,
    /// How many records were read (blank lines are skipped).
    pub records: usize,
    /// How many replayed identically.
    pub identical: usize,
    /// How many were decided otherwise.
    pub mismatched: usize,
    /// How many were refused: another policy digest.
    pub other_digest: usize,
    /// How many lines were not records.
    pub malformed: usize,
    /// Of those, the first [`MAX_REPORTED`] not identical, in file order.
    pub problems: Vec<Problem>,
}

impl ReplayReport {
    /// Whether there was at least one record and every record replayed identically.
    pub fn all_identical(&self) -> bool {
        self.records > 0 && self.identical == self.records
    }
}

/// A file of records refused before any is replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// More lines than [`MAX_RECORDS`].
    #[error("the file has more than {limit} lines (`limits::MAX_RECORDS`)")]
    TooManyLines {
        /// The limit.
        limit: usize,
    },
}

fn codes(codes: &[crate::decision::ReasonCode]) -> String {
    if codes.is_empty() {
        return "none".to_string();
    }
    crate::text::list(codes.iter().map(|c| c.as_str()))
}

/// The policy replayed against, evaluated at each record's own date: the exemptions a
/// decision may use are those active on the day it was recorded. A policy with no
/// exemption decides alike on every date; otherwise the policy is compiled again from its
/// document for a date other than its own, the last such one kept (records of a log come
/// in date order).
struct AtDate<'p> {
    base: &'p Policy,
    other: Option<(Option<Date>, Policy)>,
}

impl<'p> AtDate<'p> {
    fn new(base: &'p Policy) -> AtDate<'p> {
        AtDate { base, other: None }
    }

    /// The policy as of `date`, or why it cannot be compiled at that date.
    fn at(&mut self, date: Option<Date>) -> Result<&Policy, String> {
        if date == self.base.as_of() || self.base.document().exemptions.is_empty() {
            return Ok(self.base);
        }
        let cached = matches!(&self.other, Some((d, _)) if *d == date);
        if !cached {
            let options = CompileOptions { as_of: date };
            let policy =
                Policy::compile_with(self.base.document().clone(), &options).map_err(|e| e.to_string())?;
            self.other = Some((date, policy));
        }
        match &self.other {
            Some((_, policy)) => Ok(policy),
            None => Ok(self.base),
        }
    }
}

/// What differs between `record` and the decision made again as of the record's date, or
/// `None` when nothing does.
fn mismatch(record: &DecisionRecord, policies: &mut AtDate<'_>) -> Option<String> {
    let policy = match policies.at(record.as_of) {
        Ok(policy) => policy,
        Err(e) => {
            return Some(format!(
                "the policy does not compile as of the record's date: {e}"
            ))
        }
    };
    let decision = policy.decide(&record.question);
    let exemptions = exemption_names(policy, &decision);
    let reasons: Vec<_> = decision.codes().collect();
    let mut diffs = Vec::new();
    if decision.verdict() != record.decision {
        diffs.push(format!("decision {} → {}", record.decision, decision.verdict()));
    }
    if reasons != record.reasons {
        diffs.push(format!(
            "reasons {} → {}",
            codes(&record.reasons),
            codes(&reasons)
        ));
    }
    if exemptions != record.exemptions {
        let show = |e: &[String]| {
            if e.is_empty() {
                "none".to_string()
            } else {
                crate::text::list(e.iter().map(|x| excerpt(x)))
            }
        };
        diffs.push(format!(
            "exemptions {} → {}",
            show(&record.exemptions),
            show(&exemptions)
        ));
    }
    (!diffs.is_empty()).then(|| diffs.join("; "))
}

/// Replays every record of `text` (one JSON line each; blank lines skipped) against `policy`.
/// A record of another digest is refused unless `options.any_digest`; a malformed line is
/// reported with its line and column. Refused whole when it has over [`MAX_RECORDS`] lines.
///
/// # Examples
///
/// ```
/// use regionfence::replay::{replay, ReplayOptions};
/// use regionfence::{Policy, Question};
/// let policy = Policy::default_policy();
/// let q = Question::Allowlist { workspace: "eu-west".into(), warehouse: "redshift".into() };
/// let lines = format!("{}\n", policy.record(&q).to_json_line());
/// let report = replay(&policy, &lines, ReplayOptions::default()).unwrap();
/// assert!(report.all_identical());
///
/// // Another policy: refused, unless compared anyway.
/// let other = Policy::from_yaml(&regionfence::DEFAULT_POLICY_YAML.replace("3.251.148.96/29", "3.251.148.96/28")).unwrap();
/// let refused = replay(&other, &lines, ReplayOptions::default()).unwrap();
/// assert_eq!(refused.other_digest, 1);
/// let compared = replay(&other, &lines, ReplayOptions { any_digest: true }).unwrap();
/// assert_eq!(compared.identical, 1);
/// ```
pub fn replay(policy: &Policy, text: &str, options: ReplayOptions) -> Result<ReplayReport, ReplayError> {
    if text.lines().nth(MAX_RECORDS).is_some() {
        return Err(ReplayError::TooManyLines { limit: MAX_RECORDS });
    }
    let digest = policy.digest();
    let mut report = ReplayReport {
        policy: policy.name().to_string(),
        digest: digest.clone(),
        records: 0,
        identical: 0,
        mismatched: 0,
        other_digest: 0,
        malformed: 0,
        problems: Vec::new(),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut policies = AtDate::new(policy);
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        report.records += 1;
        let number = index + 1;
        let problem = match DecisionRecord::parse_line(line) {
            Err(e) => {
                report.malformed += 1;
                let message = match e {
                    crate::record::RecordError::Syntax {
                        location: Some(at),
                        message,
                    } => format!("column {}: {message}", at.column),
                    other => other.to_string(),
                };
                Problem {
                    line: number,
                    kind: ProblemKind::Malformed,
                    message,
                    question: None,
                }
            }
            Ok(record) if record.digest != digest && !options.any_digest => {
                report.other_digest += 1;
                Problem {
                    line: number,
                    kind: ProblemKind::OtherDigest,
                    message: format!(
                        "recorded under policy digest {}, not {digest}; `--any-digest` compares it anyway",
                        record.digest
                    ),
                    question: Some(record.question.to_json()),
                }
            }
            Ok(record) => match mismatch(&record, &mut policies) {
                None => {
                    report.identical += 1;
                    continue;
                }
                Some(what) => {
                    report.mismatched += 1;
                    let mut message = what;
                    if record.digest != digest {
                        message.push_str(&format!(" (recorded under policy digest {})", record.digest));
                    }
                    if record.engine != crate::record::ENGINE_VERSION {
                        message.push_str(&format!(" (recorded by engine {})", excerpt(&record.engine)));
                    }
                    Problem {
                        line: number,
                        kind: ProblemKind::Mismatch,
                        message,
                        question: Some(record.question.to_json()),
                    }
                }
            },
        };
        if report.problems.len() < MAX_REPORTED {
            report.problems.push(problem);
        }
    }
    Ok(report)
}

impl ReplayReport {
    /// The report for people: the counts, then each problem (at most [`MAX_REPORTED`]) with
    /// its line.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "replay against policy `{}` (digest {}): {} records, {} identical, {} mismatched, {} of another digest, {} malformed",
            excerpt(&self.policy),
            self.digest,
            self.records,
            self.identical,
            self.mismatched,
            self.other_digest,
            self.malformed
        );
        for p in &self.problems {
            let _ = writeln!(out, "  line {}: {}: {}", p.line, p.kind, p.message);
            if let Some(q) = &p.question {
                let _ = writeln!(out, "      {}", crate::text::bounded(q, 400));
            }
        }
        let shown = self.problems.len();
        let all = self.mismatched + self.other_digest + self.malformed;
        if all > shown {
            let _ = writeln!(out, "  … and {} more", all - shown);
        }
        out
    }
}
