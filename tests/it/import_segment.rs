#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Importing a workspace from Segment's Public API: the mapping of every fixture value, the
//! `not-known-from-api` findings, secrets, regions, pages and hostile shapes; and, with the
//! `import-live` feature, the fetch itself against a loopback stub of the API.

use regionfence::import::{import, ApiResponses, Import, ImportError, RegionChoice};
use regionfence::workspace::{ViolationCode, Workspace, UNKNOWN};
use regionfence::Policy;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/segment-api")
        .join(name)
}

fn read(name: &str) -> (ApiResponses, Option<String>) {
    ApiResponses::read_dir(&fixture(name)).unwrap()
}

fn imported(name: &str) -> (Import, Workspace) {
    let (responses, host) = read(name);
    let imported = import(
        &responses,
        RegionChoice {
            flag: None,
            api_host: host.as_deref(),
        },
    )
    .unwrap();
    let ws = Workspace::parse(&imported.document).unwrap();
    (imported, ws)
}

/// Every write key and password of the fixtures: none may leave through a document, a
/// message or an error.
const SECRETS: &[&str] = &[
    "wk-eu-website-9f2c41",
    "wk-eu-ios-5b7d03",
    "wk-eu-backend-c0ffee",
    "wk-other-workspace",
    "s3cr3t",
    "wk-us-website-1a2b3c",
    "wk-us-api-4d5e6f",
    "wk-us-api-rotated-7a8b9c",
];

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "`{secret}` leaked into:\n{text}");
    }
}

fn endpoint(ws: &Workspace, slug: &str) -> Option<String> {
    ws.destinations
        .iter()
        .find(|d| d.destination == slug)
        .unwrap_or_else(|| panic!("no {slug}"))
        .endpoint
        .clone()
}

fn cloud(ws: &Workspace, store: &str) -> String {
    ws.stores
        .iter()
        .find(|s| s.store == store)
        .unwrap()
        .cloud_region
        .clone()
}

#[test]
fn the_eu_fixture_maps_every_setting() {
    let (imported, ws) = imported("eu");
    assert_eq!(
        (ws.workspace.as_str(), ws.region.as_str()),
        ("acme-eu", "eu-west")
    );
    // Sources by catalog slug, over both pages; client ones lack their ingestion region,
    // server ones their host, cloud ones need neither.
    let sources: Vec<(&str, Option<&str>, Option<&str>)> = ws
        .sources
        .iter()
        .map(|s| (s.source.as_str(), s.ingestion.as_deref(), s.host.as_deref()))
        .collect();
    assert_eq!(
        sources,
        [
            ("javascript", Some(UNKNOWN), None),
            ("ios", Some(UNKNOWN), None),
            ("node-js", None, Some(UNKNOWN)),
            ("stripe", None, None),
        ]
    );
    // Destinations over three pages, each endpoint from its own EU setting.
    for (slug, want) in [
        ("amplitude", Some("eu")),
        ("actions-amplitude", Some("us")), // not set: the catalog's default north_america
        ("mixpanel", Some("eu")),
        ("hubspot", Some("eu")),
        ("braze", Some("eu")),
        ("gainsight-px", Some("eu")),
        ("natero", Some("eu")),
        ("repeater", Some("eu")),
        ("slack", Some(UNKNOWN)),
        ("iron-io", Some("mq-aws-us-east-1-1.iron.io")),
    ] {
        assert_eq!(endpoint(&ws, slug).as_deref(), want, "{slug}");
    }
    for (store, want) in [
        ("redshift", "aws:eu-west-1"),
        ("postgres", "aws:eu-central-1"),
        ("snowflake", "aws:eu-central-1"),
        ("bigquery", "gcp:europe-west3"),
        ("azuresqldw", UNKNOWN),
    ] {
        assert_eq!(cloud(&ws, store), want, "{store}");
    }
    assert_eq!(ws.warehouses.len(), 5);
    assert!(ws.warehouses.values().all(|w| w.firewall == [UNKNOWN]));
    // Disabled entries are kept, and marked.
    assert!(imported.document.contains("`Backend`; DISABLED in Segment"));
    assert!(imported
        .document
        .contains("`Iron.io queue`, from source `qQEHquLrjRDN9j1ByrChyn`; DISABLED"));
    // Every value says where it came from.
    assert!(imported
        .document
        .contains("endpoint: eu   # destinations[id=6328e5ca1d7cb6c3f0a2e1a3].settings.enableEuropeanUnionEndpoint: true"));
    assert!(imported
        .document
        .contains("cloud_region: aws:eu-west-1   # warehouses[id=aXGJYv4zS2e8bRqj7TCwCB].settings.hostname"));
    assert_eq!(imported.summary.unknown, 10);
    assert_eq!(imported.summary.disabled, 3);
    assert_no_secret(&imported.document);
    assert_no_secret(&format!("{imported:?}"));
}

#[test]
fn the_us_fixture_names_no_region_its_settings_do_not_reveal() {
    let (imported, ws) = imported("us");
    assert_eq!(ws.region, "us-west");
    assert_eq!(cloud(&ws, "redshift"), "aws:us-west-2");
    // A bare Snowflake locator and BigQuery's `US` multi-region name no region.
    assert_eq!(cloud(&ws, "snowflake"), UNKNOWN);
    assert_eq!(cloud(&ws, "bigquery"), UNKNOWN);
    assert_eq!(endpoint(&ws, "amplitude").as_deref(), Some("us"));
    assert_eq!(endpoint(&ws, "mixpanel").as_deref(), Some("us"));
    assert_eq!(endpoint(&ws, "braze").as_deref(), Some("us"));
    assert_eq!(
        endpoint(&ws, "actions-braze-cloud").as_deref(),
        Some("rest.iad-03.braze.com")
    );
    assert_eq!(
        ws.sources
            .iter()
            .find(|s| s.source == "facebook-lead-ads")
            .map(|s| (s.ingestion.clone(), s.host.clone())),
        Some((None, None))
    );
    assert_no_secret(&imported.document);
}

#[test]
fn every_unknown_is_a_not_known_from_api_finding_never_a_pass() {
    let (imported, ws) = imported("eu");
    let report = Policy::default_policy().check_workspace(&ws);
    let not_known: Vec<&str> = report
        .violations
        .iter()
        .filter(|v| v.code == ViolationCode::NotKnownFromApi)
        .map(|v| v.path.as_str())
        .collect();
    assert_eq!(not_known.len(), imported.summary.unknown, "{not_known:?}");
    assert!(not_known.contains(&"stores[4].cloud_region"));
    assert!(not_known.contains(&"warehouses[aXGJYv4zS2e8bRqj7TCwCB].firewall"));
    let warehouse = report
        .violations
        .iter()
        .find(|v| v.path == "stores[4].cloud_region")
        .unwrap();
    assert_eq!(warehouse.code.as_str(), "not-known-from-api");
    assert_eq!(
        warehouse.fix.sentence,
        "confirm the cloud region of warehouse `eR5pLm0oY7zV4sNt8AuF2g` and write it in place of `unknown`"
    );
    assert!(!warehouse.fix.has_edit());
    // The real violations are still found beside them.
    assert!(report
        .violations
        .iter()
        .any(|v| v.path == "destinations[1].endpoint" && v.code.as_str() == "endpoint-outside-region"));
}

#[test]
fn an_unknown_never_reads_as_the_in_region_default() {
    let policy = Policy::default_policy();
    // Written as nothing, each of these passes: the check takes the region's default.
    let compliant = "version: 1\nworkspace: a\nregion: eu-west\n\
        sources: [{id: web, source: javascript}, {id: api, source: node-js}]\n\
        destinations: [{id: amp, destination: amplitude}]\n\
        stores: [{id: rs, store: redshift, cloud_region: aws:eu-west-1}]\n\
        warehouses: {rs: {firewall: [3.251.148.96/29]}}\n";
    assert!(policy
        .check_workspace(&Workspace::parse(compliant).unwrap())
        .is_compliant());
    let unknown = "version: 1\nworkspace: a\nregion: eu-west\n\
        sources: [{id: web, source: javascript, ingestion: unknown}, {id: api, source: node-js, host: unknown}]\n\
        destinations: [{id: amp, destination: amplitude, endpoint: unknown}]\n\
        stores: [{id: rs, store: redshift, cloud_region: unknown}]\n\
        warehouses: {rs: {firewall: [unknown]}}\n";
    let report = policy.check_workspace(&Workspace::parse(unknown).unwrap());
    let found: Vec<(&str, &str)> = report
        .violations
        .iter()
        .map(|v| (v.path.as_str(), v.code.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("sources[0].ingestion", "not-known-from-api"),
            ("sources[1].host", "not-known-from-api"),
            ("destinations[0].endpoint", "not-known-from-api"),
            ("stores[0].cloud_region", "not-known-from-api"),
            ("warehouses[rs].firewall", "not-known-from-api"),
        ]
    );
}

fn eu_with(file: &str, text: &str) -> ApiResponses {
    let (mut responses, _) = read("eu");
    match file {
        "workspace" => responses.workspace = text.into(),
        "sources" => responses.sources = text.into(),
        "destinations" => responses.destinations = text.into(),
        _ => responses.warehouses = text.into(),
    }
    responses
}

fn eu_region() -> RegionChoice<'static> {
    RegionChoice {
        flag: Some("eu-west"),
        api_host: None,
    }
}

#[test]
fn the_region_comes_from_the_flag_or_the_api_host_or_nowhere() {
    let (responses, _) = read("eu");
    let none = import(&responses, RegionChoice::default()).unwrap_err();
    assert!(none.to_string().contains("pass `--region`"), "{none}");
    let loopback = import(
        &responses,
        RegionChoice {
            flag: None,
            api_host: Some("http://127.0.0.1:9"),
        },
    )
    .unwrap_err();
    assert!(loopback.to_string().contains("names no region"), "{loopback}");
    let contradiction = import(
        &responses,
        RegionChoice {
            flag: Some("us-west"),
            api_host: Some("https://eu1.api.segmentapis.com"),
        },
    )
    .unwrap_err();
    assert!(
        contradiction.to_string().contains("contradicts"),
        "{contradiction}"
    );
    let flag = import(
        &responses,
        RegionChoice {
            flag: Some("eu-west"),
            api_host: Some("http://127.0.0.1:9"),
        },
    )
    .unwrap();
    assert!(flag.document.contains("region: eu-west   # --region\n"));
    let odd = import(
        &responses,
        RegionChoice {
            flag: Some("eu-west\n#"),
            api_host: None,
        },
    )
    .unwrap_err();
    assert!(matches!(odd, ImportError::Region { .. }));
}

fn page(items: &str, current: &str, next: Option<&str>) -> String {
    let next = next.map(|n| format!(", \"next\": \"{n}\"")).unwrap_or_default();
    format!("{{\"data\": {{\"sources\": [{items}], \"pagination\": {{\"current\": \"{current}\"{next}}}}}}}")
}

const SOURCE: &str = r#"{"id": "ID", "enabled": true, "writeKeys": ["wk-eu-website-9f2c41"], "metadata": {"slug": "javascript", "categories": ["Website"]}}"#;

#[test]
fn a_list_cut_short_or_out_of_order_is_refused() {
    let one = SOURCE.replace("ID", "a");
    let two = SOURCE.replace("ID", "b");
    // One response that points to a next page: the rest was not fetched.
    let cut = import(&eu_with("sources", &page(&one, "p0", Some("p1"))), eu_region()).unwrap_err();
    assert!(cut.to_string().contains("cut short"), "{cut}");
    // Pages that chain are read whole.
    let chained = format!("[{}, {}]", page(&one, "p0", Some("p1")), page(&two, "p1", None));
    let ws = Workspace::parse(
        &import(&eu_with("sources", &chained), eu_region())
            .unwrap()
            .document,
    )
    .unwrap();
    assert_eq!(ws.sources.len(), 2);
    // A page other than the one pointed to.
    let skipped = format!("[{}, {}]", page(&one, "p0", Some("p1")), page(&two, "p2", None));
    let err = import(&eu_with("sources", &skipped), eu_region()).unwrap_err();
    assert!(
        err.to_string().contains("not the page its predecessor points to"),
        "{err}"
    );
    // The same entry on two pages.
    let twice = format!("[{}, {}]", page(&one, "p0", Some("p1")), page(&one, "p1", None));
    let err = import(&eu_with("sources", &twice), eu_region()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sources.json: `[1].data.sources[0].id`: duplicate source id `a`"
    );
    let empty = import(&eu_with("sources", "[]"), eu_region()).unwrap_err();
    assert!(matches!(empty, ImportError::Pages { .. }), "{empty}");
}

#[test]
fn hostile_shapes_are_refused_with_their_place_and_no_secret() {
    let cases = [
        // A list where a struct is expected.
        (
            page(
                &SOURCE.replace(r#"{"slug": "javascript", "categories": ["Website"]}"#, "[]"),
                "p",
                None,
            ),
            "sources.json: `data.sources[0].metadata`: expected an object, found an array",
        ),
        // A write key of the wrong type: the message names the place, never the value.
        (
            page(
                &SOURCE.replace(r#"["wk-eu-website-9f2c41"]"#, r#"["wk-eu-website-9f2c41", 7]"#),
                "p",
                None,
            ),
            "sources.json: `data.sources[0].writeKeys[1]`: expected a string, found a number",
        ),
        (
            page(
                &SOURCE.replace(r#""enabled": true"#, r#""enabled": "yes""#),
                "p",
                None,
            ),
            "sources.json: `data.sources[0].enabled`: expected a boolean, found a string",
        ),
        (
            page(
                &SOURCE.replace(r#""id": "ID""#, r#""id": "a", "id": "b""#),
                "p",
                None,
            ),
            "sources.json: line 1, column 38: duplicate key `id`",
        ),
        (
            page(
                &SOURCE.replace("wk-eu-website-9f2c41", &"wk-eu-website-9f2c41".repeat(100)),
                "p",
                None,
            ),
            "sources.json: `data.sources[0].writeKeys[0]`: a string of 2000 bytes, over the limit of 1024",
        ),
        (
            r#"{"errors": [{"message": "Unauthorized", "type": "unauthorized"}]}"#.to_string(),
            "sources.json: ``: the response is the API's error, not data: `Unauthorized`",
        ),
        (
            "\"sources\"".to_string(),
            "sources.json: ``: expected a response object or an array of page responses, found a string",
        ),
    ];
    for (text, want) in cases {
        let err = import(&eu_with("sources", &text), eu_region()).unwrap_err();
        assert_eq!(err.to_string(), want);
        assert_no_secret(&err.to_string());
        assert_no_secret(&format!("{err:?}"));
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = import(&eu_with("warehouses", &deep), eu_region()).unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::Syntax {
                location: Some(_),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn hostile_names_cannot_change_the_documents_structure() {
    let evil = SOURCE
        .replace("\"ID\"", r#""x\"\n  - id: injected\n#\u202e""#)
        .replace("\"javascript\"", r#""java\nscript: 1""#);
    let imported = import(&eu_with("sources", &page(&evil, "p", None)), eu_region()).unwrap();
    let ws = Workspace::parse(&imported.document).unwrap();
    assert_eq!(ws.sources.len(), 1);
    assert_eq!(ws.sources[0].id, "x\"\n  - id: injected\n#\u{202e}");
    assert_eq!(ws.sources[0].source, "java\nscript: 1");
    assert!(!imported.document.contains('\u{202e}'));
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(args)
        .env_remove("SEGMENT_PUBLIC_API_TOKEN")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regionfence-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_command_writes_the_document_and_the_gateway_keys_file() {
    let dir = temp("cli");
    let doc = dir.join("eu.yaml");
    let keys = dir.join("keys.yaml");
    let eu = fixture("eu");
    let (code, stdout, stderr) = run(&[
        "import-segment",
        eu.to_str().unwrap(),
        "-o",
        doc.to_str().unwrap(),
        "--gateway-keys",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    assert_no_secret(&stderr);
    let text = std::fs::read_to_string(&doc).unwrap();
    assert_no_secret(&text);
    assert_eq!(Workspace::parse(&text).unwrap().region, "eu-west");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let table: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(&keys).unwrap()).unwrap();
    let table = table["write_keys"].as_mapping().unwrap();
    // The enabled sources' keys, each with the region; the disabled backend's key is left out.
    assert_eq!(table.len(), 2);
    assert_eq!(table[&serde_yaml::Value::from("wk-eu-website-9f2c41")], "eu-west");
    assert_eq!(table[&serde_yaml::Value::from("wk-eu-ios-5b7d03")], "eu-west");
    // check-workspace reads what was written, and does not pass it.
    let (code, stdout, _) = run(&["check-workspace", doc.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stdout.contains("stores[4].cloud_region: not-known-from-api"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_refused_import_writes_nothing() {
    let dir = temp("refused");
    for name in [
        "workspace.json",
        "sources.json",
        "destinations.json",
        "warehouses.json",
    ] {
        std::fs::copy(fixture("eu").join(name), dir.join(name)).unwrap();
    }
    let doc = dir.join("out.yaml");
    let keys = dir.join("keys.yaml");
    let (code, stdout, stderr) = run(&[
        "import-segment",
        dir.to_str().unwrap(),
        "-o",
        doc.to_str().unwrap(),
        "--gateway-keys",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("record the API host"), "{stderr}");
    assert!(!doc.exists() && !keys.exists());
    let leftovers = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(leftovers, 4, "only the inputs remain");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The outputs are written where their paths finally lead, over an existing file only as
/// `check-workspace --fix --write` writes one, and a file of write keys only if it is private.
#[cfg(unix)]
#[test]
fn outputs_are_written_where_their_paths_lead_and_never_over_what_they_should_not_be() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = temp("outputs");
    let eu = fixture("eu");
    let eu = eu.to_str().unwrap();
    // Through a link: the file it names is written, and the link stays a link.
    let real = dir.join("real.yaml");
    std::fs::write(&real, "old\n").unwrap();
    let link = dir.join("link.yaml");
    symlink(&real, &link).unwrap();
    let (code, _, stderr) = run(&["import-segment", eu, "-o", link.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&real)
        .unwrap()
        .contains("region: eu-west"));
    // A dangling link, a folder and a pipe are refused, and nothing is written.
    let dangling = dir.join("dangling.yaml");
    symlink(dir.join("nowhere.yaml"), &dangling).unwrap();
    let fifo = dir.join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for target in [&dangling, &dir, &fifo] {
        let (code, stdout, stderr) = run(&["import-segment", eu, "-o", target.to_str().unwrap()]);
        assert_eq!(code, 1, "{target:?}: {stderr}");
        assert!(stdout.is_empty(), "{target:?}");
    }
    assert!(!dir.join("nowhere.yaml").exists());
    // A file of write keys others may read is refused before anything is written.
    let keys = dir.join("keys.yaml");
    std::fs::write(&keys, "write_keys: {}\n").unwrap();
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o644)).unwrap();
    let doc = dir.join("doc.yaml");
    let (code, _, stderr) = run(&[
        "import-segment",
        eu,
        "-o",
        doc.to_str().unwrap(),
        "--gateway-keys",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("mode 0600"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&keys).unwrap(), "write_keys: {}\n");
    assert!(!doc.exists());
    // A private one is replaced, and keeps its mode.
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (code, _, stderr) = run(&["import-segment", eu, "--gateway-keys", keys.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read_to_string(&keys).unwrap().contains("eu-west"));
    assert_eq!(
        std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "import-live")]
mod live {
    //! The fetch against a loopback stub of the Public API that serves the fixtures page by
    //! page and counts the requests.

    use super::*;
    use regionfence::import::live::{fetch, FetchError, FetchOptions};
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    const TOKEN: &str = "sgp_test-token-8c1d";

    #[derive(Clone, Copy, PartialEq)]
    enum Fault {
        None,
        /// The first request to `/sources` is answered 429 with `Retry-After: 1`.
        RateLimitOnce,
        /// `/destinations` answers 500.
        ServerError,
        /// `/warehouses`' body stops before its Content-Length.
        Truncated,
        /// `/warehouses` answers after 3 s.
        Slow,
    }

    struct Stub {
        url: String,
        requests: Arc<AtomicUsize>,
    }

    fn pages(file: &Path) -> Vec<String> {
        let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        match value {
            serde_json::Value::Array(pages) => pages.iter().map(|p| p.to_string()).collect(),
            page => vec![page.to_string()],
        }
    }

    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    /// The page whose `pagination.current` is the request's cursor; the first without one.
    fn page_for(file: &Path, query: &str) -> String {
        let pages = pages(file);
        let cursor = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("pagination.cursor="))
            .map(decode);
        match cursor {
            None => pages[0].clone(),
            Some(cursor) => pages
                .into_iter()
                .find(|p| {
                    let v: serde_json::Value = serde_json::from_str(p).unwrap();
                    v["data"]["pagination"]["current"] == cursor.as_str()
                })
                .unwrap(),
        }
    }

    fn respond(stream: &mut TcpStream, status: &str, extra: &str, body: &str) {
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
            body.len()
        );
    }

    fn serve(dir: &'static str, fault: Fault) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            let dir = fixture(dir);
            let mut limited = false;
            // Bounded: a stub answers a few dozen requests at most.
            for stream in listener.incoming().take(64) {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                let mut authorized = false;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap() <= 2 {
                        break;
                    }
                    if header.to_ascii_lowercase().starts_with("authorization:") {
                        authorized = header.trim_end() == format!("Authorization: Bearer {TOKEN}")
                            || header.trim_end() == format!("authorization: Bearer {TOKEN}");
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                if !authorized {
                    respond(
                        &mut stream,
                        "401 Unauthorized",
                        "",
                        r#"{"errors":[{"type":"unauthorized","message":"Unauthorized"}]}"#,
                    );
                    continue;
                }
                match (path, fault) {
                    ("/sources", Fault::RateLimitOnce) if !limited => {
                        limited = true;
                        respond(&mut stream, "429 Too Many Requests", "Retry-After: 1\r\n", "{}");
                    }
                    ("/destinations", Fault::ServerError) => {
                        respond(
                            &mut stream,
                            "500 Internal Server Error",
                            "",
                            r#"{"errors":[{"type":"internal","message":"Internal error"}]}"#,
                        );
                    }
                    ("/warehouses", Fault::Truncated) => {
                        let body = page_for(&dir.join("warehouses.json"), query);
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                            body.len(),
                            &body[..body.len() / 2]
                        );
                        let _ = stream.flush();
                        let _ = stream.shutdown(std::net::Shutdown::Both);
                    }
                    ("/warehouses", Fault::Slow) => {
                        std::thread::sleep(Duration::from_secs(3));
                        respond(
                            &mut stream,
                            "200 OK",
                            "",
                            &page_for(&dir.join("warehouses.json"), query),
                        );
                    }
                    ("/", _) => respond(
                        &mut stream,
                        "200 OK",
                        "",
                        &std::fs::read_to_string(dir.join("workspace.json")).unwrap(),
                    ),
                    ("/sources" | "/destinations" | "/warehouses", _) => {
                        let file = dir.join(format!("{}.json", &path[1..]));
                        respond(&mut stream, "200 OK", "", &page_for(&file, query));
                    }
                    _ => respond(&mut stream, "404 Not Found", "", "{}"),
                }
                let mut rest = [0u8; 0];
                let _ = reader.read(&mut rest);
            }
        });
        Stub { url, requests }
    }

    fn quick() -> FetchOptions {
        FetchOptions {
            timeout: Duration::from_secs(1),
            ..FetchOptions::default()
        }
    }

    #[test]
    fn a_live_import_reads_every_page_and_equals_the_saved_one() {
        let stub = serve("eu", Fault::None);
        let fetched = fetch(&stub.url, TOKEN, &FetchOptions::default()).unwrap();
        // getWorkspace, 2 pages of sources, 3 of destinations, 1 of warehouses.
        assert_eq!(stub.requests.load(Ordering::SeqCst), 7);
        let live = import(
            &fetched,
            RegionChoice {
                flag: Some("eu-west"),
                api_host: Some(&stub.url),
            },
        )
        .unwrap();
        let (saved, _) = read("eu");
        let saved = import(
            &saved,
            RegionChoice {
                flag: Some("eu-west"),
                api_host: None,
            },
        )
        .unwrap();
        assert_eq!(live.document, saved.document);
        assert_no_secret(&live.document);
    }

    #[test]
    fn a_429_is_retried_after_its_retry_after() {
        let stub = serve("eu", Fault::RateLimitOnce);
        let started = std::time::Instant::now();
        fetch(&stub.url, TOKEN, &FetchOptions::default()).unwrap();
        assert_eq!(stub.requests.load(Ordering::SeqCst), 8);
        assert!(started.elapsed() >= Duration::from_secs(1));
    }

    #[test]
    fn a_wrong_token_is_named_and_never_shown() {
        let stub = serve("eu", Fault::None);
        let err = fetch(&stub.url, "sgp_wrong-token-0000", &quick()).unwrap_err();
        assert!(
            matches!(err, FetchError::Unauthorized { status: 401, .. }),
            "{err}"
        );
        assert!(!err.to_string().contains("sgp_wrong"));
        assert!(!format!("{err:?}").contains("sgp_wrong"));
        assert_eq!(stub.requests.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_server_error_a_truncated_body_and_a_slow_server_each_end_the_fetch() {
        let err = fetch(&serve("eu", Fault::ServerError).url, TOKEN, &quick()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "listDestinations: the API answered HTTP 500: `Internal error`"
        );
        let err = fetch(&serve("eu", Fault::Truncated).url, TOKEN, &quick()).unwrap_err();
        assert!(matches!(err, FetchError::Transport { .. }), "{err:?}");
        assert!(err.to_string().starts_with("listWarehouses: "), "{err}");
        let err = fetch(&serve("eu", Fault::Slow).url, TOKEN, &quick()).unwrap_err();
        assert_eq!(err.to_string(), "listWarehouses: no complete answer within 1 s");
    }

    #[test]
    fn the_token_goes_only_over_https_or_to_loopback() {
        let err = fetch("http://api.segmentapis.com", TOKEN, &quick()).unwrap_err();
        assert!(matches!(err, FetchError::Url { .. }), "{err}");
    }

    #[test]
    fn the_command_fetches_with_the_token_from_the_environment_and_writes_nothing_on_failure() {
        let dir = temp("live");
        let doc = dir.join("eu.yaml");
        let stub = serve("eu", Fault::None);
        let out = Command::new(env!("CARGO_BIN_EXE_regionfence"))
            .args([
                "import-segment",
                "--api",
                &stub.url,
                "--region",
                "eu-west",
                "-o",
                doc.to_str().unwrap(),
            ])
            .env("SEGMENT_PUBLIC_API_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains(TOKEN));
        assert!(Workspace::parse(&std::fs::read_to_string(&doc).unwrap()).is_ok());
        std::fs::remove_file(&doc).unwrap();
        let failing = serve("eu", Fault::ServerError);
        let out = Command::new(env!("CARGO_BIN_EXE_regionfence"))
            .args([
                "import-segment",
                "--api",
                &failing.url,
                "--region",
                "eu-west",
                "-o",
                doc.to_str().unwrap(),
            ])
            .env("SEGMENT_PUBLIC_API_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("HTTP 500"), "{stderr}");
        assert!(!stderr.contains(TOKEN));
        assert!(!doc.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
