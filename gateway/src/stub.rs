//! `regionfence-gateway --upstream-stub ADDR`: a stand-in for the pipeline behind the
//! gateway, for trying the gateway out (the README's quick start) and for tests. It answers
//! every request 200 `{"success":true}`, as Segment's tracking API does, and prints one line
//! per request on standard output: the method, the path and the body (cut to 2,000
//! characters, escaped as the log escapes).

use crate::log;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// The largest body the stub reads, in bytes (a larger one is answered 413).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// How much of a body a printed line shows, in characters.
pub const SHOWN_CHARS: usize = 2000;

/// The line printed for one request: `METHOD PATH BODY`, the body escaped and cut.
pub fn line(method: &str, path: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    format!(
        "{method} {} {}",
        regionfence::text::bounded(path, SHOWN_CHARS),
        regionfence::text::bounded(&text, SHOWN_CHARS)
    )
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let (status, reply): (u16, &'static [u8]) = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => {
            let line = line(parts.method.as_str(), path, &collected.to_bytes());
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
            (200, b"{\"success\":true}")
        }
        Err(_) => (413, b"{\"success\":false}"),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(reply)));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

/// Binds `addr` and serves until the process stops.
pub async fn serve(addr: SocketAddr) -> Result<(), String> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("listening on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    log::line("upstream-stub-listening", &[("addr", &bound.to_string())]);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                log::line("accept-error", &[("error", &e.to_string())]);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), hyper::service::service_fn(answer))
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_per_request_escaped_and_cut() {
        assert_eq!(
            line("POST", "/v1/track", b"{\"a\":1}"),
            "POST /v1/track {\"a\":1}"
        );
        let long = "x".repeat(5000);
        assert!(line("POST", "/", long.as_bytes()).chars().count() < 2100);
        assert!(!line("POST", "/", b"a\nb").contains('\n'));
    }
}
