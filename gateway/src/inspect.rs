//! What the gateway reads of a tracking payload: its `writeKey` and the distinct source kinds
//! of its messages (by each message's `context.library.name`). Everything else passes
//! through untouched, skipped unparsed into values.
//!
//! The body is read in one pass that keeps only that: the write key (borrowed from the body
//! unless escaped; at most [`MAX_WRITE_KEY_BYTES`]), and the distinct source kinds in the order of their first message —
//! never a value per message, so what reading costs grows with the body's size alone. The
//! body, each batch message, a `context` and a `library` must be JSON objects: an array is
//! refused, never read by position.

use crate::sources::SourceTable;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

/// The fields of a tracking payload the gateway decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload<'b, 't> {
    /// The body's `writeKey`, when it has one.
    pub write_key: Option<Cow<'b, str>>,
    /// The distinct source kinds of the messages, each once, in the order of the first
    /// message of that kind (a batch message without a library name has the payload's own
    /// library). At least one.
    pub kinds: Vec<&'t str>,
}

/// Why a payload was refused before any decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError(pub String);

/// The longest error text quoted in a refusal, in characters.
const MAX_ERROR_CHARS: usize = 160;

/// Reads a payload: a JSON object; under `/v1/batch` its `batch` must be an array of
/// objects. Each library name is looked up in `sources` as it is read.
pub fn payload<'b, 't>(
    body: &'b [u8],
    is_batch: bool,
    sources: &'t SourceTable,
) -> Result<Payload<'b, 't>, PayloadError> {
    // JSON is UTF-8 throughout; the parser checks only the strings it reads, not those it
    // skips, so the whole body is checked first.
    let text = std::str::from_utf8(body)
        .map_err(|e| PayloadError(format!("body is not a tracking payload: not UTF-8: {e}")))?;
    let mut reader = serde_json::Deserializer::from_str(text);
    let parsed = BodySeed { sources }
        .deserialize(&mut reader)
        .and_then(|parsed| reader.end().map(|()| parsed))
        .map_err(|e| PayloadError(format!("body is not a tracking payload: {}", bounded(&e))))?;
    let own = parsed.own.unwrap_or_else(|| sources.kind(None));
    let kinds = match (is_batch, parsed.batch) {
        (true, Some(batch)) if !batch.is_empty() => {
            // A message without a library name has the payload's own, which may come after
            // the batch: resolved here, once.
            let mut kinds: Vec<&str> = Vec::with_capacity(batch.len());
            for kind in batch.order {
                let kind = kind.unwrap_or(own);
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
            kinds
        }
        (true, Some(_)) | (false, _) => vec![own],
        (true, None) => return Err(PayloadError("a batch needs a `batch` array".into())),
    };
    Ok(Payload {
        write_key: parsed.write_key,
        kinds,
    })
}

/// A serde error's text, cut to [`MAX_ERROR_CHARS`] as it is written (an error may quote a
/// string of the body whole) and escaped.
fn bounded(error: &serde_json::Error) -> String {
    struct Cut(String);
    impl fmt::Write for Cut {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let room = (MAX_ERROR_CHARS * 4).saturating_sub(self.0.len());
            let mut end = s.len().min(room);
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            self.0.push_str(s.get(..end).unwrap_or(""));
            Ok(())
        }
    }
    let mut cut = Cut(String::new());
    let _ = fmt::write(&mut cut, format_args!("{error}"));
    regionfence::text::bounded(&cut.0, MAX_ERROR_CHARS)
}

/// The error for a string where another type is expected. Read with `deserialize_any`, a
/// string is seen by the visitor (borrowed from the body unless escaped) rather than by the
/// parser, whose own error would quote it whole.
fn a_string<E: de::Error>(expected: &dyn de::Expected) -> E {
    E::invalid_type(de::Unexpected::Other("string"), expected)
}

/// What one pass over the body keeps.
struct Parsed<'b, 't> {
    write_key: Option<Cow<'b, str>>,
    /// The kind of the payload's own `context.library.name`, when it names one.
    own: Option<&'t str>,
    batch: Option<Kinds<'t>>,
}

/// The distinct kinds of a batch's messages in first-seen order; `None` stands for the
/// messages without a library name of their own.
#[derive(Default)]
struct Kinds<'t> {
    order: Vec<Option<&'t str>>,
    seen: BTreeSet<Option<&'t str>>,
    messages: usize,
}

impl<'t> Kinds<'t> {
    fn add(&mut self, kind: Option<&'t str>) {
        self.messages = self.messages.saturating_add(1);
        if self.seen.insert(kind) {
            self.order.push(kind);
        }
    }

    fn is_empty(&self) -> bool {
        self.messages == 0
    }

    fn len(&self) -> usize {
        self.order.len()
    }
}

/// A field name: one of these (its index), or another.
struct Field<const N: usize>([&'static str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for Field<N> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<const N: usize> Visitor<'_> for Field<N> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        if let Some(i) = self.0.iter().position(|n| *n == v) {
            return Ok(Some(i));
        }
        // A decoder that matches field names regardless of case (Go's encoding/json, for
        // one: the last of `writeKey` and `WriteKey` wins) would read this key as the field
        // the gateway decided on: refused, never skipped. The key itself is not quoted.
        match self.0.iter().find(|n| same_but_case(v, n)) {
            Some(name) => Err(E::custom(format_args!("a field named `{name}` in another case"))),
            None => Ok(None),
        }
    }
}

/// Whether `key` spells the ASCII `name` with the case of some letters changed, as a
/// case-folding decoder reads it: character for character, each equal to `name`'s in
/// lower or upper case (so the Kelvin sign `K` is a `k`, and `ſ` an `s`). A superset of
/// Unicode simple case folding on these names: refusing a key no decoder would confuse is
/// the safe side.
fn same_but_case(key: &str, name: &str) -> bool {
    // Each character of `name` is one byte; a folding character is at most four.
    if key.len() < name.len() || key.len() > name.len().saturating_mul(4) || key.chars().count() != name.len()
    {
        return false;
    }
    let one = |mut chars: std::iter::Peekable<std::char::ToLowercase>| {
        chars.next().filter(|_| chars.peek().is_none())
    };
    let one_up = |mut chars: std::iter::Peekable<std::char::ToUppercase>| {
        chars.next().filter(|_| chars.peek().is_none())
    };
    key.chars().zip(name.chars()).all(|(k, n)| {
        k == n
            || one(k.to_lowercase().peekable()) == Some(n.to_ascii_lowercase())
            || one_up(k.to_uppercase().peekable()) == Some(n.to_ascii_uppercase())
    })
}

/// The next key of `map` among `names`: `Some(Some(i))` for `names[i]` (an error when seen
/// before, as `seen[i]` records), `Some(None)` for another key (its value skipped),
/// `None` at the end.
fn next_field<'de, A: MapAccess<'de>, const N: usize>(
    map: &mut A,
    names: [&'static str; N],
    seen: &mut [bool; N],
) -> Result<Option<Option<usize>>, A::Error> {
    let Some(field) = map.next_key_seed(Field(names))? else {
        return Ok(None);
    };
    let Some(i) = field else {
        map.next_value::<IgnoredAny>()?;
        return Ok(Some(None));
    };
    match seen.get_mut(i) {
        Some(seen) if *seen => Err(de::Error::duplicate_field(names.get(i).copied().unwrap_or(""))),
        Some(seen) => {
            *seen = true;
            Ok(Some(Some(i)))
        }
        None => Ok(Some(None)),
    }
}

/// `null` as `None`, anything else read by `inner`.
struct Nullable<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Nullable<S> {
    type Value = Option<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for Nullable<S> {
    type Value = Option<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or a value")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(d).map(Some)
    }
}

/// The longest body `writeKey` read, in bytes (as long as the longest `Authorization`
/// header read): a longer one is refused, and never copied.
pub const MAX_WRITE_KEY_BYTES: usize = 1024;

/// A write key, borrowed from the body when it has no escapes.
struct WriteKey;

impl<'de> DeserializeSeed<'de> for WriteKey {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for WriteKey {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a write key of at most {MAX_WRITE_KEY_BYTES} bytes")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        if v.len() > MAX_WRITE_KEY_BYTES {
            return Err(E::invalid_length(v.len(), &self));
        }
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.len() > MAX_WRITE_KEY_BYTES {
            return Err(E::invalid_length(v.len(), &self));
        }
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// A library name, read as the source kind it names (nothing of it is kept).
struct Name<'t>(&'t SourceTable);

impl<'de, 't> DeserializeSeed<'de> for Name<'t> {
    type Value = &'t str;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<&'t str, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'t> Visitor<'_> for Name<'t> {
    type Value = &'t str;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a library name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<&'t str, E> {
        Ok(self.0.kind(Some(v)))
    }
}

/// A `library` object: the kind its `name` names, if it has one.
struct Library<'t>(&'t SourceTable);

impl<'de, 't> DeserializeSeed<'de> for Library<'t> {
    type Value = Option<&'t str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 't> Visitor<'de> for Library<'t> {
    type Value = Option<&'t str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `library` object")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(a_string(&self))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = [false];
        let mut kind = None;
        while let Some(field) = next_field(&mut map, ["name"], &mut seen)? {
            if field.is_some() {
                kind = map.next_value_seed(Nullable(Name(self.0)))?;
            }
        }
        Ok(kind)
    }
}

/// A `context` object: the kind its `library.name` names, if it has one.
struct Context<'t>(&'t SourceTable);

impl<'de, 't> DeserializeSeed<'de> for Context<'t> {
    type Value = Option<&'t str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 't> Visitor<'de> for Context<'t> {
    type Value = Option<&'t str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `context` object")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(a_string(&self))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = [false];
        let mut kind = None;
        while let Some(field) = next_field(&mut map, ["library"], &mut seen)? {
            if field.is_some() {
                kind = map.next_value_seed(Nullable(Library(self.0)))?.flatten();
            }
        }
        Ok(kind)
    }
}

/// A batch message object: the kind of its own library name, if it has one.
struct Message<'t>(&'t SourceTable);

impl<'de, 't> DeserializeSeed<'de> for Message<'t> {
    type Value = Option<&'t str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 't> Visitor<'de> for Message<'t> {
    type Value = Option<&'t str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message object")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(a_string(&self))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = [false];
        let mut kind = None;
        while let Some(field) = next_field(&mut map, ["context"], &mut seen)? {
            if field.is_some() {
                kind = map.next_value_seed(Nullable(Context(self.0)))?.flatten();
            }
        }
        Ok(kind)
    }
}

/// The `batch` array, streamed: each message's kind is added as it is read.
struct Batch<'t>(&'t SourceTable);

impl<'de, 't> DeserializeSeed<'de> for Batch<'t> {
    type Value = Kinds<'t>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 't> Visitor<'de> for Batch<'t> {
    type Value = Kinds<'t>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `batch` array of message objects")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(a_string(&self))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut kinds = Kinds::default();
        while let Some(kind) = seq.next_element_seed(Message(self.0))? {
            kinds.add(kind);
        }
        Ok(kinds)
    }
}

/// The body object.
struct BodySeed<'t> {
    sources: &'t SourceTable,
}

impl<'de, 't> DeserializeSeed<'de> for BodySeed<'t> {
    type Value = Parsed<'de, 't>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 't> Visitor<'de> for BodySeed<'t> {
    type Value = Parsed<'de, 't>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tracking payload object")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(a_string(&self))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = [false; 3];
        let mut parsed = Parsed {
            write_key: None,
            own: None,
            batch: None,
        };
        while let Some(field) = next_field(&mut map, ["writeKey", "context", "batch"], &mut seen)? {
            match field {
                Some(0) => parsed.write_key = map.next_value_seed(Nullable(WriteKey))?,
                Some(1) => parsed.own = map.next_value_seed(Nullable(Context(self.sources)))?.flatten(),
                Some(_) => parsed.batch = map.next_value_seed(Nullable(Batch(self.sources)))?,
                None => {}
            }
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn table() -> SourceTable {
        SourceTable::new(
            &BTreeMap::from([
                ("outer".to_string(), "outer-kind".to_string()),
                ("s3".to_string(), "cloud-object".to_string()),
            ]),
            "default-kind",
        )
    }

    #[test]
    fn batch_messages_name_their_kinds_each_once_in_order() {
        let t = table();
        let p = payload(
            br#"{"writeKey":"k","context":{"library":{"name":"outer"}},"batch":[
                {"type":"track","context":{"library":{"name":"analytics-python","version":"2"}}},
                {"type":"identify"},
                {"type":"page","context":{"ip":"1.2.3.4"}},
                {"context":{"library":{"name":"analytics-node"}}},
                {"context":{"library":{"name":"analytics.js"}}}]}"#,
            true,
            &t,
        )
        .unwrap();
        assert_eq!(p.write_key.as_deref(), Some("k"));
        assert_eq!(p.kinds, ["server", "outer-kind", "javascript"]);
        // The payload's own library, after the batch, is that of the messages without one;
        // with none, the default kind.
        let p = payload(
            br#"{"batch":[{"context":{"library":{}}},{}],"context":{"library":{"name":"s3"}}}"#,
            true,
            &t,
        )
        .unwrap();
        assert_eq!(p.kinds, ["cloud-object"]);
        let p = payload(br#"{"batch":[{"context":{"library":{"name":null}}}]}"#, true, &t).unwrap();
        assert_eq!(p.kinds, ["default-kind"]);
        // Every message has its own library: the payload's own is not decided.
        let p = payload(
            br#"{"context":{"library":{"name":"s3"}},"batch":[{"context":{"library":{"name":"analytics-ios"}}}]}"#,
            true,
            &t,
        )
        .unwrap();
        assert_eq!(p.kinds, ["ios"]);
    }

    #[test]
    fn a_single_event_and_an_empty_batch_decide_once() {
        let t = table();
        let p = payload(
            br#"{"type":"track","context":{"library":{"name":"analytics.js"}}}"#,
            false,
            &t,
        )
        .unwrap();
        assert_eq!(p.kinds, ["javascript"]);
        assert_eq!(p.write_key, None);
        let p = payload(br#"{"batch":[]}"#, true, &t).unwrap();
        assert_eq!(p.kinds, ["default-kind"]);
        // A single event's `batch` is not its messages (but must still be well formed).
        let p = payload(br#"{"batch":[{"context":{"library":{"name":"s3"}}}]}"#, false, &t).unwrap();
        assert_eq!(p.kinds, ["default-kind"]);
        assert!(payload(br#"{"batch":[1]}"#, false, &t).is_err());
    }

    #[test]
    fn the_write_key_is_borrowed_unless_escaped() {
        let t = table();
        let p = payload(br#"{"writeKey":"abc","batch":[]}"#, true, &t).unwrap();
        assert!(matches!(p.write_key, Some(Cow::Borrowed("abc"))));
        let p = payload(br#"{"writeKey":"a\u0062c","batch":[]}"#, true, &t).unwrap();
        assert_eq!(p.write_key.as_deref(), Some("abc"));
        let p = payload(br#"{"writeKey":null,"batch":[]}"#, true, &t).unwrap();
        assert_eq!(p.write_key, None);
        // A key past the limit is refused, escaped or not.
        let key = "k".repeat(MAX_WRITE_KEY_BYTES);
        let body = format!("{{\"writeKey\":\"{key}\"}}");
        let p = payload(body.as_bytes(), false, &t).unwrap();
        assert_eq!(p.write_key.as_deref(), Some(&key[..]));
        for long in [format!("{key}k"), format!("{key}\\u0061")] {
            let e = payload(format!("{{\"writeKey\":\"{long}\"}}").as_bytes(), false, &t).unwrap_err();
            assert!(e.0.contains("at most 1024 bytes"), "{}", e.0);
        }
        // An escaped library name is the name it spells.
        let p = payload(
            br#"{"context":{"library":{"name":"analytics\u002ejs"}}}"#,
            false,
            &t,
        )
        .unwrap();
        assert_eq!(p.kinds, ["javascript"]);
    }

    #[test]
    fn non_payloads_are_refused() {
        let t = table();
        for (body, batch) in [
            (&b"not json"[..], false),
            (b"[1,2]", false),
            (b"\"text\"", false),
            (b"{\"batch\": 3}", true),
            (b"{\"batch\": [1]}", true),
            (b"{}", true),
            (b"{\"batch\": null}", true),
            (b"{\"writeKey\": 5}", false),
            (b"{\"context\": {\"library\": {\"name\": 7}}}", false),
            (b"{} trailing", false),
            // Not UTF-8, in a string no field reads.
            (b"{\"batch\":[{\"p\":\"\xd9\x36\"}]}", true),
            (b"{\"x\":\"\xff\"}", false),
            (b"{\"writeKey\":\"a\",\"writeKey\":\"b\",\"batch\":[]}", true),
            (b"{\"batch\":[],\"batch\":[]}", true),
            (
                b"{\"context\":{\"library\":{\"name\":\"a\",\"name\":\"b\"}}}",
                false,
            ),
            (b"{\"batch\":[{\"context\":{},\"context\":{}}]}", true),
            (
                b"{\"batch\":[{\"context\":{\"library\":{},\"library\":{}}}]}",
                true,
            ),
        ] {
            assert!(
                payload(body, batch, &t).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn a_field_in_another_case_is_refused_at_every_level() {
        let t = table();
        // A decoder that folds case reads each second key as the field the gateway read
        // first: another write key, another batch, another library.
        for body in [
            &br#"{"writeKey":"EU","WriteKey":"US","batch":[]}"#[..],
            br#"{"WRITEKEY":"US","writeKey":"EU","batch":[]}"#,
            "{\"writeKey\":\"EU\",\"write\u{212A}ey\":\"US\",\"batch\":[]}".as_bytes(),
            br#"{"writeKey":"EU","write\u212aey":"US","batch":[]}"#,
            br#"{"batch":[],"Batch":[{"context":{"library":{"name":"analytics.js"}}}]}"#,
            br#"{"Context":{"library":{"name":"analytics.js"}},"batch":[]}"#,
            br#"{"batch":[{"CONTEXT":{"library":{"name":"analytics.js"}}}]}"#,
            br#"{"batch":[{"context":{"Library":{"name":"analytics.js"}}}]}"#,
            br#"{"batch":[{"context":{"library":{"name":"s3","Name":"analytics.js"}}}]}"#,
        ] {
            let e = payload(body, true, &t).unwrap_err();
            assert!(
                e.0.contains("in another case"),
                "{}: {}",
                String::from_utf8_lossy(body),
                e.0
            );
        }
        // Other keys, near or long, are skipped as before.
        let long = format!(
            "{{\"{}\":1,\"writeKeys\":2,\"writeKe\":3,\"batch\":[]}}",
            "k".repeat(10_000)
        );
        assert!(payload(long.as_bytes(), true, &t).is_ok());
        assert!(same_but_case("ſ", "s") && same_but_case("\u{212A}", "k") && !same_but_case("ß", "s"));
    }

    #[test]
    fn arrays_are_not_objects_at_any_level() {
        let t = table();
        for body in [
            // Read by position, these were a write key and a library.
            &br#"["EUKEY",null,[{}]]"#[..],
            br#"{"batch":[{"context":[["analytics.js"]]}]}"#,
            br#"{"context":[["analytics.js"]],"batch":[]}"#,
            br#"{"batch":[["EUKEY"]]}"#,
            br#"{"batch":[{"context":{"library":["analytics.js"]}}]}"#,
            br#"{"context":{"library":["analytics.js"]},"batch":[]}"#,
            br#"{"context":{"library":{"name":["analytics.js"]}},"batch":[]}"#,
            br#"{"writeKey":["EUKEY"],"batch":[]}"#,
            br#"[]"#,
        ] {
            assert!(
                payload(body, true, &t).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
            assert!(
                payload(body, false, &t).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn an_error_never_quotes_a_string_of_the_body() {
        let t = table();
        let long = format!("\\u001b{}", "s".repeat(100_000));
        for body in [
            format!("\"{long}\""),
            format!("{{\"batch\":\"{long}\"}}"),
            format!("{{\"batch\":[\"{long}\"]}}"),
            format!("{{\"context\":\"{long}\",\"batch\":[]}}"),
            format!("{{\"batch\":[{{\"context\":{{\"library\":\"{long}\"}}}}]}}"),
        ] {
            let e = payload(body.as_bytes(), true, &t).unwrap_err();
            assert!(e.0.chars().count() < 200, "{}", e.0.len());
            assert!(!e.0.contains("sss") && !e.0.contains('\u{1b}'), "{}", e.0);
            assert!(e.0.contains("invalid type: string"), "{}", e.0);
        }
    }

    #[test]
    fn many_messages_keep_one_entry_per_kind() {
        let t = table();
        let mut body = String::from("{\"batch\":[");
        for i in 0..10_000 {
            let name = ["analytics-python", "analytics.js", "mine", "s3"][i % 4];
            body.push_str(&format!(
                "{{\"context\":{{\"library\":{{\"name\":\"{name}{}\"}}}}}},",
                if i % 8 == 2 { i.to_string() } else { String::new() }
            ));
        }
        body.push_str("{}]}");
        let p = payload(body.as_bytes(), true, &t).unwrap();
        assert_eq!(p.kinds, ["server", "javascript", "default-kind", "cloud-object"]);
    }
}
