//! The gateway over loopback, with a stub upstream that records what reaches it: allowed
//! requests arrive byte for byte, refused ones never arrive; the decision API, metrics,
//! upstream failures and graceful shutdown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_request_is_forwarded_unchanged_and_the_upstream_answers() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let client = client();
    // Odd spacing and key order: the upstream must see exactly these bytes.
    let body = format!(
        "{}  \n",
        batch(&[("m-1", "Signed Up"), ("m-2", "Order Completed")]).replace(",\"", ", \"")
    );
    let auth = basic(EU_KEY);
    let answer = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch?trace=1",
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
            ("user-agent", "analytics-python/2.4.0"),
            ("x-retry-count", "1"),
        ],
        body.clone(),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["x-upstream"], "stub", "the upstream's own answer");
    assert_eq!(&answer.body[..], b"{\"success\":true}");
    let got = stub.all();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/batch?trace=1")
    );
    assert_eq!(r.body, body.as_bytes());
    assert_eq!(r.headers["authorization"], auth.as_str());
    assert_eq!(r.headers["user-agent"], "analytics-python/2.4.0");
    assert_eq!(r.headers["x-retry-count"], "1");
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.headers["content-length"], body.len().to_string().as_str());
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzipped_body_is_read_for_the_decision_and_forwarded_compressed() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let client = client();
    let compressed = gzip(batch(&[("g-1", "Gzipped")]).as_bytes());
    let eu = basic(EU_KEY);
    let us = basic(US_KEY);
    let headers = |auth: &'static str| [("authorization", auth), ("content-encoding", "gzip")];
    let eu: &'static str = Box::leak(eu.into_boxed_str());
    let us: &'static str = Box::leak(us.into_boxed_str());
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &headers(eu),
        compressed.clone(),
    )
    .await;
    assert_eq!(a.status, 200);
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &headers(us),
        compressed.clone(),
    )
    .await;
    assert_eq!(a.status, 421, "the compressed US batch is read and refused");
    let got = stub.all();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, compressed);
    assert_eq!(got[0].headers["content-encoding"], "gzip");
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_never_reach_the_upstream() {
    let stub = Stub::start().await;
    let gw = start(config(
        stub.addr,
        "libraries: {s3-loader: cloud-object}\nlimits: {max_body_bytes: 4096}\n",
    ))
    .await;
    let client = client();
    let us = basic(US_KEY);
    let eu = basic(EU_KEY);
    let unknown = basic("no-such-key");
    let body = batch(&[("r-1", "Refused")]);

    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &us)],
        body.clone(),
    )
    .await;
    assert_eq!(a.status, 421);
    let json = a.json();
    assert_eq!(json["code"], "ingestion-outside-region");
    assert_eq!(
        json["host"], "api.segment.io",
        "where the US workspace's server source must send"
    );
    assert!(json["message"].as_str().unwrap().contains("api.segment.io"));
    assert_eq!(json["decision"]["decision"], "deny");
    assert_eq!(a.policy(), default_label());

    // Every single-event endpoint, also under a prefix, is decided the same way.
    for path in [
        "/v1/track",
        "/v1/identify",
        "/v1/page",
        "/v1/screen",
        "/v1/group",
        "/v1/alias",
        "/eu/v1/track",
    ] {
        let single =
            r#"{"type":"track","event":"E","userId":"u","context":{"library":{"name":"analytics-node"}}}"#;
        let a = send(&client, "POST", gw.addr, path, &[("authorization", &us)], single).await;
        assert_eq!(a.status, 421, "{path}");
    }
    let cloud = r#"{"batch":[{"type":"track","context":{"library":{"name":"s3-loader"}}}]}"#;
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &eu)],
        cloud,
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (403, Some("source-unsupported-in-region"))
    );

    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &unknown)],
        body.clone(),
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (401, Some("unknown-write-key"))
    );
    assert!(
        !String::from_utf8_lossy(&a.body).contains("no-such-key"),
        "the key is never echoed"
    );
    let a = send(&client, "POST", gw.addr, "/v1/batch", &[], body.clone()).await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (401, Some("missing-write-key"))
    );

    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &eu)],
        "not json",
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (400, Some("malformed-body"))
    );
    let big = batch(&[("b-1", &"x".repeat(5000))]);
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &eu)],
        big.clone(),
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (400, Some("body-too-large"))
    );
    // Over the limit before any decoding: refused while reading.
    let huge = batch(&[("b-2", &"x".repeat(80_000))]);
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &eu)],
        huge,
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (400, Some("body-too-large"))
    );
    let bomb = gzip(big.as_bytes());
    assert!(bomb.len() < 4096);
    let headers = [("authorization", eu.as_str()), ("content-encoding", "gzip")];
    let a = send(&client, "POST", gw.addr, "/v1/batch", &headers, bomb).await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (400, Some("body-too-large"))
    );
    let a = send(&client, "POST", gw.addr, "/v1/batch", &headers, "plain").await;
    assert_eq!(a.status, 400);

    let a = send(
        &client,
        "GET",
        gw.addr,
        "/v1/batch",
        &[("authorization", &eu)],
        "",
    )
    .await;
    assert_eq!(a.status, 405);
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v2/batch",
        &[("authorization", &eu)],
        body.clone(),
    )
    .await;
    assert_eq!(a.status, 404);

    assert_eq!(
        stub.count(),
        0,
        "nothing refused reached the upstream: {:?}",
        stub.all()
    );
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &eu)],
        body,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(stub.count(), 1);
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_api_health_and_metrics() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let client = client();
    let a = send(&client, "GET", gw.addr, "/healthz", &[], "").await;
    assert_eq!(
        (a.status.as_u16(), a.json()["status"].as_str()),
        (200, Some("ok"))
    );

    let one = r#"{"ask":"resolve","workspace":"eu-west","source":"ios"}"#;
    let a = send(&client, "POST", gw.addr, "/v1/decide", &[], one).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["host"], "events.eu1.segmentapis.com");
    assert_eq!(a.json()["mechanism"], "regional-settings");
    assert_eq!(a.policy(), default_label());
    let many = r#"[{"ask":"deliver","workspace":"eu-west","destination":"amplitude"},
                   {"ask":"connect","workspace":"eu-west","warehouse":"redshift","ip":"52.25.130.38"}]"#;
    let a = send(&client, "POST", gw.addr, "/v1/decide", &[], many).await;
    let json = a.json();
    assert_eq!(json[0]["endpoint"], "eu");
    assert_eq!(json[1]["decision"], "deny");
    assert_eq!(json[1]["reasons"][0]["code"], "ip-not-allowlisted");
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/decide",
        &[],
        r#"{"ask":"nothing"}"#,
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (400, Some("malformed-question"))
    );
    let a = send(&client, "GET", gw.addr, "/v1/decide", &[], "").await;
    assert_eq!(a.status, 405);

    let eu = basic(EU_KEY);
    let us = basic(US_KEY);
    let body = batch(&[("k", "E")]);
    send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &eu)],
        body.clone(),
    )
    .await;
    send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &us)],
        body,
    )
    .await;

    let a = send(&client, "GET", gw.addr, "/metrics", &[], "").await;
    assert_eq!(a.status, 200);
    assert!(a.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(a.body.to_vec()).unwrap();
    let info = format!(
        "regionfence_policy_info{{name=\"segment-regional-2022\",version=\"1\",digest=\"{}\"}} 1",
        regionfence::Policy::default_policy().digest()
    );
    for line in [
        "regionfence_decisions_total{ask=\"resolve\",verdict=\"allow\",reason=\"host-resolved\"} 2",
        "regionfence_decisions_total{ask=\"deliver\",verdict=\"allow\",reason=\"endpoint-in-region\"} 1",
        "regionfence_decisions_total{ask=\"connect\",verdict=\"deny\",reason=\"ip-not-allowlisted\"} 1",
        "regionfence_decisions_total{ask=\"ingest\",verdict=\"allow\",reason=\"host-in-region\"} 1",
        "regionfence_decisions_total{ask=\"ingest\",verdict=\"deny\",reason=\"ingestion-outside-region\"} 1",
        "regionfence_forwarded_total 1",
        "regionfence_refused_total{status=\"421\",reason=\"ingestion-outside-region\"} 1",
        "regionfence_reloads_total 0",
        &info,
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_listener_keeps_the_apis_apart() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "admin_listen: 127.0.0.1:0\n")).await;
    let client = client();
    let admin = gw.admin();
    assert_ne!(admin, gw.addr);
    let q = r#"{"ask":"region-change","workspace":"eu-west","to":"eu-west"}"#;
    assert_eq!(
        send(&client, "POST", admin, "/v1/decide", &[], q).await.status,
        200
    );
    assert_eq!(
        send(&client, "POST", gw.addr, "/v1/decide", &[], q).await.status,
        404
    );
    assert_eq!(
        send(&client, "POST", gw.addr, "/v1/reload", &[], "").await.status,
        404
    );
    assert_eq!(
        send(&client, "GET", gw.addr, "/metrics", &[], "").await.status,
        404
    );
    let eu = basic(EU_KEY);
    let body = batch(&[("a", "E")]);
    assert_eq!(
        send(
            &client,
            "POST",
            admin,
            "/v1/batch",
            &[("authorization", &eu)],
            body.clone()
        )
        .await
        .status,
        404
    );
    assert_eq!(
        send(
            &client,
            "POST",
            gw.addr,
            "/v1/batch",
            &[("authorization", &eu)],
            body
        )
        .await
        .status,
        200
    );
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_failures_are_answered_and_counted() {
    // Nothing listens on the upstream: 502.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let gw = start(config(closed, "")).await;
    let client = client();
    let eu = basic(EU_KEY);
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &eu)],
        batch(&[("a", "E")]),
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (502, Some("upstream-error"))
    );
    gw.shutdown().await;

    // A slow upstream: 504 after the timeout.
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "limits: {upstream_timeout_ms: 200}\n")).await;
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch?delay_ms=2000",
        &[("authorization", &eu)],
        batch(&[("a", "E")]),
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (504, Some("upstream-timeout"))
    );
    let text = String::from_utf8(
        send(&client, "GET", gw.addr, "/metrics", &[], "")
            .await
            .body
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains("regionfence_upstream_errors_total{kind=\"timeout\"} 1"),
        "{text}"
    );
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let addr = gw.addr;
    let in_flight = tokio::spawn(async move {
        let eu = basic(EU_KEY);
        send(
            &client(),
            "POST",
            addr,
            "/v1/batch?delay_ms=500",
            &[("authorization", &eu)],
            batch(&[("s", "Slow")]),
        )
        .await
    });
    // Shut down while the request is at the upstream.
    stub.wait_for_arrivals(1).await;
    gw.shutdown().await;
    let a = in_flight.await.unwrap();
    assert_eq!(a.status, 200, "the request in flight finished");
    assert_eq!(stub.count(), 1);
    // And nothing is accepted afterwards.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_is_never_decided_under_one_key_and_forwarded_under_another() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let client = client();
    let eu_body = serde_json::json!({
        "writeKey": EU_KEY,
        "batch": [{"type": "track", "event": "E", "userId": "u",
                   "context": {"library": {"name": "analytics-python"}}}],
    })
    .to_string();
    // Headers an upstream might still read a user from, or that name no readable key.
    let long = basic(&format!("{US_KEY}{}", "k".repeat(2000)));
    let unreadable: Vec<Vec<u8>> = vec![
        long.into_bytes(),
        b"Basic !!!not-base64".to_vec(),
        b"Bearer us-key-4567".to_vec(),
        basic("").into_bytes(),
        basic(":pw").into_bytes(),
        b"Basic".to_vec(),
    ];
    for header in &unreadable {
        let value = String::from_utf8_lossy(header).to_string();
        let a = send(
            &client,
            "POST",
            gw.addr,
            "/v1/batch",
            &[("authorization", &value)],
            eu_body.clone(),
        )
        .await;
        assert_eq!(
            (a.status.as_u16(), a.json()["code"].as_str()),
            (401, Some("unreadable-authorization")),
            "{value:.60}"
        );
        let text = String::from_utf8_lossy(&a.body);
        assert!(!text.contains(EU_KEY) && !text.contains(US_KEY), "{text}");
    }
    // A non-UTF-8 header value, sent raw.
    let request = hyper::Request::builder()
        .method("POST")
        .uri(format!("http://{}/v1/batch", gw.addr))
        .header(
            "authorization",
            hyper::header::HeaderValue::from_bytes(b"Basic \xff\xfe").unwrap(),
        )
        .body(http_body_util::Full::new(bytes::Bytes::from(eu_body.clone())))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status().as_u16(), 401);

    // Both present and different: refused, neither key echoed.
    let us = basic(US_KEY);
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &us)],
        eu_body.clone(),
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["code"].as_str()),
        (401, Some("write-key-mismatch"))
    );
    let text = String::from_utf8_lossy(&a.body);
    assert!(!text.contains(EU_KEY) && !text.contains(US_KEY), "{text}");
    assert_eq!(stub.count(), 0, "nothing reached the upstream");

    // The same key in both, or the body's key alone, is forwarded.
    let eu = basic(EU_KEY);
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &eu)],
        eu_body.clone(),
    )
    .await;
    assert_eq!(a.status, 200);
    let a = send(&client, "POST", gw.addr, "/v1/batch", &[], eu_body).await;
    assert_eq!(a.status, 200);
    stub.wait_for_arrivals(2).await;
    assert_eq!(stub.count(), 2);
}

/// How answers name the embedded default policy: `name@version#` and its digest's first 12
/// hex digits.
fn default_label() -> String {
    let digest = regionfence::Policy::default_policy().digest();
    format!("segment-regional-2022@1#{}", &digest[..12])
}

/// The status line's code and the body of a raw answer.
fn status_and_body(answer: &str) -> (u16, serde_json::Value) {
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {answer:?}"));
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_given_twice_is_refused_and_nothing_is_forwarded() {
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let (eu, us) = (basic(EU_KEY), basic(US_KEY));
    let body = batch(&[("d-1", "Duplicated")]);
    let host = "Host: events.eu1.segmentapis.com".to_string();
    let auth = |key: &str| format!("Authorization: {key}");
    // The same request with each header once is forwarded: the raw exchange works.
    let once = raw_post("/v1/batch", &[host.clone(), auth(&eu)], &body);
    let answer = raw_exchange(gw.addr, &once).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(stub.count(), 1);

    for (headers, named) in [
        // The EU key decides, the US key is what an upstream reading the last one sees.
        (vec![host.clone(), auth(&eu), auth(&us)], "authorization"),
        (vec![host.clone(), auth(&eu), auth(&eu)], "authorization"),
        (
            vec![host.clone(), "Host: api.segment.io".into(), auth(&eu)],
            "host",
        ),
        (
            vec![
                host.clone(),
                auth(&eu),
                "Content-Encoding: identity".into(),
                "Content-Encoding: gzip".into(),
            ],
            "content-encoding",
        ),
        (
            vec![
                host.clone(),
                auth(&eu),
                "Content-Type: application/json".into(),
                "content-type: text/plain".into(),
            ],
            "content-type",
        ),
    ] {
        let answer = raw_exchange(gw.addr, &raw_post("/v1/batch", &headers, &body)).await;
        let (status, json) = status_and_body(&answer);
        assert_eq!(status, 400, "{headers:?}: {answer}");
        assert_eq!(json["code"], "duplicate-header", "{answer}");
        let message = json["message"].as_str().unwrap();
        assert!(message.contains(&format!("`{named}`")), "{message}");
        assert!(!answer.contains(EU_KEY) && !answer.contains(US_KEY), "{answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("\r\nregionfence-policy: segment-regional-2022@1#"),
            "{answer}"
        );
    }
    // Two equal lengths: hyper keeps one before the gateway sees the request, and the
    // upstream gets one, so nothing is ambiguous; it is forwarded.
    let equal = raw_post(
        "/v1/batch",
        &[
            host.clone(),
            auth(&eu),
            format!("Content-Length: {}", body.len()),
            format!("Content-Length: {}", body.len()),
        ],
        &body,
    );
    let answer = raw_exchange(gw.addr, &equal).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let last = stub.all().pop().unwrap();
    assert_eq!(last.headers.get_all("content-length").iter().count(), 1);
    assert_eq!(last.body, body.as_bytes());
    // Two lengths that differ: hyper refuses the request itself, before the gateway sees it.
    let differing = raw_post(
        "/v1/batch",
        &[
            host.clone(),
            auth(&eu),
            format!("Content-Length: {}", body.len()),
            "Content-Length: 2".into(),
        ],
        &body,
    );
    let answer = raw_exchange(gw.addr, &differing).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // The admin routes refuse them too.
    let decide = raw_post(
        "/v1/decide",
        &[
            host.clone(),
            "Content-Type: application/json".into(),
            "Content-Type: text/yaml".into(),
        ],
        r#"{"ask":"resolve","workspace":"eu-west","source":"ios"}"#,
    );
    let (status, json) = status_and_body(&raw_exchange(gw.addr, &decide).await);
    assert_eq!((status, json["code"].as_str()), (400, Some("duplicate-header")));

    assert_eq!(
        stub.count(),
        2,
        "no request with a header given twice reached the upstream"
    );
    let metrics = send(&client(), "GET", gw.addr, "/metrics", &[], "").await;
    let text = String::from_utf8(metrics.body.to_vec()).unwrap();
    assert!(
        text.contains("regionfence_refused_total{status=\"400\",reason=\"duplicate-header\"} 5"),
        "{text}"
    );
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_names_the_policy_in_its_header_and_every_refusal_in_its_body() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let gw = start(config(closed, "limits: {max_body_bytes: 1024}\n")).await;
    let client = client();
    let eu = basic(EU_KEY);
    let label = gw.state().cell().current().label();
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, String, u16);
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/v1/batch",
            vec![("authorization", &eu)],
            batch(&[("a", "E")]),
            502,
        ),
        ("POST", "/v1/batch", vec![], batch(&[("a", "E")]), 401),
        (
            "POST",
            "/v1/batch",
            vec![("authorization", &eu)],
            "x".repeat(70_000),
            400,
        ),
        ("GET", "/v1/batch", vec![], String::new(), 405),
        ("GET", "/nowhere", vec![], String::new(), 404),
        ("GET", "/v1/decide", vec![], String::new(), 405),
        ("POST", "/v1/decide", vec![], "{".into(), 400),
    ];
    for (method, path, headers, body, status) in cases {
        let a = send(&client, method, gw.addr, path, &headers, body).await;
        assert_eq!(a.status.as_u16(), status, "{method} {path}: {:?}", a.body);
        assert_eq!(a.policy(), label, "{method} {path}");
        let json = a.json();
        assert!(json["code"].is_string(), "{json}");
        assert_eq!(json["policy"]["name"], "segment-regional-2022", "{method} {path}");
    }
    for path in ["/metrics", "/healthz"] {
        let a = send(&client, "GET", gw.addr, path, &[], "").await;
        assert_eq!((a.status.as_u16(), a.policy()), (200, label.as_str()), "{path}");
    }
    gw.shutdown().await;

    // The upstream's own answer to a forwarded request names the policy that let it through.
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, "")).await;
    let a = send(
        &client,
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &eu)],
        batch(&[("a", "E")]),
    )
    .await;
    assert_eq!((a.status.as_u16(), a.policy()), (200, label.as_str()));
    assert_eq!(a.headers["x-upstream"], "stub");
    gw.shutdown().await;
}
