//! Strict IP parsing and CIDR range tables (sorted, merged, binary-searched).

use crate::limits::MAX_IP_INPUT_BYTES;
use ipnet::IpNet;
use std::net::IpAddr;

/// Parses an IP address strictly: dotted-quad IPv4 without leading zeros, or IPv6 without a
/// zone id or brackets; no surrounding white space. An IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`) is returned as the IPv4 address it carries.
///
/// # Examples
///
/// ```
/// use regionfence::parse_ip;
/// assert_eq!(parse_ip("3.251.148.97").unwrap().to_string(), "3.251.148.97");
/// assert_eq!(parse_ip("::ffff:3.251.148.97").unwrap().to_string(), "3.251.148.97");
/// assert!(parse_ip("03.251.148.97").is_none());
/// assert!(parse_ip("3.251.148.97 ").is_none());
/// assert!(parse_ip("fe80::1%eth0").is_none());
/// ```
pub fn parse_ip(raw: &str) -> Option<IpAddr> {
    if raw.is_empty() || raw.len() > MAX_IP_INPUT_BYTES {
        return None;
    }
    let bytes = raw.as_bytes();
    // The usual forms first, by hand: a dotted quad, and one after `::ffff:`. What these
    // refuse goes to the standard parser, which decides.
    let quad = bytes.strip_prefix(b"::ffff:").unwrap_or(bytes);
    if let Some(v4) = dotted_quad(quad) {
        return Some(IpAddr::V4(v4));
    }
    let ip: IpAddr = raw.parse().ok()?;
    Some(canonical(ip))
}

/// A dotted-quad IPv4 address exactly as the standard parser accepts one (four decimal
/// octets of at most 255, without leading zeros), or `None` for anything else.
#[inline]
fn dotted_quad(bytes: &[u8]) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut rest = bytes;
    for (i, octet) in octets.iter_mut().enumerate() {
        let mut value: u32 = 0;
        let mut digits = 0usize;
        while let Some((&b, tail)) = rest.split_first() {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            if digits == 1 && value == 0 {
                return None;
            }
            value = value * 10 + u32::from(d);
            digits += 1;
            if digits > 3 {
                return None;
            }
            rest = tail;
        }
        *octet = u8::try_from(value).ok().filter(|_| digits > 0)?;
        if i < 3 {
            rest = rest.strip_prefix(b".")?;
        }
    }
    rest.is_empty().then_some(std::net::Ipv4Addr::from(octets))
}

/// Parses a CIDR as strictly as [`parse_ip`] parses an address: the address, `/`, and a
/// prefix length of decimal digits without a leading zero, at most 32 (IPv4) or 128 (IPv6).
/// `010.0.0.0/8` is refused: some parsers read `010` as octal 8, others as decimal 10.
pub(crate) fn parse_cidr(raw: &str) -> Option<IpNet> {
    let (address, prefix) = raw.split_once('/')?;
    if raw.len() > MAX_IP_INPUT_BYTES
        || prefix.is_empty()
        || prefix.len() > 3
        || !prefix.bytes().all(|b| b.is_ascii_digit())
        || (prefix.len() > 1 && prefix.starts_with('0'))
    {
        return None;
    }
    let address: IpAddr = address.parse().ok()?;
    IpNet::new(address, prefix.parse().ok()?).ok()
}

/// The address as compared: IPv4-mapped IPv6 becomes IPv4.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// The inclusive address range a network covers, in the family it is compared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Span {
    /// IPv4 (including an IPv4-mapped IPv6 network).
    V4(u32, u32),
    /// IPv6.
    V6(u128, u128),
}

/// The range of a network (truncated to its prefix): an IPv4-mapped IPv6 network is the
/// IPv4 network it carries.
pub(crate) fn span(net: &IpNet) -> Span {
    match net {
        IpNet::V4(n) => Span::V4(u32::from(n.network()), u32::from(n.broadcast())),
        IpNet::V6(n) => match n.network().to_ipv4_mapped() {
            Some(v4net) if n.prefix_len() >= 96 => {
                let last = n.broadcast().to_ipv4_mapped().map_or(u32::MAX, u32::from);
                Span::V4(u32::from(v4net), last)
            }
            _ => Span::V6(u128::from(n.network()), u128::from(n.broadcast())),
        },
    }
}

/// Whether `ip` lies in `span` (compared in its canonical family).
pub(crate) fn span_contains(span: Span, ip: IpAddr) -> bool {
    match (span, canonical(ip)) {
        (Span::V4(first, last), IpAddr::V4(a)) => (first..=last).contains(&u32::from(a)),
        (Span::V6(first, last), IpAddr::V6(a)) => (first..=last).contains(&u128::from(a)),
        _ => false,
    }
}

/// Where a set of networks begins and ends: every first address, and every address just
/// past a last one, sorted, one list per address family (an IPv4-mapped network counts as
/// IPv4). Membership in the set's networks is the same between two consecutive boundaries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Boundaries {
    v4: Vec<u32>,
    v6: Vec<u128>,
}

impl Boundaries {
    /// The boundaries of `nets`.
    pub(crate) fn new<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> Self {
        let mut b = Boundaries::default();
        for net in nets {
            match span(net) {
                Span::V4(first, last) => {
                    b.v4.extend([Some(first), last.checked_add(1)].into_iter().flatten())
                }
                Span::V6(first, last) => {
                    b.v6.extend([Some(first), last.checked_add(1)].into_iter().flatten())
                }
            }
        }
        b.v4.sort_unstable();
        b.v4.dedup();
        b.v6.sort_unstable();
        b.v6.dedup();
        b
    }

    /// The first address of each piece these boundaries cut `net` into, ascending, at most
    /// `max`: the network's first address, then every boundary inside it. Each is an address
    /// of `net` as compared (so an IPv6 network is never asked an address that reads as
    /// IPv4). O(log n) to find the first, then one step per piece.
    pub(crate) fn piece_starts(&self, net: &IpNet, max: usize) -> Vec<IpAddr> {
        let whole = span(net);
        let starts: Vec<IpAddr> = match whole {
            Span::V4(first, last) => starts(&self.v4, first, last, max)
                .map(|a| IpAddr::V4(a.into()))
                .collect(),
            Span::V6(first, last) => starts(&self.v6, first, last, max)
                .map(|a| IpAddr::V6(a.into()))
                .collect(),
        };
        starts
            .into_iter()
            .filter(|&ip| span_contains(whole, ip))
            .collect()
    }
}

/// `first` and every boundary in `(first, last]`, ascending, at most `max`.
fn starts<T: Ord + Copy>(boundaries: &[T], first: T, last: T, max: usize) -> impl Iterator<Item = T> + '_ {
    let from = boundaries.partition_point(|&b| b <= first);
    let inside = boundaries
        .get(from..)
        .unwrap_or_default()
        .iter()
        .copied()
        .take_while(move |&b| b <= last);
    std::iter::once(first).chain(inside).take(max)
}

/// A set of CIDRs as sorted, merged, inclusive ranges, one table per address family.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RangeTable {
    v4: Box<[(u32, u32)]>,
    v6: Box<[(u128, u128)]>,
}

impl RangeTable {
    /// Builds the table from networks (already truncated to their prefix).
    pub(crate) fn new(nets: &[IpNet]) -> Self {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for net in nets {
            match span(net) {
                Span::V4(first, last) => v4.push((first, last)),
                Span::V6(first, last) => v6.push((first, last)),
            }
        }
        RangeTable {
            v4: merge(v4).into_boxed_slice(),
            v6: merge(v6).into_boxed_slice(),
        }
    }

    /// Whether `ip` (canonical) lies in any range; O(log n).
    #[inline]
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        match canonical(ip) {
            IpAddr::V4(a) => find(&self.v4, u32::from(a)),
            IpAddr::V6(a) => find(&self.v6, u128::from(a)),
        }
    }

    /// Whether the table holds no range.
    pub(crate) fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }
}

fn merge<T: Ord + Copy + num::Successor>(mut ranges: Vec<(T, T)>) -> Vec<(T, T)> {
    ranges.sort_unstable();
    let mut merged: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1.successor_saturating() => {
                if end > last.1 {
                    last.1 = end;
                }
            }
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn find<T: Ord + Copy>(ranges: &[(T, T)], ip: T) -> bool {
    // INVARIANT: ranges are sorted by start and disjoint, so only the last range starting
    // at or before `ip` can hold it.
    let after = ranges.partition_point(|&(start, _)| start <= ip);
    after
        .checked_sub(1)
        .and_then(|i| ranges.get(i))
        .is_some_and(|&(_, end)| ip <= end)
}

mod num {
    pub(crate) trait Successor {
        fn successor_saturating(self) -> Self;
    }
    impl Successor for u32 {
        fn successor_saturating(self) -> Self {
            self.saturating_add(1)
        }
    }
    impl Successor for u128 {
        fn successor_saturating(self) -> Self {
            self.saturating_add(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_parser_agrees_with_the_standard_one() {
        let mut inputs: Vec<String> = [
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4.5",
            ".1.2.3",
            "01.2.3.4",
            "1.2.3.00",
            "1.2.3.0",
            "1..2.3",
            "1.2.3.4 ",
            "+1.2.3.4",
            "1.2.3.-4",
            "1.2.3.1000",
            "0001.2.3.4",
            "3.251.148.97",
            "::ffff:3.251.148.97",
            "::FFFF:3.251.148.97",
            "::ffff:",
            "::ffff:1.2.3",
            "::ffff:01.2.3.4",
            "::ffff:0.0.0.0",
            "0:0:0:0:0:ffff:1.2.3.4",
            "::1",
            "",
            "1.2.3.4/8",
            "١.2.3.4",
            "1.2.3.4\0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for a in [0u32, 1, 9, 10, 99, 100, 199, 200, 249, 250, 255, 256, 999] {
            inputs.push(format!("{a}.{a}.0.{a}"));
            inputs.push(format!("::ffff:{a}.0.{a}.7"));
        }
        for raw in inputs {
            let standard = raw.parse::<IpAddr>().ok().map(canonical);
            assert_eq!(parse_ip(&raw), standard, "{raw:?}");
            // The hand parser reads exactly the dotted quads the standard parser reads (so
            // the usual address never takes the slow path).
            assert_eq!(
                dotted_quad(raw.as_bytes()),
                raw.parse::<std::net::Ipv4Addr>().ok(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn cidrs_parse_strictly() {
        for good in [
            "3.251.148.96/29",
            "0.0.0.0/0",
            "10.0.0.0/8",
            "2001:db8::/32",
            "::ffff:3.251.148.96/125",
        ] {
            assert_eq!(
                parse_cidr(good).map(|n| n.to_string()).as_deref(),
                Some(good),
                "{good}"
            );
        }
        for bad in [
            "010.0.0.0/8",
            "10.0.0.0/08",
            "10.0.0.0/",
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0.0/+8",
            "10.0.0.0/ 8",
            " 10.0.0.0/8",
            "10.0.0/8",
            "0x0a.0.0.0/8",
            "2001:db8::/129",
            "fe80::%eth0/64",
            "[2001:db8::]/32",
        ] {
            assert!(parse_cidr(bad).is_none(), "{bad}");
        }
    }

    fn table(cidrs: &[&str]) -> RangeTable {
        let nets: Vec<IpNet> = cidrs.iter().map(|c| c.parse().unwrap()).collect();
        RangeTable::new(&nets)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn strict_parsing() {
        for good in [
            "3.251.148.96",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "2001:db8::1",
            "::ffff:1.2.3.4",
        ] {
            assert!(parse_ip(good).is_some(), "{good}");
        }
        for bad in [
            "",
            " 1.2.3.4",
            "1.2.3.4 ",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "0x1.2.3.4",
            "1.2.3.4/32",
            "[::1]",
            "fe80::1%eth0",
            "1.2.3.4:80",
            "localhost",
            "１.2.3.4",
        ] {
            assert!(parse_ip(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn pieces_are_cut_at_every_boundary_inside_the_network() {
        let net = |s: &str| parse_cidr(s).unwrap();
        let starts = |n: &str, cuts: &[&str], max: usize| -> Vec<String> {
            let cuts: Vec<IpNet> = cuts.iter().map(|c| net(c)).collect();
            Boundaries::new(&cuts)
                .piece_starts(&net(n), max)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        // A /27 whose two ends are covered by /29s: the middle piece starts past the first.
        assert_eq!(
            starts("10.0.0.0/27", &["10.0.0.0/29", "10.0.0.24/29"], 8),
            ["10.0.0.0", "10.0.0.8", "10.0.0.24"]
        );
        // Cuts outside the network, or of the other family, change nothing; a cut that
        // covers the whole network leaves one piece.
        assert_eq!(
            starts("10.0.0.0/30", &["10.0.1.0/24", "::/0", "10.0.0.0/8"], 8),
            ["10.0.0.0"]
        );
        // A cut ending at the network's last address adds no piece past it; one ending at
        // the very last IPv4 or IPv6 address has no address past it.
        assert_eq!(
            starts("10.0.0.0/30", &["10.0.0.2/31"], 8),
            ["10.0.0.0", "10.0.0.2"]
        );
        assert_eq!(
            starts("255.255.255.254/31", &["255.255.255.255/32"], 8),
            ["255.255.255.254", "255.255.255.255"]
        );
        assert_eq!(
            starts(
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127",
                &["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"],
                8
            ),
            [
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
            ]
        );
        // Duplicates are dropped, the count is bounded, IPv6 is cut the same way.
        assert_eq!(
            starts("10.0.0.0/28", &["10.0.0.4/30", "10.0.0.4/30", "10.0.0.12/30"], 3),
            ["10.0.0.0", "10.0.0.4", "10.0.0.8"]
        );
        assert_eq!(
            starts("2001:db8::/126", &["2001:db8::1/128"], 8),
            ["2001:db8::", "2001:db8::1", "2001:db8::2"]
        );
        // An IPv4-mapped network is cut by IPv4 cuts, and an IPv4 network by mapped ones.
        assert_eq!(
            starts("::ffff:10.0.0.0/126", &["10.0.0.2/31"], 8),
            ["10.0.0.0", "10.0.0.2"]
        );
        assert_eq!(
            starts("10.0.0.0/30", &["::ffff:10.0.0.2/127"], 8),
            ["10.0.0.0", "10.0.0.2"]
        );
        // An IPv6 network around the mapped block is never asked an address that reads as
        // IPv4.
        assert_eq!(starts("::fffe:0:0/95", &["::fffe:0:0/96"], 8), ["::fffe:0:0"]);
    }

    #[test]
    fn boundaries_of_a_slash_29() {
        let t = table(&["3.251.148.96/29"]);
        assert!(!t.contains(ip("3.251.148.95")));
        assert!(t.contains(ip("3.251.148.96")));
        assert!(t.contains(ip("3.251.148.103")));
        assert!(!t.contains(ip("3.251.148.104")));
        assert!(t.contains(ip("::ffff:3.251.148.100")));
        assert!(!t.contains(ip("::3.251.148.100")));
    }

    #[test]
    fn merging_and_extremes() {
        let t = table(&[
            "10.0.0.0/25",
            "10.0.0.128/25",
            "0.0.0.0/32",
            "255.255.255.255/32",
            "::/128",
        ]);
        assert_eq!(t.v4.len(), 3);
        assert!(t.contains(ip("10.0.0.200")));
        assert!(t.contains(ip("0.0.0.0")));
        assert!(t.contains(ip("255.255.255.255")));
        assert!(t.contains(ip("::")));
        assert!(!t.contains(ip("::2")));
        assert!(table(&[]).is_empty());
    }

    #[test]
    fn mapped_networks_count_as_ipv4() {
        let t = table(&["::ffff:3.251.148.96/125"]);
        assert!(t.contains(ip("3.251.148.99")));
    }
}
