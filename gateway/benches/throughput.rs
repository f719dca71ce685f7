//! Requests per second through the gateway on loopback, with and without the policy check,
//! against the same stub upstream called directly; latency percentiles; and the check
//! alone, in process.
//!
//! `cargo bench -p regionfence-gateway --bench throughput [-- REQUESTS CONNECTIONS]`
//!
//! Everything (load generator, gateway, stub upstream) shares this machine's cores, as a
//! sidecar gateway would; compare the rows with each other, not with another machine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use regionfence_gateway::metrics::Metrics;
use regionfence_gateway::sources::SourceTable;
use regionfence_gateway::tracking::{Gatekeeper, Request as TrackingRequest};
use regionfence_gateway::{Config, Gateway, LoadedPolicy};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const EU_KEY: &str = "eu-bench-key";
const ROUNDS: usize = 5;

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

/// A stub upstream answering 200 at once.
async fn stub() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(|request: Request<hyper::body::Incoming>| async move {
                        let _ = request.into_body().collect().await;
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                            Bytes::from_static(b"{\"success\":true}"),
                        )))
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

struct Run {
    rps: f64,
    p50: Duration,
    p90: Duration,
    p99: Duration,
}

/// `requests` POSTs over `connections` keep-alive connections; every answer must be 200.
async fn load(addr: SocketAddr, body: Bytes, requests: usize, connections: usize) -> Run {
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{EU_KEY}:"))
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (body, auth) = (body.clone(), auth.clone());
        let share = requests / connections + usize::from(c < requests % connections);
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            tokio::spawn(conn);
            let mut latencies = Vec::with_capacity(share);
            for _ in 0..share {
                let request = Request::post("/v1/batch")
                    .header("host", "events.eu1.segmentapis.com")
                    .header("authorization", &auth)
                    .header("content-type", "application/json")
                    .body(Full::new(body.clone()))
                    .unwrap();
                let t = Instant::now();
                let response = sender.send_request(request).await.unwrap();
                assert_eq!(response.status(), 200);
                let _ = response.into_body().collect().await.unwrap();
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::with_capacity(requests);
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Run {
        rps: requests as f64 / elapsed.as_secs_f64(),
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
    }
}

fn gateway_config(upstream: SocketAddr) -> Config {
    Config::from_yaml(&format!(
        "listen: 127.0.0.1:0\nupstream: http://{upstream}\nhosts: [events.eu1.segmentapis.com]\n\
         write_keys: {{{EU_KEY}: eu-west}}\n"
    ))
    .unwrap()
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let requests = args.first().copied().unwrap_or(10_000);
    let connections = args.get(1).copied().unwrap_or(16);
    // The gateway runs on a runtime of its own, as it would in its own process.
    let gateway_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let upstream = client_rt.block_on(stub());
    let checked = gateway_rt.block_on(async {
        Gateway::new(gateway_config(upstream))
            .unwrap()
            .start()
            .await
            .unwrap()
    });
    let unchecked = gateway_rt.block_on(async {
        Gateway::new(gateway_config(upstream))
            .unwrap()
            .dangerous_without_policy_check_for_benchmarks()
            .start()
            .await
            .unwrap()
    });
    println!(
        "{requests} requests over {connections} keep-alive connections per round, {ROUNDS} rounds interleaved, \
         medians (loopback, 2 cores shared)\n"
    );
    println!("| body | path | requests/s | p50 | p90 | p99 |");
    println!("| --- | --- | ---: | ---: | ---: | ---: |");
    let mut per_request = BTreeMap::new();
    for messages in [1usize, 20] {
        let body = Bytes::from(batch(messages));
        let label = format!("{messages} message(s), {} B", body.len());
        let paths = [
            ("upstream directly", upstream),
            ("gateway, no check", unchecked.addr),
            ("gateway, policy check", checked.addr),
        ];
        for (_, addr) in paths {
            // Warm up connections, pools and caches.
            client_rt.block_on(load(addr, body.clone(), requests / 10, connections));
        }
        // Rounds interleave the paths, so load from elsewhere on the machine falls on all.
        let mut runs: Vec<Vec<Run>> = paths.iter().map(|_| Vec::new()).collect();
        for _ in 0..ROUNDS {
            for (i, (_, addr)) in paths.iter().enumerate() {
                runs[i].push(client_rt.block_on(load(*addr, body.clone(), requests, connections)));
            }
        }
        for (i, (name, _)) in paths.iter().enumerate() {
            let median = |f: &dyn Fn(&Run) -> f64| {
                let mut v: Vec<f64> = runs[i].iter().map(f).collect();
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            let rps = median(&|r| r.rps);
            per_request.insert((messages, *name), 1.0 / rps);
            println!(
                "| {label} | {name} | {rps:.0} | {:.0} µs | {:.0} µs | {:.0} µs |",
                median(&|r| r.p50.as_secs_f64() * 1e6),
                median(&|r| r.p90.as_secs_f64() * 1e6),
                median(&|r| r.p99.as_secs_f64() * 1e6),
            );
        }
    }
    println!();
    for messages in [1usize, 20] {
        let with = per_request[&(messages, "gateway, policy check")];
        let without = per_request[&(messages, "gateway, no check")];
        println!(
            "- {messages} message(s): the check's share of a request's cost end to end: {:.1} % \
             ({:.1} µs of {:.1} µs per request at full load)",
            100.0 * (with - without) / with,
            (with - without) * 1e6,
            with * 1e6
        );
    }

    // The check alone, in process: decode, parse the payload, find the key, decide.
    println!("\nthe check alone (Gatekeeper::check, in process, one thread):\n");
    let loaded = LoadedPolicy::new(regionfence::Policy::default_policy());
    let metrics = Metrics::default();
    let keeper = Gatekeeper::new(
        BTreeMap::from([(EU_KEY.to_string(), "eu-west".to_string())]),
        SourceTable::new(&BTreeMap::new(), "server"),
        vec!["events.eu1.segmentapis.com".into()],
        512 * 1024,
    );
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{EU_KEY}:"))
    );
    for messages in [1usize, 20] {
        let body = batch(messages);
        let request = TrackingRequest {
            is_batch: true,
            host: Some("events.eu1.segmentapis.com"),
            authorization: Some(auth.as_bytes()),
            content_encoding: None,
            body: body.as_bytes(),
        };
        let rounds = 200_000 / messages;
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(keeper.check(&loaded, &metrics, std::hint::black_box(&request)));
        }
        let per = started.elapsed().as_secs_f64() / rounds as f64;
        println!(
            "- {messages} message(s), {} B: {:.2} µs per request",
            body.len(),
            per * 1e6
        );
    }
    gateway_rt.block_on(async {
        checked.shutdown().await;
        unchecked.shutdown().await;
    });
}
