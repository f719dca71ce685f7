//! `Decision` and `Reason`: a decision with the question it answers and the policy that made
//! it, rendered on demand exactly as `regionfence ask` renders it.

use crate::convert;
use crate::policy::Shared;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use regionfence::record::{DecisionRecord, ENGINE_VERSION};
use regionfence::{Decision, Question};
use std::sync::Arc;

/// A decision: `verdict` (`"allow"` or `"deny"`), `allowed`, `reasons`, and `explain()`,
/// the dict `regionfence ask` prints.
///
/// >>> import regionfence
/// >>> d = regionfence.Policy.default().ingest("eu-west", "ios", "api.segment.io")
/// >>> d.verdict, d.allowed, d.codes
/// ('deny', False, ('ingestion-outside-region',))
#[pyclass(frozen, name = "Decision", module = "regionfence")]
pub(crate) struct PyDecision {
    pub(crate) shared: Arc<Shared>,
    pub(crate) question: Question,
    pub(crate) decision: Decision,
}

/// One reason of a decision: its stable `code`, the `message` naming the policy entry that
/// decided, and the question `field` it is about (for unknown or malformed names), else None.
#[pyclass(frozen, name = "Reason", module = "regionfence", eq)]
#[derive(PartialEq, Eq)]
pub(crate) struct PyReason {
    /// The stable kebab-case code, such as `ingestion-outside-region`.
    #[pyo3(get)]
    code: String,
    /// A sentence naming the policy entry that decided.
    #[pyo3(get)]
    message: String,
    /// The question's field the reason is about (`host`, `cloud_region`, …), or None.
    #[pyo3(get)]
    field: Option<&'static str>,
}

#[pymethods]
impl PyReason {
    fn __repr__(&self, py: Python<'_>) -> String {
        let (code, message) = (convert::repr(py, &self.code), convert::repr(py, &self.message));
        match self.field {
            Some(field) => format!("Reason(code={code}, field='{field}', message={message})"),
            None => format!("Reason(code={code}, message={message})"),
        }
    }

    fn __str__(&self) -> String {
        format!("{}: {}", self.code, self.message)
    }
}

impl PyDecision {
    fn verdict_str(&self) -> &'static str {
        if self.decision.is_allowed() {
            "allow"
        } else {
            "deny"
        }
    }

    fn codes_vec(&self) -> Vec<&'static str> {
        self.decision.codes().map(|c| c.as_str()).collect()
    }
}

#[pymethods]
impl PyDecision {
    /// `"allow"` or `"deny"`.
    #[getter]
    fn verdict(&self) -> &'static str {
        self.verdict_str()
    }

    /// Whether the verdict is `"allow"`.
    #[getter]
    fn allowed(&self) -> bool {
        self.decision.is_allowed()
    }

    /// The reason codes, most fundamental first.
    #[getter]
    fn codes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.codes_vec())
    }

    /// The reasons, most fundamental first, each with its code, message and field.
    #[getter]
    fn reasons(&self) -> Vec<PyReason> {
        let policy = &self.shared.policy;
        let explained = self.decision.explain(policy, &self.question);
        explained
            .reasons
            .into_iter()
            .zip(self.decision.reasons())
            .map(|(e, r)| PyReason {
                code: e.code.as_str().to_string(),
                message: e.message,
                field: r.field().map(|f| f.as_str()),
            })
            .collect()
    }

    /// The question this decision answers, as a dict (what `regionfence ask` reads).
    #[getter]
    fn question<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::serialize_to_py(py, &self.question)
    }

    /// The decision as `regionfence ask` prints it: `decision`, `reasons` (code and message)
    /// and what it resolved (`host`, `mechanism`, `ingestion`, `endpoint`, `endpoint_hosts`,
    /// `cidrs`, `exemption`), keys left out when they do not apply.
    ///
    /// >>> p = regionfence.Policy.default()
    /// >>> p.allowlist("eu-west", "redshift").explain()["cidrs"]
    /// ['3.251.148.96/29']
    fn explain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let explained = self.decision.explain(&self.shared.policy, &self.question);
        convert::serialize_to_py(py, &explained)
    }

    /// The decision record `regionfence ask --record` writes: the policy's digest, `as_of`,
    /// the question, the decision, its reason codes, the exemptions used and the engine.
    fn record<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let policy = &self.shared.policy;
        let record = DecisionRecord {
            digest: self.shared.digest.clone(),
            as_of: policy.as_of(),
            question: self.question.clone(),
            decision: self.decision.verdict(),
            reasons: self.decision.codes().collect(),
            exemptions: self
                .decision
                .exemption()
                .map(|id| policy.exemption_name(id).to_string())
                .into_iter()
                .collect(),
            engine: ENGINE_VERSION.to_string(),
        };
        convert::serialize_to_py(py, &record)
    }

    fn __bool__(&self) -> bool {
        self.decision.is_allowed()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Decision(verdict='{}', reasons={})",
            self.verdict_str(),
            convert::repr_list(py, &self.codes_vec())
        )
    }
}
