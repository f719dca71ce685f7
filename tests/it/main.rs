//! The integration tests of the library and the command line, as one test binary: one link
//! instead of one per file, so a cold `cargo test` spends its time testing. Each module is the
//! suite of one surface; the slow proofs at scale are `#[ignore]`d here and run by `.ci/run`.

mod api;
mod audit_exemptions;
mod audit_lint_limits;
mod audit_lints;
mod audit_nested_loaders;
mod audit_report;
mod audit_text;
mod cli;
mod coverage;
mod default_policy;
mod eval;
mod exemptions;
mod explain_fields;
mod fix_write;
mod fuzz_replay;
mod hostile_inputs;
mod id_layer;
mod invalid_policies;
mod invariants_exempted;
mod invariants_forged;
mod properties;
mod readme;
mod records;
mod regressions;
mod scale;
mod typed_errors;
mod workspace;
mod workspace_cli;
mod workspace_properties;
