//! End to end with Segment's own Python library (segment-analytics-python): every EU
//! event arrives upstream intact; every event of a US workspace's key sent to the EU
//! gateway is refused with 421, reaches nothing, and the library's error callback sees it.
//!
//! Needs the library: `.ci/run` makes a venv under `target/`, installs it, and runs this
//! test with `REGIONFENCE_E2E_PYTHON` set to the venv's python. Without it the test fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;
use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;

fn python() -> String {
    let python = std::env::var("REGIONFENCE_E2E_PYTHON")
        .expect("REGIONFENCE_E2E_PYTHON must name a python with segment-analytics-python installed");
    let check = std::process::Command::new(&python)
        .args(["-c", "import segment.analytics"])
        .status()
        .unwrap_or_else(|e| panic!("{python}: {e}"));
    assert!(check.success(), "{python} cannot import segment.analytics");
    python
}

/// Every message the upstream received, by message id, with the key it came with.
fn upstream_messages(stub: &Stub) -> BTreeMap<String, (String, Value)> {
    let mut out = BTreeMap::new();
    for r in stub.all() {
        assert_eq!(r.path, "/v1/batch");
        let body = match r.headers.get("content-encoding").map(|v| v.to_str().unwrap()) {
            Some("gzip") => {
                let mut text = Vec::new();
                flate2::read::GzDecoder::new(&r.body[..])
                    .read_to_end(&mut text)
                    .unwrap();
                text
            }
            _ => r.body.to_vec(),
        };
        let auth = r.headers["authorization"].to_str().unwrap().to_string();
        let json: Value = serde_json::from_slice(&body).unwrap();
        for message in json["batch"].as_array().unwrap() {
            let id = message["messageId"].as_str().unwrap().to_string();
            assert!(
                out.insert(id, (auth.clone(), message.clone())).is_none(),
                "a message arrived twice"
            );
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs segment-analytics-python: .ci/run runs it with REGIONFENCE_E2E_PYTHON set"]
async fn segments_python_library_through_the_eu_gateway() {
    let python = python();
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/segment_python.py");
    let host = format!("http://{}", gw.addr);
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .args([&host, EU_KEY, US_KEY])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let eu = result["eu"].as_array().unwrap();
    let us = result["us"].as_array().unwrap();
    let errors = result["errors"].as_array().unwrap();
    assert_eq!(eu.len(), 18, "six event types, three ways");
    assert_eq!(us.len(), 6 + 6, "queued (flush) and attempted (sync_mode)");

    // Every EU event arrives upstream intact, with the EU key, and nothing else arrives.
    let received = upstream_messages(&stub);
    let eu_auth = basic(EU_KEY);
    for sent in eu {
        let id = sent["messageId"].as_str().unwrap();
        let (auth, got) = received
            .get(id)
            .unwrap_or_else(|| panic!("EU message {id} did not arrive"));
        assert_eq!(auth, &eu_auth);
        for field in [
            "type",
            "event",
            "userId",
            "properties",
            "traits",
            "name",
            "category",
            "groupId",
            "previousId",
        ] {
            assert_eq!(got.get(field), sent.get(field), "{id}: {field}");
        }
        assert_eq!(got["context"]["library"]["name"], "analytics-python");
    }
    assert_eq!(received.len(), eu.len(), "only EU messages reached the upstream");
    let types: std::collections::BTreeSet<_> = received
        .values()
        .map(|(_, m)| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 6, "{types:?}");
    assert!(
        stub.all()
            .iter()
            .any(|r| r.headers.get("content-encoding").is_some()),
        "a gzipped batch arrived"
    );

    // No EU event was refused; every US event was, with 421 and the host to use.
    assert!(errors.iter().all(|e| e["key"] == "us"), "{errors:?}");
    for m in us {
        let id = m["messageId"].as_str().unwrap();
        assert!(!received.contains_key(id), "US message {id} reached the upstream");
    }
    for e in errors {
        assert_eq!(e["status"], 421, "{e}");
        assert_eq!(e["code"], "ingestion-outside-region", "{e}");
        assert!(e["message"].as_str().unwrap().contains("api.segment.io"), "{e}");
        let text = e["text"].as_str().unwrap();
        assert!(
            text.starts_with("[Segment] ingestion-outside-region: host `events.eu1.segmentapis.com`"),
            "{text}"
        );
        assert!(text.ends_with("; send to `api.segment.io` (421)"), "{text}");
    }
    let seen = |via: &str| -> std::collections::BTreeSet<String> {
        errors
            .iter()
            .filter(|e| e["via"] == via)
            .flat_map(|e| {
                e["message_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
            })
            .collect()
    };
    let (callback, raised) = (seen("flush"), seen("raise"));
    for m in us {
        let id = m["messageId"].as_str().unwrap().to_string();
        if m["raised"] == true {
            assert!(raised.contains(&id), "sync_mode raised the refusal of {id}");
        } else {
            assert!(
                callback.contains(&id),
                "the error callback saw the refusal of {id}"
            );
        }
    }
    assert_eq!(raised.len(), 6, "sync_mode raised each refusal");

    let metrics = send(&client(), "GET", gw.addr, "/metrics", &[], "").await;
    let text = String::from_utf8(metrics.body.to_vec()).unwrap();
    let refused = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("regionfence_refused_total{status=\"421\",reason=\"ingestion-outside-region\"} ")
        })
        .unwrap();
    assert_eq!(
        refused,
        (errors.iter().filter(|e| e["via"] == "flush").count() + 6).to_string()
    );
    gw.shutdown().await;
}

fn node_modules() -> std::path::PathBuf {
    let dir = std::env::var("REGIONFENCE_E2E_NODE_MODULES").expect(
        "REGIONFENCE_E2E_NODE_MODULES must name a node_modules with @segment/analytics-node installed",
    );
    let dir = std::path::PathBuf::from(dir);
    assert!(
        dir.join("@segment/analytics-node/package.json").is_file(),
        "{} has no @segment/analytics-node",
        dir.display()
    );
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs @segment/analytics-node: .ci/run runs it with REGIONFENCE_E2E_NODE_MODULES set"]
async fn segments_node_library_through_the_eu_gateway() {
    let modules = node_modules();
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/segment_node.cjs");
    let host = format!("http://{}", gw.addr);
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .args([&host, EU_KEY, US_KEY])
            .env("NODE_PATH", modules)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let eu = result["eu"].as_array().unwrap();
    let us = result["us"].as_array().unwrap();
    assert_eq!((eu.len(), us.len()), (6, 6), "{result}");

    let received = upstream_messages(&stub);
    let eu_auth = basic(EU_KEY);
    for sent in eu {
        assert_eq!(sent["failed"], false, "{sent}");
        let id = sent["messageId"].as_str().unwrap();
        let (auth, got) = received
            .get(id)
            .unwrap_or_else(|| panic!("EU message {id} did not arrive"));
        assert_eq!(auth, &eu_auth);
        for field in [
            "type",
            "event",
            "name",
            "userId",
            "properties",
            "traits",
            "groupId",
            "previousId",
        ] {
            assert_eq!(
                got.get(field).unwrap_or(&Value::Null),
                &sent[field],
                "{id}: {field}"
            );
        }
        assert_eq!(got["context"]["library"]["name"], "@segment/analytics-node");
    }
    assert_eq!(received.len(), 6, "only EU messages reached the upstream");
    for sent in us {
        let id = sent["messageId"].as_str().unwrap();
        assert!(!received.contains_key(id), "US message {id} reached the upstream");
        assert_eq!(sent["failed"], true, "{sent}");
        assert!(sent["error"].as_str().unwrap().contains("421"), "{sent}");
    }
    let errors = result["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 6, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|e| e["key"] == "us" && e["code"] == "delivery_failure"),
        "{errors:?}"
    );
    gw.shutdown().await;
}
