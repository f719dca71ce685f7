//! `ip`: arbitrary strings and bytes through IP parsing and CIDR membership.
//!
//! The input's first line is an address as a caller sends it; up to eight further lines are
//! CIDRs for a policy built on the spot. Addresses built from the input's bytes (IPv4, IPv6,
//! IPv4-mapped, upper-case hex) are checked too, so membership is exercised even when the
//! text does not parse. For each address: [`regionfence::parse_ip`] agrees with the README's
//! strict parsing ([`regionfence_model::ips::parse_ip`], a hand-written dotted-quad parser), and
//! `Policy::connect` allows exactly when a naive `ipnet` `contains` scan over the region's
//! CIDRs does (an IPv4-mapped address or network counts as IPv4), for a fixed policy with
//! overlapping, adjacent, nested, extreme and mapped ranges in three regions, and for the
//! input's own CIDRs.

use ipnet::IpNet;
use regionfence::document::{
    Allowlisting, CloudRegionDoc, Document, GroupDoc, IngestionDoc, Mechanism, RegionDoc, Residency, Side,
    SourceKindDoc, StoreDoc, StoreKind,
};
use regionfence::{parse_ip, Policy, ReasonCode};
use regionfence_model::ips;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The fixed policy's regions and their loader ranges.
pub const FIXED: [(&str, &[&str]); 3] = [
    (
        "r",
        &[
            "3.251.148.96/29",
            "52.25.130.38/32",
            "10.0.0.0/8",
            "10.1.0.0/16",
            "0.0.0.0/32",
            "255.255.255.255/32",
            "192.0.2.0/25",
            "192.0.2.128/25",
            "2001:db8::/32",
            "2001:db8:1::/48",
            "::/128",
            "fe80::/10",
            "::ffff:198.51.100.0/120",
            "64:ff9b::/96",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
        ],
    ),
    ("wide", &["0.0.0.0/0", "::/0"]),
    ("none", &[]),
];

/// A one-cloud policy whose regions open exactly these CIDRs to warehouse `wh`.
pub fn egress_policy(regions: &[(&str, Vec<String>)]) -> Result<Policy, String> {
    let doc = Document {
        version: 1,
        name: "ip-fuzz".into(),
        description: None,
        cloud_regions: vec![CloudRegionDoc {
            id: "aws:x-1".into(),
            country: "IE".into(),
            name: None,
        }],
        groups: vec![GroupDoc {
            id: "g".into(),
            name: None,
            countries: vec!["IE".into()],
        }],
        source_kinds: vec![SourceKindDoc {
            id: "server".into(),
            side: Side::Server,
            mechanism: Mechanism::HostParameter,
        }],
        regions: regions
            .iter()
            .enumerate()
            .map(|(i, (id, cidrs))| RegionDoc {
                id: (*id).into(),
                name: None,
                default: i == 0,
                residency: Residency::EdgeIngest,
                jurisdiction: "g".into(),
                processing: "aws:x-1".into(),
                archive: vec!["g".into()],
                customer_storage: None,
                deliver_to: None,
                source_kinds: vec!["server".into()],
                catalog_only_kinds: vec![],
                warehouse_egress: cidrs.clone(),
                ingestion: vec![IngestionDoc {
                    id: "i".into(),
                    default: true,
                    cloud_region: "aws:x-1".into(),
                    hosts: vec![format!("in.{id}.example")],
                    zones: vec![],
                    failover_to: vec![],
                }],
            })
            .collect(),
        sources: vec![],
        destinations: vec![],
        stores: vec![StoreDoc {
            id: "wh".into(),
            kind: StoreKind::Warehouse,
            clouds: vec!["aws".into()],
            allowlist: Some(Allowlisting::Required),
            regions: None,
        }],
        exemptions: vec![],
    };
    Policy::compile(doc).map_err(|e| format!("the egress policy does not compile: {e}"))
}

fn fixed_policy() -> &'static Policy {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| {
        let regions: Vec<(&str, Vec<String>)> = FIXED
            .iter()
            .map(|(id, cidrs)| (*id, cidrs.iter().map(|c| (*c).to_string()).collect()))
            .collect();
        match egress_policy(&regions) {
            Ok(policy) => policy,
            Err(e) => panic!("{e}"),
        }
    })
}

/// Addresses built from the input's bytes, in several notations.
fn from_bytes(data: &[u8]) -> Vec<String> {
    let mut b = [0u8; 16];
    for (slot, byte) in b.iter_mut().zip(data) {
        *slot = *byte;
    }
    let v4 = Ipv4Addr::new(b[0], b[1], b[2], b[3]);
    let v6 = Ipv6Addr::from(b);
    vec![
        v4.to_string(),
        format!("::ffff:{v4}"),
        v4.to_ipv6_mapped().to_string(),
        v6.to_string(),
        v6.to_string().to_ascii_uppercase(),
        format!(
            "{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}",
            0x2001, 0xdb8, b[4], b[5], b[6], b[7], b[8], b[9]
        ),
    ]
}

/// The property.
pub fn check(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let raw = lines.next().unwrap_or("");
    let mut own: Vec<IpNet> = Vec::new();
    // A policy lists each CIDR once.
    for net in lines.take(8).filter_map(|l| l.trim().parse::<IpNet>().ok()) {
        if !own.contains(&net.trunc()) {
            own.push(net.trunc());
        }
    }
    let own_policy = if own.is_empty() {
        None
    } else {
        let cidrs = own.iter().map(ToString::to_string).collect();
        Some(egress_policy(&[("r", cidrs)])?)
    };

    let mut addresses = vec![raw.to_string()];
    addresses.extend(from_bytes(data));
    for (i, address) in addresses.iter().enumerate() {
        let parsed = parse_ip(address);
        let want = ips::parse_ip(address);
        if parsed != want {
            return Err(format!(
                "parse_ip({address:?}) = {parsed:?}, the README's rules say {want:?}"
            ));
        }
        // Every address built from bytes is well formed.
        if i > 0 && parsed.is_none() {
            return Err(format!("parse_ip({address:?}) refuses a well-formed address"));
        }
        if let Some(IpAddr::V6(v6)) = parsed {
            if v6.to_ipv4_mapped().is_some() {
                return Err(format!(
                    "parse_ip({address:?}) = {v6}, an IPv4-mapped address left as IPv6"
                ));
            }
        }
        for (region, cidrs) in FIXED {
            let nets: Vec<IpNet> = cidrs.iter().filter_map(|c| c.parse().ok()).collect();
            connect(fixed_policy(), region, &nets, address, want)?;
        }
        if let Some(policy) = &own_policy {
            connect(policy, "r", &own, address, want)?;
        }
    }
    Ok(())
}

fn connect(
    policy: &Policy,
    region: &str,
    nets: &[IpNet],
    address: &str,
    ip: Option<IpAddr>,
) -> Result<(), String> {
    let decision = policy.connect(region, "wh", address);
    let inside = ip.is_some_and(|ip| ips::in_nets(nets, ip));
    if decision.is_allowed() != inside {
        return Err(format!(
            "connect({region}, {address:?}) = {:?}, but a naive scan of {nets:?} says {}",
            decision.verdict(),
            if inside { "inside" } else { "outside" }
        ));
    }
    if ip.is_none() && !decision.has_code(ReasonCode::MalformedIp) {
        return Err(format!(
            "connect({region}, {address:?}) does not say the IP is malformed"
        ));
    }
    Ok(())
}
