//! Every peer must answer as regionfence does, or the benchmark compares different things.

use regionfence::Policy;
use regionfence_bench::questions::{benchmarks, sweep, HOSTILE_LEN};
use regionfence_bench::Peers;

#[test]
fn every_engine_gives_every_benchmark_question_its_verdict() {
    let policy = Policy::default_policy();
    let mut peers = Peers::new(&policy).unwrap();
    peers.assert_benchmark_verdicts();
}

#[test]
fn the_benchmark_questions_are_the_ones_asked_for() {
    let names: Vec<&str> = benchmarks().iter().map(|b| b.name).collect();
    assert_eq!(names.len(), 9);
    let hostile = benchmarks()
        .into_iter()
        .find(|b| b.name == "ingest/hostile-host")
        .unwrap();
    match hostile.ask {
        regionfence_bench::questions::Ask::Ingest { host, .. } => assert_eq!(host.len(), HOSTILE_LEN),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_peer_agrees_with_regionfence_on_the_sweep() {
    let policy = Policy::default_policy();
    let mut peers = Peers::new(&policy).unwrap();
    let asks = sweep(policy.document());
    assert!(asks.len() > 5_000, "{}", asks.len());
    let found = peers.disagreements(&asks);
    assert!(
        found.is_empty(),
        "{} disagreements:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// The one difference found: Cedar's `ip()` refuses IPv4 embedded in IPv6 written with dots,
/// so a Cedar gateway denies `::ffff:3.251.148.100`, which the rules allow as
/// `3.251.148.100`. The hex form of the same address is agreed on (it is in the sweep).
#[test]
fn cedar_refuses_dotted_ipv4_in_ipv6() {
    use regionfence_bench::questions::Ask;
    let policy = Policy::default_policy();
    let mut peers = Peers::new(&policy).unwrap();
    let dotted = Ask::connect("eu-west", "redshift", "::ffff:3.251.148.100");
    let hex = Ask::connect("eu-west", "redshift", "::ffff:3fb:9464");
    for engine in regionfence_bench::ENGINES {
        assert!(peers.allows(engine, &hex), "{engine}");
        assert_eq!(peers.allows(engine, &dotted), engine != "cedar", "{engine}");
    }
}
