//! The write key of a tracking request: the HTTP Basic auth user (as Segment's SDKs and
//! HTTP API send it), else the body's `writeKey`. A write key is a secret: it is never
//! logged, never echoed in an answer.

use base64::Engine;

/// The longest `Authorization` header looked at, in bytes.
const MAX_AUTHORIZATION_BYTES: usize = 1024;

/// The write key in an `Authorization: Basic base64(key:)` header, if there is one.
pub fn from_basic_auth(header: Option<&[u8]>) -> Option<String> {
    let header = header?;
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
        assert_eq!(from_basic_auth(Some(&basic("abc:"))).as_deref(), Some("abc"));
        assert_eq!(
            from_basic_auth(Some(&basic("abc:ignored"))).as_deref(),
            Some("abc")
        );
        assert_eq!(from_basic_auth(Some(&basic("abc"))).as_deref(), Some("abc"));
        assert_eq!(from_basic_auth(Some(b"basic YWJjOg==")).as_deref(), Some("abc"));
    }

    #[test]
    fn anything_else_is_no_key() {
        for h in [
            &b"Bearer abc"[..],
            b"Basic !!!",
            b"Basic",
            b"",
            &basic(":")[..],
            &basic(":pw")[..],
            &[0xff, 0xfe][..],
        ] {
            assert_eq!(from_basic_auth(Some(h)), None, "{h:?}");
        }
        assert_eq!(from_basic_auth(None), None);
        let long = basic(&"k".repeat(2000));
        assert_eq!(from_basic_auth(Some(&long)), None);
    }
}
