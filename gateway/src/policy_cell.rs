//! The policy in force and its atomic replacement: a reload reads, compiles and audits the
//! new policy and swaps it in only when all of that succeeds; a request holds the policy it
//! started with until it is answered.

use arc_swap::ArcSwap;
use regionfence::Policy;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A compiled, audited policy and what the gateway reports of it.
#[derive(Debug)]
pub struct LoadedPolicy {
    /// The compiled policy.
    pub policy: Policy,
    /// The policy's `name`.
    pub name: String,
    /// The policy document's `version`.
    pub version: u32,
    /// The policy's content digest ([`Policy::digest`]): the same digest decision records,
    /// `audit` and `diff` name, so a decision the gateway made can be matched to its policy.
    pub digest: Option<String>,
    /// The tracking gatekeeper's names as this policy's ids, looked up once for it.
    pub(crate) ids: std::sync::OnceLock<crate::tracking::Ids>,
}

impl LoadedPolicy {
    /// Wraps a compiled policy.
    pub fn new(policy: Policy) -> LoadedPolicy {
        LoadedPolicy {
            name: policy.name().to_string(),
            version: policy.document().version,
            digest: Some(policy.digest()),
            ids: std::sync::OnceLock::new(),
            policy,
        }
    }

    /// `name@version#digest12` (the digest's first 12 hex digits), as answers name the
    /// policy; the JSON view has the whole digest.
    pub fn label(&self) -> String {
        match &self.digest {
            Some(d) => format!("{}@{}#{}", self.name, self.version, d.get(..12).unwrap_or(d)),
            None => format!("{}@{}", self.name, self.version),
        }
    }

    /// The policy as JSON shows it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"name": self.name, "version": self.version, "digest": self.digest})
    }
}

/// What a policy must know for the gateway's configuration to make sense with it.
#[derive(Debug, Clone, Default)]
pub struct Requirements {
    /// The regions write keys map to.
    pub regions: Vec<String>,
    /// The hosts the gateway serves as.
    pub hosts: Vec<String>,
    /// The source kind of unknown libraries.
    pub default_kind: Option<String>,
}

/// The policy in force, swapped atomically on reload.
pub struct PolicyCell {
    current: ArcSwap<LoadedPolicy>,
    path: Option<PathBuf>,
    requirements: Requirements,
    reloading: Mutex<()>,
}

impl PolicyCell {
    /// Loads the first policy (from `path`, or the embedded default); an error when it does
    /// not load, fails its audit or does not fit the requirements.
    pub fn open(path: Option<&Path>, requirements: Requirements) -> Result<PolicyCell, String> {
        let first = load(path, &requirements)?;
        Ok(PolicyCell {
            current: ArcSwap::from_pointee(first),
            path: path.map(Path::to_path_buf),
            requirements,
            reloading: Mutex::new(()),
        })
    }

    /// The policy in force. A request keeps the `Arc` it got for its whole life.
    pub fn current(&self) -> Arc<LoadedPolicy> {
        self.current.load_full()
    }

    /// Holds off every reload while the guard lives (a reload in progress waits on it).
    #[cfg(test)]
    pub(crate) fn hold_reloads(&self) -> std::sync::MutexGuard<'_, ()> {
        self.reloading
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads, compiles and audits the policy file again and swaps it in; on any failure the
    /// policy in force stays and the error says why.
    pub fn reload(&self) -> Result<Arc<LoadedPolicy>, String> {
        // Reloads run one at a time, so two cannot interleave read and swap.
        let _one_at_a_time = self
            .reloading
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = Arc::new(load(self.path.as_deref(), &self.requirements)?);
        self.current.store(Arc::clone(&next));
        Ok(next)
    }
}

/// Loads, compiles and audits one policy and checks it against the requirements.
pub fn load(path: Option<&Path>, requirements: &Requirements) -> Result<LoadedPolicy, String> {
    // Evaluated at today's date (UTC), so exemptions apply through their `expires` day; a
    // reload on a later day re-evaluates them.
    let options = regionfence::CompileOptions::new().as_of(regionfence::cli::today_utc());
    let policy = match path {
        Some(path) => regionfence::Policy::from_path(path, &options).map_err(file_error)?,
        None => regionfence::Policy::default_policy_with(&options).map_err(|e| e.to_string())?,
    };
    // A policy too large to audit is refused like one that fails its audit.
    let report = regionfence::audit::audit(&policy).map_err(|e| e.to_string())?;
    if !report.passed() {
        let violated: Vec<String> = report
            .invariants
            .iter()
            .filter(|i| i.status != regionfence::audit::Status::Proved)
            .map(|i| {
                let example = i
                    .counterexamples
                    .first()
                    .map_or(String::new(), |c| format!(" (e.g. {})", c.command));
                format!("{}{example}", i.invariant)
            })
            .collect();
        return Err(format!(
            "policy `{}` fails its audit: violated {}",
            policy.name(),
            violated.join("; ")
        ));
    }
    for region in &requirements.regions {
        if policy.region_id(region).is_none() {
            return Err(format!(
                "policy `{}` has no region `{region}`, which a write key maps to",
                policy.name()
            ));
        }
    }
    for host in &requirements.hosts {
        if let Err(reason) = policy.host_id(host) {
            return Err(format!(
                "policy `{}` does not list served host `{host}` ({})",
                policy.name(),
                reason.code().as_str()
            ));
        }
    }
    if let Some(kind) = &requirements.default_kind {
        if policy.source_id(kind).is_none() {
            return Err(format!(
                "policy `{}` has no source kind `{kind}` (the default source kind)",
                policy.name()
            ));
        }
    }
    Ok(LoadedPolicy::new(policy))
}

/// A policy file that did not load, said without quoting the file: which file, where in it
/// and what kind of fault, never the parser's words (they quote the text: a `policy:` that
/// names the wrong file, `/etc/shadow` say, must not have its lines sent to whoever can ask
/// for a reload, nor to the log). A file that cannot be read is said as the system says it,
/// which quotes nothing of it.
fn file_error(e: regionfence::cli::PolicyFileError) -> String {
    use regionfence::cli::PolicyFileError;
    match e {
        PolicyFileError::Read(read) => read.to_string(),
        PolicyFileError::Invalid { path, error } => {
            let at = error.location().map_or(String::new(), |l| format!(" at {l}"));
            format!(
                "{}: not a valid policy: {}{at} (`regionfence --policy FILE audit` shows the whole message)",
                regionfence::text::bounded(&path.to_string_lossy(), 256),
                load_error_code(error.kind())
            )
        }
        _ => "the policy file could not be loaded".to_string(),
    }
}

/// A stable code for each kind of policy fault, naming nothing from the file.
fn load_error_code(kind: &regionfence::LoadErrorKind) -> &'static str {
    use regionfence::LoadErrorKind as K;
    match kind {
        K::TooLarge { .. } => "policy-too-large",
        K::TooManyEntries { .. } => "too-many-entries",
        K::Syntax { .. } => "syntax",
        K::UnsupportedVersion { .. } => "unsupported-version",
        K::InvalidId { .. } => "invalid-id",
        K::Duplicate { .. } => "duplicate-id",
        K::Repeated { .. } => "repeated-name",
        K::UnknownReference { .. } => "unknown-reference",
        K::MalformedCidr { .. } => "malformed-cidr",
        K::CidrHostBits { .. } => "cidr-host-bits",
        K::MalformedHost { .. } => "malformed-host",
        K::MalformedCountry { .. } => "malformed-country",
        K::DefaultRegion { .. } => "default-region",
        K::DefaultIngestion { .. } => "default-ingestion",
        K::LocationClaimedTwice { .. } => "location-claimed-twice",
        K::Empty { .. } => "empty-list",
        K::AllowlistMissing { .. } => "allowlist-missing",
        K::CatalogOnlyKindNotListed { .. } => "catalog-only-kind-not-listed",
        K::InvalidExemption { .. } => "invalid-exemption",
        K::AllowlistNotWarehouse { .. } => "allowlist-not-warehouse",
        K::TooManyTableCells { .. } => "too-many-table-cells",
        K::TooManyMemberships { .. } => "too-many-memberships",
        _ => "invalid-policy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
    }

    #[test]
    fn the_default_policy_loads_and_names_itself() {
        let cell = PolicyCell::open(None, Requirements::default()).unwrap();
        let p = cell.current();
        assert_eq!(p.name, "segment-regional-2022");
        assert_eq!(p.version, 1);
        assert_eq!(
            p.label(),
            format!("segment-regional-2022@1#{}", &p.policy.digest()[..12])
        );
        assert_eq!(p.digest.as_deref(), Some(p.policy.digest().as_str()));
    }

    #[test]
    fn a_policy_failing_its_audit_is_refused() {
        let e = load(
            Some(&repo("policies/broken/eu-host-under-us-west.yaml")),
            &Requirements::default(),
        )
        .unwrap_err();
        assert!(e.contains("fails its audit"), "{e}");
        let e = load(
            Some(&repo("policies/invalid/does-not-exist.yaml")),
            &Requirements::default(),
        )
        .unwrap_err();
        assert!(e.contains("does-not-exist"), "{e}");
    }

    #[test]
    fn a_policy_not_knowing_the_configuration_is_refused() {
        let base = repo("policies/broken/base.yaml");
        for (req, needle) in [
            (
                Requirements {
                    regions: vec!["ap-south".into()],
                    ..Default::default()
                },
                "ap-south",
            ),
            (
                Requirements {
                    hosts: vec!["in.au1.segmentapis.com".into()],
                    ..Default::default()
                },
                "in.au1",
            ),
            (
                Requirements {
                    default_kind: Some("ios".into()),
                    ..Default::default()
                },
                "ios",
            ),
        ] {
            let e = load(Some(&base), &req).unwrap_err();
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn a_failed_reload_keeps_the_policy_in_force() {
        let dir = std::env::temp_dir().join(format!("rf-cell-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("policy.yaml");
        std::fs::copy(repo("policies/broken/base.yaml"), &file).unwrap();
        let cell = PolicyCell::open(Some(&file), Requirements::default()).unwrap();
        assert_eq!(cell.current().name, "broken-base");
        std::fs::copy(repo("policies/broken/eu-host-under-us-west.yaml"), &file).unwrap();
        assert!(cell.reload().is_err());
        assert_eq!(cell.current().name, "broken-base");
        std::fs::write(&file, "version: 1\nname: [").unwrap();
        let e = cell.reload().unwrap_err();
        assert!(e.contains("syntax at line 2, column"), "{e}");
        assert_eq!(cell.current().name, "broken-base");
        let text = std::fs::read_to_string(repo("policies/broken/base.yaml")).unwrap();
        std::fs::write(&file, text.replace("name: broken-base", "name: renamed")).unwrap();
        assert_eq!(cell.reload().unwrap().name, "renamed");
        assert_eq!(cell.current().name, "renamed");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_file_that_is_no_policy_is_not_quoted() {
        let dir = std::env::temp_dir().join(format!("rf-cell-shadow-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("shadow");
        let secret = "root:*:20228:0:99999:7:::";
        for text in [
            format!("{secret}\ndaemon:*:20228:0:99999:7:::\n"),
            format!("{secret}: x\n"),
            format!("version: 1\nname: \"{secret}\"\nregions: 5\n"),
            format!("version: 1\nname: x\n{secret}: [1]\n"),
            format!("[\"{secret}\"]\n"),
        ] {
            std::fs::write(&file, &text).unwrap();
            let e = load(Some(&file), &Requirements::default()).unwrap_err();
            assert!(!e.contains("root") && !e.contains("20228"), "{text:?}: {e}");
            assert!(e.contains(&*file.to_string_lossy()), "{e}");
            assert!(e.contains("not a valid policy: "), "{e}");
        }
        std::fs::write(&file, format!("version: 1\nname: x\n{secret}: [1]\n")).unwrap();
        let e = load(Some(&file), &Requirements::default()).unwrap_err();
        assert!(e.contains(" at line 3, column 1 "), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
