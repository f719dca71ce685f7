//! One decision of one engine as a closure, so the benchmark and the instruction counter
//! time exactly the same code, monomorphised (no dynamic call in the timed loop).

use crate::questions::{Ask, Path};
use crate::{rego, Peers};
use regionfence::Verdict;
use std::hint::black_box;

/// What to do with a decision closure: time it, count it, call it.
pub trait Run {
    /// What running gives back.
    type Out;
    /// Runs the closure (any number of times).
    fn run<F: FnMut() -> bool>(self, decide: F) -> Self::Out;
}

/// Hands `runner` the closure that makes `engine`'s decision on `ask` by `path`; `None`
/// when the engine has no such path.
pub fn with_decision<R: Run>(
    peers: &mut Peers<'_>,
    engine: &str,
    ask: &Ask,
    path: Path,
    runner: R,
) -> Option<R::Out> {
    let policy = peers.policy;
    let out = match (path, engine, ask) {
        (
            Path::Raw,
            "regionfence",
            Ask::Ingest {
                workspace,
                source,
                host,
            },
        ) => runner.run(|| {
            policy
                .ingest(black_box(workspace), black_box(source), black_box(host))
                .verdict()
                == Verdict::Allow
        }),
        (
            Path::Raw,
            "regionfence",
            Ask::Deliver {
                workspace,
                destination,
            },
        ) => runner.run(|| {
            policy
                .deliver(black_box(workspace), black_box(destination), None)
                .verdict()
                == Verdict::Allow
        }),
        (
            Path::Raw,
            "regionfence",
            Ask::Connect {
                workspace,
                warehouse,
                ip,
            },
        ) => runner.run(|| {
            policy
                .connect(black_box(workspace), black_box(warehouse), black_box(ip))
                .verdict()
                == Verdict::Allow
        }),
        (Path::Raw, "regionfence", Ask::Failover { from, to }) => {
            runner.run(|| policy.failover(black_box(from), black_box(to)).verdict() == Verdict::Allow)
        }
        (
            Path::Prepared,
            "regionfence",
            Ask::Ingest {
                workspace,
                source,
                host,
            },
        ) => {
            let region = policy.region_id(workspace)?;
            let source = policy.source_id(source)?;
            let host = policy.host_id(host).ok()?;
            runner.run(|| {
                policy
                    .ingest_ids(black_box(region), black_box(source), black_box(host))
                    .verdict()
                    == Verdict::Allow
            })
        }

        (
            Path::Raw,
            "cedar",
            Ask::Ingest {
                workspace,
                source,
                host,
            },
        ) => {
            let cedar = &peers.cedar;
            runner.run(|| cedar.ingest(black_box(workspace), black_box(source), black_box(host)))
        }
        (
            Path::Raw,
            "cedar",
            Ask::Deliver {
                workspace,
                destination,
            },
        ) => {
            let cedar = &peers.cedar;
            runner.run(|| cedar.deliver(black_box(workspace), black_box(destination)))
        }
        (
            Path::Raw,
            "cedar",
            Ask::Connect {
                workspace,
                warehouse,
                ip,
            },
        ) => {
            let cedar = &peers.cedar;
            runner.run(|| cedar.connect(black_box(workspace), black_box(warehouse), black_box(ip)))
        }
        (Path::Raw, "cedar", Ask::Failover { from, to }) => {
            let cedar = &peers.cedar;
            runner.run(|| cedar.failover(black_box(from), black_box(to)))
        }
        (
            Path::Prepared,
            "cedar",
            Ask::Ingest {
                workspace,
                source,
                host,
            },
        ) => {
            let cedar = &peers.cedar;
            let request = cedar.ingest_request(workspace, source, host)?;
            runner.run(|| cedar.authorize(black_box(&request)))
        }

        (
            Path::Raw,
            "regorus",
            Ask::Ingest {
                workspace,
                source,
                host,
            },
        ) => {
            let engine = &mut peers.rego;
            runner.run(|| engine.ingest(black_box(workspace), black_box(source), black_box(host)))
        }
        (
            Path::Raw,
            "regorus",
            Ask::Deliver {
                workspace,
                destination,
            },
        ) => {
            let engine = &mut peers.rego;
            runner.run(|| engine.deliver(black_box(workspace), black_box(destination)))
        }
        (
            Path::Raw,
            "regorus",
            Ask::Connect {
                workspace,
                warehouse,
                ip,
            },
        ) => {
            let engine = &mut peers.rego;
            runner.run(|| engine.connect(black_box(workspace), black_box(warehouse), black_box(ip)))
        }
        (Path::Raw, "regorus", Ask::Failover { from, to }) => {
            let engine = &mut peers.rego;
            runner.run(|| engine.failover(black_box(from), black_box(to)))
        }
        (
            Path::Prepared,
            "regorus",
            Ask::Ingest {
                workspace,
                source,
                host,
            },
        ) => {
            let engine = &mut peers.rego;
            let input = rego::ingest_input(workspace, source, host);
            runner.run(|| engine.eval(rego::INGEST, black_box(&input).clone()))
        }

        (
            Path::Raw,
            "regorus-vm",
            Ask::Ingest {
                workspace,
                source,
                host,
            },
        ) => {
            let vm = &mut peers.rego_vm;
            runner.run(|| vm.ingest(black_box(workspace), black_box(source), black_box(host)))
        }
        (
            Path::Raw,
            "regorus-vm",
            Ask::Deliver {
                workspace,
                destination,
            },
        ) => {
            let vm = &mut peers.rego_vm;
            runner.run(|| vm.deliver(black_box(workspace), black_box(destination)))
        }
        (
            Path::Raw,
            "regorus-vm",
            Ask::Connect {
                workspace,
                warehouse,
                ip,
            },
        ) => {
            let vm = &mut peers.rego_vm;
            runner.run(|| vm.connect(black_box(workspace), black_box(warehouse), black_box(ip)))
        }
        (Path::Raw, "regorus-vm", Ask::Failover { from, to }) => {
            let vm = &mut peers.rego_vm;
            runner.run(|| vm.failover(black_box(from), black_box(to)))
        }
        (
            Path::Prepared,
            "regorus-vm",
            Ask::Ingest {
                workspace,
                source,
                host,
            },
        ) => {
            let vm = &mut peers.rego_vm;
            let input = rego::ingest_input(workspace, source, host);
            runner.run(|| vm.ingest_prepared(black_box(&input).clone()))
        }

        (
            Path::Raw,
            "naive",
            Ask::Ingest {
                workspace,
                source,
                host,
            },
        ) => {
            let naive = peers.naive;
            runner.run(|| naive.ingest(black_box(workspace), black_box(source), black_box(host)))
        }
        (
            Path::Raw,
            "naive",
            Ask::Deliver {
                workspace,
                destination,
            },
        ) => {
            let naive = peers.naive;
            runner.run(|| naive.deliver(black_box(workspace), black_box(destination)))
        }
        (
            Path::Raw,
            "naive",
            Ask::Connect {
                workspace,
                warehouse,
                ip,
            },
        ) => {
            let naive = peers.naive;
            runner.run(|| naive.connect(black_box(workspace), black_box(warehouse), black_box(ip)))
        }
        (Path::Raw, "naive", Ask::Failover { from, to }) => {
            let naive = peers.naive;
            runner.run(|| naive.failover(black_box(from), black_box(to)))
        }
        _ => return None,
    };
    Some(out)
}

/// A runner that makes the decision once and gives its verdict.
#[derive(Debug, Clone, Copy)]
pub struct Once;

impl Run for Once {
    type Out = bool;
    fn run<F: FnMut() -> bool>(self, mut decide: F) -> bool {
        decide()
    }
}
