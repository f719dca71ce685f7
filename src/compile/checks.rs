//! The small checks every entry goes through: id shape, list sizes, references, hosts,
//! country codes.

use super::{err, Result};
use crate::error::{LoadError, LoadErrorKind};
use crate::host::normalize_host;
use crate::limits::MAX_ENTRIES;
use crate::names::NameMap;

/// Whether `id` is lower-case words of `[a-z0-9]` joined by single `-`, `_` or `.`.
pub(super) fn valid_id(id: &str) -> std::result::Result<(), &'static str> {
    if id.is_empty() {
        return Err("it is empty");
    }
    if id.len() > 128 {
        return Err("it is longer than 128 bytes");
    }
    let mut previous_separator = true;
    for c in id.chars() {
        match c {
            'a'..='z' | '0'..='9' => previous_separator = false,
            '-' | '_' | '.' if !previous_separator => previous_separator = true,
            '-' | '_' | '.' => return Err("separators must stand between letters or digits"),
            _ => return Err("use lower-case letters, digits, and `-`, `_` or `.` between them"),
        }
    }
    if previous_separator {
        return Err("it must not end with a separator");
    }
    Ok(())
}

pub(super) fn check_id(what: &'static str, id: &str) -> Result<()> {
    valid_id(id).map_err(|why| {
        err(LoadErrorKind::InvalidId {
            what,
            id: id.to_string(),
            why,
        })
    })
}

pub(super) fn check_count(what: &str, count: usize) -> Result<()> {
    if count > MAX_ENTRIES {
        return Err(err(LoadErrorKind::TooManyEntries {
            what: what.to_string(),
            count,
            limit: MAX_ENTRIES,
        }));
    }
    Ok(())
}

pub(super) fn unknown(what: &'static str, name: &str, at: String, names: &NameMap) -> LoadError {
    err(LoadErrorKind::UnknownReference {
        what,
        name: name.to_string(),
        at,
        suggestion: names.nearest(name).map(str::to_string),
    })
}

pub(super) fn look_up(
    names: &NameMap,
    what: &'static str,
    name: &str,
    at: impl FnOnce() -> String,
) -> Result<u32> {
    names.get(name).ok_or_else(|| unknown(what, name, at(), names))
}

pub(super) fn check_bare_host(host: &str, at: impl FnOnce() -> String) -> Result<()> {
    match normalize_host(host) {
        Ok(normal) if normal.as_str() == host => Ok(()),
        Ok(normal) => Err(err(LoadErrorKind::MalformedHost {
            host: host.to_string(),
            at: at(),
            normal: Some(normal.as_str().to_string()),
        })),
        Err(_) => Err(err(LoadErrorKind::MalformedHost {
            host: host.to_string(),
            at: at(),
            normal: None,
        })),
    }
}

pub(super) fn check_country(country: &str, at: impl FnOnce() -> String) -> Result<()> {
    if country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(err(LoadErrorKind::MalformedCountry {
            country: country.to_string(),
            at: at(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(valid_id("eu-west").is_ok());
        assert!(valid_id("a.b_c-1").is_ok());
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "a/b", "a:b", "é"] {
            assert!(valid_id(bad).is_err(), "{bad:?}");
        }
    }
}
