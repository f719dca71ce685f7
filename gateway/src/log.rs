//! One line per event on standard error, `key=value` pairs after a timestamp. Callers
//! never pass a write key.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes one log line: `ts=<unix seconds.millis> event=<event> <fields>`.
pub fn line(event: &str, fields: &[(&str, &str)]) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut text = format!("ts={}.{:03} event={event}", now.as_secs(), now.subsec_millis());
    for (key, value) in fields {
        if value.contains([' ', '"', '=']) || value.is_empty() {
            text.push_str(&format!(" {key}={value:?}"));
        } else {
            text.push_str(&format!(" {key}={value}"));
        }
    }
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
