//! Forwarding an allowed request to the upstream unchanged (method, path, query, headers
//! and body bytes; only hop-by-hop headers, which belong to one connection, are dropped),
//! and returning the upstream's answer, within a timeout. An `https://` upstream is spoken
//! to over TLS (see [`crate::tls`]), on the same pool of keep-alive connections.

use crate::config::Upstream;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderMap, HeaderName, CONNECTION};
use hyper::{Request, Response};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// The largest upstream answer relayed, in bytes.
pub const MAX_UPSTREAM_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// A pooled HTTP/1 client to the upstream, over TLS for an `https://` one.
pub type Client = hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client to `upstream` whose connection attempts give up after `timeout`. For an
/// `https://` upstream, its certificate must chain to the system's roots, or to
/// `upstream.ca` when given, and name the upstream's host (sent as SNI); an error when no
/// root can be had or the CA file is unusable.
pub fn client(upstream: &Upstream, timeout: Duration) -> Result<Client, String> {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(timeout));
    connector.set_nodelay(true);
    connector.enforce_http(false);
    let tls = if upstream.is_https() {
        crate::tls::client_config(upstream.ca.as_deref())?
    } else {
        // Never used: the upstream's scheme is fixed by the configuration.
        rustls::ClientConfig::builder_with_provider(crate::tls::provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    };
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector);
    Ok(hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(https))
}

/// Why the upstream gave no answer.
#[derive(Debug)]
pub enum UpstreamError {
    /// It could not be reached, or the exchange failed.
    Connect(String),
    /// It took longer than the timeout.
    Timeout,
    /// Its answer's body failed or was over the limit.
    Body(String),
    /// The TLS handshake failed: what was wrong (an untrusted or expired certificate, …).
    Tls(String),
}

impl UpstreamError {
    /// The metric label of this failure.
    pub fn kind(&self) -> &'static str {
        match self {
            UpstreamError::Connect(_) => "connect",
            UpstreamError::Timeout => "timeout",
            UpstreamError::Body(_) => "body",
            UpstreamError::Tls(_) => "tls",
        }
    }
}

/// Headers that describe one connection rather than the message (RFC 9110 §7.6.1), and
/// are therefore not forwarded either way.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
];

/// Removes hop-by-hop headers and those the `Connection` header names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(*name);
    }
}

/// Sends the request (its parts as received, its body bytes as received) to the upstream
/// and returns the upstream's answer, both within `timeout`.
pub async fn forward(
    client: &Client,
    upstream: &Upstream,
    parts: &hyper::http::request::Parts,
    body: Bytes,
    timeout: Duration,
) -> Result<Response<Full<Bytes>>, UpstreamError> {
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let uri: hyper::Uri = format!("{}{path}", upstream.base)
        .parse()
        .map_err(|e| UpstreamError::Connect(format!("upstream address: {e}")))?;
    let mut builder = Request::builder().method(parts.method.clone()).uri(uri);
    if let Some(headers) = builder.headers_mut() {
        *headers = parts.headers.clone();
        strip_hop_by_hop(headers);
    }
    let request = builder
        .body(Full::new(body))
        .map_err(|e| UpstreamError::Connect(e.to_string()))?;
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| match crate::tls::describe(&e) {
                Some(reason) => UpstreamError::Tls(reason),
                None => UpstreamError::Connect(e.to_string()),
            })?;
        let (mut parts, body) = response.into_parts();
        let bytes = Limited::new(body, MAX_UPSTREAM_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| UpstreamError::Body(e.to_string()))?
            .to_bytes();
        strip_hop_by_hop(&mut parts.headers);
        Ok(Response::from_parts(parts, Full::new(bytes)))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| UpstreamError::Timeout)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_are_dropped_and_the_rest_kept() {
        let mut h = HeaderMap::new();
        h.insert("connection", "keep-alive, x-private".parse().unwrap());
        h.insert("keep-alive", "timeout=5".parse().unwrap());
        h.insert("x-private", "1".parse().unwrap());
        h.insert("transfer-encoding", "chunked".parse().unwrap());
        h.insert("authorization", "Basic a2V5Og==".parse().unwrap());
        h.insert("content-encoding", "gzip".parse().unwrap());
        h.insert("x-retry-count", "1".parse().unwrap());
        strip_hop_by_hop(&mut h);
        let mut left: Vec<_> = h.keys().map(|k| k.as_str()).collect();
        left.sort();
        assert_eq!(left, ["authorization", "content-encoding", "x-retry-count"]);
    }
}
