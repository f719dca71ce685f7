//! `regionfence test --coverage`: the test run, then how much of each policy's decision
//! space its case files exercise.

use super::{case_policy_path, fail, load_policy, read_limited, shown_path, test, Format, Outcome};
use crate::cases::{Case, CaseFile};
use crate::coverage::{Coverage, DecisionSpace};
use crate::policy::Policy;
use crate::text::escape_control;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which policy a case file runs against.
#[derive(PartialEq, Eq)]
enum PolicyKey {
    /// `--policy`.
    Given,
    /// The embedded default.
    Default,
    /// The file's own `policy:`, resolved.
    File(PathBuf),
}

/// The case files that run against one policy.
struct Suite {
    key: PolicyKey,
    /// The policy as reports name it.
    shown: String,
    policy: Policy,
    files: Vec<String>,
    cases: Vec<Case>,
}

/// `regionfence test FILE... --coverage [--min-coverage PCT]`: runs the cases as
/// [`test`](super::test) does and prints its report, then the coverage of each policy's decision space by
/// the case files that run against it (files sharing a policy are measured together). With
/// `--format json` the test report gains a `coverage` list. The outcome is the test run's,
/// or a failure when a policy's coverage is under `min_coverage` (a percentage).
pub fn test_coverage(
    policy: Option<&Path>,
    files: &[PathBuf],
    format: Format,
    min_coverage: Option<f64>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let mut report = Vec::new();
    let outcome = test(policy, files, format, &mut report, err);
    if report.is_empty() {
        // The run stopped on an error, already reported.
        return outcome;
    }
    let suites = match suites(policy, files) {
        Ok(s) => s,
        Err(e) => {
            let _ = out.write_all(&report);
            return fail(err, &e);
        }
    };
    let mut measured: Vec<(&Suite, Coverage)> = Vec::new();
    for suite in &suites {
        match DecisionSpace::new(&suite.policy) {
            Ok(space) => measured.push((suite, space.coverage(suite.cases.iter().map(|c| &c.question)))),
            Err(refused) => {
                let _ = out.write_all(&report);
                return fail(err, &refused.to_string());
            }
        }
    }
    match format {
        Format::Json => {
            let coverage: Vec<serde_json::Value> = measured
                .iter()
                .map(|(suite, c)| {
                    let mut value = serde_json::to_value(c).unwrap_or_default();
                    if let Some(map) = value.as_object_mut() {
                        map.insert("files".to_string(), serde_json::json!(suite.files));
                    }
                    value
                })
                .collect();
            match serde_json::from_slice::<serde_json::Value>(&report) {
                Ok(serde_json::Value::Object(mut map)) => {
                    map.insert("coverage".to_string(), serde_json::Value::Array(coverage));
                    let _ = writeln!(out, "{}", serde_json::to_string_pretty(&map).unwrap_or_default());
                }
                _ => {
                    let _ = out.write_all(&report);
                }
            }
        }
        Format::Text => {
            let _ = out.write_all(&report);
            for (suite, c) in &measured {
                let _ = writeln!(
                    out,
                    "\n{} (policy: {})",
                    escape_control(&crate::text::list(&suite.files)),
                    escape_control(&suite.shown)
                );
                for line in c.to_text().lines() {
                    let _ = writeln!(out, "{}", escape_control(line));
                }
            }
        }
    }
    if let Some(min) = min_coverage {
        let mut under = false;
        for (_, c) in &measured {
            if c.percent < min {
                under = true;
                let _ = writeln!(
                    err,
                    "error: coverage of policy `{}` is {:.1}%, under --min-coverage {min}",
                    escape_control(&c.policy),
                    c.percent
                );
            }
        }
        if under {
            return Outcome::Failure;
        }
    }
    outcome
}

/// Reads every case file and groups them by the policy they run against, in order of first
/// appearance.
fn suites(policy: Option<&Path>, files: &[PathBuf]) -> Result<Vec<Suite>, String> {
    let mut suites: Vec<Suite> = Vec::new();
    let given = policy
        .map(|p| load_policy(Some(p)))
        .transpose()
        .map_err(|e| e.to_string())?;
    for path in files {
        let text = read_limited(path, crate::limits::MAX_POLICY_BYTES).map_err(|e| e.to_string())?;
        let file = CaseFile::parse(&text).map_err(|e| format!("{}: {e}", shown_path(path)))?;
        let key = match (&given, &file.policy) {
            (Some(_), _) => PolicyKey::Given,
            (None, Some(written)) => {
                PolicyKey::File(case_policy_path(path, written).map_err(|e| e.to_string())?)
            }
            (None, None) => PolicyKey::Default,
        };
        let name = shown_path(path);
        if let Some(suite) = suites.iter_mut().find(|s| s.key == key) {
            suite.files.push(name);
            suite.cases.extend(file.cases);
            continue;
        }
        let (policy, shown) = match (&key, &given, &file.policy) {
            (PolicyKey::Given, Some(p), _) => (
                p.clone(),
                format!("--policy {}", policy.map(shown_path).unwrap_or_default()),
            ),
            (PolicyKey::File(p), _, Some(written)) => (
                load_policy(Some(p)).map_err(|e| e.to_string())?,
                shown_path(&path.parent().unwrap_or(Path::new("")).join(written)),
            ),
            _ => (Policy::default_policy(), "the embedded default".to_string()),
        };
        suites.push(Suite {
            key,
            shown,
            policy,
            files: vec![name],
            cases: file.cases,
        });
    }
    Ok(suites)
}
