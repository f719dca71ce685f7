//! The gateway's counters, rendered in the Prometheus text format.

use crate::policy_cell::LoadedPolicy;
use regionfence::Decision;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

/// A decision as counted: question kind, verdict, first reason code.
pub type DecisionKey = (&'static str, &'static str, &'static str);

/// Every counter the gateway keeps.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (question kind, verdict, first reason code) → decisions.
    decisions: Mutex<BTreeMap<DecisionKey, u64>>,
    /// Requests forwarded to the upstream (whatever it answered).
    forwarded: AtomicU64,
    /// (status, reason) → refused requests.
    refused: Mutex<BTreeMap<(u16, &'static str), u64>>,
    /// (kind) → upstream failures: `connect`, `timeout`, `body`, `tls`.
    upstream_errors: Mutex<BTreeMap<&'static str, u64>>,
    reloads: AtomicU64,
    failed_reloads: AtomicU64,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    *map.entry(key).or_insert(0) += 1;
}

impl Metrics {
    /// Counts one decision under its question kind, verdict and first (most fundamental)
    /// reason code.
    pub fn decision(&self, ask: &'static str, decision: &Decision) {
        bump(&self.decisions, Metrics::decision_key(ask, decision));
    }

    /// What [`Metrics::decision`] counts a decision under: its question kind, verdict and
    /// first reason code; to count many at once with [`Metrics::decisions`].
    pub fn decision_key(ask: &'static str, decision: &Decision) -> DecisionKey {
        let verdict = if decision.is_allowed() { "allow" } else { "deny" };
        let reason = decision.codes().next().map_or("none", |c| c.as_str());
        (ask, verdict, reason)
    }

    /// Counts decisions by their keys, under one lock.
    pub fn decisions(&self, keys: &[DecisionKey]) {
        let mut map = self.decisions.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            *map.entry(*key).or_insert(0) += 1;
        }
    }

    /// Counts a request forwarded to the upstream.
    pub fn forwarded(&self) {
        self.forwarded.fetch_add(1, Relaxed);
    }

    /// Counts a refused request.
    pub fn refused(&self, status: u16, reason: &'static str) {
        bump(&self.refused, (status, reason));
    }

    /// Counts an upstream failure.
    pub fn upstream_error(&self, kind: &'static str) {
        bump(&self.upstream_errors, kind);
    }

    /// Counts a reload, successful or not.
    pub fn reload(&self, ok: bool) {
        if ok { &self.reloads } else { &self.failed_reloads }.fetch_add(1, Relaxed);
    }

    /// The requests forwarded so far.
    pub fn forwarded_count(&self) -> u64 {
        self.forwarded.load(Relaxed)
    }

    /// Renders every counter, and the policy in force, in the Prometheus text format.
    pub fn render(&self, policy: &LoadedPolicy) -> String {
        let mut out = String::new();
        let head = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        head(
            &mut out,
            "regionfence_decisions_total",
            "counter",
            "Decisions made, by question kind, verdict and first reason code.",
        );
        for ((ask, verdict, reason), n) in self.decisions.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(
                out,
                "regionfence_decisions_total{{ask=\"{ask}\",verdict=\"{verdict}\",reason=\"{reason}\"}} {n}"
            );
        }
        head(
            &mut out,
            "regionfence_forwarded_total",
            "counter",
            "Tracking requests forwarded to the upstream.",
        );
        let _ = writeln!(
            out,
            "regionfence_forwarded_total {}",
            self.forwarded.load(Relaxed)
        );
        head(
            &mut out,
            "regionfence_refused_total",
            "counter",
            "Tracking requests refused, by status and reason.",
        );
        for ((status, reason), n) in self.refused.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(
                out,
                "regionfence_refused_total{{status=\"{status}\",reason=\"{reason}\"}} {n}"
            );
        }
        head(
            &mut out,
            "regionfence_upstream_errors_total",
            "counter",
            "Upstream failures, by kind.",
        );
        for (kind, n) in self
            .upstream_errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(out, "regionfence_upstream_errors_total{{kind=\"{kind}\"}} {n}");
        }
        head(
            &mut out,
            "regionfence_reloads_total",
            "counter",
            "Policy reloads that took effect.",
        );
        let _ = writeln!(out, "regionfence_reloads_total {}", self.reloads.load(Relaxed));
        head(
            &mut out,
            "regionfence_reload_failures_total",
            "counter",
            "Policy reloads refused (the policy did not load, or failed its audit).",
        );
        let _ = writeln!(
            out,
            "regionfence_reload_failures_total {}",
            self.failed_reloads.load(Relaxed)
        );
        head(
            &mut out,
            "regionfence_policy_info",
            "gauge",
            "The policy in force.",
        );
        let _ = writeln!(
            out,
            "regionfence_policy_info{{name=\"{}\",version=\"{}\",digest=\"{}\"}} 1",
            escape(&policy.name),
            policy.version,
            escape(policy.digest.as_deref().unwrap_or(""))
        );
        out
    }
}

/// Escapes a label value (backslash, quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use regionfence::Policy;

    #[test]
    fn renders_every_family() {
        let m = Metrics::default();
        let policy = Policy::default_policy();
        m.decision("ingest", &policy.ingest("eu-west", "server", "api.segment.io"));
        m.decision("ingest", &policy.ingest("eu-west", "server", "api.segment.io"));
        m.decision(
            "ingest",
            &policy.ingest("eu-west", "server", "events.eu1.segmentapis.com"),
        );
        m.forwarded();
        m.refused(421, "ingestion-outside-region");
        m.upstream_error("timeout");
        m.reload(true);
        m.reload(false);
        m.reload(false);
        let info = format!(
            "regionfence_policy_info{{name=\"segment-regional-2022\",version=\"1\",digest=\"{}\"}} 1",
            policy.digest()
        );
        let text = m.render(&LoadedPolicy::new(policy));
        for line in [
            "regionfence_decisions_total{ask=\"ingest\",verdict=\"deny\",reason=\"ingestion-outside-region\"} 2",
            "regionfence_decisions_total{ask=\"ingest\",verdict=\"allow\",reason=\"host-in-region\"} 1",
            "regionfence_forwarded_total 1",
            "regionfence_refused_total{status=\"421\",reason=\"ingestion-outside-region\"} 1",
            "regionfence_upstream_errors_total{kind=\"timeout\"} 1",
            "regionfence_reloads_total 1",
            "regionfence_reload_failures_total 2",
            &info,
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
        assert_eq!(text.matches("# TYPE").count(), 7);
    }
}
