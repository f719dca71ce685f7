//! The fuzz targets' properties, as plain functions of the input bytes.
//!
//! Each fuzz target (`fuzz/fuzz_targets/<target>.rs`) and the stable replay test
//! (`tests/fuzz_replay.rs`) include this module with `#[path]`, so the fuzzer and `cargo test`
//! check the very same property over the very same bytes. A property returns `Err(why)` when
//! it fails; a panic inside the library propagates as a panic. Only `regionfence`,
//! `regionfence-model` (the reference model and generators, shared with the property tests)
//! and `ipnet` are used, so the module compiles in the root crate's tests without the fuzzer.

pub mod decide_structured;
pub mod decision_record;
pub mod host;
pub mod ip;
pub mod policy_yaml;
pub mod question_json;
pub mod workspace_config;
pub mod yaml_guard;

/// A target's property: `Ok` when it holds for these bytes.
pub type Property = fn(&[u8]) -> Result<(), String>;

/// Every fuzz target, by name, with its property.
pub const TARGETS: [(&str, Property); 8] = [
    ("policy_yaml", policy_yaml::check),
    ("question_json", question_json::check),
    ("host", host::check),
    ("ip", ip::check),
    ("decide_structured", decide_structured::check),
    ("yaml_guard", yaml_guard::check),
    ("workspace_config", workspace_config::check),
    ("decision_record", decision_record::check),
];

/// The embedded default policy, compiled once per process.
pub fn default_policy() -> &'static regionfence::Policy {
    static POLICY: std::sync::OnceLock<regionfence::Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(regionfence::Policy::default_policy)
}
