//! The HTTP server: routes, listeners, reloads, graceful shutdown.

use crate::config::{Config, Limits, Upstream};
use crate::metrics::Metrics;
use crate::policy_cell::{LoadedPolicy, PolicyCell, Requirements};
use crate::proxy::{self, Client};
use crate::sources::SourceTable;
use crate::tls::ServerTls;
use crate::tracking::{self, Gatekeeper, Outcome, Request as TrackingRequest};
use crate::{authz, cors, decide_api, log};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{
    HeaderName, HeaderValue, AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HOST,
};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The response header naming the policy that decided (`name@version#digest12`), on every
/// answer.
pub const POLICY_HEADER: &str = "regionfence-policy";

/// Headers a request may carry at most once: the write key, the host and the body's framing
/// and encoding are decided on one value, and the upstream (or a proxy on the way) might read
/// another. A request carrying one of them twice is refused before anything else.
pub const SINGLE_HEADERS: &[HeaderName] = &[
    AUTHORIZATION,
    HOST,
    CONTENT_ENCODING,
    CONTENT_TYPE,
    CONTENT_LENGTH,
];

/// What a reload gives: the policy now in force, or why the file was refused.
type ReloadOutcome = Result<Arc<LoadedPolicy>, String>;

/// A reload's outcome, once it has one, for every request waiting on it.
type ReloadSender = Arc<watch::Sender<Option<ReloadOutcome>>>;

/// A configured gateway, not yet listening.
pub struct Gateway {
    config: Config,
    state: Arc<State>,
}

/// What every request handler shares.
pub struct State {
    cell: PolicyCell,
    metrics: Metrics,
    gatekeeper: Gatekeeper,
    client: Client,
    upstream: Upstream,
    limits: Limits,
    cors: cors::Cors,
    check_policy: bool,
    /// HTTPS on `listen`, and on `admin_listen`: reloaded with the policy.
    listen_tls: Option<ServerTls>,
    admin_tls: Option<ServerTls>,
    /// The reload queued behind the one running, if any: requests arriving meanwhile share
    /// its outcome rather than queueing one each.
    queued_reload: std::sync::Mutex<Option<ReloadSender>>,
    /// Held by the reload running; the queued one waits on it.
    reload_turn: tokio::sync::Mutex<()>,
}

impl State {
    /// The policy cell.
    pub fn cell(&self) -> &PolicyCell {
        &self.cell
    }

    /// The counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Reloads the policy and the listeners' certificates, logging and counting the
    /// outcome. It takes effect whole or not at all: certificate files that do not load
    /// leave the policy and the certificates in force, and so does a policy that does not.
    pub fn reload(&self, trigger: &str) -> Result<Arc<crate::LoadedPolicy>, String> {
        let outcome = self.reload_all();
        self.metrics.reload(outcome.is_ok());
        match &outcome {
            Ok(p) => log::line("reload", &[("trigger", trigger), ("policy", &p.label())]),
            Err(e) => log::line(
                "reload-refused",
                &[
                    ("trigger", trigger),
                    ("error", e),
                    ("policy", &self.cell.current().label()),
                ],
            ),
        }
        outcome
    }

    fn reload_all(&self) -> Result<Arc<crate::LoadedPolicy>, String> {
        let listeners = [&self.listen_tls, &self.admin_tls];
        let mut certificates = Vec::new();
        for tls in listeners.into_iter().flatten() {
            certificates.push((tls, tls.prepare()?));
        }
        let policy = self.cell.reload()?;
        // The new policy's ids, looked up now rather than by the first request under it.
        self.gatekeeper.prime(&policy);
        for (tls, config) in certificates {
            tls.install(config);
        }
        Ok(policy)
    }

    /// [`State::reload`] on a thread for blocking work: compiling and auditing a large
    /// policy takes seconds, which would stall every request sharing a runtime worker.
    ///
    /// Reloads are coalesced: at most one runs and one waits. A request arriving while one
    /// waits (it has not read the file yet, so it will see whatever the file holds now)
    /// shares that reload's outcome; one arriving while none waits queues one. So however
    /// many reloads are asked at once, at most two run. The request joins or queues its
    /// reload when this is called; the future returned only waits for the outcome.
    pub fn reload_in_background(
        self: &Arc<Self>,
        trigger: &'static str,
    ) -> impl std::future::Future<Output = ReloadOutcome> + Send + 'static {
        let mut outcome = self.join_or_queue_reload(trigger).subscribe();
        async move {
            match outcome.wait_for(Option::is_some).await {
                Ok(done) => done
                    .clone()
                    .unwrap_or_else(|| Err("the reload did not finish".to_string())),
                Err(_) => Err("the reload did not finish".to_string()),
            }
        }
    }

    /// The reload waiting for its turn, queueing one (and the task that runs it) if none is.
    fn join_or_queue_reload(self: &Arc<Self>, trigger: &'static str) -> ReloadSender {
        let mut queued = self
            .queued_reload
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(waiting) = queued.as_ref() {
            return Arc::clone(waiting);
        }
        let sender: ReloadSender = Arc::new(watch::channel(None).0);
        *queued = Some(Arc::clone(&sender));
        let state = Arc::clone(self);
        let done = Arc::clone(&sender);
        tokio::spawn(async move {
            let _turn = state.reload_turn.lock().await;
            // This reload starts now, before it reads the file: a request from here on
            // queues the next one. Only this task clears its own slot.
            *state
                .queued_reload
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
            let running = Arc::clone(&state);
            let outcome = tokio::task::spawn_blocking(move || running.reload(trigger))
                .await
                .unwrap_or_else(|e| Err(format!("the reload did not finish: {e}")));
            done.send_replace(Some(outcome));
        });
        sender
    }

    /// How many requests wait on the queued reload (not the running one).
    #[cfg(test)]
    fn waiting_on_queued_reload(&self) -> usize {
        self.queued_reload
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            .map_or(0, |s| s.receiver_count())
    }
}

/// Which routes a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Routes {
    Tracking,
    Admin,
    Both,
}

impl Gateway {
    /// Loads the policy (refusing one that fails its audit or does not know the configured
    /// regions and hosts) and prepares the gateway.
    pub fn new(config: Config) -> Result<Gateway, String> {
        let requirements = Requirements {
            regions: config.write_keys.values().cloned().collect(),
            hosts: config.hosts.clone(),
            default_kind: Some(config.default_source_kind.clone()),
        };
        let cell = PolicyCell::open(config.policy.as_deref(), requirements)?;
        let gatekeeper = Gatekeeper::new(
            config.write_keys.clone(),
            SourceTable::new(&config.libraries, &config.default_source_kind),
            config.hosts.clone(),
            config.limits.max_body_bytes,
        );
        gatekeeper.prime(&cell.current());
        let state = State {
            cell,
            metrics: Metrics::default(),
            gatekeeper,
            client: proxy::client(&config.upstream, config.limits.upstream_timeout)?,
            upstream: config.upstream.clone(),
            limits: config.limits,
            cors: cors::Cors::new(config.cors_origins.clone()),
            check_policy: true,
            listen_tls: config.tls.clone().map(ServerTls::load).transpose()?,
            admin_tls: config.admin_tls.clone().map(ServerTls::load).transpose()?,
            queued_reload: std::sync::Mutex::new(None),
            reload_turn: tokio::sync::Mutex::new(()),
        };
        Ok(Gateway {
            config,
            state: Arc::new(state),
        })
    }

    /// A gateway that forwards every tracking request without reading or deciding it, to
    /// measure what the policy check costs. Never use it to serve traffic.
    pub fn dangerous_without_policy_check_for_benchmarks(mut self) -> Gateway {
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.check_policy = false;
        }
        self
    }

    /// Binds the listeners and starts serving; must be called inside a tokio runtime.
    pub async fn start(self) -> Result<Running, String> {
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|e| format!("listening on {addr}: {e}"))
        };
        let main = bind(self.config.listen).await?;
        let addr = main.local_addr().map_err(|e| e.to_string())?;
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut admin_addr = None;
        match self.config.admin_listen {
            Some(admin) => {
                let admin = bind(admin).await?;
                admin_addr = Some(admin.local_addr().map_err(|e| e.to_string())?);
                tasks.push(tokio::spawn(serve(
                    admin,
                    Arc::clone(&self.state),
                    Routes::Admin,
                    stopped.clone(),
                )));
                tasks.push(tokio::spawn(serve(
                    main,
                    Arc::clone(&self.state),
                    Routes::Tracking,
                    stopped,
                )));
            }
            None => tasks.push(tokio::spawn(serve(
                main,
                Arc::clone(&self.state),
                Routes::Both,
                stopped,
            ))),
        }
        let policy = self.state.cell.current().label();
        let listen = addr.to_string();
        let admin = admin_addr.map_or_else(|| listen.clone(), |a| a.to_string());
        log::line(
            "listening",
            &[
                ("addr", &listen),
                ("admin", &admin),
                ("upstream", &self.state.upstream.base),
                ("policy", &policy),
            ],
        );
        Ok(Running {
            addr,
            admin_addr,
            stop,
            tasks,
            state: self.state,
        })
    }
}

/// A gateway that is serving.
pub struct Running {
    /// Where the tracking API is served.
    pub addr: SocketAddr,
    /// Where the decision API, metrics and reload are served, when apart.
    pub admin_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    state: Arc<State>,
}

impl Running {
    /// The shared state (policy, metrics).
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    /// Where the decision API is served.
    pub fn admin(&self) -> SocketAddr {
        self.admin_addr.unwrap_or(self.addr)
    }

    /// Stops accepting connections and waits for the requests in flight to finish (at most
    /// the configured grace period).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        log::line("stopped", &[]);
    }
}

async fn serve(listener: TcpListener, state: Arc<State>, routes: Routes, mut stop: watch::Receiver<bool>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(state.limits.client_timeout);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        log::line("accept-failed", &[("error", &e.to_string())]);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let tls = match routes {
                    Routes::Admin => state.admin_tls.as_ref(),
                    Routes::Tracking | Routes::Both => state.listen_tls.as_ref(),
                };
                let acceptor = tls.map(ServerTls::acceptor);
                let handshake_timeout = state.limits.client_timeout;
                let state = Arc::clone(&state);
                let service = hyper::service::service_fn(move |request| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, Infallible>(handle(&state, routes, request).await) }
                });
                let Some(acceptor) = acceptor else {
                    let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                    continue;
                };
                // The handshake runs on the connection's own task (a slow client holds up
                // no one else), with the certificate in force when it was accepted, within
                // the client timeout; shutdown waits for it like for a request.
                let watcher = graceful.watcher();
                let http = http.clone();
                tokio::spawn(async move {
                    let stream = match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(e)) => {
                            log::line("tls-handshake-failed", &[("error", &e.to_string())]);
                            return;
                        }
                        Err(_) => {
                            log::line("tls-handshake-failed", &[("error", "timed out")]);
                            return;
                        }
                    };
                    let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(state.limits.shutdown_grace) => {
            log::line("shutdown-grace-expired", &[]);
        }
    }
}

/// Names the policy in an answer's `regionfence-policy` header.
fn label(response: &mut Response<Full<Bytes>>, policy: &LoadedPolicy) {
    if let Ok(value) = HeaderValue::from_str(&policy.label()) {
        response.headers_mut().insert(POLICY_HEADER, value);
    }
}

fn json(status: StatusCode, body: String, policy: &LoadedPolicy) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    label(&mut response, policy);
    response
}

/// An answer the gateway makes itself that is not a decision: `code`, `message` and the
/// policy in force, in the body and the header, like every refusal.
fn error(status: StatusCode, code: &str, message: &str, policy: &LoadedPolicy) -> Response<Full<Bytes>> {
    json(
        status,
        serde_json::json!({"code": code, "message": message, "policy": policy.to_json()}).to_string(),
        policy,
    )
}

/// Why a body was not read: the status, the code and the message of the answer.
type BodyRefusal = (StatusCode, &'static str, String);

/// Reads a body of at most `limit` bytes within the client timeout.
async fn read_body(body: Incoming, limit: usize, state: &State) -> Result<Bytes, BodyRefusal> {
    let reading = Limited::new(body, limit).collect();
    match tokio::time::timeout(state.limits.client_timeout, reading).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err((
            StatusCode::BAD_REQUEST,
            "body-too-large",
            format!("body over the limit of {limit} bytes"),
        )),
        Ok(Err(e)) => Err((
            StatusCode::BAD_REQUEST,
            "malformed-body",
            format!("reading the body: {e}"),
        )),
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            "client-timeout",
            "the body took too long to arrive".to_string(),
        )),
    }
}

/// The first of [`SINGLE_HEADERS`] the request carries more than once.
fn repeated_header(request: &Request<Incoming>) -> Option<&'static HeaderName> {
    SINGLE_HEADERS
        .iter()
        .find(|name| request.headers().get_all(*name).iter().nth(1).is_some())
}

async fn handle(state: &Arc<State>, routes: Routes, request: Request<Incoming>) -> Response<Full<Bytes>> {
    // The policy this request is answered under, whatever reloads happen while it runs.
    let loaded = state.cell.current();
    let path = request.uri().path();
    let tracking_route = if routes == Routes::Admin || authz::is_authz(path) {
        None
    } else {
        tracking::route(path)
    };
    // A browser's request to a tracking route: its answers, refusals included, carry the
    // CORS headers, so the page sees their status.
    let origin = match tracking_route {
        Some(_) => state.cors.origin(request.headers()),
        None => cors::Origin::Absent,
    };
    let mut response = route(state, routes, tracking_route, &origin, &loaded, request).await;
    cors::decorate(&origin, &mut response);
    response
}

async fn route(
    state: &Arc<State>,
    routes: Routes,
    tracking_route: Option<tracking::Route>,
    origin: &cors::Origin,
    loaded: &Arc<LoadedPolicy>,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let loaded = Arc::clone(loaded);
    // Before any route: the key, host and encoding a request is decided on must be the
    // ones it is forwarded with, so none of them may be given twice.
    if let Some(name) = repeated_header(&request) {
        if matches!(tracking_route, Some(tracking::Route::Endpoint { .. })) {
            state.metrics.refused(400, "duplicate-header");
        }
        log::line(
            "refused",
            &[
                ("status", "400"),
                ("code", "duplicate-header"),
                ("header", name.as_str()),
                ("path", request.uri().path()),
                ("policy", &loaded.label()),
            ],
        );
        // The edge's check answers a denial 403: a proxy makes a 400 a 500.
        let status = if routes != Routes::Tracking && authz::is_authz(request.uri().path()) {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        return error(
            status,
            "duplicate-header",
            &format!("the `{name}` header is given more than once; send it once"),
            &loaded,
        );
    }
    if *origin == cors::Origin::Refused {
        if matches!(tracking_route, Some(tracking::Route::Endpoint { .. })) {
            state.metrics.refused(403, "origin-not-allowed");
        }
        log::line(
            "refused",
            &[
                ("status", "403"),
                ("code", "origin-not-allowed"),
                ("path", request.uri().path()),
                ("policy", &loaded.label()),
            ],
        );
        return error(
            StatusCode::FORBIDDEN,
            "origin-not-allowed",
            "this origin is not in the gateway's `cors_origins`",
            &loaded,
        );
    }
    let path = request.uri().path();
    if routes != Routes::Tracking {
        match (request.method(), path) {
            (&Method::GET, "/healthz") => {
                return json(
                    StatusCode::OK,
                    serde_json::json!({"status": "ok"}).to_string(),
                    &loaded,
                );
            }
            (&Method::GET, "/metrics") => {
                let mut response = Response::new(Full::new(Bytes::from(state.metrics.render(&loaded))));
                response.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; version=0.0.4"),
                );
                label(&mut response, &loaded);
                return response;
            }
            (&Method::POST, "/v1/decide") => {
                let body = match read_body(request.into_body(), state.limits.max_decide_bytes, state).await {
                    Ok(body) => body,
                    Err((status, code, message)) => return error(status, code, &message, &loaded),
                };
                return match decide_api::answer(&loaded, &state.metrics, &body) {
                    Ok(answer) => json(StatusCode::OK, answer, &loaded),
                    Err(message) => error(StatusCode::BAD_REQUEST, "malformed-question", &message, &loaded),
                };
            }
            (&Method::POST, "/v1/reload") => {
                return match state.reload_in_background("http").await {
                    Ok(p) => json(
                        StatusCode::OK,
                        serde_json::json!({"reloaded": true, "policy": p.to_json()}).to_string(),
                        &p,
                    ),
                    Err(e) => {
                        let current = state.cell.current();
                        json(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            serde_json::json!({"reloaded": false, "error": e, "policy": current.to_json()})
                                .to_string(),
                            &current,
                        )
                    }
                };
            }
            (_, "/healthz" | "/metrics" | "/v1/decide" | "/v1/reload") => {
                return error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method-not-allowed",
                    "wrong method for this path",
                    &loaded,
                );
            }
            (_, p) if authz::is_authz(p) => return check(state, &loaded, request).await,
            _ => {}
        }
    }
    match tracking_route {
        Some(_) if request.method() == Method::OPTIONS => state.cors.preflight(origin),
        Some(_) if request.method() != Method::POST => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "the tracking API takes POST",
            &loaded,
        ),
        Some(tracking::Route::Endpoint { is_batch, .. }) => track(state, &loaded, is_batch, request).await,
        Some(tracking::Route::SdkMetrics) => sdk_metrics(state, &loaded, request).await,
        None => error(StatusCode::NOT_FOUND, "not-found", "no such endpoint", &loaded),
    }
}

/// `/v1/m`: the browser SDK's metrics about itself (counters of its own calls, no write key,
/// no event). There is no workspace to decide them for, so they are never forwarded; the
/// body is read within the tracking limit and answered 200, as Segment answers it, so the
/// SDK does not retry.
async fn sdk_metrics(
    state: &State,
    loaded: &LoadedPolicy,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    match read_body(request.into_body(), state.limits.max_body_bytes, state).await {
        Ok(_) => json(
            StatusCode::OK,
            serde_json::json!({"success": true}).to_string(),
            loaded,
        ),
        Err((status, code, message)) => error(status, code, &message, loaded),
    }
}

/// `/v1/authz`: the edge's check (see [`authz`]); nothing is forwarded.
async fn check(state: &State, loaded: &LoadedPolicy, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let raw_limit = state.limits.max_body_bytes.saturating_add(64 * 1024);
    let outcome = match read_body(body, raw_limit, state).await {
        Ok(body) => authz::decide(
            &state.gatekeeper,
            loaded,
            &state.metrics,
            parts.uri.path(),
            &parts.headers,
            &body,
        ),
        Err((status, code, message)) => Outcome::Refuse(tracking::Refusal {
            status: status.as_u16(),
            code,
            message,
            host: None,
            decision: None,
        }),
    };
    if let Outcome::Refuse(refusal) = &outcome {
        // Counted as the tracking request it checks would be: one refusal, by its status.
        state.metrics.refused(refusal.status, refusal.code);
        log::line(
            "authz-denied",
            &[
                ("status", &refusal.status.to_string()),
                ("code", refusal.code),
                ("path", parts.uri.path()),
                ("policy", &loaded.label()),
            ],
        );
    }
    authz::answer(&outcome, loaded)
}

async fn track(
    state: &State,
    loaded: &LoadedPolicy,
    is_batch: bool,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    // Room for gzip's framing on a body that does not compress; the limit proper applies
    // to the decompressed body.
    let raw_limit = state.limits.max_body_bytes.saturating_add(64 * 1024);
    let body = match read_body(body, raw_limit, state).await {
        Ok(body) => body,
        Err((status, code, message)) => {
            state.metrics.refused(status.as_u16(), code);
            return error(status, code, &message, loaded);
        }
    };
    if state.check_policy {
        let header = |name| parts.headers.get(name).map(HeaderValue::as_bytes);
        let host = header(HOST).and_then(|h| std::str::from_utf8(h).ok());
        let outcome = state.gatekeeper.check(
            loaded,
            &state.metrics,
            &TrackingRequest {
                is_batch,
                host,
                authorization: header(AUTHORIZATION),
                content_encoding: header(CONTENT_ENCODING),
                body: &body,
            },
        );
        if let Outcome::Refuse(refusal) = outcome {
            state.metrics.refused(refusal.status, refusal.code);
            log::line(
                "refused",
                &[
                    ("status", &refusal.status.to_string()),
                    ("code", refusal.code),
                    ("path", parts.uri.path()),
                    ("host", host.unwrap_or("")),
                    ("policy", &loaded.label()),
                ],
            );
            let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::FORBIDDEN);
            return json(status, refusal.to_json(loaded), loaded);
        }
    }
    match proxy::forward(
        &state.client,
        &state.upstream,
        &parts,
        body,
        state.limits.upstream_timeout,
    )
    .await
    {
        Ok(mut response) => {
            state.metrics.forwarded();
            // The upstream's answer, naming the policy that let the request through.
            label(&mut response, loaded);
            response
        }
        Err(e) => {
            state.metrics.upstream_error(e.kind());
            log::line(
                "upstream-error",
                &[
                    ("kind", e.kind()),
                    ("upstream", &state.upstream.base),
                    ("error", &format!("{e:?}")),
                ],
            );
            match e {
                proxy::UpstreamError::Timeout => error(
                    StatusCode::GATEWAY_TIMEOUT,
                    "upstream-timeout",
                    &format!("the upstream {} did not answer in time", state.upstream.base),
                    loaded,
                ),
                proxy::UpstreamError::Tls(reason) => error(
                    StatusCode::BAD_GATEWAY,
                    "upstream-tls",
                    &format!("TLS with the upstream {} failed: {reason}", state.upstream.base),
                    loaded,
                ),
                proxy::UpstreamError::Connect(_) => error(
                    StatusCode::BAD_GATEWAY,
                    "upstream-error",
                    &format!("the upstream {} could not be reached", state.upstream.base),
                    loaded,
                ),
                proxy::UpstreamError::Body(_) => error(
                    StatusCode::BAD_GATEWAY,
                    "upstream-error",
                    &format!("the upstream {} sent an unreadable answer", state.upstream.base),
                    loaded,
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn exchange(addr: SocketAddr, request: &str, wait: std::time::Duration) -> std::io::Result<String> {
        let mut stream = std::net::TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(wait))?;
        stream.write_all(request.as_bytes())?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        Ok(String::from_utf8_lossy(&answer).into_owned())
    }

    /// One runtime thread only: a reload that ran on it would stall every request until it
    /// finished. The reload is held at its lock while another request is asked.
    #[test]
    fn a_reload_in_progress_does_not_hold_up_requests() {
        let config = Config::from_yaml(
            "listen: 127.0.0.1:0\nupstream: http://127.0.0.1:9\nwrite_keys: {k: eu-west}\n",
        )
        .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let running = runtime.block_on(async { Gateway::new(config).unwrap().start().await.unwrap() });
        let (addr, state) = (running.addr, Arc::clone(running.state()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = std::thread::spawn(move || {
            runtime.block_on(async move {
                let _ = stopped.await;
                running.shutdown().await;
            })
        });
        let held = state.cell().hold_reloads();
        let wait = std::time::Duration::from_secs(20);
        let reload = std::thread::spawn(move || {
            exchange(
                addr,
                "POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                wait,
            )
        });
        // Let the reload reach its lock.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let health = exchange(
            addr,
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            std::time::Duration::from_secs(10),
        );
        drop(held);
        let health = health.unwrap();
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
        let reloaded = reload.join().unwrap().unwrap();
        assert!(reloaded.starts_with("HTTP/1.1 200"), "{reloaded}");
        assert!(reloaded.contains("\"reloaded\":true"), "{reloaded}");
        stop.send(()).unwrap();
        server.join().unwrap();
    }

    /// Two hundred reloads asked at once, while one runs (held at the cell's lock): the
    /// first runs, the other 199 share one queued reload, and all get its answer. Without
    /// coalescing, each would run in turn (200 reloads).
    #[test]
    fn concurrent_reloads_run_at_most_one_queued_behind_the_running_one() {
        let config = Config::from_yaml(
            "listen: 127.0.0.1:0\nupstream: http://127.0.0.1:9\nwrite_keys: {k: eu-west}\n",
        )
        .unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let _inside = runtime.enter();
        let state = Arc::clone(&Gateway::new(config).unwrap().state);
        let held = state.cell().hold_reloads();
        let first = runtime.spawn(state.reload_in_background("test"));
        // Wait (bounded) until the first reload has started: it leaves the queue.
        for _ in 0..2000 {
            if state.waiting_on_queued_reload() == 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(
            state.waiting_on_queued_reload(),
            0,
            "the first reload never started"
        );
        let rest: Vec<_> = (1..200)
            .map(|_| runtime.spawn(state.reload_in_background("test")))
            .collect();
        assert_eq!(state.waiting_on_queued_reload(), 199);
        drop(held);
        for waiting in std::iter::once(first).chain(rest) {
            let policy = runtime.block_on(waiting).unwrap().unwrap();
            assert_eq!(policy.name, "segment-regional-2022");
        }
        let metrics = state.metrics().render(&state.cell().current());
        assert!(
            metrics.lines().any(|l| l == "regionfence_reloads_total 2"),
            "{metrics}"
        );
    }
}
