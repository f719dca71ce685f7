//! How an API gateway links regionfence: compile the policy once at start-up, share it
//! across request threads, and make one decision per request on the host it saw.
//!
//! Run with `cargo run --release --example gateway`. For a gateway that listens, forwards
//! and reloads, see `gateway/` (the `regionfence-gateway` crate).

use regionfence::{Policy, Verdict};
use std::sync::Arc;
use std::time::Instant;

/// A request as the gateway sees it: the workspace's region (from its write key), the
/// source, and the Host header.
struct Request {
    workspace: &'static str,
    source: &'static str,
    host: &'static str,
}

fn main() {
    // Compile once: parse, validate, intern. Everything after this is lookups.
    let policy = Arc::new(Policy::default_policy());

    static REQUESTS: [Request; 4] = [
        Request {
            workspace: "eu-west",
            source: "javascript",
            host: "events.eu1.segmentapis.com",
        },
        Request {
            workspace: "eu-west",
            source: "node-js",
            host: "https://api.segment.io/v1/batch",
        },
        Request {
            workspace: "us-west",
            source: "ios",
            host: "in.au1.segmentapis.com:443",
        },
        Request {
            workspace: "eu-west",
            source: "javascript",
            host: "events.eu1.segmentapis.com.evil.example",
        },
    ];
    let requests = &REQUESTS;

    // Decide many, from many threads: a compiled policy is Send + Sync.
    let handles: Vec<_> = (0..2)
        .map(|worker| {
            let policy = Arc::clone(&policy);
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut allowed = 0u64;
                const ROUNDS: u64 = 250_000;
                for _ in 0..ROUNDS {
                    for r in requests {
                        if policy.ingest(r.workspace, r.source, r.host).verdict() == Verdict::Allow {
                            allowed += 1;
                        }
                    }
                }
                let per = started.elapsed().as_nanos() as f64 / (ROUNDS * requests.len() as u64) as f64;
                println!("worker {worker}: {allowed} allowed, {per:.0} ns per decision");
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }

    // A deny explains itself; log it, never forward the request.
    let r = &requests[1];
    let question = regionfence::Question::Ingest {
        workspace: r.workspace.into(),
        source: r.source.into(),
        host: r.host.into(),
    };
    let decision = policy.decide(&question);
    println!("{}", decision.explain(&policy, &question).to_json());

    // The hottest path: look the workspace's region and the source up once per connection,
    // and only the host per request.
    let (Some(region), Some(source)) = (policy.region_id("eu-west"), policy.source_id("javascript")) else {
        return;
    };
    match policy.host_id("events.eu1.segmentapis.com") {
        Ok(host) => println!("id-level: {}", policy.ingest_ids(region, source, host).verdict()),
        Err(reason) => println!("id-level: deny ({})", reason.code()),
    }
}
