//! `/v1/authz`, the edge's check, over loopback: served on the admin routes only, decided
//! from the headers nginx's `auth_request` passes (no body) or from the body Envoy's
//! `ext_authz` sends (`with_request_body`, the original path after the prefix), answered only
//! with statuses both proxies pass through (200, 401, 403), and never forwarding anything.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;
use common::*;

#[tokio::test]
async fn nginx_style_checks_from_the_headers() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "admin_listen: 127.0.0.1:0\n")).await;
    let c = client();
    let (eu, us) = (basic(EU_KEY), basic(US_KEY));
    let python = ("user-agent", "analytics-python/2.4.0");
    let origin = ("x-original-uri", "/v1/batch");
    let host = ("x-forwarded-host", "events.eu1.segmentapis.com");
    for method in ["GET", "POST", "HEAD"] {
        let a = send(
            &c,
            method,
            gw.admin(),
            "/v1/authz",
            &[("authorization", &eu), python, origin, host],
            "",
        )
        .await;
        assert_eq!(a.status, 200, "{method}");
        assert!(!a.policy().is_empty());
    }
    let a = send(
        &c,
        "GET",
        gw.admin(),
        "/v1/authz",
        &[("authorization", &us), python, origin, host],
        "",
    )
    .await;
    assert_eq!(a.status, 403);
    assert_eq!(a.headers["regionfence-status"], "421");
    assert_eq!(a.headers["regionfence-code"], "ingestion-outside-region");
    assert_eq!(a.headers["regionfence-host"], "api.segment.io");
    let body = a.json();
    assert_eq!(
        (body["status"].as_u64(), body["code"].as_str()),
        (Some(421), Some("ingestion-outside-region"))
    );
    // No key, an unknown one: 401.
    for headers in [
        vec![python, origin],
        vec![("authorization", "Basic bm9ib2R5Og=="), origin],
    ] {
        let a = send(&c, "GET", gw.admin(), "/v1/authz", &headers, "").await;
        assert_eq!(a.status, 401);
    }
    // A header given twice is a 403 here, never the 400 nginx would make a 500.
    let raw = format!(
        "GET /v1/authz HTTP/1.1\r\nHost: x\r\nAuthorization: {eu}\r\nAuthorization: {us}\r\nConnection: close\r\n\r\n"
    );
    let answer = raw_exchange(gw.admin(), &raw).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    // Not on the tracking listener.
    let a = send(&c, "GET", gw.addr, "/v1/authz", &[("authorization", &eu)], "").await;
    assert_eq!(a.status, 404);
    assert_eq!(stub.count(), 0, "the check forwards nothing");
    // Each denial is counted as the tracking request it checks would be refused.
    let metrics = send(&c, "GET", gw.admin(), "/metrics", &[], "").await;
    let metrics = String::from_utf8_lossy(&metrics.body);
    for line in [
        "regionfence_refused_total{status=\"421\",reason=\"ingestion-outside-region\"} 1",
        "regionfence_refused_total{status=\"401\",reason=\"missing-write-key\"} 1",
        "regionfence_refused_total{status=\"401\",reason=\"unknown-write-key\"} 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line}\n{metrics}");
    }
}

#[tokio::test]
async fn envoy_style_checks_with_the_body() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let c = client();
    let browser = |key: &str| {
        serde_json::json!({"writeKey": key, "batch": [{"type": "track", "event": "x",
            "context": {"library": {"name": "analytics.js"}}}]})
        .to_string()
    };
    let a = send(
        &c,
        "POST",
        gw.admin(),
        "/v1/authz/v1/b",
        &[("content-type", "text/plain")],
        browser(EU_KEY),
    )
    .await;
    assert_eq!(a.status, 200);
    let a = send(
        &c,
        "POST",
        gw.admin(),
        "/v1/authz/v1/b",
        &[("content-type", "text/plain")],
        browser(US_KEY),
    )
    .await;
    assert_eq!(a.status, 403);
    let body = a.json();
    assert_eq!(body["status"], 421);
    assert_eq!(body["host"], "api.segment.io");
    assert!(body["decision"].is_object(), "{body}");
    // Gzipped, as a server library sends it.
    let a = send(
        &c,
        "POST",
        gw.admin(),
        "/v1/authz/v1/batch",
        &[("authorization", &basic(EU_KEY)), ("content-encoding", "gzip")],
        gzip(batch(&[("m1", "Signed Up")]).as_bytes()),
    )
    .await;
    assert_eq!(a.status, 200);
    // A malformed body and a path that is no tracking endpoint: 403, not 400 or 404.
    let a = send(
        &c,
        "POST",
        gw.admin(),
        "/v1/authz/v1/batch",
        &[("authorization", &basic(EU_KEY))],
        "{",
    )
    .await;
    assert_eq!((a.status.as_u16(), a.json()["status"].as_u64()), (403, Some(400)));
    let a = send(
        &c,
        "POST",
        gw.admin(),
        "/v1/authz/v1/reload",
        &[("authorization", &basic(EU_KEY))],
        "",
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (403, Some("not-a-tracking-endpoint"))
    );
    assert_eq!(stub.count(), 0, "the check forwards nothing");
}
