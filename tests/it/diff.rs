#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The policy diff: empty for a policy against itself or a rewritten copy of itself; the
//! 2022 → 2025 diff with the groups a reviewer expects (the second US loader range, the EU
//! sources, the removed edge ingestion); the entry that changed named with what changed in
//! it; and `regionfence diff`'s exit codes with `--fail-on`.

use regionfence::diff::{self, ChangeKind, DiffGroup, EntryChanges, EntryKind, PolicyDiff};
use regionfence::document::Document;
use regionfence::{Policy, Question, Verdict, DEFAULT_POLICY_YAML};
use regionfence_model::gen_policy::{policy as random_policy, Family as PolicyFamily};
use regionfence_model::Choices;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::LazyLock;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn load(path: &str) -> Policy {
    Policy::from_yaml(&std::fs::read_to_string(repo(path)).unwrap()).unwrap()
}

static OLD: LazyLock<Policy> = LazyLock::new(|| load("policies/segment.yaml"));
static NEW: LazyLock<Policy> = LazyLock::new(|| load("policies/segment-2025.yaml"));
static DIFF: LazyLock<PolicyDiff> = LazyLock::new(|| diff::diff(&OLD, &NEW).unwrap());

/// The 2022 policy with `edit` made to its document, and the diff from the 2022 policy to it.
/// Every edit here takes something away, so nothing is newly allowed.
fn narrowed(edit: impl FnOnce(&mut Document)) -> (Policy, PolicyDiff) {
    let mut doc = OLD.document().clone();
    edit(&mut doc);
    let new = Policy::compile(doc).unwrap();
    let d = diff::diff(&OLD, &new).unwrap();
    assert!(!d.has_new_allows());
    (new, d)
}

fn group<'d>(d: &'d PolicyDiff, ask: &str, region: &str) -> &'d DiffGroup {
    d.groups
        .iter()
        .find(|g| g.ask == ask && g.region == region)
        .unwrap_or_else(|| panic!("no group {ask} in {region}"))
}

fn entry<'g>(g: &'g DiffGroup, kind: EntryKind, name: &str) -> &'g EntryChanges {
    g.entries
        .iter()
        .find(|e| e.entry == kind && e.name == name)
        .unwrap_or_else(|| panic!("no entry {kind} `{name}` in {} {}", g.ask, g.region))
}

fn write_temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regionfence-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_policy_diffed_with_itself_is_empty() {
    for policy in [&*OLD, &*NEW] {
        let d = diff::diff(policy, policy).unwrap();
        assert!(d.is_empty(), "{}", d.to_text());
        assert!(d.groups.is_empty());
        assert!(d.questions > 40_000, "{}", d.questions);
        assert_eq!(d.old.digest, d.new.digest);
    }
}

#[test]
fn a_policy_diffed_with_a_reformatted_copy_is_empty() {
    for (path, policy) in [
        ("policies/segment.yaml", &*OLD),
        ("policies/segment-2025.yaml", &*NEW),
    ] {
        // Serialised again: no comments, other quoting and layout.
        let again = Policy::from_yaml(&policy.to_yaml().unwrap()).unwrap();
        assert!(diff::diff(policy, &again).unwrap().is_empty(), "{path}");
        // Keys in another order, as JSON; catalogue lists in another order.
        let mut doc = policy.document().clone();
        doc.destinations.reverse();
        doc.sources.reverse();
        doc.cloud_regions.reverse();
        let json = serde_json::to_string(&serde_json::to_value(&doc).unwrap()).unwrap();
        let copy = Policy::from_yaml(&json).unwrap();
        let d = diff::diff(policy, &copy).unwrap();
        assert!(d.is_empty(), "{path}: {}", d.to_text());
        assert_eq!(d.old.digest, d.new.digest);
    }
}

#[test]
fn the_2022_to_2025_diff_has_the_groups_a_reviewer_expects() {
    let d = &*DIFF;
    assert!(!d.is_empty());
    assert!(d.has_new_allows());
    assert_eq!(d.old.name, "segment-regional-2022");
    assert_eq!(d.new.name, "segment-regional-2025");
    assert_eq!(d.old.digest, OLD.digest());
    assert_eq!(d.new.digest, NEW.digest());

    // Newly allowed flows of the strict region come first.
    let first = &d.groups[0];
    assert!(first.strict && first.region == "eu-west" && first.counts.newly_allowed > 0);
    let strict_allows = d
        .groups
        .iter()
        .take_while(|g| g.strict && g.counts.newly_allowed > 0)
        .count();
    assert!(d.groups[strict_allows..]
        .iter()
        .all(|g| !(g.strict && g.counts.newly_allowed > 0)));
    // Then the groups with a significant change, before those whose every change is a denial
    // for other reasons.
    let rest = &d.groups[strict_allows..];
    let minor = rest.iter().position(|g| g.counts.significant() == 0).unwrap();
    assert!(minor > 0);
    assert!(rest[minor..].iter().all(|g| g.counts.significant() == 0));

    // The second US loader range: connect newly allowed, allowlist hands out two CIDRs.
    let connect = group(d, "connect", "us-west");
    let loaders = entry(connect, EntryKind::LoaderRanges, "warehouse_egress");
    assert!(loaders.counts.newly_allowed > 0);
    assert!(loaders
        .what_changed
        .as_deref()
        .unwrap()
        .contains("+34.223.203.0/28"));
    assert!(loaders
        .examples
        .iter()
        .all(|x| x.change == ChangeKind::NewlyAllowed && x.new.decision == Verdict::Allow));
    let allowlist = group(d, "allowlist", "us-west");
    let cidrs = entry(allowlist, EntryKind::LoaderRanges, "warehouse_egress");
    assert!(cidrs.counts.other_extras > 0);
    let x = &cidrs.examples[0];
    assert_eq!(x.change, ChangeKind::OtherExtras);
    // Only the CIDRs changed, for every warehouse that needs or recommends an allowlist: the
    // change is the loader ranges', not a store's.
    assert_eq!(x.old.reasons, x.new.reasons);
    assert!(cidrs.counts.other_extras >= 5, "{:?}", cidrs.counts);
    assert_eq!(
        x.new.resolved.cidrs.as_ref().unwrap(),
        &["52.25.130.38/32", "34.223.203.0/28"]
    );

    // EU West takes cloud sources now.
    let resolve = group(d, "resolve", "eu-west");
    let hubspot = entry(resolve, EntryKind::Source, "hubspot");
    assert!(hubspot.counts.newly_allowed > 0);
    assert!(hubspot
        .what_changed
        .as_deref()
        .unwrap()
        .contains("regions +eu-west"));

    // Slack's EU endpoint is gone: EU West's deliveries to it are denied now.
    let deliver = group(d, "deliver", "eu-west");
    let slack = entry(deliver, EntryKind::Destination, "slack");
    assert_eq!(slack.counts.newly_denied, 2);
    assert_eq!(slack.what_changed.as_deref(), Some("endpoint `eu` (eu) removed"));
    assert!(slack.examples.iter().all(|x| x.change == ChangeKind::NewlyDenied));

    // The edge ingestion regions are gone: their hosts refuse US data now.
    let ingest = group(d, "ingest", "us-west");
    let edge = entry(ingest, EntryKind::Host, "in.eu2.segmentapis.com");
    assert!(edge.counts.newly_denied > 0);
    assert_eq!(edge.what_changed.as_deref(), Some("listed by -us-west/dublin"));
    // A catalog source only the new policy lists: questions of the new space alone.
    let new_source = entry(ingest, EntryKind::Source, "db2");
    assert!(new_source.counts.newly_allowed > 0);
    assert_eq!(new_source.what_changed.as_deref(), Some("added"));
    // ... which stays US-only: no EU workspace may name it.
    let eu = group(d, "ingest", "eu-west");
    assert!(eu
        .entries
        .iter()
        .all(|e| e.name != "db2" || e.counts.newly_allowed == 0));
    let failover = group(d, "failover", "us-west");
    assert!(failover.counts.newly_denied > 0 && failover.counts.newly_allowed == 0);

    // Counts add up.
    let sum: usize = d.groups.iter().map(|g| g.counts.total()).sum();
    assert_eq!(sum, d.counts.total());
    for g in &d.groups {
        let sum: usize = g.entries.iter().map(|e| e.counts.total()).sum();
        assert_eq!(sum, g.counts.total(), "{} {}", g.ask, g.region);
        for e in &g.entries {
            assert!(!e.examples.is_empty() && e.examples.len() <= diff::MAX_EXAMPLES);
        }
    }
}

#[test]
fn every_change_reported_is_a_real_change_and_decides_as_shown() {
    for g in &DIFF.groups {
        for e in &g.entries {
            for x in &e.examples {
                let (old, new) = (OLD.decide(&x.question), NEW.decide(&x.question));
                assert_eq!(old.verdict(), x.old.decision);
                assert_eq!(new.verdict(), x.new.decision);
                assert_ne!(x.old, x.new, "{:?}", x.question);
            }
        }
    }
}

#[test]
fn a_removed_eu_endpoint_is_named_on_its_destination() {
    let (_, d) = narrowed(|doc| {
        let amplitude = doc.destinations.iter_mut().find(|d| d.id == "amplitude").unwrap();
        amplitude.endpoints.retain(|e| e.id != "eu");
    });
    let deliver = group(&d, "deliver", "eu-west");
    assert!(deliver.strict);
    let amplitude = entry(deliver, EntryKind::Destination, "amplitude");
    assert!(amplitude.counts.newly_denied > 0);
    assert_eq!(
        amplitude.what_changed.as_deref(),
        Some("endpoint `eu` (eu) removed")
    );
    let q = Question::Deliver {
        workspace: "eu-west".into(),
        destination: "amplitude".into(),
        endpoint: None,
    };
    assert!(amplitude.examples.iter().any(|x| x.question == q));
    // Only amplitude's questions changed.
    assert!(d
        .groups
        .iter()
        .flat_map(|g| &g.entries)
        .all(|e| e.entry == EntryKind::Destination && e.name == "amplitude"));
    let text = d.to_text();
    assert!(
        text.contains("destination `amplitude` (endpoint `eu` (eu) removed):"),
        "{text}"
    );
}

#[test]
fn the_text_is_bounded_and_names_both_digests() {
    let text = DIFF.to_text();
    assert!(text.contains(&format!("old digest: {}", OLD.digest())));
    assert!(text.contains(&format!("new digest: {}", NEW.digest())));
    assert!(text.contains("… and "), "long groups are cut");
    assert!(text.lines().count() < 400, "{} lines", text.lines().count());
}

#[test]
fn the_cli_exits_0_or_4_with_fail_on() {
    let a = repo("policies/segment.yaml");
    let b = repo("policies/segment-2025.yaml");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    let o = run(&["diff", a, a, "--fail-on", "any-change"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("every answer is the same"));

    let o = run(&["diff", a, b]);
    assert_eq!(o.status.code(), Some(0));
    let o = run(&["diff", a, b, "--fail-on", "new-allows"]);
    assert_eq!(o.status.code(), Some(4));
    let o = run(&["diff", a, b, "--fail-on", "any-change"]);
    assert_eq!(o.status.code(), Some(4));

    // A change that only denies: new-allows is not met, any-change is.
    let text = std::fs::read_to_string(a).unwrap();
    let narrower = text.replace(
        "{id: eu, jurisdiction: eu, hosts: [api.eu.amplitude.com]}",
        "{id: eu, jurisdiction: us, hosts: [api.eu.amplitude.com]}",
    );
    assert_ne!(narrower, text);
    let narrower = write_temp("narrower.yaml", &narrower);
    let n = narrower.to_str().unwrap();
    assert_eq!(
        run(&["diff", a, n, "--fail-on", "new-allows"]).status.code(),
        Some(0)
    );
    assert_eq!(
        run(&["diff", a, n, "--fail-on", "any-change"]).status.code(),
        Some(4)
    );
    // The other way round it allows again.
    assert_eq!(
        run(&["diff", n, a, "--fail-on", "new-allows"]).status.code(),
        Some(4)
    );

    // JSON for machines.
    let o = run(&["diff", a, b, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["old"]["digest"], OLD.digest());
    assert_eq!(json["new"]["digest"], NEW.digest());
    assert!(json["counts"]["newly_allowed"].as_u64().unwrap() > 0);
    assert_eq!(json["groups"][0]["region"], "eu-west");

    // Errors: a policy that does not load, an unknown --fail-on.
    let bad = write_temp("bad.yaml", "version: 1\nname: [");
    let o = run(&["diff", a, bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 2"));
    let o = run(&["--policy", a, "diff", a, b]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`--policy` has no place"));
    let o = run(&["diff", a, b, "--fail-on", "sometimes"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("new-allows"));
}

#[test]
fn the_readmes_diff_summary_is_the_shipped_policies_current_one() {
    let readme = crate::docs();
    let command = "$ regionfence diff policies/segment.yaml policies/segment-2025.yaml\n";
    let start = readme
        .find(command)
        .expect("the README shows the 2022 → 2025 diff")
        + command.len();
    let end = start + readme[start..].find("\n…\n").unwrap() + 1;
    assert_eq!(
        &readme[start..end],
        DIFF.summary(),
        "README's diff summary is stale: regenerate it with `regionfence diff policies/segment.yaml policies/segment-2025.yaml`"
    );
}

#[test]
fn a_new_first_host_is_named() {
    let eu = "hosts: [events.eu1.segmentapis.com]";
    assert!(DEFAULT_POLICY_YAML.contains(eu));
    let with = |hosts: &str| Policy::from_yaml(&DEFAULT_POLICY_YAML.replace(eu, hosts)).unwrap();
    let old = with("hosts: [events.eu1.segmentapis.com, in.eu1.example.com]");
    let new = with("hosts: [in.eu1.example.com, events.eu1.segmentapis.com]");
    let d = diff::diff(&old, &new).unwrap();
    let resolve = group(&d, "resolve", "eu-west");
    let dublin = entry(resolve, EntryKind::IngestionRegion, "dublin");
    assert_eq!(dublin.what_changed.as_deref(), Some("another first host"));
    assert!(dublin.counts.other_extras > 0);
    // The same hosts in the same order: nothing to say.
    assert!(diff::diff(&old, &old).unwrap().is_empty());
}

#[test]
fn a_destination_dropped_from_the_policy_reads_removed_and_back_added() {
    let (new, d) = narrowed(|doc| doc.destinations.retain(|d| d.id != "amplitude"));
    let amplitude = entry(
        group(&d, "deliver", "eu-west"),
        EntryKind::Destination,
        "amplitude",
    );
    assert!(amplitude.counts.newly_denied > 0);
    assert_eq!(amplitude.what_changed.as_deref(), Some("removed"));

    let back = diff::diff(&new, &OLD).unwrap();
    assert!(back.has_new_allows());
    let amplitude = entry(
        group(&back, "deliver", "eu-west"),
        EntryKind::Destination,
        "amplitude",
    );
    assert!(amplitude.counts.newly_allowed > 0);
    assert_eq!(amplitude.what_changed.as_deref(), Some("added"));
}

#[test]
fn a_kind_dropped_from_a_region_is_named_on_its_sources() {
    let (new, d) = narrowed(|doc| {
        let eu = doc.regions.iter_mut().find(|r| r.id == "eu-west").unwrap();
        eu.source_kinds.retain(|k| k != "ios");
    });
    let ios = entry(group(&d, "ingest", "eu-west"), EntryKind::Source, "ios");
    assert!(ios.counts.newly_denied > 0);
    assert_eq!(ios.what_changed.as_deref(), Some("`eu-west` source_kinds -ios"));
    let back = diff::diff(&new, &OLD).unwrap();
    let ios = entry(group(&back, "ingest", "eu-west"), EntryKind::Source, "ios");
    assert_eq!(ios.what_changed.as_deref(), Some("`eu-west` source_kinds +ios"));
}

#[test]
fn an_endpoint_moved_to_another_jurisdiction_is_named() {
    let (_, d) = narrowed(|doc| {
        let amplitude = doc.destinations.iter_mut().find(|d| d.id == "amplitude").unwrap();
        let eu = amplitude.endpoints.iter_mut().find(|e| e.id == "eu").unwrap();
        eu.jurisdiction = "us".into();
    });
    let amplitude = entry(
        group(&d, "deliver", "eu-west"),
        EntryKind::Destination,
        "amplitude",
    );
    assert!(amplitude.counts.newly_denied > 0);
    assert_eq!(
        amplitude.what_changed.as_deref(),
        Some("endpoint `eu` moved from eu to us")
    );
}

#[test]
fn an_allowlisting_made_lighter_is_allowed_for_other_reasons() {
    use regionfence::document::Allowlisting;
    let (_, d) = narrowed(|doc| {
        let redshift = doc.stores.iter_mut().find(|s| s.id == "redshift").unwrap();
        assert_eq!(redshift.allowlist, Some(Allowlisting::Required));
        redshift.allowlist = Some(Allowlisting::Recommended);
    });
    for region in ["eu-west", "us-west"] {
        let g = group(&d, "allowlist", region);
        let redshift = entry(g, EntryKind::Store, "redshift");
        let c = redshift.counts;
        assert!(c.allowed_for_other_reasons > 0, "{region}: {c:?}");
        assert_eq!(c.total(), c.allowed_for_other_reasons, "{region}: {c:?}");
        assert_eq!(c.significant(), c.allowed_for_other_reasons, "{region}: {c:?}");
    }
}

/// A store offered to one more region is one entry of that region's store group, named
/// with what changed: not one group of a question per cloud region.
#[test]
fn a_store_offered_to_another_region_is_named_on_the_store() {
    let mut doc = OLD.document().clone();
    let lake = doc.stores.iter_mut().find(|s| s.id == "data-lake").unwrap();
    lake.regions = Some(vec!["us-west".into()]);
    let before = Policy::compile(doc.clone()).unwrap();
    let lake = doc.stores.iter_mut().find(|s| s.id == "data-lake").unwrap();
    lake.regions = Some(vec!["us-west".into(), "eu-west".into()]);
    let after = Policy::compile(doc).unwrap();
    let d = diff::diff(&before, &after).unwrap();
    assert!(d.has_new_allows());
    for g in &d.groups {
        assert_eq!(
            (g.ask.as_str(), g.region.as_str()),
            ("store", "eu-west"),
            "{}",
            d.to_text()
        );
    }
    let g = group(&d, "store", "eu-west");
    assert_eq!(g.entries.len(), 1, "{}", d.to_text());
    let lake = entry(g, EntryKind::Store, "data-lake");
    assert_eq!(lake.what_changed.as_deref(), Some("offered to `eu-west`"));
    assert!(lake.counts.newly_allowed > 0);
    let d = diff::diff(&after, &before).unwrap();
    let lake = entry(group(&d, "store", "eu-west"), EntryKind::Store, "data-lake");
    assert_eq!(
        lake.what_changed.as_deref(),
        Some("no longer offered to `eu-west`")
    );
}

/// An answer that names two entries goes to the one that changed: a host gone from the
/// policy is named on the host also where the source was refused before (`cloud-event` in EU
/// West), not on the source; a zone added to US West's Dublin is named on Dublin also for
/// failovers from Oregon into it, not on Oregon, which did not change.
#[test]
fn an_answer_about_two_entries_is_the_changed_ones() {
    let (new, d) = narrowed(|doc| {
        let us = doc.regions.iter_mut().find(|r| r.id == "us-west").unwrap();
        us.ingestion.retain(|i| i.id != "sydney");
    });
    let q = Question::Ingest {
        workspace: "eu-west".into(),
        source: "cloud-event".into(),
        host: "in.au1.segmentapis.com".into(),
    };
    let codes = |p: &Policy| p.decide(&q).codes().map(|c| c.as_str()).collect::<Vec<_>>();
    assert_eq!(
        codes(&OLD),
        ["source-unsupported-in-region", "ingestion-outside-region"]
    );
    assert_eq!(codes(&new), ["unknown-host"]);
    let ingest = group(&d, "ingest", "eu-west");
    let host = entry(ingest, EntryKind::Host, "in.au1.segmentapis.com");
    assert_eq!(host.what_changed.as_deref(), Some("listed by -us-west/sydney"));
    assert!(
        ingest.entries.iter().all(|e| e.entry == EntryKind::Host),
        "{}",
        d.to_text()
    );

    let mut doc = OLD.document().clone();
    let us = doc.regions.iter_mut().find(|r| r.id == "us-west").unwrap();
    let dublin = us.ingestion.iter_mut().find(|i| i.id == "dublin").unwrap();
    dublin.zones.push("d".into());
    let new = Policy::compile(doc).unwrap();
    let q = Question::Failover {
        from: "us-west/oregon-a".into(),
        to: "us-west/dublin-d".into(),
    };
    assert_ne!(OLD.decide(&q).codes().next(), new.decide(&q).codes().next());
    let d = diff::diff(&OLD, &new).unwrap();
    let failover = group(&d, "failover", "us-west");
    let dublin = entry(failover, EntryKind::FailoverLocation, "us-west/dublin");
    assert_eq!(dublin.what_changed.as_deref(), Some("zones +d"));
    assert!(
        d.groups
            .iter()
            .flat_map(|g| &g.entries)
            .all(|e| e.name == "us-west/dublin"),
        "{}",
        d.to_text()
    );
}

/// A region's first loader range answers `allowlist` for its warehouses that were
/// `allowlist-unknown`: a change of the loader ranges, not of the warehouses.
#[test]
fn a_first_loader_range_is_named_on_the_ranges() {
    let mut doc = OLD.document().clone();
    let eu = doc.regions.iter_mut().find(|r| r.id == "eu-west").unwrap();
    let ranges = std::mem::take(&mut eu.warehouse_egress);
    let without = Policy::compile(doc.clone()).unwrap();
    let d = diff::diff(&without, &OLD).unwrap();
    let allowlist = group(&d, "allowlist", "eu-west");
    let loaders = entry(allowlist, EntryKind::LoaderRanges, "warehouse_egress");
    assert_eq!(
        loaders.what_changed.as_deref(),
        Some(format!("`eu-west` warehouse_egress +{}", ranges[0]).as_str())
    );
    assert!(loaders.counts.newly_allowed > 0, "{:?}", loaders.counts);
    assert_eq!(allowlist.entries.len(), 1, "{}", d.to_text());
}

/// One random edit of one store of `doc` (the regions it is offered to, its clouds, its
/// allowlisting or its kind); the store's id, or `None` when there is no store.
fn edit_a_store(doc: &mut Document, t: &mut Choices<'_>) -> Option<String> {
    use regionfence::document::{Allowlisting, StoreKind};
    let region_ids: Vec<String> = doc.regions.iter().map(|r| r.id.clone()).collect();
    let si = t.below(doc.stores.len());
    let s = doc.stores.get_mut(si)?;
    match t.below(4) {
        0 => {
            let mut offered = s.regions.clone().unwrap_or(region_ids.clone());
            if !offered.is_empty() && t.percent(50) {
                offered.remove(t.below(offered.len()));
                s.regions = Some(offered);
            } else {
                s.regions = match t.pick(&region_ids) {
                    Some(r) if t.percent(50) => Some(vec![r.clone()]),
                    _ => None,
                };
            }
        }
        1 => {
            if !s.clouds.is_empty() {
                s.clouds.remove(t.below(s.clouds.len()));
            }
        }
        2 => {
            if s.kind == StoreKind::Warehouse {
                s.allowlist = Some(match s.allowlist {
                    Some(Allowlisting::Required) => Allowlisting::NotNeeded,
                    Some(Allowlisting::NotNeeded) => Allowlisting::Recommended,
                    _ => Allowlisting::Required,
                });
            }
        }
        _ => {
            (s.kind, s.allowlist) = match s.kind {
                StoreKind::Warehouse => (StoreKind::DataLake, None),
                StoreKind::DataLake => (StoreKind::Archive, None),
                StoreKind::Archive => (StoreKind::Warehouse, Some(Allowlisting::Required)),
            };
        }
    }
    Some(s.id.clone())
}

/// An entry a diff may attribute the answers an edit changed to: its kind, the names it may
/// have (any, when empty), and words its `what_changed` must hold.
#[derive(Debug)]
struct Attributed {
    kind: EntryKind,
    names: Vec<String>,
    says: &'static str,
}

impl Attributed {
    fn one(kind: EntryKind, name: &str, says: &'static str) -> Attributed {
        Attributed {
            kind,
            names: vec![name.to_string()],
            says,
        }
    }

    /// Any entry of the kind.
    fn any(kind: EntryKind, says: &'static str) -> Attributed {
        Attributed {
            kind,
            names: Vec::new(),
            says,
        }
    }

    fn admits(&self, e: &EntryChanges) -> bool {
        e.entry == self.kind
            && (self.names.is_empty() || self.names.contains(&e.name))
            && e.what_changed.as_deref().is_some_and(|w| w.contains(self.says))
    }
}

/// One random edit of `doc`, of one entry picked from the document: a store, a source kind
/// (a region's `source_kinds` or `catalog_only_kinds`, its mechanism or side), a catalog
/// source, a destination and its endpoints, a region's place lists or jurisdiction, an
/// ingestion region (its hosts, being the default, being there at all), its failover
/// locations (`zones`, `failover_to`), a region's loader ranges, a cloud region, a group's
/// countries. What the edit did, and the entries the diff may attribute the answers it
/// changed to (none: no answer may change); `None` when the document has no such entry.
fn edit_an_entry(doc: &mut Document, t: &mut Choices<'_>) -> Option<(String, Vec<Attributed>)> {
    use regionfence::document::{AnyWord, IngestionDoc, Mechanism, PlacesDoc, Residency, Side};
    use EntryKind as K;
    let group_ids: Vec<String> = doc.groups.iter().map(|g| g.id.clone()).collect();
    let cloud_ids: Vec<String> = doc.cloud_regions.iter().map(|c| c.id.clone()).collect();
    let kind_ids: Vec<String> = doc.source_kinds.iter().map(|k| k.id.clone()).collect();
    let region_ids: Vec<String> = doc.regions.iter().map(|r| r.id.clone()).collect();
    let paths: Vec<String> = doc
        .regions
        .iter()
        .flat_map(|r| r.ingestion.iter().map(move |i| format!("{}/{}", r.id, i.id)))
        .collect();
    // A kind and the catalog sources of it: the names its questions may use.
    let sources_of = |doc: &Document, kind: &str| -> Vec<String> {
        std::iter::once(kind.to_string())
            .chain(
                doc.sources
                    .iter()
                    .filter(|s| s.kind == kind)
                    .map(|s| s.id.clone()),
            )
            .collect()
    };
    // Adds `x` to `list`, or takes it out when it is there.
    fn toggle(list: &mut Vec<String>, x: &str) -> &'static str {
        if let Some(at) = list.iter().position(|y| y == x) {
            list.remove(at);
            "-"
        } else {
            list.push(x.to_string());
            "+"
        }
    }
    let hosts: Vec<String> = doc
        .regions
        .iter()
        .flat_map(|r| r.ingestion.iter().flat_map(|i| i.hosts.clone()))
        .collect();
    let places_pool: Vec<String> = group_ids.iter().chain(&cloud_ids).cloned().collect();
    let ri = t.below(doc.regions.len());
    Some(match t.below(14) {
        0 => {
            let store = edit_a_store(doc, t)?;
            (
                format!("store `{store}`"),
                vec![Attributed::one(K::Store, &store, "")],
            )
        }
        1 => {
            let kind = t.pick(&kind_ids)?.clone();
            let names = sources_of(doc, &kind);
            let r = doc.regions.get_mut(ri)?;
            let sign = toggle(&mut r.source_kinds, &kind);
            r.catalog_only_kinds.retain(|k| *k != kind);
            let what = format!("`{}` source_kinds {sign}{kind}", r.id);
            let says = "source_kinds";
            (
                what,
                vec![Attributed {
                    kind: K::Source,
                    names,
                    says,
                }],
            )
        }
        2 => {
            let r = doc.regions.get_mut(ri)?;
            let kind = t.pick(&r.source_kinds)?.clone();
            let sign = toggle(&mut r.catalog_only_kinds, &kind);
            let what = format!("`{}` catalog_only_kinds {sign}{kind}", r.id);
            (
                what,
                vec![Attributed::one(K::Source, &kind, "catalog_only_kinds")],
            )
        }
        3 => {
            let ki = t.below(doc.source_kinds.len());
            let names = sources_of(doc, &doc.source_kinds.get(ki)?.id);
            let k = doc.source_kinds.get_mut(ki)?;
            if t.percent(50) {
                k.mechanism = match k.mechanism {
                    Mechanism::RegionalSettings => Mechanism::HostParameter,
                    Mechanism::HostParameter => Mechanism::Managed,
                    Mechanism::Managed => Mechanism::RegionalSettings,
                };
                let what = format!("kind `{}` mechanism → {}", k.id, k.mechanism);
                (
                    what,
                    vec![Attributed {
                        kind: K::Source,
                        names,
                        says: "mechanism",
                    }],
                )
            } else {
                // No rule reads a kind's side.
                k.side = match k.side {
                    Side::Client => Side::Server,
                    Side::Server => Side::Cloud,
                    Side::Cloud => Side::Client,
                };
                (format!("kind `{}` side → {}", k.id, k.side), vec![])
            }
        }
        4 => {
            let si = t.below(doc.sources.len());
            let s = doc.sources.get_mut(si)?;
            let id = s.id.clone();
            let what = match t.below(3) {
                0 => {
                    let region = t.pick(&region_ids)?;
                    format!("source `{id}` regions {}{region}", toggle(&mut s.regions, region))
                }
                1 => {
                    s.kind = t.pick(&kind_ids)?.clone();
                    format!("source `{id}` kind → {}", s.kind)
                }
                _ => {
                    doc.sources.remove(si);
                    format!("source `{id}` removed")
                }
            };
            (what, vec![Attributed::one(K::Source, &id, "")])
        }
        5 => {
            let di = t.below(doc.destinations.len());
            let d = doc.destinations.get_mut(di)?;
            let id = d.id.clone();
            let ei = t.below(d.endpoints.len());
            let what = match t.below(6) {
                0 => {
                    let region = t.pick(&region_ids)?;
                    format!("regions {}{region}", toggle(&mut d.regions, region))
                }
                1 => {
                    let e = d.endpoints.get_mut(ei)?;
                    e.jurisdiction = t.pick(&group_ids)?.clone();
                    format!("endpoint `{}` jurisdiction → {}", e.id, e.jurisdiction)
                }
                2 if d.endpoints.len() > 1 => {
                    let e = d.endpoints.remove(ei);
                    format!("endpoint `{}` removed", e.id)
                }
                3 => {
                    let e = d.endpoints.get_mut(ei)?;
                    let host = format!("new{}.dest.example", t.below(3));
                    format!("endpoint `{}` hosts {}{host}", e.id, toggle(&mut e.hosts, &host))
                }
                4 if d.endpoints.len() > 1 => {
                    d.endpoints.swap(0, ei.max(1));
                    "endpoints reordered".to_string()
                }
                _ => {
                    doc.destinations.remove(di);
                    "removed".to_string()
                }
            };
            let what = format!("destination `{id}` {what}");
            (what, vec![Attributed::one(K::Destination, &id, "")])
        }
        6 => {
            let r = doc.regions.get_mut(ri)?;
            let list = |t: &mut Choices<'_>, old: Vec<String>| {
                let mut list = old;
                toggle(&mut list, t.pick(&places_pool)?);
                Some(list)
            };
            let listed = |p: &Option<PlacesDoc>| match p {
                Some(PlacesDoc::List(l)) => l.clone(),
                _ => Vec::new(),
            };
            let random = |t: &mut Choices<'_>, old: &Option<PlacesDoc>| -> Option<Option<PlacesDoc>> {
                Some(match t.below(3) {
                    0 => None,
                    1 => Some(PlacesDoc::Any(AnyWord::Any)),
                    _ => Some(PlacesDoc::List(list(t, listed(old))?)),
                })
            };
            match t.below(3) {
                0 => {
                    r.deliver_to = random(t, &r.deliver_to)?;
                    let what = format!("`{}` deliver_to → {:?}", r.id, r.deliver_to);
                    (what, vec![Attributed::any(K::Destination, "deliver_to")])
                }
                1 => {
                    r.customer_storage = random(t, &r.customer_storage)?;
                    let what = format!("`{}` customer_storage → {:?}", r.id, r.customer_storage);
                    (what, vec![Attributed::any(K::CloudRegion, "customer_storage")])
                }
                _ => {
                    r.archive = list(t, r.archive.clone())?;
                    let what = format!("`{}` archive → {:?}", r.id, r.archive);
                    (what, vec![Attributed::any(K::CloudRegion, "archive")])
                }
            }
        }
        7 => {
            // The jurisdiction and residency: the places a region's unset lists default to.
            let r = doc.regions.get_mut(ri)?;
            let (what, says) = if t.percent(50) {
                r.jurisdiction = t.pick(&group_ids)?.clone();
                (
                    format!("`{}` jurisdiction → {}", r.id, r.jurisdiction),
                    "jurisdiction",
                )
            } else {
                r.residency = match r.residency {
                    Residency::Strict => Residency::EdgeIngest,
                    Residency::EdgeIngest => Residency::Strict,
                };
                (format!("`{}` residency → {}", r.id, r.residency), "residency")
            };
            let attributed = vec![
                Attributed::any(K::Destination, says),
                Attributed::any(K::CloudRegion, says),
            ];
            (what, attributed)
        }
        8 => {
            let r = doc.regions.get_mut(ri)?;
            let ii = t.below(r.ingestion.len());
            let i = r.ingestion.get_mut(ii)?;
            let path = format!("{}/{}", r.id, i.id);
            let first = |i: &IngestionDoc| Attributed::one(K::IngestionRegion, &i.id, "host");
            match t.below(3) {
                0 => {
                    // A fresh host, or one another ingestion region lists.
                    let fresh = format!("new{}.ingest.example", t.below(2));
                    let host = match t.pick(&hosts) {
                        Some(h) if t.percent(50) => h.clone(),
                        _ => fresh,
                    };
                    if i.hosts.contains(&host) {
                        return None;
                    }
                    i.hosts.push(host.clone());
                    let what = format!("{path} hosts +{host}");
                    (what, vec![Attributed::one(K::Host, &host, "listed by"), first(i)])
                }
                1 if i.hosts.len() > 1 => {
                    let host = i.hosts.remove(t.below(i.hosts.len()));
                    let what = format!("{path} hosts -{host}");
                    (what, vec![Attributed::one(K::Host, &host, "listed by"), first(i)])
                }
                _ => {
                    if i.hosts.len() < 2 {
                        return None;
                    }
                    i.hosts.swap(0, 1);
                    (format!("{path} hosts reordered"), vec![first(i)])
                }
            }
        }
        9 => {
            // Which ingestion region is the default, or whether one is there at all.
            let r = doc.regions.get_mut(ri)?;
            let region = r.id.clone();
            let ii = t.below(r.ingestion.len());
            let old_default = r.ingestion.iter().find(|i| i.default)?.id.clone();
            match t.below(3) {
                0 => {
                    for (k, i) in r.ingestion.iter_mut().enumerate() {
                        i.default = k == ii;
                    }
                    let new_default = r.ingestion.get(ii)?.id.clone();
                    let what = format!("`{region}` default ingestion {old_default} → {new_default}");
                    let attributed = vec![
                        Attributed::one(K::IngestionRegion, &old_default, "default"),
                        Attributed::one(K::IngestionRegion, &new_default, "default"),
                    ];
                    (what, attributed)
                }
                1 => {
                    let id = ["new-ingest", "a", "dublin", "edge"][t.below(4)].to_string();
                    if r.ingestion.iter().any(|i| i.id == id) {
                        return None;
                    }
                    let host = format!("new.{id}.ingest.example");
                    r.ingestion.push(IngestionDoc {
                        id: id.clone(),
                        default: false,
                        cloud_region: t.pick(&cloud_ids)?.clone(),
                        hosts: vec![host.clone()],
                        zones: vec!["a".into(), "b".into()],
                        failover_to: Vec::new(),
                    });
                    let path = format!("{region}/{id}");
                    let attributed = vec![
                        Attributed::one(K::IngestionRegion, &id, "added"),
                        Attributed::one(K::Host, &host, "listed by"),
                        Attributed::one(K::FailoverLocation, &path, "added"),
                    ];
                    (format!("{path} added"), attributed)
                }
                _ => {
                    if r.ingestion.len() < 2 {
                        return None;
                    }
                    let gone = r.ingestion.remove(ii);
                    if gone.default {
                        r.ingestion.first_mut()?.default = true;
                    }
                    let path = format!("{region}/{}", gone.id);
                    let mut attributed = vec![
                        Attributed::one(K::IngestionRegion, &gone.id, "removed"),
                        Attributed::one(K::FailoverLocation, &path, "removed"),
                    ];
                    // Failover targets name it no more.
                    for r in &mut doc.regions {
                        for i in &mut r.ingestion {
                            if i.failover_to.contains(&path) {
                                i.failover_to.retain(|p| *p != path);
                                let from = format!("{}/{}", r.id, i.id);
                                attributed.push(Attributed::one(K::FailoverLocation, &from, "failover_to"));
                            }
                        }
                    }
                    let r = doc.regions.get_mut(ri)?;
                    attributed.extend(
                        gone.hosts
                            .iter()
                            .map(|h| Attributed::one(K::Host, h, "listed by")),
                    );
                    if gone.default {
                        let new_default = r.ingestion.first()?.id.clone();
                        attributed.push(Attributed::one(K::IngestionRegion, &new_default, "default"));
                    }
                    (format!("{path} removed"), attributed)
                }
            }
        }
        10 => {
            let r = doc.regions.get_mut(ri)?;
            let region = r.id.clone();
            let ii = t.below(r.ingestion.len());
            let i = r.ingestion.get_mut(ii)?;
            let path = format!("{region}/{}", i.id);
            let what = if t.percent(50) {
                let zone = ["a", "b", "c", "1", "az1"][t.below(5)];
                format!("{path} zones {}{zone}", toggle(&mut i.zones, zone))
            } else {
                let target = t.pick(&paths)?;
                format!(
                    "{path} failover_to {}{target}",
                    toggle(&mut i.failover_to, target)
                )
            };
            (what, vec![Attributed::one(K::FailoverLocation, &path, "")])
        }
        11 => {
            let r = doc.regions.get_mut(ri)?;
            const CIDRS: &[&str] = &[
                "10.0.0.0/24",
                "10.9.0.0/16",
                "3.251.148.96/29",
                "2001:db8::/64",
                "0.0.0.0/0",
            ];
            let what = match t.below(3) {
                0 if r.warehouse_egress.len() > 1 => {
                    r.warehouse_egress.swap(0, 1);
                    "reordered".to_string()
                }
                _ => {
                    let cidr = match t.pick(&r.warehouse_egress) {
                        Some(c) if t.percent(50) => c.clone(),
                        _ => CIDRS[t.below(CIDRS.len())].to_string(),
                    };
                    format!("{}{cidr}", toggle(&mut r.warehouse_egress, &cidr))
                }
            };
            let what = format!("`{}` warehouse_egress {what}", r.id);
            (
                what,
                vec![Attributed::one(
                    K::LoaderRanges,
                    "warehouse_egress",
                    "warehouse_egress",
                )],
            )
        }
        12 => {
            let ci = t.below(doc.cloud_regions.len());
            let c = doc.cloud_regions.get_mut(ci)?;
            let id = c.id.clone();
            match t.below(3) {
                0 => {
                    c.country = ["IE", "DE", "US", "JP", "BR"][t.below(5)].to_string();
                    let what = format!("cloud region `{id}` country → {}", c.country);
                    (what, vec![Attributed::one(K::CloudRegion, &id, "country")])
                }
                1 => {
                    // One nothing else names.
                    let mut rest = doc.clone();
                    rest.cloud_regions.clear();
                    if serde_json::to_string(&rest).ok()?.contains(&format!("\"{id}\"")) {
                        return None;
                    }
                    doc.cloud_regions.remove(ci);
                    let what = format!("cloud region `{id}` removed");
                    (what, vec![Attributed::one(K::CloudRegion, &id, "catalogue")])
                }
                _ => {
                    let provider = id.split(':').next()?;
                    let id = format!("{provider}:new-{}", t.below(2));
                    if doc.cloud_regions.iter().any(|c| c.id == id) {
                        return None;
                    }
                    let country = ["IE", "DE", "US", "JP", "BR"][t.below(5)].to_string();
                    doc.cloud_regions.push(regionfence::document::CloudRegionDoc {
                        id: id.clone(),
                        country,
                        name: None,
                    });
                    let what = format!("cloud region `{id}` added");
                    (what, vec![Attributed::one(K::CloudRegion, &id, "catalogue")])
                }
            }
        }
        _ => {
            // A group's countries: which cloud regions are in the group.
            let gi = t.below(doc.groups.len());
            let country = ["IE", "DE", "US", "JP", "CH"][t.below(5)];
            let clouds: Vec<String> = doc
                .cloud_regions
                .iter()
                .filter(|c| c.country == country)
                .map(|c| c.id.clone())
                .collect();
            let g = doc.groups.get_mut(gi)?;
            let what = format!(
                "group `{}` countries {}{country}",
                g.id,
                toggle(&mut g.countries, country)
            );
            // Only the store questions of cloud regions of that country change.
            let attributed = if clouds.is_empty() {
                vec![]
            } else {
                vec![Attributed {
                    kind: K::CloudRegion,
                    names: clouds,
                    says: "group",
                }]
            };
            (what, attributed)
        }
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_none() { crate::long_or_light(512, 64) } else { proptest::prelude::ProptestConfig::default().cases },
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// On random policies, a random edit of one entry of the document (see `edit_an_entry`):
    /// every answer the diff reports is attributed to that entry, or to the entries the edit
    /// changed with it, with what changed in it; an edit no rule reads changes no answer.
    #[test]
    fn every_change_is_attributed_to_the_entry_that_changed(
        tape in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        edit_tape in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12),
        safe in proptest::prelude::any::<bool>(),
    ) {
        let family = if safe { PolicyFamily::Safe } else { PolicyFamily::Any };
        let doc = random_policy(&mut Choices::new(&tape), family);
        let mut edited = doc.clone();
        let Some((what, attributed)) = edit_an_entry(&mut edited, &mut Choices::new(&edit_tape)) else {
            return Ok(());
        };
        let options = regionfence::CompileOptions::new().as_of(regionfence_model::gen_policy::as_of());
        let Ok(after) = Policy::compile_with(edited, &options) else {
            return Ok(());
        };
        let before = Policy::compile_with(doc, &options).unwrap();
        let d = diff::diff(&before, &after).unwrap();
        for g in &d.groups {
            for e in &g.entries {
                proptest::prop_assert!(
                    attributed.iter().any(|a| a.admits(e)),
                    "{} in `{}`: {} `{}` ({:?}), after {what}: not one of {attributed:?}\n{}",
                    g.ask, g.region, e.entry, e.name, e.what_changed, d.to_text()
                );
            }
        }
    }
}
