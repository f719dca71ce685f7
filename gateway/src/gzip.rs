//! Gzip (RFC 1952) read member by member, each member's header fields (extra field, file
//! name, comment) stepped over rather than kept: what a request costs to decompress is what
//! it decompresses to, and nothing its header says.

use std::io::{Read, Write};

/// Why a gzip body was not decompressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GunzipError {
    /// It decompresses to more than the limit.
    TooLarge,
    /// It is not valid gzip.
    Bad(String),
}

fn bad(why: impl std::fmt::Display) -> GunzipError {
    GunzipError::Bad(why.to_string())
}

const FHCRC: u8 = 2;
const FEXTRA: u8 = 4;
const FNAME: u8 = 8;
const FCOMMENT: u8 = 16;
const RESERVED: u8 = 0xe0;

/// Decompresses every member of `raw` into `sink`, refusing past `limit` bytes in all;
/// returns how many were written. Each member's CRC-32 and length are checked; bytes after
/// the last member that do not start another one are refused.
pub fn gunzip(mut raw: &[u8], sink: &mut dyn Write, limit: usize) -> Result<usize, GunzipError> {
    let mut written = 0usize;
    while !raw.is_empty() {
        raw = past_header(raw)?;
        let mut decoder = flate2::bufread::DeflateDecoder::new(raw);
        let mut crc = flate2::Crc::new();
        let mut member = 0usize;
        let mut chunk = [0u8; 8192];
        loop {
            let n = decoder.read(&mut chunk).map_err(bad)?;
            let Some(data) = chunk.get(..n).filter(|d| !d.is_empty()) else {
                break;
            };
            member += n;
            if written.saturating_add(member) > limit {
                return Err(GunzipError::TooLarge);
            }
            crc.update(data);
            sink.write_all(data).map_err(bad)?;
        }
        raw = decoder.into_inner();
        let (Some(trailer), Some(rest)) = (raw.get(..8), raw.get(8..)) else {
            return Err(bad("a gzip member ends before its trailer"));
        };
        let word = |at: usize| {
            trailer
                .get(at..at + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_le_bytes)
        };
        if word(0) != Some(crc.sum()) {
            return Err(bad("a gzip member's CRC-32 does not match its data"));
        }
        // ISIZE is the length modulo 2^32.
        if word(4) != Some(member as u32) {
            return Err(bad("a gzip member's length does not match its data"));
        }
        written += member;
        raw = rest;
    }
    Ok(written)
}

/// `raw` past one member's header, its optional fields skipped.
fn past_header(raw: &[u8]) -> Result<&[u8], GunzipError> {
    let Some(&[id1, id2, method, flags, ..]) = raw.get(..10) else {
        return Err(bad("a gzip header is cut short"));
    };
    if (id1, id2) != (0x1f, 0x8b) {
        return Err(bad("not a gzip member"));
    }
    if method != 8 {
        return Err(bad("a gzip member not compressed with deflate"));
    }
    if flags & RESERVED != 0 {
        return Err(bad("a gzip header with reserved flags set"));
    }
    let cut = || bad("a gzip header is cut short");
    let mut at = 10usize;
    if flags & FEXTRA != 0 {
        let len = raw
            .get(at..at + 2)
            .and_then(|b| <[u8; 2]>::try_from(b).ok())
            .map(u16::from_le_bytes)
            .ok_or_else(cut)?;
        at += 2 + usize::from(len);
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let nul = raw
                .get(at..)
                .and_then(|r| r.iter().position(|b| *b == 0))
                .ok_or_else(cut)?;
            at += nul + 1;
        }
    }
    if flags & FHCRC != 0 {
        let header = raw.get(..at).ok_or_else(cut)?;
        let mut crc = flate2::Crc::new();
        crc.update(header);
        let stored = raw
            .get(at..at + 2)
            .and_then(|b| <[u8; 2]>::try_from(b).ok())
            .map(u16::from_le_bytes)
            .ok_or_else(cut)?;
        if u32::from(stored) != crc.sum() & 0xffff {
            return Err(bad("a gzip header's CRC-16 does not match it"));
        }
        at += 2;
    }
    raw.get(at..).ok_or_else(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read(raw: &[u8], limit: usize) -> Result<Vec<u8>, GunzipError> {
        let mut out = Vec::new();
        gunzip(raw, &mut out, limit).map(|n| {
            assert_eq!(n, out.len());
            out
        })
    }

    #[test]
    fn members_with_and_without_header_fields_read_as_flate2_writes_them() {
        assert_eq!(read(&gzip(b"{\"a\":1}"), 100).unwrap(), b"{\"a\":1}");
        let two = [gzip(b"{\"a\":"), gzip(b"1}")].concat();
        assert_eq!(read(&two, 7).unwrap(), b"{\"a\":1}");
        assert_eq!(read(&two, 6), Err(GunzipError::TooLarge));
        let mut e = flate2::GzBuilder::new()
            .extra(vec![7u8; 300])
            .filename("name.json")
            .comment("a comment")
            .write(Vec::new(), flate2::Compression::default());
        e.write_all(b"[1,2,3]").unwrap();
        let fields = e.finish().unwrap();
        assert_eq!(read(&fields, 100).unwrap(), b"[1,2,3]");
        assert_eq!(read(b"", 100).unwrap(), b"");
    }

    #[test]
    fn broken_members_are_refused() {
        let good = gzip(b"{\"batch\":[]}");
        let mut wrong_crc = good.clone();
        let at = wrong_crc.len() - 8;
        wrong_crc[at] ^= 1;
        let mut wrong_size = good.clone();
        let at = wrong_size.len() - 4;
        wrong_size[at] ^= 1;
        let mut reserved = good.clone();
        reserved[3] |= 0x20;
        let mut header_crc = good.clone();
        header_crc[3] |= FHCRC;
        for raw in [
            &good[..good.len() - 3],
            &good[..5],
            &wrong_crc,
            &wrong_size,
            &reserved,
            &header_crc,
            &[&good[..], b"trailing"].concat(),
            &[&good[..], &[0, 0, 0, 0][..]].concat(),
            b"{\"batch\":[]}",
        ] {
            assert!(matches!(read(raw, 1000), Err(GunzipError::Bad(_))), "{raw:?}");
        }
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let bomb = gzip(&vec![b' '; 10_000_000]);
        assert_eq!(read(&bomb, 100_000), Err(GunzipError::TooLarge));
    }
}
