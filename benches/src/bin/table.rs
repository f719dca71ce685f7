//! Prints the last `cargo bench` run as markdown tables: the median time per decision of
//! each engine on each benchmark question, with its ratio to regionfence's, and the load
//! times.
//!
//! ```sh
//! cargo run --release --bin table      # after `cargo bench`
//! ```

use regionfence_bench::questions::benchmarks;
use regionfence_bench::ENGINES;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

/// (group, function) → (median, lower and upper bound of its 95 % interval), in ns.
type Medians = HashMap<(String, String), (f64, f64, f64)>;

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn medians(root: &Path) -> Medians {
    let mut found = Medians::new();
    let Ok(groups) = std::fs::read_dir(root) else {
        return found;
    };
    for group in groups.flatten() {
        let Ok(functions) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for function in functions.flatten() {
            let new = function.path().join("new");
            let (Some(id), Some(estimates)) = (
                read_json(&new.join("benchmark.json")),
                read_json(&new.join("estimates.json")),
            ) else {
                continue;
            };
            let median = &estimates["median"];
            let (Some(group_id), Some(function_id), Some(point), Some(low), Some(high)) = (
                id["group_id"].as_str(),
                id["function_id"].as_str(),
                median["point_estimate"].as_f64(),
                median["confidence_interval"]["lower_bound"].as_f64(),
                median["confidence_interval"]["upper_bound"].as_f64(),
            ) else {
                continue;
            };
            found.insert(
                (group_id.to_string(), function_id.to_string()),
                (point, low, high),
            );
        }
    }
    found
}

fn time(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.1} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn ratio(r: f64) -> String {
    if r < 10.0 {
        format!("{r:.1}×")
    } else {
        format!("{r:.0}×")
    }
}

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion");
    let found = medians(&root);
    if found.is_empty() {
        eprintln!(
            "error: no results under {}: run `cargo bench` first",
            root.display()
        );
        return ExitCode::FAILURE;
    }
    println!("Median time per decision; in parentheses, the ratio to regionfence's median.\n");
    println!("| question | {} |", ENGINES.join(" | "));
    println!("| --- |{}", " ---: |".repeat(ENGINES.len()));
    for bench in benchmarks() {
        let base = found
            .get(&(bench.name.to_string(), ENGINES[0].to_string()))
            .map(|m| m.0);
        let cells: Vec<String> = ENGINES
            .iter()
            .map(
                |engine| match found.get(&(bench.name.to_string(), engine.to_string())) {
                    None => "—".to_string(),
                    Some(&(median, _, _)) => match base {
                        Some(base) if *engine != ENGINES[0] => {
                            format!("{} ({})", time(median), ratio(median / base))
                        }
                        _ => time(median),
                    },
                },
            )
            .collect();
        println!("| {} | {} |", bench.name, cells.join(" | "));
    }
    println!("\nLoading the default policy (median; 95 % interval of the median):\n");
    println!("| engine | median | interval |");
    println!("| --- | ---: | ---: |");
    for function in [
        "regionfence",
        "parse-yaml",
        "regionfence-compile",
        "cedar",
        "regorus",
        "regorus-vm",
    ] {
        if let Some(&(median, low, high)) = found.get(&("load".to_string(), function.to_string())) {
            println!(
                "| {function} | {} | {} – {} |",
                time(median),
                time(low),
                time(high)
            );
        }
    }
    ExitCode::SUCCESS
}
