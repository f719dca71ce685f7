#![no_main]
//! Fuzz target `yaml_guard`: the property lives in `properties/yaml_guard.rs`, shared with the
//! replay test (`tests/fuzz_replay.rs`), which re-checks this target's corpus and regressions
//! on stable.

use libfuzzer_sys::fuzz_target;

#[path = "../properties/mod.rs"]
#[allow(dead_code)]
mod properties;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = properties::yaml_guard::check(data) {
        panic!("property `yaml_guard` failed: {failure}");
    }
});
