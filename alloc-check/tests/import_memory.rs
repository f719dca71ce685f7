#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! What `import-segment` costs in memory grows with the size of the API's responses and
//! nothing else: the peak live bytes of the import, on the EU fixture and on responses grown
//! from it (many destinations, long settings, deep nesting in fields the import skips), stay
//! under `MULTIPLE` × the responses' bytes + `SLACK`.

use regionfence::import::{import, ApiResponses, RegionChoice};
use regionfence_alloc_check::{peak, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The bound: peak live bytes ≤ MULTIPLE × the responses' bytes + SLACK. The reader builds
/// the whole response as a tree before mapping it, so the constant is that of a JSON tree:
/// measured at about 2× for ordinary responses, 5.4× for thousands of destinations, and 17×
/// for settings of nested empty arrays (a node per two bytes), the worst shape found.
const MULTIPLE: usize = 20;
const SLACK: usize = 1024 * 1024;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../tests/fixtures/segment-api/eu/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

fn eu() -> ApiResponses {
    ApiResponses {
        workspace: fixture("workspace.json"),
        sources: fixture("sources.json"),
        destinations: fixture("destinations.json"),
        warehouses: fixture("warehouses.json"),
    }
}

/// The EU fixture's destinations page with its first destination repeated `n` times (each
/// with an id of its own), `settings` replaced by `settings`.
fn destinations(n: usize, settings: &str) -> String {
    let page: serde_json::Value = serde_json::from_str(&fixture("destinations.json")).unwrap();
    let page = if page.is_array() { page[0].clone() } else { page };
    let mut first = page["data"]["destinations"][0].clone();
    first["settings"] = serde_json::from_str(settings).unwrap();
    let all: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut d = first.clone();
            d["id"] = format!("dest{i:08}").into();
            d
        })
        .collect();
    let mut page = page.clone();
    page["data"]["destinations"] = all.into();
    page["data"]["pagination"] = serde_json::json!({"current": "MA=="});
    page.to_string()
}

#[test]
fn an_import_costs_memory_in_proportion_to_its_responses() {
    let deep = format!("{{\"x\":{}1{}}}", "[".repeat(100), "]".repeat(100));
    let long = format!(
        "{{\"endpoint\":\"europe\",\"apiKey\":\"{}\"}}",
        "k".repeat(1 << 20)
    );
    let cases = [
        ("the EU fixture", eu()),
        (
            "5,000 destinations",
            ApiResponses {
                destinations: destinations(5_000, r#"{"endpoint":"europe"}"#),
                ..eu()
            },
        ),
        (
            "a megabyte-long setting",
            ApiResponses {
                destinations: destinations(1, &long),
                ..eu()
            },
        ),
        (
            "deep nesting in a skipped setting, 2,000 times",
            ApiResponses {
                destinations: destinations(2_000, &deep),
                ..eu()
            },
        ),
    ];
    let mut worst = 0.0f64;
    for (name, responses) in &cases {
        let size = responses.workspace.len()
            + responses.sources.len()
            + responses.destinations.len()
            + responses.warehouses.len();
        let choice = RegionChoice {
            flag: Some("eu-west"),
            api_host: None,
        };
        let (peak, imported) = peak(|| import(responses, choice));
        assert!(imported.is_ok(), "{name}: {:?}", imported.err());
        let bound = MULTIPLE * size + SLACK;
        eprintln!(
            "{name}: {size} B of responses, peak {peak} B ({:.2}×)",
            peak as f64 / size as f64
        );
        worst = worst.max(peak as f64 / size as f64);
        assert!(
            peak <= bound,
            "{name}: {peak} B > {bound} B for {size} B of responses"
        );
    }
    eprintln!("worst: {worst:.2}× the responses");
}
