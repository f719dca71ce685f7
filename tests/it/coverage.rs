#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `regionfence test --coverage`: the cells of a policy's decision space a case file
//! exercises, counted exactly on a small fixture (whose 97 cells are counted by hand in
//! the comments below), as JSON and on the command line, and on both shipped policies.

use regionfence::cases::CaseFile;
use regionfence::coverage::{self, Coverage, DecisionSpace, EntryKind};
use regionfence::{audit, Policy, Question};
use regionfence_model::gen_policy::{policy as random_policy, Family as PolicyFamily};
use regionfence_model::Choices;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use strum::IntoEnumIterator;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap()
}

fn fixture_policy() -> Policy {
    Policy::from_yaml(&read("tests/fixtures/coverage/policy.yaml")).unwrap()
}

fn fixture_coverage() -> Coverage {
    let file = CaseFile::parse(&read("tests/fixtures/coverage/cases.yaml")).unwrap();
    coverage::coverage(&fixture_policy(), &file.cases).unwrap()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn cases_of(c: &Coverage, ask: &str, region: Option<&str>, code: &str) -> usize {
    c.reasons
        .cells
        .iter()
        .find(|cell| cell.ask == ask && cell.region.as_deref() == region && cell.code.as_str() == code)
        .unwrap_or_else(|| panic!("no cell {ask} {region:?} {code}"))
        .cases
}

fn entry_cases(c: &Coverage, entry: &str) -> usize {
    c.entries
        .cells
        .iter()
        .find(|cell| cell.entry == entry)
        .unwrap_or_else(|| panic!("no entry {entry}"))
        .cases
}

/// The fixture's reason cells, per kind × region (US West, EU West, an unknown region):
/// ingest 5 5 4 (host-in-region, ingestion-outside-region, unknown-source, unknown-host,
/// malformed-host; unknown-region instead of the first two), resolve 4 4 3, deliver 3 (US West
/// delivers anywhere: no endpoint-outside-region) 4 3, store 5 5 3, connect 4 4 3, allowlist
/// 3 3 2 (allowlist-unknown is unreachable: both regions have ranges), failover 3 (Oregon has
/// one zone: nothing within it) 4 1, region-change 3 3 1: 82 cells. Entries: 2 hosts, 2
/// endpoints, 6 placements (archive, redshift and bigquery in each region), 2 CIDRs, 3
/// locations: 15. The ten cases cover ten reason cells and six entries.
#[test]
fn a_fixture_is_counted_exactly() {
    let c = fixture_coverage();
    assert_eq!((c.cases, c.covered, c.total, c.percent), (10, 16, 97, 16.4));
    assert_eq!((c.reasons.covered, c.reasons.total), (10, 82));
    assert_eq!((c.entries.covered, c.entries.total), (6, 15));
    let table = [
        ("ingest", [(1, 5), (2, 5), (0, 4)]),
        ("resolve", [(1, 4), (0, 4), (0, 3)]),
        ("deliver", [(0, 3), (1, 4), (0, 3)]),
        ("store", [(0, 5), (1, 5), (0, 3)]),
        ("connect", [(0, 4), (1, 4), (0, 3)]),
        ("allowlist", [(0, 3), (1, 3), (0, 2)]),
        ("failover", [(0, 3), (1, 4), (0, 1)]),
        ("region-change", [(0, 3), (0, 3), (1, 1)]),
    ];
    for (ask, tallies) in table {
        for (region, (covered, total)) in [Some("us-west"), Some("eu-west"), None].into_iter().zip(tallies) {
            let t = c.reason_tally(ask, region);
            assert_eq!((t.covered, t.total), (covered, total), "{ask} {region:?}");
        }
    }
    let kinds = [
        (EntryKind::IngestionHost, 1, 2),
        (EntryKind::DestinationEndpoint, 1, 2),
        (EntryKind::StorePlacement, 1, 6),
        (EntryKind::EgressCidr, 1, 2),
        (EntryKind::FailoverLocation, 2, 3),
    ];
    for (kind, covered, total) in kinds {
        let t = c.entry_tally(kind);
        assert_eq!((t.covered, t.total), (covered, total), "{kind}");
    }
    assert!(c.reasons.cells.iter().all(|cell| !cell.beyond_space));
    // The space itself counts the same cells before any suite is read.
    let policy = fixture_policy();
    let space = DecisionSpace::new(&policy).unwrap();
    assert_eq!((space.reason_cells(), space.entry_cells()), (82, 15));
    // Every uncovered pair is listed, so nothing is said to be left out.
    let text = c.to_text();
    assert!(!text.contains("more question kind"), "{text}");
}

#[test]
fn each_kind_has_a_covered_and_an_uncovered_cell() {
    let c = fixture_coverage();
    // Reason cells: a code given in a kind × region, and one the cases never reach.
    assert_eq!(cases_of(&c, "ingest", Some("us-west"), "host-in-region"), 1);
    assert_eq!(cases_of(&c, "ingest", Some("eu-west"), "host-in-region"), 0);
    assert_eq!(cases_of(&c, "ingest", Some("eu-west"), "malformed-host"), 1);
    assert_eq!(cases_of(&c, "ingest", Some("us-west"), "malformed-host"), 0);
    assert_eq!(
        cases_of(&c, "deliver", Some("eu-west"), "endpoint-outside-region"),
        1
    );
    assert_eq!(cases_of(&c, "deliver", Some("eu-west"), "endpoint-in-region"), 0);
    assert_eq!(
        cases_of(
            &c,
            "failover",
            Some("eu-west"),
            "failover-within-ingestion-region"
        ),
        1
    );
    assert_eq!(
        cases_of(&c, "failover", Some("eu-west"), "failover-across-regions"),
        0
    );
    assert_eq!(cases_of(&c, "region-change", None, "unknown-region"), 1);
    assert_eq!(
        cases_of(&c, "region-change", Some("eu-west"), "region-immutable"),
        0
    );
    // Entries: a host admitted (1), refused as US West's (2) and handed out (4) is named
    // by three cases; the EU host by none.
    assert_eq!(entry_cases(&c, "us-west/oregon api.segment.io"), 3);
    assert_eq!(entry_cases(&c, "eu-west/dublin events.eu1.segmentapis.com"), 0);
    assert_eq!(entry_cases(&c, "amplitude/us"), 1);
    assert_eq!(entry_cases(&c, "amplitude/eu"), 0);
    assert_eq!(entry_cases(&c, "eu-west: bigquery in eu"), 1);
    assert_eq!(entry_cases(&c, "eu-west: redshift in eu"), 0);
    // An address admitted (connect) and a range handed out (allowlist).
    assert_eq!(entry_cases(&c, "eu-west 3.251.148.96/29"), 2);
    assert_eq!(entry_cases(&c, "us-west 52.25.130.38/32"), 0);
    assert_eq!(entry_cases(&c, "eu-west/dublin-b"), 1);
    assert_eq!(entry_cases(&c, "us-west/oregon-a"), 0);
}

#[test]
fn the_uncovered_cells_are_listed() {
    let c = fixture_coverage();
    let entries: Vec<&str> = c.uncovered_entries().map(|e| e.entry.as_str()).collect();
    assert_eq!(
        entries,
        [
            "eu-west/dublin events.eu1.segmentapis.com",
            "amplitude/eu",
            "us-west: archive in aws:us-west-2",
            "us-west: redshift in any",
            "us-west: bigquery in any",
            "eu-west: archive in aws:eu-west-1",
            "eu-west: redshift in eu",
            "us-west 52.25.130.38/32",
            "us-west/oregon-a",
        ]
    );
    assert_eq!(c.uncovered_reasons().count(), 72);
    let text = c.to_text();
    for line in [
        "coverage of policy `coverage-fixture` by 10 case(s): 16/97 cells (16.4%)",
        "  reason codes per question kind and region: 10/82 (12.1%)",
        "    ingest         us-west 1/5, eu-west 2/5, (unknown) 0/4",
        "    region-change  us-west 0/3, eu-west 0/3, (unknown) 1/1",
        "  policy entries: 6/15 (40.0%)",
        "    store placements        1/6",
        "  uncovered: 81 cell(s) (`--format json` lists every cell)",
        "    ingest eu-west: unknown-source, unknown-host, host-in-region",
        "    store eu-west: unknown-cloud-region, unknown-store, store-outside-region, store-provider-mismatch",
        "    failover (unknown): unknown-location",
        "    ingestion hosts: eu-west/dublin events.eu1.segmentapis.com",
        "    store placements: us-west: archive in aws:us-west-2, us-west: redshift in any, us-west: bigquery in any, eu-west: archive in aws:eu-west-1, eu-west: redshift in eu",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    // Covered cells are not listed as uncovered.
    assert!(!text.contains("ingest us-west: host-in-region"));
}

#[test]
fn long_lists_are_bounded() {
    // A third region makes 8 kinds × 4 regions: more lines of uncovered codes than a text
    // report shows.
    let yaml = read("tests/fixtures/coverage/policy.yaml").replace(
        "destinations:",
        "  - id: ap-south\n    residency: edge-ingest\n    jurisdiction: us\n    processing: aws:us-west-2\n    archive: [aws:us-west-2]\n    source_kinds: [javascript]\n    warehouse_egress: [10.0.0.0/8]\n    ingestion:\n      - {id: mumbai, default: true, cloud_region: aws:us-west-2, hosts: [in.ap2.segmentapis.com], zones: [a, b, c, d, e, f, g, h, i, j]}\ndestinations:",
    );
    let policy = Policy::from_yaml(&yaml).unwrap();
    let none: [&Question; 0] = [];
    let c = DecisionSpace::new(&policy).unwrap().coverage(none);
    assert_eq!(c.covered, 0);
    let text = c.to_text();
    let listed = text
        .lines()
        .filter(|l| l.starts_with("    ") && l.contains(": "))
        .count();
    assert_eq!(
        listed,
        regionfence::coverage::MAX_UNCOVERED_LINES + EntryKind::iter().count(),
        "{text}"
    );
    assert!(
        text.contains("    … and 8 more question kind × region pair(s) with uncovered codes"),
        "{text}"
    );
    // 13 locations: eight named, then how many more.
    assert!(text.contains("ap-south/mumbai-e and 5 more"), "{text}");
}

#[test]
fn entries_no_decision_can_name_are_listed_and_not_counted() {
    // Braze is listed by no region: every deliver of it is `destination-unavailable-in-region`,
    // which names no endpoint.
    let yaml = read("tests/fixtures/coverage/policy.yaml").replace(
        "stores:",
        "  - {id: braze, regions: [], endpoints: [{id: us, jurisdiction: us}, {id: eu, jurisdiction: eu}]}\nstores:",
    );
    let policy = Policy::from_yaml(&yaml).unwrap();
    let file = CaseFile::parse(&read("tests/fixtures/coverage/cases.yaml")).unwrap();
    let c = coverage::coverage(&policy, &file.cases).unwrap();
    let unnameable: Vec<&str> = c.entries.unnameable.iter().map(|e| e.entry.as_str()).collect();
    assert_eq!(unnameable, ["braze/us", "braze/eu"]);
    assert_eq!((c.entries.covered, c.entries.total), (6, 15));
    assert_eq!(c.entry_tally(EntryKind::DestinationEndpoint).total, 2);
    // A reason cell the new destination opens: deliver's `destination-unavailable-in-region`.
    assert_eq!((c.reasons.covered, c.reasons.total), (10, 84));
    let space = DecisionSpace::new(&policy).unwrap();
    assert_eq!((space.reason_cells(), space.entry_cells()), (84, 15));
    assert!(c
        .to_text()
        .contains("  entries no decision can name, not counted: braze/us, braze/eu"));
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["entries"]["unnameable"][1]["entry"], "braze/eu");
    // The shipped policies and the fixture have none.
    assert!(fixture_coverage().entries.unnameable.is_empty());
}

#[test]
fn the_json_form_lists_every_cell() {
    let c = fixture_coverage();
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["covered"], 16);
    assert_eq!(json["total"], 97);
    assert_eq!(json["percent"], 16.4);
    assert_eq!(json["reasons"]["cells"].as_array().unwrap().len(), 82);
    assert_eq!(json["entries"]["cells"].as_array().unwrap().len(), 15);
    let first = &json["reasons"]["cells"][0];
    assert_eq!(first["ask"], "ingest");
    assert_eq!(first["region"], "us-west");
    assert!(first.get("beyond_space").is_none());
    let unknown = json["reasons"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|cell| cell["ask"] == "region-change" && cell["region"].is_null())
        .unwrap();
    assert_eq!(unknown["code"], "unknown-region");
    assert_eq!(unknown["cases"], 1);
    let kinds = json["entries"]["kinds"].as_array().unwrap();
    assert_eq!(kinds[2]["kind"], "store-placement");
    assert_eq!(
        (kinds[2]["covered"].as_u64(), kinds[2]["total"].as_u64()),
        (Some(1), Some(6))
    );
    let placement = &json["entries"]["cells"][4];
    assert_eq!(placement["kind"], "store-placement");
    assert_eq!(placement["region"], "us-west");
    assert_eq!(placement["entry"], "us-west: archive in aws:us-west-2");
}

#[test]
fn the_command_line_reports_coverage() {
    let out = run(&["test", "tests/fixtures/coverage/cases.yaml", "--coverage"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("10 passed, 0 failed"));
    assert!(
        stdout.contains("tests/fixtures/coverage/cases.yaml (policy: tests/fixtures/coverage/policy.yaml)")
    );
    assert!(stdout.contains("coverage of policy `coverage-fixture` by 10 case(s): 16/97 cells (16.4%)"));

    // Without the flag, no coverage.
    let out = run(&["test", "tests/fixtures/coverage/cases.yaml"]);
    assert!(!String::from_utf8(out.stdout)
        .unwrap()
        .contains("coverage of policy"));

    let out = run(&[
        "test",
        "tests/fixtures/coverage/cases.yaml",
        "--coverage",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["passed"], 10);
    assert_eq!(json["coverage"][0]["covered"], 16);
    assert_eq!(
        json["coverage"][0]["files"][0],
        "tests/fixtures/coverage/cases.yaml"
    );

    // The gate: under it exits 1 and says why; at it passes; --min-coverage alone reports too.
    let out = run(&[
        "test",
        "tests/fixtures/coverage/cases.yaml",
        "--min-coverage",
        "20",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("coverage of policy `coverage-fixture` is 16.4%, under --min-coverage 20"),
        "{stderr}"
    );
    assert!(String::from_utf8(out.stdout).unwrap().contains("16/97 cells"));
    let out = run(&[
        "test",
        "tests/fixtures/coverage/cases.yaml",
        "--min-coverage",
        "16.4",
    ]);
    assert_eq!(out.status.code(), Some(0));
    for bad in ["101", "-1", "lots"] {
        let out = run(&[
            "test",
            "tests/fixtures/coverage/cases.yaml",
            "--min-coverage",
            bad,
        ]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
    }

    // A failing case still fails the run; coverage does not change the exit code.
    let dir = std::env::temp_dir().join(format!("regionfence-coverage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        repo("tests/fixtures/coverage/policy.yaml"),
        dir.join("policy.yaml"),
    )
    .unwrap();
    let failing = dir.join("failing.yaml");
    std::fs::write(
        &failing,
        "policy: policy.yaml\ncases:\n  - {name: wrong, ask: region-change, workspace: eu-west, to: us-west, expect: allow}\n",
    )
    .unwrap();
    let out = run(&["test", failing.to_str().unwrap(), "--coverage"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("by 1 case(s): 1/97 cells"));

    // An unreadable file is one error, reported once.
    let out = run(&["test", "tests/fixtures/coverage/no-such.yaml", "--coverage"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap().matches("error:").count(),
        1
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every question of a policy's space, as a suite: it must cover every reason cell and
/// every entry of the policy.
fn ask_everything(policy: &Policy) -> Coverage {
    let space = DecisionSpace::new(policy).unwrap();
    let mut questions = Vec::new();
    audit::space(policy).for_each(|q| questions.push(q));
    space.coverage(&questions)
}

#[test]
fn a_suite_that_asks_everything_covers_every_cell() {
    for policy in [
        fixture_policy(),
        Policy::default_policy(),
        Policy::from_yaml(&read("policies/segment-2025.yaml")).unwrap(),
    ] {
        let c = ask_everything(&policy);
        let missing: Vec<String> = c
            .uncovered_reasons()
            .map(|r| format!("{} {:?} {}", r.ask, r.region, r.code.as_str()))
            .chain(c.uncovered_entries().map(|e| e.entry.clone()))
            .collect();
        assert!(missing.is_empty(), "{}: {missing:?}", c.policy);
        assert_eq!(c.covered, c.total);
        assert_eq!(c.percent, 100.0);
        assert!(
            c.entries.unnameable.is_empty(),
            "{}: {:?}",
            c.policy,
            c.entries.unnameable
        );
        assert!(c.to_text().contains("every cell is covered"));
    }
}

#[test]
fn the_default_suite_on_the_default_policy() {
    let policy = Policy::default_policy();
    let file = CaseFile::parse(&read("policies/segment.cases.yaml")).unwrap();
    let c = coverage::coverage(&policy, &file.cases).unwrap();
    assert_eq!(c.cases, file.cases.len());
    // Every kind × region the policy has is in the space, with the unknown region.
    assert!((80..=120).contains(&c.reasons.total), "{}", c.reasons.total);
    // The suite asks every reason cell but a few (it covered all 88 when this was written).
    assert!(c.reasons.percent >= 95.0, "{}", c.to_text());
    // Both regions' hosts, placements, CIDRs and locations are named by the suite.
    for kind in [
        EntryKind::IngestionHost,
        EntryKind::EgressCidr,
        EntryKind::FailoverLocation,
    ] {
        let t = c.entry_tally(kind);
        assert_eq!(t.covered, t.total, "{kind}");
    }
    // Hundreds of destinations: most of their endpoints are in no case.
    let endpoints = c.entry_tally(EntryKind::DestinationEndpoint);
    assert!(endpoints.total > 300 && endpoints.covered >= 30, "{endpoints:?}");
    assert!(c.percent > 10.0 && c.percent < 100.0);
    assert!(c.reasons.cells.iter().all(|cell| !cell.beyond_space));
}

#[test]
fn a_suite_on_the_2025_policy() {
    let policy = Policy::from_yaml(&read("policies/segment-2025.yaml")).unwrap();
    let file = CaseFile::parse(&read("tests/fixtures/coverage/segment-2025.cases.yaml")).unwrap();
    assert!(file.cases.iter().all(|c| c.run(&policy).passed));
    let c = coverage::coverage(&policy, &file.cases).unwrap();
    assert_eq!(c.cases, 15);
    // Fifteen cases, each giving a different reason cell.
    assert_eq!(c.reasons.covered, 15);
    assert!((80..=120).contains(&c.reasons.total), "{}", c.reasons.total);
    // Both regions' first hosts (ingested, refused, resolved) and every CIDR (admitting an
    // address, handed out).
    assert_eq!(entry_cases(&c, "us-west/oregon api.segment.io"), 2);
    assert_eq!(entry_cases(&c, "eu-west/dublin events.eu1.segmentapis.com"), 2);
    let t = c.entry_tally(EntryKind::EgressCidr);
    assert_eq!(t.covered, t.total);
    assert_eq!(c.entry_tally(EntryKind::DestinationEndpoint).covered, 2);
    assert!(c.percent > 1.0 && c.percent < 20.0, "{}", c.percent);
}

/// The reason cells' counts against a reference written from the README's definition: per
/// case, the codes of its decision, in its kind and the region its workspace (or its `from`
/// location's `region/` prefix) names when the policy defines it.
#[test]
fn reason_counts_match_a_naive_reference() {
    let policy = Policy::default_policy();
    let doc = policy.document();
    let regions: BTreeSet<&str> = doc.regions.iter().map(|r| r.id.as_str()).collect();
    let mut locations = BTreeSet::new();
    for r in &doc.regions {
        for i in &r.ingestion {
            for z in &i.zones {
                locations.insert(format!("{}/{}-{z}", r.id, i.id));
            }
        }
    }
    let file = CaseFile::parse(&read("policies/segment.cases.yaml")).unwrap();
    let mut expected: BTreeMap<(String, Option<String>, String), usize> = BTreeMap::new();
    for case in &file.cases {
        let q = &case.question;
        let json = serde_json::to_value(q).unwrap();
        let region = match q {
            Question::Failover { from, .. } => locations
                .contains(from)
                .then(|| from.split('/').next().unwrap().to_string()),
            _ => {
                let w = json["workspace"].as_str().unwrap();
                regions.contains(w).then(|| w.to_string())
            }
        };
        let codes: BTreeSet<&str> = policy.decide(q).codes().map(|c| c.as_str()).collect();
        for code in codes {
            *expected
                .entry((q.ask().to_string(), region.clone(), code.to_string()))
                .or_default() += 1;
        }
    }
    let c = coverage::coverage(&policy, &file.cases).unwrap();
    let got: BTreeMap<(String, Option<String>, String), usize> = c
        .reasons
        .cells
        .iter()
        .filter(|cell| cell.cases > 0)
        .map(|cell| {
            (
                (
                    cell.ask.to_string(),
                    cell.region.clone(),
                    cell.code.as_str().to_string(),
                ),
                cell.cases,
            )
        })
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn a_file_name_cannot_rewrite_the_terminal() {
    let dir = std::env::temp_dir().join(format!("regionfence-coverage-esc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        repo("tests/fixtures/coverage/policy.yaml"),
        dir.join("policy.yaml"),
    )
    .unwrap();
    let hostile = dir.join("cases\u{1b}[2J\u{202e}.yaml");
    std::fs::copy(repo("tests/fixtures/coverage/cases.yaml"), &hostile).unwrap();
    let out = run(&["test", hostile.to_str().unwrap(), "--coverage"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("cases\\u{1b}[2J\\u{202e}.yaml (policy: "),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_store_is_placed_only_where_a_cloud_region_runs_it() {
    // EU West archives in Dublin and in Belgium: the archive store runs on AWS only, so it
    // is placed in Dublin and not in Belgium.
    let eu_archive =
        "archive: [aws:eu-west-1]\n    source_kinds: [javascript]\n    warehouse_egress: [3.251.148.96/29]";
    let text = read("tests/fixtures/coverage/policy.yaml");
    assert!(text.contains(eu_archive));
    let yaml = text.replace(
        eu_archive,
        &eu_archive.replace("[aws:eu-west-1]", "[aws:eu-west-1, gcp:europe-west1]"),
    );
    let policy = Policy::from_yaml(&yaml).unwrap();
    let space = DecisionSpace::new(&policy).unwrap();
    let c = space.coverage(std::iter::empty::<&regionfence::Question>());
    let placements: Vec<&str> = c
        .entries
        .cells
        .iter()
        .filter(|cell| cell.kind == EntryKind::StorePlacement && cell.region.as_deref() == Some("eu-west"))
        .map(|cell| cell.entry.as_str())
        .collect();
    assert_eq!(
        placements,
        [
            "eu-west: archive in aws:eu-west-1",
            "eu-west: redshift in eu",
            "eu-west: bigquery in eu"
        ]
    );
    // Not even as an entry no decision can name.
    assert!(c.entries.unnameable.is_empty(), "{:?}", c.entries.unnameable);
}

#[test]
fn an_ipv6_loader_range_is_covered_by_an_address_in_it() {
    let egress = "warehouse_egress: [3.251.148.96/29]";
    let text = read("tests/fixtures/coverage/policy.yaml");
    assert!(text.contains(egress));
    let yaml = text.replace(egress, "warehouse_egress: [3.251.148.96/29, 2001:db8::/64]");
    let policy = Policy::from_yaml(&yaml).unwrap();
    let space = DecisionSpace::new(&policy).unwrap();
    let connect = regionfence::Question::Connect {
        workspace: "eu-west".into(),
        warehouse: "redshift".into(),
        ip: "2001:db8::5".into(),
    };
    assert!(policy.decide(&connect).is_allowed());
    let c = space.coverage([&connect]);
    let cases = |cidr: &str| {
        c.entries
            .cells
            .iter()
            .find(|cell| cell.kind == EntryKind::EgressCidr && cell.entry.contains(cidr))
            .unwrap_or_else(|| panic!("no cell for {cidr}"))
            .cases
    };
    assert_eq!(cases("2001:db8::/64"), 1);
    assert_eq!(cases("3.251.148.96/29"), 0);
}

/// A cell as the report names it: a reason cell (ask, region, code) or an entry cell (kind,
/// region, label).
type ReasonKey = (String, Option<String>, String);
type EntryKey = (EntryKind, Option<String>, String);

/// The cells a decided question touches, written from the definition in `coverage`'s docs
/// with the policy's public names and the reference model's reading of the document: its
/// codes, in its kind and the region its workspace names (or, for `failover`, the region of
/// the location it starts from) when the document has that region; the entries its reasons
/// and answer name (a host admitted, refused as another region's or handed out; an endpoint
/// gone through or refused; each item of the region's place list for the store's kind that
/// holds the cloud region a store is allowed in; each loader range that admits the address,
/// or every range an allowlist hands out; a location a failover starts from or goes to).
fn touched_by(policy: &Policy, q: &Question) -> (BTreeSet<ReasonKey>, BTreeSet<EntryKey>) {
    use regionfence::document::{PlacesDoc, StoreKind};
    use regionfence::{Answer, Reason};
    use regionfence_model::{ips, rules};
    let doc = policy.document();
    let region_of = |name: &str| doc.regions.iter().any(|r| r.id == name).then(|| name.to_string());
    let region = match q {
        Question::Failover { from, .. } => rules::location(doc, from).map(|(r, _)| r.id.clone()),
        Question::Ingest { workspace, .. }
        | Question::Resolve { workspace, .. }
        | Question::Deliver { workspace, .. }
        | Question::Store { workspace, .. }
        | Question::Connect { workspace, .. }
        | Question::Allowlist { workspace, .. }
        | Question::RegionChange { workspace, .. } => region_of(workspace),
    };
    let decision = policy.decide(q);
    let reasons = decision
        .codes()
        .map(|c| (q.ask().to_string(), region.clone(), c.as_str().to_string()))
        .collect();
    let mut entries = BTreeSet::new();
    let host = |entries: &mut BTreeSet<EntryKey>, ingestion, host| {
        for r in &doc.regions {
            for i in &r.ingestion {
                let id = policy
                    .region_id(&r.id)
                    .and_then(|r| policy.ingestion_id(r, &i.id));
                if id == Some(ingestion) {
                    let label = format!("{}/{} {}", r.id, i.id, policy.host_name(host));
                    entries.insert((EntryKind::IngestionHost, Some(r.id.clone()), label));
                }
            }
        }
    };
    let endpoint = |entries: &mut BTreeSet<EntryKey>, d, e| {
        let label = format!("{}/{}", policy.destination_name(d), policy.endpoint_name(d, e));
        entries.insert((EntryKind::DestinationEndpoint, None, label));
    };
    let cidrs = |entries: &mut BTreeSet<EntryKey>, region, ip: Option<std::net::IpAddr>| {
        let name = policy.region_name(region);
        for net in policy.egress(region) {
            if ip.is_none_or(|ip| ips::as_compared(*net).contains(&ip)) {
                let label = format!("{name} {net}");
                entries.insert((EntryKind::EgressCidr, Some(name.to_string()), label));
            }
        }
    };
    let location = |entries: &mut BTreeSet<EntryKey>, l| {
        let name = policy.location_name(l);
        let region = rules::location(doc, name).map(|(r, _)| r.id.clone());
        entries.insert((EntryKind::FailoverLocation, region, name.to_string()));
    };
    for r in decision.reasons() {
        match *r {
            Reason::HostInRegion { ingestion, host: h }
            | Reason::IngestionOutsideRegion {
                ingestion,
                host: Some(h),
                ..
            } => host(&mut entries, ingestion, h),
            Reason::EndpointInRegion {
                destination,
                endpoint: e,
                ..
            }
            | Reason::EndpointOutsideRegion {
                destination,
                endpoint: Some(e),
                ..
            } => endpoint(&mut entries, destination, e),
            Reason::StoreInRegion { store, cloud, region } => {
                let r = doc
                    .regions
                    .iter()
                    .find(|r| r.id == policy.region_name(region))
                    .unwrap();
                let s = doc
                    .stores
                    .iter()
                    .find(|s| s.id == policy.store_name(store))
                    .unwrap();
                let places = match s.kind {
                    StoreKind::Archive => PlacesDoc::List(r.archive.clone()),
                    StoreKind::DataLake | StoreKind::Warehouse => rules::customer_storage(r),
                };
                let items = match places {
                    PlacesDoc::Any(_) => vec!["any".to_string()],
                    PlacesDoc::List(items) => items,
                };
                let cloud = policy.cloud_name(cloud);
                for item in items {
                    let one = PlacesDoc::List(vec![item.clone()]);
                    if item == "any" || rules::cloud_in_places(doc, cloud, &one) {
                        let label = format!("{}: {} in {item}", r.id, s.id);
                        entries.insert((EntryKind::StorePlacement, Some(r.id.clone()), label));
                    }
                }
            }
            Reason::IpAllowlisted { region } => {
                if let Question::Connect { ip, .. } = q {
                    if let Some(ip) = ips::parse_ip(ip) {
                        cidrs(&mut entries, region, Some(ip));
                    }
                }
            }
            Reason::FailoverSameLocation(l) => location(&mut entries, l),
            Reason::FailoverAcrossRegions { from, to }
            | Reason::FailoverAcrossIngestionRegions { from, to }
            | Reason::FailoverWithinIngestionRegion { from, to }
            | Reason::FailoverListedTarget { from, to } => {
                location(&mut entries, from);
                location(&mut entries, to);
            }
            _ => {}
        }
    }
    match decision.answer() {
        Answer::Host {
            ingestion, host: h, ..
        } => host(&mut entries, ingestion, h),
        Answer::Endpoint {
            destination,
            endpoint: e,
        } => endpoint(&mut entries, destination, e),
        Answer::Cidrs { region: Some(r) } => cidrs(&mut entries, r, None),
        Answer::Cidrs { region: None } | Answer::None => {}
    }
    (reasons, entries)
}

/// A report's cells by name: each reason cell's cases and whether it lies beyond the space;
/// each entry cell's (several, where two entries read alike) cases and whether no decision
/// can name it.
type Cells = (
    BTreeMap<ReasonKey, (usize, bool)>,
    BTreeMap<EntryKey, Vec<(usize, bool)>>,
);

/// The cells of a report (see [`Cells`]).
fn cells(c: &Coverage) -> Cells {
    let reasons = c
        .reasons
        .cells
        .iter()
        .map(|cell| {
            let key = (
                cell.ask.to_string(),
                cell.region.clone(),
                cell.code.as_str().to_string(),
            );
            (key, (cell.cases, cell.beyond_space))
        })
        .collect();
    let mut entries: BTreeMap<EntryKey, Vec<(usize, bool)>> = BTreeMap::new();
    let listed = c.entries.cells.iter().map(|cell| (cell, false));
    for (cell, unnameable) in listed.chain(c.entries.unnameable.iter().map(|cell| (cell, true))) {
        let key = (cell.kind, cell.region.clone(), cell.entry.clone());
        entries.entry(key).or_default().push((cell.cases, unnameable));
    }
    (reasons, entries)
}

/// A place list's items as coverage names them: `any`, or each group and cloud region.
fn items(places: regionfence::document::PlacesDoc) -> Vec<String> {
    match places {
        regionfence::document::PlacesDoc::Any(_) => vec!["any".to_string()],
        regionfence::document::PlacesDoc::List(items) => items,
    }
}

/// Every entry cell of a policy, from the definition in `coverage`'s docs and the document
/// alone (how many cells have each name): every ingestion host per ingestion region, every
/// endpoint, every item of a region's `archive` (for an archive) or `customer_storage` (for
/// a data lake or warehouse) list that holds a cloud region the store may be kept in there
/// (the store offered to the region, and run on the cloud region's provider), every loader
/// range, every failover location.
fn entry_cells(doc: &regionfence::document::Document) -> BTreeMap<EntryKey, usize> {
    use regionfence::document::{PlacesDoc, StoreKind};
    use regionfence_model::rules;
    let mut out: BTreeMap<EntryKey, usize> = BTreeMap::new();
    let mut add = |kind, region: Option<&str>, label: String| {
        *out.entry((kind, region.map(str::to_string), label)).or_default() += 1;
    };
    for r in &doc.regions {
        for i in &r.ingestion {
            for h in &i.hosts {
                add(
                    EntryKind::IngestionHost,
                    Some(&r.id),
                    format!("{}/{} {h}", r.id, i.id),
                );
            }
            for z in &i.zones {
                add(EntryKind::FailoverLocation, Some(&r.id), i.location(&r.id, z));
            }
        }
        for s in &doc.stores {
            let offered = s.regions.as_ref().is_none_or(|rs| rs.contains(&r.id));
            let places = match s.kind {
                StoreKind::Archive => PlacesDoc::List(r.archive.clone()),
                StoreKind::DataLake | StoreKind::Warehouse => rules::customer_storage(r),
            };
            for item in items(places) {
                let one = PlacesDoc::List(vec![item.clone()]);
                let placed = doc.cloud_regions.iter().any(|c| {
                    let provider = c.id.split(':').next().unwrap_or_default();
                    let held = item == "any" || rules::cloud_in_places(doc, &c.id, &one);
                    held && s.clouds.iter().any(|p| p == provider)
                });
                if offered && placed {
                    add(
                        EntryKind::StorePlacement,
                        Some(&r.id),
                        format!("{}: {} in {item}", r.id, s.id),
                    );
                }
            }
        }
        for cidr in &r.warehouse_egress {
            let net: ipnet::IpNet = cidr.parse().unwrap();
            add(EntryKind::EgressCidr, Some(&r.id), format!("{} {net}", r.id));
        }
    }
    for d in &doc.destinations {
        for e in &d.endpoints {
            add(EntryKind::DestinationEndpoint, None, format!("{}/{}", d.id, e.id));
        }
    }
    out
}

/// Whether some decision names an entry cell, from the definition: a host is named when it
/// is admitted (a source the region supports, the host's first ingestion region in its
/// region), handed out (a source the region supports, its ingestion region's first host) or
/// refused as another region's (its first ingestion region of all, and a region that lists
/// it nowhere); an endpoint when some region offers its destination; a loader range when the
/// policy has a warehouse to connect to; a placement (a cloud region the store may be kept in
/// is in it) and a location (failed over to itself) always.
fn nameable(doc: &regionfence::document::Document, key: &EntryKey) -> bool {
    use regionfence::document::StoreKind;
    use regionfence_model::{ask, decide};
    let (kind, region, label) = key;
    match kind {
        EntryKind::IngestionHost => {
            let Some(r) = doc.regions.iter().find(|r| Some(&r.id) == region.as_ref()) else {
                return false;
            };
            let (path, host) = label.split_once(' ').unwrap();
            let i = r
                .ingestion
                .iter()
                .find(|i| format!("{}/{}", r.id, i.id) == path)
                .unwrap();
            fn listing<'d>(r: &'d regionfence::document::RegionDoc, host: &str) -> Option<&'d String> {
                r.ingestion
                    .iter()
                    .find(|i| i.hosts.iter().any(|h| h == host))
                    .map(|i| &i.id)
            }
            let names = doc
                .source_kinds
                .iter()
                .map(|k| &k.id)
                .chain(doc.sources.iter().map(|s| &s.id));
            let supported = names
                .into_iter()
                .any(|s| decide(doc, &ask::resolve(&r.id, s, None)).allow);
            let admitted = listing(r, host) == Some(&i.id);
            let handed_out = i.hosts.first().is_some_and(|h| h == host);
            let first = doc
                .regions
                .iter()
                .find_map(|r| listing(r, host).map(|i| (&r.id, i)));
            let refused =
                first == Some((&r.id, &i.id)) && doc.regions.iter().any(|r| listing(r, host).is_none());
            (supported && (admitted || handed_out)) || refused
        }
        EntryKind::DestinationEndpoint => {
            let (d, _) = label.split_once('/').unwrap();
            doc.destinations
                .iter()
                .any(|x| x.id == d && !x.regions.is_empty())
        }
        EntryKind::EgressCidr => doc.stores.iter().any(|s| s.kind == StoreKind::Warehouse),
        EntryKind::StorePlacement | EntryKind::FailoverLocation => true,
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_none() { crate::long_or_light(512, 32) } else { proptest::prelude::ProptestConfig::default().cases },
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// On random policies, the cells partition the question space: a suite of every question
    /// of the audit's space and some random ones is counted cell by cell as a reference
    /// written from the definition counts it — every cell a question touches is a cell the
    /// report lists, each question once per cell; the space alone covers every reason cell
    /// and every entry cell but those listed as no decision can name (which no question of
    /// it names); and one question's report holds exactly its own cells, once each.
    #[test]
    fn cells_partition_the_question_space(
        tape in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        extra in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        safe in proptest::prelude::any::<bool>(),
    ) {
        use proptest::prop_assert_eq;
        let family = if safe { PolicyFamily::Safe } else { PolicyFamily::Any };
        let doc = random_policy(&mut Choices::new(&tape), family);
        let options = regionfence::CompileOptions::new().as_of(regionfence_model::gen_policy::as_of());
        let policy = Policy::compile_with(doc, &options).unwrap();
        let Ok(space) = DecisionSpace::new(&policy) else {
            return Ok(());
        };
        let audit_space = audit::space(&policy);
        let mut questions = Vec::new();
        audit_space.for_each(|q| questions.push(q));
        let asked = questions.len();
        let mut t = Choices::new(&extra);
        questions.extend((0..16).map(|_| regionfence_model::gen_question::question(&mut t, policy.document())));

        // The reference: each question once per cell it touches.
        let mut reasons: BTreeMap<ReasonKey, usize> = BTreeMap::new();
        let mut entries: BTreeMap<EntryKey, usize> = BTreeMap::new();
        let mut in_space = BTreeSet::new();
        let mut named_in_space = BTreeSet::new();
        for (i, q) in questions.iter().enumerate() {
            let (r, e) = touched_by(&policy, q);
            if i < asked {
                in_space.extend(r.iter().cloned());
                named_in_space.extend(e.iter().cloned());
            }
            for key in r {
                *reasons.entry(key).or_default() += 1;
            }
            for key in e {
                *entries.entry(key).or_default() += 1;
            }
        }

        // The whole suite: every cell touched is listed, with the reference's count.
        let (got_reasons, got_entries) = cells(&space.coverage(&questions));
        for (key, &(cases, beyond)) in &got_reasons {
            prop_assert_eq!(cases, reasons.get(key).copied().unwrap_or(0), "{:?}", key);
            prop_assert_eq!(beyond, !in_space.contains(key), "{:?}", key);
        }
        for key in reasons.keys() {
            proptest::prop_assert!(got_reasons.contains_key(key), "{:?} touched, not listed", key);
        }
        for (key, cells) in &got_entries {
            for &(cases, _) in cells {
                prop_assert_eq!(cases, entries.get(key).copied().unwrap_or(0), "{:?}", key);
            }
        }
        for key in entries.keys() {
            proptest::prop_assert!(got_entries.contains_key(key), "{:?} touched, not listed", key);
        }

        // The space alone covers every reason cell, and every entry cell but those of a
        // family asked per class and those no decision can name, which none of it names.
        let c = space.coverage(&questions[..asked]);
        prop_assert_eq!(c.reasons.covered, c.reasons.total);
        prop_assert_eq!(c.reasons.total, space.reason_cells());
        proptest::prop_assert!(c.reasons.cells.iter().all(|cell| !cell.beyond_space));
        prop_assert_eq!(c.entries.total, space.entry_cells());
        let full = |kind: EntryKind| {
            let family = match kind {
                EntryKind::IngestionHost => audit::Family::Ingest,
                EntryKind::DestinationEndpoint => audit::Family::Deliver,
                EntryKind::StorePlacement => audit::Family::Store,
                EntryKind::EgressCidr => audit::Family::Connect,
                EntryKind::FailoverLocation => audit::Family::Failover,
            };
            audit_space.plans().iter().any(|p| p.family == family && p.full)
        };
        for cell in c.uncovered_entries() {
            proptest::prop_assert!(!full(cell.kind), "{} uncovered by the whole space", cell.entry);
        }
        for cell in &c.entries.unnameable {
            proptest::prop_assert!(full(cell.kind));
            let key = (cell.kind, cell.region.clone(), cell.entry.clone());
            proptest::prop_assert!(!named_in_space.contains(&key), "{} named, listed as unnameable", cell.entry);
        }
        // The cells are the document's entries, and those no decision can name are those the
        // definition says none can name.
        let listed: BTreeMap<EntryKey, usize> = got_entries.iter().map(|(k, cells)| (k.clone(), cells.len())).collect();
        prop_assert_eq!(&listed, &entry_cells(policy.document()));
        for (key, cells) in &cells(&c).1 {
            let unnameable = cells.iter().any(|(_, unnameable)| *unnameable);
            if full(key.0) {
                prop_assert_eq!(unnameable, !nameable(policy.document(), key), "{:?}", key);
            }
        }
        if audit_space.plans().iter().all(|p| p.full) {
            prop_assert_eq!((c.covered, c.percent), (c.total, 100.0));
        }

        // One question at a time: exactly its own cells, once each.
        let step = (asked / 24).max(1);
        for q in questions.iter().step_by(step).chain(&questions[asked..]) {
            let (r, e) = touched_by(&policy, q);
            let c = space.coverage([q]);
            let (got_reasons, got_entries) = cells(&c);
            let hit: BTreeSet<ReasonKey> = got_reasons
                .iter()
                .filter(|(_, (cases, _))| *cases > 0)
                .map(|(k, _)| k.clone())
                .collect();
            prop_assert_eq!(&hit, &r, "{}", q.to_json());
            proptest::prop_assert!(got_reasons.values().all(|(cases, _)| *cases <= 1));
            let hit: BTreeSet<EntryKey> = got_entries
                .iter()
                .filter(|(_, cells)| cells.iter().any(|(cases, _)| *cases > 0))
                .map(|(k, _)| k.clone())
                .collect();
            prop_assert_eq!(&hit, &e, "{}", q.to_json());
            proptest::prop_assert!(got_entries.values().flatten().all(|(cases, _)| *cases <= 1));
            prop_assert_eq!(c.reasons.covered, r.len());
        }
    }
}
