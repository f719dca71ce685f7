//! The integration tests of the library and the command line, as one test binary: one link
//! instead of one per file, so a cold `cargo test` spends its time testing. Each module is the
//! suite of one surface; the slow proofs at scale are `#[ignore]`d here and run by `.ci/run`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod api;
mod audit;
mod audit_exemptions;
mod audit_lint_limits;
mod audit_lints;
mod audit_nested_loaders;
mod audit_report;
mod audit_space;
mod audit_text;
mod cli;
mod coverage;
mod default_policy;
mod diff;
mod digest;
mod docs_console;
mod eval;
mod exemptions;
mod explain_fields;
mod fix_write;
mod fuzz_replay;
mod hostile_inputs;
mod id_layer;
mod import_segment;
mod invalid_policies;
mod invariants_exempted;
mod invariants_forged;
mod properties;
mod readme;
mod records;
mod regressions;
mod scale;
mod sets;
mod typed_errors;
mod workspace;
mod workspace_cli;
mod workspace_properties;

/// `long` in the long run `.ci/run` makes (`REGIONFENCE_LONG_TESTS=1`), `light` in a plain
/// `cargo test`: how many cases a slow property tries, how large a generated input is.
pub fn long_or_light<T>(long: T, light: T) -> T {
    if std::env::var_os("REGIONFENCE_LONG_TESTS").is_some_and(|v| v == "1") {
        long
    } else {
        light
    }
}

/// A property's configuration: `cases` cases unless `PROPTEST_CASES` says otherwise, and
/// failures kept in `regressions` (a file under `proptest-regressions/`): without a `lib.rs`
/// beside `tests/`, proptest's default would write them beside the test's source.
/// (`PROPTEST_DISABLE_FAILURE_PERSISTENCE` still turns persistence off.)
pub fn proptest_config(cases: u32, regressions: &'static str) -> proptest::prelude::ProptestConfig {
    let mut config = proptest::prelude::ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    if config.failure_persistence.is_some() {
        config.failure_persistence = Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            regressions,
        )));
    }
    config
}

/// The README and every chapter of the guide (`docs/guide/*.md`), one after another: where
/// a test checks what the docs show, it finds it wherever the docs put it.
pub fn docs() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("docs/guide"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    let mut text = std::fs::read_to_string(root.join("README.md")).unwrap();
    for file in files {
        text.push('\n');
        text.push_str(&std::fs::read_to_string(file).unwrap());
    }
    text
}
