//! The check of a whole configuration: every entry becomes the engine's own questions, and
//! every denial a violation with the smallest fix the engine confirms.

use super::document::{SourceEntry, Workspace, UNKNOWN};
use super::firewall;
use super::pointer::{PatchOp, Pointer};
use super::report::{Fix, Violation, ViolationCode, WorkspaceReport};
use crate::decision::{Decision, ReasonCode};
use crate::document::ExemptedFlow;
use crate::explain::Resolved;
use crate::names::hint;
use crate::policy::{CloudId, Policy, RegionId};
use crate::question::Question;

impl Policy {
    /// Checks a workspace's whole configuration against the policy: its region, every source,
    /// destination, store, warehouse firewall and failover step, each through the engine's own
    /// questions (`ingest`, `resolve`, `deliver`, `store`, `allowlist`, `connect`, `failover`,
    /// `region-change`). Unknown names are violations with a hint, never errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Policy;
    /// use regionfence::workspace::Workspace;
    /// let ws = Workspace::parse(
    ///     "version: 1\nworkspace: acme\nregion: eu-west\n\
    ///      destinations: [{id: amp, destination: amplitude, endpoint: us}]\n",
    /// ).unwrap();
    /// let report = Policy::default_policy().check_workspace(&ws);
    /// let v = &report.violations[0];
    /// assert_eq!(v.path, "destinations[0].endpoint");
    /// assert_eq!(v.code.as_str(), "endpoint-outside-region");
    /// assert_eq!(v.fix.sentence, "use endpoint `eu`");
    /// ```
    pub fn check_workspace(&self, workspace: &Workspace) -> WorkspaceReport {
        let mut check = Check {
            policy: self,
            ws: workspace,
            questions: 0,
            violations: Vec::new(),
        };
        if let Some(region) = check.region() {
            check.sources();
            check.destinations();
            check.stores();
            firewall::check(&mut check, region);
            check.failover(region);
        }
        WorkspaceReport {
            workspace: workspace.workspace.clone(),
            region: workspace.region.clone(),
            questions: check.questions,
            violations: check.violations,
        }
    }
}

/// A check in progress.
pub(crate) struct Check<'a> {
    pub(crate) policy: &'a Policy,
    pub(crate) ws: &'a Workspace,
    pub(crate) questions: usize,
    pub(crate) violations: Vec<Violation>,
}

/// How far a candidate cloud region lies: other provider, other country, not the processing
/// region, then its name (smaller is nearer).
type PlaceRank<'a> = (bool, bool, bool, &'a str);

fn root(list: &str) -> Pointer {
    Pointer::root().key(list)
}

impl Check<'_> {
    /// The engine's message for a decision's first reason, or for its first reason with `code`.
    pub(crate) fn message(
        &self,
        decision: &Decision,
        question: &Question,
        code: Option<ReasonCode>,
    ) -> String {
        let explained = decision.explain(self.policy, question);
        let pick = explained
            .reasons
            .iter()
            .find(|r| code.is_none_or(|c| r.code == c))
            .or(explained.reasons.first());
        pick.map(|r| r.message.clone()).unwrap_or_default()
    }

    pub(crate) fn ask(&mut self, question: &Question) -> Decision {
        self.questions += 1;
        self.policy.decide(question)
    }

    pub(crate) fn push(
        &mut self,
        at: &Pointer,
        subject: String,
        code: ViolationCode,
        message: String,
        fix: Fix,
    ) {
        self.violations
            .push(Violation::new(at, subject, code, message, fix));
    }

    /// The workspace's region: known, or a violation that no edit fixes.
    fn region(&mut self) -> Option<RegionId> {
        let ws = &self.ws.region;
        let question = Question::RegionChange {
            workspace: ws.clone(),
            to: ws.clone(),
        };
        let decision = self.ask(&question);
        if decision.is_allowed() {
            return self.policy.region_id(ws);
        }
        let code = decision.codes().next().unwrap_or(ReasonCode::UnknownRegion);
        let message = self.message(&decision, &question, None);
        let target = self
            .policy
            .regions
            .names()
            .nearest(ws)
            .map(str::to_string)
            .unwrap_or_else(|| self.policy.region_name(self.policy.default_region()).to_string());
        self.push(
            &Pointer::root().key("region"),
            "region".into(),
            ViolationCode::Engine(code),
            message,
            Fix::none(format!(
                "no edit changes a workspace's region: create a new workspace in `{target}`"
            )),
        );
        None
    }

    fn sources(&mut self) {
        let region = self.ws.region.clone();
        for (i, entry) in self.ws.sources.iter().enumerate() {
            let confirmed;
            let entry = match self.not_known_source(i, entry) {
                Some(known) => {
                    confirmed = known;
                    &confirmed
                }
                None => entry,
            };
            // The common case first, without building a question or a path: every answer allows.
            let policy = self.policy;
            let source = entry.source.as_str();
            let fine = policy.resolve(&region, source, None).is_allowed()
                && entry
                    .ingestion
                    .as_deref()
                    .is_none_or(|i| policy.resolve(&region, source, Some(i)).is_allowed())
                && entry
                    .host
                    .as_deref()
                    .is_none_or(|h| policy.ingest(&region, source, h).is_allowed());
            if fine {
                self.questions +=
                    1 + usize::from(entry.ingestion.is_some()) + usize::from(entry.host.is_some());
                continue;
            }
            let at = root("sources").index(i);
            let subject = format!("sources[{}]", entry.id);
            let resolve = Question::Resolve {
                workspace: region.clone(),
                source: entry.source.clone(),
                ingestion: None,
            };
            let supported = self.ask(&resolve);
            if !supported.is_allowed() {
                let code = supported.codes().next().unwrap_or(ReasonCode::UnknownSource);
                let message = self.message(&supported, &resolve, None);
                let fix = if code == ReasonCode::UnknownSource {
                    Fix::none(format!(
                        "name a source the policy knows{}",
                        hint(self.policy.source_hint(&entry.source))
                    ))
                } else {
                    Fix::edit(
                        format!(
                            "`{}` cannot run in `{region}`: no edit keeps this source; remove it",
                            entry.source
                        ),
                        vec![PatchOp::Remove {
                            path: at.to_json_pointer(),
                        }],
                    )
                };
                self.push(
                    &at.key("source"),
                    format!("{subject}.source"),
                    ViolationCode::Engine(code),
                    message,
                    fix,
                );
                continue;
            }
            let default_ingestion = Resolved::new(self.policy, &supported)
                .ingestion
                .unwrap_or_default();
            // The host to hand out: the chosen ingestion region's when that choice is valid.
            let mut handed = resolve.clone();
            if let Some(ingestion) = &entry.ingestion {
                let chosen = Question::Resolve {
                    workspace: region.clone(),
                    source: entry.source.clone(),
                    ingestion: Some(ingestion.clone()),
                };
                let decision = self.ask(&chosen);
                if decision.is_allowed() {
                    handed = chosen;
                } else {
                    let code = decision
                        .codes()
                        .next()
                        .unwrap_or(ReasonCode::UnknownIngestionRegion);
                    let message = self.message(&decision, &chosen, None);
                    let field = at.key("ingestion");
                    let fix = Fix::edit(
                        format!("choose `{default_ingestion}`, the default ingestion region of `{region}`"),
                        vec![PatchOp::Replace {
                            path: field.to_json_pointer(),
                            value: default_ingestion.clone().into(),
                        }],
                    );
                    self.push(
                        &field,
                        format!("{subject}.ingestion"),
                        ViolationCode::Engine(code),
                        message,
                        fix,
                    );
                }
            }
            if let Some(host) = &entry.host {
                let ingest = Question::Ingest {
                    workspace: region.clone(),
                    source: entry.source.clone(),
                    host: host.clone(),
                };
                let decision = self.ask(&ingest);
                if decision.is_allowed() {
                    continue;
                }
                let code = decision.codes().next().unwrap_or(ReasonCode::UnknownHost);
                let message = self.message(&decision, &ingest, None);
                let field = at.key("host");
                let resolved = self.ask(&handed);
                let good = Resolved::new(self.policy, &resolved)
                    .host
                    .filter(|h| self.policy.ingest(&region, &entry.source, h).is_allowed());
                let fix = match good {
                    Some(good) => Fix::edit(
                        format!("set `host` to `{good}`"),
                        vec![PatchOp::Replace {
                            path: field.to_json_pointer(),
                            value: good.into(),
                        }],
                    ),
                    None => Fix::none(format!("no host of `{region}` admits `{}`", entry.source)),
                };
                self.push(
                    &field,
                    format!("{subject}.host"),
                    ViolationCode::Engine(code),
                    message,
                    fix,
                );
            }
        }
    }

    fn destinations(&mut self) {
        let region = self.ws.region.clone();
        for (i, entry) in self.ws.destinations.iter().enumerate() {
            if entry.endpoint.as_deref() == Some(UNKNOWN) {
                // No endpoint written would mean the in-region one: a guess, so ask instead.
                let at = root("destinations").index(i).key("endpoint");
                self.not_known(
                    &at,
                    format!("destinations[{}].endpoint", entry.id),
                    "the endpoint of destination",
                    &entry.id,
                );
                continue;
            }
            if self
                .policy
                .deliver(&region, &entry.destination, entry.endpoint.as_deref())
                .is_allowed()
            {
                self.questions += 1;
                continue;
            }
            let at = root("destinations").index(i);
            let subject = format!("destinations[{}]", entry.id);
            let deliver = Question::Deliver {
                workspace: region.clone(),
                destination: entry.destination.clone(),
                endpoint: entry.endpoint.clone(),
            };
            let decision = self.ask(&deliver);
            if decision.is_allowed() {
                continue;
            }
            let code = decision.codes().next().unwrap_or(ReasonCode::UnknownDestination);
            let message = self.message(&decision, &deliver, None);
            let remove = |why: String| {
                Fix::edit(
                    format!("{why}: no edit keeps this destination; remove it"),
                    vec![PatchOp::Remove {
                        path: at.to_json_pointer(),
                    }],
                )
            };
            let (field, fix) = match code {
                ReasonCode::UnknownDestination => (
                    "destination",
                    Fix::none(format!(
                        "name a destination the policy knows{}",
                        hint(self.policy.destination_hint(&entry.destination))
                    )),
                ),
                ReasonCode::DestinationUnavailableInRegion => (
                    "destination",
                    remove(format!(
                        "`{}` is not available to `{region}` workspaces",
                        entry.destination
                    )),
                ),
                _ => {
                    let field = if entry.endpoint.is_some() {
                        "endpoint"
                    } else {
                        "destination"
                    };
                    let fallback = Question::Deliver {
                        workspace: region.clone(),
                        destination: entry.destination.clone(),
                        endpoint: None,
                    };
                    let home = self.ask(&fallback);
                    let named = Resolved::new(self.policy, &home);
                    match (home.is_allowed(), named.endpoint, &entry.endpoint) {
                        (true, Some(id), Some(written)) => {
                            // Keep the form the user wrote: an id stays an id; a host becomes the
                            // endpoint's host, when the engine resolves it to the same endpoint.
                            let wrote_id = self
                                .policy
                                .destinations
                                .by_name(&entry.destination)
                                .and_then(|d| self.policy.destinations.get(d))
                                .is_some_and(|d| d.endpoints.iter().any(|e| *e.name == **written));
                            let value = named
                                .host
                                .filter(|h| {
                                    !wrote_id
                                        && written.contains('.')
                                        && self.policy.deliver(&region, &entry.destination, Some(h)).answer()
                                            == home.answer()
                                })
                                .unwrap_or_else(|| id.clone());
                            (
                                field,
                                Fix::edit(
                                    if value == id {
                                        format!("use endpoint `{id}`")
                                    } else {
                                        format!("use endpoint `{id}` (`{value}`)")
                                    },
                                    vec![PatchOp::Replace {
                                        path: at.key("endpoint").to_json_pointer(),
                                        value: value.into(),
                                    }],
                                ),
                            )
                        }
                        _ => (
                            field,
                            remove(format!(
                                "`{}` has no endpoint where `{region}` may deliver",
                                entry.destination
                            )),
                        ),
                    }
                }
            };
            let kept = fix.patch.iter().any(|op| matches!(op, PatchOp::Replace { .. }));
            self.push(
                &at.key(field),
                format!("{subject}.{field}"),
                ViolationCode::Engine(code),
                message,
                fix,
            );
            if code == ReasonCode::EndpointOutsideRegion && !kept {
                let endpoint =
                    super::exemption::endpoint_id(self.policy, &entry.destination, entry.endpoint.as_deref());
                let flow = ExemptedFlow::Deliver {
                    destination: &entry.destination,
                    endpoint,
                };
                self.offer_exemption(&entry.id, flow);
            }
        }
    }

    /// A value written [`UNKNOWN`]: a finding to confirm, never a pass.
    pub(crate) fn not_known(&mut self, at: &Pointer, subject: String, what: &str, id: &str) {
        let id = crate::text::excerpt(id);
        self.push(
            at,
            subject,
            ViolationCode::NotKnownFromApi,
            format!("{what} `{id}` is `{UNKNOWN}`: the API it was imported from does not carry it"),
            Fix::none(format!(
                "confirm {what} `{id}` and write it in place of `{UNKNOWN}`"
            )),
        );
    }

    /// A source's [`UNKNOWN`] fields as findings, and the entry without them for the rest of
    /// the check; `None` when it has none.
    fn not_known_source(&mut self, i: usize, entry: &SourceEntry) -> Option<SourceEntry> {
        let ingestion = entry.ingestion.as_deref() == Some(UNKNOWN);
        let host = entry.host.as_deref() == Some(UNKNOWN);
        if !ingestion && !host {
            return None;
        }
        let at = root("sources").index(i);
        let subject = format!("sources[{}]", entry.id);
        if ingestion {
            self.not_known(
                &at.key("ingestion"),
                format!("{subject}.ingestion"),
                "the ingestion region of source",
                &entry.id,
            );
        }
        if host {
            self.not_known(
                &at.key("host"),
                format!("{subject}.host"),
                "the host of source",
                &entry.id,
            );
        }
        let mut known = entry.clone();
        known.ingestion = known.ingestion.filter(|_| !ingestion);
        known.host = known.host.filter(|_| !host);
        Some(known)
    }

    /// Attaches an exemption template for `flow` to the violation just pushed.
    fn offer_exemption(&mut self, entry: &str, flow: ExemptedFlow<'_>) {
        let template = super::exemption::template(&self.ws.workspace, entry, &self.ws.region, flow);
        if let Some(v) = self.violations.last_mut() {
            v.exemption = Some(template);
        }
    }

    fn stores(&mut self) {
        let region = self.ws.region.clone();
        for (i, entry) in self.ws.stores.iter().enumerate() {
            if entry.cloud_region == UNKNOWN {
                let at = root("stores").index(i).key("cloud_region");
                let what = match entry.store.as_str() {
                    "archive" | "data-lake" => "the cloud region of store",
                    _ => "the cloud region of warehouse",
                };
                self.not_known(&at, format!("stores[{}].cloud_region", entry.id), what, &entry.id);
                continue;
            }
            if self
                .policy
                .store(&region, &entry.store, &entry.cloud_region)
                .is_allowed()
            {
                self.questions += 1;
                continue;
            }
            let at = root("stores").index(i);
            let subject = format!("stores[{}]", entry.id);
            let question = Question::Store {
                workspace: region.clone(),
                store: entry.store.clone(),
                cloud_region: entry.cloud_region.clone(),
            };
            let decision = self.ask(&question);
            if decision.is_allowed() {
                continue;
            }
            let codes: Vec<ReasonCode> = decision.codes().collect();
            let mut named = false;
            if codes.contains(&ReasonCode::UnknownStore) {
                named = true;
                let message = self.message(&decision, &question, Some(ReasonCode::UnknownStore));
                let fix = Fix::none(format!(
                    "name a store the policy knows{}",
                    hint(self.policy.stores.names().nearest(&entry.store))
                ));
                self.push(
                    &at.key("store"),
                    format!("{subject}.store"),
                    ViolationCode::Engine(ReasonCode::UnknownStore),
                    message,
                    fix,
                );
            }
            if codes.contains(&ReasonCode::UnknownCloudRegion) {
                named = true;
                let message = self.message(&decision, &question, Some(ReasonCode::UnknownCloudRegion));
                let fix = Fix::none(format!(
                    "name a cloud region of the policy's catalogue{}",
                    hint(self.policy.clouds.names().nearest(&entry.cloud_region))
                ));
                self.push(
                    &at.key("cloud_region"),
                    format!("{subject}.cloud_region"),
                    ViolationCode::Engine(ReasonCode::UnknownCloudRegion),
                    message,
                    fix,
                );
            }
            if named {
                continue;
            }
            let code = codes.first().copied().unwrap_or(ReasonCode::StoreOutsideRegion);
            let message = self.message(&decision, &question, None);
            let moved = self.nearest_store_place(&region, &entry.store, &entry.cloud_region);
            // A store the region is not offered, with no cloud region to move it to, is the
            // store's fault, not its cloud region's; a move edits the cloud region.
            let not_offered = code == ReasonCode::StoreNotOffered;
            let field_name = if not_offered && moved.is_none() {
                "store"
            } else {
                "cloud_region"
            };
            let field = at.key(field_name);
            // An exemption loosens the region's places, never a provider the store lacks.
            let exemptable = moved.is_none()
                && matches!(
                    codes[..],
                    [ReasonCode::StoreOutsideRegion | ReasonCode::StoreNotOffered]
                );
            let fix = match moved {
                Some(cloud) => {
                    let name = self.policy.cloud_name(cloud).to_string();
                    Fix::edit(
                        format!("move `{}` to `{name}`", crate::text::excerpt(&entry.id)),
                        vec![PatchOp::Replace {
                            path: at.key("cloud_region").to_json_pointer(),
                            value: name.into(),
                        }],
                    )
                }
                None => {
                    // Its firewall goes with it: a firewall of no store would be a violation.
                    let mut patch = vec![PatchOp::Remove {
                        path: at.to_json_pointer(),
                    }];
                    if self.ws.warehouses.contains_key(&entry.id) {
                        patch.push(PatchOp::Remove {
                            path: root("warehouses").key(&entry.id).to_json_pointer(),
                        });
                    }
                    let why = if not_offered {
                        format!("`{}` is not offered to `{region}`", entry.store)
                    } else {
                        format!(
                            "`{region}` may keep a `{}` in no cloud region it runs on",
                            entry.store
                        )
                    };
                    Fix::edit(format!("{why}: no edit keeps this store; remove it"), patch)
                }
            };
            self.push(
                &field,
                format!("{subject}.{field_name}"),
                ViolationCode::Engine(code),
                message,
                fix,
            );
            if exemptable {
                let flow = ExemptedFlow::Store {
                    store: &entry.store,
                    cloud_region: &entry.cloud_region,
                };
                self.offer_exemption(&entry.id, flow);
            }
        }
    }

    /// The cloud region the engine allows this store in that lies nearest the one written:
    /// the same provider first, then the same country, then the region's processing cloud
    /// region, then by name.
    fn nearest_store_place(&mut self, region: &str, store: &str, written: &str) -> Option<CloudId> {
        let policy = self.policy;
        let current = policy.clouds.by_name(written).and_then(|c| policy.clouds.get(c));
        let processing = policy
            .region_id(region)
            .and_then(|r| policy.region(r))
            .map(|r| r.processing);
        let mut best: Option<(PlaceRank<'_>, CloudId)> = None;
        for (id, cloud) in policy.clouds.with_ids() {
            self.questions += 1;
            if !policy.store(region, store, &cloud.name).is_allowed() {
                continue;
            }
            let rank = (
                current.is_none_or(|c| c.provider != cloud.provider),
                current.is_none_or(|c| c.country != cloud.country),
                processing != Some(id),
                &*cloud.name,
            );
            if best.as_ref().is_none_or(|(b, _)| rank < *b) {
                best = Some((rank, id));
            }
        }
        best.map(|(_, id)| id)
    }

    fn failover(&mut self, region: RegionId) {
        let policy = self.policy;
        for (i, step) in self.ws.failover.iter().enumerate() {
            let owner = policy
                .location_id(&step.from)
                .and_then(|l| policy.location_owner(l))
                .map(|(_, r)| r);
            let home = owner == Some(region);
            if home && policy.failover(&step.from, &step.to).is_allowed() {
                self.questions += 1;
                continue;
            }
            let at = root("failover").index(i);
            let subject = format!("failover[{} -> {}]", step.from, step.to);
            let question = Question::Failover {
                from: step.from.clone(),
                to: step.to.clone(),
            };
            let decision = self.ask(&question);
            let codes: Vec<ReasonCode> = decision.codes().collect();
            if codes.contains(&ReasonCode::UnknownLocation) {
                for (field, name) in [("from", &step.from), ("to", &step.to)] {
                    if policy.location_id(name).is_some() {
                        continue;
                    }
                    let single = Question::Failover {
                        from: name.clone(),
                        to: name.clone(),
                    };
                    let message = self.message(&policy.failover(name, name), &single, None);
                    let fix = Fix::none(format!(
                        "name a failover location the policy knows{}",
                        hint(policy.locations.names().nearest(name))
                    ));
                    self.push(
                        &at.key(field),
                        format!("{subject}.{field}"),
                        ViolationCode::Engine(ReasonCode::UnknownLocation),
                        message,
                        fix,
                    );
                }
                continue;
            }
            if owner != Some(region) {
                let from_region = owner.map(|r| policy.region_name(r)).unwrap_or("");
                let message = format!(
                    "`{}` is a location of `{from_region}`, not of the workspace's region `{}`",
                    step.from, self.ws.region
                );
                let home = policy.region(region).and_then(|r| {
                    policy
                        .locations
                        .with_ids()
                        .find(|(_, l)| l.ingestion == r.default_ingestion)
                        .map(|(id, _)| id)
                });
                let mut patch = Vec::new();
                let mut sentence = String::new();
                if let Some(home) = home
                    .and_then(|h| policy.locations.get(h))
                    .map(|l| l.name.to_string())
                {
                    let to = if policy.failover(&home, &step.to).is_allowed() {
                        Some(step.to.clone())
                    } else {
                        self.best_target(&home)
                    };
                    if let Some(to) = to {
                        patch.push(PatchOp::Replace {
                            path: at.key("from").to_json_pointer(),
                            value: home.clone().into(),
                        });
                        if to != step.to {
                            patch.push(PatchOp::Replace {
                                path: at.key("to").to_json_pointer(),
                                value: to.clone().into(),
                            });
                        }
                        sentence = format!("fail over from `{home}` to `{to}` instead");
                    }
                }
                let fix = if patch.is_empty() {
                    Fix::edit(
                        format!(
                            "`{}` has no valid failover pair: remove this step",
                            self.ws.region
                        ),
                        vec![PatchOp::Remove {
                            path: at.to_json_pointer(),
                        }],
                    )
                } else {
                    Fix::edit(sentence, patch)
                };
                self.push(
                    &at.key("from"),
                    format!("{subject}.from"),
                    ViolationCode::FailoverOutsideRegion,
                    message,
                    fix,
                );
                continue;
            }
            if decision.is_allowed() {
                continue;
            }
            let code = codes
                .first()
                .copied()
                .unwrap_or(ReasonCode::FailoverAcrossRegions);
            let message = self.message(&decision, &question, None);
            let fix = match self.best_target(&step.from) {
                Some(to) => Fix::edit(
                    format!("fail over to `{to}` instead"),
                    vec![PatchOp::Replace {
                        path: at.key("to").to_json_pointer(),
                        value: to.into(),
                    }],
                ),
                None => Fix::edit(
                    format!("`{}` has no valid failover target: remove this step", step.from),
                    vec![PatchOp::Remove {
                        path: at.to_json_pointer(),
                    }],
                ),
            };
            self.push(
                &at.key("to"),
                format!("{subject}.to"),
                ViolationCode::Engine(code),
                message,
                fix,
            );
        }
    }

    /// The first location the engine allows as a target of `from`: within its ingestion region
    /// before a listed loosening, then in the policy's order.
    fn best_target(&mut self, from: &str) -> Option<String> {
        let policy = self.policy;
        let mut best: Option<(bool, &str)> = None;
        for location in &policy.locations {
            self.questions += 1;
            let decision = policy.failover(from, &location.name);
            if !decision.is_allowed() {
                continue;
            }
            let rank = (
                !decision.has_code(ReasonCode::FailoverWithinIngestionRegion),
                &*location.name,
            );
            if best.is_none_or(|b| !rank.0 & b.0) {
                best = Some(rank);
            }
        }
        best.map(|(_, name)| name.to_string())
    }
}
