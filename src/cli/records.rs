//! `regionfence ask --record` and `regionfence replay FILE`: decision records written and
//! decided again.

use super::{ask_inputs, fail, load_policy, read_limited, shown_path, Format, Outcome};
use crate::limits::MAX_RECORDS_FILE_BYTES;
use crate::replay::{replay as replay_records, ReplayOptions};
use crate::text::escape_control;
use std::io::{Read, Write};
use std::path::Path;

/// `regionfence ask --record`: decides the question and prints its decision record, one JSON
/// line; allow → success, deny → denied.
pub fn ask_record(
    policy: Option<&Path>,
    question: Option<&str>,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let (policy, question) = match ask_inputs(policy, question, stdin) {
        Ok(inputs) => inputs,
        Err(e) => return fail(err, &e),
    };
    let record = policy.record(&question);
    let _ = writeln!(out, "{}", record.to_json_line());
    if record.decision == crate::Verdict::Allow {
        Outcome::Success
    } else {
        Outcome::Denied
    }
}

/// `regionfence replay FILE`: decides every record again; success when every record replays
/// identically, [`Outcome::Mismatched`] when one does not (or is refused, or is not a
/// record), failure when the file or the policy cannot be read or holds no record.
pub fn replay(
    policy: Option<&Path>,
    file: &Path,
    options: ReplayOptions,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let policy = match load_policy(policy) {
        Ok(p) => p,
        Err(e) => return fail(err, &e),
    };
    let text = match read_limited(file, MAX_RECORDS_FILE_BYTES) {
        Ok(text) => text,
        Err(e) => return fail(err, &e),
    };
    let report = match replay_records(&policy, &text, options) {
        Ok(report) => report,
        Err(e) => return fail(err, &format!("{}: {e}", shown_path(file))),
    };
    if report.records == 0 {
        return fail(
            err,
            &format!(
                "{}: no decision record: a replay that checks nothing cannot pass",
                shown_path(file)
            ),
        );
    }
    match format {
        Format::Json => {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        Format::Text => {
            for line in report.to_text().lines() {
                let _ = writeln!(out, "{}", escape_control(line));
            }
        }
    }
    if report.all_identical() {
        Outcome::Success
    } else {
        Outcome::Mismatched
    }
}
