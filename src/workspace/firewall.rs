//! Warehouse firewalls: the loader ranges the engine's `allowlist` requires must be admitted,
//! and no entry may admit an address the engine's `connect` refuses as another region's loader.

use super::check::Check;
use super::pointer::{PatchOp, Pointer};
use super::report::{Fix, ViolationCode};
use crate::decision::{Answer, ReasonCode};
use crate::names::hint;
use crate::policy::RegionId;
use crate::question::Question;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Reads a firewall entry: a CIDR (host bits are cleared, as a firewall does) or one address.
pub(crate) fn parse_entry(text: &str) -> Option<IpNet> {
    let text = text.trim();
    if text.len() > crate::limits::MAX_IP_INPUT_BYTES {
        return None;
    }
    if let Ok(net) = text.parse::<IpNet>() {
        return Some(net.trunc());
    }
    text.parse::<IpAddr>().ok().map(IpNet::from)
}

/// An address as a number, with its family.
fn number(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (true, u128::from(u32::from(a))),
        IpAddr::V6(a) => (false, u128::from(a)),
    }
}

fn address(v4: bool, n: u128) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap_or(u32::MAX)))
    } else {
        IpAddr::V6(Ipv6Addr::from(n))
    }
}

fn range(net: &IpNet) -> (bool, u128, u128) {
    let (v4, lo) = number(net.network());
    let (_, hi) = number(net.broadcast());
    (v4, lo, hi)
}

/// An address that `net` admits, that lies in `loaders`, and that the engine refuses as a
/// loader of `home` — the first such, or `None`. Only the start of the overlap and the
/// addresses just past the home ranges inside it can be the first one.
fn foreign_witness(
    check: &mut Check<'_>,
    warehouse: &str,
    net: &IpNet,
    loaders: &IpNet,
    home: &[IpNet],
) -> Option<IpAddr> {
    let (v4, a_lo, a_hi) = range(net);
    let (v4b, b_lo, b_hi) = range(loaders);
    if v4 != v4b || a_hi < b_lo || b_hi < a_lo {
        return None;
    }
    let (lo, hi) = (a_lo.max(b_lo), a_hi.min(b_hi));
    let mut candidates = vec![lo];
    for h in home {
        let (hv4, _, h_hi) = range(h);
        if hv4 == v4 && h_hi < hi && h_hi >= lo {
            candidates.push(h_hi + 1);
        }
    }
    let region = check.ws.region.clone();
    for n in candidates {
        let ip = address(v4, n);
        let question = Question::Connect {
            workspace: region.clone(),
            warehouse: warehouse.to_string(),
            ip: ip.to_string(),
        };
        if !check.ask(&question).is_allowed() {
            return Some(ip);
        }
    }
    None
}

pub(crate) fn check(check: &mut Check<'_>, home: RegionId) {
    let policy = check.policy;
    let region = check.ws.region.clone();
    for (key, entry) in &check.ws.warehouses {
        let at = Pointer::root().key("warehouses").key(key);
        let shown_key = crate::text::excerpt(key);
        let subject = format!("warehouses[{key}]");
        let Some(store) = check.ws.stores.iter().find(|s| s.id == *key) else {
            let ids = check.ws.stores.iter().map(|s| s.id.as_str());
            check.push(
                &at,
                subject,
                ViolationCode::Engine(ReasonCode::UnknownWarehouse),
                format!("`{shown_key}` is not a store of this workspace"),
                Fix::none(format!(
                    "name a warehouse listed under `stores`{}",
                    hint(crate::names::nearest(key, ids))
                )),
            );
            continue;
        };
        if entry.firewall.iter().any(|c| c == super::UNKNOWN) {
            let at = at.key("firewall");
            check.not_known(
                &at,
                format!("{subject}.firewall"),
                "the firewall of warehouse",
                key,
            );
            continue;
        }
        let warehouse = store.store.clone();
        check.questions += 1;
        let decision = policy.allowlist(&region, &warehouse);
        if !decision.is_allowed() {
            let question = Question::Allowlist {
                workspace: region.clone(),
                warehouse: warehouse.clone(),
            };
            let code = decision.codes().next().unwrap_or(ReasonCode::UnknownWarehouse);
            if code == ReasonCode::UnknownWarehouse && policy.stores.by_name(&warehouse).is_none() {
                // The store itself is unknown: its entry under `stores` says so.
                continue;
            }
            let message = check.message(&decision, &question, None);
            let fix = if code == ReasonCode::UnknownWarehouse {
                Fix::none(format!(
                    "`{warehouse}` is no warehouse: only warehouses have firewalls"
                ))
            } else {
                Fix::none(format!(
                    "`{region}` names no loader range to admit: ask before opening `{shown_key}`"
                ))
            };
            check.push(&at, subject.clone(), ViolationCode::Engine(code), message, fix);
            if code == ReasonCode::UnknownWarehouse {
                continue;
            }
        }
        let required: Vec<IpNet> = match decision.answer() {
            Answer::Cidrs { region: Some(r) } => policy.egress(r).to_vec(),
            _ => Vec::new(),
        };
        let home_ranges = policy.egress(home).to_vec();
        let parsed: Vec<Option<IpNet>> = entry.firewall.iter().map(|c| parse_entry(c)).collect();
        let firewall = at.key("firewall");
        for (j, (text, net)) in entry.firewall.iter().zip(&parsed).enumerate() {
            let item = firewall.index(j);
            let item_subject = format!("{subject}.firewall({text})");
            let Some(net) = net else {
                check.push(
                    &item,
                    item_subject,
                    ViolationCode::MalformedCidr,
                    format!(
                        "`{}` is neither a CIDR nor an address",
                        crate::text::excerpt(text)
                    ),
                    Fix::edit(
                        format!("remove `{}`", crate::text::excerpt(text)),
                        vec![PatchOp::Remove {
                            path: item.to_json_pointer(),
                        }],
                    ),
                );
                continue;
            };
            let mut witness = None;
            'regions: for other in policy.region_ids().filter(|r| *r != home) {
                for loaders in policy.egress(other) {
                    if let Some(ip) = foreign_witness(check, &warehouse, net, loaders, &home_ranges) {
                        witness = Some((other, *loaders, ip));
                        break 'regions;
                    }
                }
            }
            let Some((other, loaders, ip)) = witness else {
                continue;
            };
            let connect = Question::Connect {
                workspace: region.clone(),
                warehouse: warehouse.clone(),
                ip: ip.to_string(),
            };
            let refused = check.policy.decide(&connect);
            let other_name = policy.region_name(other);
            let message = format!(
                "`{text}` admits `{loaders}`, the loaders of `{other_name}`, so data processed in `{other_name}` could be loaded into a warehouse of `{region}`: {}",
                check.message(&refused, &connect, None)
            );
            // The loader ranges only this entry admits must stay admitted.
            let kept: Vec<IpNet> = required
                .iter()
                .filter(|c| net.contains(*c))
                .filter(|c| {
                    !parsed
                        .iter()
                        .enumerate()
                        .any(|(k, n)| k != j && n.is_some_and(|n| n.contains(*c)))
                })
                .copied()
                .collect();
            let fix = match kept.split_first() {
                None => Fix::edit(
                    format!("remove `{text}`"),
                    vec![PatchOp::Remove {
                        path: item.to_json_pointer(),
                    }],
                ),
                Some((first, rest)) => {
                    let mut patch = vec![PatchOp::Replace {
                        path: item.to_json_pointer(),
                        value: first.to_string().into(),
                    }];
                    patch.extend(rest.iter().map(|c| PatchOp::Add {
                        path: firewall.end().to_json_pointer(),
                        value: c.to_string().into(),
                    }));
                    let list: Vec<String> = kept.iter().map(|c| format!("`{c}`")).collect();
                    Fix::edit(
                        format!(
                            "replace `{text}` with {}, the loaders of `{region}` only",
                            list.join(", ")
                        ),
                        patch,
                    )
                }
            };
            check.push(
                &item,
                item_subject,
                ViolationCode::FirewallAdmitsForeignLoader,
                message,
                fix,
            );
        }
        for cidr in &required {
            if parsed.iter().any(|n| n.is_some_and(|n| n.contains(cidr))) {
                continue;
            }
            let level = decision.codes().next().map_or("", ReasonCode::as_str);
            check.push(
                &firewall,
                format!("{subject}.firewall+({cidr})"),
                ViolationCode::FirewallLacksLoader,
                format!(
                    "the firewall of `{shown_key}` does not admit `{cidr}`, the loaders of `{region}` ({level})"
                ),
                Fix::edit(
                    format!("add `{cidr}` to the firewall of `{shown_key}`"),
                    vec![PatchOp::Add {
                        path: firewall.end().to_json_pointer(),
                        value: cidr.to_string().into(),
                    }],
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_as_firewalls_read_them() {
        assert_eq!(parse_entry("52.25.130.38"), "52.25.130.38/32".parse().ok());
        assert_eq!(parse_entry("3.251.148.97/29"), "3.251.148.96/29".parse().ok());
        assert_eq!(parse_entry("::1"), "::1/128".parse().ok());
        assert_eq!(parse_entry("3.251.148/29"), None);
        assert_eq!(parse_entry(&"1".repeat(100)), None);
    }
}
