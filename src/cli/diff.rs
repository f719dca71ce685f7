//! `regionfence diff OLD NEW`: every answer that differs between two policies, grouped for a
//! reviewer; exit 4 when the `--fail-on` condition is met.

use super::{fail, load_policy, Format, Outcome};
use crate::text::escape_control;
use std::io::Write;
use std::path::Path;

/// When `regionfence diff` exits 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::Display, strum::VariantNames)]
#[strum(serialize_all = "kebab-case")]
pub enum FailOn {
    /// Some question denied by the old policy is allowed by the new one.
    NewAllows,
    /// Some answer differs at all.
    AnyChange,
}

/// `regionfence diff`: prints the diff of two policy files; success, or
/// [`Outcome::Changed`] when `fail_on` is met, failure when a policy does not load or the
/// diff is refused.
pub fn diff(
    old: &Path,
    new: &Path,
    format: Format,
    fail_on: Option<FailOn>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let (old, new) = match (load_policy(Some(old)), load_policy(Some(new))) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => return fail(err, &e),
    };
    let started = std::time::Instant::now();
    let diff = match crate::diff::diff(&old, &new) {
        Ok(diff) => diff,
        Err(refused) => return fail(err, &refused.to_string()),
    };
    let elapsed = started.elapsed();
    match format {
        Format::Json => {
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&diff).unwrap_or_default());
        }
        Format::Text => {
            for line in diff.to_text().lines() {
                let _ = writeln!(out, "{}", escape_control(line));
            }
            let _ = writeln!(out, "({:.1} ms)", elapsed.as_secs_f64() * 1000.0);
        }
    }
    let met = match fail_on {
        None => false,
        Some(FailOn::NewAllows) => diff.has_new_allows(),
        Some(FailOn::AnyChange) => !diff.is_empty(),
    };
    if met {
        Outcome::Changed
    } else {
        Outcome::Success
    }
}
