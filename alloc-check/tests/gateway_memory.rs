#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! What a tracking request costs in memory grows with its size and nothing else: a global
//! allocator that tracks the live bytes of this test's thread (allocations, frees and
//! reallocations) records the peak while the gateway's tracking check — gzip decoding,
//! reading the payload, the write key, the decisions — runs on hostile bodies at the body
//! limit, plain and gzipped, under an unknown write key and a known one. The peak must stay
//! under `MULTIPLE` × the decoded body + `SLACK`.
//!
//! A test binary of its own, so no other test's allocations are counted. A thread whose live
//! bytes pass `CAP` gets no more memory (the process aborts), so a regression fails here
//! without taking the machine down. `GATEWAY_MEMORY_BODY_BYTES` sets the body limit (default:
//! the gateway's, 512 KiB).

use base64::Engine;
use regionfence::Policy;
use regionfence_alloc_check::{peak, Counting};
use regionfence_gateway::config::Limits;
use regionfence_gateway::metrics::Metrics;
use regionfence_gateway::sources::SourceTable;
use regionfence_gateway::tracking::{Gatekeeper, Outcome, Request};
use regionfence_gateway::LoadedPolicy;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;

/// The bound: peak live bytes ≤ MULTIPLE × decoded body + SLACK.
const MULTIPLE: usize = 4;
const SLACK: usize = 128 * 1024;
#[global_allocator]
static GLOBAL: Counting = Counting;

const EU: &str = "EU-KEY";

fn limit() -> usize {
    std::env::var("GATEWAY_MEMORY_BODY_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(Limits::default().max_body_bytes)
}

fn basic(key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// `head`, then `item(i)` for i = 0, 1, … joined by `sep` while it fits, then `tail`: at
/// most `limit` bytes.
fn fill(limit: usize, head: &str, sep: &str, tail: &str, item: impl Fn(usize) -> String) -> String {
    let mut body = head.to_string();
    let mut i = 0;
    loop {
        let next = item(i);
        let extra = if i == 0 { 0 } else { sep.len() };
        if body.len() + extra + next.len() + tail.len() > limit {
            break;
        }
        if i > 0 {
            body.push_str(sep);
        }
        body.push_str(&next);
        i += 1;
    }
    body.push_str(tail);
    pad(body, limit)
}

/// `body` with spaces after it up to `limit` bytes (whitespace after a JSON value is JSON).
fn pad(mut body: String, limit: usize) -> String {
    assert!(body.len() <= limit);
    body.extend(std::iter::repeat_n(' ', limit - body.len()));
    body
}

fn escaped(len: usize) -> String {
    // `\u0061` is `a`: six bytes of body each, and a name that cannot be borrowed.
    "\\u0061".repeat(len / 6)
}

/// Hostile bodies of at most `limit` bytes, by name.
fn bodies(limit: usize) -> Vec<(&'static str, String)> {
    let name = "n".repeat(limit / 2);
    let shared = format!("{{\"context\":{{\"library\":{{\"name\":\"{name}\"}}}},\"batch\":[");
    let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    vec![
        (
            "shared context, long name, context-less messages",
            fill(limit, &shared, ",", "]}", |_| "{}".into()),
        ),
        (
            "shared context after the batch, escaped long name, messages with empty contexts",
            fill(
                limit,
                "{\"batch\":[",
                ",",
                &format!(
                    "],\"context\":{{\"library\":{{\"name\":\"{}\"}}}}}}",
                    escaped(limit / 2)
                ),
                |_| "{\"context\":{}}".into(),
            ),
        ),
        ("many tiny messages", fill(limit, "{\"batch\":[", ",", "]}", |_| "{}".into())),
        (
            "many messages without a library name",
            fill(limit, "{\"batch\":[", ",", "]}", |i| {
                ["{\"context\":null}", "{\"context\":{\"library\":null}}", "{\"context\":{\"library\":{\"name\":null}}}"]
                    [i % 3]
                    .into()
            }),
        ),
        (
            "long names",
            fill(limit, "{\"batch\":[", ",", "]}", |i| {
                format!(
                    "{{\"context\":{{\"library\":{{\"name\":\"{}{i}\"}}}}}}",
                    "l".repeat(limit / 8)
                )
            }),
        ),
        (
            "long escaped names",
            fill(limit, "{\"batch\":[", ",", "]}", |i| {
                format!(
                    "{{\"context\":{{\"library\":{{\"name\":\"{}{i}\"}}}}}}",
                    escaped(limit / 8)
                )
            }),
        ),
        (
            "many distinct library names",
            fill(limit, "{\"batch\":[", ",", "]}", |i| {
                format!("{{\"context\":{{\"library\":{{\"name\":\"lib-{i}\"}}}}}}")
            }),
        ),
        (
            "deep nesting in ignored fields",
            fill(limit, "{\"batch\":[", ",", "]}", |_| {
                format!("{{\"p\":{},\"context\":{{\"x\":{}}}}}", deep(120), deep(120))
            }),
        ),
        (
            "long escaped write key in the body",
            pad(format!("{{\"writeKey\":\"{}\",\"batch\":[{{}}]}}", escaped(limit - 40)), limit),
        ),
        (
            "long write key with one escape, at its end",
            pad(format!("{{\"writeKey\":\"{}\\u0061\",\"batch\":[{{}}]}}", "k".repeat(limit - 50)), limit),
        ),
        (
            "long library name and field name with one escape, at their ends",
            pad(
                format!(
                    "{{\"batch\":[{{\"context\":{{\"library\":{{\"name\":\"{0}\\u0061\"}}}}}}],\"{0}\\u0061\":1}}",
                    "n".repeat(limit / 2 - 80)
                ),
                limit,
            ),
        ),
        (
            "a long string where the batch should be",
            pad(format!("{{\"batch\":\"{}\"}}", "s".repeat(limit - 20)), limit),
        ),
        ("a long string as the body", format!("\"{}\"", "s".repeat(limit - 2))),
        (
            "a long escaped string where the batch should be",
            pad(format!("{{\"batch\":\"{}\"}}", escaped(limit - 20)), limit),
        ),
        (
            "an array as the body",
            fill(limit, "[\"EU-KEY\",null,[", ",", "]]", |_| "{}".into()),
        ),
        (
            "arrays as messages",
            fill(limit, "{\"batch\":[", ",", "]}", |_| "[[\"analytics.js\"]]".into()),
        ),
    ]
}

struct Measured {
    name: &'static str,
    gzipped: bool,
    known_key: bool,
    decoded: usize,
    peak: usize,
    status: u16,
}

fn measure_all(limit: usize) -> Vec<Measured> {
    let policy = LoadedPolicy::new(Policy::default_policy());
    let metrics = Metrics::default();
    let keeper = Gatekeeper::new(
        BTreeMap::from([(EU.to_string(), "eu-west".to_string())]),
        SourceTable::new(&BTreeMap::new(), "server"),
        vec!["events.eu1.segmentapis.com".into()],
        limit,
    );
    let known = basic(EU);
    let unknown = basic("no-such-key");
    let mut out = Vec::new();
    for (name, body) in bodies(limit) {
        let compressed = gzip(body.as_bytes());
        for gzipped in [false, true] {
            for known_key in [false, true] {
                let raw: &[u8] = if gzipped { &compressed } else { body.as_bytes() };
                let auth = if known_key { &known } else { &unknown };
                let request = Request {
                    is_batch: true,
                    host: Some("events.eu1.segmentapis.com"),
                    authorization: Some(auth.as_bytes()),
                    content_encoding: gzipped.then_some(&b"gzip"[..]),
                    body: raw,
                };
                let (peak, outcome) = peak(|| {
                    let outcome = keeper.check(&policy, &metrics, &request);
                    // The answer as the server writes it.
                    if let Outcome::Refuse(r) = &outcome {
                        black_box(r.to_json(&policy));
                    }
                    outcome
                });
                let status = match outcome {
                    Outcome::Forward => 200,
                    Outcome::Refuse(r) => r.status,
                };
                out.push(Measured {
                    name,
                    gzipped,
                    known_key,
                    decoded: body.len(),
                    peak,
                    status,
                });
            }
        }
    }
    out
}

#[test]
fn the_counter_sees_a_peak_and_not_what_was_freed() {
    let (p, _) = peak(|| {
        drop(black_box(vec![1u8; 1 << 20]));
        black_box(vec![1u8; 1 << 10])
    });
    assert!((1 << 20..(1 << 20) + 4096).contains(&p), "{p}");
    let (p, v) = peak(|| {
        let mut v = black_box(Vec::<u8>::with_capacity(1000));
        v.reserve(10_000);
        v
    });
    assert!(p >= 11_000 && v.capacity() >= 10_000, "{p}");
}

#[test]
fn a_tracking_check_holds_at_most_a_small_multiple_of_its_body() {
    let limit = limit();
    let results = measure_all(limit);
    let mut report = String::new();
    let mut over = Vec::new();
    for m in &results {
        let bound = MULTIPLE * m.decoded + SLACK;
        let _ = writeln!(
            report,
            "{:>9} B peak, {:>5.2}× the {:>7} B body, {} {} key, {}: {}",
            m.peak,
            m.peak as f64 / m.decoded as f64,
            m.decoded,
            if m.gzipped { "gzipped" } else { "plain  " },
            if m.known_key { "known  " } else { "unknown" },
            m.status,
            m.name,
        );
        if m.peak > bound {
            over.push(format!("{} ({} B > {bound} B)", m.name, m.peak));
        }
    }
    println!("body limit {limit} B\n{report}");
    assert!(
        over.is_empty(),
        "over {MULTIPLE}× body + {SLACK}: {over:#?}\n{report}"
    );
    // Each hostile shape was measured at the limit, not far under it.
    for m in &results {
        assert_eq!(m.decoded, limit, "{}", m.name);
    }
    statuses(&results);
}

/// The same requests, decided as the rules say: read as payloads, or refused.
fn statuses(results: &[Measured]) {
    let status = |name: &str, known_key: bool| {
        let mut s: Vec<u16> = results
            .iter()
            .filter(|m| m.name == name && m.known_key == known_key)
            .map(|m| m.status)
            .collect();
        s.dedup();
        s
    };
    // An unknown key is refused, whatever the body.
    for m in results.iter().filter(|m| !m.known_key) {
        assert!(matches!(m.status, 400 | 401), "{} → {}", m.name, m.status);
    }
    assert_eq!(
        status("shared context, long name, context-less messages", true),
        [200]
    );
    assert_eq!(status("many distinct library names", true), [200]);
    assert_eq!(status("deep nesting in ignored fields", true), [200]);
    // Arrays are not objects: refused, never read by position.
    assert_eq!(status("an array as the body", true), [400]);
    assert_eq!(status("arrays as messages", true), [400]);
    assert_eq!(status("a long string where the batch should be", true), [400]);
}

/// A gzip member whose header carries an extra field, a file name and a comment of the
/// longest lengths the decoder reads (64 KiB each), around `data`.
fn gzip_with_header_fields(data: &[u8]) -> Vec<u8> {
    const FIELD: usize = 65_535;
    let mut out = vec![0x1f, 0x8b, 8, 4 | 8 | 16, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(&u16::try_from(FIELD).unwrap().to_le_bytes());
    out.extend(std::iter::repeat_n(b'e', FIELD));
    out.extend(std::iter::repeat_n(b'n', FIELD));
    out.push(0);
    out.extend(std::iter::repeat_n(b'c', FIELD));
    out.push(0);
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflate.write_all(data).unwrap();
    out.extend(deflate.finish().unwrap());
    let mut crc = flate2::Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    out
}

#[test]
fn a_gzip_header_costs_no_more_than_its_body() {
    let policy = LoadedPolicy::new(Policy::default_policy());
    let metrics = Metrics::default();
    let keeper = Gatekeeper::new(
        BTreeMap::from([(EU.to_string(), "eu-west".to_string())]),
        SourceTable::new(&BTreeMap::new(), "server"),
        vec!["events.eu1.segmentapis.com".into()],
        limit(),
    );
    let body = br#"{"batch":[{"context":{"library":{"name":"analytics-python"}}}]}"#;
    let raw = gzip_with_header_fields(body);
    let known = basic(EU);
    let request = Request {
        is_batch: true,
        host: Some("events.eu1.segmentapis.com"),
        authorization: Some(known.as_bytes()),
        content_encoding: Some(&b"gzip"[..]),
        body: &raw,
    };
    let (peak, outcome) = peak(|| keeper.check(&policy, &metrics, &request));
    assert_eq!(outcome, Outcome::Forward);
    let bound = MULTIPLE * body.len() + SLACK;
    assert!(peak <= bound, "{peak} B > {bound} B for a {} B body", body.len());
}

/// `/v1/decide` costs memory in proportion to its body too: the array is read one question
/// at a time and each answer written as it is decided, so the peak is the answers (a few
/// hundred bytes each, written for questions of a few dozen) and the decoder's state. The
/// bound is `DECIDE_MULTIPLE` × the body + `SLACK`.
const DECIDE_MULTIPLE: usize = 8;

#[test]
fn a_decide_request_costs_memory_in_proportion_to_its_body() {
    let policy = LoadedPolicy::new(Policy::default_policy());
    let metrics = Metrics::default();
    let limit = Limits::default().max_decide_bytes;
    let short = r#"{"ask":"region-change","workspace":"eu-west","to":"us-west"}"#;
    let bodies = [
        (
            "short questions, as many as allowed",
            format!("[{}]", vec![short; 10_000].join(",")),
        ),
        (
            "misspelled destinations, as many as allowed",
            format!(
                "[{}]",
                (0..10_000)
                    .map(|i| format!(
                        r#"{{"ask":"deliver","workspace":"eu-west","destination":"amplitudee{i}"}}"#
                    ))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ),
        (
            "one question with a long host",
            format!(
                r#"{{"ask":"ingest","workspace":"eu-west","source":"ios","host":"{}"}}"#,
                "h".repeat(60_000)
            ),
        ),
        (
            "deep nesting where a question belongs",
            format!("[{}{}]", "[".repeat(100), "]".repeat(100)),
        ),
        (
            "over the question limit",
            format!("[{}]", vec!["{}"; 10_001].join(",")),
        ),
    ];
    let mut worst = 0.0f64;
    for (name, body) in &bodies {
        assert!(body.len() <= limit, "{name}: {} bytes", body.len());
        let (peak, _) = peak(|| regionfence_gateway::decide_api::answer(&policy, &metrics, body.as_bytes()));
        let bound = DECIDE_MULTIPLE * body.len() + SLACK;
        eprintln!(
            "{name}: {} B body, peak {peak} B ({:.2}×)",
            body.len(),
            peak as f64 / body.len() as f64
        );
        worst = worst.max(peak as f64 / body.len() as f64);
        assert!(
            peak <= bound,
            "{name}: {peak} B > {bound} B for a {} B body",
            body.len()
        );
    }
    eprintln!("worst: {worst:.2}× the body");
}
