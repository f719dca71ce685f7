//! Paths into a configuration: JSON Pointers (RFC 6901) for machines, `destinations[3].endpoint`
//! for people, and RFC 6902 patch operations applied to a configuration.

use super::document::Workspace;
use serde::Serialize;
use serde_json::Value;

/// A path into a configuration, kept as its segments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer(Vec<Segment>);

/// One step of a [`Pointer`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A field or a map key.
    Key(String),
    /// A list position.
    Index(usize),
    /// Past a list's end (`-`), where `add` appends.
    End,
}

impl Pointer {
    /// The root.
    pub fn root() -> Pointer {
        Pointer(Vec::new())
    }

    /// This path, one field or key further.
    pub fn key(&self, key: &str) -> Pointer {
        let mut next = self.clone();
        next.0.push(Segment::Key(key.to_string()));
        next
    }

    /// This path, one list position further.
    pub fn index(&self, index: usize) -> Pointer {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }

    /// This path, past the end of the list it names.
    pub fn end(&self) -> Pointer {
        let mut next = self.clone();
        next.0.push(Segment::End);
        next
    }

    /// The segments.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Escapes one segment for a JSON Pointer: `~` as `~0`, `/` as `~1`.
    pub fn escape(segment: &str) -> String {
        segment.replace('~', "~0").replace('/', "~1")
    }

    /// The JSON Pointer: `/destinations/3/endpoint`.
    pub fn to_json_pointer(&self) -> String {
        let mut out = String::new();
        for segment in &self.0 {
            out.push('/');
            match segment {
                Segment::Key(k) => out.push_str(&Pointer::escape(k)),
                Segment::Index(i) => out.push_str(&i.to_string()),
                Segment::End => out.push('-'),
            }
        }
        out
    }

    /// The path as a person reads it: `destinations[3].endpoint`,
    /// `warehouses[redshift].firewall[1]` (a map key in brackets).
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        for (i, segment) in self.0.iter().enumerate() {
            let in_map = i == 1 && self.0.first() == Some(&Segment::Key("warehouses".to_string()));
            match segment {
                Segment::Key(k) if in_map => out.push_str(&format!("[{k}]")),
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
                Segment::End => out.push_str("[-]"),
            }
        }
        out
    }

    /// Reads a JSON Pointer; `None` when it is not one (a non-empty pointer starts with `/`).
    pub fn parse(pointer: &str) -> Option<Pointer> {
        if pointer.is_empty() {
            return Some(Pointer::root());
        }
        let rest = pointer.strip_prefix('/')?;
        let segments = rest
            .split('/')
            .map(|s| {
                let s = s.replace("~1", "/").replace("~0", "~");
                if s == "-" {
                    Segment::End
                } else if !s.is_empty()
                    && s.bytes().all(|b| b.is_ascii_digit())
                    && (s == "0" || !s.starts_with('0'))
                {
                    s.parse().map_or(Segment::Key(s), Segment::Index)
                } else {
                    Segment::Key(s)
                }
            })
            .collect();
        Some(Pointer(segments))
    }
}

/// One RFC 6902 operation, as a control plane applies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum PatchOp {
    /// Adds a value (a list element with `/-`, or a field).
    Add {
        /// Where (a JSON Pointer).
        path: String,
        /// What.
        value: Value,
    },
    /// Removes the value at `path`.
    Remove {
        /// Where.
        path: String,
    },
    /// Replaces the value at `path`.
    Replace {
        /// Where.
        path: String,
        /// The new value.
        value: Value,
    },
}

impl PatchOp {
    /// The operation's path.
    pub fn path(&self) -> &str {
        match self {
            PatchOp::Add { path, .. } | PatchOp::Remove { path } | PatchOp::Replace { path, .. } => path,
        }
    }
}

/// Why a patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot apply `{op}` at `{path}`: {why}")]
pub struct PatchError {
    /// The operation.
    pub op: &'static str,
    /// Its path.
    pub path: String,
    /// Why.
    pub why: String,
}

/// Applies RFC 6902 operations, in order, to a JSON value.
pub fn apply_to_value(value: &mut Value, ops: &[PatchOp]) -> Result<(), PatchError> {
    for op in ops {
        apply_one(value, op)?;
    }
    Ok(())
}

/// Applies RFC 6902 operations, in order, to a configuration.
pub fn apply(workspace: &Workspace, ops: &[PatchOp]) -> Result<Workspace, PatchError> {
    let fail = |why: String| PatchError {
        op: "apply",
        path: String::new(),
        why,
    };
    let mut value = serde_json::to_value(workspace).map_err(|e| fail(e.to_string()))?;
    apply_to_value(&mut value, ops)?;
    crate::json::from_value(value).map_err(|e| fail(e.to_string()))
}

fn apply_one(root: &mut Value, op: &PatchOp) -> Result<(), PatchError> {
    let (name, path) = match op {
        PatchOp::Add { path, .. } => ("add", path),
        PatchOp::Remove { path } => ("remove", path),
        PatchOp::Replace { path, .. } => ("replace", path),
    };
    let fail = |why: &str| PatchError {
        op: name,
        path: path.clone(),
        why: why.to_string(),
    };
    let pointer = Pointer::parse(path).ok_or_else(|| fail("not a JSON Pointer"))?;
    let Some((last, parents)) = pointer.segments().split_last() else {
        return Err(fail("the root cannot be patched"));
    };
    let mut parent = root;
    for segment in parents {
        parent = match (segment, parent) {
            (Segment::Key(k), Value::Object(map)) => map.get_mut(k),
            (Segment::Index(i), Value::Array(list)) => list.get_mut(*i),
            _ => None,
        }
        .ok_or_else(|| fail("no such value"))?;
    }
    match (op, last, parent) {
        (PatchOp::Add { value, .. }, Segment::End, Value::Array(list)) => list.push(value.clone()),
        (PatchOp::Add { value, .. }, Segment::Index(i), Value::Array(list)) if *i <= list.len() => {
            list.insert(*i, value.clone())
        }
        (
            PatchOp::Add { value, .. } | PatchOp::Replace { value, .. },
            Segment::Key(k),
            Value::Object(map),
        ) if matches!(op, PatchOp::Add { .. }) || map.contains_key(k) => {
            map.insert(k.clone(), value.clone());
        }
        (PatchOp::Replace { value, .. }, Segment::Index(i), Value::Array(list)) => {
            *list.get_mut(*i).ok_or_else(|| fail("no such element"))? = value.clone();
        }
        (PatchOp::Remove { .. }, Segment::Index(i), Value::Array(list)) if *i < list.len() => {
            list.remove(*i);
        }
        (PatchOp::Remove { .. }, Segment::Key(k), Value::Object(map)) => {
            map.remove(k).ok_or_else(|| fail("no such field"))?;
        }
        _ => return Err(fail("no such value")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_both_ways() {
        let p = Pointer::root()
            .key("warehouses")
            .key("red/shift~1")
            .key("firewall")
            .index(1);
        assert_eq!(p.to_json_pointer(), "/warehouses/red~1shift~01/firewall/1");
        assert_eq!(p.to_human(), "warehouses[red/shift~1].firewall[1]");
        assert_eq!(Pointer::parse(&p.to_json_pointer()), Some(p));
        let d = Pointer::root().key("destinations").index(3).key("endpoint");
        assert_eq!(d.to_human(), "destinations[3].endpoint");
        assert_eq!(d.to_json_pointer(), "/destinations/3/endpoint");
        assert_eq!(Pointer::root().key("region").to_human(), "region");
        // A number with a leading zero, or an empty segment, is a key, not an index.
        assert_eq!(Pointer::parse("/a/01"), Some(Pointer::root().key("a").key("01")));
        assert_eq!(Pointer::parse("/a/0"), Some(Pointer::root().key("a").index(0)));
        assert_eq!(Pointer::parse("/a/"), Some(Pointer::root().key("a").key("")));
    }

    #[test]
    fn operations_apply_in_order() {
        let mut v = serde_json::json!({"a": [1, 2, 3], "m": {"k": "v"}});
        apply_to_value(
            &mut v,
            &[
                PatchOp::Remove { path: "/a/1".into() },
                PatchOp::Add {
                    path: "/a/-".into(),
                    value: 9.into(),
                },
                PatchOp::Replace {
                    path: "/m/k".into(),
                    value: "w".into(),
                },
                PatchOp::Add {
                    path: "/m/n".into(),
                    value: "x".into(),
                },
            ],
        )
        .unwrap();
        assert_eq!(v, serde_json::json!({"a": [1, 3, 9], "m": {"k": "w", "n": "x"}}));
        assert!(apply_to_value(
            &mut v,
            &[PatchOp::Replace {
                path: "/m/zz".into(),
                value: 1.into()
            }]
        )
        .is_err());
        assert!(apply_to_value(&mut v, &[PatchOp::Remove { path: "/a/7".into() }]).is_err());
    }

    #[test]
    fn an_index_one_past_the_end_is_refused_but_where_an_add_appends() {
        let mut v = serde_json::json!({"a": [1, 2, 3]});
        let remove = PatchOp::Remove { path: "/a/3".into() };
        let e = apply_to_value(&mut v, &[remove]).unwrap_err();
        assert_eq!(
            (e.op, e.path.as_str(), e.why.as_str()),
            ("remove", "/a/3", "no such value")
        );
        let replace = PatchOp::Replace {
            path: "/a/3".into(),
            value: 0.into(),
        };
        assert!(apply_to_value(&mut v, &[replace]).is_err());
        let past = PatchOp::Add {
            path: "/a/4".into(),
            value: 0.into(),
        };
        assert!(apply_to_value(&mut v, &[past]).is_err());
        assert_eq!(v, serde_json::json!({"a": [1, 2, 3]}));
        let add = PatchOp::Add {
            path: "/a/3".into(),
            value: 4.into(),
        };
        apply_to_value(&mut v, &[add]).unwrap();
        assert_eq!(v, serde_json::json!({"a": [1, 2, 3, 4]}));
    }

    #[test]
    fn only_a_plain_number_indexes_a_list_on_the_way() {
        // RFC 6901: an array index is `0` or digits without a leading zero; `01` and `+1`
        // are keys, and a list has no keys.
        let v = serde_json::json!({"a": [{"k": 1}, {"k": 2}]});
        for path in ["/a/01/k", "/a/+1/k", "/a/x/k"] {
            let mut w = v.clone();
            let op = PatchOp::Replace {
                path: path.into(),
                value: 9.into(),
            };
            let e = apply_to_value(&mut w, &[op]).unwrap_err();
            assert_eq!(e.why, "no such value", "{path}");
            assert_eq!(w, v, "{path}");
        }
        let mut w = v.clone();
        let op = PatchOp::Replace {
            path: "/a/1/k".into(),
            value: 9.into(),
        };
        apply_to_value(&mut w, &[op]).unwrap();
        assert_eq!(w, serde_json::json!({"a": [{"k": 1}, {"k": 9}]}));
    }
}
