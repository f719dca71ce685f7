//! A policy reloaded from its own YAML: `Policy::to_yaml` gives text that loads back to the
//! same document.

use regionfence::Policy;

/// Whether `finding` is listed in `REGIONFENCE_FUZZ_KNOWN` (comma-separated): a reported,
/// still-open finding a long fuzzing run steps over so it can look for others. Unset (as in
/// `cargo test` and `.ci/fuzz`), every finding fails.
pub fn known_open(finding: &str) -> bool {
    static KNOWN: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KNOWN
        .get_or_init(|| {
            std::env::var("REGIONFENCE_FUZZ_KNOWN")
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .iter()
        .any(|k| k == finding)
}

/// The first `limit` bytes of `text` (on a character boundary), for messages.
pub fn clip(text: &str, limit: usize) -> &str {
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Loads `policy.to_yaml()` back: it must load, to the same document. `Ok(None)` when the
/// reload is refused by one of the loader's text guards and that finding is known-open.
pub fn reload(policy: &Policy) -> Result<Option<Policy>, String> {
    let yaml = policy
        .to_yaml()
        .map_err(|e| format!("a compiled policy does not serialise: {e}"))?;
    let again = match Policy::from_yaml(&yaml) {
        Ok(again) => again,
        Err(e) => {
            let message = e.to_string();
            let guard = message.contains("anchors and aliases") || message.contains("nesting deeper");
            if guard && known_open("to-yaml-guards") {
                return Ok(None);
            }
            return Err(format!(
                "Policy::to_yaml gives text that does not load: {message}\n---\n{}",
                clip(&yaml, 1500)
            ));
        }
    };
    if again.document() != policy.document() {
        return Err(format!(
            "Policy::to_yaml does not round-trip the document:\n---\n{}",
            clip(&yaml, 1500)
        ));
    }
    Ok(Some(again))
}
