//! How a control plane links regionfence: check a workspace's whole configuration before it
//! is saved, tell the user exactly what to change, and hand the fixes to the save path as
//! JSON Patch operations.
//!
//! Run with `cargo run --example control_plane`.

use regionfence::workspace::{check_change, fix_all, Workspace};
use regionfence::Policy;

/// The configuration an EU customer is about to save.
const CONFIG: &str = "
version: 1
workspace: acme-eu
region: eu-west
sources:
  - {id: backend, source: node-js, host: 'https://api.segment.io/v1'}
destinations:
  - {id: analytics, destination: mixpanel}
  - {id: web, destination: google-analytics}
stores:
  - {id: bigquery, store: bigquery, cloud_region: gcp:europe-west2}
  - {id: redshift, store: redshift, cloud_region: aws:eu-west-1}
warehouses:
  redshift: {firewall: [52.25.130.38]}
";

fn main() {
    let policy = Policy::default_policy();
    let config = match Workspace::parse(CONFIG) {
        Ok(config) => config,
        Err(e) => {
            println!("refused: {e}");
            return;
        }
    };

    let report = policy.check_workspace(&config);
    for v in &report.violations {
        println!("FIX  {} ({})", v.path, v.code);
        println!("       {}", v.message);
        println!("       {}", v.fix.sentence);
        if v.fix.has_edit() {
            println!(
                "       patch: {}",
                serde_json::to_string(&v.fix.patch).unwrap_or_default()
            );
        }
    }
    println!("{} setting(s) to fix before saving", report.violations.len());

    // The control plane may offer to apply every fix at once.
    let fixed = fix_all(&policy, &config);
    println!(
        "after the fixes: {} violation(s) left, none with an edit",
        fixed.remaining.violations.len()
    );

    // On each save, only what the change breaks (and repairs) matters.
    let change = check_change(&policy, &config, &fixed.workspace);
    println!(
        "saving the fixed configuration breaks {} and repairs {}",
        change.broken.len(),
        change.repaired.len()
    );

    // Policies are data: a change to one is validated before it ships.
    let edited = regionfence::DEFAULT_POLICY_YAML.replace("[3.251.148.96/29]", "[3.251.148.97/29]");
    match Policy::from_yaml(&edited) {
        Ok(_) => println!("edited policy loads"),
        Err(e) => println!("edited policy rejected: {e}"),
    }
}
