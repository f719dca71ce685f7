//! The one place that talks to the JSON parser, and the rule that tells a JSON text from a
//! YAML one where either is accepted. Every read keeps a struct to a mapping
//! ([`crate::maps_only`]).

use crate::error::{Location, SyntaxError};
use crate::text::{bounded, MAX_MESSAGE_CHARS};
use serde::de::{Deserialize, DeserializeOwned};

/// Parses a JSON text into `T`: serde_json's reading, with a struct read from an object only
/// and nothing but white space after the value.
pub(crate) fn from_str<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = crate::maps_only::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Reads `T` from a JSON value, with a struct read from an object only.
pub(crate) fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, serde_json::Error> {
    crate::maps_only::deserialize(value)
}

/// Parses a text that may be JSON or YAML: JSON when it parses as JSON; otherwise YAML (a
/// YAML flow mapping such as `{ask: ingest, …}` is not JSON). When neither reads it, the
/// error is the JSON parser's for a text that starts as JSON does (`[`, or `{` then a
/// quoted key), and the YAML parser's otherwise. A leading byte order mark is skipped.
pub(crate) fn from_json_or_yaml<T: DeserializeOwned>(text: &str) -> Result<T, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let start = text.trim_start();
    if !start.starts_with(['{', '[']) {
        return crate::yaml::from_str(text);
    }
    let json = match from_str(text) {
        Ok(value) => return Ok(value),
        // Well-formed JSON of the wrong shape: the JSON parser's message is the clearest.
        Err(e) if e.classify() == serde_json::error::Category::Data => return Err(syntax_error(&e)),
        Err(e) => e,
    };
    let looks_like_json = start.starts_with('[')
        || start
            .get(1..)
            .is_some_and(|rest| rest.trim_start().starts_with(['"', '}']));
    match crate::yaml::from_str(text) {
        Ok(value) => Ok(value),
        Err(_) if looks_like_json => Err(syntax_error(&json)),
        Err(yaml) => Err(yaml),
    }
}

pub(crate) fn syntax_error(e: &serde_json::Error) -> SyntaxError {
    SyntaxError {
        location: (e.line() > 0).then(|| Location {
            line: e.line(),
            column: e.column().max(1),
        }),
        message: bounded(&strip_position(&e.to_string()), MAX_MESSAGE_CHARS),
        over_limit: e.to_string().starts_with("recursion limit exceeded"),
    }
}

/// serde_json appends " at line L column C" to its messages; the location is reported
/// separately, so drop it to keep one format.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    type Map = BTreeMap<String, serde_json::Value>;

    #[test]
    fn json_yaml_and_flow_mappings() {
        let json: Map = from_json_or_yaml("{\"a\": \"[[[[\"}").unwrap();
        assert_eq!(json["a"], "[[[[");
        let flow: Map = from_json_or_yaml("{a: b}").unwrap();
        assert_eq!(flow["a"], "b");
        let yaml: Map = from_json_or_yaml("a: b\n").unwrap();
        assert_eq!(yaml["a"], "b");
        let bom: Map = from_json_or_yaml("\u{feff}{\"a\": \"b\"}").unwrap();
        assert_eq!(bom["a"], "b");
        let wrong = from_json_or_yaml::<Vec<u8>>("{\"a\": 1}").err().unwrap();
        assert!(wrong.message.contains("expected"), "{}", wrong.message);
    }

    #[test]
    fn broken_json_gets_the_json_parsers_message() {
        let err = from_json_or_yaml::<Map>("{\"a\": ").err().unwrap();
        assert!(err.location.is_some());
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = from_json_or_yaml::<serde_json::Value>(&deep).err().unwrap();
        assert!(err.message.contains("recursion limit"), "{}", err.message);
        let nested = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
        let err = from_json_or_yaml::<Map>(&nested).err().unwrap();
        assert!(err.message.contains("recursion limit"), "{}", err.message);
        let junk = from_json_or_yaml::<Map>("{\"a\": \"b\"} trailing").err().unwrap();
        assert!(junk.message.contains("trailing characters"), "{}", junk.message);
        assert_eq!(junk.location, Some(Location { line: 1, column: 12 }));
    }

    #[test]
    fn well_formed_json_of_the_wrong_shape_is_refused_not_reread_as_yaml() {
        // Read as YAML, `1` would be taken for the string "1": JSON's types hold.
        type Strings = BTreeMap<String, String>;
        let err = from_json_or_yaml::<Strings>("{\"a\": 1}").err().unwrap();
        assert!(err.message.contains("invalid type: integer"), "{}", err.message);
        assert_eq!(err.location, Some(Location { line: 1, column: 7 }));
    }

    #[test]
    fn a_broken_flow_mapping_gets_the_yaml_parsers_message() {
        // `{a: [b}` is not JSON-looking (no quoted key): the JSON parser's "key must be a
        // string" would point at the wrong language.
        let err = from_json_or_yaml::<Map>("{a: [b}").err().unwrap();
        assert!(!err.message.contains("key must be a string"), "{}", err.message);
        let json_like = from_json_or_yaml::<Map>("{\"a\": [b}").err().unwrap();
        assert!(
            json_like.message.contains("expected value"),
            "{}",
            json_like.message
        );
    }
}
