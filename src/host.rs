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

/// A normalised host name: borrowed from the input when it was already in normal form
/// (the common case), else held inline. Never allocates.
#[derive(Clone, Copy)]
pub struct NormalHost<'a> {
    form: Form<'a>,
}

// Boxing the inline form would allocate on the hot path; its size is the point.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy)]
enum Form<'a> {
    Borrowed(&'a str),
    Inline {
        bytes: [u8; MAX_HOST_NAME_BYTES],
        len: usize,
    },
}

impl NormalHost<'_> {
    /// The bare, lower-case host name.
    pub fn as_str(&self) -> &str {
        match &self.form {
            Form::Borrowed(s) => s,
            // INVARIANT: only ASCII bytes are ever written into `bytes[..len]`.
            Form::Inline { bytes, len } => bytes
                .get(..*len)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or(""),
        }
    }
}

impl fmt::Debug for NormalHost<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NormalHost").field(&self.as_str()).finish()
    }
}

impl PartialEq for NormalHost<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for NormalHost<'_> {}

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
pub fn normalize_host(raw: &str) -> Result<NormalHost<'_>, HostError> {
    let name = strip_around(raw)?;
    check_name(name)
}

/// Removes what may stand around a host name — scheme, userinfo check, default port, path,
/// one trailing dot — and returns the name as written (not yet checked or lower-cased).
pub(crate) fn strip_around(raw: &str) -> Result<&str, HostError> {
    if raw.len() > MAX_HOST_INPUT_BYTES {
        return Err(HostError::TooLong);
    }
    let bytes = raw.as_bytes();
    // A scheme is a letter, then letters, digits, `+`, `-` or `.`, then `://` (RFC 3986).
    // None of those is a delimiter, so a scheme's `:` is the first delimiter of the input:
    // one scan finds both it and the authority's delimiters.
    let first = next_delimiter(bytes, 0);
    let scheme_len = match first {
        Some(at)
            if bytes.get(at..at + 3) == Some(b"://")
                && bytes.first().is_some_and(u8::is_ascii_alphabetic)
                && bytes.iter().take(at).all(|&b| is_scheme_byte(b)) =>
        {
            at
        }
        _ => 0,
    };
    let has_scheme = scheme_len > 0;
    let (start, default_ports): (usize, &[&[u8]]) = if has_scheme {
        let scheme = bytes.get(..scheme_len).unwrap_or_default();
        if scheme.eq_ignore_ascii_case(b"https") {
            (scheme_len + 3, &[b"443"])
        } else if scheme.eq_ignore_ascii_case(b"http") {
            (scheme_len + 3, &[b"80"])
        } else {
            return Err(HostError::Scheme);
        }
    } else {
        (0, &[b"443", b"80"])
    };
    let rest = bytes.get(start..).unwrap_or_default();
    // The authority (up to the path, query or fragment): where its colons are, and whether
    // it carries userinfo, visiting only its delimiters.
    let mut authority_len = rest.len();
    let mut colons = 0usize;
    let mut last_colon = 0usize;
    let mut userinfo = false;
    let mut next = if has_scheme {
        next_delimiter(rest, 0)
    } else {
        first
    };
    while let Some(i) = next {
        match rest.get(i) {
            Some(b'/' | b'?' | b'#') => {
                authority_len = i;
                break;
            }
            Some(b':') => {
                colons += 1;
                last_colon = i;
            }
            _ => userinfo = true,
        }
        next = next_delimiter(rest, i + 1);
    }
    let authority = rest.get(..authority_len).unwrap_or_default();
    if userinfo {
        return Err(HostError::Userinfo);
    }
    if authority.first() == Some(&b'[') {
        return Err(HostError::IpLiteral);
    }
    let name_len = if colons == 0 {
        authority.len()
    } else {
        let port = authority.get(last_colon + 1..).unwrap_or_default();
        // Several colons without brackets is an unbracketed IPv6 literal.
        if colons > 1 && !default_ports.contains(&port) {
            return Err(HostError::IpLiteral);
        }
        if port.is_empty() || !port.iter().all(u8::is_ascii_digit) {
            return Err(HostError::Character);
        }
        if !default_ports.contains(&port) {
            return Err(HostError::Port);
        }
        last_colon
    };
    let mut name = authority.get(..name_len).unwrap_or_default();
    if let Some(stripped) = name.strip_suffix(b".") {
        name = stripped;
    }
    if name.is_empty() {
        return Err(HostError::Empty);
    }
    if name.len() > MAX_HOST_NAME_BYTES {
        return Err(HostError::TooLong);
    }
    // INVARIANT: `name` ends before a `:`, `/`, `?`, `#` or `.` byte or at the end, and starts
    // after `://` or at the start: all ASCII boundaries, so this slice of `raw` is valid.
    raw.get(start..start + name.len()).ok_or(HostError::Character)
}

/// The bytes that end a host name in a raw host, or make it more than a name: a path,
/// query or fragment, a port, userinfo. (The scans test eight at a time: [`delimiter_bits`].)
#[cfg(test)]
fn is_delimiter(b: u8) -> bool {
    (b == b'/') | (b == b'?') | (b == b'#') | (b == b':') | (b == b'@')
}

/// Whether no byte of a 64-byte block lies in `#`..=`@` (0x23–0x40), the range that holds
/// every delimiter. One subtraction and one running minimum per byte, which the compiler
/// turns into vector instructions: a fraction of an instruction a byte.
#[inline(always)]
fn clear_block(block: &[u8; 64]) -> bool {
    block.iter().fold(u8::MAX, |m, &b| m.min(b.wrapping_sub(b'#'))) > b'@' - b'#'
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `x` (bytes of at most 0x7F) that equals `c` (no carry
/// crosses a byte: each sum is at most 0xFE).
#[inline(always)]
fn bytes_equal(x: u64, c: u8) -> u64 {
    !((x ^ (LO * u64::from(c))) + LO * 0x7F) & HI
}

/// The delimiters among eight bytes read as a little-endian word: the high bit of each byte
/// that is one. `/` and `?` differ only in their 0x10 bit, and no other byte joins them
/// when it is set.
#[inline(always)]
fn delimiter_bits(w: u64) -> u64 {
    let x = w & !HI;
    let ascii = !w & HI;
    let slash_or_question = bytes_equal(x | (LO * 0x10), b'?');
    (slash_or_question | bytes_equal(x, b'#') | bytes_equal(x, b':') | bytes_equal(x, b'@')) & ascii
}

/// The position of the first delimiter (`/ ? # : @`) of `bytes` at or after `from`.
/// Whole 64-byte blocks holding no byte of the delimiters' range are skipped; the rest is
/// searched eight bytes at a time.
#[inline]
pub(crate) fn next_delimiter(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let tail = bytes.get(at..)?;
        let (blocks, _) = tail.as_chunks::<64>();
        at += blocks.iter().take_while(|b| clear_block(b)).count() * 64;
        let tail = bytes.get(at..)?;
        let window = tail.get(..64).unwrap_or(tail);
        let (words, rest) = window.as_chunks::<8>();
        for (k, w) in words.iter().enumerate() {
            let bits = delimiter_bits(u64::from_le_bytes(*w));
            if bits != 0 {
                return Some(at + k * 8 + (bits.trailing_zeros() / 8) as usize);
            }
        }
        if !rest.is_empty() {
            // The last eight bytes of the window, overlapping those already searched, or
            // what there is, zero-padded (a zero byte is no delimiter).
            let (w, shift) = match window.last_chunk::<8>() {
                Some(last) => (u64::from_le_bytes(*last), 8 * (8 - rest.len())),
                None => (rest.iter().rev().fold(0u64, |w, &b| (w << 8) | u64::from(b)), 0),
            };
            let bits = delimiter_bits(w) >> shift;
            let done = at + words.len() * 8;
            return (bits != 0).then(|| done + (bits.trailing_zeros() / 8) as usize);
        }
        if window.len() < 64 {
            return None;
        }
        at += 64;
    }
}

/// Whether a byte may stand in a URI scheme after its first letter.
#[inline(always)]
fn is_scheme_byte(b: u8) -> bool {
    ((b | 0x20).wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'+')
        | (b == b'-')
        | (b == b'.')
}

/// The position of the first delimiter (`/ ? # : @`) among the first `limit` bytes of
/// `bytes`, or `None` when there is none there.
#[inline]
pub(crate) fn first_delimiter(bytes: &[u8], limit: usize) -> Option<usize> {
    next_delimiter(bytes.get(..limit).unwrap_or(bytes), 0)
}

/// What a raw host's scheme leaves: the rest, and which default ports it allows
/// (`(https, http)`). Only the two schemes a listed host may be reached by are recognised,
/// in any case; anything else is left in place for [`strip_around`] to judge.
#[inline]
pub(crate) fn known_scheme(raw: &[u8]) -> (&[u8], bool, bool) {
    // The letters' 0x20 bits: OR-ing them in lower-cases a letter and only a letter.
    const CASE: u64 = 0x0000_0020_2020_2020;
    let head = raw.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w));
    if head | CASE == u64::from_le_bytes(*b"https://") {
        return (raw.get(8..).unwrap_or_default(), true, false);
    }
    let http = raw
        .first_chunk::<4>()
        .is_some_and(|w| u32::from_le_bytes(*w) | 0x2020_2020 == u32::from_le_bytes(*b"http"))
        && raw.get(4..7) == Some(b"://");
    if http {
        (raw.get(7..).unwrap_or_default(), false, true)
    } else {
        (raw, true, true)
    }
}

/// Whether what follows a name in a raw host (after [`known_scheme`]) leaves it that name:
/// nothing, or one trailing dot, then a default port allowed, then the end or a path,
/// query or fragment.
#[inline]
pub(crate) fn plain_tail(tail: &[u8], https: bool, http: bool) -> bool {
    let tail = tail.strip_prefix(b".").unwrap_or(tail);
    let after_port = match tail.strip_prefix(b":") {
        None => tail,
        Some(port) => match (port.strip_prefix(b"443"), port.strip_prefix(b"80")) {
            (Some(rest), _) if https => rest,
            (_, Some(rest)) if http => rest,
            _ => return false,
        },
    };
    matches!(after_port.first(), None | Some(b'/' | b'?' | b'#'))
}

/// Checks a name stripped by [`strip_around`] and lower-cases it.
pub(crate) fn check_name(name_str: &str) -> Result<NormalHost<'_>, HostError> {
    let name = name_str.as_bytes();
    // One pass: check every byte and every label, note whether lower-casing is needed, and
    // whether the last label is numeric (then the name is an IPv4 address in some notation:
    // dotted, octal, hex or a single integer, as URL parsers read it).
    let mut has_upper = false;
    let mut label_len = 0usize;
    let mut previous = b'.';
    let mut label_start = 0usize;
    for (i, &byte) in name.iter().enumerate() {
        match byte {
            b'.' => {
                if label_len == 0 || label_len > 63 || previous == b'-' {
                    return Err(HostError::Label);
                }
                label_len = 0;
                label_start = i + 1;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' => {
                if byte == b'-' && label_len == 0 {
                    return Err(HostError::Label);
                }
                has_upper |= byte.is_ascii_uppercase();
                label_len += 1;
            }
            b'*' => return Err(HostError::Wildcard),
            _ => return Err(HostError::Character),
        }
        previous = byte;
    }
    if label_len == 0 || label_len > 63 || previous == b'-' {
        return Err(HostError::Label);
    }
    let last_label = name.get(label_start..).unwrap_or_default();
    let hex = last_label.get(..2).is_some_and(|p| p.eq_ignore_ascii_case(b"0x"))
        && last_label.iter().skip(2).all(u8::is_ascii_hexdigit);
    if hex || last_label.iter().all(u8::is_ascii_digit) {
        return Err(HostError::IpLiteral);
    }
    if !has_upper {
        return Ok(NormalHost {
            form: Form::Borrowed(name_str),
        });
    }
    let mut inline = [0u8; MAX_HOST_NAME_BYTES];
    for (slot, byte) in inline.iter_mut().zip(name) {
        *slot = byte.to_ascii_lowercase();
    }
    Ok(NormalHost {
        form: Form::Inline {
            bytes: inline,
            len: name.len(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_bytes_are_rfc_3986s() {
        // ALPHA / DIGIT / "+" / "-" / ".", and no other byte (`[` and `{` sit next to the letters).
        for b in 0..=u8::MAX {
            let expected = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.');
            assert_eq!(is_scheme_byte(b), expected, "{b:#04x}");
        }
    }

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
        normal!("api.segment.io/x://y" => "api.segment.io");
        normal!("api.segment.io:443/x://y" => "api.segment.io");
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
        refused!("api.segment.io:" => HostError::Character);
        refused!("api.segment.io:https" => HostError::Character);
        refused!("ftp://api.segment.io" => HostError::Scheme);
        refused!("git+ssh://api.segment.io" => HostError::Scheme);
        refused!("://api.segment.io" => HostError::Character);
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
    fn bounds_are_exact() {
        // A 63-byte label is read, a 64-byte one refused.
        let label63 = "a".repeat(63);
        normal!(&format!("{label63}.io") => format!("{label63}.io"));
        refused!(&format!("a{label63}.io") => HostError::Label);
        // A 253-byte name is read, bare or written with a scheme, port, path or trailing dot;
        // a 254-byte name is refused however it is written.
        let name253 = format!("{label63}.{label63}.{label63}.{}", "b".repeat(61));
        assert_eq!(name253.len(), MAX_HOST_NAME_BYTES);
        let name254 = format!("c{name253}");
        for form in ["{}", "{}.", "https://{}:443/v1", "HTTP://{}/"] {
            let ok = form.replace("{}", &name253);
            let upper = ok.to_ascii_uppercase();
            normal!(&ok => name253);
            assert_eq!(
                normalize_host(&upper).map(|h| h.as_str().len()),
                Ok(253),
                "{upper:?}"
            );
            refused!(&form.replace("{}", &name254) => HostError::TooLong);
        }
        // An input of exactly the input limit is read (the path makes up the length); one byte
        // more is refused before it is read.
        let path = "p".repeat(MAX_HOST_INPUT_BYTES - "https://".len() - name253.len() - 1);
        let input = format!("https://{name253}/{path}");
        assert_eq!(input.len(), MAX_HOST_INPUT_BYTES);
        normal!(&input => name253);
        refused!(&format!("{input}p") => HostError::TooLong);
    }

    #[test]
    fn known_schemes_are_stripped_with_their_ports() {
        assert_eq!(known_scheme(b"https://a.io"), (&b"a.io"[..], true, false));
        assert_eq!(known_scheme(b"HTTPS://a.io"), (&b"a.io"[..], true, false));
        assert_eq!(known_scheme(b"hTtP://a.io"), (&b"a.io"[..], false, true));
        assert_eq!(known_scheme(b"http://"), (&b""[..], false, true));
        // Anything else is left in place, either port allowed.
        for raw in [
            &b"a.io"[..],
            b"ftp://a.io",
            b"https:/a.io",
            b"http:a.io",
            b"httpsx//a",
            b"http",
            b"",
        ] {
            assert_eq!(
                known_scheme(raw),
                (raw, true, true),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
        // `:` is not a letter: its case bit is not folded, so 0x1A is no `:`.
        assert_eq!(known_scheme(b"https\x1a//a"), (&b"https\x1a//a"[..], true, true));
        assert_eq!(known_scheme(b"http\x1a//a"), (&b"http\x1a//a"[..], true, true));
    }

    #[test]
    fn plain_tails_leave_the_name_alone() {
        for tail in [
            &b""[..],
            b".",
            b"/v1",
            b"./",
            b"?q",
            b"#f",
            b":443",
            b".:443/x",
            b":80",
            b":80?x",
        ] {
            assert!(
                plain_tail(tail, true, true),
                "{:?}",
                String::from_utf8_lossy(tail)
            );
        }
        assert!(plain_tail(b":443", true, false) && !plain_tail(b":80", true, false));
        assert!(plain_tail(b":80", false, true) && !plain_tail(b":443", false, true));
        for tail in [
            &b".."[..],
            b":",
            b":8443",
            b":4430",
            b":8",
            b"x",
            b"@h",
            b":443x",
            b" ",
        ] {
            assert!(
                !plain_tail(tail, true, true),
                "{:?}",
                String::from_utf8_lossy(tail)
            );
        }
    }

    #[test]
    fn normal_hosts_compare_by_their_name() {
        // Borrowed (already lower case) and inline (folded) forms of one name are equal.
        let plain = normalize_host("api.segment.io").unwrap();
        let folded = normalize_host("HTTPS://API.Segment.IO/v1").unwrap();
        assert_eq!(plain, folded);
        assert_ne!(plain, normalize_host("api.segment.iq").unwrap());
        assert_ne!(folded, normalize_host("API.SEGMENT.IO.EU").unwrap());
        assert_eq!(format!("{folded:?}"), "NormalHost(\"api.segment.io\")");
    }

    #[test]
    fn the_delimiter_search_finds_what_a_byte_loop_finds() {
        // Bytes inside the delimiters' range that are none of them, around the delimiters.
        let alphabet = b"a.-09#/:?@;=Z";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..300usize {
            for _ in 0..8 {
                let mut bytes = vec![b'a'; len];
                for _ in 0..(state % 4) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    if len > 0 {
                        let at = (state as usize >> 8) % len;
                        bytes[at] = alphabet[(state as usize >> 40) % alphabet.len()];
                    }
                }
                for from in [0, 1, 15, 16, 63, 64, 65, len.saturating_sub(1), len, len + 1] {
                    let want = bytes
                        .get(from..)
                        .and_then(|t| t.iter().position(|&b| is_delimiter(b)))
                        .map(|i| i + from);
                    assert_eq!(next_delimiter(&bytes, from), want, "{len} {from} {bytes:?}");
                }
                state = state.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(1);
            }
        }
    }

    #[test]
    fn a_scheme_is_only_read_before_the_first_delimiter() {
        normal!("http://a.b/https://c.d" => "a.b");
        normal!("a.b/http://c.d" => "a.b");
        normal!("a.b/c://d" => "a.b");
        refused!("a+b://x.y" => HostError::Scheme);
        refused!("a_b://x.y" => HostError::Character);
        refused!("1ab://x.y" => HostError::Character);
        refused!("https:/x.y" => HostError::Character);
        refused!(&format!("{}@{}", "a".repeat(1500), "b".repeat(500)) => HostError::Userinfo);
        refused!(&format!("{}:8443", "a".repeat(2000)) => HostError::Port);
        refused!(&"a".repeat(2048) => HostError::TooLong);
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
