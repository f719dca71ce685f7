//! The tracking check alone, in process, for an instruction count under callgrind (stable
//! where wall-clock time on a shared machine is not):
//!
//! ```text
//! cargo bench -p regionfence-gateway --bench check --no-run
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/deps/check-* MESSAGES ROUNDS KEYS
//! ```
//!
//! Run it at two round counts: the difference of the instruction counts over the
//! difference of the rounds is one check's cost, start-up cancelled out. Without
//! valgrind it prints the time per check. `MESSAGES` messages per batch (default 1),
//! `ROUNDS` checks (default 100000), `KEYS` write keys configured (default 2).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine;
use regionfence_gateway::metrics::Metrics;
use regionfence_gateway::sources::SourceTable;
use regionfence_gateway::tracking::{Gatekeeper, Outcome, Request};
use regionfence_gateway::LoadedPolicy;
use std::collections::BTreeMap;
use std::time::Instant;

const EU_KEY: &str = "eu-bench-key";

fn batch(messages: usize) -> String {
    let batch: Vec<_> = (0..messages)
        .map(|i| {
            serde_json::json!({
                "type": "track", "event": "Order Completed", "messageId": format!("m-{i}"),
                "userId": "user-1234", "timestamp": "2026-11-30T00:00:00+00:00",
                "properties": {"revenue": 42.5, "currency": "EUR", "products": [{"sku": "a-1", "qty": 2}]},
                "context": {"library": {"name": "analytics-python", "version": "2.4.0"}, "ip": "10.1.2.3"},
            })
        })
        .collect();
    serde_json::json!({"batch": batch, "sentAt": "2026-11-30T00:00:01+00:00"}).to_string()
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let messages = args.first().copied().unwrap_or(1);
    let rounds = args.get(1).copied().unwrap_or(100_000);
    let keys = args.get(2).copied().unwrap_or(2).max(1);
    let mut write_keys = BTreeMap::from([(EU_KEY.to_string(), "eu-west".to_string())]);
    for i in 1..keys {
        let region = if i % 2 == 0 { "eu-west" } else { "us-west" };
        write_keys.insert(format!("workspace-write-key-{i:08}"), region.to_string());
    }
    let loaded = LoadedPolicy::new(regionfence::Policy::default_policy());
    let metrics = Metrics::default();
    let keeper = Gatekeeper::new(
        write_keys,
        SourceTable::new(&BTreeMap::new(), "server"),
        vec!["events.eu1.segmentapis.com".into()],
        512 * 1024,
    );
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{EU_KEY}:"))
    );
    let body = batch(messages);
    let request = Request {
        is_batch: true,
        host: Some("events.eu1.segmentapis.com"),
        authorization: Some(auth.as_bytes()),
        content_encoding: None,
        body: body.as_bytes(),
    };
    assert_eq!(keeper.check(&loaded, &metrics, &request), Outcome::Forward);
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(keeper.check(&loaded, &metrics, std::hint::black_box(&request)));
    }
    let per = started.elapsed().as_secs_f64() / rounds.max(1) as f64;
    println!(
        "{messages} message(s), {} B, {keys} write keys: {:.3} µs per check",
        body.len(),
        per * 1e6
    );
}
