//! One line per event on standard error, `key=value` pairs after a timestamp. Callers
//! never pass a write key. Every value is bounded and escaped (control characters, line
//! separators, bidirectional overrides), so a request cannot forge or hide log lines.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// The most characters of one value written, escapes counted.
pub const MAX_VALUE_CHARS: usize = 256;

/// Writes one log line: `ts=<unix seconds.millis> event=<event> <fields>`.
pub fn line(event: &str, fields: &[(&str, &str)]) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let text = format_line(now.as_secs(), now.subsec_millis(), event, fields);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// The text of one log line, newline included.
fn format_line(secs: u64, millis: u32, event: &str, fields: &[(&str, &str)]) -> String {
    let event = regionfence::text::bounded(event, MAX_VALUE_CHARS);
    let mut text = format!("ts={secs}.{millis:03} event={event}");
    for (key, value) in fields {
        let key = regionfence::text::bounded(key, MAX_VALUE_CHARS);
        let value = regionfence::text::bounded(value, MAX_VALUE_CHARS);
        if value.contains([' ', '"', '=']) || value.is_empty() {
            text.push_str(&format!(" {key}={value:?}"));
        } else {
            text.push_str(&format!(" {key}={value}"));
        }
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_bounded() {
        let host = format!(
            "evil\u{202E}moc.example\n\u{2028}ts=0 event=forged{}",
            "h".repeat(5000)
        );
        let text = format_line(1, 2, "refused", &[("host", &host), ("path", "/v1/batch")]);
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        assert!(text.ends_with('\n'));
        for c in ['\u{202E}', '\u{2028}', '\r'] {
            assert!(!text.contains(c), "{text:?}");
        }
        assert!(text.chars().count() < 2 * MAX_VALUE_CHARS + 100, "{}", text.len());
        assert!(text.contains(" path=/v1/batch\n"), "{text}");
        assert!(text.starts_with("ts=1.002 event=refused host="), "{text}");
    }

    #[test]
    fn plain_values_are_unquoted_others_quoted() {
        let text = format_line(0, 0, "e", &[("a", "x"), ("b", "y z"), ("c", "")]);
        assert_eq!(text, "ts=0.000 event=e a=x b=\"y z\" c=\"\"\n");
    }
}
