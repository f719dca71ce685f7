#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `regionfence check-workspace`, run as the built binary: exit codes, the text and JSON
//! reports, `--fix` as a diff and in place, `--against`, and bad input.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regionfence-ws-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

const BAD: &str = "policies/examples/eu-violations.yaml";

#[test]
fn compliant_examples_exit_zero_on_both_policies() {
    let eu = repo("policies/examples/eu-compliant.yaml");
    let o = run(&["check-workspace", eu.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("compliant"));
    let p2025 = repo("policies/segment-2025.yaml");
    let o = run(&[
        "check-workspace",
        eu.to_str().unwrap(),
        "--policy",
        p2025.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let us = repo("policies/examples/us-compliant.yaml");
    assert_eq!(
        run(&["check-workspace", us.to_str().unwrap()]).status.code(),
        Some(0)
    );
}

#[test]
fn violations_exit_two_with_path_problem_and_fix() {
    let bad = repo(BAD);
    let o = run(&["check-workspace", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let text = stdout(&o);
    assert!(
        text.contains("eu-violations.yaml:15:63: destinations[0].endpoint: endpoint-outside-region"),
        "{text}"
    );
    assert!(text.contains("      fix: use endpoint `eu`\n"), "{text}");
    assert!(
        text.contains("no edit: name a destination the policy knows; did you mean `mixpanel`?"),
        "{text}"
    );
}

#[test]
fn json_report_carries_the_patches() {
    let bad = repo(BAD);
    let o = run(&["check-workspace", bad.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["compliant"], false);
    let violations = doc["files"][0]["violations"].as_array().unwrap();
    let firewall = violations
        .iter()
        .find(|v| v["code"] == "firewall-admits-foreign-loader")
        .unwrap();
    assert_eq!(firewall["path"], "warehouses[redshift].firewall[0]");
    assert_eq!(firewall["pointer"], "/warehouses/redshift/firewall/0");
    assert_eq!(firewall["line"], 28);
    assert_eq!(
        firewall["fix"]["patch"],
        serde_json::json!([{"op": "remove", "path": "/warehouses/redshift/firewall/0"}])
    );
    let host = violations
        .iter()
        .find(|v| v["path"] == "sources[1].host")
        .unwrap();
    assert_eq!(
        host["fix"]["patch"],
        serde_json::json!([{"op": "replace", "path": "/sources/1/host", "value": "events.eu1.segmentapis.com"}])
    );
}

#[test]
fn fix_prints_a_diff_and_write_applies_it_keeping_comments() {
    let text = std::fs::read_to_string(repo(BAD)).unwrap();
    let path = scratch("bad.yaml", &text);
    let o = run(&["check-workspace", path.to_str().unwrap(), "--fix"]);
    let diff = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{diff}");
    assert!(
        diff.contains("\n-    host: https://api.segment.io/v1   # the US host, pasted from an old guide\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+    host: events.eu1.segmentapis.com   # the US host, pasted from an old guide\n"),
        "{diff}"
    );
    assert!(
        diff.contains("2 violation(s) left, with no edit that fixes them"),
        "{diff}"
    );
    // What is left is placed in the fixed text the diff shows, not in the file on disk.
    let name = path.to_str().unwrap();
    assert!(diff.contains(&format!("\n  {name} (fixed):")), "{diff}");
    assert!(!diff.contains(&format!("\n  {name}:")), "{diff}");
    // The diff changes nothing on disk.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let o = run(&["check-workspace", path.to_str().unwrap(), "--fix", "--write"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let written = std::fs::read_to_string(&path).unwrap();
    for comment in text.lines().filter_map(|l| l.find('#').map(|i| &l[i..])) {
        if comment.contains("US workspaces only")
            || comment.contains("US endpoints only")
            || comment.contains("copied from the US")
            || comment.contains("a cloud source")
        {
            continue; // on the lines of removed entries
        }
        assert!(written.contains(comment), "lost {comment:?}\n{written}");
    }
    // Fixed once, there is nothing left to fix.
    let o = run(&["check-workspace", path.to_str().unwrap(), "--fix"]);
    assert!(!stdout(&o).contains("@@"), "{}", stdout(&o));
}

#[test]
fn fix_on_a_json_configuration_writes_json() {
    let json = r#"{"version": 1, "workspace": "a", "region": "eu-west",
  "destinations": [{"id": "amp", "destination": "amplitude", "endpoint": "us"}],
  "stores": [{"id": "r", "store": "redshift", "cloud_region": "aws:eu-west-1"}],
  "warehouses": {"r": {"firewall": []}}}
"#;
    let path = scratch("ws.json", json);
    let o = run(&["check-workspace", path.to_str().unwrap(), "--fix", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["destinations"][0]["endpoint"], "eu");
    assert_eq!(written["warehouses"]["r"]["firewall"][0], "3.251.148.96/29");
}

#[test]
fn against_reports_only_what_the_change_breaks_and_repairs() {
    let old = scratch(
        "old.yaml",
        "version: 1\nworkspace: a\nregion: eu-west\ndestinations:\n  - {id: amp, destination: amplitude, endpoint: us}\n  - {id: mp, destination: mixpanel}\n",
    );
    let new = scratch(
        "new.yaml",
        "version: 1\nworkspace: a\nregion: eu-west\ndestinations:\n  - {id: amp, destination: amplitude, endpoint: eu}\n  - {id: mp, destination: mixpanel, endpoint: us}\n",
    );
    let o = run(&[
        "check-workspace",
        new.to_str().unwrap(),
        "--against",
        old.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let text = stdout(&o);
    assert!(text.contains("the change breaks 1"), "{text}");
    assert!(
        text.contains("destinations[1].endpoint: endpoint-outside-region"),
        "{text}"
    );
    assert!(
        text.contains("the change repairs 1\n  destinations[0].endpoint: endpoint-outside-region"),
        "{text}"
    );
    let o = run(&[
        "check-workspace",
        old.to_str().unwrap(),
        "--against",
        old.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["files"][0]["breaks_nothing"], true);
    let moved = scratch("moved.yaml", "version: 1\nworkspace: a\nregion: us-west\n");
    let o = run(&[
        "check-workspace",
        moved.to_str().unwrap(),
        "--against",
        old.to_str().unwrap(),
    ]);
    assert!(stdout(&o).contains("region: region-immutable"), "{}", stdout(&o));
    assert!(stdout(&o).contains("create a new workspace in `us-west`"));
}

#[test]
fn bad_input_is_an_error_with_a_position() {
    let broken = scratch(
        "broken.yaml",
        "version: 1\nworkspace: a\nregion: eu-west\nsources: [{id: a\n",
    );
    let o = run(&["check-workspace", broken.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("broken.yaml: line "), "{err}");
    let unknown = scratch(
        "unknown.yaml",
        "version: 1\nworkspace: a\nregion: eu-west\nsources: [{id: a, source: ios, colour: red}]\n",
    );
    let o = run(&["check-workspace", unknown.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr).unwrap().contains("line 4"));
    let huge = scratch("huge.yaml", &"#".repeat(8 * 1024 * 1024 + 10));
    let o = run(&["check-workspace", huge.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr).unwrap().contains("over the limit"));
}

/// The README's walk-through shows what the command prints: every line it quotes (up to an
/// elision) is a line of the real output, in the same order.
#[test]
fn the_readmes_walk_through_is_the_real_output() {
    let readme = crate::docs();
    let section = &readme[readme.find("# Checking a workspace").unwrap()..];
    let mut blocks = section.split("```console\n").skip(1);
    for args in [vec![BAD], vec![BAD, "--fix"]] {
        let block = blocks.next().unwrap();
        let block = &block[..block.find("```").unwrap()];
        let mut lines = block.lines();
        let command = lines.next().unwrap();
        assert_eq!(
            command,
            format!("$ regionfence check-workspace {}", args.join(" "))
        );
        let mut argv = vec!["check-workspace"];
        argv.extend(args.iter().copied());
        let o = Command::new(env!("CARGO_BIN_EXE_regionfence"))
            .args(&argv)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let real = stdout(&o);
        let real: Vec<&str> = real.lines().collect();
        let mut at = 0;
        for line in lines.filter(|l| !l.trim_start().starts_with('…')) {
            let quoted = line.strip_suffix(" …").unwrap_or(line);
            let found = real[at..].iter().position(|r| r.starts_with(quoted));
            assert!(
                found.is_some(),
                "README line {line:?} is not in the output:\n{}",
                real.join("\n")
            );
            at += found.unwrap() + 1;
        }
    }
}

#[test]
fn terminal_escapes_in_a_configuration_or_its_name_never_reach_the_terminal() {
    let hostile = "version: 1\nworkspace: \"\\e]0;pwned\\a\\e[31m\"\nregion: eu-west\nsources:\n  - {id: api, source: node-js, host: api.segment.io}\n";
    let compliant = "version: 1\nworkspace: \"\\e]0;pwned\\a\\e[31m\"\nregion: eu-west\n";
    let raw = |o: &Output| o.stdout.iter().chain(&o.stderr).any(|b| *b == 0x1b || *b == 0x07);
    for (name, text) in [
        ("bell\u{7}\u{1b}[2Jname.yaml", hostile),
        ("plain-hostile.yaml", hostile),
        ("esc\u{1b}]0;x\u{7}compliant.yaml", compliant),
    ] {
        let path = scratch(name, text);
        let file = path.to_str().unwrap();
        for args in [
            vec!["check-workspace", file],
            vec!["check-workspace", "--fix", file],
            vec!["check-workspace", file, "--against", file],
        ] {
            let o = run(&args);
            assert!(!raw(&o), "{args:?}: {}", String::from_utf8_lossy(&o.stdout));
        }
        // The escapes are shown, not dropped.
        let o = run(&["check-workspace", file]);
        let shown = String::from_utf8_lossy(&o.stdout).to_string();
        if text == compliant {
            assert!(shown.contains("\\u{1b}]0;pwned\\u{7}"), "{shown}");
        }
        // A file that cannot be read names itself escaped too.
        let missing = format!("{file}.missing\u{1b}[31m");
        let o = run(&["check-workspace", &missing]);
        assert!(!raw(&o), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // Written in place, the escapes reach the file (they are its content), not the terminal.
    let path = scratch("written\u{1b}.yaml", hostile);
    let o = run(&["check-workspace", "--fix", "--write", path.to_str().unwrap()]);
    assert!(!raw(&o), "{}", String::from_utf8_lossy(&o.stdout));
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.contains("events.eu1.segmentapis.com"), "{after}");
    assert!(after.contains("\\e]0;pwned"), "{after}");
}

#[test]
fn writing_in_place_keeps_the_permissions_and_leaves_no_temporary_file() {
    let path = scratch("perm/kept.yaml", "");
    let dir = path.parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        &path,
        "version: 1\nworkspace: acme   # ours\nregion: eu-west\nsources:\n  - {id: api, source: node-js, host: api.segment.io}\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let o = run(&["check-workspace", "--fix", "--write", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.contains("workspace: acme   # ours\n"), "{after}");
    assert!(after.contains("events.eu1.segmentapis.com"), "{after}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["kept.yaml"]);
}

#[test]
fn violations_without_an_edit_say_so_rather_than_point_at_fix() {
    let text =
        "version: 1\nworkspace: w\nregion: eu-west\ndestinations:\n  - {id: d, destination: mixpanell}\n";
    let path = scratch("no-edit.yaml", text);
    let o = run(&["check-workspace", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains(": 1 violation(s), none with an edit\n"), "{out}");
    assert!(!out.contains("--fix` applies them"), "{out}");
}
