//! The README's "Gateway quick start", run as written: its `sh` blocks line by line (the
//! stub upstream, the configuration file, the gateway, the `curl`s — with `curl` itself), each
//! `curl`'s output checked against the `text` block after it (`…` stands for any text). The
//! addresses it names are swapped for free loopback ports, nothing else. Also: `--version`,
//! `--help`, usage errors, and a 502 that names the upstream it tried.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;
use common::*;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_regionfence-gateway");

/// The quick start's code blocks, in order: (language, text).
fn quick_start_blocks() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(repo().join("docs/guide/gateway.md")).unwrap();
    let start = readme
        .find("\n### Gateway quick start\n")
        .expect("the README has a \"### Gateway quick start\"");
    let rest = &readme[start + 1..];
    let end = rest[4..].find("\n#").map_or(rest.len(), |e| e + 4);
    let section = &rest[..end];
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if let Some(lang) = line.strip_prefix("```") {
            let mut text = String::new();
            for inner in lines.by_ref() {
                if inner == "```" {
                    break;
                }
                text.push_str(inner);
                text.push('\n');
            }
            blocks.push((lang.to_string(), text));
        }
    }
    assert!(blocks.len() >= 5, "{blocks:?}");
    blocks
}

/// Splits one shell line into words: single and double quotes, backslash escapes outside
/// single quotes. Enough for the quick start; anything else in it fails the test.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => word.push(chars.next().unwrap()),
                        _ => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next().unwrap());
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '&' | ';' | '|' | '>' | '<' | '$' | '`' => {
                panic!("the quick start test runs no shell syntax: {line}")
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// Whether `text` matches `pattern`, where `…` stands for any text.
fn matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('…');
    let first = parts.next().unwrap();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<_> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

fn wait_for(addr: &str, child: &mut Child) {
    for _ in 0..400 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the process for {addr} exited: {status}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("nothing listens on {addr}");
}

struct Killed(Vec<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn the_readmes_quick_start_works_as_written() {
    let blocks = quick_start_blocks();
    // The addresses the quick start names, each swapped for a free port.
    let mut all = String::new();
    for (_, text) in &blocks {
        all.push_str(text);
    }
    let mut swaps = Vec::new();
    for (at, _) in all.match_indices("127.0.0.1:") {
        let port: String = all[at + 10..].chars().take_while(char::is_ascii_digit).collect();
        let from = format!("127.0.0.1:{port}");
        if !swaps.iter().any(|(f, _)| *f == from) {
            swaps.push((from, format!("127.0.0.1:{}", free_port())));
        }
    }
    assert_eq!(swaps.len(), 2, "the stub's address and the gateway's: {swaps:?}");
    let swap = |text: &str| {
        swaps
            .iter()
            .fold(text.to_string(), |t, (from, to)| t.replace(from, to))
    };
    let dir = std::env::temp_dir().join(format!("regionfence-quickstart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut children = Killed(Vec::new());
    let mut outputs: Vec<String> = Vec::new();
    let mut checked = 0;
    let mut stub_output = None;
    for (lang, text) in &blocks {
        match lang.as_str() {
            "sh" => {
                let text = swap(text).replace("\\\n", " ");
                let mut lines = text.lines();
                while let Some(line) = lines.next() {
                    if let Some(heredoc) = line.strip_prefix("cat > ") {
                        let (file, marker) = heredoc.split_once(" <<").unwrap();
                        let marker = marker.trim_matches('\'');
                        let mut content = String::new();
                        for inner in lines.by_ref() {
                            if inner == marker {
                                break;
                            }
                            content.push_str(inner);
                            content.push('\n');
                        }
                        std::fs::write(dir.join(file), content).unwrap();
                        continue;
                    }
                    let args = words(line);
                    match args.first().map(String::as_str) {
                        Some("regionfence-gateway") => {
                            let addr = if args[1] == "--upstream-stub" {
                                args[2].clone()
                            } else {
                                let config = std::fs::read_to_string(dir.join(&args[1])).unwrap();
                                config
                                    .lines()
                                    .find_map(|l| l.strip_prefix("listen: "))
                                    .unwrap()
                                    .to_string()
                            };
                            let mut child = Command::new(BINARY)
                                .args(&args[1..])
                                .current_dir(&dir)
                                .stdout(Stdio::piped())
                                .stderr(Stdio::null())
                                .spawn()
                                .unwrap();
                            wait_for(&addr, &mut child);
                            if args[1] == "--upstream-stub" {
                                stub_output = Some(children.0.len());
                            }
                            children.0.push(child);
                        }
                        Some("curl") => {
                            let output = Command::new("curl")
                                .args(&args[1..])
                                .current_dir(&dir)
                                .output()
                                .unwrap_or_else(|e| panic!("the quick start runs curl: {e}"));
                            outputs.push(String::from_utf8(output.stdout).unwrap());
                        }
                        None => {}
                        Some(_) => panic!("a quick start line this test does not run: {line}"),
                    }
                }
            }
            "text" => {
                let got = outputs.last().expect("a text block follows a curl");
                assert!(
                    matches(text.trim_end(), got.trim_end()),
                    "the README says\n{text}\nthe gateway answered\n{got}"
                );
                checked += 1;
            }
            other => panic!("a quick start block in `{other}`"),
        }
    }
    assert_eq!(checked, 2, "both curls' answers checked");
    // The stub printed the EU event, and only it.
    let index = stub_output.unwrap();
    let mut stub = children.0.remove(index);
    let _ = stub.kill();
    let printed = stub.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&printed.stdout);
    assert_eq!(printed.lines().count(), 1, "{printed}");
    assert!(
        printed.starts_with("POST /v1/track {\"type\":\"track\""),
        "{printed}"
    );
    drop(children);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn version_help_and_usage_errors() {
    let run = |args: &[&str]| Command::new(BINARY).args(args).output().unwrap();
    let version = run(&["--version"]);
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("regionfence-gateway {}\n", env!("CARGO_PKG_VERSION"))
    );
    let help = run(&["--help"]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for needed in [
        "Usage:",
        "CONFIG.yaml",
        "--upstream-stub ADDR",
        "--version",
        "/v1/authz",
        "write_keys",
    ] {
        assert!(text.contains(needed), "{needed}: {text}");
    }
    for bad in [
        &["--bogus"][..],
        &["--upstream-stub"],
        &["--upstream-stub", "nowhere"],
        &[],
        &["a", "b"],
    ] {
        let out = run(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"), "{bad:?}");
    }
}

#[tokio::test]
async fn an_unreachable_upstream_is_named_in_the_502() {
    // A port nothing listens on.
    let closed: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let gw = start(config(closed, "")).await;
    let a = send(
        &client(),
        "POST",
        gw.addr,
        "/v1/batch",
        &[("authorization", &basic(EU_KEY))],
        batch(&[("m", "e")]),
    )
    .await;
    assert_eq!(a.status, 502);
    let message = a.json()["message"].as_str().unwrap().to_string();
    assert!(message.contains(&format!("http://{closed}")), "{message}");
}
