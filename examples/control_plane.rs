//! How a control plane links regionfence: validate a workspace's configuration before it is
//! saved, and tell the user exactly what to change.
//!
//! Run with `cargo run --example control_plane`.

use regionfence::{Policy, Question};

fn main() {
    let policy = Policy::default_policy();

    // A configuration an EU customer is about to save.
    let config = [
        Question::Resolve {
            workspace: "eu-west".into(),
            source: "node-js".into(),
            ingestion: None,
        },
        Question::Deliver {
            workspace: "eu-west".into(),
            destination: "mixpanel".into(),
            endpoint: None,
        },
        Question::Deliver {
            workspace: "eu-west".into(),
            destination: "google-analytics".into(),
            endpoint: None,
        },
        Question::Store {
            workspace: "eu-west".into(),
            store: "bigquery".into(),
            cloud_region: "gcp:europe-west2".into(),
        },
        Question::Allowlist {
            workspace: "eu-west".into(),
            warehouse: "redshift".into(),
        },
        Question::RegionChange {
            workspace: "eu-west".into(),
            to: "us-west".into(),
        },
    ];

    let mut rejected = 0;
    for question in &config {
        let decision = policy.decide(question);
        let explained = decision.explain(&policy, question);
        let verdict = if decision.is_allowed() { "ok  " } else { "FIX " };
        if !decision.is_allowed() {
            rejected += 1;
        }
        println!("{verdict} {}", question.to_json());
        for reason in &explained.reasons {
            println!("       {}: {}", reason.code, reason.message);
        }
        if let Some(host) = &explained.host {
            println!(
                "       configure host `{host}` via {}",
                explained.mechanism.as_deref().unwrap_or("?")
            );
        }
        if let Some(cidrs) = &explained.cidrs {
            println!(
                "       open {}",
                if cidrs.is_empty() {
                    "nothing".to_string()
                } else {
                    cidrs.join(", ")
                }
            );
        }
    }
    println!("{rejected} setting(s) to fix before saving");

    // Policies are data: a change to one is validated before it ships.
    let edited = regionfence::DEFAULT_POLICY_YAML.replace("[3.251.148.96/29]", "[3.251.148.97/29]");
    match Policy::from_yaml(&edited) {
        Ok(_) => println!("edited policy loads"),
        Err(e) => println!("edited policy rejected: {e}"),
    }
}
