//! The rules in Rego, over the policy document loaded once as `data` (its lists keyed by
//! id, as Rego data is usually laid out), evaluated by Regorus two ways: its interpreter
//! ([`Rego`], `Engine::eval_rule`) and its register VM ([`RegoVm`], the rules compiled once
//! to bytecode). A gateway sets `input` and evaluates one rule per decision.

use crate::GatewayHost;
use regionfence::document::{Document, PlacesDoc, Residency, StoreKind};
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::vm::RegoVM;
use regorus::{Engine, Value};
use serde_json::{json, Map};
use std::collections::BTreeMap;

/// The rules. `data` is [`data_document`].
pub const RULES: &str = r#"
package regionfence

import rego.v1

# ingest: the source is supported in the workspace's region, and the host is listed by one
# of that region's ingestion regions.
default ingest := false

ingest if {
	region := data.regions[input.workspace]
	source_supported(region)
	some ingestion in region.ingestion
	input.host in ingestion.hosts
}

# A source kind named directly: supported where the region lists the kind.
source_supported(region) if {
	data.source_kinds[input.source]
	input.source in region.source_kinds
}

# A catalog source: its kind is listed by the region, and it lists the region.
source_supported(region) if {
	source := data.sources[input.source]
	source.kind in region.source_kinds
	input.workspace in source.regions
}

# deliver (no endpoint named): the destination is available in the region, and one of its
# endpoints lies in a jurisdiction the region delivers to.
default deliver := false

deliver if {
	region := data.regions[input.workspace]
	destination := data.destinations[input.destination]
	input.workspace in destination.regions
	some endpoint in destination.endpoints
	delivers_to(region, endpoint.jurisdiction)
}

delivers_to(region, _) if region.deliver_to == "any"

delivers_to(region, jurisdiction) if jurisdiction in region.deliver_to

# connect: a warehouse, and the IP lies in one of the region's warehouse-egress CIDRs.
default connect := false

connect if {
	region := data.regions[input.workspace]
	data.stores[input.warehouse].kind == "warehouse"
	some cidr in region.warehouse_egress
	net.cidr_contains(cidr, input.ip)
}

# failover: another location of the same ingestion region, or of an ingestion region that
# the source's ingestion region lists in `failover_to`.
default failover := false

failover if {
	input.from != input.to
	data.locations[input.from].ingestion == data.locations[input.to].ingestion
}

failover if {
	input.from != input.to
	from := data.locations[input.from]
	data.locations[input.to].ingestion in data.ingestions[from.ingestion].failover_to
}
"#;

/// The rule paths, one per question.
pub const INGEST: &str = "data.regionfence.ingest";
/// See [`INGEST`].
pub const DELIVER: &str = "data.regionfence.deliver";
/// See [`INGEST`].
pub const CONNECT: &str = "data.regionfence.connect";
/// See [`INGEST`].
pub const FAILOVER: &str = "data.regionfence.failover";

/// The policy document as Rego `data`: lists keyed by id; a region's `deliver_to` with the
/// format's default applied (`"any"` or a list of groups); its warehouse-egress CIDRs as
/// [`crate::egress_cidrs`] gives them; failover locations enumerated
/// from the zones, each naming its ingestion region as `region/ingestion`.
pub fn data_document(document: &Document) -> serde_json::Value {
    let mut regions = Map::new();
    let mut ingestions = Map::new();
    let mut locations = Map::new();
    for r in &document.regions {
        let deliver_to = match &r.deliver_to {
            Some(PlacesDoc::Any(_)) => json!("any"),
            Some(PlacesDoc::List(list)) => json!(list),
            None if r.residency == Residency::Strict => json!([r.jurisdiction]),
            None => json!("any"),
        };
        let mut ingestion = Vec::new();
        for i in &r.ingestion {
            let path = format!("{}/{}", r.id, i.id);
            ingestion.push(json!({"id": i.id, "hosts": i.hosts}));
            ingestions.insert(path.clone(), json!({"failover_to": i.failover_to}));
            for z in &i.zones {
                locations.insert(format!("{path}-{z}"), json!({"ingestion": path}));
            }
        }
        regions.insert(
            r.id.clone(),
            json!({
                "source_kinds": r.source_kinds,
                "deliver_to": deliver_to,
                "warehouse_egress": crate::egress_cidrs(r, crate::Mapped::Dotted),
                "ingestion": ingestion,
            }),
        );
    }
    let source_kinds: Map<String, serde_json::Value> = document
        .source_kinds
        .iter()
        .map(|k| (k.id.clone(), json!({"side": k.side.to_string()})))
        .collect();
    let sources: Map<String, serde_json::Value> = document
        .sources
        .iter()
        .map(|s| (s.id.clone(), json!({"kind": s.kind, "regions": s.regions})))
        .collect();
    let destinations: Map<String, serde_json::Value> = document
        .destinations
        .iter()
        .map(|d| {
            let endpoints: Vec<_> = d
                .endpoints
                .iter()
                .map(|e| json!({"id": e.id, "jurisdiction": e.jurisdiction, "hosts": e.hosts}))
                .collect();
            (
                d.id.clone(),
                json!({"regions": d.regions, "endpoints": endpoints}),
            )
        })
        .collect();
    let stores: Map<String, serde_json::Value> = document
        .stores
        .iter()
        .map(|s| {
            let kind = match s.kind {
                StoreKind::Archive => "archive",
                StoreKind::DataLake => "data-lake",
                StoreKind::Warehouse => "warehouse",
            };
            (s.id.clone(), json!({"kind": kind}))
        })
        .collect();
    json!({
        "regions": regions,
        "ingestions": ingestions,
        "locations": locations,
        "source_kinds": source_kinds,
        "sources": sources,
        "destinations": destinations,
        "stores": stores,
    })
}

/// The `data` value Regorus loads.
pub fn data_value(document: &Document) -> Result<Value, String> {
    Value::from_json_str(&data_document(document).to_string()).map_err(|e| e.to_string())
}

/// An `input` object of string fields, built per decision as a gateway would.
#[inline]
pub fn input<const N: usize>(fields: [(&str, &str); N]) -> Value {
    let mut map = BTreeMap::new();
    for (key, value) in fields {
        map.insert(Value::from(key), Value::from(value));
    }
    Value::from(map)
}

/// The input of an ingest question.
#[inline]
pub fn ingest_input(workspace: &str, source: &str, host: &str) -> Value {
    let host = GatewayHost::new(host);
    input([
        ("workspace", workspace),
        ("source", source),
        ("host", host.as_str()),
    ])
}

/// The Regorus interpreter peer: one engine with the rules and data loaded once.
#[derive(Clone)]
pub struct Rego {
    engine: Engine,
}

impl Rego {
    /// Loads the rules and the document.
    pub fn new(document: &Document) -> Result<Rego, String> {
        let mut engine = Engine::new();
        engine
            .add_policy("regionfence.rego".into(), RULES.into())
            .map_err(|e| e.to_string())?;
        engine
            .add_data(data_value(document)?)
            .map_err(|e| e.to_string())?;
        Ok(Rego { engine })
    }

    /// Evaluates `rule` on `input`; anything but `true` (including an error) is a deny.
    #[inline]
    pub fn eval(&mut self, rule: &str, input: Value) -> bool {
        self.engine.set_input(input);
        self.engine
            .eval_rule(rule.to_string())
            .is_ok_and(|v| v == Value::Bool(true))
    }

    /// May this source of this workspace send to this host?
    pub fn ingest(&mut self, workspace: &str, source: &str, host: &str) -> bool {
        self.eval(INGEST, ingest_input(workspace, source, host))
    }

    /// May the workspace's data go to this destination through its in-region endpoint?
    pub fn deliver(&mut self, workspace: &str, destination: &str) -> bool {
        self.eval(
            DELIVER,
            input([("workspace", workspace), ("destination", destination)]),
        )
    }

    /// May a warehouse firewall accept this IP as the region's loader?
    pub fn connect(&mut self, workspace: &str, warehouse: &str, ip: &str) -> bool {
        self.eval(
            CONNECT,
            input([("workspace", workspace), ("warehouse", warehouse), ("ip", ip)]),
        )
    }

    /// Is `to` a valid failover target for `from`?
    pub fn failover(&mut self, from: &str, to: &str) -> bool {
        self.eval(FAILOVER, input([("from", from), ("to", to)]))
    }
}

/// The Regorus VM peer: each rule compiled once to a bytecode program, one VM per rule with
/// the data loaded once.
pub struct RegoVm {
    ingest: RegoVM,
    deliver: RegoVM,
    connect: RegoVM,
    failover: RegoVM,
}

impl RegoVm {
    /// Compiles the rules and loads the document.
    pub fn new(document: &Document) -> Result<RegoVm, String> {
        let data = data_value(document)?;
        let mut engine = Engine::new();
        engine
            .add_policy("regionfence.rego".into(), RULES.into())
            .map_err(|e| e.to_string())?;
        engine.add_data(data.clone()).map_err(|e| e.to_string())?;
        let mut vm = |rule: &str| -> Result<RegoVM, String> {
            let compiled = engine
                .compile_with_entrypoint(&rule.into())
                .map_err(|e| e.to_string())?;
            let program = Compiler::compile_from_policy(&compiled, &[rule]).map_err(|e| e.to_string())?;
            let mut vm = RegoVM::new_with_policy(compiled);
            vm.load_program(program);
            vm.set_data(data.clone()).map_err(|e| e.to_string())?;
            Ok(vm)
        };
        Ok(RegoVm {
            ingest: vm(INGEST)?,
            deliver: vm(DELIVER)?,
            connect: vm(CONNECT)?,
            failover: vm(FAILOVER)?,
        })
    }

    #[inline]
    fn run(vm: &mut RegoVM, input: Value) -> bool {
        vm.set_input(input);
        vm.execute().is_ok_and(|v| v == Value::Bool(true))
    }

    /// Evaluates the ingest rule on a prepared input.
    #[inline]
    pub fn ingest_prepared(&mut self, input: Value) -> bool {
        RegoVm::run(&mut self.ingest, input)
    }

    /// May this source of this workspace send to this host?
    pub fn ingest(&mut self, workspace: &str, source: &str, host: &str) -> bool {
        RegoVm::run(&mut self.ingest, ingest_input(workspace, source, host))
    }

    /// May the workspace's data go to this destination through its in-region endpoint?
    pub fn deliver(&mut self, workspace: &str, destination: &str) -> bool {
        RegoVm::run(
            &mut self.deliver,
            input([("workspace", workspace), ("destination", destination)]),
        )
    }

    /// May a warehouse firewall accept this IP as the region's loader?
    pub fn connect(&mut self, workspace: &str, warehouse: &str, ip: &str) -> bool {
        RegoVm::run(
            &mut self.connect,
            input([("workspace", workspace), ("warehouse", warehouse), ("ip", ip)]),
        )
    }

    /// Is `to` a valid failover target for `from`?
    pub fn failover(&mut self, from: &str, to: &str) -> bool {
        RegoVm::run(&mut self.failover, input([("from", from), ("to", to)]))
    }
}
