//! Model-based properties of the tracking rule on random requests: the gatekeeper forwards
//! exactly when a naive reading of the rules says so (known key, every message's source kind
//! allowed on the host by `ingest`), refuses with the status the rules give otherwise, and
//! never panics, whatever the body, headers or encoding.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine;
use proptest::prelude::*;
use regionfence::Policy;
use regionfence_gateway::metrics::Metrics;
use regionfence_gateway::sources::SourceTable;
use regionfence_gateway::tracking::{Gatekeeper, Outcome, Request};
use regionfence_gateway::LoadedPolicy;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const LIMIT: usize = 2048;
const KEYS: &[(&str, &str)] = &[("eu", "eu-west"), ("us", "us-west"), ("ghost", "mars")];
const LIBRARIES: &[&str] = &[
    "analytics-python",
    "analytics.js",
    "analytics-ios",
    "s3",
    "mystery",
    "analytics-node",
];
const HOSTS: &[&str] = &[
    "events.eu1.segmentapis.com",
    "api.segment.io",
    "in.au1.segmentapis.com",
    "127.0.0.1:80",
    "",
];

fn policy() -> &'static LoadedPolicy {
    static P: OnceLock<LoadedPolicy> = OnceLock::new();
    P.get_or_init(|| LoadedPolicy::new(Policy::default_policy()))
}

fn table() -> SourceTable {
    SourceTable::new(
        &BTreeMap::from([("s3".to_string(), "cloud-object".to_string())]),
        "server",
    )
}

fn gatekeeper(hosts: Vec<String>) -> Gatekeeper {
    let keys = KEYS.iter().map(|(k, r)| (k.to_string(), r.to_string())).collect();
    Gatekeeper::new(keys, table(), hosts, LIMIT)
}

#[derive(Debug, Clone)]
struct Case {
    key_in_auth: Option<&'static str>,
    key_in_body: Option<&'static str>,
    libraries: Vec<Option<&'static str>>,
    served: Vec<&'static str>,
    host_header: Option<&'static str>,
    gzip: bool,
    padding: usize,
}

fn case() -> impl Strategy<Value = Case> {
    let key = prop::option::of(prop::sample::select(vec!["eu", "us", "ghost", "unknown"]));
    (
        key.clone(),
        key,
        prop::collection::vec(prop::option::of(prop::sample::select(LIBRARIES.to_vec())), 0..5),
        prop::collection::vec(prop::sample::select(HOSTS[..3].to_vec()), 0..3),
        prop::option::of(prop::sample::select(HOSTS.to_vec())),
        any::<bool>(),
        prop_oneof![Just(0usize), 0..3000usize],
    )
        .prop_map(
            |(key_in_auth, key_in_body, libraries, served, host_header, gzip, padding)| Case {
                key_in_auth,
                key_in_body,
                libraries,
                served,
                host_header,
                gzip,
                padding,
            },
        )
}

fn body(case: &Case) -> String {
    let batch: Vec<_> = case
        .libraries
        .iter()
        .map(|l| match l {
            Some(name) => serde_json::json!({"type": "track", "context": {"library": {"name": name}}}),
            None => serde_json::json!({"type": "track"}),
        })
        .collect();
    let mut body = serde_json::json!({"batch": batch, "pad": "x".repeat(case.padding)});
    if let Some(k) = case.key_in_body {
        body["writeKey"] = k.into();
    }
    body.to_string()
}

/// The rules, read naively: the expected status (200 for forwarded).
fn model(case: &Case, body: &str) -> u16 {
    if body.len() > LIMIT {
        return 400;
    }
    // A header and a body naming different keys: refused, whichever is known.
    if let (Some(auth), Some(body)) = (case.key_in_auth, case.key_in_body) {
        if auth != body {
            return 401;
        }
    }
    let Some(key) = case.key_in_auth.or(case.key_in_body) else {
        return 401;
    };
    let Some((_, region)) = KEYS.iter().find(|(k, _)| *k == key) else {
        return 401;
    };
    let p = &policy().policy;
    let host = if case.served.is_empty() {
        case.host_header.unwrap_or("")
    } else {
        let header_id = case.host_header.and_then(|h| p.host_id(h).ok());
        match header_id {
            Some(id) if case.served.iter().any(|s| p.host_id(s).ok() == Some(id)) => {
                case.host_header.unwrap()
            }
            _ => case.served[0],
        }
    };
    let libraries: Vec<Option<&str>> = if case.libraries.is_empty() {
        vec![None]
    } else {
        case.libraries.clone()
    };
    for library in libraries {
        let kind = table().kind(library).to_string();
        let d = p.ingest(region, &kind, host);
        if !d.is_allowed() {
            // Misdirected only when a host of the workspace's region would take the source.
            let elsewhere = p.resolve(region, &kind, None).is_allowed();
            return if d.has_code(regionfence::ReasonCode::IngestionOutsideRegion) && elsewhere {
                421
            } else {
                403
            };
        }
    }
    200
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

proptest! {
    #[test]
    fn the_gatekeeper_agrees_with_the_rules(case in case()) {
        let body = body(&case);
        let raw = if case.gzip { gzip(body.as_bytes()) } else { body.clone().into_bytes() };
        let auth = case.key_in_auth.map(|k| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{k}:"))));
        let keeper = gatekeeper(case.served.iter().map(|s| s.to_string()).collect());
        let outcome = keeper.check(policy(), &Metrics::default(), &Request {
            is_batch: true,
            host: case.host_header,
            authorization: auth.as_deref().map(str::as_bytes),
            content_encoding: case.gzip.then_some(&b"gzip"[..]),
            body: &raw,
        });
        let status = match &outcome {
            Outcome::Forward => 200,
            Outcome::Refuse(r) => r.status,
        };
        prop_assert_eq!(status, model(&case, &body), "{:?}", outcome);
        if let Outcome::Refuse(r) = &outcome {
            prop_assert_eq!(r.host.is_some(), r.status == 421);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_are_never_forwarded_unless_a_payload(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        gz in any::<bool>(),
        batch in any::<bool>(),
    ) {
        let auth = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("eu:"));
        let outcome = gatekeeper(vec!["events.eu1.segmentapis.com".into()]).check(policy(), &Metrics::default(), &Request {
            is_batch: batch,
            host: None,
            authorization: Some(auth.as_bytes()),
            content_encoding: gz.then_some(&b"gzip"[..]),
            body: &bytes,
        });
        if outcome == Outcome::Forward {
            // Only a JSON object can be forwarded.
            prop_assert!(!gz && serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes).is_ok());
        }
    }
}
