//! Writes a realistic synthetic access log for `regionfence eval`: one question a line, as a
//! gateway in front of Segment's tracking API would log them.
//!
//! `cargo run --release --example access_log -- LINES [--seed N] [--ingest-only] > log.jsonl`
//!
//! The mix: mostly `ingest` questions (US West workspaces on US hosts, EU West workspaces
//! mostly on the EU host and sometimes misdirected to a US or edge host), hosts as clients
//! really send them (scheme, path, port, upper case, trailing dot), catalog slugs as well as
//! kinds, a little hostile or unknown input (spoofed suffixes, unknown regions); and unless
//! `--ingest-only`, some `resolve`, `deliver` and `connect` questions and a few lines that
//! are not questions at all.

use std::io::{BufWriter, Write};

/// xorshift64*: deterministic for a seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len() as u64) as usize)
            .copied()
            .unwrap_or("")
    }
}

const KINDS: &[&str] = &[
    "javascript",
    "ios",
    "android",
    "react-native",
    "server",
    "project",
];
const SLUGS: &[&str] = &[
    "node-js",
    "python",
    "ruby",
    "go",
    "java",
    "php",
    "net",
    "http-api",
    "salesforce",
];
const US_HOSTS: &[&str] = &[
    "api.segment.io",
    "in.ap1.segmentapis.com",
    "in.au1.segmentapis.com",
    "in.eu2.segmentapis.com",
];
const EU_HOST: &str = "events.eu1.segmentapis.com";
const DESTINATIONS: &[&str] = &[
    "amplitude",
    "mixpanel",
    "braze",
    "google-analytics",
    "webhooks",
    "intercom",
];

/// A host as a client or proxy writes it.
fn dress(rng: &mut Rng, host: &str) -> String {
    match rng.below(10) {
        0..=3 => host.to_string(),
        4 | 5 => format!("https://{host}/v1/batch"),
        6 => format!("{host}:443"),
        7 => host.to_ascii_uppercase(),
        8 => format!("{host}."),
        _ => format!("https://{host}/v1/"),
    }
}

fn ingest(rng: &mut Rng) -> String {
    let source = if rng.below(4) == 0 {
        rng.pick(SLUGS)
    } else {
        rng.pick(KINDS)
    };
    let (workspace, host) = match rng.below(100) {
        // US West workspaces on a US or edge host.
        0..=59 => {
            let host = rng_host(rng);
            ("us-west", dress(rng, host))
        }
        // EU West workspaces on the EU host.
        60..=89 => ("eu-west", dress(rng, EU_HOST)),
        // EU West workspaces misdirected to a US host.
        90..=95 => ("eu-west", dress(rng, "api.segment.io")),
        // US West workspaces on the EU host.
        96 | 97 => ("us-west", dress(rng, EU_HOST)),
        // Hostile hosts and unknown regions.
        98 => ("eu-west", format!("{EU_HOST}.evil.example")),
        _ => ("ap-south", EU_HOST.to_string()),
    };
    format!(r#"{{"ask":"ingest","workspace":"{workspace}","source":"{source}","host":"{host}"}}"#)
}

fn rng_host(rng: &mut Rng) -> &'static str {
    if rng.below(5) == 0 {
        rng.pick(US_HOSTS)
    } else {
        "api.segment.io"
    }
}

fn other(rng: &mut Rng) -> String {
    let workspace = if rng.below(3) == 0 { "eu-west" } else { "us-west" };
    match rng.below(4) {
        0 => format!(
            r#"{{"ask":"resolve","workspace":"{workspace}","source":"{}"}}"#,
            rng.pick(KINDS)
        ),
        1 => format!(
            r#"{{"ask":"deliver","workspace":"{workspace}","destination":"{}"}}"#,
            rng.pick(DESTINATIONS)
        ),
        2 => format!(
            r#"{{"ask":"connect","workspace":"{workspace}","warehouse":"redshift","ip":"3.251.148.{}"}}"#,
            rng.below(256)
        ),
        _ => r#"{"ask":"ingest","workspace":"eu-west","source":"ios""#.to_string(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lines: u64 = args
        .first()
        .and_then(|n| n.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let seed = args
        .iter()
        .position(|a| a == "--seed")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    let ingest_only = args.iter().any(|a| a == "--ingest-only");
    let mut rng = Rng(seed | 1);
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    for _ in 0..lines {
        let line = if ingest_only || rng.below(100) < 92 {
            ingest(&mut rng)
        } else {
            other(&mut rng)
        };
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}
