//! The lists of a document that are sets: which they are, and their one order.
//!
//! A set-like list says only which names it holds: a group's countries, a region's places
//! (`archive`, and `customer_storage` and `deliver_to` when they are lists), `source_kinds`
//! and `catalog_only_kinds`, an ingestion region's `failover_to`, a source's, a
//! destination's and a store's regions, and a store's clouds. Compilation refuses a name
//! listed twice in one of them (as in every list of names) and then keeps each sorted, so a
//! loaded policy's document, what [`crate::Policy::to_yaml`] and the compiled form write, and
//! everything listed from it are the same however the lists were written.
//!
//! Every other list keeps its order: the rules read it (hosts, endpoints and their hosts,
//! zones, `warehouse_egress`, regions and their ingestion regions, exemptions), or it is a
//! catalogue of entries with ids (cloud regions, groups, source kinds, sources,
//! destinations, stores), kept in the order written, which is the order reports list them
//! in. [`Document::sort_sets`] destructures every document type in full, so a list added to
//! the document does not build until it is named a set or an ordered list here.

use super::{
    CloudRegionDoc, DestinationDoc, Document, EndpointDoc, ExemptionDoc, GroupDoc, IngestionDoc, PlacesDoc,
    RegionDoc, SourceDoc, SourceKindDoc, StoreDoc,
};

/// Sorts one set-like list.
fn sort(list: &mut [String]) {
    list.sort_unstable();
}

impl Document {
    /// Sorts every set-like list of the document (see the module's documentation); every
    /// other list keeps its order.
    pub(crate) fn sort_sets(&mut self) {
        let Document {
            version: _,
            name: _,
            description: _,
            // Catalogues: kept as written.
            cloud_regions,
            groups,
            source_kinds,
            // Ordered: an ingestion region's name names the first region's that has it.
            regions,
            sources,
            destinations,
            stores,
            // Ordered: the first active exemption covering a flow is the one named.
            exemptions,
        } = self;
        for c in cloud_regions.iter_mut() {
            let CloudRegionDoc {
                id: _,
                country: _,
                name: _,
            } = c;
        }
        for g in groups.iter_mut() {
            let GroupDoc {
                id: _,
                name: _,
                countries,
            } = g;
            sort(countries);
        }
        for k in source_kinds.iter_mut() {
            let SourceKindDoc {
                id: _,
                side: _,
                mechanism: _,
            } = k;
        }
        for r in regions.iter_mut() {
            let RegionDoc {
                id: _,
                name: _,
                default: _,
                residency: _,
                jurisdiction: _,
                processing: _,
                archive,
                customer_storage,
                deliver_to,
                source_kinds,
                catalog_only_kinds,
                // Ordered: `allowlist` hands the CIDRs out in this order.
                warehouse_egress: _,
                // Ordered, as the regions are.
                ingestion,
            } = r;
            sort(archive);
            for places in [customer_storage, deliver_to] {
                if let Some(PlacesDoc::List(list)) = places {
                    sort(list);
                }
            }
            sort(source_kinds);
            sort(catalog_only_kinds);
            for i in ingestion.iter_mut() {
                let IngestionDoc {
                    id: _,
                    default: _,
                    cloud_region: _,
                    // Ordered: the first is the one `resolve` hands out.
                    hosts: _,
                    // Ordered, as the policy lists them.
                    zones: _,
                    failover_to,
                } = i;
                sort(failover_to);
            }
        }
        for s in sources.iter_mut() {
            let SourceDoc {
                id: _,
                name: _,
                kind: _,
                regions,
            } = s;
            sort(regions);
        }
        for d in destinations.iter_mut() {
            let DestinationDoc {
                id: _,
                name: _,
                regions,
                // Ordered: the first in-region endpoint is the default.
                endpoints,
            } = d;
            sort(regions);
            for e in endpoints.iter_mut() {
                let EndpointDoc {
                    id: _,
                    jurisdiction: _,
                    // Ordered: the first host is the answer's host.
                    hosts: _,
                } = e;
            }
        }
        for s in stores.iter_mut() {
            let StoreDoc {
                id: _,
                kind: _,
                clouds,
                allowlist: _,
                regions,
            } = s;
            sort(clouds);
            if let Some(regions) = regions {
                sort(regions);
            }
        }
        for e in exemptions.iter_mut() {
            let ExemptionDoc {
                id: _,
                region: _,
                destination: _,
                endpoint: _,
                store: _,
                cloud_region: _,
                warehouse: _,
                cidr: _,
                justification: _,
                owner: _,
                expires: _,
            } = e;
        }
    }
}
