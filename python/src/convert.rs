//! JSON values to Python objects and back: the engine's JSON (explanations, records, reports)
//! becomes plain dicts and lists, and a dict given as a question or a configuration becomes
//! the JSON text the engine reads.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// How deep a Python value may nest before it is refused (the engine's own YAML/JSON limit).
const MAX_DEPTH: usize = regionfence::limits::MAX_NESTING;

/// A JSON value as Python objects: objects are dicts, arrays lists.
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Any serialisable value as Python objects, through its JSON form.
pub(crate) fn serialize_to_py<'py, T: serde::Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("serialising: {e}")))?;
    to_py(py, &json)
}

/// A Python value as JSON: dicts with string keys, lists and tuples, strings, booleans,
/// integers, finite floats and None; anything else is refused with what it is and where.
pub(crate) fn from_py(value: &Bound<'_, PyAny>) -> Result<Value, String> {
    from_py_at(value, 0, "")
}

fn from_py_at(value: &Bound<'_, PyAny>, depth: usize, at: &str) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels at `{at}`"));
    }
    let shown = |at: &str| {
        if at.is_empty() {
            "the value".to_string()
        } else {
            format!("`{at}`")
        }
    };
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_cow().map_err(|e| e.to_string())?.into_owned()));
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.cast::<PyInt>().is_ok() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = value.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Err(format!("{} is an integer out of range", shown(at)));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| format!("{} is not a finite number", shown(at)));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| format!("a key of {} is not a string", shown(at)))?
                .to_cow()
                .map_err(|e| e.to_string())?
                .into_owned();
            let path = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            let item = from_py_at(&v, depth + 1, &path)?;
            map.insert(key, item);
        }
        return Ok(Value::Object(map));
    }
    let items: Vec<Bound<'_, PyAny>> = if let Ok(l) = value.cast::<PyList>() {
        l.iter().collect()
    } else if let Ok(t) = value.cast::<PyTuple>() {
        t.iter().collect()
    } else {
        let type_name = value
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        return Err(format!(
            "{} is a `{type_name}`, which JSON cannot hold",
            shown(at)
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| from_py_at(item, depth + 1, &format!("{at}[{i}]")))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// A str as Python's `repr` writes it (`'eu-west'`), for `__repr__`s.
pub(crate) fn repr(py: Python<'_>, text: &str) -> String {
    PyString::new(py, text)
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| format!("{text:?}"))
}

/// A list of strs as Python's `repr` writes it.
pub(crate) fn repr_list(py: Python<'_>, items: &[&str]) -> String {
    let inner: Vec<String> = items.iter().map(|s| repr(py, s)).collect();
    format!("[{}]", inner.join(", "))
}
