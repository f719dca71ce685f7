//! The write key of a tracking request: the HTTP Basic auth user (as Segment's SDKs and
//! HTTP API send it), else the body's `writeKey`; a header that cannot be read, or that
//! names another key than the body, is refused rather than passed over. A write key is a secret: it is never
//! logged, never echoed in an answer.

use base64::Engine;

/// The longest `Authorization` header looked at, in bytes.
const MAX_AUTHORIZATION_BYTES: usize = 1024;

/// What the `Authorization` header says about the write key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Header {
    /// No `Authorization` header: the body's `writeKey` is the key.
    Absent,
    /// A header that is not a readable `Basic` user (too long, not UTF-8, another scheme,
    /// bad base64, an empty user). The request is refused: it is never decided under the
    /// body's key while forwarded with a header an upstream may read otherwise.
    Unreadable,
    /// The Basic auth user.
    Key(String),
}

/// The write key in an `Authorization: Basic base64(key:)` header, if there is one.
pub fn from_basic_auth(header: Option<&[u8]>) -> Header {
    match header {
        None => Header::Absent,
        Some(header) => basic_user(header).map_or(Header::Unreadable, Header::Key),
    }
}

fn basic_user(header: &[u8]) -> Option<String> {
    if header.len() > MAX_AUTHORIZATION_BYTES {
        return None;
    }
    let text = std::str::from_utf8(header).ok()?.trim();
    let (scheme, encoded) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    // RFC 7617: user-id ":" password; Segment's key is the user, the password is empty.
    let user = decoded.split_once(':').map_or(decoded.as_str(), |(user, _)| user);
    (!user.is_empty()).then(|| user.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(s: &str) -> Vec<u8> {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(s)).into_bytes()
    }

    #[test]
    fn reads_the_user_of_basic_auth() {
        let abc = Header::Key("abc".into());
        assert_eq!(from_basic_auth(Some(&basic("abc:"))), abc);
        assert_eq!(from_basic_auth(Some(&basic("abc:ignored"))), abc);
        assert_eq!(from_basic_auth(Some(&basic("abc"))), abc);
        assert_eq!(from_basic_auth(Some(b"basic YWJjOg==")), abc);
    }

    #[test]
    fn any_other_header_is_unreadable_and_no_header_is_absent() {
        for h in [
            &b"Bearer abc"[..],
            b"Basic !!!",
            b"Basic",
            b"",
            &basic(":")[..],
            &basic(":pw")[..],
            &[0xff, 0xfe][..],
        ] {
            assert_eq!(from_basic_auth(Some(h)), Header::Unreadable, "{h:?}");
        }
        assert_eq!(from_basic_auth(None), Header::Absent);
        let long = basic(&"k".repeat(2000));
        assert_eq!(from_basic_auth(Some(&long)), Header::Unreadable);
    }
}
