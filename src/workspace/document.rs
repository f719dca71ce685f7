//! The workspace configuration document: its types, its parser (limits first, positions on
//! every error) and the text position of every value it holds.

use super::pointer::Pointer;
use crate::error::Location;
use crate::limits::{MAX_ENTRIES, MAX_POLICY_BYTES};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// The value a document gives a fact it does not know (a source's `ingestion` or `host`, a
/// destination's `endpoint`, a store's `cloud_region`, a firewall's one entry): the check
/// reports it as `not-known-from-api` — to confirm — never as a pass.
pub const UNKNOWN: &str = "unknown";

/// A workspace's whole configuration, as a control plane holds it (`version: 1`).
///
/// # Examples
///
/// ```
/// use regionfence::workspace::Workspace;
/// let ws = Workspace::parse("version: 1\nworkspace: acme\nregion: eu-west\n").unwrap();
/// assert_eq!(ws.region, "eu-west");
/// assert!(Workspace::parse("version: 1\nworkspace: acme\nregion: eu-west\ncolour: red\n").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    /// The document format's version; `1`.
    pub version: u32,
    /// The workspace's name.
    pub workspace: String,
    /// The workspace's processing region (`us-west`, `eu-west`).
    pub region: String,
    /// Its sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceEntry>,
    /// Its destinations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<DestinationEntry>,
    /// Where its data rests: archives, data lakes, warehouses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stores: Vec<StoreEntry>,
    /// Per warehouse (an id of `stores`), its firewall.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub warehouses: BTreeMap<String, WarehouseEntry>,
    /// The failover plan: pairs of locations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover: Vec<FailoverEntry>,
}

/// A source of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    /// An id of the user's choosing, unique among the sources.
    pub id: String,
    /// A source kind (`javascript`, `server`, …) or a catalog slug (`node-js`).
    pub source: String,
    /// The ingestion region chosen in Regional Settings (`dublin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingestion: Option<String>,
    /// The host configured, as a user pastes it (a full URL is fine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// A destination of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationEntry {
    /// An id of the user's choosing, unique among the destinations.
    pub id: String,
    /// The destination's catalog slug.
    pub destination: String,
    /// The endpoint id or host configured; the destination's in-region endpoint when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// A place the workspace's data rests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreEntry {
    /// An id of the user's choosing, unique among the stores; `warehouses` refers to it.
    pub id: String,
    /// `archive`, `data-lake` or a warehouse (`redshift`, `bigquery`, …).
    pub store: String,
    /// `provider:name`, such as `aws:eu-west-1`.
    pub cloud_region: String,
}

/// A warehouse's firewall.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseEntry {
    /// The CIDRs (or addresses) the firewall admits.
    #[serde(default)]
    pub firewall: Vec<String>,
}

/// One step of the failover plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailoverEntry {
    /// A failover location, `region/ingestion-zone`.
    pub from: String,
    /// The location it fails over to.
    pub to: String,
}

/// Why a workspace configuration could not be read, and where in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceError {
    /// Where, when it can be pointed at.
    pub location: Option<Location>,
    /// What.
    pub kind: WorkspaceErrorKind,
}

impl fmt::Display for WorkspaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(location) => write!(f, "{location}: {}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for WorkspaceError {}

/// What is wrong with a workspace configuration's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkspaceErrorKind {
    /// The text is larger than [`MAX_POLICY_BYTES`].
    #[error("workspace configuration is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// The text's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A list has more entries than [`MAX_ENTRIES`].
    #[error("`{what}` has {count} entries, over the limit of {limit}")]
    TooManyEntries {
        /// Which list.
        what: &'static str,
        /// How many.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The text is not YAML or JSON of the configuration's shape.
    #[error("{message}")]
    Syntax {
        /// The parser's message.
        message: String,
    },
    /// `version` is not `1`.
    #[error("unsupported workspace configuration version `{found}`; this build reads version 1")]
    UnsupportedVersion {
        /// The version found.
        found: u32,
    },
    /// Two entries of one list share an id.
    #[error("duplicate {what} id `{}`", crate::text::excerpt(id))]
    Duplicate {
        /// Which list.
        what: &'static str,
        /// The id.
        id: String,
    },
}

impl WorkspaceError {
    fn new(kind: WorkspaceErrorKind, location: Option<Location>) -> Self {
        WorkspaceError { location, kind }
    }
}

/// Where a value stands in the text: its first byte, its length (0 for a block collection,
/// whose start is its first key or `-`), and its line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextSpan {
    /// Byte offset of the value's first character.
    pub offset: usize,
    /// Byte length of a scalar (quotes included), 1 for a flow collection's opener, 0 for a
    /// block collection.
    pub len: usize,
    /// Line and column, from 1.
    pub location: Location,
}

/// A configuration read from text: the values, and where each one stands.
#[derive(Debug, Clone)]
pub struct ParsedWorkspace {
    /// The configuration.
    pub workspace: Workspace,
    /// Every value's position, by JSON Pointer (`/destinations/3/endpoint`); the root is `""`.
    pub spans: HashMap<String, TextSpan>,
}

impl ParsedWorkspace {
    /// Where the value at `pointer` stands, when the text holds it.
    pub fn span(&self, pointer: &str) -> Option<TextSpan> {
        self.spans.get(pointer).copied()
    }
}

impl Workspace {
    /// Reads a configuration from YAML or JSON text. Text over [`MAX_POLICY_BYTES`] is refused
    /// before it is parsed; lists over [`MAX_ENTRIES`], unknown fields, a version other than
    /// 1 and duplicate ids are refused with their line and column.
    pub fn parse(text: &str) -> Result<Workspace, WorkspaceError> {
        parse_spanned(text).map(|p| p.workspace)
    }
}

/// Reads a configuration and the position of every value in it (see [`Workspace::parse`]).
pub fn parse_spanned(text: &str) -> Result<ParsedWorkspace, WorkspaceError> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(WorkspaceError::new(
            WorkspaceErrorKind::TooLarge {
                size: text.len(),
                limit: MAX_POLICY_BYTES,
            },
            None,
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw: Spanned<Raw> = crate::yaml::from_str(text)
        .map_err(|e| WorkspaceError::new(WorkspaceErrorKind::Syntax { message: e.message }, e.location))?;
    // INVARIANT: positions are into the text without its byte-order mark; the editor strips
    // it the same way.
    let mut spans = HashMap::new();
    let root = raw.value;
    record(&mut spans, "", &raw.referenced);
    if root.version.value != 1 {
        return Err(WorkspaceError::new(
            WorkspaceErrorKind::UnsupportedVersion {
                found: root.version.value,
            },
            Some(location(&root.version.referenced)),
        ));
    }
    record(&mut spans, "/version", &root.version.referenced);
    record(&mut spans, "/workspace", &root.workspace.referenced);
    record(&mut spans, "/region", &root.region.referenced);

    let sources = list(&mut spans, "sources", root.sources, |spans, at, s: RawSource| {
        record(spans, &format!("{at}/id"), &s.id.referenced);
        record(spans, &format!("{at}/source"), &s.source.referenced);
        if let Some(v) = &s.ingestion {
            record(spans, &format!("{at}/ingestion"), &v.referenced);
        }
        if let Some(v) = &s.host {
            record(spans, &format!("{at}/host"), &v.referenced);
        }
        let entry = SourceEntry {
            id: s.id.value,
            source: s.source.value,
            ingestion: s.ingestion.map(|v| v.value),
            host: s.host.map(|v| v.value),
        };
        (entry.id.clone(), s.id.referenced, entry)
    })?;
    let destinations = list(
        &mut spans,
        "destinations",
        root.destinations,
        |spans, at, d: RawDestination| {
            record(spans, &format!("{at}/id"), &d.id.referenced);
            record(spans, &format!("{at}/destination"), &d.destination.referenced);
            if let Some(v) = &d.endpoint {
                record(spans, &format!("{at}/endpoint"), &v.referenced);
            }
            let entry = DestinationEntry {
                id: d.id.value,
                destination: d.destination.value,
                endpoint: d.endpoint.map(|v| v.value),
            };
            (entry.id.clone(), d.id.referenced, entry)
        },
    )?;
    let stores = list(&mut spans, "stores", root.stores, |spans, at, s: RawStore| {
        record(spans, &format!("{at}/id"), &s.id.referenced);
        record(spans, &format!("{at}/store"), &s.store.referenced);
        record(spans, &format!("{at}/cloud_region"), &s.cloud_region.referenced);
        let entry = StoreEntry {
            id: s.id.value,
            store: s.store.value,
            cloud_region: s.cloud_region.value,
        };
        (entry.id.clone(), s.id.referenced, entry)
    })?;
    let failover = list(
        &mut spans,
        "failover",
        root.failover,
        |spans, at, f: RawFailover| {
            record(spans, &format!("{at}/from"), &f.from.referenced);
            record(spans, &format!("{at}/to"), &f.to.referenced);
            // Pairs have no id: the index is their identity, so no duplicate can arise.
            let key = at.to_string();
            let entry = FailoverEntry {
                from: f.from.value,
                to: f.to.value,
            };
            (key, f.from.referenced, entry)
        },
    )?;
    let mut warehouses = BTreeMap::new();
    if let Some(map) = root.warehouses {
        record(&mut spans, "/warehouses", &map.referenced);
        within_entries("warehouses", map.value.len(), MAX_ENTRIES, &map.referenced)?;
        for (id, entry) in map.value {
            let at = format!("/warehouses/{}", Pointer::escape(&id));
            record(&mut spans, &at, &entry.referenced);
            let firewall = entry.value.firewall;
            let mut cidrs = Vec::new();
            if let Some(firewall) = firewall {
                record(&mut spans, &format!("{at}/firewall"), &firewall.referenced);
                within_entries(
                    "firewall",
                    firewall.value.len(),
                    MAX_ENTRIES,
                    &firewall.referenced,
                )?;
                for (i, cidr) in firewall.value.into_iter().enumerate() {
                    record(&mut spans, &format!("{at}/firewall/{i}"), &cidr.referenced);
                    cidrs.push(cidr.value);
                }
            }
            warehouses.insert(id, WarehouseEntry { firewall: cidrs });
        }
    }
    Ok(ParsedWorkspace {
        workspace: Workspace {
            version: root.version.value,
            workspace: root.workspace.value,
            region: root.region.value,
            sources,
            destinations,
            stores,
            warehouses,
            failover,
        },
        spans,
    })
}

type SpanMap = HashMap<String, TextSpan>;

fn location(at: &serde_saphyr::Location) -> Location {
    Location {
        line: usize::try_from(at.line()).unwrap_or(usize::MAX),
        column: usize::try_from(at.column()).unwrap_or(usize::MAX),
    }
}

fn record(spans: &mut SpanMap, pointer: &str, at: &serde_saphyr::Location) {
    let span = at.span();
    let (Some(offset), Some(len)) = (span.byte_offset(), span.byte_len()) else {
        return;
    };
    let (Ok(offset), Ok(len)) = (usize::try_from(offset), usize::try_from(len)) else {
        return;
    };
    spans.insert(
        pointer.to_string(),
        TextSpan {
            offset,
            len,
            location: location(at),
        },
    );
}

/// Refuses a list or map of more than `limit` entries (`MAX_ENTRIES` but in tests), where it
/// starts.
fn within_entries(
    what: &'static str,
    count: usize,
    limit: usize,
    at: &serde_saphyr::Location,
) -> Result<(), WorkspaceError> {
    if count > limit {
        return Err(WorkspaceError::new(
            WorkspaceErrorKind::TooManyEntries { what, count, limit },
            Some(location(at)),
        ));
    }
    Ok(())
}

/// Records a list's entries and refuses duplicate ids.
fn list<R, E>(
    spans: &mut SpanMap,
    what: &'static str,
    raw: Option<Spanned<Vec<Spanned<R>>>>,
    mut each: impl FnMut(&mut SpanMap, &str, R) -> (String, serde_saphyr::Location, E),
) -> Result<Vec<E>, WorkspaceError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    record(spans, &format!("/{what}"), &raw.referenced);
    within_entries(what, raw.value.len(), MAX_ENTRIES, &raw.referenced)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(raw.value.len());
    for (i, entry) in raw.value.into_iter().enumerate() {
        let at = format!("/{what}/{i}");
        record(spans, &at, &entry.referenced);
        let (id, id_at, value) = each(spans, &at, entry.value);
        if !seen.insert(id.clone()) {
            return Err(WorkspaceError::new(
                WorkspaceErrorKind::Duplicate {
                    what: singular(what),
                    id,
                },
                Some(location(&id_at)),
            ));
        }
        out.push(value);
    }
    Ok(out)
}

fn singular(what: &'static str) -> &'static str {
    match what {
        "sources" => "source",
        "destinations" => "destination",
        "stores" => "store",
        other => other,
    }
}

// The document as parsed, every value with its position.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: Spanned<u32>,
    workspace: Spanned<String>,
    region: Spanned<String>,
    #[serde(default)]
    sources: Option<Spanned<Vec<Spanned<RawSource>>>>,
    #[serde(default)]
    destinations: Option<Spanned<Vec<Spanned<RawDestination>>>>,
    #[serde(default)]
    stores: Option<Spanned<Vec<Spanned<RawStore>>>>,
    #[serde(default)]
    warehouses: Option<Spanned<BTreeMap<String, Spanned<RawWarehouse>>>>,
    #[serde(default)]
    failover: Option<Spanned<Vec<Spanned<RawFailover>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: Spanned<String>,
    source: Spanned<String>,
    #[serde(default)]
    ingestion: Option<Spanned<String>>,
    #[serde(default)]
    host: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDestination {
    id: Spanned<String>,
    destination: Spanned<String>,
    #[serde(default)]
    endpoint: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    id: Spanned<String>,
    store: Spanned<String>,
    cloud_region: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWarehouse {
    #[serde(default)]
    firewall: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFailover {
    from: Spanned<String>,
    to: Spanned<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "version: 1\nworkspace: acme\nregion: eu-west   # Dublin\nsources:\n  - {id: web, source: javascript, ingestion: dublin}\n  - id: api\n    source: node-js\n    host: \"https://api.segment.io/v1\"\nwarehouses:\n  redshift:\n    firewall: [3.251.148.96/29, 52.25.130.38]\n";

    #[test]
    fn a_list_may_hold_exactly_the_limit() {
        let at = serde_saphyr::Location::UNKNOWN;
        assert!(within_entries("sources", 3, 3, &at).is_ok());
        assert!(within_entries("sources", 0, 3, &at).is_ok());
        let err = within_entries("sources", 4, 3, &at).unwrap_err();
        assert!(
            matches!(
                err.kind,
                WorkspaceErrorKind::TooManyEntries {
                    what: "sources",
                    count: 4,
                    limit: 3
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn values_and_their_positions() {
        let p = parse_spanned(TEXT).unwrap();
        assert_eq!(p.workspace.sources.len(), 2);
        assert_eq!(
            p.workspace.sources[1].host.as_deref(),
            Some("https://api.segment.io/v1")
        );
        let host = p.span("/sources/1/host").unwrap();
        assert_eq!(
            &TEXT[host.offset..host.offset + host.len],
            "\"https://api.segment.io/v1\""
        );
        assert_eq!(host.location, Location { line: 8, column: 11 });
        let cidr = p.span("/warehouses/redshift/firewall/1").unwrap();
        assert_eq!(&TEXT[cidr.offset..cidr.offset + cidr.len], "52.25.130.38");
    }

    #[test]
    fn errors_have_positions() {
        let err =
            Workspace::parse("version: 1\nworkspace: a\nregion: eu-west\nsources: [{id: a, kind: x}]\n")
                .unwrap_err();
        assert!(err.location.is_some(), "{err}");
        let err = Workspace::parse("version: 2\nworkspace: a\nregion: eu-west\n").unwrap_err();
        assert_eq!(err.location, Some(Location { line: 1, column: 10 }));
        let err = Workspace::parse(
            "version: 1\nworkspace: a\nregion: eu-west\nsources:\n  - {id: a, source: ios}\n  - {id: a, source: ios}\n",
        )
        .unwrap_err();
        assert!(matches!(err.kind, WorkspaceErrorKind::Duplicate { .. }));
        assert_eq!(err.location.map(|l| l.line), Some(6));
        let err = Workspace::parse("version: 1\nregion: a\nregion: b\nworkspace: a\n").unwrap_err();
        assert!(err.location.is_some(), "{err}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }

    #[test]
    fn size_is_refused_before_parsing() {
        let text = format!("version: 1\n#{}\n", "x".repeat(MAX_POLICY_BYTES));
        let err = Workspace::parse(&text).unwrap_err();
        assert!(matches!(err.kind, WorkspaceErrorKind::TooLarge { .. }));
    }

    #[test]
    fn json_is_read_too() {
        let p = parse_spanned(r#"{"version": 1, "workspace": "a", "region": "eu-west", "destinations": [{"id": "amp", "destination": "amplitude", "endpoint": "us"}]}"#).unwrap();
        assert_eq!(p.workspace.destinations[0].endpoint.as_deref(), Some("us"));
        assert!(p.span("/destinations/0/endpoint").is_some());
    }
}
