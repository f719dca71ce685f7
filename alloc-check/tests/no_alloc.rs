#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! No decision allocates, at either layer: a global allocator that counts every allocation
//! made on this test's thread, around every question kind, allowed and denied, with hosts
//! as gateways see them and as attackers write them. A test binary of its own, so no other
//! test's allocations are counted.

use regionfence::{Decision, Policy};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::net::IpAddr;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations(f: impl FnOnce() -> Decision) -> (u64, Decision) {
    let before = ALLOCATIONS.with(Cell::get);
    let decision = black_box(f());
    (ALLOCATIONS.with(Cell::get) - before, decision)
}

/// Asserts that every call allocates nothing, and that the calls cover both verdicts.
macro_rules! no_allocation {
    ($($call:expr),+ $(,)?) => {{
        let mut allowed = 0;
        let mut denied = 0;
        $(
            let (count, decision) = allocations(|| $call);
            assert_eq!(count, 0, "{} allocated {count} times", stringify!($call));
            if decision.is_allowed() { allowed += 1 } else { denied += 1 }
        )+
        (allowed, denied)
    }};
}

#[test]
fn the_counter_counts() {
    let before = ALLOCATIONS.with(Cell::get);
    black_box(vec![1u8; 16]);
    assert!(ALLOCATIONS.with(Cell::get) > before);
    let policy = Policy::default_policy();
    let (count, _) = allocations(|| {
        black_box(policy.region_name(policy.default_region()).to_string());
        policy.region_change("eu-west", "eu-west")
    });
    assert!(count > 0);
}

#[test]
fn no_string_layer_decision_allocates() {
    let policy = Policy::default_policy();
    let p = &policy;
    let hostile: String = "aZ0-._~%!$&'()*+,;=".chars().cycle().take(2048).collect();
    let too_long = "a".repeat(1 << 16);
    let long_name = format!("{}.segment.io", "a".repeat(300));
    let upper = "HTTPS://EVENTS.EU1.SEGMENTAPIS.COM:443/V1/BATCH?X=1#Y";
    let (allowed, denied) = no_allocation!(
        p.ingest("eu-west", "javascript", "events.eu1.segmentapis.com"),
        p.ingest(
            "eu-west",
            "javascript",
            "https://events.eu1.segmentapis.com:443/v1/batch"
        ),
        p.ingest("eu-west", "javascript", upper),
        p.ingest("eu-west", "javascript", "Events.EU1.SegmentAPIs.com."),
        p.ingest("eu-west", "node-js", "api.segment.io"),
        p.ingest("eu-west", "javascript", &hostile),
        p.ingest("eu-west", "javascript", &too_long),
        p.ingest("eu-west", "javascript", &long_name),
        p.ingest("eu-west", "javascript", "user:pw@events.eu1.segmentapis.com"),
        p.ingest("eu-west", "javascript", "[::1]:443"),
        p.ingest("eu-west", "javascript", "events.eu1.segmentapis.com:8443"),
        p.ingest("eu-west", "javascript", "ftp://events.eu1.segmentapis.com"),
        p.ingest("eu-west", "javascript", "3.251.148.97"),
        p.ingest("eu-west", "javascript", "ev\u{0435}nts.eu1.segmentapis.com"),
        p.ingest("eu-central", "teleport", "collector.example.com"),
        p.resolve("eu-west", "node-js", None),
        p.resolve("eu-west", "node-js", Some("dublin")),
        p.resolve("eu-west", "node-js", Some("oregon")),
        p.resolve("eu-west", "node-js", Some("atlantis")),
        p.deliver("eu-west", "amplitude", None),
        p.deliver("eu-west", "amplitude", Some("eu")),
        p.deliver("eu-west", "amplitude", Some("HTTPS://API.EU.AMPLITUDE.COM/2")),
        p.deliver("eu-west", "amplitude", Some("us")),
        p.deliver("eu-west", "amplitude", Some(&hostile)),
        p.deliver("eu-west", "no-such-destination", None),
        p.store("eu-west", "redshift", "aws:eu-west-1"),
        p.store("eu-west", "redshift", "aws:us-west-2"),
        p.store("eu-west", "redshift", "gcp:europe-west1"),
        p.store("eu-west", "nothing", "nowhere"),
        p.connect("eu-west", "redshift", "3.251.148.100"),
        p.connect("eu-west", "redshift", "::ffff:3.251.148.100"),
        p.connect("eu-west", "redshift", "52.25.130.38"),
        p.connect("eu-west", "redshift", "2001:db8::1"),
        p.connect("eu-west", "redshift", "03.251.148.100"),
        p.connect("eu-west", "redshift", &hostile),
        p.connect("eu-west", "bigquery", "3.251.148.100"),
        p.allowlist("eu-west", "redshift"),
        p.allowlist("eu-west", "bigquery"),
        p.allowlist("eu-west", "archive"),
        p.failover("eu-west/dublin-a", "eu-west/dublin-b"),
        p.failover("eu-west/dublin-a", "us-west/dublin-a"),
        p.failover("eu-west/dublin-a", &hostile),
        p.region_change("eu-west", "eu-west"),
        p.region_change("eu-west", "us-west"),
    );
    assert!(
        allowed >= 10 && denied >= 20,
        "{allowed} allowed, {denied} denied"
    );
}

#[test]
fn no_id_layer_decision_allocates() {
    let policy = Policy::default_policy();
    let other = Policy::from_yaml(regionfence::DEFAULT_POLICY_YAML).unwrap();
    let p = &policy;
    let eu = p.region_id("eu-west").unwrap();
    let us = p.region_id("us-west").unwrap();
    let ios = p.source_id("ios").unwrap();
    let node = p.source_id("node-js").unwrap();
    let eu_host = p.host_id("events.eu1.segmentapis.com").unwrap();
    let us_host = p.host_id("api.segment.io").unwrap();
    let redshift = p.store_id("redshift").unwrap();
    let bigquery = p.store_id("bigquery").unwrap();
    let dublin = p.cloud_id("aws:eu-west-1").unwrap();
    let oregon = p.cloud_id("aws:us-west-2").unwrap();
    let amplitude = p.destination_id("amplitude").unwrap();
    let us_endpoint = p.endpoint_id(amplitude, "us").unwrap();
    let a = p.location_id("eu-west/dublin-a").unwrap();
    let b = p.location_id("eu-west/dublin-b").unwrap();
    let far = p.location_id("us-west/dublin-a").unwrap();
    let dublin_ingestion = p.ingestion_id(eu, "dublin").unwrap();
    let inside: IpAddr = "3.251.148.100".parse().unwrap();
    let mapped: IpAddr = "::ffff:3.251.148.100".parse().unwrap();
    let outside: IpAddr = "52.25.130.38".parse().unwrap();
    let foreign = other.region_id("eu-west").unwrap();
    let (allowed, denied) = no_allocation!(
        p.ingest_ids(eu, ios, eu_host),
        p.ingest_ids(eu, ios, us_host),
        p.ingest_ids(us, node, eu_host),
        p.ingest_ids(foreign, ios, eu_host),
        p.resolve_ids(eu, node, None),
        p.resolve_ids(eu, node, Some(dublin_ingestion)),
        p.resolve_ids(us, node, Some(dublin_ingestion)),
        p.deliver_ids(eu, amplitude, None),
        p.deliver_ids(eu, amplitude, Some(us_endpoint)),
        p.store_ids(eu, redshift, dublin),
        p.store_ids(eu, redshift, oregon),
        p.connect_ids(eu, redshift, inside),
        p.connect_ids(eu, redshift, mapped),
        p.connect_ids(eu, redshift, outside),
        p.connect_ids(eu, bigquery, inside),
        p.allowlist_ids(eu, redshift),
        p.allowlist_ids(eu, bigquery),
        p.failover_ids(a, b),
        p.failover_ids(a, far),
        p.failover_ids(a, a),
        p.store_ids(foreign, redshift, dublin),
    );
    assert!(allowed >= 8 && denied >= 8, "{allowed} allowed, {denied} denied");
}
