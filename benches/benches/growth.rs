//! How decision and load costs grow with the policy: 10 / 1,000 / 100,000 hosts, 1 / 1,000 /
//! 100,000 CIDRs, 100 / 10,000 / 100,000 destinations, each policy made by
//! `examples/generate_policy.rs` (destinations in its compact `eu-destinations` shape, so that
//! 100,000 fit under the policy size limit). Decisions should stay flat (hash look-ups) or grow with the
//! logarithm (range tables); loading should grow linearly.
//!
//! `cargo bench --bench growth`; `cargo bench --bench growth -- decide` for decisions only.

#[allow(dead_code)]
#[path = "../../examples/generate_policy.rs"]
mod generate_policy;

use criterion::{criterion_group, criterion_main, Criterion};
use regionfence::Policy;
use std::hint::black_box;
use std::time::Duration;

/// The shapes and sizes measured: the benchmark's name, the generator's shape, the sizes.
const GROWTH: &[(&str, &str, &[usize])] = &[
    ("hosts", "hosts", &[10, 1_000, 100_000]),
    ("cidrs", "cidrs", &[1, 1_000, 100_000]),
    ("destinations", "eu-destinations", &[100, 10_000, 100_000]),
];

/// The address inside the `i`-th generated CIDR (`10.a.b.c/30`).
fn ip_in(i: usize) -> String {
    format!(
        "10.{}.{}.{}",
        (i >> 14) & 0xff,
        (i >> 6) & 0xff,
        ((i & 0x3f) << 2) + 1
    )
}

fn decide(c: &mut Criterion) {
    for &(name, shape, sizes) in GROWTH {
        let mut group = c.benchmark_group(format!("decide/{name}"));
        group
            .measurement_time(Duration::from_secs(2))
            .warm_up_time(Duration::from_millis(500));
        for &n in sizes {
            let text = generate_policy::generate(shape, n).expect("a shape");
            let policy = Policy::from_yaml(&text).expect("a generated policy loads");
            let middle = n / 2;
            match shape {
                "hosts" => {
                    let host = format!("https://in-{middle}.eu.example/v1");
                    assert!(policy.ingest("eu-west", "node-js", &host).is_allowed());
                    group.bench_function(n.to_string(), |b| {
                        b.iter(|| policy.ingest(black_box("eu-west"), black_box("node-js"), black_box(&host)))
                    });
                }
                "cidrs" => {
                    let ip = ip_in(middle);
                    assert!(policy.connect("eu-west", "redshift", &ip).is_allowed());
                    group.bench_function(n.to_string(), |b| {
                        b.iter(|| policy.connect(black_box("eu-west"), black_box("redshift"), black_box(&ip)))
                    });
                }
                _ => {
                    let destination = if middle == 0 {
                        "amplitude".to_string()
                    } else {
                        format!("dest-{middle}")
                    };
                    assert!(policy.deliver("eu-west", &destination, None).is_allowed());
                    group.bench_function(n.to_string(), |b| {
                        b.iter(|| policy.deliver(black_box("eu-west"), black_box(&destination), None))
                    });
                }
            }
        }
        group.finish();
    }
}

fn load(c: &mut Criterion) {
    for &(name, shape, sizes) in GROWTH {
        let mut group = c.benchmark_group(format!("load/{name}"));
        group.sample_size(10).measurement_time(Duration::from_secs(5));
        for &n in sizes {
            let text = generate_policy::generate(shape, n).expect("a shape");
            group.bench_function(n.to_string(), |b| {
                b.iter(|| Policy::from_yaml(black_box(&text)).expect("loads"))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, decide, load);
criterion_main!(benches);
