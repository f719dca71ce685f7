//! Writing a fixed configuration back in place (`check-workspace --fix --write`) without
//! harming what the path names.
//!
//! [`read_for_write`] resolves the path to the file it finally names (through every link),
//! refuses what could not be replaced faithfully, and keeps what the file was when read: its
//! identity, size, times, owner, mode and a SHA-256 of its content. [`write_if_unchanged`]
//! writes the new text to a temporary file beside that file, gives it the original's owner and
//! mode, checks the original once more, and renames the temporary file over it; on any refusal
//! or failure the temporary file is removed and the original is left as it was.
//!
//! Refused, at read time and again at write time: a path that does not end at a regular file
//! (a pipe, a device, a directory, a link to one), a file with more than one hard link (a
//! rename would break the link), a read-only file (no write bit at all, as `chmod a-w` leaves
//! it: refused even for root, who the system would let through), a file the caller could not
//! open for writing, and, at write time, a file whose owner cannot be kept or that changed
//! since it was read.
//!
//! What is not covered: between the last check and the rename a window of a few system calls
//! remains, which only a lock both sides honour could close; extended attributes (ACLs,
//! security labels) are not copied to the new file.

use super::error::ReadError;
use super::shown_path;
use std::path::{Path, PathBuf};

/// Why a configuration was not written back in place. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteBackError {
    /// The file could not be read, or is not a regular file when read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The path does not resolve to the file it names (a dangling link, an open file that
    /// was deleted, a link that changed while it was followed).
    #[error(
        "{}: cannot resolve the file this path names ({reason}); nothing written",
        shown_path(path)
    )]
    Unresolved {
        /// The path as given.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The path names a pipe, a device, a directory: anything but a regular file.
    #[error("{}: not a regular file; nothing written", shown_path(path))]
    NotRegularFile {
        /// The path as given.
        path: PathBuf,
    },
    /// The file has other names (hard links); replacing it would leave them on the old text.
    #[error(
        "{}: the file has {links} hard links, and replacing it would break them; nothing written",
        shown_path(path)
    )]
    HardLinks {
        /// The path as given.
        path: PathBuf,
        /// How many names the file has.
        links: u64,
    },
    /// The file's mode allows no one to write it.
    #[error(
        "{}: the file is read-only (mode {mode:o}); nothing written",
        shown_path(path)
    )]
    ReadOnly {
        /// The path as given.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The caller may not write the file.
    #[error("{}: not writable ({source}); nothing written", shown_path(path))]
    NotWritable {
        /// The path as given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The new file could not be given the original's owner.
    #[error(
        "{}: cannot keep the owner {uid}:{gid} ({source}); nothing written",
        shown_path(path)
    )]
    Owner {
        /// The path as given.
        path: PathBuf,
        /// The original's user id.
        uid: u32,
        /// The original's group id.
        gid: u32,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file changed between the read and the write.
    #[error("{}: changed while fixing, nothing written", shown_path(path))]
    Changed {
        /// The path as given.
        path: PathBuf,
    },
    /// Writing the new file, or renaming it over the original, failed.
    #[error("{}: {source}; nothing written", shown_path(path))]
    Io {
        /// The path as given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Writing in place is supported on Unix only.
    #[error(
        "{}: writing in place is not supported on this system; nothing written",
        shown_path(path)
    )]
    Unsupported {
        /// The path as given.
        path: PathBuf,
    },
}

/// A file read to be written back: its text, the file its path finally names, and what that
/// file was when read. Made by [`read_for_write`], used by [`write_if_unchanged`].
#[derive(Debug, Clone)]
pub struct WriteSnapshot {
    path: PathBuf,
    target: PathBuf,
    text: String,
    state: FileState,
    hash: [u8; 32],
}

impl WriteSnapshot {
    /// The text read.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file the path finally names (every link resolved), which is the one written.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Whether only its owner may read or write the file (no group or other permission bits),
    /// as a file of secrets must be; the write keeps the mode.
    pub fn is_private(&self) -> bool {
        self.state.mode & 0o077 == 0
    }
}

/// What a file was: which file, its size, times, owner, mode and names. Any difference
/// between two reads means the file changed (or was replaced) in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileState {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u64,
}

/// Reads the regular file `path` finally names (at most `limit` bytes) to write it back with
/// [`write_if_unchanged`], refusing what could not be replaced faithfully (see the module's
/// documentation). Nothing is written.
pub fn read_for_write(path: &Path, limit: usize) -> Result<WriteSnapshot, WriteBackError> {
    imp::read_for_write(path, limit)
}

/// Replaces the file `snapshot` was read from with `text`, keeping its owner and mode: the text
/// goes to a new file in the same folder, which is renamed over the original once the
/// original is found unchanged since the read (same file, size, times, owner, mode and
/// content). On a refusal or a failure nothing is written and no temporary file is left.
pub fn write_if_unchanged(snapshot: &WriteSnapshot, text: &str) -> Result<(), WriteBackError> {
    imp::write_if_unchanged(snapshot, text)
}

/// The checks of [`read_for_write`] without the read: whether `path` could be written back.
pub(crate) fn check_writable(path: &Path) -> Result<(), WriteBackError> {
    imp::resolve(path).map(|_| ())
}

#[cfg(unix)]
mod imp {
    use super::{FileState, WriteBackError, WriteSnapshot};
    use crate::cli::error::ReadError;
    use sha2::{Digest, Sha256};
    use std::fs::{File, Metadata, OpenOptions};
    use std::io::{Read, Write};
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    use std::path::{Path, PathBuf};

    fn state(m: &Metadata) -> FileState {
        FileState {
            dev: m.dev(),
            ino: m.ino(),
            len: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
            mode: m.mode(),
            uid: m.uid(),
            gid: m.gid(),
            nlink: m.nlink(),
        }
    }

    /// The refusals that depend on the file alone: not regular, other names, read-only.
    fn refusal(path: &Path, m: &Metadata) -> Option<WriteBackError> {
        let path = path.to_path_buf();
        if !m.file_type().is_file() {
            Some(WriteBackError::NotRegularFile { path })
        } else if m.nlink() > 1 {
            Some(WriteBackError::HardLinks {
                path,
                links: m.nlink(),
            })
        } else if m.permissions().readonly() {
            Some(WriteBackError::ReadOnly {
                path,
                mode: m.mode() & 0o7777,
            })
        } else {
            None
        }
    }

    /// The file `path` finally names, opened for reading and writing (so the system says
    /// whether the caller may write it), with its state; or why it is refused.
    pub(super) fn resolve(path: &Path) -> Result<(PathBuf, File, FileState), WriteBackError> {
        if path.as_os_str().is_empty() {
            return Err(ReadError::EmptyPath.into());
        }
        let io = |source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let named = std::fs::metadata(path).map_err(io)?;
        if let Some(refused) = refusal(path, &named) {
            return Err(refused);
        }
        let unresolved = |reason: String| WriteBackError::Unresolved {
            path: path.to_path_buf(),
            reason,
        };
        let target = std::fs::canonicalize(path).map_err(|e| unresolved(e.to_string()))?;
        let found = std::fs::symlink_metadata(&target).map_err(|e| unresolved(e.to_string()))?;
        if !found.file_type().is_file() || (found.dev(), found.ino()) != (named.dev(), named.ino()) {
            return Err(unresolved(format!(
                "it resolves to {}, another file",
                crate::cli::shown_path(&target)
            )));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&target)
            .map_err(|source| WriteBackError::NotWritable {
                path: path.to_path_buf(),
                source,
            })?;
        let opened = file.metadata().map_err(io)?;
        if let Some(refused) = refusal(path, &opened) {
            return Err(refused);
        }
        if (opened.dev(), opened.ino()) != (named.dev(), named.ino()) {
            return Err(unresolved("it changed while it was followed".into()));
        }
        Ok((target, file, state(&opened)))
    }

    pub(super) fn read_for_write(path: &Path, limit: usize) -> Result<WriteSnapshot, WriteBackError> {
        let (target, file, state) = resolve(path)?;
        if state.len > limit as u64 {
            return Err(ReadError::TooLarge {
                path: path.to_path_buf(),
                size: state.len,
                limit,
            }
            .into());
        }
        let mut bytes = Vec::new();
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| ReadError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        if bytes.len() > limit {
            return Err(ReadError::GrewPastLimit {
                path: path.to_path_buf(),
                limit,
            }
            .into());
        }
        let hash = Sha256::digest(&bytes).into();
        let text = String::from_utf8(bytes).map_err(|_| ReadError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ),
        })?;
        Ok(WriteSnapshot {
            path: path.to_path_buf(),
            target,
            text,
            state,
            hash,
        })
    }

    /// Whether the file at the snapshot's target is still the one read, as it was read.
    fn check_unchanged(snapshot: &WriteSnapshot) -> Result<(), WriteBackError> {
        let path = &snapshot.path;
        let changed = || WriteBackError::Changed {
            path: path.to_path_buf(),
        };
        let now = std::fs::symlink_metadata(&snapshot.target).map_err(|_| changed())?;
        if let Some(refused) = refusal(path, &now) {
            return Err(refused);
        }
        if state(&now) != snapshot.state {
            return Err(changed());
        }
        let file = File::open(&snapshot.target).map_err(|_| changed())?;
        let opened = file.metadata().map_err(|_| changed())?;
        if state(&opened) != snapshot.state {
            return Err(changed());
        }
        let mut bytes = Vec::new();
        file.take(snapshot.state.len.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|_| changed())?;
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        if hash != snapshot.hash {
            return Err(changed());
        }
        Ok(())
    }

    pub(super) fn write_if_unchanged(snapshot: &WriteSnapshot, text: &str) -> Result<(), WriteBackError> {
        let path = &snapshot.path;
        let io = |source| WriteBackError::Io {
            path: path.to_path_buf(),
            source,
        };
        // What the path names now is refused as it would have been at the read.
        check_unchanged(snapshot)?;
        let (Some(folder), Some(base)) = (snapshot.target.parent(), snapshot.target.file_name()) else {
            return Err(WriteBackError::NotRegularFile {
                path: path.to_path_buf(),
            });
        };
        let base = base.to_string_lossy();
        let mut attempt = 0u32;
        let (temporary, mut handle) = loop {
            let candidate = folder.join(format!(".{base}.{}.{attempt}.tmp", std::process::id()));
            // Readable by the owner alone until it has the original's owner and mode.
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&candidate)
            {
                Ok(h) => break (candidate, h),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                    attempt += 1;
                }
                Err(e) => return Err(io(e)),
            }
        };
        let written = fill(&mut handle, text, snapshot)
            .and_then(|()| check_unchanged(snapshot))
            .and_then(|()| std::fs::rename(&temporary, &snapshot.target).map_err(io));
        drop(handle);
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        } else if let Ok(folder) = File::open(folder) {
            // The rename on disk too, where the system allows it.
            let _ = folder.sync_all();
        }
        written
    }

    /// Writes `text` to the temporary file and gives it the original's owner, then its mode
    /// (a change of owner clears the set-id bits, so the mode comes second).
    fn fill(handle: &mut File, text: &str, snapshot: &WriteSnapshot) -> Result<(), WriteBackError> {
        let path = &snapshot.path;
        let io = |source| WriteBackError::Io {
            path: path.to_path_buf(),
            source,
        };
        handle.write_all(text.as_bytes()).map_err(io)?;
        let mine = handle.metadata().map_err(io)?;
        let (uid, gid) = (snapshot.state.uid, snapshot.state.gid);
        if (mine.uid(), mine.gid()) != (uid, gid) {
            std::os::unix::fs::fchown(&*handle, Some(uid), Some(gid)).map_err(|source| {
                WriteBackError::Owner {
                    path: path.to_path_buf(),
                    uid,
                    gid,
                    source,
                }
            })?;
        }
        handle
            .set_permissions(std::fs::Permissions::from_mode(snapshot.state.mode & 0o7777))
            .map_err(io)?;
        handle.sync_all().map_err(io)
    }
}

#[cfg(not(unix))]
mod imp {
    use super::{WriteBackError, WriteSnapshot};
    use std::path::Path;

    fn unsupported(path: &Path) -> WriteBackError {
        WriteBackError::Unsupported {
            path: path.to_path_buf(),
        }
    }

    pub(super) fn resolve(path: &Path) -> Result<(), WriteBackError> {
        Err(unsupported(path))
    }

    pub(super) fn read_for_write(path: &Path, _limit: usize) -> Result<WriteSnapshot, WriteBackError> {
        Err(unsupported(path))
    }

    pub(super) fn write_if_unchanged(snapshot: &WriteSnapshot, _text: &str) -> Result<(), WriteBackError> {
        Err(unsupported(&snapshot.path))
    }
}
