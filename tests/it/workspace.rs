#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Checking a workspace configuration through the library: one test per violation kind and
//! per fix kind, on both shipped policies; every fix is applied and checked again; the
//! shipped examples are checked.

use regionfence::workspace::{apply, check_change, fix_all, fix_text, PatchOp, Violation, Workspace};
use regionfence::Policy;
use serde_json::json;
use std::path::Path;

fn policies() -> Vec<(&'static str, Policy)> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/segment-2025.yaml"))
            .unwrap();
    vec![
        ("2022", Policy::default_policy()),
        ("2025", Policy::from_yaml(&text).unwrap()),
    ]
}

fn workspace(region: &str, body: &str) -> Workspace {
    Workspace::parse(&format!("version: 1\nworkspace: test\nregion: {region}\n{body}")).unwrap()
}

/// The configuration's only violation; its fix, applied, removes it and adds none.
fn only(policy: &Policy, ws: &Workspace) -> Violation {
    let report = policy.check_workspace(ws);
    assert_eq!(report.violations.len(), 1, "{:#?}", report.violations);
    let v = report.violations[0].clone();
    if v.fix.has_edit() {
        let fixed = apply(ws, &v.fix.patch).unwrap();
        let after = policy.check_workspace(&fixed);
        assert!(after.is_compliant(), "{} left {:#?}", v.path, after.violations);
    }
    v
}

/// The questions the check of a compliant EU West configuration asks the default policy.
fn compliant_questions(body: &str) -> usize {
    let report = Policy::default_policy().check_workspace(&workspace("eu-west", body));
    assert!(report.is_compliant(), "{body}: {:?}", report.violations);
    report.questions
}

fn replace(path: &str, value: &str) -> Vec<PatchOp> {
    vec![PatchOp::Replace {
        path: path.into(),
        value: value.into(),
    }]
}

fn remove(path: &str) -> Vec<PatchOp> {
    vec![PatchOp::Remove { path: path.into() }]
}

#[test]
fn host_of_another_region_is_set_to_the_resolved_host() {
    for (name, policy) in policies() {
        let ws = workspace(
            "eu-west",
            "sources: [{id: api, source: server, host: 'https://api.segment.io/v1'}]\n",
        );
        let v = only(&policy, &ws);
        assert_eq!(v.path, "sources[0].host", "{name}");
        assert_eq!(v.pointer, "/sources/0/host");
        assert_eq!(v.code.as_str(), "ingestion-outside-region");
        assert_eq!(v.fix.sentence, "set `host` to `events.eu1.segmentapis.com`");
        assert_eq!(
            v.fix.patch,
            replace("/sources/0/host", "events.eu1.segmentapis.com")
        );
    }
}

#[test]
fn unknown_and_malformed_hosts_get_the_resolved_host() {
    let policy = Policy::default_policy();
    for (host, code) in [
        ("events.eu1.segmentapis.com.evil.example", "unknown-host"),
        ("user@events.eu1.segmentapis.com", "malformed-host"),
    ] {
        let ws = workspace(
            "us-west",
            &format!("sources: [{{id: api, source: server, host: '{host}'}}]\n"),
        );
        let v = only(&policy, &ws);
        assert_eq!(v.code.as_str(), code);
        assert_eq!(v.fix.patch, replace("/sources/0/host", "api.segment.io"));
    }
}

#[test]
fn ingestion_region_elsewhere_or_unknown_becomes_the_default() {
    for (name, policy) in policies() {
        for (ingestion, code) in [
            ("oregon", "ingestion-outside-region"),
            ("atlantis", "unknown-ingestion-region"),
        ] {
            let ws = workspace(
                "eu-west",
                &format!("sources: [{{id: web, source: javascript, ingestion: {ingestion}}}]\n"),
            );
            let v = only(&policy, &ws);
            assert_eq!(
                (v.path.as_str(), v.code.as_str()),
                ("sources[0].ingestion", code),
                "{name}"
            );
            assert_eq!(
                v.fix.sentence,
                "choose `dublin`, the default ingestion region of `eu-west`"
            );
            assert_eq!(v.fix.patch, replace("/sources/0/ingestion", "dublin"));
        }
    }
}

#[test]
fn unsupported_source_has_no_edit_that_keeps_it() {
    for (name, policy) in policies() {
        let ws = workspace(
            "eu-west",
            "sources: [{id: web, source: javascript}, {id: crm, source: activecampaign}]\n",
        );
        let v = only(&policy, &ws);
        assert_eq!(v.path, "sources[1].source", "{name}");
        assert_eq!(v.code.as_str(), "source-unsupported-in-region");
        assert!(
            v.fix.sentence.contains("no edit keeps this source; remove it"),
            "{}",
            v.fix.sentence
        );
        assert_eq!(v.fix.patch, remove("/sources/1"));
    }
}

#[test]
fn unknown_names_are_violations_with_a_hint_and_no_edit() {
    for (name, policy) in policies() {
        let cases = [
            ("sources: [{id: a, source: javascrip}]\n", "sources[0].source", "unknown-source", "`javascript`"),
            ("destinations: [{id: a, destination: mixpanell}]\n", "destinations[0].destination", "unknown-destination", "`mixpanel`"),
            ("destinations: [{id: a, destination: \"Mixpanel (Actions)\"}]\n", "destinations[0].destination", "unknown-destination", "`actions-mixpanel`"),
            ("destinations: [{id: a, destination: mixpanel-actions}]\n", "destinations[0].destination", "unknown-destination", "`actions-mixpanel`"),
            ("stores: [{id: a, store: redshfit, cloud_region: aws:eu-west-1}]\n", "stores[0].store", "unknown-store", "`redshift`"),
            ("stores: [{id: a, store: redshift, cloud_region: aws:eu-west-l}]\n", "stores[0].cloud_region", "unknown-cloud-region", "`aws:eu-west-1`"),
            ("failover: [{from: eu-west/dublin-a, to: eu-west/dublin-x}]\n", "failover[0].to", "unknown-location", "`eu-west/dublin-a`"),
            ("stores: [{id: redshift, store: redshift, cloud_region: aws:eu-west-1}]\nwarehouses: {redshfit: {firewall: [3.251.148.96/29]}}\n", "warehouses[redshfit]", "unknown-warehouse", "`redshift`"),
        ];
        for (body, path, code, hint) in cases {
            let v = only(&policy, &workspace("eu-west", body));
            assert_eq!((v.path.as_str(), v.code.as_str()), (path, code), "{name}: {body}");
            assert!(!v.fix.has_edit(), "{body}");
            assert!(
                v.fix.sentence.contains(&format!("did you mean {hint}?")),
                "{body}: {}",
                v.fix.sentence
            );
        }
    }
}

#[test]
fn outside_endpoint_is_replaced_by_the_in_region_one() {
    for (name, policy) in policies() {
        let ws = workspace(
            "eu-west",
            "destinations: [{id: amp, destination: amplitude, endpoint: us}]\n",
        );
        let v = only(&policy, &ws);
        assert_eq!(
            (v.path.as_str(), v.code.as_str()),
            ("destinations[0].endpoint", "endpoint-outside-region"),
            "{name}"
        );
        assert_eq!(v.fix.sentence, "use endpoint `eu`");
        assert_eq!(v.fix.patch, replace("/destinations/0/endpoint", "eu"));
        // A host stays a host.
        let ws = workspace(
            "eu-west",
            "destinations: [{id: amp, destination: amplitude, endpoint: 'https://api2.amplitude.com'}]\n",
        );
        let v = only(&policy, &ws);
        assert_eq!(
            v.fix.patch,
            replace("/destinations/0/endpoint", "api.eu.amplitude.com")
        );
        // An unknown endpoint too.
        let ws = workspace(
            "eu-west",
            "destinations: [{id: amp, destination: amplitude, endpoint: europe}]\n",
        );
        let v = only(&policy, &ws);
        assert_eq!(v.code.as_str(), "unknown-endpoint");
        assert_eq!(v.fix.patch, replace("/destinations/0/endpoint", "eu"));
    }
}

#[test]
fn destination_without_an_in_region_endpoint_is_offered_for_removal() {
    for (name, policy) in policies() {
        let ws = workspace("eu-west", "destinations: [{id: amp, destination: amplitude}, {id: ga, destination: actions-google-analytics-4}]\n");
        let v = only(&policy, &ws);
        assert_eq!(
            (v.path.as_str(), v.code.as_str()),
            ("destinations[1].destination", "endpoint-outside-region"),
            "{name}"
        );
        assert!(v
            .fix
            .sentence
            .contains("no edit keeps this destination; remove it"));
        assert_eq!(v.fix.patch, remove("/destinations/1"));
    }
    let policy = Policy::default_policy();
    let v = only(
        &policy,
        &workspace(
            "eu-west",
            "destinations: [{id: m, destination: appcues-mobile}]\n",
        ),
    );
    assert_eq!(v.code.as_str(), "destination-unavailable-in-region");
    assert_eq!(v.fix.patch, remove("/destinations/0"));
    assert!(
        v.fix
            .sentence
            .contains("`appcues-mobile` is not available to `eu-west` workspaces"),
        "{}",
        v.fix.sentence
    );
    // With an endpoint written, the destination is still what is wrong, not the endpoint.
    let v = only(
        &policy,
        &workspace(
            "eu-west",
            "destinations: [{id: m, destination: appcues-mobile, endpoint: us}]\n",
        ),
    );
    assert_eq!(
        (v.path.as_str(), v.code.as_str()),
        ("destinations[0].destination", "destination-unavailable-in-region")
    );
    assert_eq!(v.fix.patch, remove("/destinations/0"));
}

#[test]
fn store_moves_to_the_nearest_allowed_cloud_region() {
    for (name, policy) in policies() {
        // Same provider, nothing in the same country: the region's processing cloud region.
        let v = only(
            &policy,
            &workspace(
                "eu-west",
                "stores: [{id: lake, store: snowflake, cloud_region: aws:us-east-1}]\n",
            ),
        );
        assert_eq!(
            (v.path.as_str(), v.code.as_str()),
            ("stores[0].cloud_region", "store-outside-region"),
            "{name}"
        );
        assert_eq!(v.fix.sentence, "move `lake` to `aws:eu-west-1`");
        assert_eq!(v.fix.patch, replace("/stores/0/cloud_region", "aws:eu-west-1"));
        // An archive only in the region's archive places.
        let v = only(
            &policy,
            &workspace(
                "eu-west",
                "stores: [{id: a, store: archive, cloud_region: aws:eu-central-1}]\n",
            ),
        );
        assert_eq!(v.fix.patch, replace("/stores/0/cloud_region", "aws:eu-west-1"));
        // Another provider's region: the store's own provider.
        let v = only(
            &policy,
            &workspace(
                "eu-west",
                "stores: [{id: bq, store: bigquery, cloud_region: aws:eu-west-1}]\n",
            ),
        );
        assert_eq!(v.code.as_str(), "store-provider-mismatch");
        let moved = match &v.fix.patch[0] {
            PatchOp::Replace { value, .. } => value.as_str().unwrap().to_string(),
            other => panic!("{other:?}"),
        };
        assert!(moved.starts_with("gcp:"), "{moved}");
    }
}

#[test]
fn store_prefers_the_same_country() {
    // A customer store of an edge-ingest region in a country it may not use does not exist in
    // the shipped policies; a strict EU region with a store in a German region of the wrong
    // provider moves to the German region of the right one.
    let policy = Policy::default_policy();
    let v = only(
        &policy,
        &workspace(
            "eu-west",
            "stores: [{id: bq, store: bigquery, cloud_region: aws:eu-central-1}]\n",
        ),
    );
    assert_eq!(
        v.fix.patch[0],
        PatchOp::Replace {
            path: "/stores/0/cloud_region".into(),
            value: json!("gcp:europe-west10")
        }
    );
    let v = only(
        &policy,
        &workspace(
            "eu-west",
            "stores: [{id: bq, store: bigquery, cloud_region: gcp:us-east1}]\n",
        ),
    );
    assert_eq!(v.code.as_str(), "store-outside-region");
}

#[test]
fn firewall_lacking_the_loaders_gets_them_added() {
    for (name, policy) in policies() {
        let ws = workspace("eu-west", "stores: [{id: wh, store: redshift, cloud_region: aws:eu-west-1}]\nwarehouses:\n  wh: {firewall: [10.0.0.0/8]}\n");
        let v = only(&policy, &ws);
        assert_eq!(
            (v.path.as_str(), v.code.as_str()),
            ("warehouses[wh].firewall", "firewall-lacks-loader"),
            "{name}"
        );
        assert_eq!(
            v.fix.patch,
            vec![PatchOp::Add {
                path: "/warehouses/wh/firewall/-".into(),
                value: json!("3.251.148.96/29")
            }]
        );
    }
}

#[test]
fn firewall_admitting_another_regions_loaders_is_a_violation_of_its_own() {
    for (name, policy) in policies() {
        let ws = workspace(
            "eu-west",
            "stores: [{id: redshift, store: redshift, cloud_region: aws:eu-west-1}]\nwarehouses:\n  redshift: {firewall: [3.251.148.96/29, 52.25.130.38]}\n",
        );
        let v = only(&policy, &ws);
        assert_eq!(v.path, "warehouses[redshift].firewall[1]", "{name}");
        assert_eq!(v.pointer, "/warehouses/redshift/firewall/1");
        assert_eq!(v.code.as_str(), "firewall-admits-foreign-loader");
        assert!(v.message.contains("`us-west`"), "{}", v.message);
        assert_eq!(v.fix.patch, remove("/warehouses/redshift/firewall/1"));
    }
}

#[test]
fn a_wide_entry_is_narrowed_to_the_home_loaders_it_alone_admitted() {
    let policy = Policy::default_policy();
    let ws = workspace("eu-west", "stores: [{id: pg, store: postgres, cloud_region: aws:eu-west-1}]\nwarehouses: {pg: {firewall: [0.0.0.0/0]}}\n");
    let v = only(&policy, &ws);
    assert_eq!(v.code.as_str(), "firewall-admits-foreign-loader");
    assert_eq!(
        v.fix.patch,
        replace("/warehouses/pg/firewall/0", "3.251.148.96/29")
    );
    // The US side: an EU loader range in a US warehouse's firewall.
    let ws = workspace("us-west", "stores: [{id: pg, store: postgres, cloud_region: aws:us-east-1}]\nwarehouses: {pg: {firewall: [52.25.130.38/32, 3.251.148.100]}}\n");
    let v = only(&policy, &ws);
    assert_eq!(v.path, "warehouses[pg].firewall[1]");
}

#[test]
fn firewall_entries_that_are_not_cidrs_are_removed() {
    let policy = Policy::default_policy();
    let ws = workspace("eu-west", "stores: [{id: r, store: redshift, cloud_region: aws:eu-west-1}]\nwarehouses: {r: {firewall: [3.251.148.96/29, 3.251.148/29]}}\n");
    let v = only(&policy, &ws);
    assert_eq!(v.code.as_str(), "malformed-cidr");
    assert_eq!(v.fix.patch, remove("/warehouses/r/firewall/1"));
}

/// A store not offered to the region, which an exemption allows in another cloud region: the
/// fix moves the store's cloud region there (and never writes a cloud region into `store`).
#[test]
fn a_store_not_offered_but_exempted_elsewhere_is_moved_there() {
    let text = format!(
        "{}\nexemptions:\n  - {{id: az-lake, region: eu-west, store: data-lake-azure, cloud_region: azure:westeurope, justification: m, owner: o, expires: 2026-03-31}}\n",
        regionfence::DEFAULT_POLICY_YAML.trim_end()
    );
    let options = regionfence::CompileOptions::new().as_of("2026-01-15".parse().unwrap());
    let policy = Policy::from_yaml_with(&text, &options).unwrap();
    let ws = workspace(
        "eu-west",
        "stores: [{id: lake, store: data-lake-azure, cloud_region: azure:germanywestcentral}]\n",
    );
    let v = only(&policy, &ws);
    assert_eq!(
        (v.path.as_str(), v.code.as_str()),
        ("stores[0].cloud_region", "store-not-offered")
    );
    assert_eq!(v.fix.patch, replace("/stores/0/cloud_region", "azure:westeurope"));
}

#[test]
fn a_store_the_policy_does_not_offer_to_the_region_is_removed() {
    // October 2022: the Azure data lake is "EU workspace w/ US Endpoint" only, so the store is
    // offered to US West only; an EU one, even in Germany, has no place to move to.
    let policy = Policy::default_policy();
    let ws = workspace(
        "eu-west",
        "stores: [{id: lake, store: data-lake-azure, cloud_region: azure:germanywestcentral}]\n",
    );
    let v = only(&policy, &ws);
    assert_eq!(
        (v.path.as_str(), v.code.as_str()),
        ("stores[0].store", "store-not-offered")
    );
    assert!(
        v.message.contains("not offered to region `eu-west`"),
        "{}",
        v.message
    );
    assert_eq!(v.fix.patch, remove("/stores/0"));
    // A US West workspace keeps it; an EU one keeps an AWS data lake in Frankfurt.
    let us = workspace(
        "us-west",
        "stores: [{id: lake, store: data-lake-azure, cloud_region: azure:germanywestcentral}]\n",
    );
    assert!(policy.check_workspace(&us).is_compliant());
    let aws = workspace(
        "eu-west",
        "stores: [{id: lake, store: data-lake, cloud_region: aws:eu-central-1}]\n",
    );
    assert!(policy.check_workspace(&aws).is_compliant());
    let (_, today) = policies().pop().unwrap();
    assert!(today.check_workspace(&aws).is_compliant());
}

#[test]
fn a_firewall_on_a_store_that_is_no_warehouse_has_no_edit() {
    let policy = Policy::default_policy();
    let ws = workspace("eu-west", "stores: [{id: lake, store: archive, cloud_region: aws:eu-west-1}]\nwarehouses: {lake: {firewall: []}}\n");
    let v = only(&policy, &ws);
    assert_eq!(
        (v.path.as_str(), v.code.as_str()),
        ("warehouses[lake]", "unknown-warehouse")
    );
    assert!(!v.fix.has_edit());
}

#[test]
fn failover_target_elsewhere_is_replaced_by_a_valid_location() {
    for (name, policy) in policies() {
        for (to, code) in [
            ("us-west/oregon-a", "failover-across-regions"),
            ("eu-west/dublin-a", "failover-same-location"),
        ] {
            let ws = workspace(
                "eu-west",
                &format!("failover: [{{from: eu-west/dublin-a, to: {to}}}]\n"),
            );
            let v = only(&policy, &ws);
            assert_eq!(
                (v.path.as_str(), v.code.as_str()),
                ("failover[0].to", code),
                "{name}"
            );
            assert_eq!(v.fix.patch, replace("/failover/0/to", "eu-west/dublin-b"));
        }
    }
    // Only the 2022 policy gives US West more than one ingestion region.
    let policy = Policy::default_policy();
    let ws = workspace(
        "us-west",
        "failover: [{from: us-west/oregon-a, to: us-west/sydney-a}]\n",
    );
    let v = only(&policy, &ws);
    assert_eq!(v.code.as_str(), "failover-across-ingestion-regions");
    assert_eq!(v.fix.patch, replace("/failover/0/to", "us-west/oregon-b"));
}

#[test]
fn failover_from_another_regions_location_moves_home() {
    let policy = Policy::default_policy();
    let ws = workspace(
        "eu-west",
        "failover: [{from: us-west/oregon-a, to: us-west/oregon-b}]\n",
    );
    let v = only(&policy, &ws);
    assert_eq!(
        (v.path.as_str(), v.code.as_str()),
        ("failover[0].from", "failover-outside-region")
    );
    assert_eq!(
        v.fix.patch,
        vec![
            PatchOp::Replace {
                path: "/failover/0/from".into(),
                value: json!("eu-west/dublin-a")
            },
            PatchOp::Replace {
                path: "/failover/0/to".into(),
                value: json!("eu-west/dublin-b")
            },
        ]
    );
}

#[test]
fn an_unknown_region_has_no_edit() {
    let policy = Policy::default_policy();
    let v = only(
        &policy,
        &workspace("eu-wset", "sources: [{id: a, source: ios}]\n"),
    );
    assert_eq!((v.path.as_str(), v.code.as_str()), ("region", "unknown-region"));
    assert_eq!(
        v.fix.sentence,
        "no edit changes a workspace's region: create a new workspace in `eu-west`"
    );
}

#[test]
fn a_change_reports_what_it_breaks_and_repairs() {
    let policy = Policy::default_policy();
    let old = workspace("eu-west", "destinations:\n  - {id: amp, destination: amplitude, endpoint: us}\n  - {id: bz, destination: braze}\n");
    let new = workspace(
        "eu-west",
        "destinations:\n  - {id: new, destination: mixpanel}\n  - {id: amp, destination: amplitude, endpoint: eu}\n  - {id: bz, destination: braze, endpoint: us}\n",
    );
    let change = check_change(&policy, &old, &new);
    let broken: Vec<_> = change
        .broken
        .iter()
        .map(|v| (v.subject.as_str(), v.path.as_str()))
        .collect();
    assert_eq!(
        broken,
        [("destinations[bz].endpoint", "destinations[2].endpoint")]
    );
    let repaired: Vec<_> = change.repaired.iter().map(|v| v.subject.as_str()).collect();
    assert_eq!(repaired, ["destinations[amp].endpoint"]);
    // Moving entries breaks nothing.
    let moved = workspace("eu-west", "destinations:\n  - {id: bz, destination: braze}\n  - {id: amp, destination: amplitude, endpoint: us}\n");
    let change = check_change(&policy, &old, &moved);
    assert!(change.breaks_nothing() && change.repaired.is_empty());
    // A workspace's region never changes.
    let us = workspace("us-west", "destinations:\n  - {id: amp, destination: amplitude, endpoint: us}\n  - {id: bz, destination: braze}\n");
    let change = check_change(&policy, &old, &us);
    assert_eq!(change.broken[0].code.as_str(), "region-immutable");
    assert_eq!(
        change.broken[0].fix.sentence,
        "no edit changes a workspace's region: create a new workspace in `us-west`"
    );
    assert!(!change.broken[0].fix.has_edit());
}

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/examples")
            .join(name),
    )
    .unwrap()
}

#[test]
fn the_shipped_examples() {
    for (name, policy) in policies() {
        let report = policy.check_workspace(&Workspace::parse(&example("eu-compliant.yaml")).unwrap());
        assert!(report.is_compliant(), "{name}: {:#?}", report.violations);
    }
    // The US example names catalog entries of the default policy only.
    let policy = Policy::default_policy();
    let report = policy.check_workspace(&Workspace::parse(&example("us-compliant.yaml")).unwrap());
    assert!(report.is_compliant(), "{:#?}", report.violations);
    let bad = Workspace::parse(&example("eu-violations.yaml")).unwrap();
    let report = policy.check_workspace(&bad);
    let kinds: std::collections::BTreeSet<_> = report.violations.iter().map(|v| v.code).collect();
    assert!(kinds.len() >= 8, "{kinds:?}");
    assert_eq!(report.violations.len(), 14);
    let fixed = fix_all(&policy, &bad);
    let left: Vec<_> = fixed
        .remaining
        .violations
        .iter()
        .map(|v| v.code.as_str())
        .collect();
    assert_eq!(left, ["unknown-destination", "unknown-cloud-region"]);
    assert!(fixed.remaining.violations.iter().all(|v| !v.fix.has_edit()));
}

#[test]
fn fixing_the_text_keeps_every_other_line() {
    let policy = Policy::default_policy();
    let text = example("eu-violations.yaml");
    let fixed = fix_text(&policy, &text).unwrap();
    assert!(fixed.failed.is_empty(), "{:?}", fixed.failed);
    // The text reads back to the configuration fix_all gives.
    let from_values = fix_all(&policy, &Workspace::parse(&text).unwrap()).workspace;
    assert_eq!(Workspace::parse(&fixed.text).unwrap(), from_values);
    // Every comment and every line no fix touches is still there, in order.
    let kept: Vec<&str> = fixed.text.lines().collect();
    let mut at = 0;
    for line in text.lines() {
        let fixed_line = [
            "oregon",
            "api.segment.io",
            "hubspot",
            "endpoint: us",
            "google-analytics",
            "appcues-mobile",
            "cloud_region: aws:eu-west-2",
            "aws:us-east-1",
            "gcp:europe-west2",
            "52.25.130.38",
            "us-west/dublin-a",
        ]
        .iter()
        .any(|m| line.contains(m));
        if fixed_line {
            continue;
        }
        let found = kept[at..].iter().position(|k| *k == line);
        assert!(found.is_some(), "lost line {line:?}\n{}", fixed.text);
        at += found.unwrap() + 1;
    }
    assert!(fixed
        .text
        .contains("    host: events.eu1.segmentapis.com   # the US host, pasted from an old guide\n"));
    assert!(fixed
        .text
        .contains("  - {id: product-analytics, destination: amplitude, endpoint: eu}   # the US endpoint\n"));
}

#[test]
fn a_region_without_loader_ranges_has_no_edit_for_a_warehouse_that_needs_them() {
    let text = regionfence::DEFAULT_POLICY_YAML.replacen(
        "    warehouse_egress: [52.25.130.38/32]",
        "    warehouse_egress: []",
        1,
    );
    assert_ne!(text, regionfence::DEFAULT_POLICY_YAML);
    let policy = Policy::from_yaml(&text).unwrap();
    let ws = workspace(
        "us-west",
        "stores: [{id: r, store: redshift, cloud_region: aws:us-east-1}]\nwarehouses: {r: {firewall: []}}\n",
    );
    let v = only(&policy, &ws);
    assert_eq!(
        (v.path.as_str(), v.code.as_str()),
        ("warehouses[r]", "allowlist-unknown")
    );
    assert!(!v.fix.has_edit());
    // Admitting EU West's loaders is still a violation of its own.
    let ws = workspace("us-west", "stores: [{id: r, store: redshift, cloud_region: aws:us-east-1}]\nwarehouses: {r: {firewall: [3.251.148.96/29]}}\n");
    let codes: Vec<_> = policy
        .check_workspace(&ws)
        .violations
        .iter()
        .map(|v| v.code.as_str())
        .collect();
    assert_eq!(codes, ["allowlist-unknown", "firewall-admits-foreign-loader"]);
}

/// A configuration of `n` sources, each sending to the US host from an EU workspace, with a
/// comment on every entry.
fn many_wrong_hosts(n: usize) -> String {
    let mut text = String::from("version: 1\nworkspace: acme\nregion: eu-west\nsources:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  - id: s{i}   # entry {i}\n    source: node-js\n    host: api.segment.io\n"
        ));
    }
    text
}

#[test]
fn fixing_the_text_of_thousands_of_entries_fixes_every_one() {
    let policy = Policy::default_policy();
    let text = many_wrong_hosts(2_000);
    let before = policy.check_workspace(&Workspace::parse(&text).unwrap());
    let with_edit = before.violations.iter().filter(|v| v.fix.has_edit()).count();
    assert!(with_edit >= 2_000, "{with_edit}");
    let fixed = fix_text(&policy, &text).unwrap();
    assert!(fixed.failed.is_empty(), "{:?}", fixed.failed.first());
    assert!(
        fixed.remaining.violations.iter().all(|v| !v.fix.has_edit()),
        "{:?}",
        fixed.remaining.violations.first()
    );
    assert_eq!(fixed.applied.len(), with_edit);
    // Every comment is still there, and the text reads back to what fix_all gives.
    for i in [0, 999, 1_999] {
        assert!(fixed.text.contains(&format!("  - id: s{i}   # entry {i}\n")));
    }
    let from_values = fix_all(&policy, &Workspace::parse(&text).unwrap()).workspace;
    assert_eq!(Workspace::parse(&fixed.text).unwrap(), from_values);
}

#[test]
fn a_failover_fix_prefers_the_own_ingestion_region_then_the_first_listed_target() {
    let sydney =
        "{id: sydney, cloud_region: aws:ap-southeast-2, hosts: [in.au1.segmentapis.com], zones: [a, b, c]}";
    assert!(regionfence::DEFAULT_POLICY_YAML.contains(sydney));
    let with = |zones: &str| {
        let loosened = sydney.replace(
            "zones: [a, b, c]",
            &format!("zones: [{zones}], failover_to: [us-west/oregon]"),
        );
        Policy::from_yaml(&regionfence::DEFAULT_POLICY_YAML.replace(sydney, &loosened)).unwrap()
    };
    let ws = workspace(
        "us-west",
        "failover: [{from: us-west/sydney-a, to: us-west/dublin-a}]\n",
    );
    // Oregon's zones come first in the policy and are allowed by the loosening, but Sydney's
    // own second zone is preferred.
    let v = only(&with("a, b, c"), &ws);
    assert_eq!(v.code.as_str(), "failover-across-ingestion-regions");
    assert_eq!(v.fix.patch, replace("/failover/0/to", "us-west/sydney-b"));
    // With no other zone of its own, the first target the loosening allows.
    let v = only(&with("a"), &ws);
    assert_eq!(v.fix.patch, replace("/failover/0/to", "us-west/oregon-a"));
}

#[test]
fn a_foreign_range_around_the_home_range_is_found_past_it() {
    // US West's loaders also cover the /27 around EU West's /29: a firewall of that /27
    // admits EU loaders first, and US ones just past them.
    let us = "warehouse_egress: [52.25.130.38/32]";
    assert!(regionfence::DEFAULT_POLICY_YAML.contains(us));
    let policy = Policy::from_yaml(
        &regionfence::DEFAULT_POLICY_YAML.replace(us, "warehouse_egress: [52.25.130.38/32, 3.251.148.96/27]"),
    )
    .unwrap();
    let ws = workspace("eu-west", "stores: [{id: pg, store: postgres, cloud_region: aws:eu-west-1}]\nwarehouses: {pg: {firewall: [3.251.148.96/27]}}\n");
    let report = policy.check_workspace(&ws);
    let v = report
        .violations
        .iter()
        .find(|v| v.code.as_str() == "firewall-admits-foreign-loader")
        .unwrap_or_else(|| panic!("{:#?}", report.violations));
    assert!(
        v.message
            .contains("`3.251.148.104` is not in `regions[eu-west].warehouse_egress`"),
        "{}",
        v.message
    );
}

#[test]
fn a_firewall_of_the_home_range_inside_a_foreign_one_admits_no_foreign_loader() {
    // US West's /27 holds EU West's /29: a firewall of the /29, or of a part of it, admits
    // only EU loaders, and the addresses just past it are not the firewall's.
    let us = "warehouse_egress: [52.25.130.38/32]";
    let policy = Policy::from_yaml(
        &regionfence::DEFAULT_POLICY_YAML.replace(us, "warehouse_egress: [52.25.130.38/32, 3.251.148.96/27]"),
    )
    .unwrap();
    for firewall in [
        "3.251.148.96/29",
        "3.251.148.100/30, 3.251.148.96/29",
        "3.251.148.96/29, 3.251.148.103",
    ] {
        let ws = workspace(
            "eu-west",
            &format!("stores: [{{id: pg, store: postgres, cloud_region: aws:eu-west-1}}]\nwarehouses: {{pg: {{firewall: [{firewall}]}}}}\n"),
        );
        let report = policy.check_workspace(&ws);
        assert!(report.is_compliant(), "{firewall}: {:#?}", report.violations);
    }
}

#[test]
fn a_firewall_on_an_unknown_store_is_reported_once_under_stores() {
    let policy = Policy::default_policy();
    let ws = workspace("eu-west", "stores: [{id: wh, store: redshfit, cloud_region: aws:eu-west-1}]\nwarehouses:\n  wh: {firewall: [3.251.148.96/29]}\n");
    let v = only(&policy, &ws);
    assert_eq!(
        (v.path.as_str(), v.code.as_str()),
        ("stores[0].store", "unknown-store")
    );
}

#[test]
fn a_fix_that_cannot_be_made_in_place_leaves_the_others_to_be_made() {
    // The firewall's last entry is written on the line after its dash, so nothing is
    // appended after it nor is it removed in place; the first entry is still removed.
    let policy = Policy::default_policy();
    let text = "version: 1\nworkspace: a\nregion: eu-west\nstores: [{id: wh, store: redshift, cloud_region: aws:eu-west-1}]\nwarehouses:\n  wh:\n    firewall:\n      - 52.25.130.38/32\n      -\n        52.25.130.38\n";
    let fixed = fix_text(&policy, text).unwrap();
    let applied: Vec<(&str, &str)> = fixed
        .applied
        .iter()
        .map(|v| (v.path.as_str(), v.code.as_str()))
        .collect();
    assert_eq!(
        applied,
        [("warehouses[wh].firewall[0]", "firewall-admits-foreign-loader")]
    );
    let failed: Vec<&str> = fixed.failed.iter().map(|(v, _)| v.code.as_str()).collect();
    assert_eq!(
        failed,
        ["firewall-lacks-loader", "firewall-admits-foreign-loader"]
    );
    assert_eq!(fixed.text, text.replace("      - 52.25.130.38/32\n", ""));
}

#[test]
fn the_text_of_a_compliant_configuration_is_left_as_it_is() {
    let policy = Policy::default_policy();
    let text = "version: 1\nworkspace: a   # ours\nregion: eu-west\n";
    let fixed = fix_text(&policy, text).unwrap();
    assert!(fixed.applied.is_empty() && fixed.failed.is_empty());
    assert!(fixed.remaining.is_compliant());
    assert_eq!(fixed.text, text);
}

#[test]
fn the_only_entry_of_a_list_is_removed() {
    // Google Analytics has no EU endpoint: no edit keeps it in an EU workspace.
    let policy = Policy::default_policy();
    let text = "version: 1\nworkspace: a\nregion: eu-west\ndestinations:\n  - {id: ga, destination: google-analytics}\n";
    let fixed = fix_text(&policy, text).unwrap();
    assert!(fixed.failed.is_empty(), "{:?}", fixed.failed);
    assert_eq!(fixed.applied.len(), 1);
    assert!(fixed.remaining.is_compliant(), "{:?}", fixed.remaining.violations);
    assert_eq!(
        fixed.text,
        "version: 1\nworkspace: a\nregion: eu-west\ndestinations: []\n"
    );
}

#[test]
fn a_source_counts_one_question_per_field_checked() {
    let questions =
        |fields: &str| compliant_questions(&format!("sources: [{{id: app, source: ios{fields}}}]\n"));
    let bare = questions("");
    assert_eq!(questions(", ingestion: dublin") - bare, 1);
    assert_eq!(questions(", host: events.eu1.segmentapis.com") - bare, 1);
    assert_eq!(
        questions(", ingestion: dublin, host: events.eu1.segmentapis.com") - bare,
        2
    );
    assert!(bare >= 1);
}

#[test]
fn a_report_reads_as_pretty_json_with_every_field() {
    let policy = Policy::default_policy();
    let report = policy.check_workspace(&workspace(
        "eu-west",
        "sources: [{id: app, source: ios, host: api.segment.io}]\n",
    ));
    let text = report.to_json_pretty();
    assert!(text.contains("\n  \"violations\": ["), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["region"], "eu-west");
    assert_eq!(v["questions"], report.questions);
    assert_eq!(v["violations"][0]["code"], report.violations[0].code.as_str());
}

#[test]
fn every_compliant_entry_counts_its_question() {
    let questions = compliant_questions;
    let bare = questions("");
    for (one, two) in [
        (
            "destinations: [{id: a, destination: amplitude, endpoint: eu}]\n",
            "destinations: [{id: a, destination: amplitude, endpoint: eu}, {id: b, destination: amplitude, endpoint: eu}]\n",
        ),
        (
            "stores: [{id: a, store: archive, cloud_region: aws:eu-west-1}]\n",
            "stores: [{id: a, store: archive, cloud_region: aws:eu-west-1}, {id: b, store: archive, cloud_region: aws:eu-west-1}]\n",
        ),
    ] {
        assert_eq!(questions(one), bare + 1, "{one}");
        assert_eq!(questions(two), bare + 2, "{two}");
    }
}

#[test]
fn a_store_unknown_twice_gets_each_names_own_reason() {
    for (name, policy) in policies() {
        let ws = workspace(
            "eu-west",
            "stores: [{id: a, store: redshfit, cloud_region: aws:eu-west-l}]\n",
        );
        let report = policy.check_workspace(&ws);
        let found: Vec<(&str, &str)> = report
            .violations
            .iter()
            .map(|v| (v.path.as_str(), v.code.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("stores[0].store", "unknown-store"),
                ("stores[0].cloud_region", "unknown-cloud-region")
            ],
            "{name}"
        );
        let (store, cloud) = (&report.violations[0].message, &report.violations[1].message);
        assert!(
            store.contains("redshfit") && !store.contains("eu-west-l"),
            "{name}: {store}"
        );
        assert!(
            cloud.contains("eu-west-l") && !cloud.contains("redshfit"),
            "{name}: {cloud}"
        );
    }
}

#[test]
fn a_failover_fix_asks_every_location_once() {
    // A step to another region's location is a violation; its fix asks the engine about
    // every location of the policy as a target, once each.
    let policy = Policy::default_policy();
    let locations: usize = policy
        .document()
        .regions
        .iter()
        .flat_map(|r| &r.ingestion)
        .map(|i| i.zones.len())
        .sum();
    assert!(locations > 2);
    let questions = |to: &str| {
        let report = policy.check_workspace(&workspace(
            "eu-west",
            &format!("failover: [{{from: eu-west/dublin-a, to: {to}}}]\n"),
        ));
        (report.questions, report.violations.len())
    };
    let (good, none) = questions("eu-west/dublin-b");
    let (bad, one) = questions("us-west/oregon-a");
    assert_eq!((none, one), (0, 1));
    assert_eq!(bad - good, locations);
}

#[test]
fn a_firewall_counts_its_allowlist_question() {
    // The firewall asks the allowlist question once per warehouse; an entry inside the home
    // range overlaps no other region's loaders, so it asks nothing more.
    let questions = compliant_questions;
    let stores = "stores: [{id: a, store: redshift, cloud_region: aws:eu-west-1}, {id: b, store: redshift, cloud_region: aws:eu-west-1}]\n";
    let bare = questions(stores);
    let one = questions(&format!(
        "{stores}warehouses: {{a: {{firewall: [3.251.148.96/29]}}}}\n"
    ));
    let two = questions(&format!(
        "{stores}warehouses: {{a: {{firewall: [3.251.148.96/29]}}, b: {{firewall: [3.251.148.96/29, 3.251.148.97]}}}}\n"
    ));
    assert_eq!((one - bare, two - bare), (1, 2));
}
