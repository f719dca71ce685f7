//! Real nginx in front of the stub upstream, asking the gateway's `/v1/authz` before each
//! tracking request (`auth_request`, with `tests/e2e/nginx.conf.template`, the configuration
//! the README documents), driven by Segment's own Python library: every EU event reaches the
//! upstream through nginx, no US event does, and the library sees each US refusal as 421 with
//! the gateway's code.
//!
//! `#[ignore]`d here: `.ci/run` runs it with `REGIONFENCE_E2E_NGINX` (Debian's
//! `nginx-light`) and `REGIONFENCE_E2E_PYTHON` set; without them it fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;
use common::*;
use serde_json::Value;
use std::io::Read;
use std::time::Duration;

/// Every message the upstream received, by message id.
fn upstream_messages(stub: &Stub) -> std::collections::BTreeMap<String, Value> {
    let mut out = std::collections::BTreeMap::new();
    for r in stub.all() {
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
        assert_eq!(r.headers["authorization"].to_str().unwrap(), basic(EU_KEY));
        let json: Value = serde_json::from_slice(&body).unwrap();
        for message in json["batch"].as_array().unwrap() {
            let id = message["messageId"].as_str().unwrap().to_string();
            assert!(
                out.insert(id, message.clone()).is_none(),
                "a message arrived twice"
            );
        }
    }
    out
}

/// Kills nginx when the test ends, however it ends.
struct Nginx(std::process::Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs nginx and segment-analytics-python: .ci/run runs it with REGIONFENCE_E2E_NGINX and REGIONFENCE_E2E_PYTHON set"]
async fn nginx_auth_request_in_front_of_the_pipeline() {
    let nginx = std::env::var("REGIONFENCE_E2E_NGINX")
        .expect("REGIONFENCE_E2E_NGINX must name an nginx binary (Debian's nginx-light: /usr/sbin/nginx)");
    let python = std::env::var("REGIONFENCE_E2E_PYTHON")
        .expect("REGIONFENCE_E2E_PYTHON must name a python with segment-analytics-python installed");
    let stub = Stub::start().await;
    // The gateway forwards nothing here: its upstream is a closed port.
    let gw = start(config(
        "127.0.0.1:9".parse().unwrap(),
        "admin_listen: 127.0.0.1:0\n",
    ))
    .await;
    let dir = std::env::temp_dir().join(format!("regionfence-nginx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let template = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/nginx.conf.template"),
    )
    .unwrap();
    let conf = template
        .replace("@PREFIX@", dir.to_str().unwrap())
        .replace("@LISTEN@", &listen)
        .replace("@UPSTREAM@", &stub.addr.to_string())
        .replace("@GATEWAY@", &gw.admin().to_string());
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let check = std::process::Command::new(&nginx)
        .arg("-t")
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(dir.join("error.log"))
        .output()
        .unwrap_or_else(|e| panic!("{nginx}: {e}"));
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let _nginx = Nginx(
        std::process::Command::new(&nginx)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut up = false;
    for _ in 0..200 {
        if std::net::TcpStream::connect(&listen).is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        up,
        "nginx did not start: {}",
        std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
    );

    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/segment_python.py");
    let host = format!("http://{listen}");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .args([&host, EU_KEY, US_KEY])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
    assert!(
        output.status.success(),
        "{}\n{log}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let eu = result["eu"].as_array().unwrap();
    let us = result["us"].as_array().unwrap();
    let errors = result["errors"].as_array().unwrap();

    // Every EU event through nginx, intact; nothing of the US workspace's.
    let received = upstream_messages(&stub);
    for sent in eu {
        let id = sent["messageId"].as_str().unwrap();
        let got = received
            .get(id)
            .unwrap_or_else(|| panic!("EU message {id} did not arrive: {errors:?}\n{log}"));
        for field in [
            "type",
            "event",
            "userId",
            "properties",
            "traits",
            "groupId",
            "previousId",
        ] {
            assert_eq!(got.get(field), sent.get(field), "{id}: {field}");
        }
    }
    assert_eq!(received.len(), eu.len(), "only EU messages reached the upstream");
    assert!(errors.iter().all(|e| e["key"] == "us"), "{errors:?}");
    // Each US message refused, the library told 421 and the gateway's code.
    for m in us {
        let id = m["messageId"].as_str().unwrap();
        assert!(!received.contains_key(id));
        let seen = errors
            .iter()
            .find(|e| e["message_ids"].as_array().unwrap().iter().any(|i| i == id));
        let seen = seen.unwrap_or_else(|| panic!("{id}: no error seen: {errors:?}"));
        assert_eq!(seen["status"], 421, "{seen}");
        assert_eq!(seen["code"], "ingestion-outside-region", "{seen}");
    }
    // The gateway decided each request, and forwarded none itself.
    let metrics = send(&client(), "GET", gw.admin(), "/metrics", &[], "").await;
    let text = String::from_utf8(metrics.body.to_vec()).unwrap();
    assert!(
        text.lines().any(|l| l == "regionfence_forwarded_total 0"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("regionfence_decisions_total{ask=\"ingest\",verdict=\"deny\"")),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
