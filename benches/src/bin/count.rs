//! A small driver for instruction counting: makes one engine's decision on one benchmark
//! question N times inside [`measured`], which `count.sh` has callgrind count alone
//! (`--toggle-collect`), so loading the policy and building the peers are left out.
//!
//! ```sh
//! count ENGINE QUESTION N     # e.g. count cedar ingest/allowed 1000
//! count --list                # the engines and benchmark questions
//! count --agree               # the sweep: every question on which a peer differs
//! ```

use regionfence::Policy;
use regionfence_bench::decider::{with_decision, Run};
use regionfence_bench::questions::{benchmarks, sweep};
use regionfence_bench::{Peers, ENGINES};
use std::hint::black_box;
use std::process::ExitCode;

/// Makes the decision a few times to warm up, then `n` times in [`measured`].
struct Repeat(u64);

impl Run for Repeat {
    type Out = ();
    fn run<F: FnMut() -> bool>(self, mut decide: F) {
        // First calls may fill caches or lazy tables: not counted.
        for _ in 0..16 {
            black_box(decide());
        }
        measured(self.0, &mut decide);
    }
}

/// The counted loop: the only code callgrind collects in `count.sh`.
#[inline(never)]
fn measured<F: FnMut() -> bool>(n: u64, decide: &mut F) {
    for _ in 0..n {
        black_box(decide());
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let policy = Policy::default_policy();
    let mut peers = match Peers::new(&policy) {
        Ok(peers) => peers,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--list"] => {
            println!("engines: {}", ENGINES.join(" "));
            for bench in benchmarks() {
                println!("question: {}", bench.name);
            }
            ExitCode::SUCCESS
        }
        ["--agree"] => {
            peers.assert_benchmark_verdicts();
            let asks = sweep(policy.document());
            let found = peers.disagreements(&asks);
            for line in &found {
                println!("{line}");
            }
            println!("{} questions, {} disagreements", asks.len(), found.len());
            if found.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        [engine, question, n] => {
            let Some(bench) = benchmarks().into_iter().find(|b| b.name == *question) else {
                eprintln!("error: no benchmark question `{question}` (see --list)");
                return ExitCode::FAILURE;
            };
            let Ok(n) = n.parse::<u64>() else {
                eprintln!("error: `{n}` is not a count");
                return ExitCode::FAILURE;
            };
            peers.assert_benchmark_verdicts();
            match with_decision(&mut peers, engine, &bench.ask, bench.path, Repeat(n)) {
                Some(()) => ExitCode::SUCCESS,
                None => {
                    eprintln!("error: `{engine}` has no decision for `{question}`");
                    ExitCode::from(2)
                }
            }
        }
        _ => {
            eprintln!("usage: count ENGINE QUESTION N | count --list | count --agree");
            ExitCode::FAILURE
        }
    }
}
