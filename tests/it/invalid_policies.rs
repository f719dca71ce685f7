#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Every policy in `policies/invalid/` fails to load, with the message (and position) in its
//! `.expected` file; the loader's size limits; and regressions for loader errors found while writing them.

use regionfence::limits::{MAX_ENTRIES, MAX_NESTING, MAX_POLICY_BYTES};
use regionfence::{LoadErrorKind, Location, Policy};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The tiny valid policy every file in `policies/invalid/` breaks in exactly one place.
const BASE: &str = include_str!("../fixtures/tiny.yaml");

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/invalid")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `NAME.yaml` of the folder with its `NAME.expected`, sorted by name.
fn pairs() -> Vec<(String, PathBuf, PathBuf)> {
    let mut pairs: Vec<_> = std::fs::read_dir(folder())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|yaml| {
            let name = yaml.file_stem().unwrap().to_string_lossy().into_owned();
            let expected = yaml.with_extension("expected");
            (name, yaml, expected)
        })
        .collect();
    pairs.sort();
    pairs
}

/// `line L, column C` at the start of an expected message, if there is one.
fn expected_location(expected: &str) -> Option<Location> {
    let rest = expected.strip_prefix("line ")?;
    let (line, rest) = rest.split_once(", column ")?;
    let (column, _) = rest.split_once(':')?;
    Some(Location {
        line: line.parse().ok()?,
        column: column.parse().ok()?,
    })
}

/// The 1-based line of the `nth` (from 0) line containing `needle`.
fn line_of(text: &str, needle: &str, nth: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .nth(nth)
        .unwrap_or_else(|| panic!("no line {nth} with {needle:?}"))
        .0
        + 1
}

fn load_file(name: &str) -> (String, regionfence::LoadError) {
    let text = read(&folder().join(format!("{name}.yaml")));
    let err = Policy::from_yaml(&text)
        .err()
        .unwrap_or_else(|| panic!("{name}.yaml loaded"));
    (text, err)
}

#[test]
fn the_tiny_base_of_every_invalid_policy_is_valid() {
    let policy = Policy::from_yaml(BASE).unwrap();
    assert_eq!(policy.name(), "tiny");
}

#[test]
fn every_invalid_policy_fails_with_its_expected_message() {
    let mut failures = Vec::new();
    for (name, yaml, expected) in pairs() {
        let want = read(&expected);
        let want = want.trim_end_matches('\n');
        match Policy::from_yaml(&read(&yaml)) {
            Ok(_) => failures.push(format!("{name}: loaded; expected an error containing {want:?}")),
            Err(e) => {
                let shown = e.to_string();
                if !shown.contains(want) {
                    failures.push(format!("{name}: error {shown:?} does not contain {want:?}"));
                }
                if let Some(at) = expected_location(want) {
                    if e.location() != Some(at) {
                        failures.push(format!("{name}: location {:?}, expected {at:?}", e.location()));
                    }
                }
                if let Some(at) = e.location() {
                    if !shown.starts_with(&format!("{at}: ")) {
                        failures.push(format!("{name}: {shown:?} does not start with its location"));
                    }
                    if expected_location(want).is_none() {
                        failures.push(format!("{name}: reported at {at}, which {name}.expected lacks"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_folder_holds_at_least_twenty_pairs_and_every_yaml_has_its_expected() {
    let pairs = pairs();
    assert!(pairs.len() >= 20, "only {} invalid policies", pairs.len());
    for (name, _, expected) in &pairs {
        assert!(expected.is_file(), "{name}.yaml has no {name}.expected");
        let text = read(expected);
        assert_eq!(text.lines().count(), 1, "{name}.expected must be one line");
        assert!(!text.trim().is_empty(), "{name}.expected is empty");
    }
    for entry in std::fs::read_dir(folder()).unwrap() {
        let path = entry.unwrap().path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("expected") => assert!(
                path.with_extension("yaml").is_file(),
                "{} has no .yaml",
                path.display()
            ),
            Some("yaml") => {}
            _ => assert_eq!(
                path.file_name().unwrap(),
                "README.md",
                "stray file {}",
                path.display()
            ),
        }
    }
}

#[test]
fn the_alias_bomb_fails_cleanly_within_a_moment() {
    // A document with both an anchor and an alias is refused before the parser sees it, so
    // the 10^10-scalar expansion never starts.
    let (text, _) = load_file("alias-bomb");
    let started = Instant::now();
    let err = Policy::from_yaml(&text).unwrap_err();
    let took = started.elapsed();
    assert!(
        err.to_string()
            .contains("YAML anchors and aliases are not accepted"),
        "{err}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn deep_flow_nesting_is_refused_before_parsing_at_the_bracket_over_the_limit() {
    let (text, err) = load_file("deep-nesting");
    let line = line_of(&text, "archive: [[[", 0);
    let column = text.lines().nth(line - 1).unwrap().find('[').unwrap() + MAX_NESTING + 1;
    assert_eq!(err.location(), Some(Location { line, column }));
    assert!(err
        .to_string()
        .contains(&format!("nesting deeper than {MAX_NESTING} levels")));
}

#[test]
fn an_oversized_policy_is_refused_before_parsing() {
    let mut text = String::from(BASE);
    text.push_str(&"#".repeat(MAX_POLICY_BYTES + 1 - text.len()));
    let started = Instant::now();
    let err = Policy::from_yaml(&text).unwrap_err();
    assert!(matches!(err.kind(), LoadErrorKind::TooLarge { .. }), "{err}");
    assert!(
        err.to_string().contains("over the limit of 8388608 bytes"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    // One byte less is parsed (a comment) and loads.
    text.pop();
    assert!(Policy::from_yaml(&text).is_ok());
}

#[test]
fn a_list_over_the_entry_limit_is_refused() {
    let countries = vec!["IE"; MAX_ENTRIES + 1].join(", ");
    let text = BASE.replace("countries: [IE]", &format!("countries: [{countries}]"));
    let err = Policy::from_yaml(&text).unwrap_err();
    assert!(
        matches!(err.kind(), LoadErrorKind::TooManyEntries { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("`groups[eu].countries` has 100001 entries, over the limit of 100000"),
        "{err}"
    );
}

#[test]
fn a_did_you_mean_hint_names_the_nearest_known_id() {
    let (_, err) = load_file("unknown-group-reference");
    match err.kind() {
        LoadErrorKind::UnknownReference { suggestion, .. } => assert_eq!(suggestion.as_deref(), Some("eu")),
        other => panic!("{other:?}"),
    }
    let (_, err) = load_file("dangling-failover-to");
    assert!(
        !err.to_string().contains("did you mean"),
        "no hint when nothing is close: {err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Errors found while writing the files above, kept as regressions of their fixes.

/// README: loading rejects "empty host or endpoint
/// lists" with "the line and column" where it can point at one. `locate` looks for the field
/// name (`hosts`, `endpoints`) as a whole word, but `find_word` counts `:` as a word character,
/// so `hosts:` never matches and the error carries no position.
#[test]
fn empty_lists_are_located() {
    let mut failures = Vec::new();
    for (name, needle) in [("empty-hosts", "hosts: []"), ("empty-endpoints", "endpoints: []")] {
        let (text, err) = load_file(name);
        let line = line_of(&text, needle, 0);
        if err.location().map(|l| l.line) != Some(line) {
            failures.push(format!("{name}: `{err}` should point at line {line}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Errors about names built from two ids
/// (`eu-west/dublin-a`, `amplitude/eu`, `eu-west/dublin`) search the text for the built name,
/// which never occurs in it, so they carry no position though the loader could point at the
/// second claim.
#[test]
fn names_built_from_two_ids_are_located() {
    let mut failures = Vec::new();
    for (name, needle, nth) in [
        ("zone-listed-twice", "zones: [a, b, a]", 0),
        ("duplicate-endpoint", "{id: eu, jurisdiction: eu}, {id: eu", 0),
        ("duplicate-ingestion-region", "- {id: dublin", 1),
    ] {
        let (text, err) = load_file(name);
        let line = line_of(&text, needle, nth);
        if err.location().map(|l| l.line) != Some(line) {
            failures.push(format!("{name}: `{err}` should point at line {line}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A `"` after a space inside a plain scalar once opened a "quote" for a lexical nesting guard
/// but not for YAML, so the brackets after it went uncounted. The guard now reads the parser's
/// own events: a plain scalar is a plain scalar.
#[test]
fn flow_nesting_cannot_hide_behind_a_stray_quote() {
    let deep = format!("{}aws:eu-west-1{}", "[".repeat(40), "]".repeat(40));
    let text = BASE
        .replace(
            "name: tiny\n",
            "name: tiny\ndescription: the \"EU West region, strict\n",
        )
        .replace("archive: [aws:eu-west-1]", &format!("archive: {deep}"));
    let err = Policy::from_yaml(&text).unwrap_err();
    assert!(
        err.to_string().contains("nesting deeper than 32 levels"),
        "the nesting limit was not enforced: {err}"
    );
}

/// README "Limits": aliases replay whole subtrees, and the untagged `PlacesDoc` buffers the
/// whole expanded value, so one anchor of S scalars aliased K times would cost S × K. The
/// guard refuses the first anchor, before anything is replayed.
#[test]
fn alias_fan_out_is_refused_at_once() {
    let anchor = format!("&a [{}]", vec!["x"; 1000].join(","));
    let aliases = vec!["*a"; 1000].join(",");
    let text = BASE.replace(
        "    archive: [aws:eu-west-1]\n",
        &format!("    archive: [aws:eu-west-1]\n    customer_storage: [{anchor},{aliases}]\n"),
    );
    assert!(text.len() < 7_000);
    let started = Instant::now();
    let result = Policy::from_yaml(&text);
    let took = started.elapsed();
    assert!(result.is_err());
    assert!(
        took < Duration::from_secs(1),
        "a {} byte policy took {took:?}",
        text.len()
    );
}
