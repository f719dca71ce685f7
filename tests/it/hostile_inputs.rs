#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Hostile policies, case files and questions, each as an attacker wrote it: every one is
//! refused (or answered) at once, with a message that names what is wrong and quotes little.

use regionfence::cli::{self, Outcome};
use regionfence::{Policy, Question};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A tiny valid policy (the one `policies/invalid/` breaks).
const BASE: &str = include_str!("../fixtures/tiny.yaml");

fn load_error(text: &str) -> String {
    match Policy::from_yaml(text) {
        Ok(p) => panic!("loaded policy `{}`", p.name()),
        Err(e) => e.to_string(),
    }
}

fn question_error(text: &str) -> String {
    match Question::parse(text) {
        Ok(q) => panic!("parsed {q:?}"),
        Err(e) => e.to_string(),
    }
}

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regionfence-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const ONE_CASE: &str =
    "cases:\n  - {name: stays, ask: region-change, workspace: eu-west, to: eu-west, expect: allow}\n";

// -------------------------------------------------------------------------------------------
// 1. The nesting guard reads YAML as YAML.

#[test]
fn a_block_scalar_hides_no_nesting_in_a_policy() {
    let depth = 100_000;
    let text = format!(
        "a:\n  b:\n      |\n      t\n  c: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let e = load_error(&text);
    assert!(e.starts_with("line 5, column "), "{e}");
    assert!(e.contains("nesting deeper than 32 levels"), "{e}");
}

#[test]
fn a_block_scalar_hides_no_nesting_in_a_case_file() {
    let depth = 30_000;
    let text = format!(
        "cases:\n  - name: |\n      t\n    ask: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let e = regionfence::cases::CaseFile::parse(&text)
        .unwrap_err()
        .to_string();
    assert!(e.contains("nesting deeper than 32 levels"), "{e}");
}

// -------------------------------------------------------------------------------------------
// 2. Block nesting is bounded as flow nesting is.

#[test]
fn block_nesting_is_bounded() {
    for unit in ["? ", "- "] {
        let text = unit.repeat(4 * 1024 * 1024);
        let e = load_error(&text);
        assert!(e.contains("nesting deeper than 32 levels"), "{unit:?}: {e}");
        assert!(e.starts_with("line 1, column 6"), "{unit:?}: {e}");
    }
    let mut indented = String::new();
    for level in 0..40 {
        indented.push_str(&format!("{}k:\n", "  ".repeat(level)));
    }
    assert!(load_error(&indented).contains("nesting deeper"));
}

// -------------------------------------------------------------------------------------------
// 3. A case file's policy lies under the case file's folder and is a regular file.

fn case_file_with_policy(dir: &Path, policy: &str) -> PathBuf {
    let path = dir.join("suite.cases.yaml");
    std::fs::write(&path, format!("policy: {policy}\n{ONE_CASE}")).unwrap();
    path
}

#[test]
fn a_case_file_cannot_read_files_outside_its_folder() {
    let dir = folder("outside");
    for escape in [
        "../../../../../../../../etc/passwd",
        "/etc/passwd",
        "/etc/shadow",
        "/dev/stdin",
        "../policy.yaml",
    ] {
        let file = case_file_with_policy(&dir, escape);
        let e = cli::run_case_file(&file, None).unwrap_err().to_string();
        assert!(!e.contains("root:"), "{escape}: {e}");
        assert!(e.contains("--policy"), "{escape}: {e}");
    }
    // A link inside the folder that leads out of it is refused too.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", dir.join("link.yaml")).unwrap();
        let file = case_file_with_policy(&dir, "link.yaml");
        let e = cli::run_case_file(&file, None).unwrap_err().to_string();
        assert!(e.contains("leads outside"), "{e}");
    }
    // A policy beside the case file, or below it, is read.
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("policies/tiny.yaml"), BASE).unwrap();
    let file = case_file_with_policy(&dir, "policies/tiny.yaml");
    let results = cli::run_case_file(&file, None).unwrap();
    assert!(results.iter().all(|r| r.passed), "{results:?}");
}

#[test]
fn a_case_file_naming_an_empty_policy_is_refused() {
    let dir = folder("empty-policy");
    let file = case_file_with_policy(&dir, "\"\"");
    let e = cli::run_case_file(&file, None).unwrap_err().to_string();
    assert!(e.contains("`policy` is empty"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_named_pipe_or_a_device_is_never_opened() {
    let dir = folder("fifo");
    let fifo = dir.join("policy.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().map(|s| s.success());
    if made.unwrap_or(false) {
        // Opening a pipe would wait for a writer forever: it must be refused before that.
        let file = case_file_with_policy(&dir, "policy.yaml");
        let e = cli::run_case_file(&file, None).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let e = cli::load_policy(Some(&fifo)).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
    for device in ["/dev/stdin", "/dev/zero", "/dev/null", "/"] {
        let e = cli::load_policy(Some(Path::new(device))).unwrap_err().to_string();
        assert!(
            e.contains("not a regular file") || e.contains("No such file"),
            "{device}: {e}"
        );
    }
}

#[test]
fn a_load_error_quotes_only_a_short_escaped_excerpt() {
    let dir = folder("excerpt");
    let secret = format!("root:x:0:0:{}:/root:/bin/bash\u{1b}[2K", "s".repeat(5_000));
    for body in [
        secret.clone(),
        format!("version: \"{secret}\"\n"),
        format!("- {secret}\n"),
    ] {
        let path = dir.join("secret.yaml");
        std::fs::write(&path, &body).unwrap();
        let e = cli::load_policy(Some(&path)).unwrap_err().to_string();
        assert!(e.len() < 600, "{} bytes: {e}", e.len());
        assert!(!e.contains('\u{1b}'), "{e}");
        assert!(!e.contains(&"s".repeat(100)), "{e}");
    }
}

// -------------------------------------------------------------------------------------------
// 5. Hints and messages are bounded.

/// A policy of `zones` zones with long names in one ingestion region.
fn many_zones(zones: usize) -> String {
    let names: Vec<String> = (0..zones)
        .map(|i| format!("z{i:05}{}", "q".repeat(100)))
        .collect();
    BASE.replace("zones: [a, b]", &format!("zones: [{}]", names.join(", ")))
}

#[test]
fn a_hint_among_many_long_names_is_bounded() {
    let policy = Policy::from_yaml(&many_zones(20_000)).unwrap();
    let wrong = format!("eu-west/dublin-z12345{}", "q".repeat(99));
    let q = Question::Failover {
        from: wrong.clone(),
        to: wrong,
    };
    let e = policy.decide(&q).explain(&policy, &q);
    let text = serde_json::to_string(&e).unwrap();
    assert!(text.contains("unknown-location"), "{text}");
    assert!(text.len() < 4_000, "{} bytes", text.len());
}

#[test]
fn a_denial_on_a_region_with_many_cidrs_names_a_few() {
    let cidrs: Vec<String> = (0..20_000u32)
        .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
        .collect();
    let policy =
        Policy::from_yaml(&BASE.replace("[3.251.148.96/29]", &format!("[{}]", cidrs.join(", ")))).unwrap();
    let q = Question::Connect {
        workspace: "eu-west".into(),
        warehouse: "redshift".into(),
        ip: "52.25.130.38".into(),
    };
    let e = policy.decide(&q).explain(&policy, &q);
    let message = &e.reasons[0].message;
    assert!(message.contains("and 19992 more"), "{message}");
    assert!(message.len() < 1_000, "{} bytes", message.len());
}

#[test]
fn an_unknown_endpoint_among_many_names_a_few() {
    let endpoints: Vec<String> = (0..5_000)
        .map(|i| format!("{{id: e{i}, jurisdiction: eu}}"))
        .collect();
    let policy = Policy::from_yaml(&BASE.replace(
        "endpoints: [{id: eu, jurisdiction: eu}]",
        &format!("endpoints: [{}]", endpoints.join(", ")),
    ))
    .unwrap();
    let q = Question::Deliver {
        workspace: "eu-west".into(),
        destination: "amplitude".into(),
        endpoint: Some("nowhere".into()),
    };
    let e = policy.decide(&q).explain(&policy, &q);
    let message = &e.reasons[0].message;
    assert!(message.contains("more"), "{message}");
    assert!(message.len() < 1_000, "{} bytes", message.len());
}

// -------------------------------------------------------------------------------------------
// Smaller defects.

#[test]
fn a_leading_byte_order_mark_is_read_past() {
    let policy = Policy::from_yaml(&format!("\u{feff}{BASE}")).unwrap();
    assert_eq!(policy.name(), "tiny");
    for q in [
        "\u{feff}ask: region-change\nworkspace: eu-west\nto: eu-west\n",
        "\u{feff}{\"ask\": \"region-change\", \"workspace\": \"eu-west\", \"to\": \"eu-west\"}",
    ] {
        assert!(Question::parse(q).is_ok(), "{q:?}");
    }
}

#[test]
fn question_messages_say_what_is_wrong() {
    let deep = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let e = question_error(&deep);
    assert!(e.contains("recursion limit"), "{e}");
    assert!(!e.contains("YAML"), "{e}");
    let e = question_error(r#"{"ask": "region-change", "workspace": "eu-west", "to": "eu-west"} junk"#);
    assert!(e.contains("trailing characters"), "{e}");
    for empty in ["", "   \n", "# only a comment\n", "\u{feff}"] {
        let e = question_error(empty);
        assert!(e.contains("the question is empty"), "{empty:?}: {e}");
    }
}

#[test]
fn yaml_tags_are_refused() {
    let e =
        question_error("ask: !!python/object:os.system ingest\nworkspace: eu-west\nsource: ios\nhost: h\n");
    assert!(e.contains("YAML tags are not accepted"), "{e}");
    let e = load_error(&BASE.replace("name: tiny", "name: !!binary dGlueQ=="));
    assert!(e.contains("YAML tags are not accepted"), "{e}");
    assert!(e.starts_with("line 2, column"), "{e}");
}

#[test]
fn ids_must_be_strings() {
    for (id, found) in [("null", "null"), ("true", "`true`"), ("1.5", "`1.5`")] {
        let e = load_error(&BASE.replace("id: amplitude", &format!("id: {id}")));
        assert!(
            e.contains("destinations[0].id: expected a string, found"),
            "{id}: {e}"
        );
        assert!(e.contains(found), "{id}: {e}");
    }
    // Quoted, they are strings.
    let policy = Policy::from_yaml(&BASE.replace("id: amplitude", "id: \"true\"")).unwrap();
    assert_eq!(policy.document().destinations[0].id, "true");
}

#[test]
fn a_cidr_with_leading_zeros_is_malformed() {
    for cidr in ["010.0.0.0/8", "10.0.0.0/08"] {
        let e = load_error(&BASE.replace("3.251.148.96/29", cidr));
        assert!(e.contains(&format!("malformed CIDR `{cidr}`")), "{e}");
    }
}

#[test]
fn a_name_listed_twice_is_refused() {
    let e = load_error(&BASE.replace("countries: [IE]", "countries: [IE, IE]"));
    assert!(
        e.contains("`IE` is listed twice in `groups[eu].countries`"),
        "{e}"
    );
    let e = load_error(&BASE.replace("regions: [eu-west]", "regions: [eu-west, eu-west]"));
    assert!(
        e.contains("`eu-west` is listed twice in `destinations[amplitude].regions`"),
        "{e}"
    );
    let e = load_error(&BASE.replace("clouds: [aws], allowlist", "clouds: [aws, aws], allowlist"));
    assert!(e.contains("listed twice in `stores[redshift].clouds`"), "{e}");
}

#[test]
fn a_suite_that_asserts_nothing_fails() {
    let dir = folder("no-cases");
    for body in ["cases: []\n", "policy: x.yaml\n", "{}\n", ""] {
        let file = dir.join("empty.cases.yaml");
        std::fs::write(&file, body).unwrap();
        assert!(cli::run_case_file(&file, None).is_err(), "{body:?}");
        let o = run(&["test", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{body:?}");
    }
}

#[test]
fn an_unknown_case_field_lists_the_case_fields_too() {
    let text = "cases:\n  - {name: x, ask: region-change, workspace: eu-west, to: eu-west, expect: allow, expect_hots: h}\n";
    let e = regionfence::cases::CaseFile::parse(text).unwrap_err().to_string();
    assert!(e.contains("unknown field `expect_hots`"), "{e}");
    assert!(e.contains("expect_host"), "{e}");
}

#[test]
fn a_tab_error_gives_its_position_once() {
    let e = load_error("version: 1\nname: x\n\tgroups: []\n");
    assert_eq!(e.matches("line").count(), 1, "{e}");
}

#[test]
fn a_wrong_format_names_the_valid_ones() {
    let o = run(&["audit", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("expected one of: text, json"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&["graph", "--format", "xml"]);
    assert!(
        text(&o.stderr).contains("expected one of: dot, mermaid"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn check_with_policy_and_files_checks_both() {
    let dir = folder("check-both");
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "version: 2\nname: x\n").unwrap();
    let good = dir.join("good.yaml");
    std::fs::write(&good, BASE).unwrap();
    let o = run(&["--policy", bad.to_str().unwrap(), "check", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("unsupported policy version"),
        "{}",
        text(&o.stderr)
    );
    assert!(text(&o.stdout).contains("good.yaml: ok"), "{}", text(&o.stdout));
}

#[test]
fn text_output_escapes_control_characters() {
    let dir = folder("escapes");
    let suite = dir.join("tricky.cases.yaml");
    std::fs::write(
        &suite,
        "cases:\n  - {name: \"wrong \\e[2K\\r  ok   5 passed, 0 failed\", ask: region-change, workspace: eu-west, to: us-west, expect: allow}\n",
    )
    .unwrap();
    let o = run(&["test", suite.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(!out.contains('\u{1b}') && !out.contains('\r'), "{out:?}");
    assert!(out.contains("FAIL wrong \\u{1b}[2K\\r"), "{out}");

    let policy = dir.join("osc.yaml");
    std::fs::write(&policy, BASE.replace("name: tiny", "name: \"t\\e]0;owned\\a\"")).unwrap();
    let o = run(&["check", policy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    let o = run(&["--policy", policy.to_str().unwrap(), "audit"]);
    assert!(!text(&o.stdout).contains('\u{1b}'), "{:?}", text(&o.stdout));
    assert_eq!(Outcome::Success.code(), 0);
}

// -------------------------------------------------------------------------------------------
// A sequence where a mapping is expected is refused, on every surface that reads a document:
// serde's derived readers would take a struct from a list by position.

fn refused_with_position(message: &str) {
    assert!(
        message.contains("expected a mapping") || message.contains("expected a question"),
        "{message}"
    );
    assert!(message.contains("line "), "{message}");
}

#[test]
fn a_question_written_as_a_list_is_refused() {
    for text in [
        r#"["ingest", "us-west", "ios", "api.segment.io"]"#,
        "- ingest\n- us-west\n- ios\n- api.segment.io\n",
        "[ingest, us-west, ios, api.segment.io]",
    ] {
        refused_with_position(&question_error(text));
    }
    let out = run(&["ask", r#"["ingest","us-west","ios","api.segment.io"]"#]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(out.stdout.is_empty());
    // A question inside a case or a record is one too.
    let record = r#"{"digest":"x","question":["ingest","us-west","ios","api.segment.io"],"decision":"allow","reasons":[],"exemptions":[],"engine":"x"}"#;
    assert!(regionfence::record::DecisionRecord::parse_line(record).is_err());
    let cases = "cases:\n  - [stays, region-change, eu-west, eu-west, allow]\n";
    let err = regionfence::cases::CaseFile::parse(cases)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected a mapping") || err.contains("expected struct"),
        "{err}"
    );
}

#[test]
fn eval_refuses_a_line_that_is_a_list() {
    let dir = folder("eval-list");
    let log = dir.join("log.jsonl");
    std::fs::write(
        &log,
        "[\"ingest\",\"us-west\",\"ios\",\"api.segment.io\"]\n{\"ask\":\"ingest\",\"workspace\":\"us-west\",\"source\":\"ios\",\"host\":\"api.segment.io\"}\n",
    )
    .unwrap();
    let out = run(&["eval", log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].get("error").is_some(), "{}", lines[0]);
    assert_eq!(lines[1]["decision"], "allow", "{}", lines[1]);
}

#[test]
fn a_policy_entry_written_as_a_list_is_refused_with_its_position() {
    let listed = BASE.replace("{id: aws:eu-west-1, country: IE}", "[aws:eu-west-1, IE]");
    assert_ne!(listed, BASE);
    let err = load_error(&listed);
    assert!(err.contains("expected a mapping"), "{err}");
    assert!(err.starts_with("line 4, column"), "{err}");
    let listed = BASE.replace("{id: eu, countries: [IE]}", "[eu, [IE]]");
    assert!(load_error(&listed).contains("expected a mapping"));
}

#[test]
fn a_workspace_entry_written_as_a_list_is_refused() {
    let text = "version: 1\nworkspace: w\nregion: eu-west\nsources:\n  - [website, javascript]\n";
    let err = regionfence::workspace::Workspace::parse(text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected a mapping"), "{err}");
    let whole = "[1, w, eu-west]\n";
    assert!(regionfence::workspace::Workspace::parse(whole).is_err());
}

#[test]
fn a_compiled_policy_written_as_a_list_is_refused() {
    let compiled: serde_json::Value = serde_json::from_str(regionfence::DEFAULT_POLICY_COMPILED).unwrap();
    // The envelope's fields in their declared order: what a positional reader would take.
    let field = |name: &str| compiled[name].clone();
    let as_list = serde_json::json!([
        field("format"),
        field("format_version"),
        field("source_digest"),
        field("document")
    ]);
    let err = Policy::from_compiled(&as_list.to_string())
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected a mapping"), "{err}");
    // The envelope whole, its document a list of the document's own values.
    let mut inner = compiled.clone();
    inner["document"] = serde_json::Value::Array(vec![]);
    assert!(Policy::from_compiled(&inner.to_string()).is_err());
}

#[test]
fn a_decision_record_written_as_a_list_is_refused() {
    let line = r#"["digest", null, {"ask":"region-change","workspace":"eu-west","to":"eu-west"}, "allow", [], [], "engine"]"#;
    let err = regionfence::record::DecisionRecord::parse_line(line)
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected a mapping"), "{err}");
}

#[test]
fn eval_escapes_control_and_bidirectional_characters_in_every_record() {
    let dir = folder("eval-escape");
    let log = dir.join("log.jsonl");
    std::fs::write(
        &log,
        "{\"ask\":\"ingest\",\"workspace\":\"us-west\",\"source\":\"ios\",\"host\":\"x\u{202E}\u{9b}y\"}\n{\"ask\":\"in\u{202E}gest\u{9b}\"}\n",
    )
    .unwrap();
    let out = run(&["eval", log.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(!stdout.contains(['\u{202E}', '\u{9b}']), "{stdout:?}");
    let records: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // The question is echoed as the same value, its characters written as JSON escapes.
    assert_eq!(records[0]["question"]["host"], "x\u{202E}\u{9b}y");
    let error = records[1]["error"].as_str().unwrap();
    assert!(error.contains("\\u{202e}"), "{error}");
}
