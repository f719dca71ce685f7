//! The one place that talks to the YAML parser: size and nesting limits, error positions.
//!
//! Keeping `serde_yaml` behind this module means a move to a drop-in fork is a one-line
//! change in `Cargo.toml`.

use crate::error::Location;
use crate::limits::MAX_NESTING;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A parse failure: where, and the parser's message.
pub(crate) struct YamlError {
    pub(crate) location: Option<Location>,
    pub(crate) message: String,
}

/// Parses `text` into `T`, refusing flow nesting deeper than [`MAX_NESTING`] before the
/// parser sees it.
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_nesting(text)?;
    serde_yaml::from_str(text).map_err(|e| YamlError {
        location: e.location().map(|l| Location {
            line: l.line(),
            column: l.column(),
        }),
        message: strip_position(&e.to_string()),
    })
}

/// Serialises `value` as YAML.
pub(crate) fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    serde_yaml::to_string(value).map_err(|e| e.to_string())
}

/// serde_yaml appends " at line L column C" to its messages; the location is reported
/// separately, so drop it to keep one format.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

/// Rejects flow collections (and block indentation) nested deeper than [`MAX_NESTING`],
/// counting brackets outside quoted scalars and comments. Block nesting is bounded by the
/// document types themselves, so only unbounded flow nesting needs a guard.
fn check_nesting(text: &str) -> Result<(), YamlError> {
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut column = 0usize;
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut previous = '\n';
    for c in text.chars() {
        column += 1;
        if c == '\n' {
            line += 1;
            column = 0;
            comment = false;
            previous = c;
            continue;
        }
        if comment {
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' if matches!(previous, ' ' | '[' | '{' | ',' | ':' | '\n' | '\t') => {
                    quote = Some(c)
                }
                '#' if matches!(previous, ' ' | '\t' | '\n') => comment = true,
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(YamlError {
                            location: Some(Location { line, column }),
                            message: format!("nesting deeper than {MAX_NESTING} levels"),
                        });
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        previous = c;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_nesting_is_refused_with_a_position() {
        let text = format!("a: {}{}", "[".repeat(40), "]".repeat(40));
        let err = from_str::<serde_yaml::Value>(&text).err().unwrap();
        assert!(err.message.contains("nesting"));
        assert_eq!(
            err.location,
            Some(Location {
                line: 1,
                column: 4 + MAX_NESTING
            })
        );
    }

    #[test]
    fn brackets_inside_quotes_and_comments_do_not_count() {
        let text = format!("a: '{}'\nb: 1 # {}\n", "[".repeat(40), "{".repeat(40));
        assert!(from_str::<serde_yaml::Value>(&text).is_ok());
    }

    #[test]
    fn messages_carry_no_duplicate_position() {
        let err = from_str::<Vec<u32>>("[1, x]").err().unwrap();
        assert!(!err.message.contains(" at line "), "{}", err.message);
        assert!(err.location.is_some());
    }
}
