//! Questions built from plain strings, one function per kind, for the tests that spell their
//! questions out by hand.

use regionfence::Question;

/// An `ingest` question.
pub fn ingest(workspace: &str, source: &str, host: &str) -> Question {
    Question::Ingest {
        workspace: workspace.into(),
        source: source.into(),
        host: host.into(),
    }
}

/// A `resolve` question.
pub fn resolve(workspace: &str, source: &str, ingestion: Option<&str>) -> Question {
    Question::Resolve {
        workspace: workspace.into(),
        source: source.into(),
        ingestion: ingestion.map(Into::into),
    }
}

/// A `deliver` question.
pub fn deliver(workspace: &str, destination: &str, endpoint: Option<&str>) -> Question {
    Question::Deliver {
        workspace: workspace.into(),
        destination: destination.into(),
        endpoint: endpoint.map(Into::into),
    }
}

/// A `store` question.
pub fn store(workspace: &str, store: &str, cloud_region: &str) -> Question {
    Question::Store {
        workspace: workspace.into(),
        store: store.into(),
        cloud_region: cloud_region.into(),
    }
}

/// A `connect` question.
pub fn connect(workspace: &str, warehouse: &str, ip: &str) -> Question {
    Question::Connect {
        workspace: workspace.into(),
        warehouse: warehouse.into(),
        ip: ip.into(),
    }
}

/// An `allowlist` question.
pub fn allowlist(workspace: &str, warehouse: &str) -> Question {
    Question::Allowlist {
        workspace: workspace.into(),
        warehouse: warehouse.into(),
    }
}

/// A `failover` question.
pub fn failover(from: &str, to: &str) -> Question {
    Question::Failover {
        from: from.into(),
        to: to.into(),
    }
}

/// A `region-change` question.
pub fn region_change(workspace: &str, to: &str) -> Question {
    Question::RegionChange {
        workspace: workspace.into(),
        to: to.into(),
    }
}
