//! The audit's lints, each on a policy that earns it and on one that does not: exactly the
//! findings expected, with their codes and messages.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use regionfence::audit::{lints, Severity};
use regionfence::Policy;

/// Every lint, once: kinds no region supports (five: all shown), groups holding no cloud
/// region (seven: five shown), an idle destination and source, a kind a region supports only
/// by name with no catalog source naming the region, a strict region's destination
/// without an endpoint at home, CIDRs overlapping across regions (and one overlap within a
/// region, which is no finding), a host under two regions (and one under two ingestion regions
/// of one region, which is none), a cloud region in no group.
const LINTED: &str = r#"
version: 1
name: linted
cloud_regions:
  - {id: aws:eu-west-1, country: IE}
  - {id: aws:us-west-2, country: US}
  - {id: aws:ap-southeast-1, country: SG}
groups:
  - {id: eu, countries: [IE]}
  - {id: us, countries: [US]}
  - {id: g1, countries: [FR]}
  - {id: g2, countries: [FR]}
  - {id: g3, countries: [FR]}
  - {id: g4, countries: [FR]}
  - {id: g5, countries: [FR]}
  - {id: g6, countries: [FR]}
  - {id: g7, countries: []}
source_kinds:
  - {id: javascript, side: client, mechanism: regional-settings}
  - {id: server, side: server, mechanism: host-parameter}
  - {id: k1, side: client, mechanism: managed}
  - {id: k2, side: client, mechanism: managed}
  - {id: k3, side: client, mechanism: managed}
  - {id: k4, side: client, mechanism: managed}
  - {id: k5, side: client, mechanism: managed}
regions:
  - id: us-west
    default: true
    residency: edge-ingest
    jurisdiction: us
    processing: aws:us-west-2
    archive: [aws:us-west-2]
    source_kinds: [javascript]
    catalog_only_kinds: [javascript]
    warehouse_egress: [10.1.0.0/16]
    ingestion:
      - {id: oregon, default: true, cloud_region: aws:us-west-2, hosts: [api.segment.io, shared.example], zones: [a]}
  - id: eu-west
    residency: strict
    jurisdiction: eu
    processing: aws:eu-west-1
    archive: [aws:eu-west-1]
    source_kinds: [javascript]
    warehouse_egress: [10.0.0.0/8, 10.2.0.0/16]
    ingestion:
      - {id: dublin, default: true, cloud_region: aws:eu-west-1, hosts: [events.eu1.example, twice.example], zones: [a]}
      - {id: cork, cloud_region: aws:eu-west-1, hosts: [twice.example, shared.example], zones: [a]}
sources:
  - {id: node-js, kind: server, regions: [us-west]}
  - {id: old, kind: javascript, regions: []}
destinations:
  - {id: amplitude, regions: [us-west, eu-west], endpoints: [{id: eu, jurisdiction: eu, hosts: [api.eu.example]}]}
  - {id: usonly, regions: [us-west, eu-west], endpoints: [{id: us, jurisdiction: us, hosts: [api.us.example]}]}
  - {id: idle, regions: [], endpoints: [{id: us, jurisdiction: us, hosts: [idle.example]}]}
stores:
  - {id: archive, kind: archive, clouds: [aws]}
"#;

#[test]
fn each_lint_is_found_with_its_message() {
    let policy = Policy::from_yaml(LINTED).unwrap();
    let found: Vec<(&str, String)> = lints(&policy)
        .into_iter()
        .map(|l| {
            assert_eq!(l.severity, Severity::Warning);
            (l.code, l.message)
        })
        .collect();
    let expected: Vec<(&str, String)> = [
        (
            "unreferenced-entry",
            "source kinds no region supports: `k1`, `k2`, `k3`, `k4`, `k5`",
        ),
        (
            "unreferenced-entry",
            "groups holding no cloud region: `g1`, `g2`, `g3`, `g4`, `g5` and 2 more",
        ),
        ("unreferenced-entry", "destinations available in no region: `idle`"),
        ("unreferenced-entry", "sources usable in no region: `old`"),
        (
            "catalog-only-without-sources",
            "region `us-west` supports `javascript` only as catalog sources, and none of them lists the region: no source of those kinds runs there",
        ),
        (
            "no-in-region-endpoint",
            "strict region `eu-west` lists 1 destination(s) with no endpoint inside its `deliver_to` (`eu`): `usonly`; their deliveries are denied",
        ),
        (
            "overlapping-cidrs",
            "`10.0.0.0/8` of region `eu-west` overlaps `10.1.0.0/16` of region `us-west`",
        ),
        (
            "shared-host",
            "host `shared.example` is listed under regions `eu-west`, `us-west`",
        ),
        ("cloud-region-in-no-group", "cloud regions in no group: `aws:ap-southeast-1`"),
    ]
    .into_iter()
    .map(|(c, m)| (c, m.to_string()))
    .collect();
    assert_eq!(found, expected);
}

#[test]
fn a_tidy_policy_earns_no_lint() {
    let tidy = LINTED
        .lines()
        .filter(|l| {
            ![
                "k1", "k2", "k3", "k4", "k5", "g1", "g2", "g3", "g4", "g5", "g6", "g7",
            ]
            .iter()
            .any(|id| l.contains(&format!("{{id: {id},")))
        })
        .filter(|l| !l.contains("id: old") && !l.contains("id: idle") && !l.contains("id: usonly"))
        .filter(|l| !l.contains("aws:ap-southeast-1"))
        .filter(|l| !l.contains("catalog_only_kinds"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(
            "warehouse_egress: [10.1.0.0/16]",
            "warehouse_egress: [192.0.2.0/24]",
        )
        .replace(", shared.example]", "]");
    let policy = Policy::from_yaml(&tidy).unwrap();
    assert_eq!(lints(&policy), vec![], "{tidy}");
}

/// The stranded-destination lint reads the deliver rule, not the jurisdiction: a strict region
/// delivering to `us` as well strands no US-only destination, and one delivering to a single
/// group other than its own strands the destinations with no endpoint there.
#[test]
fn a_stranded_destination_is_one_the_deliver_rule_denies_everywhere() {
    let lint_of = |yaml: &str| {
        let policy = Policy::from_yaml(yaml).unwrap();
        lints(&policy)
            .into_iter()
            .filter(|l| l.code == "no-in-region-endpoint")
            .map(|l| l.message)
            .collect::<Vec<_>>()
    };
    let wider = LINTED.replace(
        "    residency: strict\n    jurisdiction: eu\n",
        "    residency: strict\n    jurisdiction: eu\n    deliver_to: [eu, us]\n",
    );
    assert_ne!(wider, LINTED);
    assert_eq!(lint_of(&wider), Vec::<String>::new());
    let elsewhere = LINTED.replace(
        "    residency: strict\n    jurisdiction: eu\n",
        "    residency: strict\n    jurisdiction: eu\n    deliver_to: [us]\n",
    );
    assert_eq!(
        lint_of(&elsewhere),
        ["strict region `eu-west` lists 1 destination(s) with no endpoint inside its `deliver_to` (`us`): `amplitude`; their deliveries are denied"]
    );
    let nowhere = LINTED.replace(
        "    residency: strict\n    jurisdiction: eu\n",
        "    residency: strict\n    jurisdiction: eu\n    deliver_to: []\n",
    );
    assert_eq!(
        lint_of(&nowhere),
        ["strict region `eu-west` lists 2 destination(s) with no endpoint inside its `deliver_to` (none): `amplitude`, `usonly`; their deliveries are denied"]
    );
    // What the lint says is what the engine decides.
    let policy = Policy::from_yaml(&elsewhere).unwrap();
    assert!(!policy.deliver("eu-west", "amplitude", None::<&str>).is_allowed());
    assert!(policy.deliver("eu-west", "usonly", None::<&str>).is_allowed());
}
