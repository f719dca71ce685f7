//! The Public API's responses, read as it returns them: `getWorkspace`, and the pages of
//! `listSources`, `listDestinations` and `listWarehouses` (one response, or an array of the
//! responses of successive pages). Only the fields the mapping needs are read; each must have
//! its documented type, and every refusal names the file and the path of the value.

use super::json::{self, Json};
use super::ImportError;
use crate::limits::MAX_ENTRIES;
use crate::text::excerpt;
use std::collections::HashSet;

/// The longest string read from a response (an id, a slug, a name, a write key).
pub const MAX_API_STRING_BYTES: usize = 1024;

/// The most pages one list may span.
pub const MAX_PAGES: usize = 10_000;

/// The workspace, from `getWorkspace`.
#[derive(Debug, Clone)]
pub(crate) struct WorkspaceInfo {
    pub(crate) id: String,
    pub(crate) slug: String,
}

/// A source (`SourceV1`).
#[derive(Clone)]
pub(crate) struct Source {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) slug: String,
    pub(crate) categories: Vec<String>,
    pub(crate) cloud_event: bool,
    pub(crate) enabled: bool,
    /// Secret: never printed, never in an error.
    pub(crate) write_keys: Vec<String>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("id", &self.id)
            .field("slug", &self.slug)
            .field("enabled", &self.enabled)
            .field(
                "write_keys",
                &format_args!("<{} redacted>", self.write_keys.len()),
            )
            .finish()
    }
}

/// A destination (`DestinationV1`).
#[derive(Debug, Clone)]
pub(crate) struct Destination {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) slug: String,
    pub(crate) enabled: bool,
    pub(crate) source_id: Option<String>,
    pub(crate) settings: Json,
}

/// A warehouse (`WarehouseV1`).
#[derive(Debug, Clone)]
pub(crate) struct Warehouse {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) slug: String,
    pub(crate) enabled: bool,
    pub(crate) settings: Json,
}

/// Reads values of one file by path.
pub(crate) struct Reader {
    pub(crate) file: &'static str,
}

impl Reader {
    fn shape(&self, at: &str, expected: &'static str, found: &Json) -> ImportError {
        ImportError::Shape {
            file: self.file.to_string(),
            at: at.to_string(),
            expected,
            found: found.kind(),
        }
    }

    fn missing(&self, at: &str) -> ImportError {
        ImportError::Invalid {
            file: self.file.to_string(),
            at: at.to_string(),
            message: "missing".into(),
        }
    }

    /// The member `key` of the object `v` (at `at`), which must be there.
    pub(crate) fn field<'j>(&self, v: &'j Json, at: &str, key: &str) -> Result<&'j Json, ImportError> {
        match v {
            Json::Object(_) => v.get(key).ok_or_else(|| self.missing(&join(at, key))),
            other => Err(self.shape(at, "an object", other)),
        }
    }

    /// The member `key`, absent and `null` alike read as `None`.
    pub(crate) fn optional<'j>(
        &self,
        v: &'j Json,
        at: &str,
        key: &str,
    ) -> Result<Option<&'j Json>, ImportError> {
        match v {
            Json::Object(_) => Ok(v.get(key).filter(|m| **m != Json::Null)),
            other => Err(self.shape(at, "an object", other)),
        }
    }

    pub(crate) fn as_string(&self, v: &Json, at: &str) -> Result<String, ImportError> {
        match v {
            Json::Str(s) if s.len() > MAX_API_STRING_BYTES => Err(ImportError::Invalid {
                file: self.file.to_string(),
                at: at.to_string(),
                message: format!(
                    "a string of {} bytes, over the limit of {MAX_API_STRING_BYTES}",
                    s.len()
                ),
            }),
            Json::Str(s) => Ok(s.clone()),
            other => Err(self.shape(at, "a string", other)),
        }
    }

    pub(crate) fn string(&self, v: &Json, at: &str, key: &str) -> Result<String, ImportError> {
        let value = self.field(v, at, key)?;
        self.as_string(value, &join(at, key))
    }

    /// A string that may not be empty (an id, a slug).
    pub(crate) fn name(&self, v: &Json, at: &str, key: &str) -> Result<String, ImportError> {
        let value = self.string(v, at, key)?;
        if value.trim().is_empty() {
            return Err(ImportError::Invalid {
                file: self.file.to_string(),
                at: join(at, key),
                message: "empty".into(),
            });
        }
        Ok(value)
    }

    pub(crate) fn opt_string(&self, v: &Json, at: &str, key: &str) -> Result<Option<String>, ImportError> {
        self.optional(v, at, key)?
            .map(|s| self.as_string(s, &join(at, key)))
            .transpose()
    }

    pub(crate) fn boolean(&self, v: &Json, at: &str, key: &str) -> Result<bool, ImportError> {
        match self.field(v, at, key)? {
            Json::Bool(b) => Ok(*b),
            other => Err(self.shape(&join(at, key), "a boolean", other)),
        }
    }

    pub(crate) fn array<'j>(&self, v: &'j Json, at: &str, key: &str) -> Result<&'j [Json], ImportError> {
        match self.field(v, at, key)? {
            Json::Array(items) => Ok(items),
            other => Err(self.shape(&join(at, key), "an array", other)),
        }
    }

    pub(crate) fn strings(&self, v: &Json, at: &str, key: &str) -> Result<Vec<String>, ImportError> {
        let Some(value) = self.optional(v, at, key)? else {
            return Ok(Vec::new());
        };
        let at = join(at, key);
        let Json::Array(items) = value else {
            return Err(self.shape(&at, "an array", value));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, s)| self.as_string(s, &format!("{at}[{i}]")))
            .collect()
    }

    /// A settings object: absent reads as empty.
    pub(crate) fn settings(&self, v: &Json, at: &str) -> Result<Json, ImportError> {
        match self.optional(v, at, "settings")? {
            None => Ok(Json::Object(Vec::new())),
            Some(s @ Json::Object(_)) => Ok(s.clone()),
            Some(other) => Err(self.shape(&join(at, "settings"), "an object", other)),
        }
    }
}

/// `at.key`, or `key` at the root.
pub(crate) fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

fn parse(file: &'static str, text: &str) -> Result<Json, ImportError> {
    if text.len() > super::MAX_API_FILE_BYTES {
        return Err(ImportError::TooLarge {
            file: file.to_string(),
            size: text.len() as u64,
            limit: super::MAX_API_FILE_BYTES,
        });
    }
    json::parse(text).map_err(|e| ImportError::Syntax {
        file: file.to_string(),
        location: e.location,
        message: e.message,
    })
}

/// Refuses a response that is the API's error envelope (`{"errors": [...]}`) rather than data.
fn data<'j>(reader: &Reader, page: &'j Json, at: &str) -> Result<&'j Json, ImportError> {
    if page.get("data").is_none() {
        if let Some(Json::Array(errors)) = page.get("errors") {
            let message = errors
                .first()
                .and_then(|e| e.get("message"))
                .and_then(|m| match m {
                    Json::Str(s) => Some(excerpt(s)),
                    _ => None,
                })
                .unwrap_or_default();
            return Err(ImportError::Invalid {
                file: reader.file.to_string(),
                at: at.to_string(),
                message: format!("the response is the API's error, not data: `{message}`"),
            });
        }
    }
    reader.field(page, at, "data")
}

/// `getWorkspace`'s response.
pub(crate) fn workspace(text: &str) -> Result<WorkspaceInfo, ImportError> {
    let reader = Reader {
        file: "workspace.json",
    };
    let root = parse(reader.file, text)?;
    let data = data(&reader, &root, "")?;
    let ws = reader.field(data, "data", "workspace")?;
    let at = "data.workspace";
    Ok(WorkspaceInfo {
        id: reader.name(ws, at, "id")?,
        slug: reader.name(ws, at, "slug")?,
    })
}

/// The items of a list call's responses, each with its path; pages must chain
/// (`pagination.next` of one is `pagination.current` of the next) and the last must have no
/// `next`, so a list cut short is refused rather than read as complete.
fn items(reader: &Reader, text: &str, list: &'static str) -> Result<Vec<(String, Json)>, ImportError> {
    let root = parse(reader.file, text)?;
    let (pages, paged) = match root {
        Json::Array(pages) => (pages, true),
        page @ Json::Object(_) => (vec![page], false),
        other => {
            return Err(ImportError::Shape {
                file: reader.file.to_string(),
                at: String::new(),
                expected: "a response object or an array of page responses",
                found: other.kind(),
            })
        }
    };
    if pages.is_empty() {
        return Err(ImportError::Pages {
            file: reader.file.to_string(),
            message: "an empty array of pages: not even the first page".into(),
        });
    }
    if pages.len() > MAX_PAGES {
        return Err(ImportError::TooMany {
            file: reader.file.to_string(),
            what: "pages",
            count: pages.len(),
            limit: MAX_PAGES,
        });
    }
    let mut out = Vec::new();
    let mut expected_current: Option<String> = None;
    let last = pages.len() - 1;
    for (p, mut page) in pages.into_iter().enumerate() {
        let prefix = if paged { format!("[{p}]") } else { String::new() };
        let data_at = join(&prefix, "data");
        let pagination_at = join(&data_at, "pagination");
        let (current, next) = {
            let data = data(reader, &page, &prefix)?;
            reader.array(data, &data_at, list)?;
            match reader.optional(data, &data_at, "pagination")? {
                Some(pagination) => (
                    reader.opt_string(pagination, &pagination_at, "current")?,
                    reader
                        .opt_string(pagination, &pagination_at, "next")?
                        .filter(|n| !n.is_empty()),
                ),
                None => (None, None),
            }
        };
        if let (Some(expected), Some(current)) = (&expected_current, &current) {
            if expected != current {
                return Err(ImportError::Pages {
                    file: reader.file.to_string(),
                    message: format!(
                        "page {p} is not the page its predecessor points to (`{}`)",
                        join(&pagination_at, "current")
                    ),
                });
            }
        }
        match (next, p == last) {
            (Some(_), true) => {
                return Err(ImportError::Pages {
                    file: reader.file.to_string(),
                    message: format!(
                        "the list is cut short: `{}` points to a page the file does not hold; fetch every page (an array of the page responses)",
                        join(&pagination_at, "next")
                    ),
                })
            }
            (None, false) => {
                return Err(ImportError::Pages {
                    file: reader.file.to_string(),
                    message: format!(
                        "page {p} has no `pagination.next`, yet {} more page(s) follow",
                        last - p
                    ),
                })
            }
            (next, _) => expected_current = next,
        }
        let list_at = join(&data_at, list);
        for (i, entry) in take_list(&mut page, list).into_iter().enumerate() {
            out.push((format!("{list_at}[{i}]"), entry));
            if out.len() > MAX_ENTRIES {
                return Err(ImportError::TooMany {
                    file: reader.file.to_string(),
                    what: list,
                    count: out.len(),
                    limit: MAX_ENTRIES,
                });
            }
        }
    }
    Ok(out)
}

/// Moves the entries out of a page already checked to hold them (`data.<list>`, an array).
fn take_list(page: &mut Json, list: &str) -> Vec<Json> {
    let Json::Object(members) = page else {
        return Vec::new();
    };
    let Some((_, Json::Object(data))) = members.iter_mut().find(|(k, _)| k == "data") else {
        return Vec::new();
    };
    match data.iter_mut().find(|(k, _)| k == list) {
        Some((_, Json::Array(items))) => std::mem::take(items),
        _ => Vec::new(),
    }
}

/// Refuses a second entry with one id.
fn unique(
    reader: &Reader,
    seen: &mut HashSet<String>,
    id: &str,
    at: &str,
    what: &'static str,
) -> Result<(), ImportError> {
    if seen.insert(id.to_string()) {
        return Ok(());
    }
    Err(ImportError::Duplicate {
        file: reader.file.to_string(),
        at: join(at, "id"),
        what,
        id: id.to_string(),
    })
}

/// `listSources`' responses.
pub(crate) fn sources(text: &str) -> Result<Vec<Source>, ImportError> {
    let reader = Reader { file: "sources.json" };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (at, s) in items(&reader, text, "sources")? {
        let id = reader.name(&s, &at, "id")?;
        unique(&reader, &mut seen, &id, &at, "source")?;
        let meta_at = join(&at, "metadata");
        let meta = reader.field(&s, &at, "metadata")?;
        let cloud_event = match reader.optional(meta, &meta_at, "isCloudEventSource")? {
            None => false,
            Some(Json::Bool(b)) => *b,
            Some(other) => {
                return Err(ImportError::Shape {
                    file: reader.file.to_string(),
                    at: join(&meta_at, "isCloudEventSource"),
                    expected: "a boolean",
                    found: other.kind(),
                })
            }
        };
        out.push(Source {
            name: reader.opt_string(&s, &at, "name")?,
            slug: reader.name(meta, &meta_at, "slug")?,
            categories: reader.strings(meta, &meta_at, "categories")?,
            cloud_event,
            enabled: reader.boolean(&s, &at, "enabled")?,
            write_keys: reader.strings(&s, &at, "writeKeys")?,
            id,
        });
    }
    Ok(out)
}

/// `listDestinations`' responses.
pub(crate) fn destinations(text: &str) -> Result<Vec<Destination>, ImportError> {
    let reader = Reader {
        file: "destinations.json",
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (at, d) in items(&reader, text, "destinations")? {
        let id = reader.name(&d, &at, "id")?;
        unique(&reader, &mut seen, &id, &at, "destination")?;
        let meta = reader.field(&d, &at, "metadata")?;
        out.push(Destination {
            name: reader.opt_string(&d, &at, "name")?,
            slug: reader.name(meta, &join(&at, "metadata"), "slug")?,
            enabled: reader.boolean(&d, &at, "enabled")?,
            source_id: reader.opt_string(&d, &at, "sourceId")?,
            settings: reader.settings(&d, &at)?,
            id,
        });
    }
    Ok(out)
}

/// `listWarehouses`' responses.
pub(crate) fn warehouses(text: &str) -> Result<Vec<Warehouse>, ImportError> {
    let reader = Reader {
        file: "warehouses.json",
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (at, w) in items(&reader, text, "warehouses")? {
        let id = reader.name(&w, &at, "id")?;
        unique(&reader, &mut seen, &id, &at, "warehouse")?;
        let meta_at = join(&at, "metadata");
        let meta = reader.field(&w, &at, "metadata")?;
        out.push(Warehouse {
            name: reader.opt_string(meta, &meta_at, "name")?,
            slug: reader.name(meta, &meta_at, "slug")?,
            enabled: reader.boolean(&w, &at, "enabled")?,
            settings: reader.settings(&w, &at)?,
            id,
        });
    }
    Ok(out)
}
