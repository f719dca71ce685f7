#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The `regionfence` command line: `ask`, `test`, `check` and `--policy`, run as the built
//! binary (exit codes, standard output and error) and as `regionfence::cli` library calls.

use regionfence::cli::{self, Format, Outcome};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ALLOWED: &str =
    r#"{"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "events.eu1.segmentapis.com"}"#;
const DENIED: &str = r#"{"ask":"connect","workspace":"eu-west","warehouse":"redshift","ip":"52.25.130.38"}"#;
const ALLOWED_YAML: &str = "ask: resolve\nworkspace: eu-west\nsource: node-js\n";

const CASES: &str = r#"
cases:
  - {name: eu ingest allowed, ask: ingest, workspace: eu-west, source: javascript, host: events.eu1.segmentapis.com, expect: allow, reason: host-in-region}
  - {name: eu to us host denied, ask: ingest, workspace: eu-west, source: javascript, host: api.segment.io, expect: deny, reason: ingestion-outside-region}
  - {name: eu redshift allowlist, ask: allowlist, workspace: eu-west, warehouse: redshift, expect: allow, expect_cidrs: [3.251.148.96/29]}
"#;

const FAILING_CASES: &str = r#"
cases:
  - {name: passes, ask: region-change, workspace: eu-west, to: eu-west, expect: allow}
  - {name: wrong verdict, ask: region-change, workspace: eu-west, to: us-west, expect: allow}
"#;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs the built binary with `args`, feeding `stdin`.
fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// A scratch file unique to this test process and `name`.
fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regionfence-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

// ---------------------------------------------------------------------------------------------
// ask

#[test]
fn ask_allowed_json_exits_0_with_the_decision_as_json() {
    let o = run(&["ask", ALLOWED], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["decision"], "allow");
    assert_eq!(v["reasons"][0]["code"], "host-in-region");
    let message = v["reasons"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("regions[eu-west].ingestion[dublin].hosts"),
        "{message}"
    );
    assert!(stderr(&o).is_empty());
}

#[test]
fn ask_denied_exits_2_with_the_reasons() {
    let o = run(&["ask", DENIED], "");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["decision"], "deny");
    assert_eq!(v["reasons"][0]["code"], "ip-not-allowlisted");
    let message = v["reasons"][0]["message"].as_str().unwrap();
    assert!(message.contains("3.251.148.96/29"), "{message}");
    assert!(
        message.contains("it is a loader of region `us-west`"),
        "{message}"
    );
}

#[test]
fn ask_takes_yaml_and_reports_what_was_resolved() {
    let o = run(&["ask", ALLOWED_YAML], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["host"], "events.eu1.segmentapis.com");
    assert_eq!(v["mechanism"], "host-parameter");
    assert_eq!(v["ingestion"], "dublin");
}

#[test]
fn ask_reads_standard_input_without_a_question_or_with_a_dash() {
    for args in [&["ask"][..], &["ask", "-"][..]] {
        let o = run(args, ALLOWED_YAML);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(json(&o)["host"], "events.eu1.segmentapis.com");
        let o = run(args, DENIED);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn ask_a_bad_question_exits_1_with_a_message_on_stderr() {
    for (question, says) in [
        (r#"{"ask": "teleport"}"#, "unknown variant `teleport`"),
        (
            r#"{"ask": "ingest", "workspace": "eu-west"}"#,
            "missing field `source`",
        ),
        (
            r#"{"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "x", "extra": 1}"#,
            "unknown field `extra`",
        ),
        ("{not json", "question:"),
    ] {
        let o = run(&["ask", question], "");
        assert_eq!(o.status.code(), Some(1), "{question}");
        assert!(stdout(&o).is_empty(), "{question}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(err.starts_with("error: question: "), "{err}");
        assert!(err.contains(says), "{question}: {err}");
    }
    // An empty standard input is not a question either.
    let o = run(&["ask"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("error: question: "));
}

#[test]
fn ask_an_oversized_question_is_refused() {
    let question = format!(
        r#"{{"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "{}"}}"#,
        "a".repeat(70_000)
    );
    let o = run(&["ask"], &question);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("over the limit of 65536 bytes"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------------------------------------
// --policy

#[test]
fn policy_a_bad_policy_exits_1_with_its_message_line_and_column() {
    let bad = repo("policies/invalid/cidr-host-bits.yaml");
    let expected = std::fs::read_to_string(repo("policies/invalid/cidr-host-bits.expected")).unwrap();
    let expected = expected.trim_end();
    assert!(expected.starts_with("line 18, column 24: "));
    for args in [
        vec!["--policy", bad.to_str().unwrap(), "ask", ALLOWED],
        vec!["ask", "--policy", bad.to_str().unwrap(), ALLOWED],
        vec!["--policy", bad.to_str().unwrap(), "check"],
    ] {
        let o = run(&args, "");
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(
            err.contains("cidr-host-bits.yaml"),
            "the message names the file: {err}"
        );
    }
}

#[test]
fn policy_a_missing_policy_file_exits_1() {
    let o = run(&["--policy", "/nonexistent/policy.yaml", "ask", ALLOWED], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/policy.yaml"));
}

#[test]
fn policy_another_policy_answers_by_its_own_rules() {
    let p2025 = repo("policies/segment-2025.yaml");
    let q = r#"{"ask":"ingest","workspace":"eu-west","source":"amazon-s3","host":"https://events.eu1.segmentapis.com/v1"}"#;
    assert_eq!(
        run(&["ask", q], "").status.code(),
        Some(2),
        "no EU cloud sources in 2022"
    );
    let o = run(&["--policy", p2025.to_str().unwrap(), "ask", q], "");
    assert_eq!(
        o.status.code(),
        Some(0),
        "an EU cloud event source today: {}",
        stdout(&o)
    );
}

// ---------------------------------------------------------------------------------------------
// test

#[test]
fn test_text_report_lists_each_case_and_a_summary() {
    let file = scratch("passing.cases.yaml", CASES);
    let o = run(&["test", file.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("  ok   eu ingest allowed (allow: host-in-region)"),
        "{out}"
    );
    assert!(
        out.contains("  ok   eu to us host denied (deny: ingestion-outside-region)"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("3 passed, 0 failed"), "{out}");
}

#[test]
fn test_json_report_has_each_case_with_name_passed_decision_and_reasons() {
    let file = scratch("json.cases.yaml", CASES);
    let o = run(&["test", file.to_str().unwrap(), "--format", "json"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["passed"], 3);
    assert_eq!(v["failed"], 0);
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
    assert!(v["files"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("json.cases.yaml"));
    let cases = v["files"][0]["cases"].as_array().unwrap();
    let expected = [
        ("eu ingest allowed", "allow", "host-in-region"),
        ("eu to us host denied", "deny", "ingestion-outside-region"),
        ("eu redshift allowlist", "allow", "allowlist-required"),
    ];
    assert_eq!(cases.len(), expected.len());
    for (case, (name, decision, reason)) in cases.iter().zip(expected) {
        assert_eq!(case["name"], name);
        assert_eq!(case["passed"], true);
        assert_eq!(case["decision"], decision);
        assert_eq!(case["reasons"], serde_json::json!([reason]));
        assert!(
            case.get("failures").is_none(),
            "no failures key when passed: {case}"
        );
    }
}

#[test]
fn test_a_failing_case_file_exits_1_and_says_why() {
    let file = scratch("failing.cases.yaml", FAILING_CASES);
    let o = run(&["test", file.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("  FAIL wrong verdict (deny: region-immutable)"),
        "{out}"
    );
    assert!(out.contains("expected allow, got deny"), "{out}");
    assert!(out.trim_end().ends_with("1 passed, 1 failed"), "{out}");

    let o = run(&["test", file.to_str().unwrap(), "--format", "json"], "");
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!((v["passed"].as_u64(), v["failed"].as_u64()), (Some(1), Some(1)));
    let failed = &v["files"][0]["cases"][1];
    assert_eq!(failed["passed"], false);
    assert_eq!(failed["failures"][0], "expected allow, got deny");
}

#[test]
fn test_runs_several_files_and_fails_on_an_unreadable_one() {
    let a = scratch("a.cases.yaml", CASES);
    let b = scratch("b.cases.yaml", CASES);
    let o = run(&["test", a.to_str().unwrap(), b.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).trim_end().ends_with("6 passed, 0 failed"));

    let o = run(&["test", "/nonexistent.cases.yaml"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));

    let bad = scratch("bad.cases.yaml", "cases:\n  - {name: x, ask: region-change, workspace: eu-west, to: eu-west, expect: allow, reason: region-unchnged}\n");
    let o = run(&["test", bad.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("did you mean `region-unchanged`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn test_a_case_file_may_name_its_own_policy() {
    // The policy lies beside the case file; it is named relative to it.
    let p2025 = std::fs::read_to_string(repo("policies/segment-2025.yaml")).unwrap();
    scratch("own-policy-2025.yaml", &p2025);
    let text = "policy: own-policy-2025.yaml\ncases:\n  - {name: amazon-s3 is an EU source today, ask: ingest, workspace: eu-west, source: amazon-s3, host: events.eu1.segmentapis.com, expect: allow}\n";
    let file = scratch("own-policy.cases.yaml", text);
    let o = run(&["test", file.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // `--policy` overrides the file's own policy.
    let o = run(
        &[
            "--policy",
            repo("policies/segment.yaml").to_str().unwrap(),
            "test",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

#[test]
fn test_needs_a_file() {
    let o = run(&["test"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).is_empty());
}

// ---------------------------------------------------------------------------------------------
// check

#[test]
fn check_validates_the_embedded_default_and_named_files() {
    let o = run(&["check"], "");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).trim_end(),
        format!(
            "(embedded default): ok: policy `segment-regional-2022`, digest {}",
            regionfence::Policy::default_policy().digest()
        )
    );

    let a = repo("policies/segment.yaml");
    let b = repo("policies/segment-2025.yaml");
    let o = run(&["check", a.to_str().unwrap(), b.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("segment.yaml: ok: policy `segment-regional-2022`"),
        "{out}"
    );
    assert!(
        out.contains("segment-2025.yaml: ok: policy `segment-regional-2025`"),
        "{out}"
    );
}

#[test]
fn check_fails_on_any_invalid_file_and_still_reports_the_valid_ones() {
    let good = repo("policies/segment.yaml");
    let bad = repo("policies/invalid/unknown-group-reference.yaml");
    let o = run(&["check", good.to_str().unwrap(), bad.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("segment.yaml: ok"));
    let err = stderr(&o);
    assert!(
        err.contains("unknown-group-reference.yaml: line 14, column 19: unknown group `euu`"),
        "{err}"
    );
    assert!(err.contains("did you mean `eu`?"), "{err}");
}

#[test]
fn an_unknown_command_exits_1_and_help_exits_0() {
    assert_eq!(run(&["teleport"], "").status.code(), Some(1));
    let o = run(&["--help"], "");
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("ask"));
}

// ---------------------------------------------------------------------------------------------
// The same commands as library calls, with in-memory readers and writers.

#[test]
fn library_ask_writes_json_and_returns_the_outcome() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcome = cli::ask(None, Some(ALLOWED), &mut std::io::empty(), &mut out, &mut err);
    assert_eq!(outcome, Outcome::Success);
    assert_eq!(outcome.code(), 0);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["decision"], "allow");
    assert!(err.is_empty());

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stdin = std::io::Cursor::new(DENIED.as_bytes());
    let outcome = cli::ask(None, None, &mut stdin, &mut out, &mut err);
    assert_eq!((outcome, outcome.code()), (Outcome::Denied, 2));
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["decision"], "deny");

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stdin = std::io::Cursor::new(ALLOWED_YAML.as_bytes());
    assert_eq!(
        cli::ask(None, Some("-"), &mut stdin, &mut out, &mut err),
        Outcome::Success
    );

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcome = cli::ask(None, Some("ask: [1"), &mut std::io::empty(), &mut out, &mut err);
    assert_eq!((outcome, outcome.code()), (Outcome::Failure, 1));
    assert!(out.is_empty());
    assert!(String::from_utf8(err).unwrap().starts_with("error: question: "));
}

#[test]
fn library_ask_with_a_bad_policy_fails_before_reading_the_question() {
    let bad = repo("policies/invalid/duplicate-region.yaml");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcome = cli::ask(
        Some(&bad),
        Some(ALLOWED),
        &mut std::io::empty(),
        &mut out,
        &mut err,
    );
    assert_eq!(outcome, Outcome::Failure);
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("line 21, column 9: duplicate region `eu-west`"),
        "{err}"
    );
}

#[test]
fn library_test_reports_in_both_formats() {
    let file = scratch("library.cases.yaml", CASES);
    let failing = scratch("library-failing.cases.yaml", FAILING_CASES);

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcome = cli::test(
        None,
        std::slice::from_ref(&file),
        Format::Text,
        &mut out,
        &mut err,
    );
    assert_eq!(outcome, Outcome::Success);
    assert!(String::from_utf8(out).unwrap().contains("3 passed, 0 failed"));

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcome = cli::test(None, &[file, failing], Format::Json, &mut out, &mut err);
    assert_eq!(outcome, Outcome::Failure);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!((v["passed"].as_u64(), v["failed"].as_u64()), (Some(4), Some(1)));
    assert_eq!(v["files"][1]["cases"][1]["name"], "wrong verdict");
    assert_eq!(
        v["files"][1]["cases"][1]["reasons"],
        serde_json::json!(["region-immutable"])
    );
}

#[test]
fn library_check_and_run_case_file() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(cli::check(None, &[], &mut out, &mut err), Outcome::Success);
    assert!(String::from_utf8(out).unwrap().contains("(embedded default): ok"));

    let bad = repo("policies/invalid/no-default-region.yaml");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(cli::check(None, &[bad], &mut out, &mut err), Outcome::Failure);
    assert!(String::from_utf8(err)
        .unwrap()
        .contains("exactly one region must be `default: true`; found 0"));

    let file = scratch("run.cases.yaml", CASES);
    let results = cli::run_case_file(&file, None).unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r.passed));
    assert_eq!(results[2].reasons, ["allowlist-required"]);
}

// -------------------------------------------------------------------------------------------
// Papercuts a newcomer met.

/// Runs the binary with its standard output read for `keep` bytes and then closed, as
/// `| head -c keep` does.
fn run_into_closed_pipe(args: &[&str], stdin: &[u8], keep: usize) -> Output {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut kept = vec![0u8; keep];
    child.stdout.take().unwrap().read_exact(&mut kept).unwrap();
    // The read end is closed here, as `head` closes it.
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    output
}

#[test]
fn a_reader_that_goes_away_ends_eval_and_compile_quietly() {
    let line = format!("{DENIED}\n");
    let log = line.repeat(200_000);
    let out = run_into_closed_pipe(&["eval", "-"], log.as_bytes(), 100);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Broken pipe"), "{}", stderr(&out));
    let policy = repo("policies/segment-2025.yaml");
    let out = run_into_closed_pipe(&["compile", policy.to_str().unwrap()], b"", 10);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn a_global_option_a_command_does_not_use_is_refused() {
    let policy = repo("policies/segment.yaml");
    let policy = policy.to_str().unwrap();
    for args in [
        vec!["--policy", policy, "compile", policy],
        vec!["--as-of", "2026-01-01", "compile", policy],
        vec!["--policy", policy, "diff", policy, policy],
        vec![
            "--policy",
            policy,
            "import-segment",
            "tests/fixtures/segment-api/eu",
        ],
        vec![
            "--as-of",
            "2026-01-01",
            "import-segment",
            "tests/fixtures/segment-api/eu",
        ],
    ] {
        let out = run(&args, "");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains("no place in it"), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn a_text_that_is_no_question_is_told_what_a_question_is() {
    for text in ["not json", "3", "[1]"] {
        let out = run(&["ask", text], "");
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("a mapping with `ask` (ingest, resolve,"),
            "{text}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("internally tagged"), "{}", stderr(&out));
    }
}

#[test]
fn the_compiled_form_loads_wherever_a_policy_file_does() {
    let compiled = repo("policies/segment.compiled.json");
    let compiled = compiled.to_str().unwrap();
    let out = run(&["--policy", compiled, "ask", ALLOWED], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["check", compiled], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let yaml = run(
        &[
            "--policy",
            repo("policies/segment.yaml").to_str().unwrap(),
            "check",
        ],
        "",
    );
    let digest = |o: &Output| stdout(o).rsplit(' ').next().unwrap().trim().to_string();
    assert_eq!(digest(&out), digest(&yaml));
}

#[test]
fn an_audit_counterexample_pasted_back_asks_the_same_policy_at_the_same_date() {
    let broken = repo("policies/broken/strict-delivers-anywhere.yaml");
    let broken = broken.to_str().unwrap();
    let out = run(&["--policy", broken, "--as-of", "2026-02-01", "audit"], "");
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let command = stdout(&out)
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("regionfence "))
        .unwrap()
        .to_string();
    let prefix = format!("regionfence --policy '{broken}' --as-of 2026-02-01 ask '");
    assert!(command.starts_with(&prefix), "{command}");
    // Pasted into a shell, it asks that question of that policy and gets the violating answer.
    let out = Command::new("sh")
        .arg("-c")
        .arg(command.replacen("regionfence", env!("CARGO_BIN_EXE_regionfence"), 1))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["decision"], "allow");
}
