//! The regionfence engine for Python: the same compiled [`regionfence::Policy`], the same
//! answers, from a `Policy` class (frozen, shared by `Arc`, safe to use from many threads),
//! with a batch API over lists of questions and over Arrow record batches.
//!
//! The Python package `regionfence` re-exports this module (`regionfence._regionfence`) and
//! adds `regionfence.spark`.

mod arrow;
mod convert;
mod decision;
mod errors;
mod policy;
mod question;

use pyo3::prelude::*;

/// The extension module `regionfence._regionfence`.
#[pymodule]
fn _regionfence(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<policy::PyPolicy>()?;
    m.add_class::<decision::PyDecision>()?;
    m.add_class::<decision::PyReason>()?;
    m.add("PolicyError", py.get_type::<errors::PolicyError>())?;
    m.add("QuestionError", py.get_type::<errors::QuestionError>())?;
    m.add("WorkspaceError", py.get_type::<errors::WorkspaceError>())?;
    m.add("ENGINE_VERSION", regionfence::record::ENGINE_VERSION)?;
    m.add("DEFAULT_POLICY_YAML", regionfence::DEFAULT_POLICY_YAML)?;
    m.add("QUESTION_COLUMNS", question::COLUMNS.to_vec())?;
    Ok(())
}
