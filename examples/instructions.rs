#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Makes one decision of the default policy N times inside `measured`, for callgrind to
//! count alone; the string and id layers and the load, one question per name.
//!
//! ```sh
//! cargo build --release --example instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null '--toggle-collect=instructions::measured*' \
//!     target/release/examples/instructions ingest/bare 1000
//! target/release/examples/instructions --list
//! target/release/examples/instructions growth hosts 100000 1000   # a generated policy's decision
//! target/release/examples/instructions load-times                 # wall-clock load medians
//! target/release/examples/instructions baseline/match 1000         # a bare match on two enums
//! target/release/examples/instructions ids/ingest 1000 by-ref      # the decision kept in place
//! ```
//!
//! `baseline/match` is the yardstick of the id layer: the same counted loop around a closure
//! that decides with a `match` on two small enums, so an `ids/*` count divided by its count
//! says how far a decision on ids is from the least a decision can cost.
//!
//! By default the counted loop passes each decision to `black_box` by value, which copies
//! the whole `Decision` (152 bytes, a `memcpy` call) once more after it is made; with
//! `by-ref` it passes a reference to the decision where it was returned, so the count is the
//! decision's own (the loop and the dynamic call still in it, as in the baseline).

#[allow(dead_code)]
#[path = "generate_policy.rs"]
mod generate_policy;

use regionfence::{Decision, Policy};
use std::hint::black_box;
use std::net::IpAddr;

type Decide = Box<dyn Fn(&Policy) -> Decision>;

/// Every question: its name and how to ask it.
fn questions(policy: &Policy) -> Vec<(&'static str, Decide)> {
    let hostile: String = "a".repeat(2048);
    let eu = policy.region_id("eu-west").unwrap();
    let ios = policy.source_id("ios").unwrap();
    let host = policy.host_id("events.eu1.segmentapis.com").unwrap();
    let redshift = policy.store_id("redshift").unwrap();
    let cloud = policy.cloud_id("aws:eu-west-1").unwrap();
    let amplitude = policy.destination_id("amplitude").unwrap();
    let from = policy.location_id("eu-west/dublin-a").unwrap();
    let to = policy.location_id("eu-west/dublin-b").unwrap();
    let ip: IpAddr = "3.251.148.100".parse().unwrap();
    vec![
        (
            "ingest/bare",
            Box::new(|p: &Policy| p.ingest("eu-west", "javascript", "events.eu1.segmentapis.com")),
        ),
        (
            "ingest/url",
            Box::new(|p: &Policy| {
                p.ingest(
                    "eu-west",
                    "javascript",
                    "https://events.eu1.segmentapis.com:443/v1/batch",
                )
            }),
        ),
        (
            "ingest/upper",
            Box::new(|p: &Policy| p.ingest("eu-west", "javascript", "HTTPS://Events.EU1.SegmentAPIs.com/v1")),
        ),
        (
            "ingest/cross-region",
            Box::new(|p: &Policy| p.ingest("eu-west", "node-js", "api.segment.io")),
        ),
        (
            "ingest/hostile",
            Box::new(move |p: &Policy| p.ingest("eu-west", "javascript", &hostile)),
        ),
        (
            "connect/v4",
            Box::new(|p: &Policy| p.connect("eu-west", "redshift", "3.251.148.100")),
        ),
        (
            "connect/mapped",
            Box::new(|p: &Policy| p.connect("eu-west", "redshift", "::ffff:3.251.148.100")),
        ),
        (
            "deliver/default",
            Box::new(|p: &Policy| p.deliver("eu-west", "amplitude", None)),
        ),
        (
            "deliver/late",
            Box::new(|p: &Policy| p.deliver("eu-west", "stitch-data", None)),
        ),
        (
            "deliver/endpoint-host",
            Box::new(|p: &Policy| p.deliver("eu-west", "amplitude", Some("api.eu.amplitude.com"))),
        ),
        (
            "store",
            Box::new(|p: &Policy| p.store("eu-west", "redshift", "aws:eu-west-1")),
        ),
        (
            "failover",
            Box::new(|p: &Policy| p.failover("eu-west/dublin-a", "eu-west/dublin-b")),
        ),
        (
            "resolve",
            Box::new(|p: &Policy| p.resolve("eu-west", "node-js", None)),
        ),
        (
            "allowlist",
            Box::new(|p: &Policy| p.allowlist("eu-west", "redshift")),
        ),
        (
            "ids/ingest",
            Box::new(move |p: &Policy| p.ingest_ids(eu, ios, host)),
        ),
        (
            "ids/failover",
            Box::new(move |p: &Policy| p.failover_ids(from, to)),
        ),
        (
            "ids/store",
            Box::new(move |p: &Policy| p.store_ids(eu, redshift, cloud)),
        ),
        (
            "ids/deliver",
            Box::new(move |p: &Policy| p.deliver_ids(eu, amplitude, None)),
        ),
        (
            "ids/connect",
            Box::new(move |p: &Policy| p.connect_ids(eu, redshift, ip)),
        ),
        (
            "ids/resolve",
            Box::new(move |p: &Policy| p.resolve_ids(eu, ios, None)),
        ),
        (
            "ids/allowlist",
            Box::new(move |p: &Policy| p.allowlist_ids(eu, redshift)),
        ),
    ]
}

/// The counted loop.
#[inline(never)]
fn measured(n: u64, policy: &Policy, decide: &Decide) {
    for _ in 0..n {
        black_box(decide(black_box(policy)));
    }
}

/// The counted loop, each decision looked at where it was returned rather than copied.
#[inline(never)]
fn measured_by_ref(n: u64, policy: &Policy, decide: &Decide) {
    for _ in 0..n {
        let decision = decide(black_box(policy));
        black_box(&decision);
    }
}

/// A workspace's region, as a program with the rules hard-coded would name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workspace {
    UsWest,
    EuWest,
}

/// An ingestion host, likewise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ingress {
    Api,
    Eu1,
    Other,
}

/// What the hard-coded rule answers: allowed or not, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    HostInRegion,
    OutsideRegion,
    UnknownHost,
}

type Baseline = Box<dyn Fn(Workspace, Ingress) -> Outcome>;

/// The least a decision can cost: a `match` on two enums, behind the same dynamic call.
fn baseline() -> Baseline {
    Box::new(|workspace, host| match (workspace, host) {
        (Workspace::UsWest, Ingress::Api) | (Workspace::EuWest, Ingress::Eu1) => Outcome::HostInRegion,
        (_, Ingress::Other) => Outcome::UnknownHost,
        _ => Outcome::OutsideRegion,
    })
}

/// The counted loop of the baseline.
#[inline(never)]
fn measured_baseline(n: u64, decide: &Baseline) {
    for _ in 0..n {
        black_box(decide(black_box(Workspace::EuWest), black_box(Ingress::Eu1)));
    }
}

/// Loading the default policy, counted the same way.
#[inline(never)]
fn measured_load(n: u64) {
    for _ in 0..n {
        black_box(Policy::default_policy());
    }
}

/// Wall-clock medians of loading the default policy: compiled form, YAML, and the default.
fn load_times() {
    let median = |f: &dyn Fn()| {
        let mut times: Vec<std::time::Duration> = (0..41)
            .map(|_| {
                let started = std::time::Instant::now();
                f();
                started.elapsed()
            })
            .collect();
        times.sort();
        times[times.len() / 2]
    };
    let default = median(&|| drop(black_box(Policy::default_policy())));
    let compiled = median(&|| {
        drop(black_box(
            Policy::from_compiled(regionfence::DEFAULT_POLICY_COMPILED).unwrap(),
        ))
    });
    let yaml = median(&|| {
        drop(black_box(
            Policy::from_yaml(regionfence::DEFAULT_POLICY_YAML).unwrap(),
        ))
    });
    println!("default_policy {default:?}\nfrom_compiled {compiled:?}\nfrom_yaml {yaml:?}");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let policy = Policy::default_policy();
    let all = questions(&policy);
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--list"] => {
            all.iter().for_each(|(name, _)| println!("{name}"));
            println!("baseline/match");
        }
        // The baseline's outcome is one byte: by value or by reference, nothing is copied.
        ["baseline/match", n] | ["baseline/match", n, "by-ref"] => {
            let decide = baseline();
            assert_eq!(decide(Workspace::EuWest, Ingress::Eu1), Outcome::HostInRegion);
            assert_eq!(decide(Workspace::EuWest, Ingress::Api), Outcome::OutsideRegion);
            assert_eq!(decide(Workspace::UsWest, Ingress::Other), Outcome::UnknownHost);
            measured_baseline(n.parse().unwrap(), &decide);
        }
        ["load", n] => measured_load(n.parse().unwrap()),
        ["load-times"] => load_times(),
        ["growth", shape, size, n] => {
            let size: usize = size.parse().unwrap();
            // Destinations in the compact shape: 100,000 of the other fit no policy.
            let generated = if *shape == "destinations" {
                "eu-destinations"
            } else {
                shape
            };
            let text = generate_policy::generate(generated, size).unwrap();
            let policy = Policy::from_yaml(&text).unwrap_or_else(|e| panic!("{shape} {size}: {e}"));
            let middle = size / 2;
            let (a, b, c) = match *shape {
                "hosts" => (
                    "eu-west".to_string(),
                    "node-js".to_string(),
                    format!("https://in-{middle}.eu.example/v1"),
                ),
                "cidrs" => (
                    "eu-west".to_string(),
                    "redshift".to_string(),
                    format!(
                        "10.{}.{}.{}",
                        (middle >> 14) & 0xff,
                        (middle >> 6) & 0xff,
                        ((middle & 0x3f) << 2) + 1
                    ),
                ),
                _ => (
                    "eu-west".to_string(),
                    if middle == 0 {
                        "amplitude".into()
                    } else {
                        format!("dest-{middle}")
                    },
                    String::new(),
                ),
            };
            let decide: Decide = match *shape {
                "hosts" => Box::new(move |p: &Policy| p.ingest(&a, &b, &c)),
                "cidrs" => Box::new(move |p: &Policy| p.connect(&a, &b, &c)),
                _ => Box::new(move |p: &Policy| p.deliver(&a, &b, None)),
            };
            assert!(decide(&policy).is_allowed());
            let started = std::time::Instant::now();
            let reloaded = Policy::from_yaml(&text).unwrap();
            eprintln!(
                "load {shape} {size}: {:?} ({} bytes)",
                started.elapsed(),
                text.len()
            );
            drop(reloaded);
            measured(n.parse().unwrap(), &policy, &decide);
        }
        [name, n] | [name, n, "by-ref"] => {
            let (_, decide) = all.iter().find(|(q, _)| q == name).expect("a question of --list");
            for _ in 0..16 {
                black_box(decide(&policy));
            }
            if args.len() == 3 {
                measured_by_ref(n.parse().unwrap(), &policy, decide);
            } else {
                measured(n.parse().unwrap(), &policy, decide);
            }
        }
        _ => eprintln!("usage: instructions QUESTION N [by-ref] | instructions load N | instructions --list"),
    }
}
