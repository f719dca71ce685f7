//! The errors of the command line's files: reading one, loading a policy from one, and
//! running a case file (with the policy it names). Each says which file, shown escaped and
//! bounded, and keeps what went wrong for a caller to match on.

use super::shown_path;
use crate::cases::CaseError;
use crate::error::LoadError;
use std::path::PathBuf;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// No path was given.
    #[error("the path is empty")]
    EmptyPath,
    /// The path names a pipe, a device, a directory: anything but a regular file.
    #[error("{}: not a regular file", shown_path(path))]
    NotRegularFile {
        /// The path.
        path: PathBuf,
    },
    /// The file could not be opened or read.
    #[error("{}: {source}", shown_path(path))]
    Io {
        /// The path.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is over the limit, by its size on disk.
    #[error("{}: {size} bytes, over the limit of {limit} bytes", shown_path(path))]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// The file grew past the limit while it was read.
    #[error("{}: over the limit of {limit} bytes", shown_path(path))]
    GrewPastLimit {
        /// The path.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
}

/// Why a policy file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyFileError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The file was read and is not a valid policy.
    #[error("{}: {error}", shown_path(path))]
    Invalid {
        /// The path.
        path: PathBuf,
        /// What is wrong with the policy, and where.
        error: Box<LoadError>,
    },
}

/// What is wrong with the `policy:` a case file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyPathProblem {
    /// It is empty.
    #[error("is empty")]
    Empty,
    /// It is absolute, or has a root.
    #[error("must be a path relative to the case file's folder")]
    NotRelative,
    /// Nothing exists there.
    #[error("does not name a file that exists")]
    Missing,
    /// It leads out of the case file's folder (by `..` or a link).
    #[error("leads outside the case file's folder")]
    OutsideFolder,
}

/// A case file's `policy:` that is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}: `policy: {}` {problem}; pass a policy elsewhere with --policy",
    shown_path(case_file),
    crate::text::excerpt(written)
)]
pub struct PolicyPathError {
    /// The case file.
    pub case_file: PathBuf,
    /// The `policy:` as written.
    pub written: String,
    /// What is wrong with it.
    pub problem: PolicyPathProblem,
}

/// Why a case file could not be run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaseFileError {
    /// The case file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The case file was read and is not a valid case file.
    #[error("{}: {error}", shown_path(path))]
    Invalid {
        /// The path.
        path: PathBuf,
        /// What is wrong with it, and where.
        error: CaseError,
    },
    /// The `policy:` it names is refused.
    #[error(transparent)]
    PolicyPath(#[from] PolicyPathError),
    /// The policy it names could not be loaded.
    #[error(transparent)]
    Policy(#[from] PolicyFileError),
}
