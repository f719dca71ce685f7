//! The policy entry a changed answer is about, found from the question and the reasons that
//! differ.

use super::answer::AnswerView;
use super::changed::{
    allowlisting_changed, origin_changed, source_rule_changed, store_rule_changed, target_changed, Index,
};
use crate::decision::ReasonCode;
use crate::question::Question;
use serde::Serialize;

/// What kind of policy entry a group of changes is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, strum::Display)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum EntryKind {
    /// A source kind or catalog source (`sources`, `source_kinds`, a region's `source_kinds`).
    Source,
    /// An ingestion host (`ingestion[].hosts`).
    Host,
    /// An ingestion region (`regions[].ingestion`).
    IngestionRegion,
    /// A destination and its endpoints.
    Destination,
    /// A store or warehouse.
    Store,
    /// A cloud region (the catalogue, a region's places).
    CloudRegion,
    /// A region's warehouse loader CIDRs (`warehouse_egress`).
    LoaderRanges,
    /// The failover locations of an ingestion region (`zones`, `failover_to`).
    FailoverLocation,
    /// A processing region.
    Region,
}

/// One entry: its kind and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Entry {
    pub(crate) kind: EntryKind,
    pub(crate) name: String,
}

impl Entry {
    fn new(kind: EntryKind, name: &str) -> Entry {
        Entry {
            kind,
            name: name.to_string(),
        }
    }
}

/// The region a question is about: its workspace, or the region of a failover's `from`.
pub(crate) fn region_of(question: &Question) -> &str {
    match question {
        Question::Ingest { workspace, .. }
        | Question::Resolve { workspace, .. }
        | Question::Deliver { workspace, .. }
        | Question::Store { workspace, .. }
        | Question::Connect { workspace, .. }
        | Question::Allowlist { workspace, .. }
        | Question::RegionChange { workspace, .. } => workspace,
        Question::Failover { from, .. } => from.split_once('/').map_or(from.as_str(), |(r, _)| r),
    }
}

/// Whether `code` is among the reasons of one answer and not the other.
fn differs(old: &AnswerView, new: &AnswerView, codes: &[ReasonCode]) -> bool {
    codes
        .iter()
        .any(|c| old.reasons.contains(c) != new.reasons.contains(c))
}

/// The entry whose change changed this answer, read from the question, the reasons that
/// differ and what the rule reads of the entries the question names in each document
/// (`old_doc`, `new_doc`): an answer is the source's when the reasons about the source differ
/// and what the rules read of it changed, the store's when what the rule reads of the store
/// changed, the target location's when only it changed; otherwise the other entry the
/// question names.
pub(crate) fn entry_of(
    question: &Question,
    old: &AnswerView,
    new: &AnswerView,
    old_doc: &Index<'_>,
    new_doc: &Index<'_>,
) -> Entry {
    use ReasonCode as C;
    let source_codes = [C::UnknownSource, C::SourceUnsupportedInRegion];
    match question {
        Question::Ingest {
            workspace,
            source,
            host,
        } => {
            // A host no longer listed denies before the source is read: the source's reasons
            // go then, and the change is the host's.
            if differs(old, new, &source_codes) && source_rule_changed(old_doc, new_doc, source, workspace) {
                Entry::new(EntryKind::Source, source)
            } else {
                let name = crate::host::normalize_host(host)
                    .map_or_else(|_| host.clone(), |h| h.as_str().to_string());
                Entry::new(EntryKind::Host, &name)
            }
        }
        Question::Resolve {
            workspace,
            source,
            ingestion,
        } => {
            let about_source =
                differs(old, new, &source_codes) || old.resolved.mechanism != new.resolved.mechanism;
            if about_source && source_rule_changed(old_doc, new_doc, source, workspace) {
                return Entry::new(EntryKind::Source, source);
            }
            let chosen = ingestion
                .as_deref()
                .or(old.resolved.ingestion.as_deref())
                .or(new.resolved.ingestion.as_deref())
                .unwrap_or("(default)");
            Entry::new(EntryKind::IngestionRegion, chosen)
        }
        Question::Deliver { destination, .. } => Entry::new(EntryKind::Destination, destination),
        Question::Store {
            workspace,
            store,
            cloud_region,
        } => {
            // A store's reasons may differ when the cloud region changed (one added to the
            // catalogue, of a provider the store does not run on): the store's only when what
            // the rule reads of it changed.
            if store_rule_changed(old_doc, new_doc, store, workspace) {
                Entry::new(EntryKind::Store, store)
            } else {
                Entry::new(EntryKind::CloudRegion, cloud_region)
            }
        }
        Question::Allowlist { warehouse, .. } => {
            // The region's first loader range turns `allowlist-unknown` into an allow: the
            // ranges', unless the warehouse's allowlisting changed.
            if allowlisting_changed(old_doc, new_doc, warehouse) {
                Entry::new(EntryKind::Store, warehouse)
            } else {
                Entry::new(EntryKind::LoaderRanges, "warehouse_egress")
            }
        }
        Question::Connect { warehouse, .. } => {
            if differs(old, new, &[C::UnknownWarehouse]) {
                Entry::new(EntryKind::Store, warehouse)
            } else {
                Entry::new(EntryKind::LoaderRanges, "warehouse_egress")
            }
        }
        Question::Failover { from, to } => {
            // The location it starts from, unless only the target changed (a zone added to
            // or taken from another ingestion region).
            let target = !origin_changed(old_doc, new_doc, from) && target_changed(old_doc, new_doc, to);
            let location = if target { to } else { from };
            // `region/ingestion-zone`: the ingestion region is all but the last `-zone`.
            let ingestion = location.rsplit_once('-').map_or(location.as_str(), |(i, _)| i);
            Entry::new(EntryKind::FailoverLocation, ingestion)
        }
        Question::RegionChange { to, .. } => Entry::new(EntryKind::Region, to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failover_is_about_the_ingestion_region_of_from() {
        let q = Question::Failover {
            from: "us-west/dublin-a".into(),
            to: "eu-west/dublin-b".into(),
        };
        let deny = AnswerView::bare(crate::decision::Verdict::Deny, &[ReasonCode::UnknownLocation]);
        assert_eq!(region_of(&q), "us-west");
        let doc = crate::Policy::default_policy().document().clone();
        let index = Index::new(&doc);
        let e = entry_of(&q, &deny, &deny, &index, &index);
        assert_eq!(
            (e.kind, e.name.as_str()),
            (EntryKind::FailoverLocation, "us-west/dublin")
        );
    }
}
