//! `regionfence import-segment`: a workspace configuration from Segment's Public API — read
//! from a folder of saved responses, or fetched with `--api` (feature `import-live`).

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
    // Both files are written in full beside their targets before either is put in place.
    let mut staged = Vec::new();
    if let Some(keys) = &args.gateway_keys {
        match stage(keys, &imported.gateway_keys_yaml(), true) {
            Ok(s) => staged.push(s),
            Err(e) => return fail(err, &format!("cannot write `{}`: {e}", shown_path(keys))),
        }
    }
    if let Some(output) = &args.output {
        match stage(output, &imported.document, false) {
            Ok(s) => staged.push(s),
            Err(e) => {
                discard(&staged);
                return fail(err, &format!("cannot write `{}`: {e}", shown_path(output)));
            }
        }
    }
    for (i, (temporary, target)) in staged.iter().enumerate() {
        if let Err(e) = std::fs::rename(temporary, target) {
            discard(staged.get(i..).unwrap_or_default());
            return fail(err, &format!("cannot write `{}`: {e}", shown_path(target)));
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

/// Writes `text` to a new file beside `target` (mode 0600 when `secret`) and returns it with
/// its target; nothing is left behind on failure.
fn stage(target: &Path, text: &str, secret: bool) -> std::io::Result<(PathBuf, PathBuf)> {
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
    let _ = secret;
    let written = handle.write_all(text.as_bytes()).and_then(|()| handle.sync_all());
    match written {
        Ok(()) => Ok((temporary, target.to_path_buf())),
        Err(e) => {
            let _ = std::fs::remove_file(&temporary);
            Err(e)
        }
    }
}

fn discard(staged: &[(PathBuf, PathBuf)]) {
    for (temporary, _) in staged {
        let _ = std::fs::remove_file(temporary);
    }
}
