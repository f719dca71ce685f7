#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Typed errors: reading a file, loading a policy file, running a case file, writing a policy
//! and the loader's rules each give an error a caller can match on, with the same message
//! the command line prints.

use regionfence::cases::{CaseError, CaseFile};
use regionfence::cli::{self, CaseFileError, PolicyFileError, PolicyPathError, PolicyPathProblem, ReadError};
use regionfence::document::StoreKind;
use regionfence::{LoadErrorKind, Policy, ReasonCode};
use std::path::{Path, PathBuf};

const BASE: &str = include_str!("../fixtures/tiny.yaml");

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regionfence-typed-errors-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn reading_a_file_says_why_not() {
    let dir = folder("read");
    assert!(matches!(
        cli::read_limited(Path::new(""), 10),
        Err(ReadError::EmptyPath)
    ));
    assert_eq!(
        cli::read_limited(Path::new(""), 10).unwrap_err().to_string(),
        "the path is empty"
    );

    let e = cli::read_limited(&dir, 10).unwrap_err();
    assert!(
        matches!(&e, ReadError::NotRegularFile { path } if path == &dir),
        "{e:?}"
    );
    assert_eq!(e.to_string(), format!("{}: not a regular file", dir.display()));

    let missing = dir.join("missing.yaml");
    let e = cli::read_limited(&missing, 10).unwrap_err();
    match &e {
        ReadError::Io { path, source } => {
            assert_eq!(path, &missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string().starts_with(&format!("{}: ", missing.display())),
        "{e}"
    );

    let big = dir.join("big.yaml");
    std::fs::write(&big, "x".repeat(11)).unwrap();
    let e = cli::read_limited(&big, 10).unwrap_err();
    assert!(
        matches!(
            e,
            ReadError::TooLarge {
                size: 11,
                limit: 10,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("{}: 11 bytes, over the limit of 10 bytes", big.display())
    );
    assert_eq!(cli::read_limited(&big, 11).unwrap(), "x".repeat(11));
}

#[test]
fn loading_a_policy_file_keeps_the_load_error() {
    let dir = folder("load");
    let missing = dir.join("missing.yaml");
    assert!(matches!(
        cli::load_policy(Some(&missing)),
        Err(PolicyFileError::Read(ReadError::Io { .. }))
    ));

    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, BASE.replace("version: 1", "version: 7")).unwrap();
    let e = cli::load_policy(Some(&bad)).unwrap_err();
    let PolicyFileError::Invalid { path, error } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, &bad);
    assert_eq!(error.kind(), &LoadErrorKind::UnsupportedVersion { found: 7 });
    assert_eq!(e.to_string(), format!("{}: {error}", bad.display()));
    assert!(e.to_string().contains("line 1, column 1"), "{e}");

    let good = dir.join("good.yaml");
    std::fs::write(&good, BASE).unwrap();
    assert_eq!(cli::load_policy(Some(&good)).unwrap().name(), "tiny");
}

/// A case file in `dir` naming `policy`, with one case.
fn case_file(dir: &Path, policy: &str) -> PathBuf {
    let file = dir.join("suite.cases.yaml");
    std::fs::write(
        &file,
        format!("policy: {policy}\ncases:\n  - {{name: stays, ask: region-change, workspace: eu-west, to: eu-west, expect: allow}}\n"),
    )
    .unwrap();
    file
}

#[test]
fn a_case_file_policy_path_says_what_is_wrong_with_it() {
    let dir = folder("policy-path");
    std::fs::write(dir.join("tiny.yaml"), BASE).unwrap();
    let file = case_file(&dir, "tiny.yaml");
    assert!(cli::run_case_file(&file, None).unwrap()[0].passed);
    for (written, problem, says) in [
        (" ", PolicyPathProblem::Empty, "is empty"),
        (
            "/etc/passwd",
            PolicyPathProblem::NotRelative,
            "must be a path relative to the case file's folder",
        ),
        (
            "nothing-here.yaml",
            PolicyPathProblem::Missing,
            "does not name a file that exists",
        ),
        (
            "../",
            PolicyPathProblem::OutsideFolder,
            "leads outside the case file's folder",
        ),
    ] {
        let e = cli::case_policy_path(&file, written).unwrap_err();
        assert_eq!(
            e,
            PolicyPathError {
                case_file: file.clone(),
                written: written.to_string(),
                problem
            }
        );
        assert_eq!(
            e.to_string(),
            format!(
                "{}: `policy: {written}` {says}; pass a policy elsewhere with --policy",
                file.display()
            )
        );
    }
    let file = case_file(&dir, "nothing-here.yaml");
    let e = cli::run_case_file(&file, None).unwrap_err();
    assert!(
        matches!(&e, CaseFileError::PolicyPath(p) if p.problem == PolicyPathProblem::Missing),
        "{e:?}"
    );

    std::fs::write(dir.join("broken.yaml"), "version: [").unwrap();
    let file = case_file(&dir, "broken.yaml");
    let e = cli::run_case_file(&file, None).unwrap_err();
    assert!(
        matches!(&e, CaseFileError::Policy(PolicyFileError::Invalid { .. })),
        "{e:?}"
    );
}

#[test]
fn a_case_file_error_is_typed_and_reads_as_before() {
    assert_eq!(CaseFile::parse("cases: []\n").unwrap_err(), CaseError::NoCases);
    assert_eq!(
        CaseFile::parse("cases: []\n").unwrap_err().to_string(),
        "the case file holds no cases: a suite that asserts nothing cannot pass"
    );
    let one = "  - {name: x, ask: region-change, workspace: eu-west, to: eu-west, expect: allow}\n";
    let e = CaseFile::parse(&format!("policy: \"\"\ncases:\n{one}")).unwrap_err();
    assert_eq!(e, CaseError::EmptyPolicy);
    assert_eq!(
        e.to_string(),
        "`policy` is empty: name a policy file, or leave `policy` out for the embedded default"
    );

    let e = CaseFile::parse(&format!(
        "cases:\n{}",
        one.replace("allow}", "allow, reason: region-unchangd}")
    ))
    .unwrap_err();
    assert_eq!(
        e,
        CaseError::UnknownReasonCode {
            case: "x".into(),
            code: "region-unchangd".into(),
            suggestion: Some(ReasonCode::RegionUnchanged)
        }
    );
    assert_eq!(
        e.to_string(),
        "case `x`: unknown reason code `region-unchangd`; did you mean `region-unchanged`?"
    );
    assert_eq!(e.location(), None);

    let e = CaseFile::parse("cases:\n  - [").unwrap_err();
    assert!(
        matches!(
            e,
            CaseError::Syntax {
                location: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("line "), "{e}");
    let at = e.location().expect("a syntax error is located");
    assert_eq!(at.line, 2, "{e}");
    assert!(
        e.to_string()
            .starts_with(&format!("line {}, column {}:", at.line, at.column)),
        "{e}"
    );

    let dir = folder("case-file");
    let file = dir.join("empty.cases.yaml");
    std::fs::write(&file, "cases: []\n").unwrap();
    let e = cli::run_case_file(&file, None).unwrap_err();
    assert!(
        matches!(&e, CaseFileError::Invalid { path, error: CaseError::NoCases } if path == &file),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "{}: the case file holds no cases: a suite that asserts nothing cannot pass",
            file.display()
        )
    );
    assert!(matches!(
        cli::run_case_file(&dir.join("none.yaml"), None),
        Err(CaseFileError::Read(ReadError::Io { .. }))
    ));
}

#[test]
fn writing_a_policy_is_typed() {
    let policy = Policy::default_policy();
    let text: Result<String, regionfence::SerializeError> = policy.to_yaml();
    let again = Policy::from_yaml(&text.unwrap()).unwrap();
    assert_eq!(again.document(), policy.document());
}

#[test]
fn store_allowlisting_rules_are_variants_of_their_own() {
    let e = Policy::from_yaml(&BASE.replace(", allowlist: required", "")).unwrap_err();
    assert_eq!(
        e.kind(),
        &LoadErrorKind::AllowlistMissing {
            store: "redshift".into(),
            at: "stores[redshift].kind".into()
        }
    );
    assert!(e.to_string().ends_with(
        "warehouse `redshift` must say whether allowlisting is `required`, `recommended` or `not-needed` (in `stores[redshift].kind`)"
    ), "{e}");
    assert!(e.location().is_some());

    let e = Policy::from_yaml(&BASE.replace("kind: archive,", "kind: archive, allowlist: required,"))
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &LoadErrorKind::AllowlistNotWarehouse {
            store: "archive".into(),
            kind: StoreKind::Archive,
            at: "stores[archive].allowlist".into()
        }
    );
    assert!(
        e.to_string().ends_with(
            "`allowlist` is for warehouses; `archive` is of kind `archive` (in `stores[archive].allowlist`)"
        ),
        "{e}"
    );
}

#[test]
fn table_limits_are_variants_of_their_own() {
    use regionfence::limits::MAX_TABLE_CELLS;
    // Every cloud region belongs to every group: 4,001 × 4,000 memberships.
    let mut text = BASE.to_string();
    let mut clouds = String::new();
    for i in 0..4_000 {
        clouds.push_str(&format!("  - {{id: aws:r{i}, country: IE}}\n"));
    }
    let mut groups = String::new();
    for i in 0..3_999 {
        groups.push_str(&format!("  - {{id: g{i}, countries: [IE]}}\n"));
    }
    text = text.replace(
        "  - {id: aws:eu-west-1, country: IE}\n",
        &format!("  - {{id: aws:eu-west-1, country: IE}}\n{clouds}"),
    );
    text = text.replace(
        "  - {id: eu, countries: [IE]}\n",
        &format!("  - {{id: eu, countries: [IE]}}\n{groups}"),
    );
    let e = Policy::from_yaml(&text).unwrap_err();
    assert_eq!(
        e.kind(),
        &LoadErrorKind::TooManyMemberships {
            memberships: 4_001 * 4_000,
            limit: MAX_TABLE_CELLS
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "cloud regions would belong to groups {} times, over the limit of {MAX_TABLE_CELLS}",
            4_001 * 4_000
        )
    );

    // 200 regions × 3 × 26,700 cloud regions (and a few more columns) pass the cell limit.
    let mut clouds = String::new();
    for i in 0..26_700 {
        clouds.push_str(&format!("  - {{id: aws:r{i}, country: IE}}\n"));
    }
    let mut regions = String::new();
    for i in 0..199 {
        regions.push_str(&format!(
            "  - {{id: r{i}, residency: strict, jurisdiction: eu, processing: aws:eu-west-1, archive: [aws:eu-west-1], source_kinds: [javascript], ingestion: [{{id: i{i}, default: true, cloud_region: aws:eu-west-1, hosts: [h{i}.example.com]}}]}}\n"
        ));
    }
    let text = BASE
        .replace(
            "  - {id: aws:eu-west-1, country: IE}\n",
            &format!("  - {{id: aws:eu-west-1, country: IE}}\n{clouds}"),
        )
        .replace("destinations:\n", &format!("{regions}destinations:\n"))
        .replace(
            "  - {id: eu, countries: [IE]}\n",
            "  - {id: eu, countries: [IE]}\n  - {id: g1, countries: [IE]}\n  - {id: g2, countries: [IE]}\n",
        );
    let e = Policy::from_yaml(&text).unwrap_err();
    let LoadErrorKind::TooManyTableCells { cells, limit } = *e.kind() else {
        panic!("{e}")
    };
    assert_eq!(limit, MAX_TABLE_CELLS);
    assert!(
        cells > MAX_TABLE_CELLS && cells < MAX_TABLE_CELLS + MAX_TABLE_CELLS / 10,
        "{cells}"
    );
    // Exactly as documented: per region, three cells per cloud region and per group, two per
    // source kind and per destination, one per catalog source.
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let count = |key: &str| doc.get(key).and_then(|v| v.as_sequence()).map_or(0, Vec::len);
    let columns = 3 * count("cloud_regions")
        + 3 * count("groups")
        + 2 * count("source_kinds")
        + count("sources")
        + 2 * count("destinations");
    assert_eq!(cells, count("regions") * columns);
    assert_eq!(
        e.to_string(),
        format!("policy would compile to {cells} table cells, over the limit of {MAX_TABLE_CELLS}")
    );
}

#[test]
fn a_syntax_error_reads_with_its_place_when_it_has_one() {
    use std::collections::BTreeMap;
    let err = regionfence::parse_yaml::<BTreeMap<String, String>>("k: x\nk: y\n").unwrap_err();
    let at = err.location.unwrap();
    assert_eq!(at.line, 2);
    assert_eq!(err.to_string(), format!("{at}: {}", err.message));
    assert!(err.to_string().starts_with("line 2, column "), "{err}");
    let mut bare = err.clone();
    bare.location = None;
    assert_eq!(bare.to_string(), err.message);
    assert!(!err.message.is_empty());
}
