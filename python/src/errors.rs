//! The exceptions: `PolicyError` (a `ValueError`) with `line`, `column` and `code`, and its
//! two kinds for a question and a workspace configuration that cannot be read.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use regionfence::cli::ReadError;
use regionfence::workspace::{WorkspaceError as RustWorkspaceError, WorkspaceErrorKind};
use regionfence::{LoadError, LoadErrorKind, Location, QuestionError as RustQuestionError};

pyo3::create_exception!(
    regionfence,
    PolicyError,
    PyValueError,
    "A policy, a question or a configuration the engine cannot read.\n\n\
     Attributes: `code` (a stable kebab-case word such as `unknown-reference`, `syntax`,\n\
     `too-large`), `line` and `column` (1-based, or None when the text cannot be pointed at)."
);
pyo3::create_exception!(
    regionfence,
    QuestionError,
    PolicyError,
    "A question that is not one: unknown `ask`, a missing or unknown field, a value that is\n\
     not a string, a text over the size limit. Its `index` is the position in a batch, else None."
);
pyo3::create_exception!(
    regionfence,
    WorkspaceError,
    PolicyError,
    "A workspace configuration that cannot be read."
);

/// Which exception class.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Policy,
    Question,
    Workspace,
}

/// An exception of `kind` with its attributes set.
pub(crate) fn raise(
    py: Python<'_>,
    kind: Kind,
    code: &str,
    message: String,
    location: Option<Location>,
) -> PyErr {
    let err = match kind {
        Kind::Policy => PolicyError::new_err(message),
        Kind::Question => QuestionError::new_err(message),
        Kind::Workspace => WorkspaceError::new_err(message),
    };
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("code", code)?;
        value.setattr("line", location.map(|l| l.line))?;
        value.setattr("column", location.map(|l| l.column))?;
        value.setattr("index", py.None())?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// A policy that did not load.
pub(crate) fn load_error(py: Python<'_>, error: &LoadError) -> PyErr {
    raise(
        py,
        Kind::Policy,
        load_code(error.kind()),
        error.to_string(),
        error.location(),
    )
}

/// The stable code of a load error: its kind, kebab-case.
fn load_code(kind: &LoadErrorKind) -> &'static str {
    match kind {
        LoadErrorKind::TooLarge { .. } => "too-large",
        LoadErrorKind::TooManyEntries { .. } => "too-many-entries",
        LoadErrorKind::Syntax { .. } => "syntax",
        LoadErrorKind::UnsupportedVersion { .. } => "unsupported-version",
        LoadErrorKind::InvalidId { .. } => "invalid-id",
        LoadErrorKind::Duplicate { .. } => "duplicate",
        LoadErrorKind::Repeated { .. } => "repeated",
        LoadErrorKind::UnknownReference { .. } => "unknown-reference",
        LoadErrorKind::MalformedCidr { .. } => "malformed-cidr",
        LoadErrorKind::CidrHostBits { .. } => "cidr-host-bits",
        LoadErrorKind::MalformedHost { .. } => "malformed-host",
        LoadErrorKind::MalformedCountry { .. } => "malformed-country",
        LoadErrorKind::DefaultRegion { .. } => "default-region",
        LoadErrorKind::DefaultIngestion { .. } => "default-ingestion",
        LoadErrorKind::LocationClaimedTwice { .. } => "location-claimed-twice",
        LoadErrorKind::Empty { .. } => "empty",
        LoadErrorKind::AllowlistMissing { .. } => "allowlist-missing",
        LoadErrorKind::CatalogOnlyKindNotListed { .. } => "catalog-only-kind-not-listed",
        LoadErrorKind::InvalidExemption { .. } => "invalid-exemption",
        LoadErrorKind::AllowlistNotWarehouse { .. } => "allowlist-not-warehouse",
        LoadErrorKind::TooManyTableCells { .. } => "too-many-table-cells",
        LoadErrorKind::TooManyMemberships { .. } => "too-many-memberships",
        _ => "invalid-policy",
    }
}

/// A policy file that could not be read.
pub(crate) fn read_error(py: Python<'_>, error: &ReadError) -> PyErr {
    let code = match error {
        ReadError::EmptyPath => "empty-path",
        ReadError::NotRegularFile { .. } => "not-a-file",
        ReadError::Io { .. } => "io",
        ReadError::TooLarge { .. } | ReadError::GrewPastLimit { .. } => "too-large",
        _ => "unreadable",
    };
    raise(py, Kind::Policy, code, error.to_string(), None)
}

/// A question that did not parse.
pub(crate) fn question_error(py: Python<'_>, error: &RustQuestionError) -> PyErr {
    let (code, location) = match error {
        RustQuestionError::TooLarge { .. } => ("too-large", None),
        RustQuestionError::Syntax { location, .. } => ("syntax", *location),
        _ => ("invalid-question", None),
    };
    raise(py, Kind::Question, code, format!("question: {error}"), location)
}

/// A question error at `index` of a batch.
pub(crate) fn at_index(py: Python<'_>, err: PyErr, index: usize) -> PyErr {
    let value = err.value(py);
    let message = value
        .str()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| "question".into());
    let _ = value.setattr("index", index);
    let _ = value.setattr("args", (format!("questions[{index}]: {message}"),));
    err
}

/// A workspace configuration that did not parse.
pub(crate) fn workspace_error(py: Python<'_>, error: &RustWorkspaceError) -> PyErr {
    let code = match error.kind {
        WorkspaceErrorKind::TooLarge { .. } => "too-large",
        WorkspaceErrorKind::TooManyEntries { .. } => "too-many-entries",
        WorkspaceErrorKind::Syntax { .. } => "syntax",
        WorkspaceErrorKind::UnsupportedVersion { .. } => "unsupported-version",
        WorkspaceErrorKind::Duplicate { .. } => "duplicate",
        _ => "invalid-workspace",
    };
    raise(py, Kind::Workspace, code, error.to_string(), error.location)
}
