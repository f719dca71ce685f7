//! `/v1/authz`: the tracking rule as a check endpoint for a proxy at the edge — nginx's
//! `auth_request` and Envoy's `ext_authz` HTTP service. The proxy asks before it forwards a
//! tracking request to the pipeline itself; the gateway answers 200 (allow) or 401/403
//! (deny), and never forwards anything.
//!
//! The request is the one being checked, as the proxy passes it on:
//!
//! - the write key is the `Authorization` header's Basic user;
//! - the host is `X-Forwarded-Host` when given (once, one value), else `Host`;
//! - the endpoint is the path after `/v1/authz` (Envoy appends the original path to its
//!   `path_prefix`), else the `X-Original-URI` header (nginx's `$request_uri`); one that is
//!   not a tracking endpoint is denied;
//! - with a body (Envoy's `with_request_body`), the request is decided exactly as the
//!   tracking route decides it (the body's libraries, its `writeKey`, `Content-Encoding`),
//!   which needs the endpoint; without one (nginx sends none), the source kind is the
//!   library the `User-Agent` names (`analytics-python/2.4.0` → `analytics-python`; the
//!   default kind for any other agent).
//!
//! nginx passes 2xx, 401 and 403 through and turns any other status into 500, and Envoy
//! passes the denial's status and body to the client, so a denial is 401 (no, unknown or
//! unreadable write key) or 403 (everything else, a misdirected workspace included), with
//! the tracking route's refusal body plus `status`, the status the tracking route gives (421
//! for a misdirected workspace), and the same in `regionfence-status`, `regionfence-code`
//! and `regionfence-host` headers for the proxy to act on.

use crate::metrics::Metrics;
use crate::policy_cell::LoadedPolicy;
use crate::server::POLICY_HEADER;
use crate::tracking::{self, Gatekeeper, Outcome, Refusal, Request as TrackingRequest, Route};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, HOST};
use hyper::{Response, StatusCode};

/// The check endpoint's path; the checked request's path may follow it.
pub const PATH: &str = "/v1/authz";

/// The header carrying the host the checked request was sent to, set by the proxy.
pub const FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// The header nginx configurations pass the checked request's URI in.
pub const ORIGINAL_URI: HeaderName = HeaderName::from_static("x-original-uri");

/// A denial's status as the tracking route would give it (`421`).
pub const STATUS_HEADER: &str = "regionfence-status";
/// A denial's code.
pub const CODE_HEADER: &str = "regionfence-code";
/// A misdirected denial's host to send to.
pub const HOST_HEADER: &str = "regionfence-host";

/// Whether `path` is the check endpoint (`/v1/authz`, or it followed by a checked path).
pub fn is_authz(path: &str) -> bool {
    path == PATH || path.strip_prefix(PATH).is_some_and(|rest| rest.starts_with('/'))
}

/// The library a `User-Agent` names as its first product (`analytics-python/2.4.0` →
/// `analytics-python`, `analytics-node-next/latest` → `analytics-node-next`).
pub fn library_of(user_agent: &str) -> Option<&str> {
    let product = user_agent.split_ascii_whitespace().next()?;
    let name = product.split('/').next().unwrap_or(product);
    (!name.is_empty()).then_some(name)
}

fn deny(code: &'static str, message: String) -> Refusal {
    Refusal {
        status: 403,
        code,
        message,
        host: None,
        decision: None,
    }
}

/// The one value of a header given at most once; a header given twice or not text is
/// refused.
fn single<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Result<Option<&'h str>, Refusal> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(deny(
            "duplicate-header",
            format!("the `{name}` header is given more than once"),
        ));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| deny("malformed-header", format!("the `{name}` header is not text")))
}

/// The host the checked request was sent to: `X-Forwarded-Host` (one host, no list), else
/// `Host`.
pub fn host(headers: &HeaderMap) -> Result<Option<&str>, Refusal> {
    match single(headers, &FORWARDED_HOST)? {
        Some(h) if h.contains(',') => Err(deny(
            "malformed-host",
            "`X-Forwarded-Host` names more than one host".into(),
        )),
        Some(h) => Ok(Some(h.trim())),
        None => single(headers, &HOST),
    }
}

/// Whether the checked request is under the batch endpoint; `None` when the endpoint is not
/// known. A path that is given but is not a tracking endpoint is denied.
fn endpoint(path: &str, headers: &HeaderMap) -> Result<Option<bool>, Refusal> {
    let after = path.strip_prefix(PATH).unwrap_or("");
    let checked = if after.is_empty() || after == "/" {
        match single(headers, &ORIGINAL_URI)? {
            Some(uri) => uri.split(['?', '#']).next().unwrap_or(uri),
            None => return Ok(None),
        }
    } else {
        after
    };
    match tracking::route(checked) {
        Some(Route::Endpoint { is_batch, .. }) => Ok(Some(is_batch)),
        _ => Err(deny(
            "not-a-tracking-endpoint",
            "the checked request's path is not a tracking endpoint".into(),
        )),
    }
}

/// Decides a checked request: its path (`/v1/authz…`), headers and body (empty when the
/// proxy sends none).
pub fn decide(
    gatekeeper: &Gatekeeper,
    loaded: &LoadedPolicy,
    metrics: &Metrics,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Outcome {
    match decide_inner(gatekeeper, loaded, metrics, path, headers, body) {
        Ok(outcome) => outcome,
        Err(refusal) => Outcome::Refuse(refusal),
    }
}

fn decide_inner(
    gatekeeper: &Gatekeeper,
    loaded: &LoadedPolicy,
    metrics: &Metrics,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Outcome, Refusal> {
    let host = host(headers)?;
    let is_batch = endpoint(path, headers)?;
    let authorization = headers
        .get(hyper::header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    if body.is_empty() {
        let agent = single(headers, &hyper::header::USER_AGENT)?;
        let library = agent.and_then(library_of);
        return Ok(gatekeeper.check_headers(loaded, metrics, authorization, host, library));
    }
    let Some(is_batch) = is_batch else {
        return Err(deny(
            "unknown-endpoint",
            "a body to check needs its endpoint: the path after /v1/authz, or X-Original-URI".into(),
        ));
    };
    Ok(gatekeeper.check(
        loaded,
        metrics,
        &TrackingRequest {
            is_batch,
            host,
            authorization,
            content_encoding: headers
                .get(hyper::header::CONTENT_ENCODING)
                .map(HeaderValue::as_bytes),
            body,
        },
    ))
}

/// The answer to the proxy: 200 for an allowed request; 401 or 403 for a denied one, with
/// the refusal's body, its tracking status in `status`, and the `regionfence-*` headers.
pub fn answer(outcome: &Outcome, loaded: &LoadedPolicy) -> Response<Full<Bytes>> {
    let (status, body) = match outcome {
        Outcome::Forward => (
            StatusCode::OK,
            serde_json::json!({"allowed": true, "policy": loaded.to_json()}).to_string(),
        ),
        Outcome::Refuse(refusal) => {
            let status = if refusal.status == 401 {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::FORBIDDEN
            };
            let mut body: serde_json::Value =
                serde_json::from_str(&refusal.to_json(loaded)).unwrap_or_default();
            if let Some(object) = body.as_object_mut() {
                object.insert("status".into(), refusal.status.into());
                object.insert("allowed".into(), false.into());
            }
            (status, body.to_string())
        }
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(label) = HeaderValue::from_str(&loaded.label()) {
        headers.insert(POLICY_HEADER, label);
    }
    if let Outcome::Refuse(refusal) = outcome {
        headers.insert(STATUS_HEADER, HeaderValue::from(refusal.status));
        headers.insert(CODE_HEADER, HeaderValue::from_static(refusal.code));
        if let Some(value) = refusal
            .host
            .as_deref()
            .and_then(|h| HeaderValue::from_str(h).ok())
        {
            headers.insert(HOST_HEADER, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::SourceTable;
    use base64::Engine;
    use regionfence::Policy;
    use std::collections::BTreeMap;

    fn gatekeeper() -> Gatekeeper {
        Gatekeeper::new(
            BTreeMap::from([
                ("EU".to_string(), "eu-west".to_string()),
                ("US".to_string(), "us-west".to_string()),
            ]),
            SourceTable::new(&BTreeMap::new(), "server"),
            vec!["events.eu1.segmentapis.com".into()],
            1024,
        )
    }

    fn basic(key: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
        )
    }

    fn check(path: &str, headers: &[(&str, &str)], body: &str) -> Outcome {
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            map.append(
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        let loaded = LoadedPolicy::new(Policy::default_policy());
        decide(
            &gatekeeper(),
            &loaded,
            &Metrics::default(),
            path,
            &map,
            body.as_bytes(),
        )
    }

    fn refused(outcome: Outcome) -> (u16, &'static str) {
        match outcome {
            Outcome::Refuse(r) => (r.status, r.code),
            Outcome::Forward => (200, "forward"),
        }
    }

    #[test]
    fn paths_and_agents() {
        assert!(is_authz("/v1/authz"));
        assert!(is_authz("/v1/authz/v1/batch"));
        assert!(!is_authz("/v1/authzx"));
        assert!(!is_authz("/v1/auth"));
        assert_eq!(library_of("analytics-python/2.4.0"), Some("analytics-python"));
        assert_eq!(
            library_of("analytics-node-next/latest (+https://x)"),
            Some("analytics-node-next")
        );
        assert_eq!(library_of("Mozilla/5.0 (X11)"), Some("Mozilla"));
        assert_eq!(library_of("  "), None);
        assert_eq!(library_of("/1.0"), None);
    }

    #[test]
    fn headers_alone_decide_without_a_body() {
        let eu = basic("EU");
        let us = basic("US");
        let python = ("user-agent", "analytics-python/2.4.0");
        let host = ("x-forwarded-host", "events.eu1.segmentapis.com");
        assert_eq!(
            refused(check(PATH, &[("authorization", &eu), python, host], "")),
            (200, "forward")
        );
        assert_eq!(
            refused(check(PATH, &[("authorization", &us), python, host], "")),
            (421, "ingestion-outside-region")
        );
        assert_eq!(
            refused(check(PATH, &[python, host], "")),
            (401, "missing-write-key")
        );
        assert_eq!(
            refused(check(PATH, &[("authorization", &basic("nobody")), python], "")),
            (401, "unknown-write-key")
        );
        assert_eq!(
            refused(check(PATH, &[("authorization", "Bearer EU")], "")),
            (401, "unreadable-authorization")
        );
        // The endpoint, from X-Original-URI or the path, must be a tracking one.
        assert_eq!(
            refused(check(
                PATH,
                &[("authorization", &eu), ("x-original-uri", "/v1/batch?x=1")],
                ""
            )),
            (200, "forward")
        );
        for bad in [
            check(PATH, &[("authorization", &eu), ("x-original-uri", "/admin")], ""),
            check("/v1/authz/v1/decide", &[("authorization", &eu)], ""),
            check("/v1/authz/v1/m", &[("authorization", &eu)], ""),
        ] {
            assert_eq!(refused(bad), (403, "not-a-tracking-endpoint"));
        }
        // Two hosts, or a list of them, are refused, never one picked.
        assert_eq!(
            refused(check(
                PATH,
                &[
                    ("authorization", &eu),
                    host,
                    ("x-forwarded-host", "api.segment.io")
                ],
                ""
            )),
            (403, "duplicate-header")
        );
        assert_eq!(
            refused(check(
                PATH,
                &[
                    ("authorization", &eu),
                    ("x-forwarded-host", "a.example, b.example")
                ],
                ""
            )),
            (403, "malformed-host")
        );
    }

    #[test]
    fn the_user_agent_names_the_source_kind() {
        // An EU workspace's cloud source is not supported in its region: told apart from a
        // server library only by the agent.
        let g = Gatekeeper::new(
            BTreeMap::from([("EU".to_string(), "eu-west".to_string())]),
            SourceTable::new(
                &BTreeMap::from([("s3-loader".to_string(), "cloud-object".to_string())]),
                "server",
            ),
            vec!["events.eu1.segmentapis.com".into()],
            1024,
        );
        let loaded = LoadedPolicy::new(Policy::default_policy());
        let run = |agent: &str| {
            let mut h = HeaderMap::new();
            h.insert("authorization", HeaderValue::from_str(&basic("EU")).unwrap());
            h.insert("user-agent", HeaderValue::from_str(agent).unwrap());
            refused(decide(&g, &loaded, &Metrics::default(), PATH, &h, b""))
        };
        assert_eq!(run("s3-loader/1.0"), (403, "source-unsupported-in-region"));
        assert_eq!(run("analytics-python/2.4.0"), (200, "forward"));
        assert_eq!(run("curl/8.0"), (200, "forward"));
    }

    #[test]
    fn a_body_is_decided_as_the_tracking_route_decides_it() {
        let eu_body = r#"{"writeKey":"EU","batch":[{"context":{"library":{"name":"analytics.js"}}}]}"#;
        let us_body = r#"{"writeKey":"US","batch":[{"context":{"library":{"name":"analytics.js"}}}]}"#;
        assert_eq!(
            refused(check("/v1/authz/v1/batch", &[], eu_body)),
            (200, "forward")
        );
        assert_eq!(
            refused(check("/v1/authz/v1/b", &[], us_body)),
            (421, "ingestion-outside-region")
        );
        // The body's key against the header's.
        assert_eq!(
            refused(check(
                "/v1/authz/v1/batch",
                &[("authorization", &basic("EU"))],
                us_body
            )),
            (401, "write-key-mismatch")
        );
        // Without an endpoint, a body cannot be read: denied.
        assert_eq!(refused(check(PATH, &[], eu_body)), (403, "unknown-endpoint"));
        assert_eq!(
            refused(check("/v1/authz/v1/batch", &[], "not json")),
            (400, "malformed-body")
        );
    }

    #[test]
    fn denials_are_401_or_403_with_the_tracking_status_inside() {
        let loaded = LoadedPolicy::new(Policy::default_policy());
        let misdirected = check(PATH, &[("authorization", &basic("US"))], "");
        let answer = answer(&misdirected, &loaded);
        assert_eq!(answer.status(), 403);
        assert_eq!(answer.headers()[STATUS_HEADER], "421");
        assert_eq!(answer.headers()[CODE_HEADER], "ingestion-outside-region");
        assert_eq!(answer.headers()[HOST_HEADER], "api.segment.io");
        let malformed = check("/v1/authz/v1/batch", &[], "[]");
        assert_eq!(super::answer(&malformed, &loaded).status(), 403);
        let unknown = check(PATH, &[], "");
        assert_eq!(super::answer(&unknown, &loaded).status(), 401);
        let allowed = check(PATH, &[("authorization", &basic("EU"))], "");
        let ok = super::answer(&allowed, &loaded);
        assert_eq!(ok.status(), 200);
        assert!(ok.headers().get(STATUS_HEADER).is_none());
    }
}
