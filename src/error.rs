//! Errors from loading a policy or reading a question: where, and what is wrong.

use std::fmt;

/// A position in a YAML or JSON text, both 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A text that did not parse: where, and a bounded, escaped message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where, when the parser could say.
    pub location: Option<Location>,
    /// What is wrong.
    pub message: String,
    /// Whether the text was refused for passing a limit (nesting, nodes, anchors, aliases,
    /// tags, documents, a parser budget) rather than for being malformed.
    pub over_limit: bool,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(location) => write!(f, "{location}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for SyntaxError {}

/// Why a policy could not be loaded, and where in its text.
///
/// ```
/// let err = regionfence::Policy::from_yaml("version: 1\nname: [").unwrap_err();
/// assert!(err.location().is_some());
/// assert!(err.to_string().starts_with("line 2, column"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    location: Option<Location>,
    kind: LoadErrorKind,
}

impl LoadError {
    pub(crate) fn new(kind: LoadErrorKind) -> Self {
        LoadError { location: None, kind }
    }

    pub(crate) fn at(mut self, location: Option<Location>) -> Self {
        if self.location.is_none() {
            self.location = location;
        }
        self
    }

    /// Where in the text the problem is, when it can be pointed at.
    pub fn location(&self) -> Option<Location> {
        self.location
    }

    /// What the problem is.
    pub fn kind(&self) -> &LoadErrorKind {
        &self.kind
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(location) => write!(f, "{location}: {}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for LoadError {}

/// What is wrong with a policy document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The text is larger than [`crate::limits::MAX_POLICY_BYTES`].
    #[error("policy is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// The text's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A list has more entries than [`crate::limits::MAX_ENTRIES`].
    #[error("`{what}` has {count} entries, over the limit of {limit}")]
    TooManyEntries {
        /// Which list.
        what: String,
        /// How many entries it has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The text is not YAML of the policy's shape.
    #[error("{message}")]
    Syntax {
        /// The parser's message.
        message: String,
    },
    /// `version` is not `1`.
    #[error("unsupported policy version `{found}`; this build reads version 1")]
    UnsupportedVersion {
        /// The version found.
        found: u32,
    },
    /// An id is not of the allowed shape.
    #[error("{what} id `{}` is not valid: {why}", crate::text::excerpt(id))]
    InvalidId {
        /// What kind of entry.
        what: &'static str,
        /// The id.
        id: String,
        /// Why.
        why: &'static str,
    },
    /// Two entries share an id.
    #[error("duplicate {what} `{}`", crate::text::excerpt(id))]
    Duplicate {
        /// What kind of entry.
        what: &'static str,
        /// The id.
        id: String,
    },
    /// A list names one thing twice.
    #[error("`{}` is listed twice in `{at}`", crate::text::excerpt(name))]
    Repeated {
        /// The list.
        at: String,
        /// The name listed twice.
        name: String,
    },
    /// A reference names nothing the policy defines.
    #[error("unknown {what} `{}` in `{at}`{}", crate::text::excerpt(name), crate::names::hint(suggestion.as_deref()))]
    UnknownReference {
        /// What kind of entry was expected.
        what: &'static str,
        /// The name given.
        name: String,
        /// The field holding the reference.
        at: String,
        /// The nearest known name.
        suggestion: Option<String>,
    },
    /// A CIDR does not parse.
    #[error("malformed CIDR `{}` in `{at}`", crate::text::excerpt(cidr))]
    MalformedCidr {
        /// The text.
        cidr: String,
        /// The field.
        at: String,
    },
    /// A CIDR has bits set below its prefix.
    #[error("CIDR `{cidr}` in `{at}` has host bits set; write `{network}`")]
    CidrHostBits {
        /// The text.
        cidr: String,
        /// The field.
        at: String,
        /// The network it truncates to.
        network: String,
    },
    /// A host name in the policy is not a bare, lower-case host name.
    #[error("host `{}` in `{at}` is not a bare lower-case host name{}", crate::text::excerpt(host), match normal { Some(n) => format!("; write `{n}`"), None => String::new() })]
    MalformedHost {
        /// The text.
        host: String,
        /// The field.
        at: String,
        /// Its normal form, when it has one.
        normal: Option<String>,
    },
    /// A country code is not two upper-case letters.
    #[error(
        "country `{}` in `{at}` is not an ISO 3166-1 alpha-2 code",
        crate::text::excerpt(country)
    )]
    MalformedCountry {
        /// The text.
        country: String,
        /// The field.
        at: String,
    },
    /// No region, or more than one, is marked `default: true`.
    #[error("exactly one region must be `default: true`; found {found}")]
    DefaultRegion {
        /// How many are.
        found: usize,
    },
    /// A region has no default ingestion region, or several.
    #[error("region `{region}` must have exactly one ingestion region with `default: true`; found {found}")]
    DefaultIngestion {
        /// The region.
        region: String,
        /// How many are.
        found: usize,
    },
    /// A failover location is claimed by two ingestion regions, or twice by one.
    #[error("failover location `{location}` is claimed twice, by `{first}` and `{second}`")]
    LocationClaimedTwice {
        /// The location.
        location: String,
        /// The first claimant.
        first: String,
        /// The second claimant.
        second: String,
    },
    /// A list that must not be empty is.
    #[error("`{at}` must not be empty")]
    Empty {
        /// The field.
        at: String,
    },
    /// A warehouse does not say how it is allowlisted.
    #[error("warehouse `{store}` must say whether allowlisting is `required`, `recommended` or `not-needed` (in `{at}`)")]
    AllowlistMissing {
        /// The warehouse.
        store: String,
        /// The field (`stores[…].kind`).
        at: String,
    },
    /// A region lists a kind as catalog-only without supporting it in `source_kinds`.
    #[error("source kind `{kind}` is catalog-only in region `{region}` but not in its `source_kinds`; list it there too, or drop it here (in `{at}`)")]
    CatalogOnlyKindNotListed {
        /// The source kind.
        kind: String,
        /// The region.
        region: String,
        /// The field (`regions[…].catalog_only_kinds`).
        at: String,
    },
    /// An exemption breaks a rule of exemptions: it names no flow or two, an endpoint of
    /// another destination, a store that is no warehouse, or its justification or owner is
    /// empty, too long or holds control characters.
    #[error("{message} (in `{at}`)")]
    InvalidExemption {
        /// The field (`exemptions[…].…`).
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A store that is not a warehouse says how it is allowlisted.
    #[error("`allowlist` is for warehouses; `{store}` is of kind `{kind}` (in `{at}`)")]
    AllowlistNotWarehouse {
        /// The store.
        store: String,
        /// Its kind.
        kind: crate::document::StoreKind,
        /// The field (`stores[…].allowlist`).
        at: String,
    },
    /// The regions' dense tables would pass [`crate::limits::MAX_TABLE_CELLS`].
    #[error("policy would compile to {cells} table cells, over the limit of {limit}")]
    TooManyTableCells {
        /// How many cells the policy needs.
        cells: usize,
        /// The limit.
        limit: usize,
    },
    /// The cloud regions' group memberships would pass [`crate::limits::MAX_TABLE_CELLS`].
    #[error("cloud regions would belong to groups {memberships} times, over the limit of {limit}")]
    TooManyMemberships {
        /// How many memberships the policy needs.
        memberships: usize,
        /// The limit.
        limit: usize,
    },
}

/// A policy that could not be written as YAML.
///
/// ```
/// let policy = regionfence::Policy::default_policy();
/// let text: Result<String, regionfence::SerializeError> = policy.to_yaml();
/// assert!(text.is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SerializeError {
    /// The serialiser's message.
    pub message: String,
}

/// Why a question could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuestionError {
    /// The text is larger than [`crate::limits::MAX_QUESTION_BYTES`].
    #[error("question is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// The text's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The text is not a question.
    #[error("{}{message}", match location { Some(l) => format!("{l}: "), None => String::new() })]
    Syntax {
        /// Where.
        location: Option<Location>,
        /// The parser's message.
        message: String,
    },
}
