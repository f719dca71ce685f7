//! Reading a request body within its limit: a gzipped body (`Content-Encoding: gzip`) is
//! decompressed, and the limit applies to what it decompresses to.

use crate::gzip::GunzipError;

/// Why a body was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Larger than the limit (after decompression).
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// Not valid gzip.
    BadGzip(String),
    /// An encoding the gateway cannot read, so cannot inspect.
    UnsupportedEncoding(String),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge { limit } => write!(f, "body over the limit of {limit} bytes"),
            BodyError::BadGzip(e) => write!(f, "body is not valid gzip: {e}"),
            BodyError::UnsupportedEncoding(e) => write!(f, "unsupported content encoding `{e}`"),
        }
    }
}

/// The body as the gateway inspects it: `raw` itself, or `raw` gunzipped when the
/// `Content-Encoding` header says gzip. `None` and `identity` mean not encoded.
pub fn decoded<'a>(
    raw: &'a [u8],
    content_encoding: Option<&[u8]>,
    limit: usize,
) -> Result<std::borrow::Cow<'a, [u8]>, BodyError> {
    let encoding = content_encoding.map(|e| String::from_utf8_lossy(e).trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("") | Some("identity") => {
            if raw.len() > limit {
                return Err(BodyError::TooLarge { limit });
            }
            Ok(std::borrow::Cow::Borrowed(raw))
        }
        Some("gzip") | Some("x-gzip") => {
            // Two passes: the first counts what the body decompresses to (stopping past the
            // limit, whatever the ratio), the second fills a buffer of exactly that size.
            // Memory is the decoded body and the decoder's state: never a growing buffer's
            // spare capacity, nor a member's header fields (read past, never kept).
            let gunzip = |sink: &mut dyn std::io::Write, limit| {
                crate::gzip::gunzip(raw, sink, limit).map_err(|e| match e {
                    GunzipError::TooLarge => BodyError::TooLarge { limit },
                    GunzipError::Bad(why) => BodyError::BadGzip(why),
                })
            };
            let size = gunzip(&mut std::io::sink(), limit)?;
            let mut out = Vec::with_capacity(size);
            gunzip(&mut out, size)?;
            Ok(std::borrow::Cow::Owned(out))
        }
        Some(other) => Err(BodyError::UnsupportedEncoding(regionfence::text::bounded(
            other, 40,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn plain_and_gzipped_bodies() {
        assert_eq!(&*decoded(b"{}", None, 10).unwrap(), b"{}");
        assert_eq!(&*decoded(b"{}", Some(b"identity"), 10).unwrap(), b"{}");
        assert_eq!(
            &*decoded(&gzip(b"{\"a\":1}"), Some(b"gzip"), 10).unwrap(),
            b"{\"a\":1}"
        );
        assert_eq!(&*decoded(&gzip(b"{}"), Some(b" GZIP "), 10).unwrap(), b"{}");
        // Two members are one body; exactly at the limit is within it.
        let two = [gzip(b"{\"a\":"), gzip(b"1}")].concat();
        assert_eq!(&*decoded(&two, Some(b"gzip"), 7).unwrap(), b"{\"a\":1}");
    }

    #[test]
    fn a_decoded_body_has_no_spare_capacity() {
        let data = vec![b'x'; 300_000];
        let std::borrow::Cow::Owned(out) = decoded(&gzip(&data), Some(b"gzip"), 512 * 1024).unwrap() else {
            panic!("decoded")
        };
        assert_eq!(out, data);
        assert_eq!(out.capacity(), data.len());
    }

    #[test]
    fn the_limit_applies_after_decompression() {
        let bomb = gzip(&vec![b' '; 1_000_000]);
        assert!(bomb.len() < 10_000);
        assert_eq!(
            decoded(&bomb, Some(b"gzip"), 100_000),
            Err(BodyError::TooLarge { limit: 100_000 })
        );
        assert_eq!(
            decoded(&[b' '; 11], None, 10),
            Err(BodyError::TooLarge { limit: 10 })
        );
        assert_eq!(decoded(&[b' '; 10], None, 10).unwrap().len(), 10);
    }

    #[test]
    fn bad_or_unknown_encodings_are_errors() {
        assert!(matches!(
            decoded(b"not gzip", Some(b"gzip"), 10),
            Err(BodyError::BadGzip(_))
        ));
        assert!(matches!(
            decoded(b"{}", Some(b"br"), 10),
            Err(BodyError::UnsupportedEncoding(_))
        ));
    }

    #[test]
    fn an_unsupported_encoding_is_named_escaped_and_bounded() {
        let header = format!("x\u{202E}\u{1b}[31m{}", "e".repeat(500));
        let Err(e) = decoded(b"{}", Some(header.as_bytes()), 10) else {
            panic!("refused")
        };
        let text = e.to_string();
        assert!(!text.contains(['\u{202E}', '\u{1b}']), "{text:?}");
        assert!(text.chars().count() < 100, "{text}");
        assert!(text.contains('…'), "{text}");
    }
}
