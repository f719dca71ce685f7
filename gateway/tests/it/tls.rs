//! TLS both ways, with a throwaway CA made at run time: an `https://` upstream is verified
//! (its CA, its name, its dates) and reached on one kept-alive connection; a refused one is
//! a 502 `upstream-tls` that says why, counted as `kind="tls"`; a listener with `tls`
//! serves HTTPS and takes new certificate files on reload, all or nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::{basic, batch, start, EU_KEY};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
use regionfence_gateway::Config;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

type Ca = CertifiedIssuer<'static, KeyPair>;

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A leaf for `localhost` signed by `ca`: its DER, PEM and key PEM. `expired` dates it in
/// the past.
struct Leaf {
    der: CertificateDer<'static>,
    pem: String,
    key_pem: String,
}

fn leaf(ca: &Ca, expired: bool) -> Leaf {
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "localhost");
    if expired {
        params.not_before = rcgen::date_time_ymd(2001, 1, 1);
        params.not_after = rcgen::date_time_ymd(2002, 1, 1);
    }
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    Leaf {
        der: cert.der().clone(),
        pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

fn server_config(leaf: &Leaf) -> Arc<rustls::ServerConfig> {
    let key: PrivateKeyDer<'static> =
        rustls::pki_types::pem::PemObject::from_pem_slice(leaf.key_pem.as_bytes()).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        #[allow(deprecated)]
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der.clone()], key)
    .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// A TLS stub upstream: answers 200, counts handshakes and requests, keeps the server names
/// clients asked for (SNI).
struct TlsStub {
    addr: SocketAddr,
    handshakes: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    names: Arc<Mutex<Vec<Option<String>>>>,
}

async fn tls_stub(leaf: &Leaf) -> TlsStub {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(server_config(leaf));
    let handshakes = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(AtomicUsize::new(0));
    let names = Arc::new(Mutex::new(Vec::new()));
    let (h, r, n) = (Arc::clone(&handshakes), Arc::clone(&requests), Arc::clone(&names));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, h, r, n) = (acceptor.clone(), Arc::clone(&h), Arc::clone(&r), Arc::clone(&n));
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                h.fetch_add(1, Ordering::SeqCst);
                n.lock()
                    .unwrap()
                    .push(stream.get_ref().1.server_name().map(str::to_string));
                let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                    let r = Arc::clone(&r);
                    async move {
                        let _ = request.into_body().collect().await;
                        r.fetch_add(1, Ordering::SeqCst);
                        let response = hyper::Response::builder()
                            .header("x-upstream", "tls-stub")
                            .body(Full::new(Bytes::from_static(b"{\"success\":true}")))
                            .unwrap();
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    TlsStub {
        addr,
        handshakes,
        requests,
        names,
    }
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rf-gw-tls-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn config(upstream: &str, extra: &str) -> Config {
    Config::from_yaml(&format!(
        "listen: 127.0.0.1:0\nupstream: {upstream}\nhosts: [events.eu1.segmentapis.com]\n\
         write_keys: {{{EU_KEY}: eu-west}}\n{extra}"
    ))
    .unwrap()
}

/// A plain-HTTP POST of one allowed batch: status and JSON body.
async fn post_batch(addr: SocketAddr) -> (u16, serde_json::Value) {
    let client = crate::common::client();
    let answer = crate::common::send(
        &client,
        "POST",
        addr,
        "/v1/batch",
        &[
            ("authorization", &basic(EU_KEY)),
            ("content-type", "application/json"),
        ],
        batch(&[("m1", "Signed Up")]),
    )
    .await;
    let json = serde_json::from_slice(&answer.body).unwrap_or(serde_json::Value::Null);
    (answer.status.as_u16(), json)
}

async fn metrics(addr: SocketAddr) -> String {
    let client = crate::common::client();
    let answer = crate::common::send(&client, "GET", addr, "/metrics", &[], Bytes::new()).await;
    String::from_utf8(answer.body.to_vec()).unwrap()
}

#[tokio::test]
async fn an_https_upstream_is_verified_named_and_kept_alive() {
    let ca = ca("test CA");
    let stub = tls_stub(&leaf(&ca, false)).await;
    let d = dir("upstream");
    let ca_file = write(&d.join("ca.pem"), &ca.pem());
    let upstream = format!("https://localhost:{}", stub.addr.port());
    let gw = start(config(
        &upstream,
        &format!("upstream_ca: {}\n", ca_file.display()),
    ))
    .await;
    for _ in 0..3 {
        let (status, json) = post_batch(gw.addr).await;
        assert_eq!(status, 200, "{json}");
    }
    assert_eq!(stub.requests.load(Ordering::SeqCst), 3);
    // One handshake for three requests: the connection is pooled.
    assert_eq!(stub.handshakes.load(Ordering::SeqCst), 1);
    // The name asked for is the upstream's host, not the client's Host header.
    assert_eq!(*stub.names.lock().unwrap(), [Some("localhost".to_string())]);
    gw.shutdown().await;
    let _ = std::fs::remove_dir_all(d);
}

#[tokio::test]
async fn an_untrusted_or_expired_upstream_certificate_is_a_502_that_says_why() {
    let other = ca("another CA");
    let ca = ca("test CA");
    let d = dir("refused");
    let other_file = write(&d.join("other.pem"), &other.pem());
    let ca_file = write(&d.join("ca.pem"), &ca.pem());
    let good = tls_stub(&leaf(&ca, false)).await;
    let expired = tls_stub(&leaf(&ca, true)).await;
    for (stub, trusted, needle) in [
        (&good, &other_file, "unknown issuer"),
        (&expired, &ca_file, "expired"),
    ] {
        let upstream = format!("https://localhost:{}", stub.addr.port());
        let gw = start(config(
            &upstream,
            &format!("upstream_ca: {}\n", trusted.display()),
        ))
        .await;
        let (status, json) = post_batch(gw.addr).await;
        assert_eq!(status, 502, "{json}");
        assert_eq!(json["code"], "upstream-tls", "{json}");
        let message = json["message"].as_str().unwrap();
        assert!(message.contains(needle), "{message}");
        let text = metrics(gw.addr).await;
        assert!(
            text.lines()
                .any(|l| l == "regionfence_upstream_errors_total{kind=\"tls\"} 1"),
            "{text}"
        );
        assert!(
            text.lines().any(|l| l == "regionfence_forwarded_total 0"),
            "{text}"
        );
        gw.shutdown().await;
    }
    assert_eq!(good.requests.load(Ordering::SeqCst), 0);
    assert_eq!(expired.requests.load(Ordering::SeqCst), 0);
    // A name the certificate does not hold is refused too: 127.0.0.1 is not `localhost`.
    let upstream = format!("https://127.0.0.1:{}", good.addr.port());
    let gw = start(config(
        &upstream,
        &format!("upstream_ca: {}\n", ca_file.display()),
    ))
    .await;
    let (status, json) = post_batch(gw.addr).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (502, Some("upstream-tls")),
        "{json}"
    );
    assert!(
        json["message"].as_str().unwrap().contains("not valid for"),
        "{json}"
    );
    gw.shutdown().await;
    let _ = std::fs::remove_dir_all(d);
}

/// An HTTPS GET: the status and the certificate the server presented.
async fn https_get(addr: SocketAddr, ca: &Ca, path: &str) -> (u16, CertificateDer<'static>) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        #[allow(deprecated)]
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let stream = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let presented = stream.get_ref().1.peer_certificates().unwrap()[0].clone();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = Request::get(path)
        .header("host", "localhost")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    (response.status().as_u16(), presented)
}

#[tokio::test]
async fn a_tls_listener_serves_https_and_takes_new_certificates_on_reload() {
    let ca = ca("test CA");
    let (first, second) = (leaf(&ca, false), leaf(&ca, false));
    let d = dir("listener");
    let cert = write(&d.join("cert.pem"), &first.pem);
    let key = write(&d.join("key.pem"), &first.key_pem);
    let stub = crate::common::Stub::start().await;
    let gw = start(config(
        &format!("http://{}", stub.addr),
        &format!("tls: {{cert: {}, key: {}}}\n", cert.display(), key.display()),
    ))
    .await;
    let (status, presented) = https_get(gw.addr, &ca, "/healthz").await;
    assert_eq!((status, &presented), (200, &first.der));
    // Plain HTTP on a TLS listener gets no answer.
    let plain = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        crate::common::client().request(
            Request::get(format!("http://{}/healthz", gw.addr))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        ),
    )
    .await
    .unwrap();
    assert!(plain.is_err());

    // New files: new connections get the new certificate after a reload, not before.
    write(&cert, &second.pem);
    write(&key, &second.key_pem);
    assert_eq!(https_get(gw.addr, &ca, "/healthz").await.1, first.der);
    gw.state().reload("test").unwrap();
    assert_eq!(https_get(gw.addr, &ca, "/healthz").await.1, second.der);

    // A key that does not go with the certificate: the reload is refused whole, the
    // certificate in force stays.
    write(&cert, &first.pem);
    let e = gw.state().reload("test").unwrap_err();
    assert!(e.contains("tls"), "{e}");
    assert!(!e.contains("PRIVATE KEY"), "the key is not quoted: {e}");
    assert_eq!(https_get(gw.addr, &ca, "/healthz").await.1, second.der);
    gw.shutdown().await;
    let _ = std::fs::remove_dir_all(d);
}
