//! Browser clients: the short paths `@segment/analytics-next` posts to, `text/plain` bodies
//! with the key inside, CORS preflights and CORS headers on every answer (refusals too), the
//! `cors_origins` allowlist, and `/v1/m` — over loopback; then end to end with the SDK itself
//! in headless Chromium (`#[ignore]`d here, run by `.ci/run`: it needs Debian's `chromium`
//! and `puppeteer-core` and `@segment/analytics-next` from npm, and fails without them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;
use common::*;
use serde_json::Value;

/// An event as analytics-next sends it to `/v1/t`: `text/plain`, the key in the body.
fn browser_event(key: &str, id: &str) -> String {
    serde_json::json!({
        "type": "track", "event": "Signed Up", "messageId": id, "userId": "u1", "writeKey": key,
        "properties": {"plan": "pro"},
        "context": {"library": {"name": "analytics.js", "version": "npm:next-1.84.3"}},
    })
    .to_string()
}

const ORIGIN: &str = "http://127.0.0.1:5173";

#[tokio::test]
async fn the_short_paths_take_text_plain_bodies_with_the_key_inside() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let c = client();
    let headers = [("content-type", "text/plain"), ("origin", ORIGIN)];
    for path in ["/v1/t", "/v1/p", "/v1/i", "/v1/g", "/v1/a"] {
        let body = browser_event(EU_KEY, path);
        let a = send(&c, "POST", gw.addr, path, &headers, body.clone()).await;
        assert_eq!(a.status, 200, "{path}: {:?}", a.body);
        assert_eq!(a.headers["access-control-allow-origin"], "*", "{path}");
        let got = stub.all().pop().unwrap();
        // Forwarded as received: the short path, the text/plain body byte for byte.
        assert_eq!((got.path.as_str(), &got.body[..]), (path, body.as_bytes()));
        assert_eq!(got.headers["content-type"], "text/plain");
    }
    // /v1/b is the batch endpoint: a body without a `batch` array is no batch.
    let batch = serde_json::json!({"writeKey": EU_KEY, "batch": [serde_json::from_str::<Value>(&browser_event(EU_KEY, "b1")).unwrap()]}).to_string();
    let a = send(&c, "POST", gw.addr, "/v1/b", &headers, batch).await;
    assert_eq!(a.status, 200);
    let a = send(
        &c,
        "POST",
        gw.addr,
        "/v1/b",
        &headers,
        browser_event(EU_KEY, "b2"),
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (400, Some("malformed-body"))
    );
    assert_eq!(stub.count(), 6);
    // A US workspace's key: 421 with the host to use, readable by the page (CORS headers),
    // and nothing upstream.
    for path in ["/v1/t", "/v1/p", "/v1/i", "/v1/g", "/v1/a"] {
        let a = send(&c, "POST", gw.addr, path, &headers, browser_event(US_KEY, path)).await;
        assert_eq!(a.status, 421, "{path}");
        assert_eq!(a.json()["code"], "ingestion-outside-region");
        assert_eq!(a.headers["access-control-allow-origin"], "*");
        assert_eq!(a.headers["access-control-expose-headers"], "regionfence-policy");
    }
    // An unknown key and a malformed body are refused with CORS headers too.
    for (body, status) in [(browser_event("nobody", "x"), 401), ("{".to_string(), 400)] {
        let a = send(&c, "POST", gw.addr, "/v1/t", &headers, body).await;
        assert_eq!(a.status, status);
        assert_eq!(a.headers["access-control-allow-origin"], "*");
    }
    assert_eq!(stub.count(), 6, "no refused request reached the upstream");
    // Server libraries send no Origin: no CORS headers.
    let a = send(&c, "POST", gw.addr, "/v1/t", &[], browser_event(EU_KEY, "s")).await;
    assert_eq!(a.status, 200);
    assert!(a.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn preflights_are_answered_for_the_tracking_routes_only() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let c = client();
    let preflight = [
        ("origin", ORIGIN),
        ("access-control-request-method", "POST"),
        ("access-control-request-headers", "authorization,content-type"),
    ];
    for path in ["/v1/t", "/v1/b", "/v1/batch", "/v1/m", "/segment/v1/p"] {
        let a = send(&c, "OPTIONS", gw.addr, path, &preflight, "").await;
        assert_eq!(a.status, 204, "{path}");
        let h = &a.headers;
        assert_eq!(h["access-control-allow-origin"], "*");
        assert_eq!(h["access-control-allow-methods"], "POST, OPTIONS");
        let allowed = h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        for needed in ["content-type", "authorization", "x-retry-count"] {
            assert!(allowed.contains(needed), "{allowed}");
        }
        assert!(h.contains_key("access-control-max-age"));
    }
    // Not a tracking route: no preflight.
    let a = send(&c, "OPTIONS", gw.addr, "/v1/decide", &preflight, "").await;
    assert_eq!(a.status, 405);
    assert!(a.headers.get("access-control-allow-origin").is_none());
    let a = send(&c, "OPTIONS", gw.addr, "/v1/x", &preflight, "").await;
    assert_eq!(a.status, 404);
    assert_eq!(stub.count(), 0, "a preflight never reaches the upstream");
}

#[tokio::test]
async fn the_sdks_own_metrics_are_answered_and_never_forwarded() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let c = client();
    let metrics = r#"{"series":[{"type":"Counter","metric":"analytics_js.invoke.track","value":1,"tags":{"library":"analytics.js"}}]}"#;
    let a = send(
        &c,
        "POST",
        gw.addr,
        "/v1/m",
        &[("content-type", "text/plain"), ("origin", ORIGIN)],
        metrics,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["success"], true);
    assert_eq!(a.headers["access-control-allow-origin"], "*");
    assert!(!a.policy().is_empty());
    assert_eq!(stub.count(), 0);
}

#[tokio::test]
async fn an_origin_allowlist_echoes_listed_origins_and_refuses_the_rest_unforwarded() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, &format!("cors_origins: ['{ORIGIN}']\n"))).await;
    let c = client();
    let a = send(
        &c,
        "POST",
        gw.addr,
        "/v1/t",
        &[("origin", ORIGIN)],
        browser_event(EU_KEY, "1"),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["access-control-allow-origin"], ORIGIN);
    assert_eq!(a.headers["vary"], "Origin");
    let a = send(
        &c,
        "POST",
        gw.addr,
        "/v1/t",
        &[("origin", ORIGIN)],
        browser_event(US_KEY, "2"),
    )
    .await;
    assert_eq!(a.status, 421);
    assert_eq!(a.headers["access-control-allow-origin"], ORIGIN);
    for other in ["https://evil.example", "null"] {
        let a = send(
            &c,
            "POST",
            gw.addr,
            "/v1/t",
            &[("origin", other)],
            browser_event(EU_KEY, "3"),
        )
        .await;
        assert_eq!(a.status, 403, "{other}");
        assert_eq!(a.json()["code"], "origin-not-allowed");
        assert!(a.headers.get("access-control-allow-origin").is_none());
        let a = send(
            &c,
            "OPTIONS",
            gw.addr,
            "/v1/t",
            &[("origin", other), ("access-control-request-method", "POST")],
            "",
        )
        .await;
        assert_eq!(a.status, 403);
        assert!(a.headers.get("access-control-allow-origin").is_none());
    }
    // Without an Origin (a server library), the allowlist does not apply.
    let a = send(&c, "POST", gw.addr, "/v1/t", &[], browser_event(EU_KEY, "4")).await;
    assert_eq!(a.status, 200);
    assert_eq!(stub.count(), 2);
    // A list entry that is no origin is a configuration error.
    for bad in ["'*'", "'https://shop.example/'", "'shop.example'"] {
        let text = format!(
            "listen: 127.0.0.1:0\nupstream: http://{}\nwrite_keys: {{k: eu-west}}\ncors_origins: [{bad}]\n",
            stub.addr
        );
        let e = regionfence_gateway::Config::from_yaml(&text).unwrap_err();
        assert!(e.contains("cors_origins"), "{e}");
    }
}

fn env_path(name: &str, what: &str) -> std::path::PathBuf {
    let value = std::env::var(name).unwrap_or_else(|_| panic!("{name} must name {what}"));
    std::path::PathBuf::from(value)
}

/// One run of the page, as browser.cjs reports it.
fn run_of<'a>(out: &'a Value, tag: &str) -> &'a Value {
    let run = &out["runs"][tag];
    assert!(
        run["result"]["failure"].is_null(),
        "{tag}: the page failed: {}\n{}",
        run["result"]["failure"],
        run["console"]
    );
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and npm packages: .ci/run runs it with REGIONFENCE_E2E_CHROMIUM and REGIONFENCE_E2E_BROWSER_MODULES set"]
async fn segments_browser_sdk_in_chromium_through_the_eu_gateway() {
    let chromium = env_path(
        "REGIONFENCE_E2E_CHROMIUM",
        "a Chromium binary (Debian's /usr/bin/chromium)",
    );
    assert!(chromium.is_file(), "{} is not a file", chromium.display());
    let modules = env_path(
        "REGIONFENCE_E2E_BROWSER_MODULES",
        "a node_modules with puppeteer-core and @segment/analytics-next",
    );
    for package in [
        "puppeteer-core/package.json",
        "@segment/analytics-next/dist/umd/index.js",
    ] {
        assert!(
            modules.join(package).is_file(),
            "{} has no {package}",
            modules.display()
        );
    }
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/browser.cjs");
    let gateway = gw.addr.to_string();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .args([gateway.as_str(), EU_KEY, US_KEY])
            .arg(&chromium)
            .arg(&modules)
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
    let out: Value = serde_json::from_slice(&output.stdout).unwrap();
    let eu = run_of(&out, "eu");
    let us = run_of(&out, "us");

    // Every EU event arrives upstream intact, on its short path, once.
    let received = stub.all();
    let mut upstream = std::collections::BTreeMap::new();
    for r in &received {
        if r.path == "/v1/m" {
            panic!("the SDK's metrics were forwarded");
        }
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["writeKey"], EU_KEY, "only EU data upstream");
        let id = body["messageId"].as_str().unwrap().to_string();
        assert!(
            upstream.insert(id, (r.path.clone(), body)).is_none(),
            "arrived twice"
        );
    }
    let sent = eu["result"]["sent"].as_array().unwrap();
    let types: Vec<_> = sent.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["track", "page", "identify", "group", "alias"]);
    for event in sent {
        let id = event["messageId"].as_str().unwrap();
        let (path, got) = upstream
            .get(id)
            .unwrap_or_else(|| panic!("EU {} {id} did not arrive", event["type"]));
        let short = &event["type"].as_str().unwrap()[..1];
        assert_eq!(path, &format!("/v1/{short}"));
        for field in [
            "type",
            "event",
            "userId",
            "anonymousId",
            "properties",
            "traits",
            "name",
            "category",
            "groupId",
            "previousId",
        ] {
            // The SDK writes an absent field as null on the wire.
            let present = |v: &Value| v.get(field).filter(|f| !f.is_null()).cloned();
            assert_eq!(present(got), present(event), "{id}: {field}");
        }
        assert_eq!(got["context"]["library"]["name"], "analytics.js");
    }
    assert!(
        eu["result"]["errors"].as_array().unwrap().is_empty(),
        "{}",
        eu["result"]["errors"]
    );
    assert_eq!(eu["result"]["probe"]["status"], 200);
    assert!(upstream.contains_key("probe-eu"));
    assert_eq!(upstream.len(), 6, "the five events and the page's own request");

    // No US event arrives; the SDK sees each refused with 421 (its status readable thanks
    // to the CORS headers: without them it would retry a network error), and so does the page.
    let us_sent = us["result"]["sent"].as_array().unwrap();
    assert_eq!(us_sent.len(), 5);
    let errors = us["result"]["errors"].as_array().unwrap();
    for event in us_sent {
        let id = event["messageId"].as_str().unwrap();
        assert!(!upstream.contains_key(id));
        assert!(
            errors.iter().any(|e| e["messageId"] == id
                && e["code"] == "delivery_failure"
                && e["reason"].as_str().unwrap().contains("421")),
            "{id}: {errors:?}"
        );
    }
    assert_eq!(us["result"]["probe"]["status"], 421);
    assert_eq!(us["result"]["probe"]["code"], "ingestion-outside-region");
    assert!(!us["result"]["probe"]["policy"].as_str().unwrap_or("").is_empty());
    let refused = us["network"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["method"] == "POST" && n["status"] == 421)
        .count();
    assert!(refused >= 5, "{}", us["network"]);
    // The SDK's own metrics went to the gateway's /v1/m and were answered there.
    let metrics: Vec<_> = [eu, us]
        .iter()
        .flat_map(|run| run["network"].as_array().unwrap().iter())
        .filter(|n| n["url"].as_str().unwrap_or("").ends_with("/v1/m"))
        .cloned()
        .collect();
    assert!(metrics.iter().all(|n| n["status"] == 200), "{metrics:?}");
}
