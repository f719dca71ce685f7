//! The small checks every entry goes through: id shape, list sizes, references, hosts,
//! country codes.

use super::{err, Result};
use crate::error::{LoadError, LoadErrorKind};
use crate::host::normalize_host;
use crate::limits::MAX_ENTRIES;
use crate::names::NameMap;
use crate::policy::{Table, TableId};

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

/// A list of names: within the entry limit, and no name twice (a repeated name is most often
/// a slip for another one, and it is never needed).
pub(super) fn check_list(at: &str, items: &[String]) -> Result<()> {
    check_count(at, items.len())?;
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    for item in items {
        if !seen.insert(item.as_str()) {
            return Err(err(LoadErrorKind::Repeated {
                at: at.to_string(),
                name: item.clone(),
            }));
        }
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

/// The id of a name that must be in a name table (a provider, say).
pub(super) fn look_up_name(
    names: &NameMap,
    what: &'static str,
    name: &str,
    at: impl FnOnce() -> String,
) -> Result<u32> {
    names.get(name).ok_or_else(|| unknown(what, name, at(), names))
}

/// The id of an entry a reference names, or an error with the nearest name.
pub(super) fn look_up<I: TableId, T>(
    table: &Table<I, T>,
    what: &'static str,
    name: &str,
    at: impl FnOnce() -> String,
) -> Result<I> {
    table
        .by_name(name)
        .ok_or_else(|| unknown(what, name, at(), table.names()))
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

/// The officially assigned ISO 3166-1 alpha-2 codes, sorted.
const ISO_3166_ALPHA_2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA",
    "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV",
    "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU",
    "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES",
    "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM",
    "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE",
    "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM",
    "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY",
    "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT",
    "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU",
    "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA",
    "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM",
    "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL",
    "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE",
    "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Whether `country` is an assigned ISO 3166-1 alpha-2 code (`GB`, never `UK`).
pub(super) fn check_country(country: &str, at: impl FnOnce() -> String) -> Result<()> {
    if ISO_3166_ALPHA_2.binary_search(&country).is_ok() {
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
        // Each refusal says why.
        for (bad, why) in [
            ("", "it is empty"),
            ("-a", "separators must stand between letters or digits"),
            ("a._b", "separators must stand between letters or digits"),
            ("a-", "it must not end with a separator"),
            (
                "aB",
                "use lower-case letters, digits, and `-`, `_` or `.` between them",
            ),
        ] {
            assert_eq!(valid_id(bad), Err(why), "{bad:?}");
        }
    }

    #[test]
    fn countries_are_assigned_iso_codes() {
        assert!(ISO_3166_ALPHA_2.windows(2).all(|w| w[0] < w[1]));
        for good in ["GB", "IE", "US", "NO"] {
            assert!(check_country(good, String::new).is_ok());
        }
        for bad in ["UK", "EU", "ZZ", "gb", "GBR", ""] {
            assert!(check_country(bad, String::new).is_err(), "{bad}");
        }
    }
}
