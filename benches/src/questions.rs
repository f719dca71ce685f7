//! The benchmark questions, with the verdict each engine must give, and a sweep over the
//! default policy's question space on which every peer must agree with regionfence.

use regionfence::document::Document;
use regionfence::{Policy, Verdict};

/// One question, as a gateway holds it: raw strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// May this source of this workspace send to this host?
    Ingest {
        /// The workspace's processing region.
        workspace: String,
        /// A source kind or catalog slug.
        source: String,
        /// The host as a gateway saw it.
        host: String,
    },
    /// May the data go to this destination (through its in-region endpoint)?
    Deliver {
        /// The workspace's processing region.
        workspace: String,
        /// A destination slug.
        destination: String,
    },
    /// May a warehouse firewall accept this IP as the region's loader?
    Connect {
        /// The workspace's processing region.
        workspace: String,
        /// A warehouse (store) id.
        warehouse: String,
        /// The IP as the firewall saw it.
        ip: String,
    },
    /// Is `to` a valid failover target for `from`?
    Failover {
        /// A location `<region>/<ingestion>-<zone>`.
        from: String,
        /// A location `<region>/<ingestion>-<zone>`.
        to: String,
    },
}

impl Ask {
    /// An ingest question.
    pub fn ingest(workspace: &str, source: &str, host: &str) -> Ask {
        Ask::Ingest {
            workspace: workspace.into(),
            source: source.into(),
            host: host.into(),
        }
    }

    /// A deliver question without a named endpoint.
    pub fn deliver(workspace: &str, destination: &str) -> Ask {
        Ask::Deliver {
            workspace: workspace.into(),
            destination: destination.into(),
        }
    }

    /// A connect question.
    pub fn connect(workspace: &str, warehouse: &str, ip: &str) -> Ask {
        Ask::Connect {
            workspace: workspace.into(),
            warehouse: warehouse.into(),
            ip: ip.into(),
        }
    }

    /// A failover question.
    pub fn failover(from: &str, to: &str) -> Ask {
        Ask::Failover {
            from: from.into(),
            to: to.into(),
        }
    }

    /// regionfence's verdict, through its public string-level API.
    pub fn regionfence(&self, policy: &Policy) -> bool {
        let decision = match self {
            Ask::Ingest {
                workspace,
                source,
                host,
            } => policy.ingest(workspace, source, host),
            Ask::Deliver {
                workspace,
                destination,
            } => policy.deliver(workspace, destination, None),
            Ask::Connect {
                workspace,
                warehouse,
                ip,
            } => policy.connect(workspace, warehouse, ip),
            Ask::Failover { from, to } => policy.failover(from, to),
        };
        decision.verdict() == Verdict::Allow
    }
}

/// How the question reaches the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Raw strings, as a gateway holds them: every name is looked up, the request is built.
    Raw,
    /// Ingest only, prepared once: regionfence's ids looked up once (`ingest_ids`); Cedar's
    /// request and Regorus's input built once. The naive evaluator has no such form.
    Prepared,
}

/// A benchmark question: its name in the results and the verdict every engine must give.
#[derive(Debug, Clone)]
pub struct Bench {
    /// `question/case`, as criterion's group and the results table name it.
    pub name: &'static str,
    /// The question.
    pub ask: Ask,
    /// How it reaches the engine.
    pub path: Path,
    /// Whether it must be allowed.
    pub allowed: bool,
}

/// The length of the hostile host: the largest raw host regionfence inspects at all.
pub const HOSTILE_LEN: usize = regionfence::limits::MAX_HOST_INPUT_BYTES;

/// 2 KiB of deterministic garbage that reads as one long host: URL-ish bytes and upper
/// case, but none of `/ ? # @ : [`, so every scan of it runs its whole length.
pub fn hostile_host() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..HOSTILE_LEN)
        .map(|_| {
            // xorshift64: deterministic, so every run and every engine sees the same bytes.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ALPHABET[(state % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// The benchmark questions, in the order of the results table.
pub fn benchmarks() -> Vec<Bench> {
    vec![
        Bench {
            name: "ingest/allowed",
            ask: Ask::ingest("eu-west", "javascript", "https://events.eu1.segmentapis.com/v1"),
            path: Path::Raw,
            allowed: true,
        },
        Bench {
            name: "ingest/denied-cross-region",
            ask: Ask::ingest("eu-west", "node-js", "api.segment.io"),
            path: Path::Raw,
            allowed: false,
        },
        Bench {
            name: "ingest/hostile-host",
            ask: Ask::ingest("eu-west", "javascript", &hostile_host()),
            path: Path::Raw,
            allowed: false,
        },
        Bench {
            name: "ingest/prepared-allowed",
            ask: Ask::ingest("eu-west", "javascript", "https://events.eu1.segmentapis.com/v1"),
            path: Path::Prepared,
            allowed: true,
        },
        Bench {
            name: "deliver/allowed",
            ask: Ask::deliver("eu-west", "amplitude"),
            path: Path::Raw,
            allowed: true,
        },
        Bench {
            name: "deliver/allowed-late-in-list",
            ask: Ask::deliver("eu-west", "stitch-data"),
            path: Path::Raw,
            allowed: true,
        },
        Bench {
            name: "connect/allowed",
            ask: Ask::connect("eu-west", "redshift", "3.251.148.100"),
            path: Path::Raw,
            allowed: true,
        },
        Bench {
            name: "failover/within-ingestion-region",
            ask: Ask::failover("eu-west/dublin-a", "eu-west/dublin-b"),
            path: Path::Raw,
            allowed: true,
        },
        Bench {
            name: "failover/denied-across-regions",
            ask: Ask::failover("eu-west/dublin-a", "us-west/dublin-a"),
            path: Path::Raw,
            allowed: false,
        },
    ]
}

/// Hosts as a gateway may see them: every listed host in several raw forms, and hosts that
/// are unknown, malformed or hostile.
fn raw_hosts(document: &Document) -> Vec<String> {
    let mut hosts = Vec::new();
    for region in &document.regions {
        for ingestion in &region.ingestion {
            for host in &ingestion.hosts {
                hosts.push(host.clone());
                hosts.push(host.to_uppercase());
                hosts.push(format!("https://{host}/v1"));
                hosts.push(format!("HTTP://{host}:80/v1/batch?x=1"));
                hosts.push(format!("{host}:443"));
                hosts.push(format!("{host}."));
                hosts.push(format!("http://{host}:443"));
                hosts.push(format!("https://{host}:8443"));
                hosts.push(format!("ftp://{host}"));
                hosts.push(format!("user@{host}"));
                hosts.push(format!("{host}.evil.example"));
                hosts.push(format!("evil.{host}"));
                hosts.push(format!("{host} "));
                hosts.push(format!("{host}.."));
            }
        }
    }
    hosts.extend(
        [
            "",
            "https://",
            "3.251.148.97",
            "[::1]",
            "*.segment.io",
            "unknown.example",
            "a%2eb",
        ]
        .map(String::from),
    );
    hosts.push(hostile_host());
    hosts
}

/// Every question of the sweep: the default policy's question space for the four kinds of
/// question, plus unknown, malformed and hostile names.
pub fn sweep(document: &Document) -> Vec<Ask> {
    let mut regions: Vec<String> = document.regions.iter().map(|r| r.id.clone()).collect();
    regions.push("mars-north".into());
    let mut sources: Vec<String> = document.source_kinds.iter().map(|k| k.id.clone()).collect();
    sources.extend(document.sources.iter().map(|s| s.id.clone()));
    sources.push("cobol".into());
    let hosts = raw_hosts(document);
    let mut asks = Vec::new();
    for region in &regions {
        for source in &sources {
            for host in &hosts {
                asks.push(Ask::ingest(region, source, host));
            }
        }
        for destination in document
            .destinations
            .iter()
            .map(|d| d.id.as_str())
            .chain(["nowhere"])
        {
            asks.push(Ask::deliver(region, destination));
        }
        for store in document.stores.iter().map(|s| s.id.as_str()).chain(["oracle"]) {
            for ip in [
                "3.251.148.96",
                "3.251.148.100",
                "3.251.148.103",
                "3.251.148.104",
                "52.25.130.38",
                "52.25.130.39",
                "10.0.0.1",
                "2001:db8::1",
                "::ffff:3fb:9464",
                "::ffff:3419:8226",
                "::ffff:3fb:9468",
                "03.251.148.100",
                "3.251.148.100 ",
                "not-an-ip",
                "",
            ] {
                asks.push(Ask::connect(region, store, ip));
            }
        }
    }
    let mut locations = Vec::new();
    for region in &document.regions {
        for ingestion in &region.ingestion {
            for zone in &ingestion.zones {
                locations.push(format!("{}/{}-{}", region.id, ingestion.id, zone));
            }
        }
    }
    locations.push("eu-west/dublin-z".into());
    for from in &locations {
        for to in &locations {
            asks.push(Ask::failover(from, to));
        }
    }
    asks
}
