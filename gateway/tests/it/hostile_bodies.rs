//! The gateway over loopback under hostile tracking bodies: a batch-level library with a long
//! name shared by many messages without one, many tiny messages — at the body limit (decided:
//! forwarded under a known key, refused under an unknown one) and at ten times it, plain and
//! gzipped (refused `body-too-large`) — and the process's peak resident memory stays under
//! `MAX_PEAK_RSS` throughout. A test binary of its own, so the peak is this test's alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;
use common::*;
use regionfence_gateway::config::Limits;

/// The peak resident memory (VmHWM) allowed to this whole test process, gateway, stub, client
/// and bodies together, in MiB.
const MAX_PEAK_RSS_MIB: u64 = 128;

/// A field of /proc/self/status, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// `head`, then `item` repeated with commas while it fits, then `tail`: `size` bytes at most,
/// padded with spaces to exactly `size`.
fn fill(size: usize, head: &str, item: &str, tail: &str) -> String {
    let room = size - head.len() - tail.len();
    let n = (room + 1) / (item.len() + 1);
    let mut body = String::with_capacity(size);
    body.push_str(head);
    body.push_str(&vec![item; n].join(","));
    body.push_str(tail);
    body.extend(std::iter::repeat_n(' ', size - body.len()));
    body
}

/// POSTs `body` over a raw connection, writing while reading: the gateway may answer and
/// close before a body over its limit is all sent. The status and the answer's body.
fn post_raw(addr: std::net::SocketAddr, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let mut read = std::net::TcpStream::connect(addr).unwrap();
    read.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut write = read.try_clone().unwrap();
    let mut head = format!(
        "POST /v1/batch HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let writer = std::thread::spawn(move || {
        // Refused mid-body, the write fails: that is expected.
        let _ = write
            .write_all(head.as_bytes())
            .and_then(|()| write.write_all(&body));
    });
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = read.read(&mut chunk).expect("an answer in time");
        answer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&answer).to_string();
        if let Some((head, rest)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            if rest.len() >= length {
                let status = head.split(' ').nth(1).unwrap().parse().unwrap();
                let _ = read.shutdown(std::net::Shutdown::Both);
                writer.join().unwrap();
                return (status, serde_json::from_str(&rest[..length]).unwrap());
            }
        }
        assert!(n > 0, "the connection closed before an answer: {text}");
    }
}

fn shared_context(size: usize) -> String {
    let name = "n".repeat(size / 2);
    fill(
        size,
        &format!("{{\"context\":{{\"library\":{{\"name\":\"{name}\"}}}},\"batch\":["),
        "{}",
        "]}",
    )
}

fn tiny_messages(size: usize) -> String {
    fill(size, "{\"batch\":[", "{}", "]}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_are_decided_or_refused_within_bounded_memory() {
    let limit = Limits::default().max_body_bytes;
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let client = client();
    let eu = basic(EU_KEY);
    let unknown = basic("no-such-key");
    let started = std::time::Instant::now();

    let mut forwarded = 0;
    for body in [shared_context(limit), tiny_messages(limit)] {
        assert_eq!(body.len(), limit);
        for gzipped in [false, true] {
            let raw = if gzipped {
                gzip(body.as_bytes())
            } else {
                body.clone().into_bytes()
            };
            for (auth, status) in [(&eu, 200), (&unknown, 401)] {
                let mut headers = vec![("authorization", auth.as_str())];
                if gzipped {
                    headers.push(("content-encoding", "gzip"));
                }
                let a = send(&client, "POST", gw.addr, "/v1/batch", &headers, raw.clone()).await;
                assert_eq!(a.status, status, "{}", String::from_utf8_lossy(&a.body));
                forwarded += usize::from(status == 200);
            }
        }
    }
    assert_eq!(
        stub.count(),
        forwarded,
        "what is decided allowed arrives, nothing else"
    );

    for body in [shared_context(10 * limit), tiny_messages(10 * limit)] {
        let compressed = gzip(body.as_bytes());
        assert!(compressed.len() < limit, "the gzipped body passes the raw limit");
        for (raw, encoding) in [(body.into_bytes(), "identity"), (compressed, "gzip")] {
            let (addr, auth) = (gw.addr, eu.clone());
            let (status, json) = tokio::task::spawn_blocking(move || {
                post_raw(
                    addr,
                    &[("authorization", &auth), ("content-encoding", encoding)],
                    raw,
                )
            })
            .await
            .unwrap();
            assert_eq!(
                (status, json["code"].as_str()),
                (400, Some("body-too-large")),
                "{encoding}"
            );
        }
    }
    assert_eq!(stub.count(), forwarded);

    let peak = status_kib("VmHWM") / 1024;
    let now = status_kib("VmRSS") / 1024;
    println!(
        "peak RSS {peak} MiB, now {now} MiB, {:.2} s for every request",
        started.elapsed().as_secs_f64()
    );
    assert!(peak <= MAX_PEAK_RSS_MIB, "peak RSS {peak} MiB");
    gw.shutdown().await;
}
