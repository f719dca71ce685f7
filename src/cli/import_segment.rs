//! `regionfence import-segment`: a workspace configuration from Segment's Public API — read
//! from a folder of saved responses, or fetched with `--api` (feature `import-live`).

use super::write_back::{self, WriteSnapshot};
use super::{fail, shown_path, Outcome};
use crate::import::{import, ApiResponses, RegionChoice};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `import-segment` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ImportSegment {
    /// The folder of saved responses (`workspace.json`, `sources.json`, `destinations.json`,
    /// `warehouses.json`, and optionally `api-host`).
    pub dir: Option<PathBuf>,
    /// Fetch from this Public API URL instead (token from `SEGMENT_PUBLIC_API_TOKEN`).
    pub api: Option<String>,
    /// The workspace's region, when the API host does not name it.
    pub region: Option<String>,
    /// Where to write the document; standard output when absent.
    pub output: Option<PathBuf>,
    /// Where to write the gateway's `write_keys` table (mode 0600).
    pub gateway_keys: Option<PathBuf>,
}

/// `regionfence import-segment`: success when the document (and the keys file, when asked
/// for) is written; failure, with nothing written, otherwise.
pub fn import_segment(args: &ImportSegment, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    // Where each file goes is settled before anything is read, so a file changed meanwhile
    // is never written over.
    let keys_output = match args.gateway_keys.as_deref().map(|p| output(p, true)).transpose() {
        Ok(o) => o,
        Err(e) => return fail(err, &e),
    };
    let document_output = match args.output.as_deref().map(|p| output(p, false)).transpose() {
        Ok(o) => o,
        Err(e) => return fail(err, &e),
    };
    let (responses, api_host) = match (&args.dir, &args.api) {
        (Some(dir), None) => match ApiResponses::read_dir(dir) {
            Ok(read) => read,
            Err(e) => return fail(err, &e),
        },
        (None, Some(api)) => match fetch(api) {
            Ok(responses) => (responses, Some(api.clone())),
            Err(e) => return fail(err, &e),
        },
        _ => {
            return fail(
                err,
                &"name either a folder of API responses or `--api URL`, not both",
            )
        }
    };
    let choice = RegionChoice {
        flag: args.region.as_deref(),
        api_host: api_host.as_deref(),
    };
    let imported = match import(&responses, choice) {
        Ok(imported) => imported,
        Err(e) => return fail(err, &e),
    };
    drop(responses);
    // Both files are written in full before either is put in place.
    let mut staged = Vec::new();
    for (destination, text, secret) in [
        (keys_output, imported.gateway_keys_yaml(), true),
        (document_output, imported.document.clone(), false),
    ] {
        let Some(destination) = destination else { continue };
        match stage(destination, text, secret) {
            Ok(s) => staged.push(s),
            Err(e) => {
                discard(&staged);
                return fail(err, &e);
            }
        }
    }
    for (i, staged_file) in staged.iter().enumerate() {
        if let Err(e) = put_in_place(staged_file) {
            discard(staged.get(i + 1..).unwrap_or_default());
            return fail(err, &e);
        }
    }
    if args.output.is_none() {
        let _ = out.write_all(imported.document.as_bytes());
    }
    let s = imported.summary;
    let _ = writeln!(
        err,
        "imported {} sources, {} destinations, {} warehouses ({} disabled) into region `{}`; {} values are `unknown`: `regionfence check-workspace` lists each as not-known-from-api",
        s.sources, s.destinations, s.warehouses, s.disabled, imported.region, s.unknown
    );
    if let Some(keys) = &args.gateway_keys {
        let _ = writeln!(
            err,
            "wrote {} write keys to `{}` (mode 0600)",
            s.write_keys,
            shown_path(keys)
        );
    }
    Outcome::Success
}

#[cfg(feature = "import-live")]
fn fetch(api: &str) -> Result<ApiResponses, String> {
    use crate::import::live::{self, FetchOptions, TOKEN_VARIABLE};
    let token = std::env::var(TOKEN_VARIABLE)
        .map_err(|_| format!("`--api` reads the token from `{TOKEN_VARIABLE}`, which is not set"))?;
    live::fetch(api, &token, &FetchOptions::default()).map_err(|e| e.to_string())
}

#[cfg(not(feature = "import-live"))]
fn fetch(_api: &str) -> Result<ApiResponses, String> {
    Err("this build fetches nothing itself: save the four responses in a folder, or build with `--features import-live`".into())
}

/// Where an output file goes: over a file that is there, replaced as `check-workspace --fix
/// --write` replaces one (the file its path finally names, only if unchanged since it was
/// read), or a new file, created only if none has appeared meanwhile.
enum Output {
    Replace(WriteSnapshot),
    Create(PathBuf),
}

/// Where `target` is written, refused now when it could not be written faithfully: not a
/// regular file, a dangling link, a file of write keys others may read.
fn output(target: &Path, secret: bool) -> Result<Output, String> {
    match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Output::Create(target.to_path_buf())),
        Err(e) => Err(format!("cannot write `{}`: {e}", shown_path(target))),
        Ok(_) => {
            let snapshot = write_back::read_for_write(target, crate::limits::MAX_POLICY_BYTES)
                .map_err(|e| e.to_string())?;
            if secret && !snapshot.is_private() {
                return Err(format!(
                    "`{}` is readable by others: a file of write keys must be its owner's alone \
                     (mode 0600); nothing written",
                    shown_path(target)
                ));
            }
            Ok(Output::Replace(snapshot))
        }
    }
}

/// An output with its text, ready to be put in place: a replacement, or a new file already
/// written in full beside its target.
enum Staged {
    Replace(WriteSnapshot, String),
    Create { temporary: PathBuf, target: PathBuf },
}

/// Writes a new file's text in full beside its target; a replacement is written when it is
/// put in place.
fn stage(output: Output, text: String, secret: bool) -> Result<Staged, String> {
    match output {
        Output::Replace(snapshot) => Ok(Staged::Replace(snapshot, text)),
        Output::Create(target) => match new_file_beside(&target, &text, secret) {
            Ok(temporary) => Ok(Staged::Create { temporary, target }),
            Err(e) => Err(format!("cannot write `{}`: {e}", shown_path(&target))),
        },
    }
}

/// Puts a staged output in place: a replacement only over the unchanged original; a new file
/// by a link that fails if a file has appeared at the target meanwhile.
fn put_in_place(staged: &Staged) -> Result<(), String> {
    match staged {
        Staged::Replace(snapshot, text) => {
            write_back::write_if_unchanged(snapshot, text).map_err(|e| e.to_string())
        }
        Staged::Create { temporary, target } => {
            let linked = std::fs::hard_link(temporary, target);
            let _ = std::fs::remove_file(temporary);
            linked.map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => format!(
                    "`{}` appeared while importing; nothing written over it",
                    shown_path(target)
                ),
                _ => format!("cannot write `{}`: {e}", shown_path(target)),
            })
        }
    }
}

/// Writes `text` to a new file beside `target` (mode 0600 when `secret`) and returns its
/// path; nothing is left behind on failure.
fn new_file_beside(target: &Path, text: &str, secret: bool) -> std::io::Result<PathBuf> {
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = target
        .file_name()
        .map_or_else(|| "import".into(), |n| n.to_string_lossy().into_owned());
    let mut attempt = 0u32;
    let (temporary, mut handle) = loop {
        let candidate = folder.join(format!(".{base}.{}.{attempt}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(if secret { 0o600 } else { 0o644 });
        }
        match options.open(&candidate) {
            Ok(h) => break (candidate, h),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let written = handle.write_all(text.as_bytes()).and_then(|()| handle.sync_all());
    match written {
        Ok(()) => Ok(temporary),
        Err(e) => {
            let _ = std::fs::remove_file(&temporary);
            Err(e)
        }
    }
}

/// Removes the new files staged and not yet put in place.
fn discard(staged: &[Staged]) {
    for staged in staged {
        if let Staged::Create { temporary, .. } = staged {
            let _ = std::fs::remove_file(temporary);
        }
    }
}
