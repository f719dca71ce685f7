//! The rules as Cedar policies. The entity store is built once from the policy document:
//! hosts are children of the ingestion regions that list them, which are children of their
//! processing region, so "the host is in the workspace's region" is Cedar's `in`; sources,
//! regions, destinations, stores and failover locations carry the rest as attributes. A
//! gateway builds one [`Request`] per decision and asks [`Authorizer::is_authorized`].

use crate::GatewayHost;
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
    RestrictedExpression,
};
use regionfence::document::{Document, PlacesDoc, Residency, StoreKind};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::str::FromStr;

/// The rules that do not depend on the policy's data. `connect` needs one rule per region and
/// CIDR (Cedar has no quantifier over a set of ranges); [`Cedar::policies_text`] adds them.
pub const RULES: &str = r#"
// ingest: the host is listed by an ingestion region of the workspace's region, and the
// source is supported there (its kind is one of the region's kinds, and a catalog source
// lists the region).
permit (principal is Region, action == Action::"ingest", resource is Host)
when {
  resource in principal &&
  principal.kinds.contains(context.source.kind) &&
  context.source.regions.contains(principal)
};

// deliver (no endpoint named): the destination is available in the region, and one of its
// endpoints lies in a jurisdiction the region delivers to.
permit (principal is Region, action == Action::"deliver", resource is Destination)
when {
  resource.regions.contains(principal) &&
  (principal.deliver_anywhere || principal.deliver_to.containsAny(resource.jurisdictions))
};

// failover: another location of the same ingestion region, or of an ingestion region the
// source's ingestion region lists in `failover_to`.
permit (principal is Location, action == Action::"failover", resource is Location)
when {
  principal != resource &&
  (resource in principal.ingestion || principal.ingestion.failover_to.contains(resource.ingestion))
};
"#;

/// The Cedar peer: policies, entities and an authorizer, built once.
pub struct Cedar {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    region: EntityTypeName,
    host: EntityTypeName,
    source: EntityTypeName,
    destination: EntityTypeName,
    store: EntityTypeName,
    location: EntityTypeName,
    ingest: EntityUid,
    deliver: EntityUid,
    connect: EntityUid,
    failover: EntityUid,
}

fn type_name(name: &str) -> EntityTypeName {
    EntityTypeName::from_str(name).unwrap_or_else(|e| panic!("entity type `{name}`: {e}"))
}

fn uid(ty: &EntityTypeName, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id))
}

fn set(ty: &EntityTypeName, ids: impl IntoIterator<Item = impl AsRef<str>>) -> RestrictedExpression {
    RestrictedExpression::new_set(
        ids.into_iter()
            .map(|id| RestrictedExpression::new_entity_uid(uid(ty, id.as_ref()))),
    )
}

/// `(region, ingestion)` → the ingestion region's entity id.
fn ingestion_id(region: &str, ingestion: &str) -> String {
    format!("{region}/{ingestion}")
}

impl Cedar {
    /// The full policy text for a document: [`RULES`] and one `connect` rule per region and
    /// warehouse-egress CIDR ([`crate::egress_cidrs`]).
    pub fn policies_text(document: &Document) -> String {
        let mut text = String::from(RULES);
        text.push_str(
            "\n// connect: the IP lies in one of the region's warehouse-egress CIDRs (an IPv4 CIDR\n\
             // also in its IPv4-mapped IPv6 form).\n",
        );
        for region in &document.regions {
            for cidr in crate::egress_cidrs(region, crate::Mapped::Hex) {
                text.push_str(&format!(
                    "permit (principal == Region::\"{}\", action == Action::\"connect\", resource is Store)\n\
                     when {{ resource.kind == \"warehouse\" && context.ip.isInRange(ip(\"{}\")) }};\n",
                    region.id, cidr
                ));
            }
        }
        text
    }

    /// Builds the peer from a policy document.
    pub fn new(document: &Document) -> Result<Cedar, String> {
        let policies = PolicySet::from_str(&Cedar::policies_text(document)).map_err(|e| e.to_string())?;
        let region = type_name("Region");
        let ingestion = type_name("Ingestion");
        let host = type_name("Host");
        let kind = type_name("Kind");
        let source = type_name("Source");
        let group = type_name("Group");
        let destination = type_name("Destination");
        let store = type_name("Store");
        let location = type_name("Location");
        let action = type_name("Action");

        let mut entities: Vec<Entity> = Vec::new();
        let entity = |uid: EntityUid, attrs: Vec<(&str, RestrictedExpression)>, parents: Vec<EntityUid>| {
            let attrs: HashMap<String, RestrictedExpression> =
                attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            Entity::new(uid, attrs, parents.into_iter().collect::<HashSet<_>>()).map_err(|e| e.to_string())
        };

        for g in &document.groups {
            entities.push(Entity::new_no_attrs(uid(&group, &g.id), HashSet::new()));
        }
        for k in &document.source_kinds {
            entities.push(Entity::new_no_attrs(uid(&kind, &k.id), HashSet::new()));
        }
        // Hosts may be listed by several ingestion regions: collect their parents first.
        let mut host_parents: BTreeMap<&str, Vec<EntityUid>> = BTreeMap::new();
        for r in &document.regions {
            let (anywhere, places): (bool, Vec<&str>) = match &r.deliver_to {
                Some(PlacesDoc::Any(_)) => (true, vec![]),
                Some(PlacesDoc::List(list)) => (false, list.iter().map(String::as_str).collect()),
                None if r.residency == Residency::Strict => (false, vec![r.jurisdiction.as_str()]),
                None => (true, vec![]),
            };
            entities.push(entity(
                uid(&region, &r.id),
                vec![
                    ("kinds", set(&kind, &r.source_kinds)),
                    ("deliver_anywhere", RestrictedExpression::new_bool(anywhere)),
                    ("deliver_to", set(&group, places)),
                ],
                vec![],
            )?);
            for i in &r.ingestion {
                let ingestion_uid = uid(&ingestion, &ingestion_id(&r.id, &i.id));
                entities.push(entity(
                    ingestion_uid.clone(),
                    vec![("failover_to", set(&ingestion, &i.failover_to))],
                    vec![uid(&region, &r.id)],
                )?);
                for h in &i.hosts {
                    host_parents.entry(h).or_default().push(ingestion_uid.clone());
                }
                for z in &i.zones {
                    entities.push(entity(
                        uid(&location, &format!("{}/{}-{}", r.id, i.id, z)),
                        vec![(
                            "ingestion",
                            RestrictedExpression::new_entity_uid(ingestion_uid.clone()),
                        )],
                        vec![ingestion_uid.clone()],
                    )?);
                }
            }
        }
        for (h, parents) in host_parents {
            entities.push(Entity::new_no_attrs(uid(&host, h), parents.into_iter().collect()));
        }
        // A kind named directly is a source of that kind usable in every region.
        let all_regions: BTreeSet<&str> = document.regions.iter().map(|r| r.id.as_str()).collect();
        for k in &document.source_kinds {
            entities.push(entity(
                uid(&source, &k.id),
                vec![
                    ("kind", RestrictedExpression::new_entity_uid(uid(&kind, &k.id))),
                    ("regions", set(&region, &all_regions)),
                ],
                vec![],
            )?);
        }
        for s in &document.sources {
            entities.push(entity(
                uid(&source, &s.id),
                vec![
                    ("kind", RestrictedExpression::new_entity_uid(uid(&kind, &s.kind))),
                    ("regions", set(&region, &s.regions)),
                ],
                vec![],
            )?);
        }
        for d in &document.destinations {
            let jurisdictions: BTreeSet<&str> = d.endpoints.iter().map(|e| e.jurisdiction.as_str()).collect();
            entities.push(entity(
                uid(&destination, &d.id),
                vec![
                    ("regions", set(&region, &d.regions)),
                    ("jurisdictions", set(&group, jurisdictions)),
                ],
                vec![],
            )?);
        }
        for s in &document.stores {
            let kind_name = match s.kind {
                StoreKind::Archive => "archive",
                StoreKind::DataLake => "data-lake",
                StoreKind::Warehouse => "warehouse",
            };
            entities.push(entity(
                uid(&store, &s.id),
                vec![("kind", RestrictedExpression::new_string(kind_name.into()))],
                vec![],
            )?);
        }
        let entities = Entities::from_entities(entities, None).map_err(|e| e.to_string())?;
        Ok(Cedar {
            authorizer: Authorizer::new(),
            policies,
            entities,
            ingest: uid(&action, "ingest"),
            deliver: uid(&action, "deliver"),
            connect: uid(&action, "connect"),
            failover: uid(&action, "failover"),
            region,
            host,
            source,
            destination,
            store,
            location,
        })
    }

    /// The ingest request, as a gateway builds it for each decision.
    pub fn ingest_request(&self, workspace: &str, source: &str, host: &str) -> Option<Request> {
        let host = GatewayHost::new(host);
        let context = Context::from_pairs([(
            "source".to_string(),
            RestrictedExpression::new_entity_uid(uid(&self.source, source)),
        )])
        .ok()?;
        Request::new(
            uid(&self.region, workspace),
            self.ingest.clone(),
            uid(&self.host, host.as_str()),
            context,
            None,
        )
        .ok()
    }

    /// Whether a request is allowed.
    #[inline]
    pub fn authorize(&self, request: &Request) -> bool {
        self.authorizer
            .is_authorized(request, &self.policies, &self.entities)
            .decision()
            == Decision::Allow
    }

    /// May this source of this workspace send to this host?
    #[inline]
    pub fn ingest(&self, workspace: &str, source: &str, host: &str) -> bool {
        self.ingest_request(workspace, source, host)
            .is_some_and(|r| self.authorize(&r))
    }

    /// May the workspace's data go to this destination through its in-region endpoint?
    pub fn deliver(&self, workspace: &str, destination: &str) -> bool {
        Request::new(
            uid(&self.region, workspace),
            self.deliver.clone(),
            uid(&self.destination, destination),
            Context::empty(),
            None,
        )
        .is_ok_and(|r| self.authorize(&r))
    }

    /// May a warehouse firewall accept this IP as the region's loader?
    pub fn connect(&self, workspace: &str, warehouse: &str, ip: &str) -> bool {
        // A malformed IP fails to build the context: the gateway denies.
        let Ok(context) = Context::from_pairs([("ip".to_string(), RestrictedExpression::new_ip(ip))]) else {
            return false;
        };
        Request::new(
            uid(&self.region, workspace),
            self.connect.clone(),
            uid(&self.store, warehouse),
            context,
            None,
        )
        .is_ok_and(|r| self.authorize(&r))
    }

    /// Is `to` a valid failover target for `from`?
    pub fn failover(&self, from: &str, to: &str) -> bool {
        Request::new(
            uid(&self.location, from),
            self.failover.clone(),
            uid(&self.location, to),
            Context::empty(),
            None,
        )
        .is_ok_and(|r| self.authorize(&r))
    }
}
