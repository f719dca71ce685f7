//! Hostile spellings of a host: the ways a gateway or an attacker may write a listed host —
//! spellings the README's host rules accept (which must still match it) and spoofs (which
//! must not). One table, for every place that asks about disguised hosts.
//!
//! The first entries, marked [`HostSpelling::core`], are the audit's set: one of each kind
//! of disguise (case, scheme, port, path, suffix and prefix spoofs, userinfo, look-alikes,
//! wildcards, percent-encoding, white space, NUL). The rest vary those kinds further (other
//! schemes and ports, queries, fragments, more look-alike characters, over-long labels), for
//! the property tests and fuzz targets, which also apply several spellings in a row.
//!
//! # Examples
//!
//! ```
//! use regionfence::host_variants::HOST_SPELLINGS;
//! let spellings: Vec<String> = HOST_SPELLINGS.iter().map(|s| s.spell("api.segment.io")).collect();
//! assert!(spellings.contains(&"HTTP://api.segment.io:80".to_string()));
//! assert!(spellings.contains(&"api.segment.io.evil.example".to_string()));
//! ```

/// One way of writing a host.
#[derive(Debug, Clone, Copy)]
pub struct HostSpelling {
    /// What the spelling does, in a few words.
    pub name: &'static str,
    /// Whether it belongs to the core set, one of each kind of disguise.
    pub core: bool,
    spell: fn(&str) -> String,
}

impl HostSpelling {
    /// `host` written this way.
    pub fn spell(&self, host: &str) -> String {
        (self.spell)(host)
    }
}

macro_rules! spelling {
    ($name:literal, $core:literal, $spell:expr) => {
        HostSpelling {
            name: $name,
            core: $core,
            spell: $spell,
        }
    };
}

/// Every spelling: the core set first, then the variations.
pub const HOST_SPELLINGS: &[HostSpelling] = &[
    // The core set.
    spelling!("as listed", true, |h| h.to_string()),
    spelling!("upper case", true, |h| h.to_ascii_uppercase()),
    spelling!("trailing dot", true, |h| format!("{h}.")),
    spelling!("https URL with default port", true, |h| format!(
        "https://{h}:443/v1/batch?x=1"
    )),
    spelling!("upper-case http scheme with default port", true, |h| format!(
        "HTTP://{h}:80"
    )),
    spelling!("path", true, |h| format!("{h}/v1/")),
    spelling!("suffix spoof", true, |h| format!("{h}.evil.example")),
    spelling!("prefix spoof with hyphen", true, |h| format!("evil-{h}")),
    spelling!("prefix spoof", true, |h| format!("evil{h}")),
    spelling!("userinfo", true, |h| format!("user@{h}")),
    spelling!("host as userinfo", true, |h| format!("https://{h}@evil.example")),
    spelling!("non-default port", true, |h| format!("{h}:8443")),
    spelling!("Cyrillic look-alikes", true, |h| h
        .replacen('e', "\u{435}", 1)
        .replacen('a', "\u{430}", 1)),
    spelling!("wildcard", true, |h| format!("*.{h}")),
    spelling!("two trailing dots", true, |h| format!("{h}..")),
    spelling!("percent-encoded dot", true, |h| h.replacen('.', "%2e", 1)),
    spelling!("leading space", true, |h| format!(" {h}")),
    spelling!("trailing NUL", true, |h| format!("{h}\0")),
    spelling!("ftp scheme", true, |h| format!("ftp://{h}")),
    // Case and schemes.
    spelling!("alternating case", false, |h| h
        .chars()
        .enumerate()
        .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
        .collect()),
    spelling!("https scheme", false, |h| format!("https://{h}")),
    spelling!("http scheme", false, |h| format!("http://{h}")),
    spelling!("mixed-case https scheme", false, |h| format!("HtTpS://{h}")),
    spelling!("upper-case URL with query and fragment", false, |h| format!(
        "HTTPS://{}:443/v1/batch?x=1#y",
        h.to_ascii_uppercase()
    )),
    spelling!("http URL with query and fragment", false, |h| format!(
        "HTTP://{h}:80?x#y"
    )),
    spelling!("ws scheme", false, |h| format!("ws://{h}")),
    spelling!("wss scheme", false, |h| format!("wss://{h}")),
    spelling!("file scheme", false, |h| format!("file://{h}")),
    spelling!("scheme with a digit", false, |h| format!("h2://{h}")),
    spelling!("javascript scheme", false, |h| format!("javascript://{h}")),
    spelling!("scheme-relative", false, |h| format!("//{h}")),
    // Ports.
    spelling!("https default port", false, |h| format!("{h}:443")),
    spelling!("http default port", false, |h| format!("{h}:80")),
    spelling!("port with a leading zero", false, |h| format!("{h}:0443")),
    spelling!("empty port", false, |h| format!("{h}:")),
    spelling!("port of letters", false, |h| format!("{h}:abc")),
    spelling!("negative port", false, |h| format!("{h}:-1")),
    spelling!("port out of range", false, |h| format!("{h}:99999")),
    spelling!("port and a space", false, |h| format!("{h}:443 ")),
    spelling!("http port with a leading zero", false, |h| format!("{h}:080")),
    // Paths, queries, fragments.
    spelling!("longer path", false, |h| format!("{h}/v1/batch")),
    spelling!("empty path", false, |h| format!("{h}/")),
    spelling!("URL in the path", false, |h| format!("{h}/a://b")),
    spelling!("userinfo-like path", false, |h| format!("{h}/@evil")),
    spelling!("dot-dot path", false, |h| format!("{h}/..")),
    spelling!("percent-encoded path", false, |h| format!("{h}/%2e")),
    spelling!("query", false, |h| format!("{h}?x=1")),
    spelling!("redirect in the query", false, |h| format!(
        "{h}?next=https://evil.example"
    )),
    spelling!("empty query", false, |h| format!("{h}?")),
    spelling!("fragment", false, |h| format!("{h}#frag")),
    spelling!("empty fragment", false, |h| format!("{h}#")),
    // Suffixes, prefixes, userinfo.
    spelling!("suffix spoof without a dot", false, |h| format!("{h}evil")),
    spelling!("subdomain spoof", false, |h| format!("evil.{h}")),
    spelling!("userinfo with password", false, |h| format!("user:pw@{h}")),
    spelling!("empty userinfo", false, |h| format!("@{h}")),
    spelling!("listed host as userinfo", false, |h| format!(
        "api.segment.io@{h}"
    )),
    spelling!("host before an @", false, |h| format!("{h}@evil.example")),
    spelling!("host as userinfo with a path", false, |h| format!(
        "https://{h}@evil.example/"
    )),
    // Look-alike characters, white space, encodings, brackets.
    spelling!("Cyrillic e", false, |h| h.replacen('e', "\u{435}", 1)),
    spelling!("fullwidth full stop", false, |h| h.replacen('.', "\u{ff0e}", 1)),
    spelling!("dotless i", false, |h| h.replacen('i', "\u{131}", 1)),
    spelling!("trailing tab", false, |h| format!("{h}\t")),
    spelling!("upper-case percent-encoded dot", false, |h| h
        .replacen('.', "%2E", 1)),
    spelling!("empty label", false, |h| h.replacen('.', "..", 1)),
    spelling!("63-byte label in front", false, |h| format!(
        "{}.{h}",
        "a".repeat(63)
    )),
    spelling!("64-byte label in front", false, |h| format!(
        "{}.{h}",
        "a".repeat(64)
    )),
    spelling!("over-long name", false, |h| format!("{}{h}", "a".repeat(250))),
    spelling!("brackets", false, |h| format!("[{h}]")),
    spelling!("quote and open brackets", false, |h| format!(
        "{h}\"{}",
        "[".repeat(40)
    )),
];

#[cfg(test)]
mod tests {
    use super::HOST_SPELLINGS;

    #[test]
    fn names_are_distinct_and_spellings_differ() {
        let host = "events.eu1.segmentapis.com";
        for (i, a) in HOST_SPELLINGS.iter().enumerate() {
            for b in HOST_SPELLINGS.iter().skip(i + 1) {
                assert_ne!(a.name, b.name);
                assert_ne!(a.spell(host), b.spell(host), "{} and {}", a.name, b.name);
            }
        }
    }

    #[test]
    fn the_core_set_comes_first() {
        let core = HOST_SPELLINGS.iter().take_while(|s| s.core).count();
        assert_eq!(core, 19);
        assert!(HOST_SPELLINGS.iter().skip(core).all(|s| !s.core));
    }
}
