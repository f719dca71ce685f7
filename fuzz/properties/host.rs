//! `host`: arbitrary strings through host normalisation and look-up.
//!
//! The library's normalisation agrees with the README's rules ([`hosts::normalise`]),
//! including whether a refusal is `malformed-host` or `unknown-host`; what it accepts is a
//! bare host name, taken from the input, and normalising it again (or any accepted spelling
//! of it) gives it back; and against the default policy, only a string whose normalised
//! form is exactly a listed host maps to that host, and only a host of the workspace's own
//! region admits an `ingest`.

use regionfence::{normalize_host, ReasonCode};
use regionfence_model::hosts::{self, RawHost};

/// The property.
pub fn check(data: &[u8]) -> Result<(), String> {
    let raw = String::from_utf8_lossy(data);
    check_host(&raw)
}

/// The property for one raw host.
pub fn check_host(raw: &str) -> Result<(), String> {
    let lib = normalize_host(raw);
    let spec = hosts::normalise(raw);
    match (&lib, &spec) {
        (Ok(normal), RawHost::Name(want)) if normal.as_str() == want => {}
        (Err(e), RawHost::Unknown) if e.is_unknown_rather_than_malformed() => {}
        (Err(e), RawHost::Malformed) if !e.is_unknown_rather_than_malformed() => {}
        _ => {
            return Err(format!(
                "normalize_host({raw:?}) = {lib:?}, the README's rules say {spec:?}"
            ))
        }
    }

    if let Ok(normal) = lib {
        let name = normal.as_str();
        if !hosts::is_bare_host(name) {
            return Err(format!(
                "normalize_host({raw:?}) = {name:?}, not a bare host name"
            ));
        }
        // The name comes from the input, not from anywhere else.
        if !raw.to_ascii_lowercase().contains(name) {
            return Err(format!(
                "normalize_host({raw:?}) = {name:?}, which is not in the input"
            ));
        }
        // Normalising is idempotent, and every accepted spelling of a name gives it back.
        let spellings = [
            name.to_string(),
            format!("{name}."),
            name.to_ascii_uppercase(),
            format!("https://{name}:443/v1?x#y"),
            format!("HTTP://{name}.:80"),
        ];
        for spelling in spellings {
            match normalize_host(&spelling) {
                Ok(again) if again == normal => {}
                other => {
                    return Err(format!(
                        "normalize_host({raw:?}) = {name:?}, but normalize_host({spelling:?}) = {other:?}"
                    ))
                }
            }
        }
    }

    // Look-up against the default policy: exact names only.
    let policy = super::default_policy();
    let doc = policy.document();
    let listed = match &spec {
        RawHost::Name(n) => Some(n).filter(|n| hosts::ingestion_hosts(doc).contains(&n.as_str())),
        _ => None,
    };
    match (policy.host_id(raw), listed) {
        (Ok(id), Some(name)) => {
            if policy.host_id(name) != Ok(id) {
                return Err(format!("host_id({raw:?}) is not host_id({name:?})"));
            }
        }
        (Ok(id), None) => return Err(format!("host_id({raw:?}) = {id:?}, but it names no listed host")),
        (Err(reason), Some(name)) => {
            return Err(format!(
                "host_id({raw:?}) refuses the listed host {name:?}: {reason:?}"
            ))
        }
        (Err(reason), None) => {
            let want = match spec {
                RawHost::Malformed => ReasonCode::MalformedHost,
                _ => ReasonCode::UnknownHost,
            };
            if reason.code() != want {
                return Err(format!(
                    "host_id({raw:?}) refuses with {}, not {want}",
                    reason.code()
                ));
            }
        }
    }
    for region in &doc.regions {
        let own = listed.is_some_and(|n| region.ingestion.iter().any(|i| i.hosts.contains(n)));
        let decision = policy.ingest(&region.id, "javascript", raw);
        if decision.is_allowed() != own {
            return Err(format!(
                "ingest({}, javascript, {raw:?}) = {:?}; its own host: {own}",
                region.id,
                decision.verdict()
            ));
        }
    }
    Ok(())
}
