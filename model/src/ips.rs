//! The model's reading of IPs and loader ranges, written from the README's "connect"
//! paragraph (and its "Limits"): a hand-written strict parser and a naive membership scan.

use ipnet::IpNet;
use regionfence::document::RegionDoc;
use regionfence::limits::MAX_IP_INPUT_BYTES;
use std::net::{IpAddr, Ipv4Addr};

/// "The IP must parse strictly (dotted-quad IPv4 without leading zeros, or IPv6 without zone
/// or brackets; an IPv4-mapped IPv6 address is its IPv4 address)": the dotted quad parsed
/// here by hand.
pub fn parse_ip(raw: &str) -> Option<IpAddr> {
    if raw.is_empty() || raw.len() > MAX_IP_INPUT_BYTES {
        return None;
    }
    if raw.contains(':') {
        if raw.contains(['%', '[', ']']) || raw.bytes().any(|b| b.is_ascii_whitespace()) {
            return None;
        }
        let v6: std::net::Ipv6Addr = raw.parse().ok()?;
        return Some(match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        });
    }
    let mut octets = [0u8; 4];
    let mut parts = raw.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        let well_formed = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'));
        if !well_formed {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}

/// A network as compared: "a CIDR written in IPv4-mapped form (`::ffff:a.b.c.d/n`, n ≥ 96)
/// is the IPv4 CIDR it carries".
pub fn as_compared(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net {
        if v6.prefix_len() >= 96 {
            if let Some(v4) = v6.network().to_ipv4_mapped() {
                if let Ok(n) = ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96) {
                    return IpNet::V4(n);
                }
            }
        }
    }
    net
}

/// A naive scan: whether `ip` (already canonical) lies in any of `nets` ("an IPv4 address
/// lies only in IPv4 CIDRs": `IpNet::contains` never mixes families).
pub fn in_nets(nets: &[IpNet], ip: IpAddr) -> bool {
    nets.iter().any(|n| as_compared(*n).contains(&ip))
}

/// A region's loader ranges (`warehouse_egress`), parsed from the document.
pub fn egress(region: &RegionDoc) -> Vec<IpNet> {
    region
        .warehouse_egress
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect()
}

/// Whether `ip` lies in one of `region`'s loader ranges.
pub fn in_egress(region: &RegionDoc, ip: IpAddr) -> bool {
    in_nets(&egress(region), ip)
}
