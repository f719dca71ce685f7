#![no_main]
//! Fuzz target `policy_yaml`: the property lives in `properties/policy_yaml.rs`, shared with the replay
//! test (`tests/fuzz_replay.rs`), which re-checks this target's corpus and regressions on stable.

use libfuzzer_sys::fuzz_target;

#[path = "../properties/mod.rs"]
#[allow(dead_code)]
mod properties;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = properties::policy_yaml::check(data) {
        panic!("property `policy_yaml` failed: {failure}");
    }
});
