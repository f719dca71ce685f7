//! `workspace_config`: arbitrary bytes as a workspace configuration, checked against the
//! default policy.
//!
//! A configuration parses or errors, never panics; an error's position lies inside the text;
//! text over the limit is refused. Every violation's fix, applied to the configuration,
//! removes that violation and adds none; applied to the text in place, it reads back as the
//! same configuration as the fix applied to the values.

use regionfence::limits::MAX_POLICY_BYTES;
use regionfence::workspace::{apply, apply_to_text, Workspace, WorkspaceErrorKind};
use std::collections::HashMap;

/// The property.
pub fn check(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let workspace = match Workspace::parse(&text) {
        Ok(workspace) => workspace,
        Err(e) => {
            if e.to_string().is_empty() {
                return Err("a workspace error with an empty message".into());
            }
            if let Some(at) = e.location {
                let lines = text.split(['\n', '\r']).count() + 1;
                if at.line == 0 || at.line > lines || at.column == 0 {
                    return Err(format!(
                        "error position {at} outside a text of {lines} lines: {e}"
                    ));
                }
            } else if matches!(
                e.kind,
                WorkspaceErrorKind::Duplicate { .. } | WorkspaceErrorKind::UnsupportedVersion { .. }
            ) {
                return Err(format!("an error without a position: {e}"));
            }
            return Ok(());
        }
    };
    if text.len() > MAX_POLICY_BYTES {
        return Err(format!("a configuration of {} bytes was accepted", text.len()));
    }
    let policy = super::default_policy();
    let report = policy.check_workspace(&workspace);
    let counts = |ws: &Workspace| {
        let mut out: HashMap<(String, &'static str), usize> = HashMap::new();
        for v in policy.check_workspace(ws).violations {
            *out.entry((v.subject, v.code.as_str())).or_insert(0) += 1;
        }
        out
    };
    let before = counts(&workspace);
    for v in report.violations.iter().filter(|v| v.fix.has_edit()) {
        let fixed = apply(&workspace, &v.fix.patch)
            .map_err(|e| format!("{}: the fix does not apply: {e}", v.path))?;
        let after = counts(&fixed);
        let key = (v.subject.clone(), v.code.as_str());
        if after.get(&key).copied().unwrap_or(0) >= before.get(&key).copied().unwrap_or(0) {
            return Err(format!("{} ({}) survives its fix", v.path, v.code));
        }
        if let Some((k, _)) = after
            .iter()
            .find(|(k, n)| **n > before.get(*k).copied().unwrap_or(0))
        {
            return Err(format!("the fix of {} ({}) adds {k:?}", v.path, v.code));
        }
        // In place: where the editor makes the edit, it reads back as the value edit.
        let mut edited = Some(text.to_string());
        for op in &v.fix.patch {
            edited = edited.and_then(|t| apply_to_text(&t, op).ok());
        }
        if let Some(edited) = edited {
            let read = Workspace::parse(&edited)
                .map_err(|e| format!("{}: the edited text does not read: {e}", v.path))?;
            if read != fixed {
                return Err(format!(
                    "{}: the text edit reads back as another configuration:\n{edited}",
                    v.path
                ));
            }
        }
    }
    Ok(())
}
