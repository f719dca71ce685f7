//! Host normalisation: what a gateway saw (scheme, port, path, case, trailing dot) → a bare
//! host name, without allocating.

use crate::limits::{MAX_HOST_INPUT_BYTES, MAX_HOST_NAME_BYTES};
use std::fmt;

/// Why a raw host is not a host name the policy could know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostError {
    /// Nothing (or only a scheme, a port or a path) was given.
    Empty,
    /// Longer than the input or host-name limit.
    TooLong,
    /// A scheme other than `http` or `https`.
    Scheme,
    /// Credentials before an `@`.
    Userinfo,
    /// A port that is not the scheme's default, or not a port at all.
    Port,
    /// An IPv4 or IPv6 literal; the policy names hosts, never addresses.
    IpLiteral,
    /// A `*` wildcard.
    Wildcard,
    /// A byte outside `a-z`, `0-9`, `-`, `.` (after lower-casing): white space,
    /// percent-encoding, non-ASCII look-alikes, NUL, …
    Character,
    /// An empty label, a label over 63 bytes, or one starting or ending with `-`.
    Label,
}

impl HostError {
    /// Whether the input was a well-formed address that simply is not a host name the
    /// policy lists (reported as `unknown-host` rather than `malformed-host`).
    pub fn is_unknown_rather_than_malformed(self) -> bool {
        matches!(self, HostError::IpLiteral | HostError::Port)
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HostError::Empty => "it is empty",
            HostError::TooLong => "it is too long",
            HostError::Scheme => "only http and https schemes are understood",
            HostError::Userinfo => "it carries credentials before `@`",
            HostError::Port => "its port is not the scheme's default",
            HostError::IpLiteral => "it is an IP literal, and policies name hosts",
            HostError::Wildcard => "it is a wildcard",
            HostError::Character => "it has a character no host name has",
            HostError::Label => "a label is empty, too long, or starts or ends with `-`",
        })
    }
}

/// A normalised host name, held inline (no allocation).
#[derive(Clone, Copy)]
pub struct NormalHost {
    bytes: [u8; MAX_HOST_NAME_BYTES],
    len: usize,
}

impl NormalHost {
    /// The bare, lower-case host name.
    pub fn as_str(&self) -> &str {
        // INVARIANT: only ASCII bytes are ever written into `bytes[..len]`.
        self.bytes
            .get(..self.len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

impl fmt::Debug for NormalHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NormalHost").field(&self.as_str()).finish()
    }
}

impl PartialEq for NormalHost {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for NormalHost {}

/// Normalises a host as a gateway or a configuration may carry it.
///
/// Accepted around the name: an `http://` or `https://` scheme (any case), the scheme's
/// default port (`:443` for https, `:80` for http, either without a scheme), a path, query
/// or fragment, upper case, and one trailing dot. Everything else is an error: userinfo,
/// other ports, IP literals, wildcards, percent-encoding, white space, non-ASCII.
///
/// # Examples
///
/// ```
/// use regionfence::{normalize_host, HostError};
/// let h = normalize_host("HTTPS://Events.EU1.SegmentAPIs.com:443/v1/").unwrap();
/// assert_eq!(h.as_str(), "events.eu1.segmentapis.com");
/// assert_eq!(normalize_host("events.eu1.segmentapis.com.").unwrap().as_str(), "events.eu1.segmentapis.com");
/// assert_eq!(normalize_host("user@api.segment.io"), Err(HostError::Userinfo));
/// assert_eq!(normalize_host("10.0.0.1"), Err(HostError::IpLiteral));
/// assert_eq!(normalize_host("*.segment.io"), Err(HostError::Wildcard));
/// ```
pub fn normalize_host(raw: &str) -> Result<NormalHost, HostError> {
    if raw.len() > MAX_HOST_INPUT_BYTES {
        return Err(HostError::TooLong);
    }
    let (rest, default_ports): (&str, &[&str]) = match raw.find("://") {
        Some(i) => {
            let scheme = raw.get(..i).unwrap_or("");
            let rest = raw.get(i + 3..).unwrap_or("");
            if scheme.eq_ignore_ascii_case("https") {
                (rest, &["443"])
            } else if scheme.eq_ignore_ascii_case("http") {
                (rest, &["80"])
            } else {
                return Err(HostError::Scheme);
            }
        }
        None => (raw, &["443", "80"]),
    };
    let authority = match rest.find(['/', '?', '#']) {
        Some(i) => rest.get(..i).unwrap_or(""),
        None => rest,
    };
    if authority.contains('@') {
        return Err(HostError::Userinfo);
    }
    if authority.starts_with('[') {
        return Err(HostError::IpLiteral);
    }
    let name = match authority.rfind(':') {
        Some(i) => {
            let port = authority.get(i + 1..).unwrap_or("");
            if !default_ports.contains(&port) {
                // Several colons without brackets is an unbracketed IPv6 literal.
                if authority.get(..i).is_some_and(|h| h.contains(':')) {
                    return Err(HostError::IpLiteral);
                }
                return Err(HostError::Port);
            }
            authority.get(..i).unwrap_or("")
        }
        None => authority,
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Err(HostError::Empty);
    }
    if name.len() > MAX_HOST_NAME_BYTES {
        return Err(HostError::TooLong);
    }
    let mut out = NormalHost {
        bytes: [0; MAX_HOST_NAME_BYTES],
        len: 0,
    };
    for (slot, byte) in out.bytes.iter_mut().zip(name.bytes()) {
        *slot = match byte {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' => byte,
            b'A'..=b'Z' => byte.to_ascii_lowercase(),
            b'*' => return Err(HostError::Wildcard),
            _ => return Err(HostError::Character),
        };
    }
    out.len = name.len();
    let normal = out.as_str();
    let mut last_label = "";
    for label in normal.split('.') {
        if label.is_empty() || label.len() > 63 || label.starts_with('-') || label.ends_with('-') {
            return Err(HostError::Label);
        }
        last_label = label;
    }
    // A numeric last label makes the whole name an IPv4 address in some notation
    // (dotted, octal, hex, or a single integer), as URL parsers read it.
    if last_label.bytes().all(|b| b.is_ascii_digit())
        || (last_label.starts_with("0x") && last_label.bytes().skip(2).all(|b| b.is_ascii_hexdigit()))
    {
        return Err(HostError::IpLiteral);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! normal {
        ($raw:expr => $want:expr) => {
            assert_eq!(
                normalize_host($raw).map(|h| h.as_str().to_string()),
                Ok($want.to_string()),
                "{:?}",
                $raw
            );
        };
    }
    macro_rules! refused {
        ($raw:expr => $err:expr) => {
            assert_eq!(normalize_host($raw), Err($err), "{:?}", $raw);
        };
    }

    #[test]
    fn accepted_forms() {
        normal!("api.segment.io" => "api.segment.io");
        normal!("API.Segment.IO" => "api.segment.io");
        normal!("api.segment.io." => "api.segment.io");
        normal!("https://api.segment.io/v1" => "api.segment.io");
        normal!("https://api.segment.io:443/v1/batch?x=1" => "api.segment.io");
        normal!("http://api.segment.io:80" => "api.segment.io");
        normal!("HTTPS://events.eu1.segmentapis.com/v1/" => "events.eu1.segmentapis.com");
        normal!("events.eu1.segmentapis.com/v1/" => "events.eu1.segmentapis.com");
        normal!("api.segment.io:443" => "api.segment.io");
        normal!("api.segment.io#frag" => "api.segment.io");
    }

    #[test]
    fn refused_forms() {
        refused!("" => HostError::Empty);
        refused!("https://" => HostError::Empty);
        refused!("." => HostError::Empty);
        refused!("api.segment.io.." => HostError::Label);
        refused!("user:pw@api.segment.io" => HostError::Userinfo);
        refused!("https://api.segment.io@evil.example" => HostError::Userinfo);
        refused!("https://api.segment.io:8443" => HostError::Port);
        refused!("http://api.segment.io:443" => HostError::Port);
        refused!("api.segment.io:" => HostError::Port);
        refused!("ftp://api.segment.io" => HostError::Scheme);
        refused!("3.251.148.97" => HostError::IpLiteral);
        refused!("0x7f.1" => HostError::IpLiteral);
        refused!("2130706433" => HostError::IpLiteral);
        refused!("[::1]" => HostError::IpLiteral);
        refused!("::1" => HostError::IpLiteral);
        refused!("*.segment.io" => HostError::Wildcard);
        refused!("api.segment.io " => HostError::Character);
        refused!(" api.segment.io" => HostError::Character);
        refused!("api%2esegment.io" => HostError::Character);
        refused!("api.segment\u{0131}o" => HostError::Character);
        refused!("аpi.segment.io" => HostError::Character);
        refused!("api.segment.io\0" => HostError::Character);
        refused!("-api.segment.io" => HostError::Label);
        refused!(&format!("{}.io", "a".repeat(64)) => HostError::Label);
        refused!(&"a.".repeat(200) => HostError::TooLong);
        refused!(&"a".repeat(MAX_HOST_INPUT_BYTES + 1) => HostError::TooLong);
    }

    #[test]
    fn normalising_twice_is_normalising_once() {
        for raw in [
            "HTTPS://API.SEGMENT.IO:443/v1",
            "events.eu1.segmentapis.com.",
            "x-y.z",
        ] {
            let once = normalize_host(raw).unwrap();
            let twice = normalize_host(once.as_str()).unwrap();
            assert_eq!(once, twice);
        }
    }
}
