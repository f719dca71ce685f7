//! The per-request rule of the tracking API: which workspace region (from the write key),
//! which source kind (from each message's library), which host; one `ingest` decision per
//! distinct source kind; forward, or refuse with a status and a reason.

use crate::body::{self, BodyError};
use crate::inspect;
use crate::metrics::Metrics;
use crate::policy_cell::LoadedPolicy;
use crate::sources::SourceTable;
use crate::write_key;
use regionfence::{HostId, Policy, Question, ReasonCode, RegionId, Resolved, SourceId};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

/// The tracking API's endpoints, as the last path segment after `v1/`.
pub const ENDPOINTS: &[&str] = &["batch", "track", "identify", "page", "screen", "group", "alias"];

/// The short endpoints analytics.js and `@segment/analytics-next` post to, each with the
/// endpoint it stands for (`b` is the batch endpoint).
pub const SHORT_ENDPOINTS: &[(&str, &str)] = &[
    ("t", "track"),
    ("p", "page"),
    ("i", "identify"),
    ("g", "group"),
    ("a", "alias"),
    ("b", "batch"),
];

/// The path segment under which `@segment/analytics-next` posts its own metrics (`/v1/m`).
pub const SDK_METRICS: &str = "m";

/// What a path of the tracking listener is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A tracking endpoint, long (`/v1/track`) or short (`/v1/t`), named by its long name.
    Endpoint {
        /// The long name (`track`, `batch`, …).
        name: &'static str,
        /// Whether it is the batch endpoint (`/v1/batch`, `/v1/b`).
        is_batch: bool,
    },
    /// `/v1/m`: the browser SDK's metrics about itself, which carry no write key.
    SdkMetrics,
}

/// What `path` is on the tracking listener: a tracking endpoint (`/v1/track`, its short form
/// `/v1/t`, also under a prefix such as `/segment/v1/track` or `/v1/v1/batch`, with or
/// without a trailing `/`), the SDK's metrics endpoint (`/v1/m`), or neither.
pub fn route(path: &str) -> Option<Route> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let (rest, last) = path.rsplit_once('/')?;
    if !(rest == "/v1" || rest.ends_with("/v1")) {
        return None;
    }
    if last == SDK_METRICS {
        return Some(Route::SdkMetrics);
    }
    let name = ENDPOINTS
        .iter()
        .copied()
        .find(|e| *e == last)
        .or_else(|| SHORT_ENDPOINTS.iter().find(|(s, _)| *s == last).map(|(_, e)| *e))?;
    Some(Route::Endpoint {
        name,
        is_batch: name == "batch",
    })
}

/// Whether `path` is a tracking endpoint, long or short (see [`route`]), and whether it is
/// the batch endpoint.
pub fn tracking_endpoint(path: &str) -> Option<bool> {
    match route(path)? {
        Route::Endpoint { is_batch, .. } => Some(is_batch),
        Route::SdkMetrics => None,
    }
}

/// What to do with a tracking request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Forward it unchanged.
    Forward,
    /// Answer it with this refusal; nothing reaches the upstream.
    Refuse(Refusal),
}

/// A refused request's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 400, 401, 403 or 421.
    pub status: u16,
    /// A stable kebab-case code: a regionfence reason code, or the gateway's own
    /// (`malformed-body`, `body-too-large`, `missing-write-key`, `unknown-write-key`,
    /// `unreadable-authorization`, `write-key-mismatch`).
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// 421: the host the source must send to instead.
    pub host: Option<String>,
    /// When a decision refused it: the explained decision, as JSON.
    pub decision: Option<serde_json::Value>,
}

impl Refusal {
    fn plain(status: u16, code: &'static str, message: String) -> Refusal {
        Refusal {
            status,
            code,
            message,
            host: None,
            decision: None,
        }
    }

    /// The answer's JSON body (`code` and `message` are what Segment's clients read).
    pub fn to_json(&self, policy: &LoadedPolicy) -> String {
        let mut body = serde_json::json!({
            "code": self.code,
            "message": self.message,
            "policy": policy.to_json(),
        });
        if let Some(object) = body.as_object_mut() {
            if let Some(host) = &self.host {
                object.insert("host".into(), host.clone().into());
            }
            if let Some(decision) = &self.decision {
                object.insert("decision".into(), decision.clone());
            }
        }
        body.to_string()
    }
}

/// The parts of a tracking request the rule reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// Under `/v1/batch`.
    pub is_batch: bool,
    /// The `Host` header as sent.
    pub host: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a [u8]>,
    /// The `Content-Encoding` header.
    pub content_encoding: Option<&'a [u8]>,
    /// The body as received.
    pub body: &'a [u8],
}

/// The tracking rule, configured.
#[derive(Debug, Clone)]
pub struct Gatekeeper {
    write_keys: BTreeMap<String, String>,
    sources: SourceTable,
    hosts: Vec<String>,
    max_body_bytes: usize,
    /// Which gatekeeper a policy's [`Ids`] were looked up for (a clone shares its
    /// configuration, so its serial too).
    serial: u64,
}

/// Gives each gatekeeper its serial.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

/// A gatekeeper's names as one policy's ids: write keys → region, source kinds → source,
/// served hosts → host, looked up once per policy (each reload compiles a new policy, whose
/// ids are its own), so a request is decided on the id layer
/// ([`regionfence::Policy::ingest_ids`]) with no name looked up but the `Host` header's.
///
/// A name the policy does not know has no id; a request that needs it is decided by name,
/// which says why it is refused.
#[derive(Debug, Clone)]
pub struct Ids {
    owner: u64,
    /// Write key → position in `regions`.
    write_keys: HashMap<String, usize>,
    /// Each region a write key maps to: its name and its id.
    regions: Vec<(String, Option<RegionId>)>,
    /// Each source kind the table gives: its name and its id.
    kinds: Vec<(String, Option<SourceId>)>,
    /// The served hosts, in order, and their ids.
    served: Vec<Option<HostId>>,
}

impl Ids {
    fn new(gatekeeper: &Gatekeeper, policy: &Policy) -> Ids {
        let mut regions: Vec<(String, Option<RegionId>)> = Vec::new();
        let mut write_keys = HashMap::with_capacity(gatekeeper.write_keys.len());
        for (key, region) in &gatekeeper.write_keys {
            let at = match regions.iter().position(|(name, _)| name == region) {
                Some(at) => at,
                None => {
                    regions.push((region.clone(), policy.region_id(region)));
                    regions.len() - 1
                }
            };
            write_keys.insert(key.clone(), at);
        }
        let mut kinds: Vec<(String, Option<SourceId>)> = Vec::new();
        for kind in gatekeeper.sources.kinds() {
            if !kinds.iter().any(|(name, _)| name == kind) {
                kinds.push((kind.to_string(), policy.source_id(kind)));
            }
        }
        let served = gatekeeper.hosts.iter().map(|h| policy.host_id(h).ok()).collect();
        Ids {
            owner: gatekeeper.serial,
            write_keys,
            regions,
            kinds,
            served,
        }
    }
}

impl Gatekeeper {
    /// A gatekeeper for these write keys (→ region), libraries, served hosts (the `Host`
    /// header as sent when empty) and body limit.
    pub fn new(
        write_keys: BTreeMap<String, String>,
        sources: SourceTable,
        hosts: Vec<String>,
        max_body_bytes: usize,
    ) -> Gatekeeper {
        Gatekeeper {
            write_keys,
            sources,
            hosts,
            max_body_bytes,
            serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Looks this gatekeeper's names up in `loaded` now (as a reload does), rather than on
    /// the first request it decides. Idempotent.
    pub fn prime(&self, loaded: &LoadedPolicy) {
        let _ = self.ids(loaded);
    }

    /// This gatekeeper's ids in `loaded`: looked up once and kept with the policy; looked
    /// up afresh (and not kept) when the policy's were looked up for another gatekeeper.
    fn ids<'p>(&self, loaded: &'p LoadedPolicy) -> Cow<'p, Ids> {
        let kept = loaded.ids.get_or_init(|| Ids::new(self, &loaded.policy));
        if kept.owner == self.serial {
            Cow::Borrowed(kept)
        } else {
            Cow::Owned(Ids::new(self, &loaded.policy))
        }
    }

    /// Decides one request wholly with `policy`, counting each decision in `metrics`.
    pub fn check(&self, policy: &LoadedPolicy, metrics: &Metrics, request: &Request<'_>) -> Outcome {
        match self.decide(policy, metrics, request) {
            Ok(()) => Outcome::Forward,
            Err(refusal) => Outcome::Refuse(refusal),
        }
    }

    fn decide(&self, loaded: &LoadedPolicy, metrics: &Metrics, request: &Request<'_>) -> Result<(), Refusal> {
        let body =
            body::decoded(request.body, request.content_encoding, self.max_body_bytes).map_err(|e| {
                let code = match e {
                    BodyError::TooLarge { .. } => "body-too-large",
                    BodyError::BadGzip(_) | BodyError::UnsupportedEncoding(_) => "malformed-body",
                };
                Refusal::plain(400, code, e.to_string())
            })?;
        // A key in the header is checked before the body is read: an unknown one costs no
        // more than decoding.
        let ids = self.ids(loaded);
        let header = match write_key::from_basic_auth(request.authorization) {
            write_key::Header::Unreadable => {
                return Err(Refusal::plain(
                    401,
                    "unreadable-authorization",
                    "the Authorization header is not `Basic` with a write key as its user".into(),
                ))
            }
            write_key::Header::Key(header) => {
                let region = region(&ids, &header)?;
                Some((header, region))
            }
            write_key::Header::Absent => None,
        };
        let payload = inspect::payload(&body, request.is_batch, &self.sources)
            .map_err(|e| Refusal::plain(400, "malformed-body", e.0))?;
        // The key decided under is the key forwarded: a header and a body naming different
        // keys are refused (the upstream may read either).
        let region = match (header, payload.write_key) {
            (Some((header, _)), Some(body)) if header != body => {
                return Err(Refusal::plain(
                    401,
                    "write-key-mismatch",
                    "the Authorization header and the body's `writeKey` name different write keys".into(),
                ))
            }
            (Some((_, region)), _) => region,
            (None, Some(body)) => region(&ids, &body)?,
            (None, None) => {
                return Err(Refusal::plain(
                    401,
                    "missing-write-key",
                    "no write key: send it as the Basic auth user or as `writeKey`".into(),
                ))
            }
        };
        self.decide_kinds(loaded, metrics, &ids, region, &payload.kinds, request.host)
    }

    /// Decides a request from its headers alone, as the edge's check endpoint does when it
    /// is not given the body: the write key from `authorization` (required: there is no
    /// body to carry one), the source kind of `library` (the library a `User-Agent` names;
    /// the default kind when absent or unknown), the host from `host`.
    pub fn check_headers(
        &self,
        policy: &LoadedPolicy,
        metrics: &Metrics,
        authorization: Option<&[u8]>,
        host: Option<&str>,
        library: Option<&str>,
    ) -> Outcome {
        let decided = match write_key::from_basic_auth(authorization) {
            write_key::Header::Unreadable => Err(Refusal::plain(
                401,
                "unreadable-authorization",
                "the Authorization header is not `Basic` with a write key as its user".into(),
            )),
            write_key::Header::Absent => Err(Refusal::plain(
                401,
                "missing-write-key",
                "no write key: send it as the Basic auth user".into(),
            )),
            write_key::Header::Key(key) => {
                let ids = self.ids(policy);
                region(&ids, &key).and_then(|region| {
                    let kind = self.sources.kind(library);
                    self.decide_kinds(policy, metrics, &ids, region, &[kind], host)
                })
            }
        };
        match decided {
            Ok(()) => Outcome::Forward,
            Err(refusal) => Outcome::Refuse(refusal),
        }
    }

    /// One `ingest` decision per kind, in order, for a workspace of `region` on the host
    /// `header` names (see [`Gatekeeper::host`]); the first refusal ends it.
    fn decide_kinds(
        &self,
        loaded: &LoadedPolicy,
        metrics: &Metrics,
        ids: &Ids,
        region: (&str, Option<RegionId>),
        kinds: &[&str],
        header: Option<&str>,
    ) -> Result<(), Refusal> {
        let policy = &loaded.policy;
        let (region, region_id) = region;
        let (host, host_id) = self.host(policy, ids, header);
        // One decision per distinct source kind, in the order of their first messages: on
        // ids when every name has one, else by name (which says what is unknown).
        for &kind in kinds {
            let source_id = ids
                .kinds
                .iter()
                .find(|(name, _)| name == kind)
                .map_or_else(|| policy.source_id(kind), |(_, id)| *id);
            let decision = match (region_id, source_id, host_id) {
                (Some(region), Some(source), Some(host)) => policy.ingest_ids(region, source, host),
                _ => policy.ingest(region, kind, host),
            };
            metrics.decision("ingest", &decision);
            if decision.is_allowed() {
                continue;
            }
            let question = Question::Ingest {
                workspace: region.to_string(),
                source: kind.to_string(),
                host: host.to_string(),
            };
            let explained = decision.explain(policy, &question);
            let code = decision.codes().next().map_or("denied", |c| c.as_str());
            let message = explained
                .reasons
                .first()
                .map_or_else(String::new, |r| r.message.clone());
            let decision_json = serde_json::to_value(&explained).ok();
            // Misdirected (421) when another host of the workspace's region would take this
            // source; when no host would (the source is unsupported there too), forbidden.
            if decision.has_code(ReasonCode::IngestionOutsideRegion) {
                let resolve = Question::Resolve {
                    workspace: region.to_string(),
                    source: kind.to_string(),
                    ingestion: None,
                };
                let answer = policy.decide(&resolve);
                metrics.decision("resolve", &answer);
                if let Some(host) = Resolved::new(policy, &answer)
                    .host
                    .filter(|_| answer.is_allowed())
                {
                    return Err(Refusal {
                        status: 421,
                        code,
                        message: format!("{message}; send to `{host}`"),
                        host: Some(host),
                        decision: decision_json,
                    });
                }
            }
            return Err(Refusal {
                status: 403,
                code,
                message,
                host: None,
                decision: decision_json,
            });
        }
        Ok(())
    }

    /// The host a request is decided on, and its id when it has one: with served hosts
    /// configured, the `Host` header when it names one of them, else the first; without,
    /// the `Host` header as sent.
    fn host<'a>(&'a self, policy: &Policy, ids: &Ids, header: Option<&'a str>) -> (&'a str, Option<HostId>) {
        let Some(first) = self.hosts.first() else {
            let header = header.unwrap_or("");
            return (header, policy.host_id(header).ok());
        };
        let first = (first.as_str(), ids.served.first().copied().flatten());
        let Some(header) = header else {
            return first;
        };
        // The usual case first: the header is a served host as written in the configuration.
        if let Some(id) = self
            .hosts
            .iter()
            .zip(&ids.served)
            .find(|(h, _)| h.as_str() == header)
            .and_then(|(_, id)| *id)
        {
            return (header, Some(id));
        }
        match policy.host_id(header) {
            Ok(id) if ids.served.contains(&Some(id)) => (header, Some(id)),
            _ => first,
        }
    }
}

/// The region of a write key (its name, and its id when the policy has one), or the
/// refusal of an unknown key.
fn region<'i>(ids: &'i Ids, key: &str) -> Result<(&'i str, Option<RegionId>), Refusal> {
    ids.write_keys
        .get(key)
        .and_then(|at| ids.regions.get(*at))
        .map(|(name, id)| (name.as_str(), *id))
        .ok_or_else(|| {
            Refusal::plain(
                401,
                "unknown-write-key",
                "the write key is not known to this gateway".into(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use regionfence::Policy;

    fn gatekeeper(hosts: &[&str]) -> Gatekeeper {
        Gatekeeper::new(
            BTreeMap::from([
                ("EU".to_string(), "eu-west".to_string()),
                ("US".to_string(), "us-west".to_string()),
            ]),
            SourceTable::new(&BTreeMap::new(), "server"),
            hosts.iter().map(|h| h.to_string()).collect(),
            1024,
        )
    }

    fn basic(key: &str) -> Vec<u8> {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
        )
        .into_bytes()
    }

    fn run(g: &Gatekeeper, key: &str, host: Option<&str>, body: &str) -> Outcome {
        let policy = LoadedPolicy::new(Policy::default_policy());
        let auth = basic(key);
        g.check(
            &policy,
            &Metrics::default(),
            &Request {
                is_batch: true,
                host,
                authorization: Some(&auth),
                content_encoding: None,
                body: body.as_bytes(),
            },
        )
    }

    const PYTHON: &str = r#"{"batch":[{"type":"track","context":{"library":{"name":"analytics-python"}}}]}"#;

    #[test]
    fn tracking_paths() {
        for (path, batch) in [
            ("/v1/batch", Some(true)),
            ("/v1/batch/", Some(true)),
            ("/v1/track", Some(false)),
            ("/v1/alias", Some(false)),
            ("/segment/v1/page", Some(false)),
            ("/v1/v1/batch", Some(true)),
            ("/v1/decide", None),
            ("/v2/track", None),
            ("/track", None),
            ("/xv1/track", None),
            ("/v1/track/x", None),
            ("", None),
            ("/v1/b", Some(true)),
            ("/v1/b/", Some(true)),
            ("/v1/t", Some(false)),
            ("/v1/p", Some(false)),
            ("/v1/i", Some(false)),
            ("/v1/g", Some(false)),
            ("/v1/a", Some(false)),
            ("/segment/v1/t", Some(false)),
            ("/v1/m", None),
            ("/v1/s", None),
            ("/v1/x", None),
            ("/t", None),
            ("/v2/t", None),
        ] {
            assert_eq!(tracking_endpoint(path), batch, "{path}");
        }
        assert_eq!(route("/v1/m"), Some(Route::SdkMetrics));
        assert_eq!(route("/x/v1/m/"), Some(Route::SdkMetrics));
        assert_eq!(route("/m"), None);
        assert_eq!(
            route("/v1/g"),
            Some(Route::Endpoint {
                name: "group",
                is_batch: false
            })
        );
    }

    #[test]
    fn eu_data_on_the_eu_host_is_forwarded() {
        let g = gatekeeper(&["events.eu1.segmentapis.com"]);
        assert_eq!(run(&g, "EU", Some("127.0.0.1:8080"), PYTHON), Outcome::Forward);
    }

    #[test]
    fn us_data_on_the_eu_host_is_misdirected_with_the_host_to_use() {
        let g = gatekeeper(&["events.eu1.segmentapis.com"]);
        let Outcome::Refuse(r) = run(&g, "US", Some("127.0.0.1:8080"), PYTHON) else {
            panic!()
        };
        assert_eq!((r.status, r.code), (421, "ingestion-outside-region"));
        assert_eq!(r.host.as_deref(), Some("api.segment.io"));
        assert!(r.message.contains("api.segment.io"), "{}", r.message);
        let json: serde_json::Value =
            serde_json::from_str(&r.to_json(&LoadedPolicy::new(Policy::default_policy()))).unwrap();
        assert_eq!(json["code"], "ingestion-outside-region");
        assert_eq!(json["host"], "api.segment.io");
        assert_eq!(json["policy"]["name"], "segment-regional-2022");
    }

    #[test]
    fn the_host_header_decides_among_the_served_hosts() {
        let g = gatekeeper(&["events.eu1.segmentapis.com", "api.segment.io"]);
        assert_eq!(
            run(&g, "US", Some("API.segment.io:443"), PYTHON),
            Outcome::Forward
        );
        assert!(
            matches!(run(&g, "US", Some("elsewhere.example"), PYTHON), Outcome::Refuse(r) if r.status == 421)
        );
        // Without served hosts, the Host header as sent decides, and a missing one fails closed.
        let g = gatekeeper(&[]);
        assert_eq!(run(&g, "US", Some("api.segment.io"), PYTHON), Outcome::Forward);
        assert!(
            matches!(run(&g, "US", None, PYTHON), Outcome::Refuse(r) if r.status == 403 && r.code == "malformed-host")
        );
        assert!(
            matches!(run(&g, "US", Some("127.0.0.1"), PYTHON), Outcome::Refuse(r) if r.code == "unknown-host")
        );
    }

    #[test]
    fn an_unsupported_source_is_forbidden() {
        // Cloud sources are not supported in EU workspaces (October 2022).
        let body = r#"{"batch":[{"context":{"library":{"name":"analytics-python"}}},{"context":{"library":{"name":"s3-loader"}}}]}"#;
        let g = Gatekeeper::new(
            BTreeMap::from([("EU".to_string(), "eu-west".to_string())]),
            SourceTable::new(
                &BTreeMap::from([("s3-loader".to_string(), "cloud-object".to_string())]),
                "server",
            ),
            vec!["events.eu1.segmentapis.com".into()],
            1024,
        );
        let Outcome::Refuse(r) = run(&g, "EU", None, body) else {
            panic!()
        };
        assert_eq!((r.status, r.code), (403, "source-unsupported-in-region"));
        // Unsupported and on another region's host: no host would take it, so 403, not 421.
        let g = Gatekeeper::new(
            BTreeMap::from([("EU".to_string(), "eu-west".to_string())]),
            SourceTable::new(&BTreeMap::new(), "cloud-object"),
            vec!["api.segment.io".into()],
            1024,
        );
        let Outcome::Refuse(r) = run(&g, "EU", None, "{\"batch\":[{}]}") else {
            panic!()
        };
        assert_eq!((r.status, r.host), (403, None));
    }

    #[test]
    fn write_keys_from_auth_or_body() {
        let g = gatekeeper(&["events.eu1.segmentapis.com"]);
        assert!(
            matches!(run(&g, "nobody", None, PYTHON), Outcome::Refuse(r) if (r.status, r.code) == (401, "unknown-write-key"))
        );
        let policy = LoadedPolicy::new(Policy::default_policy());
        let check = |auth: Option<&[u8]>, body: &str| {
            g.check(
                &policy,
                &Metrics::default(),
                &Request {
                    is_batch: true,
                    authorization: auth,
                    body: body.as_bytes(),
                    ..Request::default()
                },
            )
        };
        assert_eq!(check(None, r#"{"writeKey":"EU","batch":[]}"#), Outcome::Forward);
        assert!(
            matches!(check(None, r#"{"batch":[]}"#), Outcome::Refuse(r) if r.code == "missing-write-key")
        );
        // Basic auth alone decides; a body naming another key is refused, so is a header
        // that is there but cannot be read (never the body's key in its place).
        let us = basic("US");
        assert!(matches!(check(Some(&us), r#"{"batch":[]}"#), Outcome::Refuse(r) if r.status == 421));
        assert!(matches!(
            check(Some(&basic("EU")), r#"{"writeKey":"EU","batch":[]}"#),
            Outcome::Forward
        ));
        assert!(
            matches!(check(Some(&us), r#"{"writeKey":"EU","batch":[]}"#), Outcome::Refuse(r) if (r.status, r.code) == (401, "write-key-mismatch"))
        );
        for unreadable in [&b"Bearer EU"[..], b"Basic !!", &[0xff, 0xfe][..]] {
            assert!(
                matches!(check(Some(unreadable), r#"{"writeKey":"EU","batch":[]}"#), Outcome::Refuse(r) if (r.status, r.code) == (401, "unreadable-authorization"))
            );
        }
        // The key is never echoed.
        let Outcome::Refuse(r) = check(Some(&basic("secret-key-123")), "{\"batch\":[]}") else {
            panic!()
        };
        assert!(!r.to_json(&policy).contains("secret-key-123"));
    }

    #[test]
    fn bodies_that_are_not_payloads_or_too_large_are_bad_requests() {
        let g = gatekeeper(&["events.eu1.segmentapis.com"]);
        for body in [
            "not json",
            "[]",
            "{\"batch\": {}}",
            &format!("{{\"batch\":[],\"x\":\"{}\"}}", "a".repeat(2000)),
        ] {
            assert!(
                matches!(run(&g, "EU", None, body), Outcome::Refuse(r) if r.status == 400),
                "{body}"
            );
        }
    }

    #[test]
    fn arrays_are_refused_never_read_by_position() {
        let g = gatekeeper(&["events.eu1.segmentapis.com"]);
        let policy = LoadedPolicy::new(Policy::default_policy());
        let check = |body: &str| {
            g.check(
                &policy,
                &Metrics::default(),
                &Request {
                    is_batch: true,
                    body: body.as_bytes(),
                    ..Request::default()
                },
            )
        };
        // By position these were `writeKey` EU and a batch of one message, and a message
        // built by analytics.js.
        for body in [
            r#"["EU",null,[{}]]"#,
            r#"{"writeKey":"EU","batch":[{"context":[["analytics.js"]]}]}"#,
            r#"{"writeKey":"EU","batch":[["x",{"library":{"name":"analytics.js"}}]]}"#,
            r#"{"writeKey":"EU","context":[["analytics.js"]],"batch":[{}]}"#,
            r#"{"writeKey":"EU","batch":[{"context":{"library":["analytics.js"]}}]}"#,
        ] {
            assert!(
                matches!(check(body), Outcome::Refuse(r) if (r.status, r.code) == (400, "malformed-body")),
                "{body}"
            );
        }
        assert_eq!(check(r#"{"writeKey":"EU","batch":[{}]}"#), Outcome::Forward);
    }

    #[test]
    fn a_shared_library_decides_once_for_every_message_without_one() {
        // The batch's own library is the source of each message without one: refused as a
        // cloud source, once, however many messages share it.
        let g = Gatekeeper::new(
            BTreeMap::from([("EU".to_string(), "eu-west".to_string())]),
            SourceTable::new(
                &BTreeMap::from([("s3-loader".to_string(), "cloud-object".to_string())]),
                "server",
            ),
            vec!["events.eu1.segmentapis.com".into()],
            1 << 20,
        );
        let metrics = Metrics::default();
        let policy = LoadedPolicy::new(Policy::default_policy());
        let messages = vec!["{}"; 10_000].join(",");
        let body = format!(
            r#"{{"batch":[{{"context":{{"library":{{"name":"analytics-python"}}}}}},{messages}],"context":{{"library":{{"name":"s3-loader"}}}}}}"#
        );
        let auth = basic("EU");
        let outcome = g.check(
            &policy,
            &metrics,
            &Request {
                is_batch: true,
                authorization: Some(&auth),
                body: body.as_bytes(),
                ..Request::default()
            },
        );
        assert!(
            matches!(&outcome, Outcome::Refuse(r) if r.code == "source-unsupported-in-region"),
            "{outcome:?}"
        );
        let rendered = metrics.render(&policy);
        let decisions: u64 = rendered
            .lines()
            .filter(|l| l.starts_with("regionfence_decisions_total{ask=\"ingest\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum();
        assert_eq!(decisions, 2, "{rendered}");
    }

    #[test]
    fn ids_are_the_policys_own_a_reloaded_policy_is_never_decided_on_old_ones() {
        let g = gatekeeper(&["events.eu1.segmentapis.com"]);
        let auth = basic("US");
        let request = Request {
            is_batch: true,
            host: Some("events.eu1.segmentapis.com"),
            authorization: Some(&auth),
            body: PYTHON.as_bytes(),
            ..Request::default()
        };
        let first = LoadedPolicy::new(Policy::default_policy());
        g.prime(&first);
        assert!(
            matches!(g.check(&first, &Metrics::default(), &request), Outcome::Refuse(r) if r.status == 421)
        );
        // Another compilation of the same document: its ids are its own (the first's would
        // be refused as foreign-id), so it is looked up afresh.
        let reloaded = LoadedPolicy::new(Policy::default_policy());
        let Outcome::Refuse(r) = g.check(&reloaded, &Metrics::default(), &request) else {
            panic!()
        };
        assert_eq!((r.status, r.code), (421, "ingestion-outside-region"));
        assert_eq!(reloaded.ids.get().map(|i| i.owner), Some(g.serial));
        let eu = basic("EU");
        let request = Request {
            authorization: Some(&eu),
            ..request
        };
        assert_eq!(
            g.check(&reloaded, &Metrics::default(), &request),
            Outcome::Forward
        );
    }

    #[test]
    fn a_policy_shared_by_two_gatekeepers_decides_each_on_its_own_names() {
        let policy = LoadedPolicy::new(Policy::default_policy());
        let eu_host = gatekeeper(&["events.eu1.segmentapis.com"]);
        let us_host = gatekeeper(&["api.segment.io"]);
        let auth = basic("US");
        let request = Request {
            is_batch: true,
            authorization: Some(&auth),
            body: PYTHON.as_bytes(),
            ..Request::default()
        };
        for _ in 0..2 {
            assert!(
                matches!(eu_host.check(&policy, &Metrics::default(), &request), Outcome::Refuse(r) if r.status == 421)
            );
            assert_eq!(
                us_host.check(&policy, &Metrics::default(), &request),
                Outcome::Forward
            );
        }
    }

    #[test]
    fn a_name_the_policy_does_not_know_is_decided_by_name_and_refused() {
        let g = Gatekeeper::new(
            BTreeMap::from([("EU".to_string(), "eu-west".to_string())]),
            SourceTable::new(
                &BTreeMap::from([("teleporter".to_string(), "teleport".to_string())]),
                "server",
            ),
            vec!["events.eu1.segmentapis.com".into()],
            1024,
        );
        let body = r#"{"batch":[{"context":{"library":{"name":"teleporter"}}}]}"#;
        let Outcome::Refuse(r) = run(&g, "EU", None, body) else {
            panic!()
        };
        assert_eq!((r.status, r.code), (403, "unknown-source"));
        assert_eq!(run(&g, "EU", None, PYTHON), Outcome::Forward);
    }

    #[test]
    fn an_unknown_key_in_the_header_is_refused_before_the_body_is_read() {
        let g = gatekeeper(&["events.eu1.segmentapis.com"]);
        for body in [
            "not json",
            r#"["EU",null,[{}]]"#,
            r#"{"writeKey":"EU","batch":[]}"#,
        ] {
            assert!(
                matches!(run(&g, "nobody", None, body), Outcome::Refuse(r) if (r.status, r.code) == (401, "unknown-write-key")),
                "{body}"
            );
        }
        // A known one: the body is read, and must be a payload.
        assert!(matches!(run(&g, "EU", None, "not json"), Outcome::Refuse(r) if r.status == 400));
    }
}
