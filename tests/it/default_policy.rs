#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The default policy's own suite (`policies/segment.cases.yaml`) passes, covers every question
//! kind both ways, and decides the same after `Policy::to_yaml`; the policies in the repo load,
//! and the 2025 policy's suite (`policies/segment-2025.cases.yaml`) passes against it.

use regionfence::cases::{CaseFile, CaseResult};
use regionfence::cli::run_case_file;
use regionfence::{Policy, ReasonCode, Verdict, DEFAULT_POLICY_YAML};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use strum::IntoEnumIterator;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn cases_path() -> PathBuf {
    repo("policies/segment.cases.yaml")
}

fn case_file() -> CaseFile {
    CaseFile::parse(&std::fs::read_to_string(cases_path()).unwrap()).unwrap()
}

fn report(failed: &[&CaseResult]) -> String {
    failed
        .iter()
        .map(|r| {
            format!(
                "  {} ({}: {})\n    {}",
                r.name,
                r.decision,
                r.reasons.join(", "),
                r.failures.join("\n    ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_case_of_the_default_suite_passes() {
    let results = run_case_file(&cases_path(), None).unwrap();
    let failed: Vec<&CaseResult> = results.iter().filter(|r| !r.passed).collect();
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        results.len(),
        report(&failed)
    );
}

#[test]
fn the_suite_is_large_and_names_each_case_once() {
    let file = case_file();
    assert!(file.cases.len() >= 150, "only {} cases", file.cases.len());
    assert!(
        file.policy.is_none(),
        "the suite runs against the embedded default policy"
    );
    let mut names = BTreeSet::new();
    for case in &file.cases {
        assert!(
            names.insert(case.name.as_str()),
            "two cases are named {:?}",
            case.name
        );
    }
}

#[test]
fn the_suite_expects_both_verdicts_for_every_question_kind() {
    let mut seen: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for case in &case_file().cases {
        seen.entry(case.question.ask())
            .or_default()
            .insert(case.expect.to_string());
    }
    for ask in regionfence::QuestionKind::iter().map(regionfence::QuestionKind::as_str) {
        let verdicts = seen.get(ask).cloned().unwrap_or_default();
        assert!(
            verdicts.contains("allow") && verdicts.contains("deny"),
            "`{ask}` cases expect only {verdicts:?}"
        );
    }
}

#[test]
fn the_suite_names_every_reason_code_the_default_policy_can_give() {
    let named: BTreeSet<String> = case_file()
        .cases
        .iter()
        .filter_map(|c| c.reason.clone())
        .collect();
    // The default policy has no `failover_to` loosening, gives egress ranges to both regions
    // and holds no exemption; a `foreign-id` comes only from an id-layer question, never from
    // a case's names.
    let unreachable = [
        ReasonCode::FailoverListedTarget,
        ReasonCode::AllowlistUnknown,
        ReasonCode::Exempted,
        ReasonCode::ForeignId,
    ];
    for code in ReasonCode::iter().filter(|c| !unreachable.contains(c)) {
        assert!(named.contains(code.as_str()), "no case names reason `{code}`");
    }
}

#[test]
fn the_embedded_policy_is_policies_segment_yaml_and_loads() {
    let on_disk = std::fs::read_to_string(repo("policies/segment.yaml")).unwrap();
    assert_eq!(DEFAULT_POLICY_YAML, on_disk);
    let policy = Policy::from_yaml(DEFAULT_POLICY_YAML).unwrap();
    assert_eq!(policy.name(), "segment-regional-2022");
    // `default_policy` is that policy, not the empty fail-closed fallback.
    let default = Policy::default_policy();
    assert_eq!(default.name(), "segment-regional-2022");
    assert_eq!(default.document(), policy.document());
    assert_eq!(default.region_name(default.default_region()), "us-west");
    let regions: Vec<&str> = default.region_ids().map(|r| default.region_name(r)).collect();
    assert_eq!(regions, ["us-west", "eu-west"]);
}

#[test]
fn to_yaml_round_trips_to_the_same_decisions_on_every_case() {
    let policy = Policy::default_policy();
    let text = policy.to_yaml().unwrap();
    let reloaded =
        Policy::from_yaml(&text).unwrap_or_else(|e| panic!("serialised policy does not load: {e}"));
    assert_eq!(reloaded.document(), policy.document());
    assert_eq!(reloaded.to_yaml().unwrap(), text, "serialising is a fixed point");
    let file = case_file();
    for case in &file.cases {
        let question = &case.question;
        let before = policy.decide(question).explain(&policy, question);
        let after = reloaded.decide(question).explain(&reloaded, question);
        assert_eq!(before, after, "{}", case.name);
    }
    let before = run_case_file(&cases_path(), Some(&policy)).unwrap();
    let after = run_case_file(&cases_path(), Some(&reloaded)).unwrap();
    assert_eq!(before, after);
}

#[test]
fn the_suite_gives_the_same_results_against_the_file_on_disk() {
    let from_disk = regionfence::cli::load_policy(Some(&repo("policies/segment.yaml"))).unwrap();
    let embedded = run_case_file(&cases_path(), None).unwrap();
    let on_disk = run_case_file(&cases_path(), Some(&from_disk)).unwrap();
    assert_eq!(embedded, on_disk);
}

#[test]
fn the_2025_policy_loads_and_differs_where_the_docs_changed() {
    let policy = regionfence::cli::load_policy(Some(&repo("policies/segment-2025.yaml"))).unwrap();
    assert_eq!(policy.name(), "segment-regional-2025");
    assert!(policy.region_id("eu-west").is_some() && policy.region_id("us-west").is_some());
    // The same EU rules hold today: EU data never goes to the US host.
    let d = policy.ingest("eu-west", "javascript", "api.segment.io");
    assert_eq!(d.verdict(), Verdict::Deny);
    let d = policy.ingest("eu-west", "javascript", "events.eu1.segmentapis.com");
    assert_eq!(d.verdict(), Verdict::Allow);
    // What changed since October 2022: Amazon S3 is an EU cloud event source, and US loaders
    // also connect from 34.223.203.0/28. (An EU workspace kept an AWS data lake in the EU then
    // and does now.)
    let october_2022 = Policy::default_policy();
    for (then, now) in [
        (
            october_2022.ingest("eu-west", "amazon-s3", "events.eu1.segmentapis.com"),
            policy.ingest("eu-west", "amazon-s3", "events.eu1.segmentapis.com"),
        ),
        (
            october_2022.connect("us-west", "redshift", "34.223.203.1"),
            policy.connect("us-west", "redshift", "34.223.203.1"),
        ),
    ] {
        assert_eq!((then.verdict(), now.verdict()), (Verdict::Deny, Verdict::Allow));
    }
    // Unchanged, by two rules: an unnamed cloud source is denied in EU West then (no cloud kind
    // at all) and now (catalog-only), and events.segmentapis.com is no Oregon host in either.
    for (workspace, source, host) in [
        ("eu-west", "cloud-event", "events.eu1.segmentapis.com"),
        ("eu-west", "cloud-object", "events.eu1.segmentapis.com"),
        ("us-west", "javascript", "events.segmentapis.com"),
    ] {
        let then = october_2022.ingest(workspace, source, host);
        let now = policy.ingest(workspace, source, host);
        assert_eq!(
            (then.verdict(), now.verdict()),
            (Verdict::Deny, Verdict::Deny),
            "{source} {host}"
        );
    }
}

fn cases_2025_path() -> PathBuf {
    repo("policies/segment-2025.cases.yaml")
}

#[test]
fn every_case_of_the_2025_suite_passes_against_its_own_policy() {
    let file = CaseFile::parse(&std::fs::read_to_string(cases_2025_path()).unwrap()).unwrap();
    assert_eq!(file.policy.as_deref(), Some("segment-2025.yaml"));
    let results = run_case_file(&cases_2025_path(), None).unwrap();
    let failed: Vec<&CaseResult> = results.iter().filter(|r| !r.passed).collect();
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        results.len(),
        report(&failed)
    );
    assert!(results.len() >= 40, "only {} cases", results.len());
}

#[test]
fn the_2025_suite_fails_against_the_2022_policy() {
    // The suite tests what changed: run against October 2022, its cloud-source and host cases fail.
    // (Its Data Lakes case passes against both: EU West kept an AWS data lake in the EU then too.)
    let october_2022 = Policy::default_policy();
    let results = run_case_file(&cases_2025_path(), Some(&october_2022)).unwrap();
    let failed: BTreeSet<&str> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.name.as_str())
        .collect();
    for name in [
        "cloud event sources: amazon-s3 runs in EU West",
        "cloud object sources: salesforce runs in EU West",
        "loaders: a US warehouse accepts 34.223.203.1 from US West",
    ] {
        assert!(failed.contains(name), "{name} passes against 2022 too");
    }
}

#[test]
fn the_compiled_default_is_made_from_the_embedded_yaml_and_answers_alike() {
    use regionfence::{source_digest, DEFAULT_POLICY_COMPILED};
    assert!(
        DEFAULT_POLICY_COMPILED.contains(&format!(
            "\"source_digest\":\"{}\"",
            source_digest(DEFAULT_POLICY_YAML)
        )),
        "policies/segment.compiled.json is older than policies/segment.yaml: run \
         `regionfence compile policies/segment.yaml -o policies/segment.compiled.json`"
    );
    let compiled = Policy::from_compiled(DEFAULT_POLICY_COMPILED).unwrap();
    let yaml = Policy::from_yaml(DEFAULT_POLICY_YAML).unwrap();
    // The file is what compiling the embedded YAML writes, byte for byte.
    assert_eq!(yaml.to_compiled(DEFAULT_POLICY_YAML), DEFAULT_POLICY_COMPILED);
    assert_eq!(compiled.document(), yaml.document());
    let default = Policy::default_policy();
    assert_eq!(default.document(), yaml.document());
    // Every case of the suite gets the same decision from each.
    for case in &case_file().cases {
        let want = yaml.decide(&case.question);
        let want = (
            want.verdict(),
            want.codes().collect::<Vec<_>>(),
            want.explain(&yaml, &case.question),
        );
        for policy in [&compiled, &default] {
            let got = policy.decide(&case.question);
            let got = (
                got.verdict(),
                got.codes().collect::<Vec<_>>(),
                got.explain(policy, &case.question),
            );
            assert_eq!(got, want, "{}", case.name);
        }
    }
    // Another format version, or another format, is refused: fail closed, never read.
    for (from, to) in [
        ("\"format_version\":1", "\"format_version\":2"),
        ("\"format_version\":1", "\"format_version\":0"),
        ("regionfence-compiled-policy", "something-else"),
    ] {
        let changed = DEFAULT_POLICY_COMPILED.replacen(from, to, 1);
        assert!(Policy::from_compiled(&changed).is_err(), "{to}");
    }
    assert!(Policy::from_compiled("").is_err());
    assert!(Policy::from_compiled("{\"format\":").is_err());
    // At the size limit exactly a compiled form is still read (here padded with whitespace).
    let limit = regionfence::limits::MAX_POLICY_BYTES;
    let padded = format!(
        "{DEFAULT_POLICY_COMPILED}{}",
        " ".repeat(limit - DEFAULT_POLICY_COMPILED.len())
    );
    assert_eq!(padded.len(), limit);
    assert!(Policy::from_compiled(&padded).is_ok());
    // Past the size limit a compiled form is refused before it is read, at any size.
    for over in [1, 4096] {
        let size = regionfence::limits::MAX_POLICY_BYTES + over;
        let err = Policy::from_compiled(&" ".repeat(size)).unwrap_err();
        assert!(
            matches!(err.kind(), regionfence::LoadErrorKind::TooLarge { size: s, .. } if *s == size),
            "{err}"
        );
    }
}
