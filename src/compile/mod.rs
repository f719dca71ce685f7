//! Loading: YAML text → validated [`Document`] → compiled [`Policy`], with an error that
//! says what and where for every way a document can be wrong.
//!
//! Compilation runs in steps, each in its own file: the catalogue (groups, cloud regions,
//! source kinds, catalog sources, stores), the regions (ingestion regions, hosts, failover
//! locations, place sets, CIDRs), and the destinations.

mod catalog;
mod checks;
mod destinations;
mod exemptions;
mod locate;
mod regions;

use crate::date::Date;
use crate::document::Document;
use crate::error::{LoadError, LoadErrorKind};
use crate::limits::MAX_POLICY_BYTES;
use crate::names::NameMap;
use crate::policy::*;

/// The default policy's text, embedded at build time.
pub const DEFAULT_POLICY_YAML: &str = include_str!("../../policies/segment.yaml");

type Result<T> = std::result::Result<T, LoadError>;

fn err(kind: LoadErrorKind) -> LoadError {
    LoadError::new(kind)
}

impl Policy {
    /// Parses, validates and compiles a policy document.
    ///
    /// # Examples
    ///
    /// ```
    /// let text = regionfence::DEFAULT_POLICY_YAML.replace("jurisdiction: eu\n", "jurisdiction: euu\n");
    /// let err = regionfence::Policy::from_yaml(&text).unwrap_err();
    /// assert!(err.to_string().contains("unknown group `euu`"), "{err}");
    /// assert!(err.to_string().contains("did you mean `eu`?"), "{err}");
    /// assert!(err.location().is_some());
    /// ```
    pub fn from_yaml(text: &str) -> Result<Policy> {
        Policy::from_yaml_with(text, &CompileOptions::default())
    }

    /// [`Policy::from_yaml`] with options: the date the policy is evaluated at, which
    /// decides which exemptions apply.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{CompileOptions, Date, Policy};
    /// let text = format!(
    ///     "{}exemptions:\n  - {{id: amp-us, region: eu-west, destination: amplitude, endpoint: us,\n     \
    ///      justification: a signed transfer agreement, owner: dpo@example.com, expires: 2026-06-30}}\n",
    ///     regionfence::DEFAULT_POLICY_YAML
    /// );
    /// let at = |day: &str| CompileOptions::new().as_of(day.parse::<Date>().unwrap());
    /// let policy = Policy::from_yaml_with(&text, &at("2026-06-30")).unwrap();
    /// assert!(policy.deliver("eu-west", "amplitude", Some("us")).is_allowed());
    /// // The day after it expires, and without a date, the rule stands.
    /// let policy = Policy::from_yaml_with(&text, &at("2026-07-01")).unwrap();
    /// assert!(!policy.deliver("eu-west", "amplitude", Some("us")).is_allowed());
    /// assert!(!Policy::from_yaml(&text).unwrap().deliver("eu-west", "amplitude", Some("us")).is_allowed());
    /// ```
    pub fn from_yaml_with(text: &str, options: &CompileOptions) -> Result<Policy> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(err(LoadErrorKind::TooLarge {
                size: text.len(),
                limit: MAX_POLICY_BYTES,
            }));
        }
        let document: Document = crate::yaml::from_str(text)
            .map_err(|e| err(LoadErrorKind::Syntax { message: e.message }).at(e.location))?;
        Policy::compile_with(document, options).map_err(|e| {
            let location = locate::locate(text, &e);
            e.at(location)
        })
    }

    /// The embedded default policy: Segment's Regional Segment rules of October 2022
    /// (`policies/segment.yaml`).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let policy = Policy::default_policy();
    /// assert_eq!(policy.name(), "segment-regional-2022");
    /// assert!(policy.ingest("eu-west", "ios", "events.eu1.segmentapis.com").is_allowed());
    /// assert!(!policy.ingest("eu-west", "ios", "api.segment.io").is_allowed());
    /// ```
    pub fn default_policy() -> Policy {
        match Policy::default_policy_with(&CompileOptions::default()) {
            Ok(policy) => policy,
            // INVARIANT: the embedded text is loaded by the test suite on every build; this
            // arm only exists so a broken build fails closed (an empty policy denies all).
            Err(_) => Policy::empty(),
        }
    }

    /// The embedded default policy evaluated with `options` (the date its exemptions are
    /// evaluated at), as the command line and the gateway load it.
    ///
    /// ```
    /// use regionfence::{CompileOptions, Policy};
    /// let options = CompileOptions::new().as_of("2026-06-30".parse().unwrap());
    /// let policy = Policy::default_policy_with(&options).unwrap();
    /// assert_eq!(policy.digest(), Policy::default_policy().digest());
    /// ```
    pub fn default_policy_with(options: &CompileOptions) -> Result<Policy> {
        // The compiled form saves the YAML parse; it is used only when it was made from the
        // very text embedded here, so the answers are the YAML's either way.
        match Policy::default_from_compiled_with(options) {
            Some(policy) => Ok(policy),
            None => Policy::from_yaml_with(DEFAULT_POLICY_YAML, options),
        }
    }

    /// Validates and compiles a document already in memory. A name listed twice in one list
    /// is refused; the compiled policy keeps the document with its set-like lists sorted, so
    /// their order in `document` counts for nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// let mut document = Policy::default_policy().document().clone();
    /// let policy = Policy::compile(document.clone()).unwrap();
    /// assert!(policy.connect("eu-west", "redshift", "3.251.148.97").is_allowed());
    /// document.version = 2;
    /// assert!(Policy::compile(document).is_err());
    /// ```
    pub fn compile(document: Document) -> Result<Policy> {
        Policy::compile_with(document, &CompileOptions::default())
    }

    /// [`Policy::compile`] with options (see [`CompileOptions`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::{CompileOptions, Policy};
    /// let document = Policy::default_policy().document().clone();
    /// let options = CompileOptions::new().as_of("2026-01-31".parse().unwrap());
    /// let policy = Policy::compile_with(document, &options).unwrap();
    /// assert_eq!(policy.as_of().unwrap().to_string(), "2026-01-31");
    /// ```
    pub fn compile_with(mut document: Document, options: &CompileOptions) -> Result<Policy> {
        let mut empty = Policy::empty();
        empty.as_of = options.as_of;
        let mut compiler = Compiler {
            policy: empty,
            provider_names: NameMap::default(),
        };
        compiler.run(&document)?;
        // Valid, so no set-like list names anything twice: each is now kept in its one order.
        document.sort_sets();
        compiler.policy.document = document;
        Ok(compiler.policy)
    }

    /// A policy that knows nothing, so denies everything.
    fn empty() -> Policy {
        let identity = fresh_identity();
        Policy {
            identity,
            document: Document::empty(),
            clouds: Table::new(identity),
            providers: vec![],
            groups: Table::new(identity),
            kinds: Table::new(identity),
            sources: Table::new(identity),
            source_regions: BitTable::default(),
            support: Grid::default(),
            regions: Table::new(identity),
            default_region: RegionId(u32::MAX, identity),
            ingestions: Table::new(identity),
            hosts: Table::new(identity),
            locations: Table::new(identity),
            destinations: Table::new(identity),
            destination_regions: BitTable::default(),
            default_endpoints: Grid::default(),
            stores: Table::new(identity),
            as_of: None,
            exemptions: Table::new(identity),
            active_exemptions: Box::new([]),
        }
    }
}

impl Document {
    /// A document with nothing in it.
    fn empty() -> Document {
        Document {
            version: 1,
            name: "empty".into(),
            description: None,
            cloud_regions: vec![],
            groups: vec![],
            source_kinds: vec![],
            regions: vec![],
            sources: vec![],
            destinations: vec![],
            stores: vec![],
            exemptions: vec![],
        }
    }
}

/// How a policy is compiled.
///
/// The library never reads a clock: the date a policy is evaluated at is given here. An
/// exemption applies on every day up to and including its `expires` day; a policy compiled
/// without a date applies no exemption at all (its rules stand as written).
///
/// # Examples
///
/// ```
/// use regionfence::CompileOptions;
/// let options = CompileOptions::new().as_of("2026-06-30".parse().unwrap());
/// assert_eq!(options.as_of.unwrap().to_string(), "2026-06-30");
/// assert_eq!(CompileOptions::default().as_of, None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompileOptions {
    /// The date the policy is evaluated at; `None`: no exemption applies.
    pub as_of: Option<Date>,
}

impl CompileOptions {
    /// No date: no exemption applies.
    pub fn new() -> CompileOptions {
        CompileOptions::default()
    }

    /// Evaluates the policy at `date`.
    pub fn as_of(mut self, date: Date) -> CompileOptions {
        self.as_of = Some(date);
        self
    }
}

/// The policy being built, and the name table only compilation needs.
struct Compiler {
    policy: Policy,
    provider_names: NameMap,
}

impl Compiler {
    /// Every step, in dependency order: each reads only what earlier steps built.
    fn run(&mut self, document: &Document) -> Result<()> {
        if document.version != 1 {
            return Err(err(LoadErrorKind::UnsupportedVersion {
                found: document.version,
            }));
        }
        for (what, count) in [
            ("cloud_regions", document.cloud_regions.len()),
            ("groups", document.groups.len()),
            ("source_kinds", document.source_kinds.len()),
            ("regions", document.regions.len()),
            ("sources", document.sources.len()),
            ("destinations", document.destinations.len()),
            ("stores", document.stores.len()),
            ("exemptions", document.exemptions.len()),
        ] {
            checks::check_count(what, count)?;
        }
        self.groups(document)?;
        self.cloud_regions(document)?;
        self.source_kinds(document)?;
        self.regions(document)?;
        self.failover_targets(document)?;
        self.sources(document)?;
        self.destinations(document)?;
        self.stores(document)?;
        self.exemptions(document)
    }
}
