//! regionfence and its peers, answering the same questions from the same facts.
//!
//! Every peer is built from the default policy's [`regionfence::document::Document`], so
//! all of them know exactly the regions, hosts, sources, destinations, stores and CIDRs
//! regionfence knows:
//!
//! - [`cedar`]: the rules as Cedar policies over an entity store built once;
//! - [`rego`]: the rules in Rego over the document loaded once as `data`, run by Regorus's
//!   interpreter and by its bytecode VM;
//! - [`naive`]: a hand-written evaluator that scans the document on every decision.
//!
//! [`questions`] holds the benchmark questions with the verdicts every engine must give,
//! and a sweep over the default policy's question space on which they must all agree.

pub mod cedar;
pub mod decider;
pub mod naive;
pub mod questions;
pub mod rego;

use questions::{Ask, Path};
use regionfence::{NormalHost, Policy};

/// The host a gateway hands to a peer engine: normalised exactly as regionfence does it
/// ([`regionfence::normalize_host`], no allocation), so every engine compares the same
/// name. A host that does not normalise is passed on unchanged: it then names nothing the
/// policy lists, and the engine itself denies it.
#[derive(Debug, Clone, Copy)]
// A normalised name is held inline (no allocation), on the stack for one decision.
#[allow(clippy::large_enum_variant)]
pub enum GatewayHost<'a> {
    /// The normalised host name.
    Normal(NormalHost<'a>),
    /// The raw input, which regionfence's normaliser refused.
    Raw(&'a str),
}

impl<'a> GatewayHost<'a> {
    /// Normalises `raw`, or keeps it as it is.
    #[inline]
    pub fn new(raw: &'a str) -> Self {
        match regionfence::normalize_host(raw) {
            Ok(normal) => GatewayHost::Normal(normal),
            Err(_) => GatewayHost::Raw(raw),
        }
    }

    /// The name handed to the engine.
    #[inline]
    pub fn as_str(&self) -> &str {
        match self {
            GatewayHost::Normal(normal) => normal.as_str(),
            GatewayHost::Raw(raw) => raw,
        }
    }
}

/// How an IPv4-mapped IPv6 network is written for a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapped {
    /// `::ffff:3.251.148.96/125` (Rego).
    Dotted,
    /// `::ffff:3fb:9460/125` (Cedar refuses the dotted form).
    Hex,
}

/// A region's warehouse-egress CIDRs as the peers are given them: each as written and, for
/// an IPv4 CIDR, also its IPv4-mapped IPv6 form (prefix + 96), since the rules compare an
/// IPv4-mapped IPv6 address as the IPv4 address it carries and neither Cedar's `isInRange`
/// nor Rego's `net.cidr_contains` does.
pub fn egress_cidrs(region: &regionfence::document::RegionDoc, mapped: Mapped) -> Vec<String> {
    let mut cidrs = Vec::new();
    for cidr in &region.warehouse_egress {
        cidrs.push(cidr.clone());
        if let Ok(ipnet::IpNet::V4(net)) = cidr.parse::<ipnet::IpNet>() {
            let prefix = 96 + net.prefix_len();
            cidrs.push(match mapped {
                Mapped::Dotted => format!("::ffff:{}/{prefix}", net.network()),
                Mapped::Hex => {
                    let [.., high, low] = net.network().to_ipv6_mapped().segments();
                    format!("::ffff:{high:x}:{low:x}/{prefix}")
                }
            });
        }
    }
    cidrs
}

/// The engines, in the order of the results table.
pub const ENGINES: [&str; 5] = ["regionfence", "cedar", "regorus", "regorus-vm", "naive"];

/// regionfence and every peer, built from the same policy.
pub struct Peers<'a> {
    /// The compiled policy.
    pub policy: &'a Policy,
    /// Cedar.
    pub cedar: cedar::Cedar,
    /// Regorus, interpreted.
    pub rego: rego::Rego,
    /// Regorus, on its VM.
    pub rego_vm: rego::RegoVm,
    /// The naive evaluator.
    pub naive: naive::Naive<'a>,
}

impl<'a> Peers<'a> {
    /// Builds every peer from the policy's document.
    pub fn new(policy: &'a Policy) -> Result<Peers<'a>, String> {
        let document = policy.document();
        Ok(Peers {
            policy,
            cedar: cedar::Cedar::new(document).map_err(|e| format!("cedar: {e}"))?,
            rego: rego::Rego::new(document).map_err(|e| format!("regorus: {e}"))?,
            rego_vm: rego::RegoVm::new(document).map_err(|e| format!("regorus vm: {e}"))?,
            naive: naive::Naive::new(document),
        })
    }

    /// Whether `engine` (one of [`ENGINES`]) allows the question, asked with raw strings.
    pub fn allows(&mut self, engine: &str, ask: &Ask) -> bool {
        decider::with_decision(self, engine, ask, Path::Raw, decider::Once)
            .unwrap_or_else(|| panic!("unknown engine `{engine}`"))
    }

    /// Every question on which a peer's verdict differs from regionfence's, described.
    pub fn disagreements(&mut self, asks: &[Ask]) -> Vec<String> {
        let mut found = Vec::new();
        for ask in asks {
            let expected = ask.regionfence(self.policy);
            for engine in &ENGINES[1..] {
                let got = self.allows(engine, ask);
                if got != expected {
                    let mut shown = format!("{ask:?}");
                    if shown.len() > 200 {
                        shown.truncate(200);
                        shown.push('…');
                    }
                    found.push(format!("{engine} says {got}, regionfence {expected}: {shown}"));
                }
            }
        }
        found
    }

    /// Panics unless every engine gives every benchmark question its expected verdict, by
    /// the very path the benchmark takes.
    pub fn assert_benchmark_verdicts(&mut self) {
        for bench in questions::benchmarks() {
            for engine in ENGINES {
                let verdict = decider::with_decision(self, engine, &bench.ask, bench.path, decider::Once);
                if let Some(allowed) = verdict {
                    assert_eq!(
                        allowed, bench.allowed,
                        "{engine} gives `{}` the wrong verdict",
                        bench.name
                    );
                }
            }
        }
    }
}
