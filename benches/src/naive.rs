//! A naive evaluator: the rules written straight over the policy document, the way one
//! would without a compiler. Every decision scans the document's lists with string
//! comparisons, lower-cases the host into a new string, and parses the CIDRs it tests.

use ipnet::IpNet;
use regionfence::document::{Document, PlacesDoc, RegionDoc, Residency};
use std::net::IpAddr;

/// The naive evaluator over a borrowed document.
#[derive(Debug, Clone, Copy)]
pub struct Naive<'a> {
    document: &'a Document,
}

impl<'a> Naive<'a> {
    /// Wraps a document; there is nothing to build.
    pub fn new(document: &'a Document) -> Self {
        Naive { document }
    }

    fn region(&self, id: &str) -> Option<&'a RegionDoc> {
        self.document.regions.iter().find(|r| r.id == id)
    }

    /// May this source of this workspace send to this host?
    pub fn ingest(&self, workspace: &str, source: &str, host: &str) -> bool {
        let Some(region) = self.region(workspace) else {
            return false;
        };
        let kind = if self.document.source_kinds.iter().any(|k| k.id == source) {
            source
        } else {
            match self.document.sources.iter().find(|s| s.id == source) {
                Some(s) if s.regions.iter().any(|r| r == workspace) => s.kind.as_str(),
                _ => return false,
            }
        };
        if !region.source_kinds.iter().any(|k| k == kind) {
            return false;
        }
        let host = normalize(host);
        region.ingestion.iter().any(|i| i.hosts.contains(&host))
    }

    /// May the workspace's data go to this destination through its in-region endpoint?
    pub fn deliver(&self, workspace: &str, destination: &str) -> bool {
        let Some(region) = self.region(workspace) else {
            return false;
        };
        let Some(destination) = self.document.destinations.iter().find(|d| d.id == destination) else {
            return false;
        };
        if !destination.regions.iter().any(|r| r == workspace) {
            return false;
        }
        // The region's `deliver_to`, with the format's default.
        let places: Option<&[String]> = match &region.deliver_to {
            Some(PlacesDoc::Any(_)) => None,
            Some(PlacesDoc::List(list)) => Some(list),
            None if region.residency == Residency::Strict => Some(std::slice::from_ref(&region.jurisdiction)),
            None => None,
        };
        destination.endpoints.iter().any(|e| match places {
            None => true,
            Some(list) => list.contains(&e.jurisdiction),
        })
    }

    /// May a warehouse firewall accept this IP as the region's loader?
    pub fn connect(&self, workspace: &str, warehouse: &str, ip: &str) -> bool {
        let Some(region) = self.region(workspace) else {
            return false;
        };
        let is_warehouse = self
            .document
            .stores
            .iter()
            .any(|s| s.id == warehouse && s.kind == regionfence::document::StoreKind::Warehouse);
        if !is_warehouse {
            return false;
        }
        let Ok(address) = ip.parse::<IpAddr>() else {
            return false;
        };
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        region
            .warehouse_egress
            .iter()
            .filter_map(|cidr| cidr.parse::<IpNet>().ok())
            .any(|net| net.contains(&address))
    }

    /// Is `to` a valid failover target for `from`?
    pub fn failover(&self, from: &str, to: &str) -> bool {
        let (Some(source), Some(target)) = (self.location(from), self.location(to)) else {
            return false;
        };
        if from == to {
            return false;
        }
        if source == target {
            return true;
        }
        let Some(ingestion) = self
            .region(source.0)
            .and_then(|r| r.ingestion.iter().find(|i| i.id == source.1))
        else {
            return false;
        };
        let target_path = format!("{}/{}", target.0, target.1);
        ingestion.failover_to.contains(&target_path)
    }

    /// `<region>/<ingestion>-<zone>` → (region, ingestion), when the policy has it.
    fn location<'s>(&self, name: &'s str) -> Option<(&'s str, &'s str)> {
        let (region, rest) = name.split_once('/')?;
        let (ingestion, zone) = rest.rsplit_once('-')?;
        let known = self
            .region(region)?
            .ingestion
            .iter()
            .any(|i| i.id == ingestion && i.zones.iter().any(|z| z == zone));
        known.then_some((region, ingestion))
    }
}

/// Lower-case, drop the scheme, the path and the scheme's default port, and one trailing
/// dot; whatever is left is compared with the listed hosts as it is.
fn normalize(raw: &str) -> String {
    let lower = raw.to_ascii_lowercase();
    let (rest, ports): (&str, &[&str]) = if let Some(rest) = lower.strip_prefix("https://") {
        (rest, &[":443"])
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (rest, &[":80"])
    } else {
        (&lower, &[":443", ":80"])
    };
    let mut host = rest.split(['/', '?', '#']).next().unwrap_or("");
    for port in ports {
        if let Some(bare) = host.strip_suffix(port) {
            host = bare;
            break;
        }
    }
    host.strip_suffix('.').unwrap_or(host).to_string()
}
