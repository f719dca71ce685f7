//! `Policy`: a compiled policy, immutable and shared (`Arc`), with every question the engine
//! answers, the workspace check, the audit, the diff, and the batch APIs.

use crate::decision::PyDecision;
use crate::errors::{self, Kind};
use crate::{arrow, convert, question};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use regionfence::workspace::parse_spanned;
use regionfence::{CompileOptions, Date, Decision, Policy, Question};
use serde_json::{json, Value};
use std::sync::Arc;

/// A compiled policy with what the bindings keep beside it.
pub(crate) struct Shared {
    pub(crate) policy: Policy,
    /// Computed once: every record names it.
    pub(crate) digest: String,
    /// The YAML text it was compiled from (what a Spark job ships to its workers).
    pub(crate) source: String,
}

/// A validated, compiled policy. Immutable: share one between threads freely; deciding
/// batches releases the GIL.
///
/// Policies are evaluated at a date (`as_of`, `YYYY-MM-DD`), which decides which exemptions
/// apply; like the command line, the default is today in UTC.
///
/// >>> import regionfence
/// >>> policy = regionfence.Policy.default()
/// >>> policy.ingest("eu-west", "javascript", "https://events.eu1.segmentapis.com/v1").verdict
/// 'allow'
/// >>> policy.ask({"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "api.segment.io"}).codes
/// ('ingestion-outside-region',)
#[pyclass(frozen, name = "Policy", module = "regionfence")]
pub(crate) struct PyPolicy {
    pub(crate) shared: Arc<Shared>,
}

/// The date a policy is evaluated at: `as_of` (a `YYYY-MM-DD` str or a `datetime.date`), else
/// today in UTC, as the command line does.
fn evaluation_date(py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> PyResult<Date> {
    let Some(value) = as_of.filter(|v| !v.is_none()) else {
        return Ok(regionfence::cli::today_utc());
    };
    let text: String = if let Ok(s) = value.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else if value.hasattr("isoformat")? && value.hasattr("year")? {
        let date = if value.hasattr("date")? {
            value.call_method0("date")?
        } else {
            value.clone()
        };
        date.call_method0("isoformat")?.extract()?
    } else {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "as_of is a `YYYY-MM-DD` str or a datetime.date",
        ));
    };
    text.parse::<Date>().map_err(|e| {
        errors::raise(
            py,
            Kind::Policy,
            "invalid-as-of",
            format!("as_of `{}`: {e}", regionfence::text::excerpt(&text)),
            None,
        )
    })
}

impl PyPolicy {
    fn compile(py: Python<'_>, text: String, as_of: Option<&Bound<'_, PyAny>>) -> PyResult<PyPolicy> {
        let options = CompileOptions::new().as_of(evaluation_date(py, as_of)?);
        let policy = py
            .detach(|| Policy::from_yaml_with(&text, &options))
            .map_err(|e| errors::load_error(py, &e))?;
        let digest = policy.digest();
        Ok(PyPolicy {
            shared: Arc::new(Shared {
                policy,
                digest,
                source: text,
            }),
        })
    }

    fn decision(&self, question: Question) -> PyDecision {
        let decision = self.shared.policy.decide(&question);
        PyDecision {
            shared: Arc::clone(&self.shared),
            question,
            decision,
        }
    }

    fn policy(&self) -> &Policy {
        &self.shared.policy
    }
}

/// A policy or configuration given as a str (YAML or JSON) or as a dict (turned into JSON).
fn text_of(value: &Bound<'_, PyAny>, kind: Kind, what: &str) -> PyResult<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if value.cast::<PyDict>().is_ok() {
        let json = convert::from_py(value)
            .map_err(|m| errors::raise(value.py(), kind, "type", format!("{what}: {m}"), None))?;
        return Ok(serde_json::to_string(&json).unwrap_or_default());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "{what} is a str or a dict"
    )))
}

#[pymethods]
impl PyPolicy {
    /// The embedded default policy (Segment's Regional Segment rules of October 2022).
    ///
    /// >>> regionfence.Policy.default().name
    /// 'segment-regional-2022'
    #[staticmethod]
    #[pyo3(signature = (*, as_of = None))]
    fn default(py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> PyResult<PyPolicy> {
        PyPolicy::compile(py, regionfence::DEFAULT_POLICY_YAML.to_string(), as_of)
    }

    /// Parses, validates and compiles a policy from its YAML text. A policy that does not
    /// load raises `PolicyError` with `code`, `line` and `column`.
    ///
    /// >>> try:
    /// ...     regionfence.Policy.from_yaml("version: 1\nname: [")
    /// ... except regionfence.PolicyError as e:
    /// ...     print(e.code, e.line)
    /// syntax 2
    #[staticmethod]
    #[pyo3(signature = (text, *, as_of = None))]
    fn from_yaml(
        py: Python<'_>,
        text: &Bound<'_, PyString>,
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyPolicy> {
        PyPolicy::compile(py, text.to_cow()?.into_owned(), as_of)
    }

    /// Reads and compiles the policy file at `path` (a str or `os.PathLike`), refusing
    /// anything but a regular file within the size limit.
    #[staticmethod]
    #[pyo3(signature = (path, *, as_of = None))]
    fn from_path(
        py: Python<'_>,
        path: std::path::PathBuf,
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyPolicy> {
        let text = regionfence::cli::read_limited(&path, regionfence::limits::MAX_POLICY_BYTES)
            .map_err(|e| errors::read_error(py, &e))?;
        PyPolicy::compile(py, text, as_of)
            .map_err(|e| prefix_message(py, e, &regionfence::text::bounded(&path.to_string_lossy(), 256)))
    }

    /// The policy's name.
    #[getter]
    fn name(&self) -> &str {
        self.policy().name()
    }

    /// The policy's digest: 64 hex digits, the same however the policy is written.
    #[getter]
    fn digest(&self) -> &str {
        &self.shared.digest
    }

    /// The date the policy is evaluated at, `YYYY-MM-DD`.
    #[getter]
    fn as_of(&self) -> Option<String> {
        self.policy().as_of().map(|d| d.to_string())
    }

    /// The YAML text the policy was compiled from.
    #[getter]
    fn source(&self) -> &str {
        &self.shared.source
    }

    /// The processing regions' names.
    #[getter]
    fn regions(&self) -> Vec<String> {
        let p = self.policy();
        p.region_ids().map(|r| p.region_name(r).to_string()).collect()
    }

    /// The policy written back as YAML (it loads to the same policy, with the same digest).
    fn to_yaml(&self, py: Python<'_>) -> PyResult<String> {
        self.policy()
            .to_yaml()
            .map_err(|e| errors::raise(py, Kind::Policy, "serialize", e.to_string(), None))
    }

    /// Answers any question: a dict (`{"ask": "ingest", "workspace": …}`) or a JSON/YAML
    /// str, exactly as `regionfence ask` reads it. A text that is not a question raises
    /// `QuestionError`; any question is answered, unknown names with a deny and a reason.
    ///
    /// >>> policy.ask('{"ask": "failover", "from": "eu-west/dublin-a", "to": "us-west/oregon-a"}').verdict
    /// 'deny'
    fn ask(&self, question: &Bound<'_, PyAny>) -> PyResult<PyDecision> {
        Ok(self.decision(question::from_py(question)?))
    }

    /// May this source of this workspace send to this host?
    fn ingest(&self, workspace: String, source: String, host: String) -> PyDecision {
        self.decision(Question::Ingest {
            workspace,
            source,
            host,
        })
    }

    /// Which host must this source be configured with (in this ingestion region, else the
    /// region's default), and how?
    #[pyo3(signature = (workspace, source, ingestion = None))]
    fn resolve(&self, workspace: String, source: String, ingestion: Option<String>) -> PyDecision {
        self.decision(Question::Resolve {
            workspace,
            source,
            ingestion,
        })
    }

    /// May this workspace's data go to this destination (through this endpoint, else the
    /// destination's in-region one)?
    #[pyo3(signature = (workspace, destination, endpoint = None))]
    fn deliver(&self, workspace: String, destination: String, endpoint: Option<String>) -> PyDecision {
        self.decision(Question::Deliver {
            workspace,
            destination,
            endpoint,
        })
    }

    /// May this workspace's data at rest live in this store in this cloud region?
    fn store(&self, workspace: String, store: String, cloud_region: String) -> PyDecision {
        self.decision(Question::Store {
            workspace,
            store,
            cloud_region,
        })
    }

    /// May a warehouse firewall accept this IP as the workspace region's loader?
    fn connect(&self, workspace: String, warehouse: String, ip: String) -> PyDecision {
        self.decision(Question::Connect {
            workspace,
            warehouse,
            ip,
        })
    }

    /// Which CIDRs must the customer open for this warehouse (`explain()["cidrs"]`)?
    fn allowlist(&self, workspace: String, warehouse: String) -> PyDecision {
        self.decision(Question::Allowlist { workspace, warehouse })
    }

    /// Is `to` a valid failover target for `from_`?
    #[pyo3(signature = (from_, to))]
    fn failover(&self, from_: String, to: String) -> PyDecision {
        self.decision(Question::Failover { from: from_, to })
    }

    /// May the workspace move to region `to`? (A workspace's region never changes.)
    fn region_change(&self, workspace: String, to: String) -> PyDecision {
        self.decision(Question::RegionChange { workspace, to })
    }

    /// Answers many questions (dicts or JSON/YAML strs), deciding with the GIL released.
    /// The first item that is not a question raises `QuestionError` with its `index`.
    ///
    /// >>> [d.verdict for d in policy.decide_many([
    /// ...     {"ask": "connect", "workspace": "us-west", "warehouse": "redshift", "ip": "52.25.130.38"},
    /// ...     {"ask": "region-change", "workspace": "eu-west", "to": "us-west"}])]
    /// ['allow', 'deny']
    fn decide_many(&self, py: Python<'_>, questions: &Bound<'_, PyAny>) -> PyResult<Vec<PyDecision>> {
        let mut read = Vec::new();
        for (index, item) in questions.try_iter()?.enumerate() {
            let item = item?;
            read.push(question::from_py(&item).map_err(|e| errors::at_index(py, e, index))?);
        }
        let shared = Arc::clone(&self.shared);
        let decided: Vec<Decision> = py.detach(|| read.iter().map(|q| shared.policy.decide(q)).collect());
        Ok(read
            .into_iter()
            .zip(decided)
            .map(|(question, decision)| PyDecision {
                shared: Arc::clone(&self.shared),
                question,
                decision,
            })
            .collect())
    }

    /// Decides an Arrow batch of questions: a `pyarrow.RecordBatch` or `pyarrow.Table` with
    /// an `ask` column and the fields' columns (`workspace`, `source`, `host`, `ingestion`,
    /// `destination`, `endpoint`, `store`, `cloud_region`, `warehouse`, `ip`, `from`, `to`;
    /// strings, a null or absent column meaning the field is left out). Returns the same rows
    /// and columns with `decision` (`allow`/`deny`) and `reason` (the first reason code)
    /// added, of the same type. A row that is not a question (unknown `ask`, a required field
    /// null, a field its kind does not have) is `deny` with reason `invalid-question`.
    /// Read through the Arrow C data interface; decided with the GIL released.
    fn decide_arrow<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        arrow::decide(py, &self.shared, data)
    }

    /// Checks a workspace configuration (a YAML/JSON str or a dict) through the engine's own
    /// questions: `{"workspace", "region", "compliant", "questions", "violations"}`, each
    /// violation with `path`, `pointer`, `subject`, `code`, `message`, `fix` (`sentence`
    /// and `patch`, RFC 6902 operations as a list of dicts) and, from a text, `line` and
    /// `column` — `regionfence check-workspace --format json`'s report of one file.
    fn check_workspace<'py>(
        &self,
        py: Python<'py>,
        workspace: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = text_of(workspace, Kind::Workspace, "workspace")?;
        let parsed = parse_spanned(&text).map_err(|e| errors::workspace_error(py, &e))?;
        let report = py.detach(|| self.policy().check_workspace(&parsed.workspace));
        let violations: Vec<Value> = report
            .violations
            .iter()
            .map(|v| {
                let mut value = serde_json::to_value(v).unwrap_or(Value::Null);
                if let (Some(span), Value::Object(map)) = (locate(&v.pointer, &parsed), &mut value) {
                    map.insert("line".into(), span.0.into());
                    map.insert("column".into(), span.1.into());
                }
                value
            })
            .collect();
        let doc = json!({
            "workspace": report.workspace,
            "region": report.region,
            "compliant": report.is_compliant(),
            "questions": report.questions,
            "violations": violations,
        });
        convert::to_py(py, &doc)
    }

    /// Proves the invariants over the policy's whole question space (`regionfence audit
    /// --format json`, without the timing): `{"passed", "digest", "report"}`.
    fn audit<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let report = py
            .detach(|| regionfence::audit::audit(self.policy()))
            .map_err(|e| errors::raise(py, Kind::Policy, "refused", e.to_string(), None))?;
        let doc = json!({
            "passed": report.passed(),
            "digest": self.shared.digest,
            "report": serde_json::to_value(&report).unwrap_or(Value::Null),
        });
        convert::to_py(py, &doc)
    }

    /// Every answer that differs from this policy to `other` (`regionfence diff THIS OTHER
    /// --format json`).
    fn diff<'py>(&self, py: Python<'py>, other: &PyPolicy) -> PyResult<Bound<'py, PyAny>> {
        let diff = py
            .detach(|| regionfence::diff::diff(self.policy(), other.policy()))
            .map_err(|e| errors::raise(py, Kind::Policy, "refused", e.to_string(), None))?;
        convert::serialize_to_py(py, &diff)
    }

    /// Policies are equal when their digests and dates are.
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyPolicy>().is_ok_and(|o| {
            let o = o.get();
            o.shared.digest == self.shared.digest && o.policy().as_of() == self.policy().as_of()
        })
    }

    fn __hash__(&self) -> u64 {
        u64::from_str_radix(self.shared.digest.get(..16).unwrap_or("0"), 16).unwrap_or(0)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Policy(name={}, digest='{}…', as_of={})",
            convert::repr(py, self.policy().name()),
            self.shared.digest.get(..12).unwrap_or(""),
            self.as_of().map_or("None".into(), |d| format!("'{d}'"))
        )
    }

    /// Pickles as its text and date: a worker compiles it again and checks the digest.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let module = py.import("regionfence")?;
        let rebuild = module.getattr("_rebuild_policy")?;
        let args = (
            this.shared.source.clone(),
            this.as_of(),
            this.shared.digest.clone(),
        );
        let list = PyList::new(py, [rebuild.into_any(), args.into_pyobject(py)?.into_any()])?;
        Ok(list.to_tuple().into_any())
    }
}

/// Where a violation's value stands: its own position, or its nearest enclosing one.
fn locate(pointer: &str, parsed: &regionfence::workspace::ParsedWorkspace) -> Option<(usize, usize)> {
    let mut pointer = pointer;
    loop {
        if let Some(span) = parsed.span(pointer) {
            return Some((span.location.line, span.location.column));
        }
        pointer = pointer.rsplit_once('/')?.0;
    }
}

/// Prefixes an exception's message with the file it is about.
fn prefix_message(py: Python<'_>, err: PyErr, file: &str) -> PyErr {
    let value = err.value(py);
    if let Ok(message) = value.str() {
        let _ = value.setattr("args", (format!("{file}: {message}"),));
    }
    err
}
