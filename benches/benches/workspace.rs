//! Time to check a whole workspace configuration of 500 entries against the default policy:
//! a compliant one (the common save), and one where one entry in ten breaks residency (each
//! violation with its fix computed).
//!
//! `cargo bench --bench workspace`.

use criterion::{criterion_group, criterion_main, Criterion};
use regionfence::workspace::{DestinationEntry, FailoverEntry, SourceEntry, StoreEntry, WarehouseEntry, Workspace};
use regionfence::Policy;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

/// An EU West configuration of 500 entries: 120 sources, 150 destinations, 100 stores, 30
/// warehouse firewalls (with their stores), 100 failover steps. Every `broken`-th entry of
/// each list breaks residency.
fn configuration(broken: Option<usize>) -> Workspace {
    let bad = |i: usize| broken.is_some_and(|n| i % n == 0);
    let kinds = ["javascript", "ios", "android", "node-js", "python", "server"];
    let destinations = ["amplitude", "mixpanel", "braze", "hubspot", "actions-amplitude"];
    let mut ws = Workspace {
        version: 1,
        workspace: "bench".into(),
        region: "eu-west".into(),
        sources: Vec::new(),
        destinations: Vec::new(),
        stores: Vec::new(),
        warehouses: BTreeMap::new(),
        failover: Vec::new(),
    };
    for i in 0..120 {
        let kind = kinds[i % kinds.len()];
        ws.sources.push(SourceEntry {
            id: format!("source-{i}"),
            source: kind.into(),
            ingestion: (i % 2 == 0).then(|| if bad(i) { "oregon" } else { "dublin" }.into()),
            host: (i % 2 == 1).then(|| {
                if bad(i) { "https://api.segment.io/v1" } else { "https://events.eu1.segmentapis.com/v1" }.into()
            }),
        });
    }
    for i in 0..150 {
        ws.destinations.push(DestinationEntry {
            id: format!("destination-{i}"),
            destination: destinations[i % destinations.len()].into(),
            endpoint: (i % 3 != 0).then(|| if bad(i) { "us" } else { "eu" }.into()),
        });
    }
    for i in 0..70 {
        ws.stores.push(StoreEntry {
            id: format!("store-{i}"),
            store: if i % 2 == 0 { "data-lake" } else { "archive" }.into(),
            cloud_region: if bad(i) { "aws:us-east-1" } else { "aws:eu-west-1" }.into(),
        });
    }
    for i in 0..30 {
        let id = format!("warehouse-{i}");
        ws.stores.push(StoreEntry {
            id: id.clone(),
            store: "redshift".into(),
            cloud_region: "aws:eu-west-1".into(),
        });
        let mut firewall = vec!["3.251.148.96/29".to_string()];
        if bad(i) {
            firewall.push("52.25.130.38/32".into());
        }
        ws.warehouses.insert(id, WarehouseEntry { firewall });
    }
    let zones = ["a", "b", "c"];
    for i in 0..100 {
        let to = if bad(i) { "us-west/dublin-a".to_string() } else { format!("eu-west/dublin-{}", zones[(i + 1) % 3]) };
        ws.failover.push(FailoverEntry {
            from: format!("eu-west/dublin-{}", zones[i % 3]),
            to,
        });
    }
    ws
}

fn check(c: &mut Criterion) {
    let policy = Policy::default_policy();
    let compliant = configuration(None);
    assert!(policy.check_workspace(&compliant).is_compliant());
    let broken = configuration(Some(10));
    let found = policy.check_workspace(&broken).violations.len();
    assert_eq!(found, 42, "{found} violations");

    let mut group = c.benchmark_group("check-workspace");
    group.bench_function("500-entries-compliant", |b| b.iter(|| black_box(policy.check_workspace(black_box(&compliant)))));
    group.bench_function("500-entries-10pct-violations", |b| b.iter(|| black_box(policy.check_workspace(black_box(&broken)))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).sample_size(100);
    targets = check
}
criterion_main!(benches);
