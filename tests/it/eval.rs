//! `regionfence eval` as a user runs it: a file or standard input, records on standard
//! output, the summary alone on standard error when piped, exit 1 when a line was bad.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn eval(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .arg("eval")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A run that fails before reading (a missing policy) closes its input: not an error here.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

const LOG: &str = concat!(
    r#"{"ask":"ingest","workspace":"eu-west","source":"javascript","host":"https://events.eu1.segmentapis.com/v1"}"#,
    "\n",
    r#"{"ask":"ingest","workspace":"eu-west","source":"node-js","host":"api.segment.io"}"#,
    "\n",
    r#"{"ask":"deliver","workspace":"eu-west","destination":"amplitude"}"#,
    "\n"
);

#[test]
fn standard_input_in_records_out_summary_on_stderr() {
    let out = eval(&[], LOG);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let verdicts: Vec<_> = records.iter().map(|r| r["decision"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["allow", "deny", "allow"]);
    assert_eq!(records[1]["reasons"][0], "ingestion-outside-region");
    assert_eq!(records[2]["question"]["destination"], "amplitude");
    let stderr = String::from_utf8(out.stderr).unwrap();
    // Piped: the summary and nothing else (no progress bar, no escape codes).
    assert!(
        stderr.starts_with("eval: 3 lines, 3 decided, 0 errors"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 4, "{stderr}");
    assert!(!stderr.contains('\u{1b}'));
}

#[test]
fn a_file_threads_and_a_policy() {
    let dir = std::env::temp_dir().join(format!("rf-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("log.jsonl");
    std::fs::write(&file, format!("{LOG}oops\n")).unwrap();
    let path = file.to_str().unwrap();
    let one = eval(&[path], "");
    let two = eval(&[path, "--threads", "3"], "");
    assert_eq!(one.status.code(), Some(1), "a bad line makes the exit code 1");
    assert_eq!(one.stdout, two.stdout);
    let last = String::from_utf8(one.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    let last: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(last["line"], 4);
    assert!(last["error"].is_string());
    // `--policy` decides with another policy: this one has no catalog source `node-js`.
    let other = eval(&["--policy", "policies/broken/base.yaml"], LOG);
    let second = String::from_utf8(other.stdout)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(second.contains("\"unknown-source\""), "{second}");
    let missing = eval(&["--policy", "policies/nope.yaml"], LOG);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8(missing.stderr).unwrap().contains("nope.yaml"));
    assert_eq!(eval(&["/no/such/log"], "").status.code(), Some(1));
    assert_eq!(eval(&["--threads", "0"], LOG).status.code(), Some(1));
    let _ = std::fs::remove_dir_all(dir);
}
