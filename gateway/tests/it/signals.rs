//! The gateway binary: SIGHUP reloads the policy, SIGTERM lets the request in flight finish
//! and exits 0.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;
use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn kill(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_and_sigterm_drains() {
    let dir = std::env::temp_dir().join(format!("rf-signals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = std::fs::read_to_string(repo().join("policies/broken/base.yaml")).unwrap();
    std::fs::write(
        dir.join("policy.yaml"),
        base.replace("name: broken-base", "name: first"),
    )
    .unwrap();
    let stub = Stub::start().await;
    let config = dir.join("gateway.yaml");
    std::fs::write(
        &config,
        format!(
            "listen: 127.0.0.1:0\nupstream: http://{}\npolicy: policy.yaml\nhosts: [events.eu1.segmentapis.com]\n\
             write_keys: {{{EU_KEY}: eu-west}}\n",
            stub.addr
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_regionfence-gateway"))
        .arg(&config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let listening = lines.next().unwrap().unwrap();
    let addr: std::net::SocketAddr = listening
        .split_whitespace()
        .find_map(|f| f.strip_prefix("addr="))
        .unwrap_or_else(|| panic!("{listening}"))
        .parse()
        .unwrap();
    // The rest of the log, for the assertions below.
    let log = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let client = client();
    assert_eq!(
        send(&client, "GET", addr, "/healthz", &[], "")
            .await
            .policy()
            .split('#')
            .next(),
        Some("first@1")
    );

    std::fs::write(
        dir.join("policy.yaml"),
        base.replace("name: broken-base", "name: second"),
    )
    .unwrap();
    kill(child.id(), "-HUP");
    let mut label = String::new();
    for _ in 0..100 {
        label = send(&client, "GET", addr, "/healthz", &[], "")
            .await
            .policy()
            .split('#')
            .next()
            .unwrap_or_default()
            .to_string();
        if label == "second@1" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(label, "second@1", "SIGHUP reloaded the policy");

    let eu = basic(EU_KEY);
    let in_flight = tokio::spawn(async move {
        send(
            &client,
            "POST",
            addr,
            "/v1/batch?delay_ms=600",
            &[("authorization", &eu)],
            batch(&[("t", "E")]),
        )
        .await
    });
    // SIGTERM while the request is at the upstream.
    stub.wait_for_arrivals(1).await;
    kill(child.id(), "-TERM");
    let answer = in_flight.await.unwrap();
    assert_eq!(answer.status, 200, "the request in flight finished");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let log = log.join().unwrap().join("\n");
    assert!(
        log.contains("event=reload trigger=sighup policy=second@1#"),
        "{log}"
    );
    assert!(log.contains("event=stopped"), "{log}");
    assert!(!log.contains(EU_KEY), "the write key is never logged");
    let _ = std::fs::remove_dir_all(dir);
}
