//! The README shows what the code does: its flow picture is the default policy's current
//! graph, and its two commands are the ones CI runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use regionfence::graph::GraphFormat;
use regionfence::Policy;

fn readme() -> String {
    crate::docs()
}

#[test]
fn the_pictured_flows_are_the_default_policys() {
    let text = readme();
    let start = text.find("```mermaid\n").expect("a mermaid block") + "```mermaid\n".len();
    let end = start + text[start..].find("```").unwrap();
    let drawn = Policy::default_policy()
        .flow_graph()
        .unwrap()
        .render(GraphFormat::Mermaid);
    assert_eq!(
        &text[start..end],
        drawn,
        "README's picture is stale: regenerate it with `regionfence graph`"
    );
}

#[test]
fn ci_runs_the_readmes_commands() {
    let text = readme();
    let ci = std::fs::read_to_string(".ci/run").unwrap();
    assert!(text.contains("cargo test"));
    assert!(
        ci.contains("\ncargo test\n"),
        ".ci/run must run the README's test command"
    );
    assert!(text.contains("cargo run --release -- audit"));
    assert!(ci.contains("-- audit"));
}

#[test]
fn the_case_file_example_passes() {
    let text = readme();
    let start = text.find("```yaml\ncases:").expect("a case file example") + "```yaml\n".len();
    let end = start + text[start..].find("```").unwrap();
    let file = regionfence::cases::CaseFile::parse(&text[start..end]).unwrap();
    let policy = Policy::default_policy();
    assert_eq!(file.cases.len(), 3);
    for case in &file.cases {
        let result = case.run(&policy);
        assert!(result.passed, "{}: {:?}", case.name, result.failures);
    }
}
