//! Fetching the four calls from the Public API itself (feature `import-live`): `GET /`,
//! then every page of `GET /sources`, `/destinations` and `/warehouses`, following
//! `pagination.next`. HTTPS through rustls; plain HTTP only to a loopback address (a test
//! stub). Every request has a timeout, a 429 is retried after its `Retry-After` (bounded),
//! and any other failure ends the fetch with nothing returned. The token goes in the
//! `Authorization` header and nowhere else: no message or error holds it.

use super::json::{self, Json};
use super::{ApiResponses, MAX_API_FILE_BYTES, MAX_PAGES};
use crate::text::excerpt;
use std::time::Duration;

/// The environment variable the command line reads the token from.
pub const TOKEN_VARIABLE: &str = "SEGMENT_PUBLIC_API_TOKEN";

/// How a fetch behaves.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The most time one request may take, connection and body included.
    pub timeout: Duration,
    /// How many times a request answered 429 is retried.
    pub max_retries: u32,
    /// The longest wait a `Retry-After` may ask for; a longer one ends the fetch.
    pub max_retry_after: Duration,
    /// Entries asked for per page (`pagination.count`, 1 to 1000).
    pub page_size: u32,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            timeout: Duration::from_secs(30),
            max_retries: 5,
            max_retry_after: Duration::from_secs(120),
            page_size: 200,
        }
    }
}

/// Why a fetch failed. No variant holds the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The API URL is not one this client sends a token to.
    #[error("`{}` is not an API URL a token may be sent to: {why}", excerpt(url))]
    Url {
        /// The URL given.
        url: String,
        /// Why.
        why: &'static str,
    },
    /// The token is empty or not a header value.
    #[error("the API token is empty or holds characters a header cannot carry")]
    Token,
    /// The API refused the token.
    #[error("{call}: the API refused the token (HTTP {status}): check `{TOKEN_VARIABLE}` and its workspace's region")]
    Unauthorized {
        /// Which call.
        call: String,
        /// 401 or 403.
        status: u16,
    },
    /// The API answered with another status.
    #[error("{call}: the API answered HTTP {status}{}", detail.as_deref().map(|d| format!(": `{d}`")).unwrap_or_default())]
    Status {
        /// Which call.
        call: String,
        /// The status.
        status: u16,
        /// The API's error message, bounded.
        detail: Option<String>,
    },
    /// Rate limited past the retries or the longest wait allowed.
    #[error("{call}: rate limited (HTTP 429) {why}")]
    RateLimited {
        /// Which call.
        call: String,
        /// Why the fetch gave up.
        why: String,
    },
    /// The request timed out.
    #[error("{call}: no complete answer within {seconds} s")]
    Timeout {
        /// Which call.
        call: String,
        /// The timeout.
        seconds: u64,
    },
    /// The connection failed or the body ended early.
    #[error("{call}: {message}")]
    Transport {
        /// Which call.
        call: String,
        /// What failed.
        message: String,
    },
    /// A page is not the JSON the API returns, or pages do not chain.
    #[error("{call}: {message}")]
    Page {
        /// Which call.
        call: String,
        /// What is wrong.
        message: String,
    },
}

/// Whether `url` may receive the token: `https://`, or `http://` to a loopback host.
fn check_url(url: &str) -> Result<String, FetchError> {
    let refuse = |why| FetchError::Url {
        url: url.to_string(),
        why,
    };
    let base = url.trim().trim_end_matches('/');
    let (scheme, rest) = base.split_once("://").ok_or_else(|| refuse("no scheme"))?;
    if rest.contains(['@', '?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse(
            "user info, a query, a fragment or a space has no place in it",
        ));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match scheme.to_ascii_lowercase().as_str() {
        "https" if !host.is_empty() => Ok(base.to_string()),
        "http" if loopback => Ok(base.to_string()),
        "http" => Err(refuse(
            "plain HTTP would send the token in the clear (only a loopback address may use it)",
        )),
        _ => Err(refuse("only https:// is supported")),
    }
}

struct Client {
    agent: ureq::Agent,
    base: String,
    authorization: String,
    options: FetchOptions,
}

/// `%`-encodes a cursor for a query string.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    /// One GET, retried after a 429; the body as text.
    fn get(&self, call: &str, path_and_query: &str) -> Result<String, FetchError> {
        let url = format!("{}{path_and_query}", self.base);
        let mut retries = 0u32;
        loop {
            let response = self
                .agent
                .get(&url)
                .header("Authorization", &self.authorization)
                .header("Accept", "application/json")
                .call();
            let mut response = match response {
                Ok(r) => r,
                Err(e) => return Err(self.transport(call, &e)),
            };
            let status = response.status().as_u16();
            match status {
                200 => {
                    return response
                        .body_mut()
                        .with_config()
                        .limit(MAX_API_FILE_BYTES as u64)
                        .read_to_string()
                        .map_err(|e| self.transport(call, &e))
                }
                401 | 403 => {
                    return Err(FetchError::Unauthorized {
                        call: call.to_string(),
                        status,
                    })
                }
                429 => {
                    let wait = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let Some(wait) = wait.map(Duration::from_secs) else {
                        return Err(FetchError::RateLimited {
                            call: call.to_string(),
                            why: "without a `Retry-After` in seconds".into(),
                        });
                    };
                    if wait > self.options.max_retry_after {
                        return Err(FetchError::RateLimited {
                            call: call.to_string(),
                            why: format!(
                                "and asked for a wait of {} s, over the {} s allowed",
                                wait.as_secs(),
                                self.options.max_retry_after.as_secs()
                            ),
                        });
                    }
                    if retries >= self.options.max_retries {
                        return Err(FetchError::RateLimited {
                            call: call.to_string(),
                            why: format!("after {retries} retries"),
                        });
                    }
                    retries += 1;
                    std::thread::sleep(wait);
                }
                _ => {
                    let detail = response
                        .body_mut()
                        .with_config()
                        .limit(64 * 1024)
                        .read_to_string()
                        .ok()
                        .and_then(|text| json::parse(&text).ok())
                        .and_then(|v| match v.get("errors") {
                            Some(Json::Array(errors)) => {
                                errors.first().and_then(|e| match e.get("message") {
                                    Some(Json::Str(m)) => Some(excerpt(m)),
                                    _ => None,
                                })
                            }
                            _ => None,
                        });
                    return Err(FetchError::Status {
                        call: call.to_string(),
                        status,
                        detail,
                    });
                }
            }
        }
    }

    fn transport(&self, call: &str, e: &ureq::Error) -> FetchError {
        match e {
            ureq::Error::Timeout(_) => FetchError::Timeout {
                call: call.to_string(),
                seconds: self.options.timeout.as_secs(),
            },
            other => FetchError::Transport {
                call: call.to_string(),
                message: crate::text::bounded(&other.to_string(), 200),
            },
        }
    }

    /// Every page of a list call, as the JSON array of its responses.
    fn list(&self, call: &str, path: &str) -> Result<String, FetchError> {
        let mut pages: Vec<String> = Vec::new();
        let mut total = 0usize;
        let mut cursor: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            let mut query = format!("{path}?pagination.count={}", self.options.page_size);
            if let Some(c) = &cursor {
                query.push_str("&pagination.cursor=");
                query.push_str(&encode(c));
            }
            let page = self.get(call, &query)?;
            total += page.len();
            if total > MAX_API_FILE_BYTES || pages.len() >= MAX_PAGES {
                return Err(FetchError::Page {
                    call: call.to_string(),
                    message: format!("the list is over {MAX_PAGES} pages or {MAX_API_FILE_BYTES} bytes"),
                });
            }
            let next = next_cursor(&page).map_err(|message| FetchError::Page {
                call: call.to_string(),
                message,
            })?;
            pages.push(page);
            match next {
                None => break,
                Some(next) if !seen.insert(next.clone()) => {
                    return Err(FetchError::Page {
                        call: call.to_string(),
                        message: "`pagination.next` points back to a page already read".into(),
                    })
                }
                Some(next) => cursor = Some(next),
            }
        }
        Ok(format!("[{}]", pages.join(",\n")))
    }
}

/// A page's `data.pagination.next`, when it has one.
fn next_cursor(page: &str) -> Result<Option<String>, String> {
    let value = json::parse(page).map_err(|e| {
        let at = e.location.map(|l| format!("{l}: ")).unwrap_or_default();
        format!("the page is not JSON: {at}{}", e.message)
    })?;
    let next = value
        .get("data")
        .and_then(|d| d.get("pagination"))
        .and_then(|p| p.get("next"));
    match next {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Str(s)) if s.is_empty() => Ok(None),
        Some(Json::Str(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "`data.pagination.next` is {}, not a string",
            other.kind()
        )),
    }
}

/// Fetches `getWorkspace` and every page of the three list calls from the API at `api`
/// (`https://api.segmentapis.com`, `https://eu1.api.segmentapis.com`) with `token`. All or
/// nothing: the first failure ends the fetch.
pub fn fetch(api: &str, token: &str, options: &FetchOptions) -> Result<ApiResponses, FetchError> {
    let base = check_url(api)?;
    if token.trim().is_empty() || token.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
        return Err(FetchError::Token);
    }
    let loopback = base.starts_with("http://");
    let mut config = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .https_only(!loopback);
    if loopback {
        config = config.proxy(None);
    }
    let client = Client {
        agent: config.build().new_agent(),
        base,
        authorization: format!("Bearer {token}"),
        options: options.clone(),
    };
    Ok(ApiResponses {
        workspace: client.get("getWorkspace", "/")?,
        sources: client.list("listSources", "/sources")?,
        destinations: client.list("listDestinations", "/destinations")?,
        warehouses: client.list("listWarehouses", "/warehouses")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_goes_over_https_or_to_loopback_only() {
        assert!(check_url("https://eu1.api.segmentapis.com/").is_ok());
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://[::1]:8080").is_ok());
        assert!(check_url("http://api.segmentapis.com").is_err());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://user@x").is_err());
        assert!(check_url("api.segmentapis.com").is_err());
    }

    #[test]
    fn cursors_are_encoded() {
        assert_eq!(encode("eyJwIjoxfQ=="), "eyJwIjoxfQ%3D%3D");
    }
}
