#![no_main]
//! Fuzz target `workspace_config`: the property lives in `properties/workspace_config.rs`, shared with the
//! replay test (`tests/fuzz_replay.rs`), which re-checks this target's corpus and regressions on stable.

use libfuzzer_sys::fuzz_target;

#[path = "../properties/mod.rs"]
#[allow(dead_code)]
mod properties;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = properties::workspace_config::check(data) {
        panic!("property `workspace_config` failed: {failure}");
    }
});
