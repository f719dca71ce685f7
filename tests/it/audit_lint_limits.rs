#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The lints that can repeat (`shared-host`, `overlapping-cidrs`) give twenty findings one by
//! one and then one that counts the rest; at exactly twenty there is nothing left to count.

use regionfence::audit::lints;
use regionfence::Policy;

/// Two edge-ingest regions sharing `shared` hosts, and `nested` loader ranges of `us-west`
/// inside `eu-west`'s `10.0.0.0/8`.
fn crowded(shared: usize, nested: usize) -> Policy {
    let hosts: Vec<String> = (0..shared).map(|i| format!("h{i}.example")).collect();
    let nets: Vec<String> = (0..nested).map(|i| format!("10.{i}.0.0/16")).collect();
    let hosts = hosts.join(", ");
    let us_nets = if nets.is_empty() {
        "192.0.2.0/24".to_string()
    } else {
        nets.join(", ")
    };
    let text = format!(
        r#"
version: 1
name: crowded
cloud_regions:
  - {{id: aws:eu-west-1, country: IE}}
  - {{id: aws:us-west-2, country: US}}
groups:
  - {{id: eu, countries: [IE]}}
  - {{id: us, countries: [US]}}
source_kinds:
  - {{id: javascript, side: client, mechanism: regional-settings}}
regions:
  - id: us-west
    default: true
    residency: edge-ingest
    jurisdiction: us
    processing: aws:us-west-2
    archive: [aws:us-west-2]
    source_kinds: [javascript]
    warehouse_egress: [{us_nets}]
    ingestion:
      - {{id: oregon, default: true, cloud_region: aws:us-west-2, hosts: [api.us.example, {hosts}], zones: [a]}}
  - id: eu-west
    residency: edge-ingest
    jurisdiction: eu
    processing: aws:eu-west-1
    archive: [aws:eu-west-1]
    source_kinds: [javascript]
    warehouse_egress: [10.0.0.0/8]
    ingestion:
      - {{id: dublin, default: true, cloud_region: aws:eu-west-1, hosts: [api.eu.example, {hosts}], zones: [a]}}
destinations:
  - {{id: amplitude, regions: [us-west, eu-west], endpoints: [{{id: eu, jurisdiction: eu, hosts: [api.eu.amplitude.example]}}]}}
stores:
  - {{id: archive, kind: archive, clouds: [aws]}}
"#
    )
    .replace("api.us.example, ]", "api.us.example]")
    .replace("api.eu.example, ]", "api.eu.example]");
    Policy::from_yaml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The messages of the lints with this code, in order.
fn messages(policy: &Policy, code: &str) -> Vec<String> {
    lints(policy)
        .into_iter()
        .filter(|l| l.code == code)
        .map(|l| l.message)
        .collect()
}

#[test]
fn shared_hosts_past_twenty_are_counted() {
    assert_eq!(messages(&crowded(0, 0), "shared-host"), Vec::<String>::new());

    let twenty = messages(&crowded(20, 0), "shared-host");
    assert_eq!(twenty.len(), 20, "{twenty:?}");
    assert_eq!(
        twenty[0],
        "host `h0.example` is listed under regions `eu-west`, `us-west`"
    );
    assert_eq!(
        twenty[19],
        "host `h19.example` is listed under regions `eu-west`, `us-west`"
    );

    let twenty_two = messages(&crowded(22, 0), "shared-host");
    assert_eq!(twenty_two.len(), 21, "{twenty_two:?}");
    assert_eq!(twenty_two[..20], twenty[..]);
    assert_eq!(
        twenty_two[20],
        "and 2 more hosts listed under more than one region"
    );
}

#[test]
fn overlapping_ranges_past_twenty_are_counted() {
    assert_eq!(
        messages(&crowded(0, 0), "overlapping-cidrs"),
        Vec::<String>::new()
    );

    let twenty = messages(&crowded(0, 20), "overlapping-cidrs");
    assert_eq!(twenty.len(), 20, "{twenty:?}");
    assert_eq!(
        twenty[0],
        "`10.0.0.0/8` of region `eu-west` overlaps `10.0.0.0/16` of region `us-west`"
    );
    assert_eq!(
        twenty[19],
        "`10.0.0.0/8` of region `eu-west` overlaps `10.19.0.0/16` of region `us-west`"
    );

    let twenty_two = messages(&crowded(0, 22), "overlapping-cidrs");
    assert_eq!(twenty_two.len(), 21, "{twenty_two:?}");
    assert_eq!(twenty_two[..20], twenty[..]);
    assert_eq!(
        twenty_two[20],
        "and 2 more pairs of loader ranges overlapping across regions"
    );
}

#[test]
fn a_single_address_at_the_end_of_another_regions_range_overlaps_it() {
    let text = crowded(0, 0)
        .to_yaml()
        .unwrap()
        .replace("192.0.2.0/24", "10.255.255.255/32");
    let policy = Policy::from_yaml(&text).unwrap();
    assert_eq!(
        messages(&policy, "overlapping-cidrs"),
        ["`10.0.0.0/8` of region `eu-west` overlaps `10.255.255.255/32` of region `us-west`"]
    );
    // The address just past the range touches nothing.
    let apart = Policy::from_yaml(&text.replace("10.255.255.255/32", "11.0.0.0/32")).unwrap();
    assert_eq!(messages(&apart, "overlapping-cidrs"), Vec::<String>::new());
}
