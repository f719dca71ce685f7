//! Every console example of the docs is what the command prints: each ```` ```console ````
//! block of `README.md` and `docs/**/*.md` is run, command by command, and its output
//! compared with the block's.
//!
//! A block's lines that start with `$ ` are commands: `regionfence` (the built binary), or
//! `head`, `grep` and the like looking at what it wrote. They run in a scratch folder that
//! looks like the repository's root, standard error after standard output; the lines after a
//! command, up to the next one, are what it prints. In the expected text a line that is `…`
//! alone stands for any number of lines, and `…` inside a line for any text. Examples of
//! anything else (a gateway, `curl`) are written as ```` ```sh ```` blocks, which are not run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files whose console examples are checked.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = vec![root.join("README.md")];
    let mut stack = vec![root.join("docs")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// One command of a console block and the lines it is shown printing.
struct Example {
    file: PathBuf,
    line: usize,
    command: String,
    expected: Vec<String>,
}

fn examples(file: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out: Vec<Example> = Vec::new();
    let mut in_block = false;
    for (at, line) in text.lines().enumerate() {
        if !in_block {
            in_block = line.trim_end() == "```console";
            continue;
        }
        if line.trim_end() == "```" {
            in_block = false;
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            let program = command.split_whitespace().next().unwrap_or("");
            assert!(
                ["regionfence", "head", "tail", "grep", "cat", "wc"].contains(&program),
                "{}:{}: a console example runs `regionfence` (or looks at what it wrote with head, \
                 tail, grep, cat or wc); write other commands in a ```sh block",
                file.display(),
                at + 1
            );
            out.push(Example {
                file: file.to_path_buf(),
                line: at + 1,
                command: command.to_string(),
                expected: Vec::new(),
            });
        } else {
            let example = out
                .last_mut()
                .unwrap_or_else(|| panic!("{}:{}: output before any command", file.display(), at + 1));
            example.expected.push(line.to_string());
        }
    }
    out
}

/// Whether `actual` is `expected` with `…` standing for any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split('…').collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first) || actual.len() < first.len() + last.len() || !actual.ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `actual` is `expected`, a lone `…` line standing for any number of lines.
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "…" => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((first, rest)) => {
            actual.first().is_some_and(|a| line_matches(first, a)) && lines_match(rest, &actual[1..])
        }
    }
}

/// A scratch folder that looks like the repository's root (its `policies`, `tests` and
/// `examples` linked in), so the files an example writes (`>> decisions.jsonl`) land there.
fn scratch_root(document: &Path) -> PathBuf {
    let name = document.file_stem().unwrap().to_string_lossy().into_owned();
    let dir = std::env::temp_dir().join(format!("regionfence-docs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for linked in ["policies", "tests", "examples"] {
        std::os::unix::fs::symlink(root.join(linked), dir.join(linked)).unwrap();
    }
    dir
}

fn run(command: &str, root: &Path) -> String {
    let binary = env!("CARGO_BIN_EXE_regionfence");
    let command = match command.strip_prefix("regionfence ") {
        Some(rest) => format!("{binary} {rest}"),
        None => command.to_string(),
    };
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} 2>&1"))
        .current_dir(root)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_console_example_prints_what_it_shows() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in documents() {
        let root = scratch_root(&file);
        for example in examples(&file) {
            let actual = run(&example.command, &root);
            let actual_lines: Vec<&str> = actual.lines().collect();
            // A block may end on an empty line before its fence.
            let mut expected = example.expected.clone();
            while expected.last().is_some_and(|l| l.is_empty()) {
                expected.pop();
            }
            if !lines_match(&expected, &actual_lines) {
                failures.push(format!(
                    "{}:{}: `{}`\n--- shown\n{}\n--- printed\n{}",
                    example.file.display(),
                    example.line,
                    example.command,
                    expected.join("\n"),
                    actual
                ));
            }
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} console examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_matcher_reads_ellipses_as_the_docs_mean_them() {
    let lines = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
    assert!(lines_match(&lines("a\n…\nd"), &["a", "b", "c", "d"]));
    assert!(lines_match(&lines("a\n…\nd"), &["a", "d"]));
    assert!(!lines_match(&lines("a\n…\nd"), &["a", "b"]));
    assert!(lines_match(&lines("x: …"), &["x: anything"]));
    assert!(lines_match(&lines("(… ms)"), &["(12.5 ms)"]));
    assert!(!lines_match(&lines("(… ms)"), &["(12.5 s)"]));
    assert!(!lines_match(&lines("a"), &["a", "b"]));
}
