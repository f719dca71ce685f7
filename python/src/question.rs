//! Questions from Python: a JSON or YAML text, or a dict. A dict of exactly a question's
//! fields, all strings, is read directly; anything else goes through the engine's own parser
//! as JSON, so what is refused and the message that says why are `regionfence ask`'s.

use crate::convert;
use crate::errors;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use regionfence::limits::MAX_QUESTION_BYTES;
use regionfence::{Field, Question};

/// The question fields, in [`Field`]'s order: the columns an Arrow batch of questions may
/// have besides `ask`.
pub(crate) const FIELDS: [Field; 12] = [
    Field::Workspace,
    Field::Source,
    Field::Host,
    Field::Ingestion,
    Field::Destination,
    Field::Endpoint,
    Field::Store,
    Field::CloudRegion,
    Field::Warehouse,
    Field::Ip,
    Field::From,
    Field::To,
];

/// Every column a batch of questions is read from: `ask`, then the fields.
pub(crate) const COLUMNS: [&str; 13] = [
    "ask",
    "workspace",
    "source",
    "host",
    "ingestion",
    "destination",
    "endpoint",
    "store",
    "cloud_region",
    "warehouse",
    "ip",
    "from",
    "to",
];

/// A question's kind: its `ask`, with the fields it requires and those it may leave out.
#[derive(Clone, Copy)]
pub(crate) struct Kind {
    pub(crate) required: &'static [Field],
    pub(crate) optional: Option<Field>,
    pub(crate) tag: Tag,
}

/// The kinds of question.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    Ingest,
    Resolve,
    Deliver,
    Store,
    Connect,
    Allowlist,
    Failover,
    RegionChange,
}

/// The kind an `ask` names.
pub(crate) fn kind(ask: &str) -> Option<Kind> {
    use Field::*;
    let (required, optional, tag): (&'static [Field], _, _) = match ask {
        "ingest" => (&[Workspace, Source, Host], None, Tag::Ingest),
        "resolve" => (&[Workspace, Source], Some(Ingestion), Tag::Resolve),
        "deliver" => (&[Workspace, Destination], Some(Endpoint), Tag::Deliver),
        "store" => (&[Workspace, Store, CloudRegion], None, Tag::Store),
        "connect" => (&[Workspace, Warehouse, Ip], None, Tag::Connect),
        "allowlist" => (&[Workspace, Warehouse], None, Tag::Allowlist),
        "failover" => (&[From, To], None, Tag::Failover),
        "region-change" => (&[Workspace, To], None, Tag::RegionChange),
        _ => return None,
    };
    Some(Kind {
        required,
        optional,
        tag,
    })
}

impl Kind {
    /// Whether a question of this kind has `field`.
    pub(crate) fn has(&self, field: Field) -> bool {
        self.required.contains(&field) || self.optional == Some(field)
    }
}

/// Builds the question of `kind` from its fields' values (`get` gives a field's value).
pub(crate) fn build<'a>(kind: Kind, get: impl Fn(Field) -> Option<&'a str>) -> Option<Question> {
    let req = |f: Field| get(f).map(str::to_string);
    let opt = kind.optional.and_then(&get).map(str::to_string);
    Some(match kind.tag {
        Tag::Ingest => Question::Ingest {
            workspace: req(Field::Workspace)?,
            source: req(Field::Source)?,
            host: req(Field::Host)?,
        },
        Tag::Resolve => Question::Resolve {
            workspace: req(Field::Workspace)?,
            source: req(Field::Source)?,
            ingestion: opt,
        },
        Tag::Deliver => Question::Deliver {
            workspace: req(Field::Workspace)?,
            destination: req(Field::Destination)?,
            endpoint: opt,
        },
        Tag::Store => Question::Store {
            workspace: req(Field::Workspace)?,
            store: req(Field::Store)?,
            cloud_region: req(Field::CloudRegion)?,
        },
        Tag::Connect => Question::Connect {
            workspace: req(Field::Workspace)?,
            warehouse: req(Field::Warehouse)?,
            ip: req(Field::Ip)?,
        },
        Tag::Allowlist => Question::Allowlist {
            workspace: req(Field::Workspace)?,
            warehouse: req(Field::Warehouse)?,
        },
        Tag::Failover => Question::Failover {
            from: req(Field::From)?,
            to: req(Field::To)?,
        },
        Tag::RegionChange => Question::RegionChange {
            workspace: req(Field::Workspace)?,
            to: req(Field::To)?,
        },
    })
}

/// A question from a Python value: a `str` (JSON or YAML, as `regionfence ask` reads it) or
/// a dict; anything else is a `TypeError`.
pub(crate) fn from_py(value: &Bound<'_, PyAny>) -> PyResult<Question> {
    let py = value.py();
    if let Ok(text) = value.cast::<PyString>() {
        return Question::parse(&text.to_cow()?).map_err(|e| errors::question_error(py, &e));
    }
    let Ok(dict) = value.cast::<PyDict>() else {
        let type_name = value.get_type().name()?.to_string();
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "a question is a dict or a JSON/YAML str, not a `{type_name}`"
        )));
    };
    if let Some(question) = from_dict_fast(dict)? {
        return Ok(question);
    }
    // The engine's parser decides, and says why, for everything the direct read does not take.
    let json = convert::from_py(value)
        .map_err(|m| errors::raise(py, errors::Kind::Question, "type", format!("question: {m}"), None))?;
    let text = serde_json::to_string(&json).unwrap_or_default();
    Question::parse(&text).map_err(|e| errors::question_error(py, &e))
}

/// The direct read of a dict: `Some` only when it holds `ask` and exactly the fields of that
/// kind (an optional one may be None), every value a `str`, and it is well within the size
/// limit; `None` sends it to the parser.
fn from_dict_fast(dict: &Bound<'_, PyDict>) -> PyResult<Option<Question>> {
    let mut values: [Option<String>; 12] = Default::default();
    let mut ask: Option<String> = None;
    let mut bytes = 0usize;
    for (k, v) in dict.iter() {
        let Ok(key) = k.cast::<PyString>() else {
            return Ok(None);
        };
        let key = key.to_cow()?;
        let Some(column) = COLUMNS.iter().position(|c| *c == key) else {
            return Ok(None);
        };
        if v.is_none() {
            // Only an optional field may be None; the kind is checked below.
            if column == 0 {
                return Ok(None);
            }
            continue;
        }
        let Ok(text) = v.cast::<PyString>() else {
            return Ok(None);
        };
        let text = text.to_cow()?.into_owned();
        bytes += key.len() + text.len();
        if column == 0 {
            ask = Some(text);
        } else if let Some(slot) = values.get_mut(column - 1) {
            *slot = Some(text);
        }
    }
    // JSON escapes a byte into at most six: a dict this small cannot be over the limit.
    if bytes * 6 + 256 > MAX_QUESTION_BYTES {
        return Ok(None);
    }
    let Some(kind) = ask.as_deref().and_then(kind) else {
        return Ok(None);
    };
    let value_of = |f: Field| {
        FIELDS
            .iter()
            .position(|x| *x == f)
            .and_then(|i| values.get(i))
            .and_then(|v| v.as_deref())
    };
    // A None given for a field the kind does not have is for the parser to refuse.
    for (k, v) in dict.iter() {
        let key = k.cast::<PyString>()?.to_cow()?.into_owned();
        if key != "ask" && v.is_none() {
            match FIELDS.iter().find(|f| f.as_str() == key) {
                Some(f) if kind.optional == Some(*f) => {}
                _ => return Ok(None),
            }
        }
    }
    if FIELDS.iter().any(|f| value_of(*f).is_some() && !kind.has(*f)) {
        return Ok(None);
    }
    Ok(build(kind, value_of))
}
