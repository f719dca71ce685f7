//! A policy reloaded from its own YAML: `Policy::to_yaml` gives text that loads back to the
//! same document.

use regionfence::{CompileOptions, Policy};

/// The first `limit` bytes of `text` (on a character boundary), for messages.
pub fn clip(text: &str, limit: usize) -> &str {
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Loads `policy.to_yaml()` back, at the policy's own as-of date: it must load, to the same
/// document.
pub fn reload(policy: &Policy) -> Result<Option<Policy>, String> {
    let yaml = policy
        .to_yaml()
        .map_err(|e| format!("a compiled policy does not serialise: {e}"))?;
    let options = match policy.as_of() {
        Some(date) => CompileOptions::new().as_of(date),
        None => CompileOptions::new(),
    };
    let again = match Policy::from_yaml_with(&yaml, &options) {
        Ok(again) => again,
        Err(e) => {
            return Err(format!(
                "Policy::to_yaml gives text that does not load: {e}\n---\n{}",
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
