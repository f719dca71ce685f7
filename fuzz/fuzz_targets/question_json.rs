#![no_main]
//! Fuzz target `question_json`: the property lives in `properties/question_json.rs`, shared with the replay
//! test (`tests/fuzz_replay.rs`), which re-checks this target's corpus and regressions on stable.

use libfuzzer_sys::fuzz_target;

#[path = "../properties/mod.rs"]
#[allow(dead_code)]
mod properties;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = properties::question_json::check(data) {
        panic!("property `question_json` failed: {failure}");
    }
});
