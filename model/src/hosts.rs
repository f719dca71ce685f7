//! The model's reading of raw hosts, written from the README's "Hosts" paragraph (and its
//! "Limits"), without calling the crate's normaliser.

use regionfence::document::Document;
use regionfence::limits::{MAX_HOST_INPUT_BYTES, MAX_HOST_NAME_BYTES};

/// What a raw host is, once normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawHost {
    /// A well-formed host name, to be compared exactly.
    Name(String),
    /// An IP literal or a non-default port: `unknown-host` whatever the policy lists.
    Unknown,
    /// Not a host name at all: `malformed-host`.
    Malformed,
}

/// README, Hosts, transcribed step by step: "removing a leading scheme — a letter, then
/// letters, digits, `+`, `-` or `.`, then `://` — which must be `http` or `https` in any case
/// (another scheme is malformed); cutting everything from the first `/`, `?` or `#`;
/// removing the port after the last `:` when it is the scheme's default (`443` for https,
/// `80` for http, either when there is no scheme); removing one trailing dot; lower-casing
/// ASCII", then the checks "in order".
pub fn normalise(raw: &str) -> RawHost {
    if raw.len() > MAX_HOST_INPUT_BYTES {
        return RawHost::Malformed;
    }
    let (default_ports, rest): (&[&str], &str) = match leading_scheme(raw) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (&["443"], rest),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (&["80"], rest),
        Some(_) => return RawHost::Malformed,
        None => (&["443", "80"], raw),
    };
    let authority = match rest.find(['/', '?', '#']) {
        Some(i) => &rest[..i],
        None => rest,
    };
    let (name, port) = match authority.rfind(':') {
        Some(i) if default_ports.contains(&&authority[i + 1..]) => (&authority[..i], None),
        Some(i) => (&authority[..i], Some(&authority[i + 1..])),
        None => (authority, None),
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();

    // "In order:"
    // "userinfo (`@` before the path) is `malformed-host`";
    if authority.contains('@') {
        return RawHost::Malformed;
    }
    // "a leading `[`, or more than one `:` with a non-default port, is an IP literal";
    if authority.starts_with('[') || (port.is_some() && name.contains(':')) {
        return RawHost::Unknown;
    }
    if let Some(port) = port {
        // "a port that is empty or not all digits is `malformed-host`; any other
        // non-default port is `unknown-host`";
        return if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) {
            RawHost::Malformed
        } else {
            RawHost::Unknown
        };
    }
    // "then an empty name, a wildcard, a character outside the alphabet (…) and a bad label
    // are `malformed-host`";
    if !host_name_syntax(&name) {
        return RawHost::Malformed;
    }
    // "a name whose last label is numeric or `0x`-hex is an IP literal (`unknown-host`)".
    let last = name.rsplit('.').next().unwrap_or(&name);
    let numeric = last.chars().all(|c| c.is_ascii_digit());
    // `0x` alone counts, as URL parsers read it (the number 0); no policy can list such a
    // name, so the choice is not observable.
    let hex = last.starts_with("0x") && last[2..].chars().all(|c| c.is_ascii_hexdigit());
    if numeric || hex {
        return RawHost::Unknown;
    }
    RawHost::Name(name)
}

/// A leading URI scheme and what follows its `://`.
fn leading_scheme(raw: &str) -> Option<(&str, &str)> {
    let i = raw.find("://")?;
    let scheme = &raw[..i];
    let well_formed = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    well_formed.then(|| (scheme, &raw[i + 3..]))
}

/// "a host name of `a-z 0-9 - .` labels (1–63 bytes, no leading or trailing `-`, at most
/// 253 bytes in all)".
pub fn host_name_syntax(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_HOST_NAME_BYTES
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// Whether `name` is a bare host name as a policy lists them.
pub fn is_bare_host(name: &str) -> bool {
    normalise(name) == RawHost::Name(name.to_string())
}

/// Every ingestion host a document lists, in document order (with repeats).
pub fn ingestion_hosts(doc: &Document) -> Vec<&str> {
    doc.regions
        .iter()
        .flat_map(|r| &r.ingestion)
        .flat_map(|i| &i.hosts)
        .map(String::as_str)
        .collect()
}
