#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The audit's question space, counted: each family's planned size is the number of questions
//! it asks, in full and per class, so the refusal limit and the choice of per-class
//! enumeration are made on the right numbers; and a family is asked in full exactly when its
//! product is within the threshold or no larger than its classes. Small policies only: the
//! spaces here are enumerated question by question.

use regionfence::audit::{self, Family, Plan, Space};
use regionfence::invariants::decide_and_check;
use regionfence::{Policy, Question};
use regionfence_model::gen_policy::{policy, Family as PolicyFamily};
use regionfence_model::Choices;
use std::path::Path;

fn family(q: &Question) -> Family {
    match q.ask() {
        "ingest" => Family::Ingest,
        "resolve" => Family::Resolve,
        "deliver" => Family::Deliver,
        "store" | "allowlist" => Family::Store,
        "connect" => Family::Connect,
        "failover" => Family::Failover,
        "region-change" => Family::RegionChange,
        other => panic!("{other}"),
    }
}

/// Per plan, in the plans' order: how many questions the space asks of its family; and
/// whether every family's questions come together, in the plans' order.
fn counted(space: &Space) -> Vec<u64> {
    let plans = space.plans();
    let mut counts = vec![0u64; plans.len()];
    let mut at = 0;
    space.for_each(|q| {
        let f = family(&q);
        while plans[at].family != f {
            at += 1;
            assert!(at < plans.len(), "{f} asked out of the plans' order");
        }
        counts[at] += 1;
    });
    counts
}

fn load(path: &str) -> Policy {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    Policy::from_yaml(&text).unwrap()
}

fn sizes(plans: &[Plan]) -> Vec<(Family, bool, u64)> {
    plans.iter().map(|p| (p.family, p.full, p.questions)).collect()
}

/// Every family in the fixed order, once.
fn assert_families(plans: &[Plan]) {
    let families: Vec<String> = plans.iter().map(|p| p.family.to_string()).collect();
    assert_eq!(
        families,
        [
            "ingest",
            "resolve",
            "deliver",
            "store",
            "connect",
            "failover",
            "region-change"
        ]
    );
}

/// A space's plans, and the questions it asks per family: in full the plan is the count
/// (`duplicates` aside: spellings or addresses that come out alike, asked once); per class the
/// plan is an upper bound of the count.
fn check(space: &Space, duplicates: &[(Family, u64)]) -> Vec<u64> {
    let plans = space.plans();
    assert_families(plans);
    let counts = counted(space);
    for (plan, &count) in plans.iter().zip(&counts) {
        let duplicate = duplicates
            .iter()
            .find(|(f, _)| *f == plan.family)
            .map_or(0, |(_, n)| *n);
        if plan.full {
            assert_eq!(count + duplicate, plan.questions, "{plan:?}");
        } else {
            assert!(count <= plan.questions, "{plan:?} asks {count}");
        }
    }
    assert_eq!(
        space.estimated_len(),
        plans.iter().map(|p| p.questions).sum::<u64>()
    );
    counts
}

/// Each family is asked in full exactly when its product is within the threshold or no
/// larger than its classes, and per class past it.
fn check_choice(policy: &Policy) {
    let full = audit::space_with(policy, u64::MAX);
    let classes = audit::space_with(policy, 0);
    assert!(full.plans().iter().all(|p| p.full));
    for (i, plan) in full.plans().iter().enumerate() {
        let product = plan.questions;
        let per_class = classes.plans()[i];
        // At threshold 0 a family is asked per class unless its classes are no fewer.
        if per_class.full {
            assert_eq!(per_class.questions, product, "{per_class:?}");
        } else {
            assert!(per_class.questions < product, "{per_class:?}");
        }
        let at = audit::space_with(policy, product).plans()[i];
        assert_eq!((at.full, at.questions), (true, product), "{at:?}");
        let below = audit::space_with(policy, product - 1).plans()[i];
        assert_eq!(below, per_class, "{below:?}");
    }
    assert_eq!(
        audit::space(policy).estimated_len(),
        audit::space_with(policy, audit::FULL_FAMILY_QUESTIONS).estimated_len()
    );
}

#[test]
fn the_tiny_policy_in_full_and_per_class() {
    let p = load("tests/fixtures/tiny.yaml");
    // One region (asked as itself, upper-cased and unknown: 3 workspaces), one source kind
    // and no catalog source (2 sources with the unknown one), one ingestion region with one
    // host (19 spellings, 8 hostile hosts), one destination with one endpoint and no host,
    // two stores (3 with the unknown one) in one cloud region (4 with the unknown and the
    // wrongly cased one), one loader range (6 boundary addresses, 9 hostile addresses), two
    // zones (4 locations with the unknown and the upper-cased one).
    let full = audit::space_with(&p, u64::MAX);
    check(&full, &[]);
    assert_eq!(
        sizes(full.plans()),
        [
            (Family::Ingest, true, 3 * 2 * (19 + 8)),
            (Family::Resolve, true, 3 * 2 * 3),
            (Family::Deliver, true, 3 * 4),
            (Family::Store, true, 3 * 3 * 4),
            (Family::Connect, true, 3 * 3 * (9 + 6)),
            (Family::Failover, true, 4 * 4),
            (Family::RegionChange, true, 3 * 3),
        ]
    );
    let classes = audit::space_with(&p, 0);
    let counts = check(&classes, &[]);
    assert_eq!(
        sizes(classes.plans()),
        [
            (Family::Ingest, false, 51),
            (Family::Resolve, false, 13),
            (Family::Deliver, true, 12),
            (Family::Store, true, 36),
            (Family::Connect, false, 60),
            (Family::Failover, false, 13),
            (Family::RegionChange, true, 9),
        ]
    );
    assert_eq!(counts, [50, 12, 12, 36, 54, 11, 9]);
    check_choice(&p);
}

#[test]
fn the_example_policy_in_full_and_per_class() {
    let p = load("policies/examples/exemptions.yaml");
    let full = audit::space_with(&p, u64::MAX);
    // US West loads from a single address, whose first and last address are one: asked
    // once in each of 4 workspaces × 4 stores.
    check(&full, &[(Family::Connect, 2 * 4 * 4)]);
    assert_eq!(
        sizes(full.plans()),
        [
            (Family::Ingest, true, 576),
            (Family::Resolve, true, 48),
            (Family::Deliver, true, 56),
            (Family::Store, true, 96),
            (Family::Connect, true, 336),
            (Family::Failover, true, 81),
            (Family::RegionChange, true, 16),
        ]
    );
    let classes = audit::space_with(&p, 0);
    assert_eq!(check(&classes, &[]), [88, 22, 32, 96, 88, 28, 16]);
    assert_eq!(
        sizes(classes.plans()),
        [
            (Family::Ingest, false, 88),
            (Family::Resolve, false, 22),
            (Family::Deliver, false, 37),
            (Family::Store, true, 96),
            (Family::Connect, false, 88),
            (Family::Failover, false, 30),
            (Family::RegionChange, true, 16),
        ]
    );
    check_choice(&p);
}

#[test]
fn the_default_policy_in_full_and_per_class() {
    let p = Policy::default_policy();
    let full = audit::space_with(&p, u64::MAX);
    // Hosts that ingestion regions and endpoints share (and their spellings alike), and the
    // boundary addresses of single-address loader ranges, are asked once.
    check(
        &full,
        &[(Family::Ingest, 40128 - 39424), (Family::Connect, 924 - 836)],
    );
    assert_eq!(
        sizes(full.plans()),
        [
            (Family::Ingest, true, 40128),
            (Family::Resolve, true, 2112),
            (Family::Deliver, true, 4812),
            (Family::Store, true, 6732),
            (Family::Connect, true, 924),
            (Family::Failover, true, 324),
            (Family::RegionChange, true, 16),
        ]
    );
    let classes = audit::space_with(&p, 0);
    assert_eq!(check(&classes, &[]), [500, 364, 3558, 5528, 116, 62, 16]);
    assert_eq!(
        sizes(classes.plans()),
        [
            (Family::Ingest, false, 500),
            (Family::Resolve, false, 365),
            (Family::Deliver, false, 4204),
            (Family::Store, false, 5528),
            (Family::Connect, false, 116),
            (Family::Failover, false, 63),
            (Family::RegionChange, true, 16),
        ]
    );
    check_choice(&p);
    // The audit asks exactly the space, and every exemption's own flow (here none).
    let report = audit::audit(&p).unwrap();
    assert_eq!(report.plans, audit::space(&p).plans());
    assert_eq!(
        report.questions as u64,
        counted(&audit::space(&p)).iter().sum::<u64>()
    );
}

/// A loader range of one region inside another region's.
const NESTED: &str = r#"
version: 1
name: nested
cloud_regions:
  - {id: aws:us-west-2, country: US}
groups:
  - {id: us, countries: [US]}
source_kinds:
  - {id: javascript, side: client, mechanism: regional-settings}
regions:
  - id: us-west
    default: true
    residency: strict
    jurisdiction: us
    processing: aws:us-west-2
    archive: [aws:us-west-2]
    source_kinds: [javascript]
    warehouse_egress: [52.0.0.0/8]
    ingestion:
      - {id: oregon, default: true, cloud_region: aws:us-west-2, hosts: [api.us.example], zones: [a]}
  - id: edge
    residency: edge-ingest
    jurisdiction: us
    processing: aws:us-west-2
    archive: [aws:us-west-2]
    source_kinds: [javascript]
    warehouse_egress: [52.25.130.38/32]
    ingestion:
      - {id: relay, default: true, cloud_region: aws:us-west-2, hosts: [relay.example], zones: [a]}
stores:
  - {id: archive, kind: archive, clouds: [aws]}
  - {id: redshift, kind: warehouse, clouds: [aws], allowlist: required}
"#;

#[test]
fn a_nested_loader_range_is_counted_per_class() {
    let p = Policy::from_yaml(NESTED).unwrap();
    let classes = audit::space_with(&p, 0);
    let counts = check(&classes, &[]);
    let connect = classes.plans()[4];
    assert_eq!(connect.family, Family::Connect);
    assert!(!connect.full);
    // Per region its own and one other region's boundaries, every hostile address and
    // every store; and the inner range's boundaries in the outer region: the estimate is
    // the count.
    assert_eq!(counts[4], connect.questions);
    assert_eq!(connect.questions, 4 * (3 + 9 + 6) + 6 * (2 + 1));
}

/// The per-class space asks the questions its class arguments promise, with each region's
/// own names: every source with the region's own first host, its own ingestion regions
/// with a source it supports, every store from an address of its own loader range, and its
/// own hosts with a source it supports; the engine allows each.
#[test]
fn per_class_each_region_is_asked_with_its_own_names() {
    let p = load("policies/examples/exemptions.yaml");
    let mut asked: Vec<Question> = Vec::new();
    audit::space_with(&p, 0).for_each(|q| asked.push(q));
    let allowed =
        |pred: &dyn Fn(&Question) -> bool| asked.iter().any(|q| pred(q) && p.decide(q).is_allowed());
    for (region, host, ingestion, address) in [
        ("us-west", "api.segment.io", "oregon", "52.25.130.38"),
        ("eu-west", "events.eu1.segmentapis.com", "dublin", "3.251.148.96"),
    ] {
        for source in ["javascript", "server"] {
            let q = Question::Ingest {
                workspace: region.into(),
                source: source.into(),
                host: host.into(),
            };
            assert!(asked.contains(&q), "{q:?}");
            assert!(p.decide(&q).is_allowed(), "{q:?}");
        }
        assert!(
            allowed(
                &|q| matches!(q, Question::Resolve { workspace, ingestion: Some(i), .. }
                if workspace == region && i == ingestion)
            ),
            "resolve {ingestion} in {region}"
        );
        assert!(
            allowed(&|q| matches!(q, Question::Ingest { workspace, host: h, .. }
                if workspace == region && h == host)),
            "ingest from {host} in {region}"
        );
        for store in ["archive", "data-lake", "redshift", "No-Such-Name"] {
            let q = Question::Connect {
                workspace: region.into(),
                warehouse: store.into(),
                ip: address.into(),
            };
            assert!(asked.contains(&q), "{q:?}");
        }
    }
}

/// Per family, the reasons a space's questions get, each with its decision's verdict (an
/// allowed decision's reasons in full).
fn outcomes(p: &Policy, space: &Space) -> std::collections::BTreeSet<(String, String)> {
    let mut out = std::collections::BTreeSet::new();
    space.for_each(|q| {
        let d = p.decide(&q);
        let f = family(&q).to_string();
        if d.is_allowed() {
            let codes: Vec<&str> = d.codes().map(|c| c.as_str()).collect();
            out.insert((f, format!("allow {}", codes.join(","))));
        } else {
            for c in d.codes() {
                out.insert((f.clone(), format!("deny {}", c.as_str())));
            }
        }
    });
    out
}

/// Asked per class, a family reaches every answer its whole product reaches: every allowed
/// answer and every reason of a denial (several unknown names in one question are asked
/// one at a time): the classes lose questions, never a kind of answer.
#[test]
fn per_class_every_decision_of_the_full_space_is_reached() {
    for p in [
        load("policies/examples/exemptions.yaml"),
        Policy::default_policy(),
    ] {
        let full = outcomes(&p, &audit::space_with(&p, u64::MAX));
        let classes = outcomes(&p, &audit::space_with(&p, 0));
        let missing: Vec<_> = full.difference(&classes).collect();
        assert!(missing.is_empty(), "{}: {missing:?}", p.name());
    }
}

/// Where a space's questions break an invariant: the invariant, the question kind, the
/// workspace (a failover's `from` region) and, for a store question, the cloud region. A
/// class stands for its members in every workspace and cloud region, so the per-class space
/// breaks an invariant wherever the full space does.
fn broken_where(p: &Policy, space: &Space) -> std::collections::BTreeSet<(String, String, String, String)> {
    let mut out = std::collections::BTreeSet::new();
    space.for_each(|q| {
        let (_, violations) = decide_and_check(p, &q);
        for v in violations {
            let (workspace, cloud) = match &q {
                Question::Store {
                    workspace,
                    cloud_region,
                    ..
                } => (workspace.clone(), cloud_region.clone()),
                Question::Failover { from, .. } => {
                    (from.split('/').next().unwrap_or("").to_string(), String::new())
                }
                Question::Ingest { workspace, .. }
                | Question::Resolve { workspace, .. }
                | Question::Deliver { workspace, .. }
                | Question::Connect { workspace, .. }
                | Question::Allowlist { workspace, .. }
                | Question::RegionChange { workspace, .. } => (workspace.clone(), String::new()),
            };
            out.insert((v.invariant.to_string(), q.ask().to_string(), workspace, cloud));
        }
    });
    out
}

/// Asserts that the space asked per class breaks every invariant where the full space does.
fn same_breaks(p: &Policy) -> Result<(), String> {
    let full = broken_where(p, &audit::space_with(p, u64::MAX));
    let classes = broken_where(p, &audit::space_with(p, 0));
    let missing: Vec<_> = full.difference(&classes).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "per class, no question breaks {missing:?}\npolicy:\n{}",
            p.to_yaml().unwrap_or_default()
        ))
    }
}

/// Two warehouses alike in kind, clouds and allowlisting, offered to different regions, and a
/// strict region whose customer stores may be anywhere: only the one offered there breaks
/// residency, and the per-class audit finds it as the full one does.
#[test]
fn stores_offered_to_different_regions_are_different_classes() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/broken/base.yaml"),
    )
    .unwrap()
    .replace(
        "    archive: [aws:eu-west-1]\n",
        "    archive: [aws:eu-west-1]\n    customer_storage: any\n",
    )
    .replace(
        "  - {id: redshift, kind: warehouse, clouds: [aws], allowlist: required}",
        "  - {id: redshift, kind: warehouse, clouds: [aws], allowlist: required, regions: [us-west]}\n  \
             - {id: redshift-eu, kind: warehouse, clouds: [aws], allowlist: required, regions: [eu-west]}",
    );
    let p = Policy::from_yaml(&text).unwrap();
    let full = audit::audit_with(&p, u64::MAX).unwrap();
    let classes = audit::audit_with(&p, 0).unwrap();
    assert!(!full.passed(), "{}", full.to_text());
    assert!(full.to_text().contains("redshift-eu"), "{}", full.to_text());
    assert!(!classes.passed(), "{}", classes.to_text());
    assert!(classes.to_text().contains("redshift-eu"), "{}", classes.to_text());
    same_breaks(&p).unwrap();
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_none() { crate::long_or_light(256, 16) } else { proptest::prelude::ProptestConfig::default().cases },
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// On random policies, hostile ones included, the space asked per equivalence class
    /// breaks each invariant in every workspace (and cloud region) where the full space
    /// breaks it.
    #[test]
    fn per_class_every_break_of_the_full_space_is_found(
        tape in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
    ) {
        let doc = policy(&mut Choices::new(&tape), PolicyFamily::Any);
        let p = Policy::compile(doc).unwrap();
        if let Err(e) = same_breaks(&p) {
            proptest::prop_assert!(false, "{}", e);
        }
    }
}
