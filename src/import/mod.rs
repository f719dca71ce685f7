//! Importing a workspace from Segment's Public API: the JSON of `getWorkspace`,
//! `listSources`, `listDestinations` and `listWarehouses` becomes a workspace configuration
//! document (`version: 1`, the format [`check_workspace`](crate::Policy::check_workspace)
//! reads), every value commented with where it came from.
//!
//! The import never guesses an allow: a fact the API does not carry (a source's ingestion
//! region, a warehouse's firewall, a cloud region no setting reveals) is written
//! [`UNKNOWN`](crate::workspace::UNKNOWN) with the reason, and the check reports it as
//! `not-known-from-api` until a person confirms it. Source write keys are secrets: they never
//! appear in the document, in a message or in an error; [`Import::gateway_keys_yaml`] alone
//! writes them, for the gateway's `write_keys` table.
//!
//! # Examples
//!
//! ```
//! use regionfence::import::{import, ApiResponses, RegionChoice};
//! let responses = ApiResponses {
//!     workspace: r#"{"data": {"workspace": {"id": "ws1", "slug": "acme", "name": "Acme"}}}"#.into(),
//!     sources: r#"{"data": {"sources": [], "pagination": {"current": "MA=="}}}"#.into(),
//!     destinations: r#"{"data": {"destinations": [], "pagination": {"current": "MA=="}}}"#.into(),
//!     warehouses: r#"{"data": {"warehouses": [], "pagination": {"current": "MA=="}}}"#.into(),
//! };
//! let imported = import(&responses, RegionChoice { flag: Some("eu-west"), api_host: None }).unwrap();
//! assert!(imported.document.contains("region: eu-west"));
//! // No region, no import.
//! assert!(import(&responses, RegionChoice::default()).is_err());
//! ```

mod api;
mod json;
#[cfg(feature = "import-live")]
pub mod live;
mod mapping;
mod render;

pub use api::{MAX_API_STRING_BYTES, MAX_PAGES};
pub use mapping::region_of_api_host;

use crate::error::Location;
use crate::text::excerpt;
use std::fmt;
use std::path::Path;

/// The largest response file (or a list's pages together) read.
pub const MAX_API_FILE_BYTES: usize = 64 * 1024 * 1024;

/// The Public API's responses, as it returns them (each list one response, or a JSON array
/// of the responses of its pages in order).
#[derive(Clone, Default)]
pub struct ApiResponses {
    /// `getWorkspace` (`GET /`): `{"data": {"workspace": {...}}}`.
    pub workspace: String,
    /// `listSources` (`GET /sources`).
    pub sources: String,
    /// `listDestinations` (`GET /destinations`).
    pub destinations: String,
    /// `listWarehouses` (`GET /warehouses`).
    pub warehouses: String,
}

impl fmt::Debug for ApiResponses {
    // The responses hold write keys: never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponses")
            .field("workspace", &self.workspace.len())
            .field("sources", &self.sources.len())
            .field("destinations", &self.destinations.len())
            .field("warehouses", &self.warehouses.len())
            .finish()
    }
}

/// The file of `dir` that records the API host the responses were fetched from (a URL or a
/// host name, one line): it names the workspace's region when `--region` does not.
pub const API_HOST_FILE: &str = "api-host";

impl ApiResponses {
    /// Reads `workspace.json`, `sources.json`, `destinations.json` and `warehouses.json` from
    /// `dir`, each at most [`MAX_API_FILE_BYTES`], and the API host from `dir/api-host` when
    /// that file exists.
    pub fn read_dir(dir: &Path) -> Result<(ApiResponses, Option<String>), ImportError> {
        let read = |name: &str| {
            crate::cli::read_limited(&dir.join(name), MAX_API_FILE_BYTES).map_err(|e| ImportError::Read {
                message: e.to_string(),
            })
        };
        let responses = ApiResponses {
            workspace: read("workspace.json")?,
            sources: read("sources.json")?,
            destinations: read("destinations.json")?,
            warehouses: read("warehouses.json")?,
        };
        let host_file = dir.join(API_HOST_FILE);
        let host = if host_file.exists() {
            Some(
                crate::cli::read_limited(&host_file, 4096)
                    .map_err(|e| ImportError::Read {
                        message: e.to_string(),
                    })?
                    .trim()
                    .to_string(),
            )
        } else {
            None
        };
        Ok((responses, host))
    }
}

/// Where the workspace's region comes from: `--region`, else the API host the responses
/// were fetched from. Neither is a refusal.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegionChoice<'a> {
    /// The region named by the user (`--region`).
    pub flag: Option<&'a str>,
    /// The Public API's URL or host the responses came from.
    pub api_host: Option<&'a str>,
}

/// A workspace imported: the document, and the write keys kept for the gateway's table only.
#[derive(Clone)]
pub struct Import {
    /// The workspace configuration document (YAML), every value commented.
    pub document: String,
    /// The workspace's region, as written in the document.
    pub region: String,
    /// What was imported.
    pub summary: Summary,
    write_keys: Vec<(String, String)>,
}

impl fmt::Debug for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Import")
            .field("region", &self.region)
            .field("summary", &self.summary)
            .field(
                "write_keys",
                &format_args!("<{} redacted>", self.write_keys.len()),
            )
            .finish_non_exhaustive()
    }
}

/// Counts of what an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Sources written.
    pub sources: usize,
    /// Destinations written.
    pub destinations: usize,
    /// Warehouses written (as stores, each with its firewall).
    pub warehouses: usize,
    /// Of those, how many are disabled in Segment.
    pub disabled: usize,
    /// Values written `unknown`: each a `not-known-from-api` finding of the check.
    pub unknown: usize,
    /// Write keys of enabled sources (kept for [`Import::gateway_keys_yaml`]).
    pub write_keys: usize,
}

impl Import {
    /// The gateway's `write_keys` table (see `gateway/gateway.example.yaml`): every enabled
    /// source's write key mapped to the workspace's region. It holds secrets: write it to a
    /// file only its owner reads.
    pub fn gateway_keys_yaml(&self) -> String {
        render::gateway_keys(&self.region, &self.write_keys)
    }
}

/// Why an import was refused. No variant holds a write key or any other setting's secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// A file could not be read.
    #[error("{message}")]
    Read {
        /// What went wrong, with the path.
        message: String,
    },
    /// A response is larger than [`MAX_API_FILE_BYTES`].
    #[error("{file} is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Which response.
        file: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// A response is not JSON (or names a key twice, or nests too deep).
    #[error("{file}: {}{message}", place(location))]
    Syntax {
        /// Which response.
        file: String,
        /// Where.
        location: Option<Location>,
        /// The parser's message.
        message: String,
    },
    /// A value has another type than the API's model gives it.
    #[error("{file}: `{at}`: expected {expected}, found {found}")]
    Shape {
        /// Which response.
        file: String,
        /// The value's path (`data.sources[3].metadata.slug`; `[1].data…` for a page).
        at: String,
        /// The type the model gives it.
        expected: &'static str,
        /// The type found.
        found: &'static str,
    },
    /// A value is missing, empty, too long or an error response.
    #[error("{file}: `{at}`: {message}")]
    Invalid {
        /// Which response.
        file: String,
        /// The value's path.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A list's pages do not chain or end early.
    #[error("{file}: {message}")]
    Pages {
        /// Which response.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A list is longer than the document may hold.
    #[error("{file}: more than {limit} {what} ({count} read)")]
    TooMany {
        /// Which response.
        file: String,
        /// Which list.
        what: &'static str,
        /// How many were read before stopping.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Two entries of a list share an id.
    #[error("{file}: `{at}`: duplicate {what} id `{}`", excerpt(id))]
    Duplicate {
        /// Which response.
        file: String,
        /// The second one's path.
        at: String,
        /// Which list.
        what: &'static str,
        /// The id.
        id: String,
    },
    /// The workspace's region is not known, or two sources of it disagree.
    #[error("{message}")]
    Region {
        /// Why.
        message: String,
    },
    /// The document written does not read back as a workspace configuration.
    #[error("the imported document does not read back: {message}")]
    Unreadable {
        /// The reader's message.
        message: String,
    },
}

fn place(location: &Option<Location>) -> String {
    location.map(|l| format!("{l}: ")).unwrap_or_default()
}

/// The workspace's region and the comment that says where it came from.
fn region(choice: RegionChoice<'_>) -> Result<(String, String), ImportError> {
    let from_host = choice.api_host.and_then(region_of_api_host);
    let shown_host = choice
        .api_host
        .map(|h| mapping::host_of(h).unwrap_or_else(|| excerpt(h)));
    match (choice.flag, from_host) {
        (Some(flag), _) if !valid_region_name(flag) => Err(ImportError::Region {
            message: format!("`{}` is not a region name", excerpt(flag)),
        }),
        (Some(flag), Some(host_region)) if flag != host_region => Err(ImportError::Region {
            message: format!(
                "`--region {}` contradicts the API host `{}`, which serves `{host_region}` workspaces",
                excerpt(flag),
                shown_host.unwrap_or_default()
            ),
        }),
        (Some(flag), _) => Ok((flag.to_string(), "--region".into())),
        (None, Some(host_region)) => Ok((
            host_region.to_string(),
            format!(
                "the API host `{}` serves `{host_region}` workspaces",
                shown_host.unwrap_or_default()
            ),
        )),
        (None, None) => Err(ImportError::Region {
            message: match shown_host {
                Some(host) => format!(
                    "the API host `{host}` names no region (only api.segmentapis.com and eu1.api.segmentapis.com do): pass `--region`"
                ),
                None => format!(
                    "the workspace's region is not known: pass `--region`, or record the API host the files came from in `{API_HOST_FILE}`"
                ),
            },
        }),
    }
}

fn valid_region_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Imports a workspace from the Public API's responses (see the module). Every response is
/// read and checked before anything is written, so an error leaves no partial document.
pub fn import(responses: &ApiResponses, choice: RegionChoice<'_>) -> Result<Import, ImportError> {
    let (region, region_from) = region(choice)?;
    let workspace = api::workspace(&responses.workspace)?;
    let sources = api::sources(&responses.sources)?;
    let destinations = api::destinations(&responses.destinations)?;
    let warehouses = api::warehouses(&responses.warehouses)?;
    let rendered = render::document(&render::Input {
        workspace: &workspace,
        region: &region,
        region_from: &region_from,
        sources: &sources,
        destinations: &destinations,
        warehouses: &warehouses,
    });
    crate::workspace::Workspace::parse(&rendered.text).map_err(|e| ImportError::Unreadable {
        message: e.to_string(),
    })?;
    let mut write_keys: Vec<(String, String)> = Vec::new();
    for source in sources.iter().filter(|s| s.enabled) {
        for key in &source.write_keys {
            if !key.is_empty() && !write_keys.iter().any(|(k, _)| k == key) {
                write_keys.push((key.clone(), source.id.clone()));
            }
        }
    }
    let summary = Summary {
        sources: sources.len(),
        destinations: destinations.len(),
        warehouses: warehouses.len(),
        disabled: sources.iter().filter(|s| !s.enabled).count()
            + destinations.iter().filter(|d| !d.enabled).count()
            + warehouses.iter().filter(|w| !w.enabled).count(),
        unknown: rendered.unknown,
        write_keys: write_keys.len(),
    };
    Ok(Import {
        document: rendered.text,
        region,
        summary,
        write_keys,
    })
}
