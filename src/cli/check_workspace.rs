//! `regionfence check-workspace`: checks workspace configurations, prints every violation with
//! its fix, applies the fixes in place (`--fix`, `--write`), or checks a change (`--against`).

use super::write_back::{self, WriteSnapshot};
use super::{fail, load_policy, read_limited, shown_path, Format, Outcome};
use crate::limits::MAX_POLICY_BYTES;
use crate::policy::Policy;
use crate::text::escape_control;
use crate::workspace::{
    check_change, fix_parsed_text, parse_spanned, unified_diff, ParsedWorkspace, Violation,
};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `check-workspace` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct CheckWorkspace {
    /// The configurations.
    pub files: Vec<PathBuf>,
    /// `text` or `json`.
    pub format: Format,
    /// Print the fixed configuration as a unified diff.
    pub fix: bool,
    /// With `fix`: write the fixed configuration in place.
    pub write: bool,
    /// Check each file as a change of this one: only what the change breaks and repairs.
    pub against: Option<PathBuf>,
}

/// `regionfence check-workspace`: success when every configuration is compliant (or, with
/// `--against`, when the change breaks nothing; with `--fix`, when nothing is left after the
/// fixes), denied when violations remain, failure on an error.
pub fn check_workspace(
    policy: Option<&Path>,
    args: &CheckWorkspace,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let policy = match load_policy(policy) {
        Ok(p) => p,
        Err(e) => return fail(err, &e),
    };
    let old = match args.against.as_deref().map(read_config).transpose() {
        Ok(old) => old,
        Err(e) => return fail(err, &e),
    };
    let write = args.fix && args.write && old.is_none();
    if write {
        // Every file is checked before any is written: one that could not be written back
        // stops the run with nothing written.
        if let Some(e) = args
            .files
            .iter()
            .find_map(|f| write_back::check_writable(f).err())
        {
            return fail(err, &e);
        }
    }
    let mut reports = Vec::new();
    let mut clean = true;
    for file in &args.files {
        let (snapshot, (text, parsed)) = if write {
            match read_for_write(file) {
                Ok((snapshot, read)) => (Some(snapshot), read),
                Err(e) => return fail(err, &e),
            }
        } else {
            match read_config(file) {
                Ok(read) => (None, read),
                Err(e) => return fail(err, &e),
            }
        };
        let name = shown_path(file);
        let (report, is_clean) = if let Some((_, old)) = &old {
            change(&policy, &name, old, &parsed, args.format, out)
        } else if args.fix {
            match fix(&policy, file, &text, parsed, snapshot.as_ref(), args, out) {
                Ok(result) => result,
                Err(e) => return fail(err, &e),
            }
        } else {
            check(&policy, &name, &parsed, args.format, out)
        };
        clean &= is_clean;
        reports.push(report);
    }
    if args.format == Format::Json {
        let doc = json!({ "compliant": clean, "files": reports });
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    if clean {
        Outcome::Success
    } else {
        Outcome::Denied
    }
}

fn read_config(path: &Path) -> Result<(String, ParsedWorkspace), String> {
    let text = read_limited(path, MAX_POLICY_BYTES).map_err(|e| e.to_string())?;
    let parsed = parse_spanned(&text).map_err(|e| format!("{}: {e}", shown_path(path)))?;
    Ok((text, parsed))
}

/// A configuration read to be written back in place: what the file was when read, its text
/// and its parse.
fn read_for_write(path: &Path) -> Result<(WriteSnapshot, (String, ParsedWorkspace)), String> {
    let snapshot = write_back::read_for_write(path, MAX_POLICY_BYTES).map_err(|e| e.to_string())?;
    let text = snapshot.text().to_string();
    let parsed = parse_spanned(&text).map_err(|e| format!("{}: {e}", shown_path(path)))?;
    Ok((snapshot, (text, parsed)))
}

/// A violation for machines: the report's fields and the line and column of the value.
fn violation_json(v: &Violation, parsed: &ParsedWorkspace) -> Value {
    let mut value = serde_json::to_value(v).unwrap_or(Value::Null);
    if let (Some(span), Value::Object(map)) = (locate(v, parsed), &mut value) {
        map.insert("line".into(), span.0.into());
        map.insert("column".into(), span.1.into());
    }
    value
}

/// Where a violation's value stands: its own position, or its nearest enclosing one.
fn locate(v: &Violation, parsed: &ParsedWorkspace) -> Option<(usize, usize)> {
    let mut pointer = v.pointer.as_str();
    loop {
        if let Some(span) = parsed.span(pointer) {
            return Some((span.location.line, span.location.column));
        }
        pointer = pointer.rsplit_once('/')?.0;
    }
}

fn print_violation(out: &mut dyn Write, v: &Violation, parsed: Option<&ParsedWorkspace>, file: &str) {
    let at = parsed
        .and_then(|p| locate(v, p))
        .map_or(String::new(), |(l, c)| format!("{file}:{l}:{c}: "));
    // Paths hold the configuration's own ids: escaped, as all text output from input is.
    let _ = writeln!(
        out,
        "  {}{}: {}",
        escape_control(&at),
        escape_control(&v.path),
        v.code
    );
    let _ = writeln!(out, "      {}", escape_control(&v.message));
    let label = if v.fix.has_edit() { "fix" } else { "no edit" };
    let _ = writeln!(out, "      {label}: {}", escape_control(&v.fix.sentence));
    if let Some(template) = &v.exemption {
        let _ = writeln!(
            out,
            "      or, to allow this flow despite the rule, add to the policy:"
        );
        for line in template.lines() {
            let _ = writeln!(out, "        {}", escape_control(line));
        }
    }
}

fn check(
    policy: &Policy,
    name: &str,
    parsed: &ParsedWorkspace,
    format: Format,
    out: &mut dyn Write,
) -> (Value, bool) {
    let report = policy.check_workspace(&parsed.workspace);
    if format == Format::Text {
        if report.is_compliant() {
            let _ = writeln!(
                out,
                "{name}: compliant ({} in `{}`, {} questions)",
                escape_control(&report.workspace),
                escape_control(&report.region),
                report.questions
            );
        } else {
            let edits = report.violations.iter().filter(|v| v.fix.has_edit()).count();
            let with_edits = match edits {
                0 => "none with an edit".to_string(),
                n => format!("{n} with an edit (`check-workspace --fix` applies them)"),
            };
            let _ = writeln!(
                out,
                "{name}: {} violation(s), {with_edits}",
                report.violations.len()
            );
            for v in &report.violations {
                print_violation(out, v, Some(parsed), name);
            }
        }
    }
    let json = json!({
        "file": name,
        "workspace": report.workspace,
        "region": report.region,
        "compliant": report.is_compliant(),
        "questions": report.questions,
        "violations": report.violations.iter().map(|v| violation_json(v, parsed)).collect::<Vec<_>>(),
    });
    (json, report.is_compliant())
}

fn change(
    policy: &Policy,
    name: &str,
    old: &ParsedWorkspace,
    new: &ParsedWorkspace,
    format: Format,
    out: &mut dyn Write,
) -> (Value, bool) {
    let change = check_change(policy, &old.workspace, &new.workspace);
    if format == Format::Text {
        if change.broken.is_empty() && change.repaired.is_empty() {
            let _ = writeln!(out, "{name}: the change breaks nothing and repairs nothing");
        }
        if !change.broken.is_empty() {
            let _ = writeln!(out, "{name}: the change breaks {}", change.broken.len());
            for v in &change.broken {
                print_violation(out, v, Some(new), name);
            }
        }
        if !change.repaired.is_empty() {
            let _ = writeln!(out, "{name}: the change repairs {}", change.repaired.len());
            for v in &change.repaired {
                let _ = writeln!(out, "  {}: {}", escape_control(&v.path), v.code);
            }
        }
    }
    let json = json!({
        "file": name,
        "breaks_nothing": change.breaks_nothing(),
        "broken": change.broken.iter().map(|v| violation_json(v, new)).collect::<Vec<_>>(),
        "repaired": change.repaired,
    });
    (json, change.breaks_nothing())
}

fn fix(
    policy: &Policy,
    file: &Path,
    text: &str,
    parsed: ParsedWorkspace,
    snapshot: Option<&WriteSnapshot>,
    args: &CheckWorkspace,
    out: &mut dyn Write,
) -> Result<(Value, bool), String> {
    let name = shown_path(file);
    let fixed = fix_parsed_text(policy, text, parsed);
    if args.write && fixed.text != text {
        // Written only from a snapshot, so only what was read (and is unchanged) is replaced.
        let Some(snapshot) = snapshot else {
            return Err(format!("{name}: not read to be written back; nothing written"));
        };
        write_back::write_if_unchanged(snapshot, &fixed.text).map_err(|e| e.to_string())?;
    }
    let left: Vec<&Violation> = fixed.remaining.violations.iter().collect();
    if args.format == Format::Text {
        if args.write {
            let _ = writeln!(out, "{name}: {} fix(es) written", fixed.applied.len());
        } else {
            let _ = write!(out, "{}", shown_diff(&unified_diff(&name, text, &fixed.text)));
        }
        for (v, e) in &fixed.failed {
            let _ = writeln!(
                out,
                "{name}: {}: {} (not applied: {})",
                escape_control(&v.path),
                v.code,
                escape_control(&e.to_string())
            );
        }
        if !left.is_empty() {
            let _ = writeln!(
                out,
                "{name}: {} violation(s) left, with no edit that fixes them",
                left.len()
            );
            let reparsed = parse_spanned(&fixed.text).ok();
            // Their positions are in the fixed text: on disk once written, else in the text
            // the diff shows as `(fixed)`.
            let shown = if args.write {
                name.clone()
            } else {
                format!("{name} (fixed)")
            };
            for v in &left {
                print_violation(out, v, reparsed.as_ref(), &shown);
            }
        }
    }
    let json = json!({
        "file": name,
        "written": args.write,
        "diff": unified_diff(&name, text, &fixed.text),
        "applied": fixed.applied,
        "remaining": left,
    });
    Ok((json, left.is_empty()))
}

/// A diff for the terminal: a line holding a control character (other than its line break
/// and tabs) is shown escaped, so no configuration content reaches the terminal as a command.
fn shown_diff(diff: &str) -> String {
    let mut shown = String::with_capacity(diff.len());
    for line in diff.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let risky = content
            .chars()
            .any(|c| c != '\t' && escape_control(c.encode_utf8(&mut [0; 4])) != c.to_string());
        if risky {
            shown.push_str(&escape_control(content));
        } else {
            shown.push_str(content);
        }
        if line.ends_with('\n') {
            shown.push('\n');
        }
    }
    shown
}
