//! The command-line commands as library functions: each reads its inputs, writes its
//! output and returns an [`Outcome`]; `main.rs` only parses arguments.

mod as_of;
mod check_workspace;
mod coverage;
mod diff;
mod error;
mod eval;
mod import_segment;
mod records;
pub mod write_back;

pub use as_of::{as_of, today_utc, with_as_of};
pub use check_workspace::{check_workspace, CheckWorkspace};
pub use coverage::test_coverage;
pub use diff::{diff, FailOn};
pub use error::{CaseFileError, PolicyFileError, PolicyPathError, PolicyPathProblem, ReadError};
pub use eval::{eval, EvalOptions, MAX_THREADS};
pub use import_segment::{import_segment, ImportSegment};
pub use records::{ask_record, replay};

use crate::cases::{CaseFile, CaseResult};
use crate::policy::Policy;
use crate::question::Question;
use crate::text::escape_control;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// How a command ended, as a process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed, all cases passed, every invariant proved: exit 0.
    Success,
    /// Something was wrong with the inputs (unreadable file, bad policy, bad question) or a
    /// test case failed: exit 1.
    Failure,
    /// The question was denied: exit 2.
    Denied,
    /// The audit found an invariant violated: exit 3.
    Violated,
    /// Some record did not replay identically: exit 2.
    Mismatched,
    /// The diff met its `--fail-on` condition: exit 4.
    Changed,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Failure => 1,
            Outcome::Denied => 2,
            Outcome::Violated => 3,
            Outcome::Mismatched => 2,
            Outcome::Changed => 4,
        }
    }
}

/// Output format for reports.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumString, strum::Display, strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// For machines.
    Json,
}

/// Loads the policy at `path`, or the embedded default, evaluated at [`as_of`] (the
/// `--as-of` date, else today in UTC).
pub fn load_policy(path: Option<&Path>) -> Result<Policy, PolicyFileError> {
    let options = crate::CompileOptions::new().as_of(as_of());
    match path {
        None => Policy::default_policy_with(&options).map_err(|error| PolicyFileError::Invalid {
            path: Path::new("(embedded default)").to_path_buf(),
            error: Box::new(error),
        }),
        Some(path) => Policy::from_path(path, &options),
    }
}

/// Reads a regular file, refusing one over `limit` bytes before reading it whole. A named
/// pipe, a device or a directory is refused before it is opened (opening a pipe would wait
/// for a writer), and the opened file is checked again.
pub fn read_limited(path: &Path, limit: usize) -> Result<String, ReadError> {
    if path.as_os_str().is_empty() {
        return Err(ReadError::EmptyPath);
    }
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let regular = |metadata: std::io::Result<std::fs::Metadata>| match metadata {
        Ok(m) if m.is_file() => Ok(m.len()),
        Ok(_) => Err(ReadError::NotRegularFile {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(io(e)),
    };
    regular(std::fs::metadata(path))?;
    let file = std::fs::File::open(path).map_err(io)?;
    let size = regular(file.metadata())?;
    if size > limit as u64 {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit,
        });
    }
    let mut text = String::new();
    file.take(limit as u64 + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() > limit {
        return Err(ReadError::GrewPastLimit {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(text)
}

/// A path as shown in a message: control characters escaped, length bounded.
pub(crate) fn shown_path(path: &Path) -> String {
    crate::text::bounded(&path.to_string_lossy(), 256)
}

/// The policy a case file names: `written` is relative to the case file's folder and must
/// stay inside it (no absolute path, no `..` or link leading out), and name a regular file.
/// A policy elsewhere is passed with `--policy`.
pub fn case_policy_path(case_file: &Path, written: &str) -> Result<PathBuf, PolicyPathError> {
    let refuse = |problem| {
        Err(PolicyPathError {
            case_file: case_file.to_path_buf(),
            written: written.to_string(),
            problem,
        })
    };
    if written.trim().is_empty() {
        return refuse(PolicyPathProblem::Empty);
    }
    let relative = Path::new(written);
    if relative.is_absolute() || relative.has_root() {
        return refuse(PolicyPathProblem::NotRelative);
    }
    let folder = match case_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let (Ok(folder), Ok(target)) = (folder.canonicalize(), folder.join(relative).canonicalize()) else {
        return refuse(PolicyPathProblem::Missing);
    };
    if !target.starts_with(&folder) {
        return refuse(PolicyPathProblem::OutsideFolder);
    }
    Ok(target)
}

/// `regionfence ask`: prints the decision as JSON; allow → success, deny → denied.
pub fn ask(
    policy: Option<&Path>,
    question: Option<&str>,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let (policy, question) = match ask_inputs(policy, question, stdin) {
        Ok(inputs) => inputs,
        Err(e) => return fail(err, &e),
    };
    let decision = policy.decide(&question);
    let _ = writeln!(out, "{}", decision.explain(&policy, &question).to_json_pretty());
    if decision.is_allowed() {
        Outcome::Success
    } else {
        Outcome::Denied
    }
}

/// The inputs of `regionfence ask` (with or without `--record`): the policy, then the
/// question; the first that cannot be had is the error.
pub(crate) fn ask_inputs(
    policy: Option<&Path>,
    question: Option<&str>,
    stdin: &mut dyn Read,
) -> Result<(Policy, Question), String> {
    let policy = load_policy(policy).map_err(|e| e.to_string())?;
    let question = read_question(question, stdin)?;
    Ok((policy, question))
}

/// The question of `regionfence ask`: the argument, or standard input when it is absent or
/// `-` (read within the question limit).
pub(crate) fn read_question(question: Option<&str>, stdin: &mut dyn Read) -> Result<Question, String> {
    let text = match question {
        Some(q) if q != "-" => q.to_string(),
        _ => {
            let mut text = String::new();
            let limit = crate::limits::MAX_QUESTION_BYTES as u64 + 1;
            stdin
                .take(limit)
                .read_to_string(&mut text)
                .map_err(|e| format!("reading standard input: {e}"))?;
            text
        }
    };
    Question::parse(&text).map_err(|e| format!("question: {e}"))
}

/// `regionfence test`: runs every case of every file; failure if any case fails.
pub fn test(
    policy: Option<&Path>,
    files: &[PathBuf],
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let override_policy = match policy.map(|p| load_policy(Some(p))).transpose() {
        Ok(p) => p,
        Err(e) => return fail(err, &e),
    };
    let mut reports = Vec::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in files {
        let results = match run_case_file(file, override_policy.as_ref()) {
            Ok(r) => r,
            Err(e) => return fail(err, &e),
        };
        for r in &results {
            if r.passed {
                passed += 1;
            } else {
                failed += 1;
            }
        }
        reports.push((file.to_string_lossy().into_owned(), results));
    }
    match format {
        Format::Json => {
            let json: Vec<_> = reports
                .iter()
                .map(|(file, cases)| serde_json::json!({"file": file, "cases": cases}))
                .collect();
            let summary = serde_json::json!({"passed": passed, "failed": failed, "files": json});
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            );
        }
        Format::Text => {
            // Names come from the case file: escaped, so none can rewrite a line on a terminal.
            for (file, cases) in &reports {
                let _ = writeln!(out, "{}", escape_control(file));
                for case in cases {
                    let mark = if case.passed { "ok  " } else { "FAIL" };
                    let _ = writeln!(
                        out,
                        "  {mark} {} ({}: {})",
                        escape_control(&case.name),
                        case.decision,
                        case.reasons.join(", ")
                    );
                    for why in &case.failures {
                        let _ = writeln!(out, "       {}", escape_control(why));
                    }
                }
            }
            let _ = writeln!(out, "{passed} passed, {failed} failed");
        }
    }
    if failed == 0 {
        Outcome::Success
    } else {
        Outcome::Failure
    }
}

/// Runs one case file: against `policy` when given, else the file's own `policy:` (relative
/// to the file), else the embedded default.
pub fn run_case_file(path: &Path, policy: Option<&Policy>) -> Result<Vec<CaseResult>, CaseFileError> {
    let text = read_limited(path, crate::limits::MAX_POLICY_BYTES)?;
    let file = CaseFile::parse(&text).map_err(|error| CaseFileError::Invalid {
        path: path.to_path_buf(),
        error,
    })?;
    let own;
    let policy = match (policy, &file.policy) {
        (Some(p), _) => p,
        (None, Some(written)) => {
            own = load_policy(Some(&case_policy_path(path, written)?))?;
            &own
        }
        (None, None) => {
            own = load_policy(None)?;
            &own
        }
    };
    Ok(file.cases.iter().map(|c| c.run(policy)).collect())
}

/// `regionfence check`: loads each policy and says whether it is valid.
pub fn check(policy: Option<&Path>, files: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let mut targets: Vec<Option<&Path>> = files.iter().map(|f| Some(f.as_path())).collect();
    match (policy, targets.is_empty()) {
        (_, true) => targets.push(policy),
        // Both say which policy to check: check both rather than ignore one.
        (Some(p), false) => targets.insert(0, Some(p)),
        (None, false) => {}
    }
    let mut outcome = Outcome::Success;
    for target in targets {
        let name = target.map_or("(embedded default)".to_string(), shown_path);
        match load_policy(target) {
            Ok(p) => {
                let _ = writeln!(
                    out,
                    "{name}: ok: policy `{}`, digest {}",
                    crate::text::excerpt(p.name()),
                    p.digest()
                );
            }
            Err(e) => {
                let _ = writeln!(err, "error: {}", escape_control(&e.to_string()));
                outcome = Outcome::Failure;
            }
        }
    }
    outcome
}

/// `regionfence compile`: loads a YAML policy and writes its compiled form (to `output`, or
/// standard output), which [`Policy::from_compiled`] loads without the YAML parser.
pub fn compile(input: &Path, output: Option<&Path>, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let text = match read_limited(input, crate::limits::MAX_POLICY_BYTES) {
        Ok(text) => text,
        Err(e) => return fail(err, &e),
    };
    let policy = match Policy::from_yaml(&text) {
        Ok(policy) => policy,
        Err(e) => return fail(err, &format!("{}: {e}", shown_path(input))),
    };
    let compiled = policy.to_compiled(&text);
    match output {
        None => match out.write_all(compiled.as_bytes()) {
            Ok(()) => Outcome::Success,
            // The reader went away (`compile … | head`): stop quietly, as every command does.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Outcome::Success,
            Err(e) => fail(err, &e.to_string()),
        },
        Some(path) => match std::fs::write(path, compiled) {
            Ok(()) => Outcome::Success,
            Err(e) => fail(err, &format!("{}: {e}", shown_path(path))),
        },
    }
}

pub(crate) fn fail(err: &mut dyn Write, message: &dyn std::fmt::Display) -> Outcome {
    let _ = writeln!(err, "error: {}", escape_control(&message.to_string()));
    Outcome::Failure
}

/// `regionfence audit`: proves the invariants over the policy's question space; success
/// when all hold, violated otherwise.
pub fn audit(policy: Option<&Path>, format: Format, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let policy_path = policy;
    let policy = match load_policy(policy) {
        Ok(p) => p,
        Err(e) => return fail(err, &e),
    };
    let started = std::time::Instant::now();
    let mut report = match crate::audit::audit(&policy) {
        Ok(report) => report,
        Err(refused) => return fail(err, &refused.to_string()),
    };
    // A counterexample pasted back is asked of the same file at the same date.
    if let Some(path) = policy_path {
        report.reproduce_with(path.to_str(), Some(as_of()));
    }
    let elapsed = started.elapsed();
    match format {
        Format::Json => {
            let json = serde_json::json!({
                "passed": report.passed(),
                "digest": policy.digest(),
                "elapsed_ms": elapsed.as_secs_f64() * 1000.0,
                "report": report,
            });
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&json).unwrap_or_default());
        }
        Format::Text => {
            for line in report.to_text().lines() {
                let _ = writeln!(out, "{}", escape_control(line));
            }
            let _ = writeln!(out, "policy digest: {}", policy.digest());
            let _ = writeln!(out, "({:.1} ms)", elapsed.as_secs_f64() * 1000.0);
        }
    }
    if report.passed() {
        Outcome::Success
    } else {
        Outcome::Violated
    }
}

/// `regionfence graph`: prints the policy's allowed flows as DOT or Mermaid.
pub fn graph(
    policy: Option<&Path>,
    format: crate::graph::GraphFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    match load_policy(policy) {
        Ok(p) => match p.flow_graph() {
            Ok(g) => {
                let _ = write!(out, "{}", g.render(format));
                Outcome::Success
            }
            Err(refused) => fail(err, &refused.to_string()),
        },
        Err(e) => fail(err, &e),
    }
}
