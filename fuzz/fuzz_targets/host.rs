#![no_main]
//! Fuzz target `host`: the property lives in `properties/host.rs`, shared with the replay
//! test (`tests/fuzz_replay.rs`), which re-checks this target's corpus and regressions on stable.

use libfuzzer_sys::fuzz_target;

#[path = "../properties/mod.rs"]
#[allow(dead_code)]
mod properties;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = properties::host::check(data) {
        panic!("property `host` failed: {failure}");
    }
});
