#![no_main]
//! Fuzz target `decide_structured`: the property lives in `properties/decide_structured.rs`, shared with the replay
//! test (`tests/fuzz_replay.rs`), which re-checks this target's corpus and regressions on stable.

use libfuzzer_sys::fuzz_target;

#[path = "../properties/mod.rs"]
#[allow(dead_code)]
mod properties;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = properties::decide_structured::check(data) {
        panic!("property `decide_structured` failed: {failure}");
    }
});
