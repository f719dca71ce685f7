#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Replays every fuzz target's property over its checked-in corpus and crash regressions on
//! the stable toolchain, so `cargo test` re-checks them without the fuzzer; and checks that
//! every input over a limit is a clean, quick error.
//!
//! The properties live in `fuzz/properties/`, shared with the fuzz targets (`fuzz/README.md`);
//! the model and generators they check against live in the `regionfence-model` crate (`model/`),
//! shared with the property tests.

#[path = "../../fuzz/properties/mod.rs"]
mod properties;

use regionfence::limits::{
    MAX_HOST_INPUT_BYTES, MAX_IP_INPUT_BYTES, MAX_NESTING, MAX_POLICY_BYTES, MAX_QUESTION_BYTES,
};
use regionfence::{normalize_host, parse_ip, HostError, LoadErrorKind, Policy, Question, QuestionError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One input of a debug build may take this long before it counts as a hang.
const SLOW: Duration = Duration::from_secs(20);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every file directly in `dir`, sorted; none when the directory does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    out.sort();
    out
}

/// Runs `target`'s property over its corpus and its regressions; panics listing every file
/// that fails, panics or takes too long.
fn replay(target: &str) {
    let (_, property) = properties::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("no fuzz target `{target}`"));
    let corpus = files(&fuzz_dir().join("corpus").join(target));
    assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ holds no seed");
    let regressions = files(&fuzz_dir().join("regressions").join(target));
    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for path in corpus.iter().chain(&regressions) {
        let data = std::fs::read(path).unwrap();
        let name = path
            .strip_prefix(fuzz_dir())
            .unwrap_or(path)
            .display()
            .to_string();
        let started = Instant::now();
        match within(SLOW, move || property(&data)) {
            Outcome::Done(Ok(())) => {}
            Outcome::Done(Err(why)) => failures.push(format!("{name}: {why}")),
            Outcome::Panicked(message) => failures.push(format!("{name}: panicked: {message}")),
            Outcome::TimedOut => failures.push(format!("{name}: still running after {SLOW:?}")),
        }
        if started.elapsed() > slowest.0 {
            slowest = (started.elapsed(), name);
        }
    }
    eprintln!("`{target}`: slowest input {} ({:?})", slowest.1, slowest.0);
    assert!(
        failures.is_empty(),
        "{} of {} inputs of `{target}` fail:\n{}",
        failures.len(),
        corpus.len() + regressions.len(),
        failures.join("\n")
    );
}

#[test]
fn policy_yaml_corpus_and_regressions() {
    replay("policy_yaml");
}

#[test]
fn question_json_corpus_and_regressions() {
    replay("question_json");
}

#[test]
fn host_corpus_and_regressions() {
    replay("host");
}

#[test]
fn ip_corpus_and_regressions() {
    replay("ip");
}

#[test]
fn decide_structured_corpus_and_regressions() {
    replay("decide_structured");
}

#[test]
fn yaml_guard_corpus_and_regressions() {
    replay("yaml_guard");
}

#[test]
fn workspace_config_corpus_and_regressions() {
    replay("workspace_config");
}

#[test]
fn decision_record_corpus_and_regressions() {
    replay("decision_record");
}

#[test]
fn every_target_has_a_fuzz_binary_and_a_corpus() {
    for (target, _) in properties::TARGETS {
        let source = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        assert!(source.is_file(), "{} is missing", source.display());
        assert!(
            fuzz_dir().join("corpus").join(target).is_dir(),
            "fuzz/corpus/{target}/ is missing"
        );
    }
}

/// How a run of a property or a limit check ended.
enum Outcome<T> {
    /// It returned.
    Done(T),
    /// It panicked, with this message.
    Panicked(String),
    /// It was still running when the time was up (left to finish on its own).
    TimedOut,
}

/// Runs `f` on its own thread and waits at most `limit` for it, so that a hang or a blow-up
/// fails the test instead of stalling `cargo test`.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> Outcome<T> {
    let (done, wait) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = match catch_unwind(AssertUnwindSafe(f)) {
            Ok(value) => Outcome::Done(value),
            Err(panic) => Outcome::Panicked(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_default(),
            ),
        };
        let _ = done.send(outcome);
    });
    wait.recv_timeout(limit).unwrap_or(Outcome::TimedOut)
}

/// Runs `f`, failing if it panics or takes longer than a debug build ever should.
fn quickly<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    match within(SLOW, f) {
        Outcome::Done(value) => value,
        Outcome::Panicked(message) => panic!("{what} panicked: {message}"),
        Outcome::TimedOut => panic!("{what} is still running after {SLOW:?}"),
    }
}

#[test]
fn an_over_limit_policy_is_a_clean_error() {
    let text = format!(
        "{}\n#{}",
        regionfence::DEFAULT_POLICY_YAML,
        "x".repeat(MAX_POLICY_BYTES)
    );
    let err = quickly("an 8 MiB policy", move || Policy::from_yaml(&text)).unwrap_err();
    assert!(matches!(err.kind(), LoadErrorKind::TooLarge { .. }), "{err}");
}

#[test]
fn an_over_limit_list_is_a_clean_error() {
    let entries = regionfence::limits::MAX_ENTRIES + 1;
    let text = regionfence::DEFAULT_POLICY_YAML.replacen(
        "  - {id: us, name: United States, countries: [US]}",
        &format!(
            "  - {{id: us, name: United States, countries: [{}US]}}",
            "US, ".repeat(entries)
        ),
        1,
    );
    assert_ne!(text, regionfence::DEFAULT_POLICY_YAML);
    let err = quickly("a list over the limit", move || Policy::from_yaml(&text)).unwrap_err();
    assert!(
        matches!(err.kind(), LoadErrorKind::TooManyEntries { .. }),
        "{err}"
    );
}

#[test]
fn an_over_limit_question_is_a_clean_error() {
    let padding = " ".repeat(MAX_QUESTION_BYTES);
    let text = format!(r#"{{"ask": "region-change", "workspace": "eu-west", "to": "eu-west"}}{padding}"#);
    let over = text.clone();
    let err = quickly("a 64 KiB question", move || Question::parse(&over)).unwrap_err();
    assert!(matches!(err, QuestionError::TooLarge { .. }), "{err}");
    // Exactly at the limit is still read.
    let at_limit = &text[..MAX_QUESTION_BYTES];
    assert!(Question::parse(at_limit).is_ok());
}

#[test]
fn an_over_limit_host_or_ip_is_a_clean_refusal() {
    let host = format!("{}.segment.io", "a".repeat(MAX_HOST_INPUT_BYTES));
    assert_eq!(normalize_host(&host), Err(HostError::TooLong));
    let huge = "a".repeat(1 << 20);
    let raw = huge.clone();
    assert_eq!(
        quickly("a 1 MiB host", move || normalize_host(&raw)
            .map(|h| h.as_str().to_string())),
        Err(HostError::TooLong)
    );
    let policy = Policy::default_policy();
    let d = policy.ingest("eu-west", "javascript", &huge);
    assert!(d.has_code(regionfence::ReasonCode::MalformedHost));

    let ip = format!("{}1.2.3.4", "0".repeat(MAX_IP_INPUT_BYTES));
    assert_eq!(parse_ip(&ip), None);
    let padded_v6 = "0000:0000:0000:0000:0000:0000:0000:0001";
    assert!(padded_v6.len() <= MAX_IP_INPUT_BYTES);
    assert!(parse_ip(padded_v6).is_some());
}

/// Nine levels of ten aliases each, as one flow sequence: a billion `lol`s if expanded.
fn billion_laughs() -> String {
    let mut levels = vec![format!("&a0 [{}]", ["lol"; 10].join(", "))];
    for level in 1..9 {
        let previous = format!("*a{}", level - 1);
        levels.push(format!("&a{level} [{}]", [previous.as_str(); 10].join(", ")));
    }
    format!("[{}]", levels.join(", "))
}

/// The default policy with `value` as EU West's `customer_storage` (a field that takes any
/// YAML shape until it is matched against `any` or a list).
fn with_customer_storage(value: &str) -> String {
    let text = regionfence::DEFAULT_POLICY_YAML.replacen(
        "    archive: [aws:eu-west-1]",
        &format!("    archive: [aws:eu-west-1]\n    customer_storage: {value}"),
        1,
    );
    assert_ne!(text, regionfence::DEFAULT_POLICY_YAML);
    text
}

#[test]
fn a_billion_laughs_alias_bomb_is_refused_quickly() {
    let bomb = billion_laughs();
    let policy = with_customer_storage(&bomb);
    assert!(quickly("an alias bomb in a policy", move || Policy::from_yaml(&policy)).is_err());
    let policy = format!("version: 1\nname: bomb\ndescription: {bomb}\n");
    assert!(quickly("an alias bomb as a string", move || Policy::from_yaml(&policy)).is_err());

    // A question is buffered whole before its `ask` is read: every field is expanded.
    let question = format!("ask: region-change\nworkspace: eu-west\nto: {bomb}\n");
    assert!(quickly("an alias bomb in a question", move || Question::parse(&question)).is_err());
    let mut question = String::from("ask: region-change\nworkspace: eu-west\nto: eu-west\n");
    question.push_str(&format!("a0: &a0 [{}]\n", ["lol"; 10].join(", ")));
    for level in 1..9 {
        let previous = format!("*a{}", level - 1);
        question.push_str(&format!(
            "a{level}: &a{level} [{}]\n",
            [previous.as_str(); 10].join(", ")
        ));
    }
    assert!(
        quickly("an alias bomb beside a question", move || Question::parse(
            &question
        ))
        .is_err()
    );

    // The parser's own alias guard grows with the text: padding a question (still under its
    // limit) with plain entries buys the bomb more expansions.
    let padding = "x, ".repeat(15_000);
    let question =
        format!("ask: region-change\nworkspace: eu-west\nto: eu-west\npad: [{padding}x]\nbomb: {bomb}\n");
    assert!(question.len() < MAX_QUESTION_BYTES);
    assert!(
        quickly("an alias bomb in a padded question", move || Question::parse(
            &question
        ))
        .is_err()
    );
}

#[test]
fn deep_nesting_is_refused_quickly() {
    for depth in [MAX_NESTING + 1, 10_000, 1_000_000] {
        let flow = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let policy = with_customer_storage(&flow);
        assert!(quickly("deep flow nesting", move || Policy::from_yaml(&policy)).is_err());
        let question = format!(r#"{{"ask": "region-change", "workspace": "eu-west", "to": {flow}}}"#);
        let refused = quickly("deep flow nesting", move || Question::parse(&question));
        assert!(refused.is_err());
    }
    // Block nesting has no brackets to count; the parser's own recursion limit refuses it.
    let block: String = (0..600).map(|i| format!("\n      {}-", "  ".repeat(i))).collect();
    let policy = with_customer_storage(&block);
    assert!(quickly("deep block nesting", move || Policy::from_yaml(&policy)).is_err());
    let question = format!(
        "ask: region-change\nworkspace: eu-west\nto:{}",
        block.replace("\n      ", "\n  ")
    );
    assert!(quickly("deep block nesting", move || Question::parse(&question)).is_err());
}
