#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Decision records and their replay: a record reads back as itself; records of the policy
//! that made them replay identically (exit 0); a record whose decision changed is reported
//! with its line and what differs (exit 2); records of another digest are refused unless
//! `--any-digest`; malformed lines, empty and oversized files are clear errors.

use regionfence::audit;
use regionfence::limits::{MAX_RECORDS_FILE_BYTES, MAX_RECORD_BYTES};
use regionfence::record::{DecisionRecord, RecordError, Recorder, ENGINE_VERSION};
use regionfence::replay::{replay, ProblemKind, ReplayOptions};
use regionfence::{Policy, Question, ReasonCode, Verdict};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn write_temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regionfence-records-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

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
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every 25th question of the default policy's question space (hostile spellings included).
fn sample() -> Vec<Question> {
    let policy = Policy::default_policy();
    let mut out = Vec::new();
    let mut i = 0usize;
    audit::space(&policy).for_each(|q| {
        if i.is_multiple_of(25) {
            out.push(q);
        }
        i += 1;
    });
    out
}

/// Records of `policy` for `questions`, one line each.
fn lines(policy: &Policy, questions: &[Question]) -> String {
    let recorder = Recorder::new(policy);
    questions
        .iter()
        .map(|q| recorder.record(q).to_json_line() + "\n")
        .collect()
}

#[test]
fn a_record_carries_what_the_issue_names_and_reads_back_as_itself() {
    let policy = Policy::default_policy();
    let q =
        Question::parse(r#"{"ask":"ingest","workspace":"eu-west","source":"ios","host":"api.segment.io"}"#)
            .unwrap();
    let record = policy.record(&q);
    assert_eq!(record.digest, policy.digest());
    assert_eq!(record.as_of, None);
    assert_eq!(record.question, q);
    assert_eq!(record.decision, Verdict::Deny);
    assert_eq!(record.reasons, [ReasonCode::IngestionOutsideRegion]);
    assert!(record.exemptions.is_empty());
    assert_eq!(record.engine, ENGINE_VERSION);
    let line = record.to_json_line();
    assert!(!line.contains('\n'));
    let json: serde_json::Value = serde_json::from_str(&line).unwrap();
    for key in [
        "digest",
        "as_of",
        "question",
        "decision",
        "reasons",
        "exemptions",
        "engine",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {line}");
    }
    assert_eq!(json["question"]["ask"], "ingest");
    assert_eq!(json["reasons"][0], "ingestion-outside-region");
    // Every sampled question's record reads back as itself (a recorder computes the digest
    // once; `Policy::record` hashes the policy per call).
    let recorder = Recorder::new(&policy);
    for q in sample() {
        let record = recorder.record(&q);
        assert_eq!(
            DecisionRecord::parse_line(&record.to_json_line()).unwrap(),
            record
        );
    }
}

#[test]
fn malformed_lines_are_refused_with_their_column() {
    let policy = Policy::default_policy();
    let q = Question::RegionChange {
        workspace: "eu-west".into(),
        to: "eu-west".into(),
    };
    let line = policy.record(&q).to_json_line();
    let cases = [
        (line.replacen("{", "{\"extra\":1,", 1), "unknown field"),
        (
            line.replace("region-unchanged", "region-teleported"),
            "unknown reason code",
        ),
        (
            line.replace("\"allow\"", "\"maybe\""),
            "expected `allow` or `deny`",
        ),
        (line.replacen("\"engine\"", "\"engines\"", 1), "unknown field"),
        (line[..line.len() - 1].to_string(), "EOF"),
        (String::new(), "EOF"),
    ];
    for (text, why) in cases {
        let err = DecisionRecord::parse_line(&text).unwrap_err();
        assert!(err.to_string().contains(why), "{text}: {err}");
        assert!(
            matches!(
                err,
                RecordError::Syntax {
                    location: Some(_),
                    ..
                }
            ),
            "{err}"
        );
    }
    let bad_digest = line.replace(&policy.digest(), &policy.digest().to_uppercase());
    let err = DecisionRecord::parse_line(&bad_digest).unwrap_err();
    assert!(err.to_string().contains("64 lower-case hex digits"), "{err}");
    let huge = format!("{}{}", line, " ".repeat(MAX_RECORD_BYTES));
    assert!(matches!(
        DecisionRecord::parse_line(&huge),
        Err(RecordError::TooLarge { .. })
    ));
}

#[test]
fn records_of_the_policy_that_made_them_replay_identically() {
    let policy = Policy::default_policy();
    let questions = sample();
    let text = lines(&policy, &questions);
    let report = replay(&policy, &text, ReplayOptions::default()).unwrap();
    assert_eq!(report.records, questions.len());
    assert!(report.all_identical(), "{}", report.to_text());

    let file = write_temp("identical.jsonl", &text);
    let o = run(&["replay", file.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains(&format!("{} identical", questions.len())));
}

#[test]
fn ask_record_prints_a_line_that_replays() {
    let o = run(
        &[
            "ask",
            "--record",
            r#"{"ask":"deliver","workspace":"eu-west","destination":"amplitude"}"#,
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1);
    let record = DecisionRecord::parse_line(out.trim_end()).unwrap();
    assert_eq!(record.decision, Verdict::Allow);
    assert_eq!(record.digest, Policy::default_policy().digest());
    // A denial exits 2, as `ask` does; the question may come on standard input.
    let o = run(
        &["ask", "--record", "-"],
        r#"{"ask":"ingest","workspace":"eu-west","source":"ios","host":"api.segment.io"}"#,
    );
    assert_eq!(o.status.code(), Some(2));
    let both = format!("{out}{}", stdout(&o));
    let file = write_temp("asked.jsonl", &both);
    assert_eq!(
        run(&["replay", file.to_str().unwrap()], "").status.code(),
        Some(0)
    );
}

#[test]
fn a_changed_decision_is_reported_with_its_line_and_what_differs() {
    let policy = Policy::default_policy();
    let q = Question::parse(
        r#"{"ask":"connect","workspace":"us-west","warehouse":"redshift","ip":"34.223.203.1"}"#,
    )
    .unwrap();
    let mut tampered = policy.record(&q);
    assert_eq!(tampered.decision, Verdict::Deny);
    tampered.decision = Verdict::Allow;
    tampered.reasons = vec![ReasonCode::IpAllowlisted];
    let good = lines(&policy, &sample()[..3]);
    let text = format!("{good}\n{}\n", tampered.to_json_line());
    let report = replay(&policy, &text, ReplayOptions::default()).unwrap();
    assert_eq!((report.records, report.identical, report.mismatched), (4, 3, 1));
    let p = &report.problems[0];
    assert_eq!((p.line, p.kind), (5, ProblemKind::Mismatch));
    assert_eq!(
        p.message,
        "decision allow → deny; reasons ip-allowlisted → ip-not-allowlisted"
    );

    let file = write_temp("tampered.jsonl", &text);
    let o = run(&["replay", file.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).contains("line 5: mismatch: decision allow → deny"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn records_of_another_digest_are_refused_unless_compared_anyway() {
    let old = repo("policies/segment.yaml");
    let new = repo("policies/segment-2025.yaml");
    let policy = Policy::default_policy();
    // In 2022 the US loaders were one address; in 2025 a second range joined it.
    let qs: Vec<Question> = [
        r#"{"ask":"connect","workspace":"us-west","warehouse":"redshift","ip":"34.223.203.1"}"#,
        r#"{"ask":"connect","workspace":"us-west","warehouse":"redshift","ip":"52.25.130.38"}"#,
    ]
    .iter()
    .map(|q| Question::parse(q).unwrap())
    .collect();
    let file = write_temp("old.jsonl", &lines(&policy, &qs));
    let f = file.to_str().unwrap();

    let o = run(&["replay", f, "--policy", new.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains("2 of another digest"), "{out}");
    assert!(out.contains("--any-digest"), "{out}");

    let o = run(
        &["replay", f, "--policy", new.to_str().unwrap(), "--any-digest"],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains("1 identical, 1 mismatched"), "{out}");
    assert!(out.contains("line 1: mismatch: decision deny → allow"), "{out}");

    // Against the policy that made them, with --policy naming it: identical.
    let o = run(
        &["replay", f, "--policy", old.to_str().unwrap(), "--format", "json"],
        "",
    );
    assert_eq!(o.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["identical"], 2);
    assert_eq!(json["digest"], policy.digest());
}

#[test]
fn a_malformed_line_is_reported_and_the_rest_replayed() {
    let policy = Policy::default_policy();
    let good = lines(&policy, &sample()[..2]);
    let text = format!("{good}{{\"digest\": 3}}\nnot json\n");
    let file = write_temp("malformed.jsonl", &text);
    let o = run(&["replay", file.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(
        out.contains("2 identical, 0 mismatched, 0 of another digest, 2 malformed"),
        "{out}"
    );
    assert!(out.contains("line 3: malformed: column "), "{out}");
    assert!(out.contains("line 4: malformed: column "), "{out}");
}

#[test]
fn empty_missing_and_oversized_files_are_errors() {
    let empty = write_temp("empty.jsonl", "\n\n");
    let o = run(&["replay", empty.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no decision record"));

    let o = run(&["replay", "/no/such/records.jsonl"], "");
    assert_eq!(o.status.code(), Some(1));

    // Refused from its size before it is read (a sparse file: no data is written).
    let big = write_temp("big.jsonl", "");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(MAX_RECORDS_FILE_BYTES as u64 + 1)
        .unwrap();
    let o = run(&["replay", big.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("over the limit"));
    std::fs::remove_file(&big).unwrap();
}

/// A record carries the date its policy was evaluated at and the exemption its decision
/// used; replay decides each record again as of its own date, so an exemption that has
/// expired since still replays identically, and a record that claims an exemption on a day
/// it no longer applied is a mismatch.
#[test]
fn records_replay_as_of_their_own_date() {
    use regionfence::{CompileOptions, Date};
    let text = std::fs::read_to_string(repo("policies/examples/exemptions.yaml")).unwrap();
    let at = |day: &str| {
        let date: Date = day.parse().unwrap();
        Policy::from_yaml_with(&text, &CompileOptions::new().as_of(date)).unwrap()
    };
    let q: Question = serde_json::from_str(
        r#"{"ask":"deliver","workspace":"eu-west","destination":"amplitude","endpoint":"us"}"#,
    )
    .unwrap();
    let june = at("2026-06-30");
    let record = june.record(&q);
    assert_eq!(record.as_of.unwrap().to_string(), "2026-06-30");
    assert_eq!(record.decision, Verdict::Allow);
    assert_eq!(record.exemptions, ["amp-us"]);
    assert_eq!(record.reasons.last().map(|c| c.as_str()), Some("exempted"));
    // The digest does not depend on the date: one policy, evaluated on two days.
    let july = at("2026-07-01");
    assert_eq!(june.digest(), july.digest());
    assert!(!july.decide(&q).is_allowed());

    // Replayed by the policy as of a later day, the record is decided as of its own day.
    let line = format!("{}\n", record.to_json_line());
    let report = replay(&july, &line, ReplayOptions::default()).unwrap();
    assert!(report.all_identical(), "{report:?}");

    // The same record moved to a day the exemption no longer covers: a mismatch naming it.
    let mut late = record.clone();
    late.as_of = Some("2026-07-01".parse().unwrap());
    let line = format!("{}\n", late.to_json_line());
    let report = replay(&june, &line, ReplayOptions::default()).unwrap();
    assert_eq!(report.mismatched, 1, "{report:?}");
    let message = &report.problems[0].message;
    assert!(message.contains("allow → deny"), "{message}");
    assert!(message.contains("amp-us"), "{message}");

    // Through the command line: `--as-of` is the record's date.
    let out = run(
        &[
            "--policy",
            repo("policies/examples/exemptions.yaml").to_str().unwrap(),
            "--as-of",
            "2026-06-30",
            "ask",
            "--record",
        ],
        &q.to_json(),
    );
    let line = String::from_utf8(out.stdout).unwrap();
    let parsed = DecisionRecord::parse_line(line.trim()).unwrap();
    assert_eq!(parsed.as_of.unwrap().to_string(), "2026-06-30");
    assert_eq!(parsed.exemptions, ["amp-us"]);
}

/// Past the problems listed one by one, the text counts the rest; with every problem listed,
/// it says nothing more.
#[test]
fn a_report_counts_the_problems_it_does_not_list() {
    let report = regionfence::replay::ReplayReport {
        policy: "p".into(),
        digest: "d".into(),
        records: 6,
        identical: 1,
        mismatched: 3,
        other_digest: 1,
        malformed: 1,
        problems: Vec::new(),
    };
    assert!(!report.all_identical());
    let text = report.to_text();
    assert!(text.contains("  … and 5 more\n"), "{text}");
    let clean = regionfence::replay::ReplayReport {
        records: 2,
        identical: 2,
        mismatched: 0,
        other_digest: 0,
        malformed: 0,
        ..report
    };
    assert!(clean.all_identical());
    assert!(!clean.to_text().contains("more"), "{}", clean.to_text());
    // No record at all proves nothing.
    let none = regionfence::replay::ReplayReport {
        records: 0,
        identical: 0,
        ..clean
    };
    assert!(!none.all_identical());
}
