//! Time per decision of regionfence and its peers on the same questions, side by side,
//! and the cost of loading the default policy.
//!
//! `cargo bench` runs everything; `cargo bench -- ingest` only the ingest questions.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion};
use regionfence::document::Document;
use regionfence::{Policy, DEFAULT_POLICY_YAML};
use regionfence_bench::cedar::Cedar;
use regionfence_bench::decider::{with_decision, Run};
use regionfence_bench::questions::benchmarks;
use regionfence_bench::rego::{Rego, RegoVm};
use regionfence_bench::{Peers, ENGINES};
use std::hint::black_box;
use std::time::Duration;

/// Times one engine's decision closure as a function of the question's group.
struct Timed<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    engine: &'static str,
}

impl Run for Timed<'_, '_> {
    type Out = ();
    fn run<F: FnMut() -> bool>(self, mut decide: F) {
        self.group
            .bench_function(self.engine, |b| b.iter(|| black_box(decide())));
    }
}

fn decisions(c: &mut Criterion) {
    let policy = Policy::default_policy();
    let mut peers = Peers::new(&policy).expect("every peer builds from the default policy");
    // A peer that answers differently is not measuring the same thing.
    peers.assert_benchmark_verdicts();
    for bench in benchmarks() {
        let mut group = c.benchmark_group(bench.name);
        for engine in ENGINES {
            let timed = Timed {
                group: &mut group,
                engine,
            };
            with_decision(&mut peers, engine, &bench.ask, bench.path, timed);
        }
        group.finish();
    }
}

fn load(c: &mut Criterion) {
    let document: Document = serde_yaml::from_str(DEFAULT_POLICY_YAML).expect("the default policy parses");
    let mut group = c.benchmark_group("load");
    group.sample_size(30).measurement_time(Duration::from_secs(20));
    // From text: parse, validate, compile.
    group.bench_function("regionfence", |b| {
        b.iter(|| Policy::from_yaml(black_box(DEFAULT_POLICY_YAML)).expect("loads"))
    });
    // The YAML parse alone, shared by every engine below.
    group.bench_function("parse-yaml", |b| {
        b.iter(|| serde_yaml::from_str::<Document>(black_box(DEFAULT_POLICY_YAML)).expect("parses"))
    });
    // From the parsed document: what each engine builds before its first decision.
    group.bench_function("regionfence-compile", |b| {
        b.iter_batched(
            || document.clone(),
            |d| Policy::compile(d).expect("compiles"),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("cedar", |b| {
        b.iter(|| Cedar::new(black_box(&document)).expect("builds"))
    });
    group.bench_function("regorus", |b| {
        b.iter(|| Rego::new(black_box(&document)).expect("builds"))
    });
    group.bench_function("regorus-vm", |b| {
        b.iter(|| RegoVm::new(black_box(&document)).expect("builds"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Two cores shared with other work: many samples, long windows, medians reported.
    config = Criterion::default()
        .sample_size(200)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8))
        .noise_threshold(0.05);
    targets = decisions, load
}
criterion_main!(benches);
