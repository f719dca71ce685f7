#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Properties of the workspace check, on random configurations over random safe policies
//! (the policy generator of the shared model crate):
//!
//! 1. applying one violation's fix removes that violation and adds none;
//! 2. applying every offered fix leaves only the violations that have none;
//! 3. a configuration the check calls compliant has every one of its flows allowed by the
//!    engine, and the reverse.
//!
//! `PROPTEST_CASES=N cargo test --test workspace_properties` runs N cases of each.

use proptest::prelude::*;
use regionfence::document::Document;
use regionfence::workspace::{
    apply, fix_all, DestinationEntry, FailoverEntry, SourceEntry, StoreEntry, WarehouseEntry, Workspace,
};
use regionfence::{Policy, Question};
use regionfence_model::choices::pseudo_random_bytes;
use regionfence_model::gen_policy::{policy, Family};
use regionfence_model::Choices;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

fn config(cases: u32) -> ProptestConfig {
    crate::proptest_config(
        cases,
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptest-regressions/workspace_properties.txt"
        ),
    )
}

fn tapes() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (
        proptest::collection::vec(any::<u8>(), 0..600),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
}

/// A name from `pool`, or now and then one the policy does not know.
fn name(t: &mut Choices<'_>, pool: &[String], stray: &str) -> String {
    // (An exhausted tape reads as zeros: a known name.)
    if pool.is_empty() || t.below(25) == 24 {
        return stray.to_string();
    }
    t.pick(pool).cloned().unwrap_or_else(|| stray.to_string())
}

/// A configuration over `doc`'s names: mostly real ones, in and out of the workspace's
/// region, with a few unknown names, URLs, addresses and wide CIDRs.
fn workspace(tape: &[u8], doc: &Document) -> Workspace {
    let mut t = Choices::new(tape);
    let regions: Vec<String> = doc.regions.iter().map(|r| r.id.clone()).collect();
    let region = name(&mut t, &regions, "mars-1");
    let mut sources_pool: Vec<String> = doc.source_kinds.iter().map(|k| k.id.clone()).collect();
    sources_pool.extend(doc.sources.iter().map(|s| s.id.clone()));
    let ingestions: Vec<String> = doc
        .regions
        .iter()
        .flat_map(|r| r.ingestion.iter().map(|i| i.id.clone()))
        .collect();
    let hosts: Vec<String> = doc
        .regions
        .iter()
        .flat_map(|r| r.ingestion.iter().flat_map(|i| i.hosts.clone()))
        .collect();
    let locations: Vec<String> = doc
        .regions
        .iter()
        .flat_map(|r| {
            r.ingestion
                .iter()
                .flat_map(move |i| i.zones.iter().map(move |z| format!("{}/{}-{z}", r.id, i.id)))
        })
        .collect();
    let destinations: Vec<String> = doc.destinations.iter().map(|d| d.id.clone()).collect();
    let stores: Vec<String> = doc.stores.iter().map(|s| s.id.clone()).collect();
    let clouds: Vec<String> = doc.cloud_regions.iter().map(|c| c.id.clone()).collect();
    let cidrs: Vec<String> = doc
        .regions
        .iter()
        .flat_map(|r| r.warehouse_egress.clone())
        .collect();

    let mut ws = Workspace {
        version: 1,
        workspace: "w".into(),
        region,
        sources: Vec::new(),
        destinations: Vec::new(),
        stores: Vec::new(),
        warehouses: BTreeMap::new(),
        failover: Vec::new(),
    };
    for i in 0..t.below(5) {
        let host = t.percent(50).then(|| {
            let h = name(&mut t, &hosts, "evil.example");
            match t.below(4) {
                0 => format!("https://{h}/v1"),
                1 => format!("{}:443", h.to_uppercase()),
                _ => h,
            }
        });
        ws.sources.push(SourceEntry {
            id: format!("s{i}"),
            source: name(&mut t, &sources_pool, "telepathy"),
            ingestion: t.percent(40).then(|| name(&mut t, &ingestions, "atlantis")),
            host,
        });
    }
    for i in 0..t.below(5) {
        let destination = name(&mut t, &destinations, "nowhere");
        let endpoint = t.percent(60).then(|| {
            let endpoints: Vec<String> = doc
                .destinations
                .iter()
                .filter(|d| d.id == destination)
                .flat_map(|d| {
                    d.endpoints
                        .iter()
                        .flat_map(|e| std::iter::once(e.id.clone()).chain(e.hosts.clone()))
                })
                .collect();
            name(&mut t, &endpoints, "moon")
        });
        ws.destinations.push(DestinationEntry {
            id: format!("d{i}"),
            destination,
            endpoint,
        });
    }
    for i in 0..t.below(5) {
        ws.stores.push(StoreEntry {
            id: format!("st{i}"),
            store: name(&mut t, &stores, "vault"),
            cloud_region: name(&mut t, &clouds, "aws:mars-1"),
        });
    }
    let store_ids: Vec<String> = ws.stores.iter().map(|s| s.id.clone()).collect();
    for _ in 0..t.below(3) {
        let key = name(&mut t, &store_ids, "ghost");
        let mut firewall = Vec::new();
        for _ in 0..t.below(4) {
            firewall.push(match t.below(8) {
                0 => "0.0.0.0/0".to_string(),
                1 => "10.0.0.0/8".to_string(),
                2 => "not-a-cidr".to_string(),
                3 => {
                    // One address of a loader range.
                    let c = name(&mut t, &cidrs, "192.0.2.0/24");
                    c.parse::<ipnet::IpNet>()
                        .map(|n| n.network().to_string())
                        .unwrap_or(c)
                }
                _ => name(&mut t, &cidrs, "198.51.100.0/24"),
            });
        }
        ws.warehouses.insert(key, WarehouseEntry { firewall });
    }
    for _ in 0..t.below(4) {
        ws.failover.push(FailoverEntry {
            from: name(&mut t, &locations, "x/y-z"),
            to: name(&mut t, &locations, "x/y-q"),
        });
    }
    ws
}

fn setup(p: &[u8], w: &[u8]) -> Result<(Document, Policy, Workspace), TestCaseError> {
    let doc = policy(&mut Choices::new(p), Family::Safe);
    let compiled =
        Policy::compile(doc.clone()).map_err(|e| TestCaseError::fail(format!("policy rejected: {e}")))?;
    let ws = workspace(w, &doc);
    Ok((doc, compiled, ws))
}

/// Violations as a multiset of (subject, code).
fn counts(policy: &Policy, ws: &Workspace) -> HashMap<(String, &'static str), usize> {
    let mut out = HashMap::new();
    for v in policy.check_workspace(ws).violations {
        *out.entry((v.subject, v.code.as_str())).or_insert(0) += 1;
    }
    out
}

fn range(net: &ipnet::IpNet) -> (bool, u128, u128) {
    let n = |ip: IpAddr| match ip {
        IpAddr::V4(a) => (true, u128::from(u32::from(a))),
        IpAddr::V6(a) => (false, u128::from(a)),
    };
    let (v4, lo) = n(net.network());
    (v4, lo, n(net.broadcast()).1)
}

/// Every flow of the configuration, as the engine is asked about it, and whether each of the
/// firewall conditions holds: written here from the words, not from the check.
fn flows_allowed(policy: &Policy, ws: &Workspace) -> bool {
    let r = ws.region.clone();
    let Some(home) = policy.region_id(&r) else {
        return false;
    };
    let mut questions = Vec::new();
    for s in &ws.sources {
        questions.push(Question::Resolve {
            workspace: r.clone(),
            source: s.source.clone(),
            ingestion: None,
        });
        if let Some(i) = &s.ingestion {
            questions.push(Question::Resolve {
                workspace: r.clone(),
                source: s.source.clone(),
                ingestion: Some(i.clone()),
            });
        }
        if let Some(h) = &s.host {
            questions.push(Question::Ingest {
                workspace: r.clone(),
                source: s.source.clone(),
                host: h.clone(),
            });
        }
    }
    for d in &ws.destinations {
        questions.push(Question::Deliver {
            workspace: r.clone(),
            destination: d.destination.clone(),
            endpoint: d.endpoint.clone(),
        });
    }
    for s in &ws.stores {
        questions.push(Question::Store {
            workspace: r.clone(),
            store: s.store.clone(),
            cloud_region: s.cloud_region.clone(),
        });
    }
    for f in &ws.failover {
        if !f.from.starts_with(&format!("{r}/")) {
            return false;
        }
        questions.push(Question::Failover {
            from: f.from.clone(),
            to: f.to.clone(),
        });
    }
    if !questions.iter().all(|q| policy.decide(q).is_allowed()) {
        return false;
    }
    for (key, wh) in &ws.warehouses {
        let Some(store) = ws.stores.iter().find(|s| s.id == *key) else {
            return false;
        };
        let q = Question::Allowlist {
            workspace: r.clone(),
            warehouse: store.store.clone(),
        };
        let d = policy.decide(&q);
        if !d.is_allowed() {
            return false;
        }
        let required: Vec<ipnet::IpNet> = d
            .explain(policy, &q)
            .resolved
            .cidrs
            .unwrap_or_default()
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        let mut nets = Vec::new();
        for entry in &wh.firewall {
            let net = entry
                .parse::<ipnet::IpNet>()
                .map(|n| n.trunc())
                .or_else(|_| entry.parse::<IpAddr>().map(ipnet::IpNet::from));
            match net {
                Ok(n) => nets.push(n),
                Err(_) => return false,
            }
        }
        if !required.iter().all(|c| nets.iter().any(|n| n.contains(c))) {
            return false;
        }
        // Every other region's loader address a firewall entry admits is a `connect` the
        // engine must allow: test the first one not among the home loaders.
        let home_ranges: Vec<(bool, u128, u128)> = policy.egress(home).iter().map(range).collect();
        for net in &nets {
            for other in policy.region_ids().filter(|o| *o != home) {
                for loaders in policy.egress(other) {
                    let (v4, a, b) = range(net);
                    let (v4b, c, d) = range(loaders);
                    if v4 != v4b || b < c || d < a {
                        continue;
                    }
                    let (mut lo, hi) = (a.max(c), b.min(d));
                    // Skip past home ranges covering lo, as often as they chain.
                    loop {
                        let covering = home_ranges
                            .iter()
                            .find(|(hv4, x, y)| *hv4 == v4 && *x <= lo && lo <= *y);
                        match covering {
                            Some((_, _, y)) if *y < hi => lo = y + 1,
                            Some(_) => {
                                lo = u128::MAX;
                                break;
                            }
                            None => break,
                        }
                    }
                    if lo == u128::MAX {
                        continue;
                    }
                    let ip = if v4 {
                        IpAddr::from(std::net::Ipv4Addr::from(lo as u32))
                    } else {
                        IpAddr::from(std::net::Ipv6Addr::from(lo))
                    };
                    let q = Question::Connect {
                        workspace: r.clone(),
                        warehouse: store.store.clone(),
                        ip: ip.to_string(),
                    };
                    if !policy.decide(&q).is_allowed() {
                        return false;
                    }
                }
            }
        }
    }
    true
}

proptest! {
    #![proptest_config(config(256))]

    /// (1) One fix removes its violation and adds none.
    #[test]
    fn one_fix_removes_its_violation_and_adds_none((p, w) in tapes()) {
        let (_, policy, ws) = setup(&p, &w)?;
        let before = counts(&policy, &ws);
        for v in policy.check_workspace(&ws).violations {
            if !v.fix.has_edit() {
                continue;
            }
            let fixed = apply(&ws, &v.fix.patch).map_err(|e| TestCaseError::fail(format!("{}: {e}", v.path)))?;
            let after = counts(&policy, &fixed);
            let key = (v.subject.clone(), v.code.as_str());
            prop_assert!(
                after.get(&key).copied().unwrap_or(0) < before[&key],
                "{} ({}) survives its fix {:?}\n{ws:#?}", v.path, v.code, v.fix.patch
            );
            for (k, n) in &after {
                prop_assert!(
                    *n <= before.get(k).copied().unwrap_or(0),
                    "the fix of {} ({}) adds {k:?}\n{ws:#?}", v.path, v.code
                );
            }
        }
    }

    /// (2) Every offered fix applied: only the violations without one are left.
    #[test]
    fn every_fix_leaves_only_violations_without_one((p, w) in tapes()) {
        let (_, policy, ws) = setup(&p, &w)?;
        let fixed = fix_all(&policy, &ws);
        for v in &fixed.remaining.violations {
            prop_assert!(!v.fix.has_edit(), "{} ({}) still has a fix after fixing all\n{ws:#?}", v.path, v.code);
        }
        // And nothing new: every violation left was there at the start.
        let before = counts(&policy, &ws);
        for (k, _) in counts(&policy, &fixed.workspace) {
            prop_assert!(before.contains_key(&k), "{k:?} appeared\n{ws:#?}");
        }
    }

    /// (3) Compliant exactly when every flow is allowed.
    #[test]
    fn compliant_iff_every_flow_is_allowed((p, w) in tapes()) {
        let (_, policy, ws) = setup(&p, &w)?;
        let report = policy.check_workspace(&ws);
        prop_assert_eq!(report.is_compliant(), flows_allowed(&policy, &ws), "{:#?}\n{:#?}", report.violations, ws);
        // The fixed configuration too (it is compliant more often).
        let fixed = fix_all(&policy, &ws).workspace;
        prop_assert_eq!(policy.check_workspace(&fixed).is_compliant(), flows_allowed(&policy, &fixed));
    }
}

/// The shipped policies, too: random configurations over their own names.
#[test]
fn properties_hold_on_the_default_policy() {
    let policy = Policy::default_policy();
    let doc = policy.document().clone();
    for seed in 0..200u32 {
        let tape = pseudo_random_bytes(u64::from(seed), 300);
        let ws = workspace(&tape, &doc);
        let report = policy.check_workspace(&ws);
        assert_eq!(report.is_compliant(), flows_allowed(&policy, &ws), "{ws:#?}");
        let fixed = fix_all(&policy, &ws);
        assert!(
            fixed.remaining.violations.iter().all(|v| !v.fix.has_edit()),
            "{ws:#?}"
        );
    }
}
