//! What the gateway reads of a tracking payload: its `writeKey` and, per message, the
//! library that built it. Everything else passes through untouched (and unparsed into
//! values: unknown fields are skipped).

use serde::Deserialize;

/// The fields of a tracking payload the gateway decides on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Payload {
    /// The body's `writeKey`, when it has one.
    pub write_key: Option<String>,
    /// Per message, its `context.library.name` (the payload's own for a batch message
    /// without one). At least one entry.
    pub libraries: Vec<Option<String>>,
}

/// Why a payload was refused before any decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError(pub String);

#[derive(Deserialize)]
struct Body {
    #[serde(default, rename = "writeKey")]
    write_key: Option<String>,
    #[serde(default)]
    context: Option<Context>,
    #[serde(default)]
    batch: Option<Vec<Message>>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    context: Option<Context>,
}

#[derive(Deserialize)]
struct Context {
    #[serde(default)]
    library: Option<Library>,
}

#[derive(Deserialize)]
struct Library {
    #[serde(default)]
    name: Option<String>,
}

impl Context {
    fn library_name(self) -> Option<String> {
        self.library.and_then(|l| l.name)
    }
}

/// Reads a payload: a JSON object; under `/v1/batch` its `batch` must be an array of
/// objects.
pub fn payload(body: &[u8], is_batch: bool) -> Result<Payload, PayloadError> {
    let body: Body = serde_json::from_slice(body)
        .map_err(|e| PayloadError(format!("body is not a tracking payload: {e}")))?;
    let own = body.context.and_then(Context::library_name);
    let mut libraries = Vec::new();
    match (is_batch, body.batch) {
        (true, Some(batch)) => {
            for message in batch {
                libraries.push(
                    message
                        .context
                        .and_then(Context::library_name)
                        .or_else(|| own.clone()),
                );
            }
        }
        (true, None) => return Err(PayloadError("a batch needs a `batch` array".into())),
        (false, _) => {}
    }
    if libraries.is_empty() {
        libraries.push(own);
    }
    Ok(Payload {
        write_key: body.write_key,
        libraries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_messages_name_their_libraries() {
        let p = payload(
            br#"{"writeKey":"k","context":{"library":{"name":"outer"}},"batch":[
                {"type":"track","context":{"library":{"name":"analytics-python","version":"2"}}},
                {"type":"identify"},
                {"type":"page","context":{"ip":"1.2.3.4"}}]}"#,
            true,
        )
        .unwrap();
        assert_eq!(p.write_key.as_deref(), Some("k"));
        let libs: Vec<_> = p.libraries.iter().map(|l| l.as_deref()).collect();
        assert_eq!(libs, [Some("analytics-python"), Some("outer"), Some("outer")]);
    }

    #[test]
    fn a_single_event_and_an_empty_batch_decide_once() {
        let p = payload(
            br#"{"type":"track","context":{"library":{"name":"analytics.js"}}}"#,
            false,
        )
        .unwrap();
        assert_eq!(p.libraries, [Some("analytics.js".to_string())]);
        assert_eq!(p.write_key, None);
        let p = payload(br#"{"batch":[]}"#, true).unwrap();
        assert_eq!(p.libraries, [None]);
    }

    #[test]
    fn non_payloads_are_refused() {
        for (body, batch) in [
            (&b"not json"[..], false),
            (b"[1,2]", false),
            (b"\"text\"", false),
            (b"{\"batch\": 3}", true),
            (b"{\"batch\": [1]}", true),
            (b"{}", true),
            (b"{\"writeKey\": 5}", false),
            (b"{\"context\": {\"library\": {\"name\": 7}}}", false),
            (b"{} trailing", false),
        ] {
            assert!(payload(body, batch).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }
}
