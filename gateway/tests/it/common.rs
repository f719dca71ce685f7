//! Test helpers: a loopback stub upstream that records what it receives, a gateway started
//! in-process, and a small HTTP client.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use regionfence_gateway::{Config, Gateway, Running};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the stub upstream received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A loopback upstream that records every request and answers 200 `{"success":true}`
/// (after `delay_ms` when the query has `delay_ms=N`).
pub struct Stub {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    /// Requests that have arrived, answered or not yet.
    pub arrived: Arc<std::sync::atomic::AtomicUsize>,
}

impl Stub {
    pub async fn start() -> Stub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let log = Arc::clone(&received);
        let count = Arc::clone(&arrived);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let log = Arc::clone(&log);
                let count = Arc::clone(&count);
                let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                    let log = Arc::clone(&log);
                    count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.unwrap().to_bytes();
                        let path = parts.uri.path_and_query().unwrap().as_str().to_string();
                        if let Some(ms) = path.split("delay_ms=").nth(1).and_then(|v| v.parse::<u64>().ok()) {
                            tokio::time::sleep(Duration::from_millis(ms)).await;
                        }
                        log.lock().unwrap().push(Received {
                            method: parts.method.to_string(),
                            path,
                            headers: parts.headers,
                            body,
                        });
                        let response = Response::builder()
                            .status(200)
                            .header("content-type", "application/json")
                            .header("x-upstream", "stub")
                            .body(Full::new(Bytes::from_static(b"{\"success\":true}")))
                            .unwrap();
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Stub {
            addr,
            received,
            arrived,
        }
    }

    /// Waits (at most 20 s) until `n` requests have arrived.
    pub async fn wait_for_arrivals(&self, n: usize) {
        for _ in 0..2000 {
            if self.arrived.load(std::sync::atomic::Ordering::SeqCst) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{n} requests did not arrive upstream");
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub const EU_KEY: &str = "eu-key-0123";
pub const US_KEY: &str = "us-key-4567";

/// A configuration for an EU gateway in front of `upstream`, with `extra` YAML appended.
pub fn config(upstream: SocketAddr, extra: &str) -> Config {
    let text = format!(
        "listen: 127.0.0.1:0\nupstream: http://{upstream}\nhosts: [events.eu1.segmentapis.com]\n\
         write_keys: {{{EU_KEY}: eu-west, {US_KEY}: us-west}}\n{extra}"
    );
    Config::from_yaml(&text).unwrap()
}

pub async fn start(config: Config) -> Running {
    Gateway::new(config).unwrap().start().await.unwrap()
}

pub fn basic(key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

pub type Client =
    hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub fn client() -> Client {
    hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http()
}

/// An answer: status, headers, body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }

    pub fn policy(&self) -> &str {
        self.headers
            .get("regionfence-policy")
            .map_or("", |v| v.to_str().unwrap())
    }
}

pub async fn send(
    client: &Client,
    method: &str,
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client
        .request(request.body(Full::new(body.into())).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

/// A batch as analytics-python sends it.
pub fn batch(events: &[(&str, &str)]) -> String {
    let messages: Vec<_> = events
        .iter()
        .map(|(id, event)| {
            serde_json::json!({
                "type": "track", "event": event, "messageId": id, "userId": "u1",
                "properties": {"plan": "pro", "n": 3},
                "context": {"library": {"name": "analytics-python", "version": "2.4.0"}},
            })
        })
        .collect();
    serde_json::json!({"batch": messages, "sentAt": "2026-11-30T00:00:00+00:00"}).to_string()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Sends `request` as raw bytes on a new connection and reads the answer until the gateway
/// closes it (send `Connection: close`), within 20 s: headers exactly as written, repeats
/// included, which an HTTP client might merge or refuse to send.
pub async fn raw_exchange(addr: SocketAddr, request: &str) -> String {
    use std::io::{Read, Write};
    let request = request.to_string();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .expect("the gateway did not close the connection");
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap()
}

/// A raw `POST` with `headers` (one `name: value` per entry, in order) and `body`, its
/// `Content-Length` added unless `headers` sets one.
pub fn raw_post(path: &str, headers: &[String], body: &str) -> String {
    let mut text = format!("POST {path} HTTP/1.1\r\nConnection: close\r\n");
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    if !headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("content-length:"))
    {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}
