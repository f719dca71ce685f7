//! Generates large policies, valid and hostile to the audit and the graph: many zones, many
//! regions, many hosts, many sources, many destinations or many CIDRs, up to the load limits.
//!
//! Run with `cargo run --release --example generate_policy -- SHAPE COUNT > policy.yaml`,
//! where SHAPE is one of `zones`, `regions`, `hosts`, `sources`, `destinations`, `cidrs`,
//! `stores` (as many regions, stores and cloud regions), `ingestions` (ingestion regions
//! of one region, half listing the next as a failover target), `shared-host` (one host
//! listed by every region) or `eu-destinations` (destinations of EU West alone, one EU
//! endpoint each, written compactly so that 100,000 fit under the policy size limit);
//! then `regionfence audit --policy policy.yaml` (or `graph`, `check`). The integration
//! tests generate the same policies (`tests/scale.rs`).

use std::fmt::Write;

/// The shapes a policy can be made large in.
pub const SHAPES: &[&str] = &[
    "zones",
    "regions",
    "hosts",
    "sources",
    "destinations",
    "cidrs",
    "stores",
    "ingestions",
    "shared-host",
    "eu-destinations",
];

/// A policy of the given shape with `n` of that thing (at least one), or `None` for an unknown
/// shape. Every policy loads and keeps every invariant, but `shared-host`: one host listed
/// by `n` strict regions, which breaks the processing pin (and is linted).
pub fn generate(shape: &str, n: usize) -> Option<String> {
    let n = n.max(1);
    let mut out = String::with_capacity(64 * n + 2048);
    let _ = writeln!(out, "version: 1\nname: generated-{shape}-{n}");
    out.push_str("cloud_regions:\n");
    if shape == "stores" {
        for i in 0..n {
            let _ = writeln!(out, "  - {{id: aws:eu-extra-{i}, country: DE}}");
        }
    }
    out.push_str(
        "  - {id: aws:eu-west-1, country: IE}\n  - {id: aws:eu-central-1, country: DE}\n  - {id: aws:us-west-2, country: US}\n\
         groups:\n  - {id: eu, countries: [IE, DE]}\n  - {id: us, countries: [US]}\n\
         source_kinds:\n  - {id: javascript, side: client, mechanism: regional-settings}\n  - {id: server, side: server, mechanism: host-parameter}\n",
    );
    out.push_str("regions:\n");
    let list = |prefix: &str, count: usize, sep: &str| -> String {
        let mut s = String::with_capacity(count * (prefix.len() + 8));
        for i in 0..count {
            if i > 0 {
                s.push_str(sep);
            }
            let _ = write!(s, "{prefix}{i}");
        }
        s
    };
    let (zones, hosts, cidrs, regions) = match shape {
        "zones" => (n, 1, 1, 1),
        "hosts" => (2, n, 1, 1),
        "cidrs" => (2, 1, n, 1),
        "regions" => (2, 1, 1, n),
        // `n` regions × `n` stores × `n` cloud regions: a product the audit asks in full.
        "stores" => (2, 1, 1, n),
        "ingestions" => (2, 1, 1, 1),
        "shared-host" => (2, 1, 1, n),
        "sources" | "destinations" | "eu-destinations" => (2, 1, 1, 1),
        _ => return None,
    };
    // US West: the default, edge-ingest region.
    let _ = writeln!(
        out,
        "  - id: us-west\n    default: true\n    residency: edge-ingest\n    jurisdiction: us\n    processing: aws:us-west-2\n    archive: [aws:us-west-2]\n    source_kinds: [javascript, server]\n    warehouse_egress: [52.25.130.38/32]\n    ingestion:\n      - {{id: oregon, default: true, cloud_region: aws:us-west-2, hosts: [api.segment.io], zones: [a, b]}}"
    );
    // EU West: the strict region, large in the chosen shape.
    let egress: Vec<String> = (0..cidrs)
        .map(|i| {
            format!(
                "10.{}.{}.{}/30",
                (i >> 14) & 0xff,
                (i >> 6) & 0xff,
                (i & 0x3f) << 2
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "  - id: eu-west\n    residency: strict\n    jurisdiction: eu\n    processing: aws:eu-west-1\n    archive: [aws:eu-west-1]\n    source_kinds: [javascript, server]\n    warehouse_egress: [{}]\n    ingestion:\n      - {{id: dublin, default: true, cloud_region: aws:eu-west-1, hosts: [{}], zones: [{}]}}",
        egress.join(", "),
        list("in-", hosts, ".eu.example, ").to_string() + ".eu.example",
        list("z", zones, ", ")
    );
    if shape == "ingestions" {
        // More ingestion regions of EU West, every other one failing over to the next.
        for i in 1..n {
            let failover = if i % 2 == 1 && i + 1 < n {
                format!(", failover_to: [eu-west/cork-{}]", i + 1)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "      - {{id: cork-{i}, cloud_region: aws:eu-west-1, hosts: [in.cork-{i}.eu.example], zones: [a, b]{failover}}}"
            );
        }
    }
    // More strict EU regions, each with its own ingestion region, host, zones and loaders,
    // failing over to nothing outside itself.
    for r in 1..regions {
        let _ = writeln!(
            out,
            "  - id: eu-{r}\n    residency: strict\n    jurisdiction: eu\n    processing: aws:eu-central-1\n    archive: [aws:eu-central-1]\n    source_kinds: [javascript]\n    warehouse_egress: [\"2001:db8:{r:x}::/48\"]\n    ingestion:\n      - {{id: frankfurt-{r}, default: true, cloud_region: aws:eu-central-1, hosts: [{}], zones: [a, b, c]}}",
            if shape == "shared-host" {
                "in.shared.example".to_string()
            } else {
                format!("in.eu-{r}.example")
            }
        );
    }
    out.push_str("sources:\n  - {id: node-js, kind: server, regions: [us-west, eu-west]}\n");
    if shape == "sources" {
        // With `node-js`, the list holds `n` entries.
        for i in 1..n {
            let regions = if i % 2 == 0 {
                "[us-west, eu-west]"
            } else {
                "[us-west]"
            };
            let kind = if i % 3 == 0 { "javascript" } else { "server" };
            let _ = writeln!(out, "  - {{id: source-{i}, kind: {kind}, regions: {regions}}}");
        }
    }
    out.push_str("destinations:\n  - {id: amplitude, regions: [us-west, eu-west], endpoints: [{id: us, jurisdiction: us, hosts: [api2.amplitude.com]}, {id: eu, jurisdiction: eu, hosts: [api.eu.amplitude.com]}]}\n");
    if shape == "destinations" {
        // With `amplitude`, the list holds `n` entries.
        for i in 1..n {
            if i % 2 == 0 {
                let _ = writeln!(out, "  - {{id: dest-{i}, regions: [us-west, eu-west], endpoints: [{{id: us, jurisdiction: us, hosts: [us.dest-{i}.example]}}, {{id: eu, jurisdiction: eu, hosts: [eu.dest-{i}.example]}}]}}");
            } else {
                let _ = writeln!(out, "  - {{id: dest-{i}, regions: [us-west, eu-west], endpoints: [{{id: us, jurisdiction: us, hosts: [dest-{i}.example]}}]}}");
            }
        }
    }
    if shape == "eu-destinations" {
        // With `amplitude`, the list holds `n` entries, at most 79 bytes each.
        for i in 1..n {
            let _ = writeln!(
                out,
                "  - {{id: dest-{i},regions: [eu-west],endpoints: [{{id: eu,jurisdiction: eu}}]}}"
            );
        }
    }
    out.push_str("stores:\n  - {id: archive, kind: archive, clouds: [aws]}\n  - {id: redshift, kind: warehouse, clouds: [aws], allowlist: required}\n");
    if shape == "stores" {
        for i in 2..n {
            let _ = writeln!(out, "  - {{id: lake-{i}, kind: data-lake, clouds: [aws]}}");
        }
    }
    Some(out)
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        eprintln!(
            "usage: generate_policy SHAPE COUNT (SHAPE: {})",
            SHAPES.join(", ")
        );
        std::process::exit(1);
    };
    let (Some(shape), Some(count)) = (args.first(), args.get(1).and_then(|c| c.parse().ok())) else {
        return usage();
    };
    match generate(shape, count) {
        Some(text) => print!("{text}"),
        None => usage(),
    }
}
