#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The public API against the default policy: every question kind through the typed methods
//! and through `Policy::decide`, explanations, ids, and `Decision`/`Policy` as values.

use regionfence::{
    normalize_host, parse_ip, Answer, Decision, HostError, Policy, Question, ReasonCode, Verdict, MAX_REASONS,
};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(Policy::default_policy)
}

/// One row of a decision table: the call as written, its decision, and what it must be.
struct Row {
    call: &'static str,
    decision: Decision,
    verdict: Verdict,
    code: Option<ReasonCode>,
}

macro_rules! allowed {
    ($call:expr) => {
        Row {
            call: stringify!($call),
            decision: $call,
            verdict: Verdict::Allow,
            code: None,
        }
    };
    ($call:expr => $code:ident) => {
        Row {
            call: stringify!($call),
            decision: $call,
            verdict: Verdict::Allow,
            code: Some(ReasonCode::$code),
        }
    };
}

macro_rules! denied {
    ($call:expr => $code:ident) => {
        Row {
            call: stringify!($call),
            decision: $call,
            verdict: Verdict::Deny,
            code: Some(ReasonCode::$code),
        }
    };
}

/// Checks every row, reporting all that fail at once.
fn check(rows: &[Row]) {
    let failures: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.decision.verdict() != r.verdict
                || r.code.is_some_and(|c| !r.decision.has_code(c))
                || r.decision.reasons().count() == 0
        })
        .map(|r| {
            let codes: Vec<_> = r.decision.codes().map(ReasonCode::as_str).collect();
            format!(
                "{}: want {} {:?}, got {} {codes:?}",
                r.call,
                r.verdict,
                r.code,
                r.decision.verdict()
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

#[test]
fn ingest_table() {
    let policy = policy();
    check(&[
        allowed!(policy.ingest("eu-west", "ios", "events.eu1.segmentapis.com") => HostInRegion),
        allowed!(policy.ingest("eu-west", "javascript", "HTTPS://events.eu1.segmentapis.com/v1/") => HostInRegion),
        allowed!(policy.ingest("eu-west", "node-js", "https://events.eu1.segmentapis.com:443") => HostInRegion),
        allowed!(policy.ingest("us-west", "android", "in.ap1.segmentapis.com") => HostInRegion),
        allowed!(policy.ingest("us-west", "salesforce", "api.segment.io") => HostInRegion),
        denied!(policy.ingest("eu-west", "node-js", "api.segment.io") => IngestionOutsideRegion),
        denied!(policy.ingest("us-west", "javascript", "events.eu1.segmentapis.com") => IngestionOutsideRegion),
        denied!(policy.ingest("eu-west", "javascript", "in.eu2.segmentapis.com") => IngestionOutsideRegion),
        denied!(policy.ingest("eu-west", "cloud-event", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion),
        denied!(policy.ingest("eu-west", "cloud-object", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion),
        denied!(policy.ingest("eu-west", "swift-ios", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion),
        denied!(policy.ingest("EU-West", "javascript", "events.eu1.segmentapis.com") => UnknownRegion),
        denied!(policy.ingest("eu-west", "nodejs", "events.eu1.segmentapis.com") => UnknownSource),
        denied!(policy.ingest("eu-west", "javascript", "events.eu1.segmentapis.com.evil.example") => UnknownHost),
        denied!(policy.ingest("eu-west", "javascript", "3.251.148.97") => UnknownHost),
        denied!(policy.ingest("eu-west", "javascript", "events.eu1.segmentapis.com:8443") => UnknownHost),
        denied!(policy.ingest("eu-west", "javascript", "user@events.eu1.segmentapis.com") => MalformedHost),
        denied!(policy.ingest("eu-west", "javascript", "*.segmentapis.com") => MalformedHost),
        denied!(policy.ingest("eu-west", "javascript", "events.eu1.segmentаpis.com") => MalformedHost),
        denied!(policy.ingest("eu-west", "javascript", "events%2eeu1.segmentapis.com") => MalformedHost),
        denied!(policy.ingest("eu-west", "javascript", "") => MalformedHost),
    ]);
}

#[test]
fn resolve_table() {
    let policy = policy();
    check(&[
        allowed!(policy.resolve("eu-west", "javascript", None) => HostResolved),
        allowed!(policy.resolve("eu-west", "python", Some("dublin")) => HostResolved),
        allowed!(policy.resolve("us-west", "ios", Some("sydney")) => HostResolved),
        allowed!(policy.resolve("us-west", "cloud-object", None) => HostResolved),
        denied!(policy.resolve("eu-west", "ios", Some("singapore")) => IngestionOutsideRegion),
        denied!(policy.resolve("eu-west", "ios", Some("frankfurt")) => UnknownIngestionRegion),
        denied!(policy.resolve("eu-west", "cloud-event", None) => SourceUnsupportedInRegion),
        denied!(policy.resolve("eu-west", "factual-engine", None) => SourceUnsupportedInRegion),
        denied!(policy.resolve("us-central", "ios", None) => UnknownRegion),
        denied!(policy.resolve("eu-west", "swift", None) => UnknownSource),
    ]);
}

#[test]
fn deliver_table() {
    let policy = policy();
    check(&[
        allowed!(policy.deliver("eu-west", "amplitude", None) => EndpointInRegion),
        allowed!(policy.deliver("eu-west", "amplitude", Some("eu")) => EndpointInRegion),
        allowed!(policy.deliver("eu-west", "mixpanel", Some("https://api-eu.mixpanel.com/track")) => EndpointInRegion),
        allowed!(policy.deliver("eu-west", "braze", Some("SDK.API.APPBOY.EU")) => EndpointInRegion),
        allowed!(policy.deliver("us-west", "amplitude", Some("us")) => EndpointInRegion),
        allowed!(policy.deliver("us-west", "google-analytics", None) => EndpointInRegion),
        allowed!(policy.deliver("us-west", "enjoyhq", None) => EndpointInRegion),
        denied!(policy.deliver("eu-west", "amplitude", Some("us")) => EndpointOutsideRegion),
        denied!(policy.deliver("eu-west", "amplitude", Some("api2.amplitude.com")) => EndpointOutsideRegion),
        denied!(policy.deliver("eu-west", "google-analytics", None) => EndpointOutsideRegion),
        denied!(policy.deliver("eu-west", "enjoyhq", None) => DestinationUnavailableInRegion),
        denied!(policy.deliver("eu-west", "amplitude", Some("apac")) => UnknownEndpoint),
        denied!(policy.deliver("eu-west", "Amplitude", None) => UnknownDestination),
        denied!(policy.deliver("EU-West", "amplitude", None) => UnknownRegion),
    ]);
}

#[test]
fn store_table() {
    let policy = policy();
    check(&[
        allowed!(policy.store("eu-west", "archive", "aws:eu-west-1") => StoreInRegion),
        allowed!(policy.store("us-west", "archive", "aws:us-west-2") => StoreInRegion),
        allowed!(policy.store("eu-west", "redshift", "aws:eu-central-1") => StoreInRegion),
        allowed!(policy.store("eu-west", "bigquery", "gcp:europe-west4") => StoreInRegion),
        allowed!(policy.store("eu-west", "snowflake", "azure:swedencentral") => StoreInRegion),
        allowed!(policy.store("eu-west", "redshift", "aws:eusc-de-east-1") => StoreInRegion),
        allowed!(policy.store("us-west", "redshift", "aws:ap-southeast-2") => StoreInRegion),
        denied!(policy.store("eu-west", "archive", "aws:us-west-2") => StoreOutsideRegion),
        denied!(policy.store("eu-west", "redshift", "aws:eu-west-2") => StoreOutsideRegion),
        denied!(policy.store("eu-west", "redshift", "aws:eu-central-2") => StoreOutsideRegion),
        denied!(policy.store("eu-west", "snowflake", "azure:norwayeast") => StoreOutsideRegion),
        denied!(policy.store("eu-west", "redshift", "gcp:europe-west3") => StoreProviderMismatch),
        denied!(policy.store("eu-west", "mysql", "aws:eu-west-1") => UnknownStore),
        denied!(policy.store("eu-west", "redshift", "eu-west-1") => UnknownCloudRegion),
    ]);
}

#[test]
fn connect_and_allowlist_table() {
    let policy = policy();
    check(&[
        allowed!(policy.connect("eu-west", "redshift", "3.251.148.96") => IpAllowlisted),
        allowed!(policy.connect("eu-west", "redshift", "3.251.148.103") => IpAllowlisted),
        allowed!(policy.connect("eu-west", "postgres", "::ffff:3.251.148.100") => IpAllowlisted),
        allowed!(policy.connect("us-west", "redshift", "52.25.130.38") => IpAllowlisted),
        denied!(policy.connect("eu-west", "redshift", "3.251.148.95") => IpNotAllowlisted),
        denied!(policy.connect("eu-west", "redshift", "3.251.148.104") => IpNotAllowlisted),
        denied!(policy.connect("eu-west", "redshift", "52.25.130.38") => IpNotAllowlisted),
        denied!(policy.connect("eu-west", "redshift", "03.251.148.96") => MalformedIp),
        denied!(policy.connect("eu-west", "redshift", " 3.251.148.96") => MalformedIp),
        denied!(policy.connect("eu-west", "redshift", "fe80::1%eth0") => MalformedIp),
        denied!(policy.connect("eu-west", "archive", "3.251.148.96") => UnknownWarehouse),
        allowed!(policy.allowlist("eu-west", "redshift") => AllowlistRequired),
        allowed!(policy.allowlist("us-west", "postgres") => AllowlistRequired),
        allowed!(policy.allowlist("eu-west", "bigquery") => AllowlistNotNeeded),
        allowed!(policy.allowlist("eu-west", "snowflake") => AllowlistRecommended),
        denied!(policy.allowlist("eu-west", "archive") => UnknownWarehouse),
        denied!(policy.allowlist("eu-west", "data-lake") => UnknownWarehouse),
    ]);
}

#[test]
fn failover_and_region_change_table() {
    let policy = policy();
    check(&[
        allowed!(policy.failover("eu-west/dublin-a", "eu-west/dublin-c") => FailoverWithinIngestionRegion),
        allowed!(policy.failover("us-west/oregon-d", "us-west/oregon-a") => FailoverWithinIngestionRegion),
        denied!(policy.failover("eu-west/dublin-a", "us-west/dublin-a") => FailoverAcrossRegions),
        denied!(policy.failover("us-west/oregon-a", "us-west/dublin-a") => FailoverAcrossIngestionRegions),
        denied!(policy.failover("eu-west/dublin-b", "eu-west/dublin-b") => FailoverSameLocation),
        denied!(policy.failover("eu-west/dublin-a", "eu-west/dublin-d") => UnknownLocation),
        allowed!(policy.region_change("eu-west", "eu-west") => RegionUnchanged),
        denied!(policy.region_change("eu-west", "us-west") => RegionImmutable),
        denied!(policy.region_change("us-west", "eu-west") => RegionImmutable),
        denied!(policy.region_change("eu-west", "EU-West") => UnknownRegion),
    ]);
}

/// One question of every kind, allowed and denied, as `Question` values.
fn questions() -> Vec<Question> {
    let s = |x: &str| x.to_string();
    vec![
        Question::Ingest {
            workspace: s("eu-west"),
            source: s("ios"),
            host: s("events.eu1.segmentapis.com"),
        },
        Question::Ingest {
            workspace: s("eu-west"),
            source: s("ios"),
            host: s("api.segment.io"),
        },
        Question::Resolve {
            workspace: s("eu-west"),
            source: s("node-js"),
            ingestion: None,
        },
        Question::Resolve {
            workspace: s("eu-west"),
            source: s("node-js"),
            ingestion: Some(s("oregon")),
        },
        Question::Deliver {
            workspace: s("eu-west"),
            destination: s("hubspot"),
            endpoint: None,
        },
        Question::Deliver {
            workspace: s("eu-west"),
            destination: s("hubspot"),
            endpoint: Some(s("us")),
        },
        Question::Store {
            workspace: s("eu-west"),
            store: s("bigquery"),
            cloud_region: s("gcp:europe-west1"),
        },
        Question::Store {
            workspace: s("eu-west"),
            store: s("bigquery"),
            cloud_region: s("gcp:europe-west2"),
        },
        Question::Connect {
            workspace: s("eu-west"),
            warehouse: s("postgres"),
            ip: s("3.251.148.99"),
        },
        Question::Connect {
            workspace: s("eu-west"),
            warehouse: s("postgres"),
            ip: s("52.25.130.38"),
        },
        Question::Allowlist {
            workspace: s("us-west"),
            warehouse: s("redshift"),
        },
        Question::Allowlist {
            workspace: s("us-west"),
            warehouse: s("archive"),
        },
        Question::Failover {
            from: s("us-west/sydney-a"),
            to: s("us-west/sydney-b"),
        },
        Question::Failover {
            from: s("us-west/sydney-a"),
            to: s("us-west/singapore-a"),
        },
        Question::RegionChange {
            workspace: s("us-west"),
            to: s("us-west"),
        },
        Question::RegionChange {
            workspace: s("us-west"),
            to: s("eu-west"),
        },
    ]
}

/// The typed method a question stands for.
fn typed(policy: &Policy, q: &Question) -> Decision {
    match q {
        Question::Ingest {
            workspace,
            source,
            host,
        } => policy.ingest(workspace, source, host),
        Question::Resolve {
            workspace,
            source,
            ingestion,
        } => policy.resolve(workspace, source, ingestion.as_deref()),
        Question::Deliver {
            workspace,
            destination,
            endpoint,
        } => policy.deliver(workspace, destination, endpoint.as_deref()),
        Question::Store {
            workspace,
            store,
            cloud_region,
        } => policy.store(workspace, store, cloud_region),
        Question::Connect {
            workspace,
            warehouse,
            ip,
        } => policy.connect(workspace, warehouse, ip),
        Question::Allowlist { workspace, warehouse } => policy.allowlist(workspace, warehouse),
        Question::Failover { from, to } => policy.failover(from, to),
        Question::RegionChange { workspace, to } => policy.region_change(workspace, to),
    }
}

#[test]
fn decide_gives_the_typed_methods_answers_for_every_kind_both_ways() {
    let policy = policy();
    let questions = questions();
    for pair in questions.chunks(2) {
        let (yes, no) = (&pair[0], &pair[1]);
        assert_eq!(policy.decide(yes), typed(policy, yes), "{yes:?}");
        assert_eq!(policy.decide(no), typed(policy, no), "{no:?}");
        assert!(policy.decide(yes).is_allowed(), "{yes:?}");
        assert!(!policy.decide(no).is_allowed(), "{no:?}");
        assert_eq!(yes.ask(), no.ask());
    }
    let kinds: std::collections::BTreeSet<_> = questions.iter().map(Question::ask).collect();
    assert_eq!(kinds.len(), 8);
}

#[test]
fn questions_parse_from_json_and_yaml_and_round_trip() {
    for q in questions() {
        let json = q.to_json();
        assert!(json.starts_with(&format!("{{\"ask\":\"{}\"", q.ask())), "{json}");
        assert_eq!(Question::parse(&json).unwrap(), q);
        let yaml = serde_yaml::to_string(&q).unwrap();
        assert_eq!(Question::parse(&yaml).unwrap(), q);
    }
    let yaml = "ask: region-change\nworkspace: eu-west\nto: us-west\n";
    assert_eq!(
        Question::parse(yaml).unwrap(),
        Question::RegionChange {
            workspace: "eu-west".into(),
            to: "us-west".into()
        }
    );
    assert!(Question::parse(r#"{"ask": "ingest", "workspace": "eu-west"}"#).is_err());
    assert!(Question::parse(&format!(
        "{{\"ask\": \"failover\", \"from\": \"{}\"}}",
        "a".repeat(70_000)
    ))
    .is_err());
}

#[test]
fn answers_carry_what_was_resolved() {
    let policy = policy();
    let d = policy.resolve("eu-west", "react-native", None);
    assert!(matches!(d.answer(), Answer::Host { .. }));
    let q = Question::Resolve {
        workspace: "eu-west".into(),
        source: "react-native".into(),
        ingestion: None,
    };
    let e = d.explain(policy, &q);
    assert_eq!(e.resolved.host.as_deref(), Some("events.eu1.segmentapis.com"));
    assert_eq!(e.resolved.mechanism.as_deref(), Some("regional-settings"));
    assert_eq!(e.resolved.ingestion.as_deref(), Some("dublin"));

    let q = Question::Deliver {
        workspace: "eu-west".into(),
        destination: "mixpanel".into(),
        endpoint: None,
    };
    let e = policy.decide(&q).explain(policy, &q);
    assert_eq!(e.resolved.endpoint.as_deref(), Some("eu"));
    assert_eq!(
        e.resolved.endpoint_hosts,
        Some(vec!["api-eu.mixpanel.com".to_string()])
    );

    let q = Question::Allowlist {
        workspace: "eu-west".into(),
        warehouse: "bigquery".into(),
    };
    assert_eq!(policy.decide(&q).explain(policy, &q).resolved.cidrs, Some(vec![]));
    let q = Question::Allowlist {
        workspace: "us-west".into(),
        warehouse: "postgres".into(),
    };
    assert_eq!(
        policy.decide(&q).explain(policy, &q).resolved.cidrs,
        Some(vec!["52.25.130.38/32".to_string()])
    );

    // A denial resolves nothing.
    let d = policy.deliver("eu-west", "google-analytics", None);
    assert_eq!(d.answer(), Answer::None);
}

/// The first reason's message for `q`.
fn message(q: &Question) -> String {
    let policy = policy();
    let e = policy.decide(q).explain(policy, q);
    assert!(!e.reasons.is_empty());
    e.reasons[0].message.clone()
}

#[test]
fn explanations_name_the_policy_entry_that_decided() {
    let s = |x: &str| x.to_string();
    for (q, says) in [
        (
            Question::Ingest {
                workspace: s("eu-west"),
                source: s("ios"),
                host: s("events.eu1.segmentapis.com"),
            },
            "`regions[eu-west].ingestion[dublin].hosts`",
        ),
        (
            Question::Ingest {
                workspace: s("eu-west"),
                source: s("ios"),
                host: s("api.segment.io"),
            },
            "belongs to ingestion region `us-west/oregon`, not to workspace region `eu-west`",
        ),
        (
            Question::Ingest {
                workspace: s("eu-west"),
                source: s("cloud-event"),
                host: s("events.eu1.segmentapis.com"),
            },
            "`regions[eu-west].source_kinds`",
        ),
        (
            Question::Ingest {
                workspace: s("eu-west"),
                source: s("swift-ios"),
                host: s("events.eu1.segmentapis.com"),
            },
            "catalog source `swift-ios` does not list `eu-west`",
        ),
        (
            Question::Deliver {
                workspace: s("eu-west"),
                destination: s("amplitude"),
                endpoint: Some(s("us")),
            },
            "outside `regions[eu-west].deliver_to`",
        ),
        (
            Question::Deliver {
                workspace: s("eu-west"),
                destination: s("enjoyhq"),
                endpoint: None,
            },
            "destination `enjoyhq` does not list region `eu-west`",
        ),
        (
            Question::Store {
                workspace: s("eu-west"),
                store: s("redshift"),
                cloud_region: s("aws:eu-west-2"),
            },
            "`aws:eu-west-2` (GB) is outside `regions[eu-west].customer_storage`",
        ),
        (
            Question::Store {
                workspace: s("eu-west"),
                store: s("archive"),
                cloud_region: s("aws:eu-central-1"),
            },
            "outside `regions[eu-west].archive`",
        ),
        (
            Question::Connect {
                workspace: s("eu-west"),
                warehouse: s("redshift"),
                ip: s("3.251.148.104"),
            },
            "`regions[eu-west].warehouse_egress` (3.251.148.96/29)",
        ),
        (
            Question::Allowlist {
                workspace: s("eu-west"),
                warehouse: s("archive"),
            },
            "store `archive` is not a warehouse",
        ),
        (
            Question::Failover {
                from: s("eu-west/dublin-a"),
                to: s("us-west/dublin-a"),
            },
            "failover never crosses regions",
        ),
        (
            Question::RegionChange {
                workspace: s("eu-west"),
                to: s("us-west"),
            },
            "create a workspace in `us-west` instead",
        ),
        (
            Question::RegionChange {
                workspace: s("eu-west"),
                to: s("eu-wset"),
            },
            "did you mean `eu-west`?",
        ),
        (
            Question::Deliver {
                workspace: s("eu-west"),
                destination: s("amplitude"),
                endpoint: Some(s("apac")),
            },
            "known: ",
        ),
    ] {
        let m = message(&q);
        assert!(m.contains(says), "{q:?}: {m:?} does not contain {says:?}");
    }
}

#[test]
fn names_as_people_type_them_are_denied_with_the_id_as_a_hint() {
    let policy = policy();
    let deliver = |workspace: &str, destination: &str| Question::Deliver {
        workspace: workspace.into(),
        destination: destination.into(),
        endpoint: None,
    };
    for (typed, id) in [
        // The catalog's display name, as the Segment app shows it.
        ("Mixpanel (Actions)", "actions-mixpanel"),
        // The slug's words in another order.
        ("mixpanel-actions", "actions-mixpanel"),
        // A display name that is not the slug's words.
        ("Google Analytics 4", "actions-google-analytics-4"),
        ("Rokt", "rokt-integration"),
        // A typo, as before.
        ("amplitud", "amplitude"),
    ] {
        for workspace in ["us-west", "eu-west"] {
            let q = deliver(workspace, typed);
            let d = policy.decide(&q);
            // Still a deny: a hint is text, never a lookup.
            assert_eq!(d.verdict(), Verdict::Deny, "{typed}");
            assert!(d.has_code(ReasonCode::UnknownDestination), "{typed}");
            let m = message(&q);
            assert!(m.contains(&format!("did you mean `{id}`?")), "{typed}: {m}");
        }
        // The hint names a destination the policy knows.
        assert!(!policy
            .decide(&deliver("us-west", id))
            .has_code(ReasonCode::UnknownDestination));
    }
    // A source by its display name too.
    let q = Question::Resolve {
        workspace: "us-west".into(),
        source: "Shopify (by Littledata)".into(),
        ingestion: None,
    };
    assert_eq!(policy.decide(&q).verdict(), Verdict::Deny);
    let m = message(&q);
    assert!(m.contains("did you mean `shopify-littledata`?"), "{m}");
}

#[test]
fn explanations_quote_and_shorten_hostile_input() {
    let q = Question::Ingest {
        workspace: "eu-west".into(),
        source: "ios".into(),
        host: format!("evil\n{}", "a".repeat(5_000)),
    };
    let m = message(&q);
    assert!(m.len() < 400, "{} bytes", m.len());
    assert!(!m.contains('\n'), "{m:?}");
    assert!(m.contains('…'), "{m:?}");
}

#[test]
fn reasons_come_most_fundamental_first_and_at_most_four() {
    let policy = policy();
    let d = policy.ingest("mars", "rover", "");
    let codes: Vec<_> = d.codes().collect();
    assert_eq!(
        codes,
        [
            ReasonCode::UnknownRegion,
            ReasonCode::UnknownSource,
            ReasonCode::MalformedHost
        ]
    );
    let d = policy.store("mars", "mysql", "aws:mars-1");
    let codes: Vec<_> = d.codes().collect();
    assert_eq!(
        codes,
        [
            ReasonCode::UnknownRegion,
            ReasonCode::UnknownStore,
            ReasonCode::UnknownCloudRegion
        ]
    );
    for q in questions() {
        assert!(policy.decide(&q).reasons().count() <= MAX_REASONS);
    }
    assert!(d.codes().all(ReasonCode::is_unknown_or_malformed));
    assert!(!ReasonCode::StoreOutsideRegion.is_unknown_or_malformed());
}

#[test]
fn ids_look_up_once_and_decide_the_same() {
    let policy = policy();
    let eu = policy.region_id("eu-west").unwrap();
    let ios = policy.source_id("ios").unwrap();
    let host = policy.host_id("HTTPS://Events.EU1.segmentapis.com/v1").unwrap();
    assert_eq!(
        policy.ingest_ids(eu, ios, host),
        policy.ingest("eu-west", "ios", "events.eu1.segmentapis.com")
    );
    assert!(policy.host_id("events.eu1.segmentapis.com.evil.example").is_err());
    assert!(policy.region_id("EU-West").is_none());
    assert!(policy.source_id("nodejs").is_none());

    let a = policy.location_id("eu-west/dublin-a").unwrap();
    let b = policy.location_id("eu-west/dublin-b").unwrap();
    assert!(policy.failover_ids(a, b).is_allowed());
    assert!(policy.location_id("eu-west/dublin-d").is_none());
    assert_eq!(policy.region_name(eu), "eu-west");
    assert_eq!(
        policy
            .egress(eu)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["3.251.148.96/29"]
    );
}

#[test]
fn host_and_ip_helpers_are_public() {
    assert_eq!(
        normalize_host("HTTPS://API.Segment.IO:443/v1").unwrap().as_str(),
        "api.segment.io"
    );
    assert_eq!(
        normalize_host("api.segment.io:8443").unwrap_err(),
        HostError::Port
    );
    assert!(HostError::Port.is_unknown_rather_than_malformed());
    assert!(!HostError::Userinfo.is_unknown_rather_than_malformed());
    assert_eq!(
        parse_ip("::ffff:3.251.148.96").unwrap().to_string(),
        "3.251.148.96"
    );
    assert!(parse_ip("3.251.148.096").is_none());
}

#[test]
fn decision_is_copy_and_comparable() {
    fn copy<T: Copy>() {}
    copy::<Decision>();
    copy::<Verdict>();
    copy::<ReasonCode>();
    let d = policy().ingest("eu-west", "ios", "api.segment.io");
    let e = d; // a copy: `d` stays usable
    assert_eq!(d, e);
    assert_eq!(d.verdict(), Verdict::Deny);
    assert_eq!(
        ReasonCode::IngestionOutsideRegion.as_str(),
        "ingestion-outside-region"
    );
    assert_eq!(
        ReasonCode::IngestionOutsideRegion.to_string(),
        "ingestion-outside-region"
    );
}

#[test]
fn policy_is_send_and_sync_and_answers_the_same_on_every_thread() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Policy>();
    send_sync::<Decision>();
    let policy = Arc::new(Policy::default_policy());
    let expected: Vec<Decision> = questions().iter().map(|q| policy.decide(q)).collect();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let policy = Arc::clone(&policy);
            std::thread::spawn(move || {
                (0..200)
                    .flat_map(|_| questions())
                    .map(|q| policy.decide(&q))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        let got = thread.join().unwrap();
        for chunk in got.chunks(expected.len()) {
            assert_eq!(chunk, &expected[..]);
        }
    }
    // Scoped threads may borrow one policy without an Arc.
    let shared = Policy::default_policy();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                assert!(shared
                    .ingest("eu-west", "ios", "events.eu1.segmentapis.com")
                    .is_allowed())
            });
        }
    });
}

#[test]
fn a_cloned_policy_decides_the_same() {
    let clone = policy().clone();
    for q in questions() {
        assert_eq!(clone.decide(&q), policy().decide(&q));
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile question texts: the limits of README "Limits" hold, whatever the quoting.

/// A YAML question holds at most 32 flow openers in all, so no stray quote can hide nesting.
#[test]
fn question_flow_nesting_cannot_hide_behind_a_stray_quote() {
    let deep = format!("{}x{}", "[".repeat(40), "]".repeat(40));
    let plain = format!("ask: ingest\nworkspace: eu-west\nsource: {deep}\nhost: h\n");
    let err = Question::parse(&plain).unwrap_err();
    assert!(err.to_string().contains("deeper than 32"), "{err}");
    let hidden = format!("ask: ingest\nworkspace: a \"b\nsource: {deep}\nhost: h\n");
    let err = Question::parse(&hidden).unwrap_err();
    assert!(
        err.to_string().contains("deeper than 32"),
        "the limit was not enforced: {err}"
    );
}

/// `Question` is an internally tagged enum, so serde buffers the whole question, aliases
/// expanded, before rejecting an unknown field: one anchor of S scalars aliased K times would
/// cost S × K. Anchors with aliases are refused before parsing, so it costs nothing.
#[test]
fn question_alias_fan_out_is_refused_at_once() {
    let anchor = format!("&a [{}]", vec!["x"; 1000].join(","));
    let aliases = vec!["*a"; 1000].join(",");
    let q = format!(
        r#"{{"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "h", "x": [{anchor},{aliases}]}}"#
    );
    assert!(q.len() < 7_000);
    let started = Instant::now();
    assert!(Question::parse(&q).is_err());
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "a {} byte question took {took:?}",
        q.len()
    );
}

/// A reason code compares equal to its kebab-case name only, as `str` and as `&str`.
#[test]
fn reason_codes_compare_with_their_names() {
    let code = ReasonCode::AllowlistRequired;
    let name: &str = "allowlist-required";
    assert!(code == *name && code == name);
    for other in ["allowlist_required", "ip-not-allowlisted", ""] {
        assert!(code != *other && code != other, "{other}");
    }
}

/// Every reason code's wire name, in the codes' order (the order reports sort codes by):
/// renaming, reordering, dropping or adding a code fails
/// `reason_codes_round_trip_through_their_wire_names_in_order` until this list says so.
const WIRE_NAMES: [&str; 38] = [
    "unknown-region",
    "unknown-source",
    "unknown-host",
    "malformed-host",
    "unknown-destination",
    "unknown-endpoint",
    "unknown-cloud-region",
    "unknown-store",
    "unknown-warehouse",
    "unknown-location",
    "unknown-ingestion-region",
    "malformed-ip",
    "foreign-id",
    "source-unsupported-in-region",
    "ingestion-outside-region",
    "destination-unavailable-in-region",
    "endpoint-outside-region",
    "store-outside-region",
    "store-not-offered",
    "store-provider-mismatch",
    "ip-not-allowlisted",
    "allowlist-unknown",
    "failover-across-regions",
    "failover-across-ingestion-regions",
    "failover-same-location",
    "region-immutable",
    "host-in-region",
    "host-resolved",
    "endpoint-in-region",
    "store-in-region",
    "ip-allowlisted",
    "allowlist-required",
    "allowlist-recommended",
    "allowlist-not-needed",
    "failover-within-ingestion-region",
    "failover-listed-target",
    "region-unchanged",
    "exempted",
];

/// Each code reads back from its wire name (`as_str`, `Display` and JSON agree on it), and
/// the codes are exactly `WIRE_NAMES`, in that order, which is also their `Ord` order.
#[test]
fn reason_codes_round_trip_through_their_wire_names_in_order() {
    use strum::IntoEnumIterator;
    let codes: Vec<ReasonCode> = ReasonCode::iter().collect();
    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    assert_eq!(names, WIRE_NAMES);
    for code in &codes {
        assert_eq!(code.as_str().parse::<ReasonCode>(), Ok(*code));
        assert_eq!(code.to_string(), code.as_str());
        assert_eq!(
            serde_json::to_string(code).unwrap(),
            format!("\"{}\"", code.as_str())
        );
    }
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "codes sort in their order");
}

/// Outside the library a `match` on reason codes needs a wildcard arm, so a release may add
/// codes: this match lists every code (the test checks it), so were `ReasonCode` not
/// `#[non_exhaustive]` its last arm would be unreachable and this file would not compile.
// An explicit `match`, not `matches!`: the lint must see the wildcard arm as written.
#[deny(unreachable_patterns)]
#[allow(clippy::match_like_matches_macro)]
fn listed(code: ReasonCode) -> bool {
    use ReasonCode as C;
    match code {
        C::UnknownRegion
        | C::UnknownSource
        | C::UnknownHost
        | C::MalformedHost
        | C::UnknownDestination
        | C::UnknownEndpoint
        | C::UnknownCloudRegion
        | C::UnknownStore
        | C::UnknownWarehouse
        | C::UnknownLocation
        | C::UnknownIngestionRegion
        | C::MalformedIp
        | C::ForeignId
        | C::SourceUnsupportedInRegion
        | C::IngestionOutsideRegion
        | C::DestinationUnavailableInRegion
        | C::EndpointOutsideRegion
        | C::StoreOutsideRegion
        | C::StoreNotOffered
        | C::StoreProviderMismatch
        | C::IpNotAllowlisted
        | C::AllowlistUnknown
        | C::FailoverAcrossRegions
        | C::FailoverAcrossIngestionRegions
        | C::FailoverSameLocation
        | C::RegionImmutable
        | C::HostInRegion
        | C::HostResolved
        | C::EndpointInRegion
        | C::StoreInRegion
        | C::IpAllowlisted
        | C::AllowlistRequired
        | C::AllowlistRecommended
        | C::AllowlistNotNeeded
        | C::FailoverWithinIngestionRegion
        | C::FailoverListedTarget
        | C::RegionUnchanged
        | C::Exempted => true,
        _ => false,
    }
}

#[test]
fn reason_code_is_non_exhaustive() {
    use strum::IntoEnumIterator;
    let unlisted: Vec<ReasonCode> = ReasonCode::iter().filter(|&c| !listed(c)).collect();
    assert!(unlisted.is_empty(), "add {unlisted:?} to `listed`");
}
