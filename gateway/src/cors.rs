//! Cross-origin requests from browsers (CORS) on the tracking routes: analytics.js and
//! `@segment/analytics-next` post from the customer's site to the gateway's origin, with an
//! `Authorization` header, so the browser first asks with a preflight (`OPTIONS`), and then
//! lets the page read an answer (a 421, say) only when it carries
//! `Access-Control-Allow-Origin`.
//!
//! Without `cors_origins` every origin is answered `Access-Control-Allow-Origin: *`: the
//! write key, not the origin, decides a request, and browser write keys are public. With
//! `cors_origins`, a request whose `Origin` is not listed is refused (403
//! `origin-not-allowed`, without CORS headers, never forwarded) — the browser's own check
//! would only hide the answer from the page, not stop the request — and a listed origin is
//! echoed back with `Vary: Origin`. Requests without `Origin` (server libraries) are not
//! concerned. Credentials (cookies) are never allowed: the tracking API does not use them.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    HeaderMap, HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ALLOW, ORIGIN, VARY,
};
use hyper::{Response, StatusCode};

/// The methods a preflight allows: the tracking API takes `POST`.
pub const ALLOW_METHODS: &str = "POST, OPTIONS";

/// The request headers a preflight allows: those Segment's browser SDK sends
/// (`Content-Type: text/plain`, `Authorization: Basic …` with the write key, and
/// `X-Retry-Count` on a retry), and `Content-Encoding`.
pub const ALLOW_HEADERS: &str = "Content-Type, Authorization, X-Retry-Count, Content-Encoding";

/// How long a browser may cache a preflight's answer, in seconds (Chromium caps it at 7200).
pub const MAX_AGE: &str = "7200";

/// The response headers a page may read besides the safelisted ones.
pub const EXPOSE_HEADERS: &str = "regionfence-policy";

/// Which origins may call the tracking routes from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    /// `None`: any (`*`); `Some`: only these, exactly as browsers send them
    /// (`https://shop.example`, `http://127.0.0.1:8000`).
    origins: Option<Vec<String>>,
}

/// What a request's `Origin` header means for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// No `Origin`: not a cross-origin browser request; no CORS headers.
    Absent,
    /// Allowed: answer with this `Access-Control-Allow-Origin` value.
    Allowed {
        /// `*`, or the origin echoed.
        allow: HeaderValue,
        /// The answer depends on the `Origin` (an allowlist), so it says `Vary: Origin`.
        vary: bool,
    },
    /// Not allowed (not listed, given twice, or not readable): refuse the request.
    Refused,
}

impl Cors {
    /// Any origin when `origins` is `None`; else only the listed ones.
    pub fn new(origins: Option<Vec<String>>) -> Cors {
        Cors { origins }
    }

    /// Checks a request's `Origin` header against the allowlist.
    pub fn origin(&self, headers: &HeaderMap) -> Origin {
        let mut values = headers.get_all(ORIGIN).iter();
        let Some(origin) = values.next() else {
            return Origin::Absent;
        };
        if values.next().is_some() {
            return Origin::Refused;
        }
        match &self.origins {
            None => Origin::Allowed {
                allow: HeaderValue::from_static("*"),
                vary: false,
            },
            Some(list) => match origin.to_str() {
                Ok(seen) if list.iter().any(|o| o == seen) => Origin::Allowed {
                    allow: origin.clone(),
                    vary: true,
                },
                _ => Origin::Refused,
            },
        }
    }

    /// A preflight's answer: 204 with the methods, headers and lifetime allowed, for an
    /// allowed origin; 204 with `Allow` alone for an `OPTIONS` that is no preflight.
    /// (A refused origin is answered by the caller, like any refused request.)
    pub fn preflight(&self, origin: &Origin) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(ALLOW, HeaderValue::from_static(ALLOW_METHODS));
        if matches!(origin, Origin::Allowed { .. }) {
            headers.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            headers.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOW_HEADERS),
            );
            headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
        }
        decorate(origin, &mut response);
        response
    }
}

/// Adds the CORS headers an answer to an allowed origin carries (refusals included, so the
/// page sees their status); none for an absent or refused origin.
pub fn decorate(origin: &Origin, response: &mut Response<Full<Bytes>>) {
    let Origin::Allowed { allow, vary } = origin else {
        return;
    };
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow.clone());
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    if *vary {
        headers.append(VARY, HeaderValue::from_static("Origin"));
    }
}

/// Checks one configured origin: `*` is not one (leave `cors_origins` out for any
/// origin); an origin is `http://` or `https://`, a host and an optional port, nothing
/// after, as browsers send it (lower case; `null` too, as sandboxed pages send it).
pub fn valid_origin(origin: &str) -> Result<(), String> {
    let shown = regionfence::text::bounded(origin, 256);
    if origin == "null" {
        return Ok(());
    }
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| {
            format!(
                "cors_origins: `{shown}` must be `http(s)://host[:port]` (leave the list out for any origin)"
            )
        })?;
    let fine = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.:[]".contains(&b));
    if fine {
        Ok(())
    } else {
        Err(format!(
            "cors_origins: `{shown}` must be `http(s)://host[:port]` in lower case, with no path or trailing `/`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origins: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for o in origins {
            h.append(ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn any_origin_without_a_list() {
        let cors = Cors::new(None);
        assert_eq!(cors.origin(&headers(&[])), Origin::Absent);
        assert_eq!(
            cors.origin(&headers(&["https://shop.example"])),
            Origin::Allowed {
                allow: HeaderValue::from_static("*"),
                vary: false
            }
        );
        assert_eq!(
            cors.origin(&headers(&["https://a.example", "https://b.example"])),
            Origin::Refused
        );
    }

    #[test]
    fn a_list_echoes_listed_origins_and_refuses_the_rest() {
        let cors = Cors::new(Some(vec!["https://shop.example".into()]));
        assert_eq!(
            cors.origin(&headers(&["https://shop.example"])),
            Origin::Allowed {
                allow: HeaderValue::from_static("https://shop.example"),
                vary: true
            }
        );
        for other in [
            "https://evil.example",
            "https://shop.example.evil",
            "http://shop.example",
            "https://SHOP.example",
            "null",
        ] {
            assert_eq!(cors.origin(&headers(&[other])), Origin::Refused, "{other}");
        }
        assert_eq!(cors.origin(&headers(&[])), Origin::Absent);
        let mut h = HeaderMap::new();
        h.insert(ORIGIN, HeaderValue::from_bytes(&[0xff]).unwrap());
        assert_eq!(cors.origin(&h), Origin::Refused);
    }

    #[test]
    fn preflight_and_answers() {
        let cors = Cors::new(None);
        let allowed = cors.origin(&headers(&["http://127.0.0.1:1"]));
        let answer = cors.preflight(&allowed);
        assert_eq!(answer.status(), 204);
        let h = answer.headers();
        assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_METHODS], ALLOW_METHODS);
        assert!(h[ACCESS_CONTROL_ALLOW_HEADERS]
            .to_str()
            .unwrap()
            .contains("Authorization"));
        let plain = cors.preflight(&Origin::Absent);
        assert!(plain.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
        assert_eq!(plain.headers()[ALLOW], ALLOW_METHODS);
        let mut refused = Response::new(Full::new(Bytes::new()));
        decorate(&Origin::Refused, &mut refused);
        assert!(refused.headers().is_empty());
    }

    #[test]
    fn configured_origins() {
        for good in [
            "https://shop.example",
            "http://127.0.0.1:8000",
            "http://[::1]:80",
            "null",
        ] {
            assert!(valid_origin(good).is_ok(), "{good}");
        }
        for bad in [
            "*",
            "shop.example",
            "https://shop.example/",
            "https://shop.example/path",
            "https://Shop.example",
            "https://",
            "ftp://x",
        ] {
            assert!(valid_origin(bad).is_err(), "{bad}");
        }
    }
}
