#![no_main]
//! Fuzz target `segment_import`: hostile Public API JSON (wrong types, huge pages, deep
//! nesting, duplicate keys) as one of the four responses, the other three the EU fixture's.
//!
//! The import never panics. An error is one non-empty line. A document it writes reads back
//! as a workspace configuration with as many entries as it counted, and checking it against
//! the default policy finds exactly one `not-known-from-api` for every value written
//! `unknown` — never a pass for a fact the API did not give.

use libfuzzer_sys::fuzz_target;
use regionfence::import::{import, ApiResponses, RegionChoice};
use regionfence::workspace::{ViolationCode, Workspace};

const FIXTURE: [&str; 4] = [
    include_str!("../../tests/fixtures/segment-api/eu/workspace.json"),
    include_str!("../../tests/fixtures/segment-api/eu/sources.json"),
    include_str!("../../tests/fixtures/segment-api/eu/destinations.json"),
    include_str!("../../tests/fixtures/segment-api/eu/warehouses.json"),
];

fn policy() -> &'static regionfence::Policy {
    static POLICY: std::sync::OnceLock<regionfence::Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(regionfence::Policy::default_policy)
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the response the rest of the bytes stand for.
    let Some((which, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let mut files = FIXTURE.map(str::to_string);
    files[usize::from(*which % 4)] = text;
    let [workspace, sources, destinations, warehouses] = files;
    let responses = ApiResponses {
        workspace,
        sources,
        destinations,
        warehouses,
    };
    let choice = RegionChoice {
        flag: Some("eu-west"),
        api_host: None,
    };
    let imported = match import(&responses, choice) {
        Ok(imported) => imported,
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty(), "an import error with an empty message");
            assert!(!message.contains(['\n', '\r']), "an import error of several lines: {message}");
            return;
        }
    };
    let ws = match Workspace::parse(&imported.document) {
        Ok(ws) => ws,
        Err(e) => panic!("an imported document does not read back: {e}\n{}", imported.document),
    };
    let s = imported.summary;
    assert_eq!(
        (ws.sources.len(), ws.destinations.len(), ws.stores.len(), ws.warehouses.len()),
        (s.sources, s.destinations, s.warehouses, s.warehouses),
        "the document holds other entries than the import counted"
    );
    let report = policy().check_workspace(&ws);
    let not_known = report
        .violations
        .iter()
        .filter(|v| v.code == ViolationCode::NotKnownFromApi)
        .count();
    assert_eq!(
        not_known, s.unknown,
        "{} values written `unknown`, {not_known} not-known-from-api findings\n{}",
        s.unknown, imported.document
    );
});
