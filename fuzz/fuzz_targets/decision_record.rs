#![no_main]
//! Fuzz target `decision_record`: the property lives in `properties/decision_record.rs`, shared with the replay
//! test (`tests/fuzz_replay.rs`), which re-checks this target's corpus and regressions on stable.

use libfuzzer_sys::fuzz_target;

#[path = "../properties/mod.rs"]
#[allow(dead_code)]
mod properties;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = properties::decision_record::check(data) {
        panic!("property `decision_record` failed: {failure}");
    }
});
