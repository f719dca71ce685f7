//! Unit tables for every question, against the default policy.

use crate::decision::ReasonCode::{self, *};
use crate::Policy;
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(Policy::default_policy)
}

macro_rules! allowed {
    ($method:ident($($arg:expr),*)) => {{
        let d = policy().$method($($arg),*);
        assert!(d.is_allowed(), "{}({:?}) denied: {:?}", stringify!($method), ($($arg),*), d);
    }};
}
macro_rules! denied {
    ($method:ident($($arg:expr),*) => $code:expr) => {{
        let d = policy().$method($($arg),*);
        assert!(!d.is_allowed(), "{}({:?}) allowed", stringify!($method), ($($arg),*));
        let code: ReasonCode = $code;
        assert!(d.has_code(code), "{}({:?}): {:?} lacks {code}", stringify!($method), ($($arg),*), d);
    }};
}

#[test]
fn ingest() {
    allowed!(ingest("us-west", "javascript", "api.segment.io"));
    allowed!(ingest("us-west", "ios", "in.eu2.segmentapis.com"));
    allowed!(ingest("us-west", "android", "in.ap1.segmentapis.com"));
    allowed!(ingest("us-west", "react-native", "in.au1.segmentapis.com"));
    allowed!(ingest("us-west", "salesforce", "api.segment.io"));
    allowed!(ingest(
        "eu-west",
        "server",
        "https://events.eu1.segmentapis.com/v1/"
    ));
    allowed!(ingest("eu-west", "node-js", "EVENTS.EU1.SEGMENTAPIS.COM."));
    allowed!(ingest("eu-west", "project", "events.eu1.segmentapis.com:443"));
    denied!(ingest("eu-west", "javascript", "api.segment.io") => IngestionOutsideRegion);
    denied!(ingest("eu-west", "javascript", "in.eu2.segmentapis.com") => IngestionOutsideRegion);
    denied!(ingest("us-west", "javascript", "events.eu1.segmentapis.com") => IngestionOutsideRegion);
    denied!(ingest("eu-west", "cloud-event", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion);
    denied!(ingest("eu-west", "cloud-object", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion);
    denied!(ingest("eu-west", "salesforce", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion);
    denied!(ingest("eu-west", "swift-ios", "events.eu1.segmentapis.com") => SourceUnsupportedInRegion);
    denied!(ingest("EU-West", "javascript", "events.eu1.segmentapis.com") => UnknownRegion);
    denied!(ingest("eu-west", "cobol", "events.eu1.segmentapis.com") => UnknownSource);
    denied!(ingest("eu-west", "javascript", "events.eu1.segmentapis.com.evil.example") => UnknownHost);
    denied!(ingest("eu-west", "javascript", "3.251.148.97") => UnknownHost);
    denied!(ingest("eu-west", "javascript", "events.eu1.segmentapis.com:8443") => UnknownHost);
    denied!(ingest("eu-west", "javascript", "user@events.eu1.segmentapis.com") => MalformedHost);
    denied!(ingest("eu-west", "javascript", "*.segmentapis.com") => MalformedHost);
    denied!(ingest("eu-west", "javascript", "") => MalformedHost);
}

#[test]
fn every_unknown_name_is_reported_at_once() {
    let d = policy().ingest("mars", "cobol", "user@x");
    let codes: Vec<_> = d.codes().collect();
    assert_eq!(codes, [UnknownRegion, UnknownSource, MalformedHost]);
}

#[test]
fn resolve() {
    allowed!(resolve("eu-west", "javascript", None::<&str>));
    allowed!(resolve("us-west", "server", Some("dublin")));
    denied!(resolve("eu-west", "javascript", Some("singapore")) => IngestionOutsideRegion);
    denied!(resolve("eu-west", "javascript", Some("atlantis")) => UnknownIngestionRegion);
    denied!(resolve("eu-west", "cloud-event", None::<&str>) => SourceUnsupportedInRegion);
    denied!(resolve("nowhere", "javascript", None::<&str>) => UnknownRegion);
}

#[test]
fn deliver() {
    allowed!(deliver("eu-west", "amplitude", None::<&str>));
    allowed!(deliver("eu-west", "amplitude", Some("eu")));
    allowed!(deliver(
        "eu-west",
        "mixpanel",
        Some("https://API-EU.mixpanel.com/track")
    ));
    allowed!(deliver("us-west", "amplitude", Some("eu")));
    allowed!(deliver("us-west", "google-analytics", None::<&str>));
    denied!(deliver("eu-west", "amplitude", Some("us")) => EndpointOutsideRegion);
    denied!(deliver("eu-west", "amplitude", Some("api2.amplitude.com")) => EndpointOutsideRegion);
    denied!(deliver("eu-west", "google-analytics", None::<&str>) => EndpointOutsideRegion);
    denied!(deliver("eu-west", "amplitude", Some("api.eu.amplitude.com.evil.example")) => UnknownEndpoint);
    denied!(deliver("eu-west", "no-such-destination", None::<&str>) => UnknownDestination);
}

#[test]
fn deliver_names_the_endpoint_and_its_host() {
    let q = crate::Question::Deliver {
        workspace: "eu-west".into(),
        destination: "amplitude".into(),
        endpoint: None,
    };
    let e = policy().decide(&q).explain(policy(), &q);
    assert_eq!(e.resolved.endpoint.as_deref(), Some("eu"));
    assert_eq!(e.resolved.host.as_deref(), Some("api.eu.amplitude.com"));
}

#[test]
fn store() {
    allowed!(store("eu-west", "archive", "aws:eu-west-1"));
    allowed!(store("eu-west", "redshift", "aws:eu-central-1"));
    allowed!(store("eu-west", "bigquery", "gcp:europe-west3"));
    allowed!(store("eu-west", "azuresqldw", "azure:westeurope"));
    allowed!(store("us-west", "snowflake", "aws:ap-southeast-2"));
    denied!(store("eu-west", "archive", "aws:us-west-2") => StoreOutsideRegion);
    denied!(store("eu-west", "archive", "aws:eu-central-1") => StoreOutsideRegion);
    denied!(store("eu-west", "redshift", "aws:eu-west-2") => StoreOutsideRegion);
    denied!(store("eu-west", "bigquery", "gcp:europe-west6") => StoreOutsideRegion);
    denied!(store("eu-west", "redshift", "gcp:europe-west3") => StoreProviderMismatch);
    denied!(store("eu-west", "redshift", "aws:mars-1") => UnknownCloudRegion);
    denied!(store("eu-west", "lake", "aws:eu-west-1") => UnknownStore);
    // The 2022 AWS data lake is offered to both regions, EU West keeping it in the EU; the
    // Azure one to US West only: nowhere for EU West, even in the EU.
    allowed!(store("eu-west", "data-lake", "aws:eu-west-1"));
    denied!(store("eu-west", "data-lake", "aws:us-east-1") => StoreOutsideRegion);
    denied!(store("eu-west", "data-lake", "azure:westeurope") => StoreProviderMismatch);
    allowed!(store("us-west", "data-lake-azure", "azure:westeurope"));
    denied!(store("eu-west", "data-lake-azure", "azure:denmarkeast") => StoreNotOffered);
}

/// A small policy whose strict region supports `cloud-event` only by name, and offers its
/// lake store to the other region only.
const CATALOG_ONLY: &str = r#"
version: 1
name: catalog-only
cloud_regions:
  - {id: aws:eu-west-1, country: IE}
  - {id: aws:us-west-2, country: US}
groups:
  - {id: eu, countries: [IE]}
  - {id: us, countries: [US]}
source_kinds:
  - {id: server, side: server, mechanism: host-parameter}
  - {id: cloud-event, side: cloud, mechanism: managed}
regions:
  - id: us-west
    default: true
    residency: edge-ingest
    jurisdiction: us
    processing: aws:us-west-2
    archive: [aws:us-west-2]
    source_kinds: [server, cloud-event]
    ingestion:
      - {id: oregon, default: true, cloud_region: aws:us-west-2, hosts: [api.segment.io]}
  - id: eu-west
    residency: strict
    jurisdiction: eu
    processing: aws:eu-west-1
    archive: [aws:eu-west-1]
    source_kinds: [server, cloud-event]
    catalog_only_kinds: [cloud-event]
    ingestion:
      - {id: dublin, default: true, cloud_region: aws:eu-west-1, hosts: [events.eu1.segmentapis.com]}
sources:
  - {id: airship, kind: cloud-event, regions: [us-west]}
  - {id: iterable, kind: cloud-event, regions: [us-west, eu-west]}
  - {id: unity, kind: server, regions: [us-west]}
stores:
  - {id: lake, kind: data-lake, clouds: [aws], regions: [us-west]}
  - {id: redshift, kind: warehouse, clouds: [aws], allowlist: required}
"#;

#[test]
fn catalog_only_kinds_and_offered_stores() {
    let p = Policy::from_yaml(CATALOG_ONLY).unwrap();
    let eu_host = "events.eu1.segmentapis.com";
    // The bare kind is denied where it is catalog-only; its sources listing the region are not.
    for d in [
        p.ingest("eu-west", "cloud-event", eu_host),
        p.resolve("eu-west", "cloud-event", None),
    ] {
        assert!(d.has_code(SourceUnsupportedInRegion), "{d:?}");
    }
    assert!(p.ingest("eu-west", "iterable", eu_host).is_allowed());
    assert!(p.resolve("eu-west", "iterable", None).is_allowed());
    assert!(p
        .ingest("eu-west", "airship", eu_host)
        .has_code(SourceUnsupportedInRegion));
    // Elsewhere the bare kind stays supported, and a kind not catalog-only is supported bare
    // whatever its catalog sources.
    assert!(p.ingest("us-west", "cloud-event", "api.segment.io").is_allowed());
    assert!(p.ingest("eu-west", "server", eu_host).is_allowed());
    // The explanation says why and what to name instead.
    let q = crate::Question::Ingest {
        workspace: "eu-west".into(),
        source: "cloud-event".into(),
        host: eu_host.into(),
    };
    let message = p.decide(&q).explain(&p, &q).reasons[0].message.clone();
    assert!(message.contains("catalog_only_kinds"), "{message}");
    assert!(
        message.contains("`iterable`") && !message.contains("airship"),
        "{message}"
    );
    // A store offered to US West only: denied to EU West everywhere, with its own message.
    assert!(p.store("us-west", "lake", "aws:eu-west-1").is_allowed());
    let q = crate::Question::Store {
        workspace: "eu-west".into(),
        store: "lake".into(),
        cloud_region: "aws:eu-west-1".into(),
    };
    let d = p.decide(&q);
    assert!(d.has_code(StoreNotOffered) && !d.has_code(StoreOutsideRegion));
    let message = d.explain(&p, &q).reasons[0].message.clone();
    assert!(message.contains("stores[lake].regions"), "{message}");
    assert!(p.store("eu-west", "redshift", "aws:eu-west-1").is_allowed());
}

#[test]
fn connect_and_allowlist() {
    allowed!(connect("eu-west", "redshift", "3.251.148.96"));
    allowed!(connect("eu-west", "postgres", "3.251.148.103"));
    allowed!(connect("eu-west", "postgres", "::ffff:3.251.148.100"));
    allowed!(connect("us-west", "redshift", "52.25.130.38"));
    denied!(connect("eu-west", "redshift", "3.251.148.104") => IpNotAllowlisted);
    denied!(connect("eu-west", "redshift", "52.25.130.38") => IpNotAllowlisted);
    denied!(connect("eu-west", "redshift", "03.251.148.96") => MalformedIp);
    denied!(connect("eu-west", "archive", "3.251.148.96") => UnknownWarehouse);
    allowed!(allowlist("eu-west", "redshift"));
    allowed!(allowlist("eu-west", "bigquery"));
    denied!(allowlist("eu-west", "data-lake") => UnknownWarehouse);
}

#[test]
fn failover_and_region_change() {
    allowed!(failover("eu-west/dublin-a", "eu-west/dublin-c"));
    allowed!(failover("us-west/oregon-d", "us-west/oregon-a"));
    denied!(failover("eu-west/dublin-a", "us-west/dublin-a") => FailoverAcrossRegions);
    denied!(failover("us-west/oregon-a", "us-west/dublin-a") => FailoverAcrossIngestionRegions);
    denied!(failover("eu-west/dublin-a", "eu-west/dublin-a") => FailoverSameLocation);
    denied!(failover("eu-west/dublin-d", "eu-west/dublin-a") => UnknownLocation);
    allowed!(region_change("eu-west", "eu-west"));
    denied!(region_change("eu-west", "us-west") => RegionImmutable);
    denied!(region_change("us-west", "eu-west") => RegionImmutable);
    denied!(region_change("us-west", "mars") => UnknownRegion);
}

/// The fast path finds a listed host written in every usual way, and leaves every other
/// spelling to the full normalisation (which decides it the same way or refuses it).
#[test]
fn listed_hosts_are_found_without_normalising() {
    let p = policy();
    let id = p.host_id("api.segment.io").ok();
    assert!(id.is_some());
    for raw in [
        "api.segment.io",
        "api.segment.io.",
        "API.Segment.IO",
        "https://api.segment.io",
        "HTTPS://api.segment.io.:443/v1",
        "http://api.segment.io:80?x",
        "api.segment.io:443",
        "api.segment.io#f",
    ] {
        assert_eq!(p.listed_host(raw.as_bytes()), id, "{raw}");
    }
    for raw in [
        "api.segment.io..",
        "api.segment.io:8443",
        "https://api.segment.io:80",
        "user@api.segment.io",
        "api.segment.io.evil.example",
        "xapi.segment.io",
        "",
    ] {
        assert_eq!(p.listed_host(raw.as_bytes()), None, "{raw}");
    }
    let long = format!(
        "api.segment.io/{}",
        "p".repeat(crate::limits::MAX_HOST_INPUT_BYTES)
    );
    assert_eq!(p.listed_host(long.as_bytes()), None);
    assert_eq!(
        p.listed_host(&long.as_bytes()[..crate::limits::MAX_HOST_INPUT_BYTES]),
        id
    );
}

/// The delimiter scan reaches past the longest listed name, its trailing dot and the
/// delimiter: every listed host is found so written, the longest too.
#[test]
fn every_listed_host_is_found_with_a_dot_and_a_path() {
    let p = policy();
    let longest = p.hosts.max_name_len();
    let mut reached_longest = false;
    for id in p.hosts.ids() {
        let name = p.hosts.name(id);
        reached_longest |= name.len() == longest;
        for raw in [
            format!("{name}./v1"),
            format!("https://{name}.:443/v1"),
            format!("{name}."),
        ] {
            assert_eq!(p.listed_host(raw.as_bytes()), Some(id), "{raw}");
        }
    }
    assert!(reached_longest);
}

/// The deliver rule hands out a region's default endpoint without asking where it lies: every
/// default is one the region may deliver to, and a destination without one has no such
/// endpoint at all (so `Outside` is right), in every policy the project ships.
#[test]
fn a_default_endpoint_is_one_the_region_may_deliver_to() {
    use super::deliver::Delivery;
    for text in [
        crate::DEFAULT_POLICY_YAML,
        include_str!("../../policies/segment-2025.yaml"),
        include_str!("../../policies/examples/exemptions.yaml"),
    ] {
        let p = Policy::from_yaml(text).unwrap();
        let mut defaults = 0;
        for (d, entry) in p.destinations.with_ids() {
            for r in p.region_ids() {
                let inside = entry
                    .endpoints_with_ids(p.identity)
                    .any(|(e, _)| p.endpoint_inside(r, d, e));
                match p.default_endpoint(d, r) {
                    Some(e) => {
                        assert!(p.endpoint_inside(r, d, e), "{} {}", p.name(), entry.name);
                        defaults += 1;
                    }
                    None => assert!(!inside, "{} {}", p.name(), entry.name),
                }
                if p.destination_listed(d, r) {
                    let expected = p
                        .default_endpoint(d, r)
                        .map_or(Delivery::Outside, Delivery::Through);
                    assert_eq!(p.delivery(r, d, None), expected);
                } else {
                    assert_eq!(p.delivery(r, d, None), Delivery::Unavailable);
                }
            }
        }
        assert!(defaults > 0, "{}", p.name());
    }
}
