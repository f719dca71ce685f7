//! `decision_record`: arbitrary bytes as a decision record line, replayed against the default
//! policy.
//!
//! A line parses or errors, never panics; an error's column lies inside the line; a line over
//! the limit is refused. A record that parses writes back to a line that parses to the same
//! record. Replayed, it is identical exactly when its digest is the policy's and its
//! decision, reasons and exemptions are those the policy gives its question now; with
//! another digest it is refused unless compared anyway.

use regionfence::limits::MAX_RECORD_BYTES;
use regionfence::record::{DecisionRecord, RecordError};
use regionfence::replay::{replay, ReplayOptions};

/// The property.
pub fn check(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let line = text.lines().next().unwrap_or("");
    let record = match DecisionRecord::parse_line(line) {
        Ok(record) => record,
        Err(e) => {
            if e.to_string().is_empty() {
                return Err("a record error with an empty message".into());
            }
            if let RecordError::Syntax {
                location: Some(at), ..
            } = &e
            {
                // serde_json counts columns in bytes.
                if at.line != 1 || at.column == 0 || at.column > line.len() + 1 {
                    return Err(format!(
                        "error position {at} outside a line of {} bytes: {e}",
                        line.len()
                    ));
                }
            }
            return Ok(());
        }
    };
    if line.len() > MAX_RECORD_BYTES {
        return Err(format!("a record of {} bytes was accepted", line.len()));
    }
    let again = DecisionRecord::parse_line(&record.to_json_line())
        .map_err(|e| format!("a record's own line does not read back: {e}"))?;
    if again != record {
        return Err(format!(
            "a record reads back as another: {}",
            record.to_json_line()
        ));
    }

    let policy = super::default_policy();
    let fresh = policy.record(&record.question);
    let same_answer = fresh.decision == record.decision
        && fresh.reasons == record.reasons
        && fresh.exemptions == record.exemptions;
    let report = replay(policy, line, ReplayOptions::default()).map_err(|e| e.to_string())?;
    let identical = report.identical == 1;
    let expected = same_answer && record.digest == fresh.digest;
    if identical != expected {
        return Err(format!(
            "replay says identical = {identical}, expected {expected}: {}",
            record.to_json_line()
        ));
    }
    if record.digest != fresh.digest && report.other_digest != 1 {
        return Err("a record of another digest was not refused".into());
    }
    let compared = replay(policy, line, ReplayOptions { any_digest: true }).map_err(|e| e.to_string())?;
    if (compared.identical == 1) != same_answer {
        return Err(format!(
            "compared anyway, identical = {}, expected {same_answer}",
            compared.identical == 1
        ));
    }
    Ok(())
}
