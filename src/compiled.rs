//! The compiled form of a policy: its validated document as JSON inside a versioned envelope,
//! loaded without the YAML parser. `regionfence compile` writes it; the embedded default
//! policy is shipped in it (`policies/segment.compiled.json`), so
//! [`Policy::default_policy`] loads in a fraction of the YAML's time.
//!
//! Loading checks the envelope's format and version before reading the document, then
//! validates and compiles the document exactly as [`Policy::compile`] does: the compiled
//! form saves the parse, never a check. A form written by another format version is refused.

use crate::document::Document;
use crate::error::{LoadError, LoadErrorKind, Location};
use crate::limits::MAX_POLICY_BYTES;
use crate::policy::Policy;
use serde::{Deserialize, Serialize};

/// What the envelope's `format` field says.
pub const COMPILED_FORMAT: &str = "regionfence-compiled-policy";

/// The format version this build writes and reads; any other is refused.
pub const COMPILED_VERSION: u32 = 1;

/// The embedded default policy in compiled form, made from `policies/segment.yaml` by
/// `regionfence compile`.
pub const DEFAULT_POLICY_COMPILED: &str = include_str!("../policies/segment.compiled.json");

/// The envelope, fields in the order they are written: format and version first, so a
/// reader can refuse a form it does not know before reading the document.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<D> {
    format: String,
    format_version: u32,
    /// A digest of the YAML text the document was read from (see [`source_digest`]), so a
    /// compiled form older than its source is recognised.
    source_digest: String,
    document: D,
}

/// A 64-bit digest of a text, as 16 hex digits: equal texts give equal digests, and a stale
/// compiled form is told from a current one (not a defence against forgery: the compiled
/// form is validated like any document).
pub fn source_digest(text: &str) -> String {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = text.as_bytes();
    let (words, rest) = bytes.as_chunks::<8>();
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    for w in words {
        h = (h.rotate_left(27) ^ u64::from_le_bytes(*w)).wrapping_mul(K);
    }
    for &b in rest {
        h = (h.rotate_left(27) ^ u64::from(b)).wrapping_mul(K);
    }
    format!("{:016x}", h ^ (h >> 31))
}

fn syntax(message: String, e: Option<&serde_json::Error>) -> LoadError {
    let error = LoadError::new(LoadErrorKind::Syntax { message });
    match e.filter(|e| e.line() > 0) {
        Some(e) => error.at(Some(Location {
            line: e.line(),
            column: e.column(),
        })),
        None => error,
    }
}

impl Policy {
    /// The policy in compiled form: what [`Policy::from_compiled`] loads. `source` is the
    /// YAML text it was loaded from, whose digest the form carries.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, DEFAULT_POLICY_YAML};
    /// let policy = Policy::from_yaml(DEFAULT_POLICY_YAML).unwrap();
    /// let compiled = policy.to_compiled(DEFAULT_POLICY_YAML);
    /// let again = Policy::from_compiled(&compiled).unwrap();
    /// assert_eq!(again.document(), policy.document());
    /// ```
    pub fn to_compiled(&self, source: &str) -> String {
        let envelope = Envelope {
            format: COMPILED_FORMAT.to_string(),
            format_version: COMPILED_VERSION,
            source_digest: source_digest(source),
            document: &self.document,
        };
        // Serialising plain data to a string cannot fail; an empty text would be refused.
        let mut text = serde_json::to_string(&envelope).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Loads a policy from its compiled form (see [`Policy::to_compiled`]): the envelope's
    /// format and version are checked first, then the document is validated and compiled
    /// as [`Policy::compile`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{Policy, DEFAULT_POLICY_COMPILED};
    /// let policy = Policy::from_compiled(DEFAULT_POLICY_COMPILED).unwrap();
    /// assert!(policy.ingest("eu-west", "ios", "events.eu1.segmentapis.com").is_allowed());
    /// let future = DEFAULT_POLICY_COMPILED.replacen("\"format_version\":1", "\"format_version\":2", 1);
    /// let err = Policy::from_compiled(&future).unwrap_err();
    /// assert!(err.to_string().contains("version 2"), "{err}");
    /// ```
    pub fn from_compiled(text: &str) -> Result<Policy, LoadError> {
        Self::from_compiled_with(text, &crate::CompileOptions::default())
    }

    /// [`Policy::from_compiled`] with options (the date exemptions are evaluated at).
    pub fn from_compiled_with(text: &str, options: &crate::CompileOptions) -> Result<Policy, LoadError> {
        Ok(Self::read_compiled(text, options)?.0)
    }

    /// Whether `text` is a compiled form (a JSON object whose first field names the compiled
    /// format) rather than a YAML policy. Only the start is looked at; the text is validated
    /// when it is loaded.
    pub(crate) fn looks_compiled(text: &str) -> bool {
        let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
        let Some(rest) = start.strip_prefix('{') else {
            return false;
        };
        let rest = rest.trim_start();
        rest.strip_prefix("\"format\"")
            .map(|r| r.trim_start().trim_start_matches(':').trim_start())
            .is_some_and(|r| r.starts_with(&format!("\"{COMPILED_FORMAT}\"")))
    }

    /// Loads a compiled form, with the digest of the source it names.
    fn read_compiled(text: &str, options: &crate::CompileOptions) -> Result<(Policy, String), LoadError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(LoadError::new(LoadErrorKind::TooLarge {
                size: text.len(),
                limit: MAX_POLICY_BYTES,
            }));
        }
        // The envelope alone, the document skipped unread.
        let header: Envelope<serde::de::IgnoredAny> = crate::json::from_str(text)
            .map_err(|e| syntax(format!("not a compiled policy: {e}"), Some(&e)))?;
        if header.format != COMPILED_FORMAT || header.format_version != COMPILED_VERSION {
            return Err(syntax(
                format!(
                    "a compiled policy of format `{}` version {}, and this build reads `{COMPILED_FORMAT}` \
                     version {COMPILED_VERSION}: compile the policy again with this build",
                    crate::text::excerpt(&header.format),
                    header.format_version
                ),
                None,
            ));
        }
        let envelope: Envelope<Document> =
            crate::json::from_str(text).map_err(|e| syntax(format!("compiled policy: {e}"), Some(&e)))?;
        let policy = Policy::compile_with(envelope.document, options)?;
        Ok((policy, envelope.source_digest))
    }

    /// The embedded default from its compiled form, when that form was made from the
    /// embedded YAML text; `None` otherwise (the caller then loads the YAML).
    /// [`Policy::default_from_compiled`], evaluated with `options`.
    pub(crate) fn default_from_compiled_with(options: &crate::CompileOptions) -> Option<Policy> {
        let (policy, digest) = Self::read_compiled(DEFAULT_POLICY_COMPILED, options).ok()?;
        (digest == source_digest(crate::compile::DEFAULT_POLICY_YAML)).then_some(policy)
    }
}
