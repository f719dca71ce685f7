#![no_main]
//! Fuzz target `tracking_request`: the gateway's tracking check (`Gatekeeper::check`: gzip
//! decoding, the write key, reading the payload, the decisions) on arbitrary bodies.
//!
//! Input: one flags byte, then the body. Flags: bit 0, gzip the body and send it with
//! `Content-Encoding: gzip`; bit 1, send the bytes as they are but declared gzip; bit 2,
//! `/v1/batch` (else `/v1/track`); bits 3–4, the `Authorization` header: none, the EU key,
//! the US key, an unknown key.
//!
//! Properties: never a panic; a status among 200, 400, 401, 403, 421; an unknown key in the
//! header is refused 401 whatever the body (400 only when the body cannot be decoded); a
//! forwarded request is a payload as a naive reading (`serde_json::Value`) sees it — a JSON
//! object whose `batch` (under `/v1/batch`) is an array of objects, whose `context`,
//! `library` and `name` are objects and a string where present — under a known key, and every
//! source kind of its messages is allowed on the served host. Memory is bounded by the
//! fuzzer's `-malloc_limit_mb` and `-rss_limit_mb` (`.ci/fuzz` runs it at 256 / 512 MiB).

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use regionfence::Policy;
use regionfence_gateway::metrics::Metrics;
use regionfence_gateway::sources::SourceTable;
use regionfence_gateway::tracking::{Gatekeeper, Outcome, Request};
use regionfence_gateway::LoadedPolicy;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::OnceLock;

const HOST: &str = "events.eu1.segmentapis.com";
const LIMIT: usize = 64 * 1024;
const KEYS: [(&str, &str); 2] = [("EU", "eu-west"), ("US", "us-west")];

struct Fixture {
    policy: LoadedPolicy,
    keeper: Gatekeeper,
    table: SourceTable,
    auth: [Option<String>; 4],
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let table = SourceTable::new(
            &BTreeMap::from([("s3".to_string(), "cloud-object".to_string())]),
            "server",
        );
        let basic = |k: &str| {
            Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{k}:"))
            ))
        };
        Fixture {
            policy: LoadedPolicy::new(Policy::default_policy()),
            keeper: Gatekeeper::new(
                KEYS.iter().map(|(k, r)| (k.to_string(), r.to_string())).collect(),
                table.clone(),
                vec![HOST.to_string()],
                LIMIT,
            ),
            table,
            auth: [None, basic("EU"), basic("US"), basic("no-such-key")],
        }
    })
}

/// The naive reading: the write key and each message's library name, or `None` when the
/// body is not a payload.
fn naive(body: &[u8], is_batch: bool) -> Option<(Option<String>, Vec<Option<String>>)> {
    fn object(v: Option<&Value>) -> Option<Option<&serde_json::Map<String, Value>>> {
        match v {
            None | Some(Value::Null) => Some(None),
            Some(Value::Object(o)) => Some(Some(o)),
            Some(_) => None,
        }
    }
    fn library(context: Option<&Value>) -> Option<Option<String>> {
        let Some(context) = object(context)? else {
            return Some(None);
        };
        let Some(library) = object(context.get("library"))? else {
            return Some(None);
        };
        match library.get("name") {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => None,
        }
    }
    let Value::Object(body) = serde_json::from_slice::<Value>(body).ok()? else {
        return None;
    };
    let key = match body.get("writeKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return None,
    };
    let own = library(body.get("context"))?;
    let mut libraries = Vec::new();
    match body.get("batch") {
        None | Some(Value::Null) if is_batch => return None,
        None | Some(Value::Null) => {}
        Some(Value::Array(messages)) => {
            for m in messages {
                let Value::Object(m) = m else { return None };
                let l = library(m.get("context"))?;
                if is_batch {
                    libraries.push(l.or_else(|| own.clone()));
                }
            }
        }
        Some(_) => return None,
    }
    if libraries.is_empty() {
        libraries.push(own);
    }
    Some((key, libraries))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let is_batch = flags & 4 != 0;
    let key = usize::from((flags >> 3) & 3);
    let (raw, gzipped) = match flags & 3 {
        0 => (body.to_vec(), false),
        1 => (gzip(body), true),
        _ => (body.to_vec(), true),
    };
    let auth = f.auth.get(key).cloned().flatten();
    let outcome = f.keeper.check(
        &f.policy,
        &Metrics::default(),
        &Request {
            is_batch,
            host: Some(HOST),
            authorization: auth.as_deref().map(str::as_bytes),
            content_encoding: gzipped.then_some(&b"gzip"[..]),
            body: &raw,
        },
    );
    let (status, code) = match &outcome {
        Outcome::Forward => (200, "forward"),
        Outcome::Refuse(r) => (r.status, r.code),
    };
    assert!(
        matches!(status, 200 | 400 | 401 | 403 | 421),
        "status {status} ({code})"
    );
    // The decoded body, as the gateway reads it.
    let decoded: Option<&[u8]> = match flags & 3 {
        0 => Some(body),
        1 => Some(body),
        _ => None,
    };
    let fits = decoded.is_some_and(|d| d.len() <= LIMIT);
    if key == 3 {
        if fits {
            assert_eq!(
                (status, code),
                (401, "unknown-write-key"),
                "an unknown header key"
            );
        } else {
            assert!(
                matches!(status, 400 | 401),
                "an unknown header key: {status} ({code})"
            );
        }
    }
    if status != 200 {
        return;
    }
    let Some(decoded) = decoded else {
        // Bytes declared gzip that decode to a payload: nothing more to compare.
        return;
    };
    let Some((body_key, libraries)) = naive(decoded, is_batch) else {
        panic!("forwarded a body that is not a payload");
    };
    let header_key = KEYS.get(key.wrapping_sub(1)).map(|(k, _)| *k);
    let decided_key = match (header_key, body_key.as_deref()) {
        (Some(h), Some(b)) => {
            assert_eq!(h, b, "forwarded with two different keys");
            h
        }
        (Some(h), None) => h,
        (None, Some(b)) => b,
        (None, None) => panic!("forwarded without a write key"),
    };
    let Some((_, region)) = KEYS.iter().find(|(k, _)| *k == decided_key) else {
        panic!("forwarded under an unknown key");
    };
    for library in &libraries {
        let kind = f.table.kind(library.as_deref());
        assert!(
            f.policy.policy.ingest(region, kind, HOST).is_allowed(),
            "forwarded {kind} of {region} to {HOST}"
        );
    }
});
