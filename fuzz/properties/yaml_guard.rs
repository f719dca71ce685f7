//! Property of the `yaml_guard` target: the YAML guard reads any text in work bounded per
//! input byte, never panics, and what it accepts the parser then reads within the same
//! budgets (the two passes agree).

use regionfence::limits::{MAX_NESTING, MAX_YAML_NODES};
use regionfence::yaml_guard::check_counted;

/// The most parser events the guard may read per input byte (an event needs at least one
/// byte, except the stream's and document's own and the empty scalars `?`, `-` and `:`
/// imply), plus the stream's fixed events.
pub const EVENTS_PER_BYTE: usize = 4;

/// The stream's and the document's start and end events.
pub const FIXED_EVENTS: usize = 8;

pub fn check(data: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let mut events = 0usize;
    let verdict = check_counted(text, &mut events);
    let bound = EVENTS_PER_BYTE * text.len() + FIXED_EVENTS;
    if events > bound {
        return Err(format!(
            "{events} events read for {} bytes (bound {bound})",
            text.len()
        ));
    }
    let Ok(shape) = verdict else {
        return Ok(());
    };
    if shape.depth > MAX_NESTING || shape.nodes > MAX_YAML_NODES || shape.documents > 1 {
        return Err(format!("accepted past a limit: {shape:?}"));
    }
    // The deserialiser runs the same parser with the same budgets: a text the guard
    // accepted never breaches one (it may still be refused as malformed: a duplicate key).
    match regionfence::parse_yaml::<serde::de::IgnoredAny>(text) {
        Err(e) if e.over_limit => Err(format!("the guard accepted {shape:?}, the parser refused: {e}")),
        _ => Ok(()),
    }
}
