#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Exemptions: a dated, owned, justified flow allowed despite one region rule, on copies of
//! both shipped policies (the exemptions are added here; the shipped files hold none).
//! Active, expired, on its expiry day, without a date, in another region, refused at load,
//! listed by the audit, linted, offered by `check-workspace`, and `--as-of` on the command
//! line.

use regionfence::audit;
use regionfence::workspace::Workspace;
use regionfence::{CompileOptions, Date, Policy, Question, ReasonCode, Verdict};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Three exemptions of EU West, one of each shape: a US endpoint, a data lake in London, a
/// US loader address.
const EXEMPTIONS: &str = "
exemptions:
  - id: amp-us
    region: eu-west
    destination: amplitude
    endpoint: us
    justification: a signed transfer agreement covers the US project until it moves
    owner: dpo@example.com
    expires: 2026-06-30
  - {id: lake-london, region: eu-west, store: data-lake, cloud_region: aws:eu-west-2,
     justification: migration out of London, owner: data-platform, expires: 2026-03-31}
  - {id: us-loader, region: eu-west, warehouse: redshift, cidr: 52.25.130.38/32,
     justification: one-off backfill from the US pipeline, owner: warehouse-team, expires: 2026-01-15}
";

const SHIPPED: [&str; 2] = ["policies/segment.yaml", "policies/segment-2025.yaml"];

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn with(policy: &str, exemptions: &str) -> String {
    let text = std::fs::read_to_string(repo(policy)).unwrap();
    assert!(!text.contains("\nexemptions:"), "{policy} ships with exemptions");
    format!("{text}{exemptions}")
}

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

fn at(policy: &str, day: &str) -> Policy {
    Policy::from_yaml_with(&with(policy, EXEMPTIONS), &CompileOptions::new().as_of(date(day))).unwrap()
}

fn amp_us() -> Question {
    Question::Deliver {
        workspace: "eu-west".into(),
        destination: "amplitude".into(),
        endpoint: Some("us".into()),
    }
}

fn lake_london() -> Question {
    Question::Store {
        workspace: "eu-west".into(),
        store: "data-lake".into(),
        cloud_region: "aws:eu-west-2".into(),
    }
}

fn us_loader() -> Question {
    Question::Connect {
        workspace: "eu-west".into(),
        warehouse: "redshift".into(),
        ip: "52.25.130.38".into(),
    }
}

fn codes(policy: &Policy, q: &Question) -> Vec<&'static str> {
    policy.decide(q).codes().map(ReasonCode::as_str).collect()
}

#[test]
fn an_active_exemption_allows_its_flow_and_says_so() {
    for shipped in SHIPPED {
        let policy = at(shipped, "2026-01-01");
        for (q, rule, id) in [
            (amp_us(), "endpoint-outside-region", "amp-us"),
            (lake_london(), "store-outside-region", "lake-london"),
            (us_loader(), "ip-not-allowlisted", "us-loader"),
        ] {
            let d = policy.decide(&q);
            assert_eq!(d.verdict(), Verdict::Allow, "{shipped}: {}", q.to_json());
            // The rule's own reason first, then the exemption.
            assert_eq!(codes(&policy, &q), [rule, "exempted"], "{shipped}");
            assert_eq!(policy.exemption_name(d.exemption().unwrap()), id);
            let e = d.explain(&policy, &q);
            assert_eq!(e.reasons[1].code, "exempted");
            assert_eq!(e.exemption.as_deref(), Some(id));
            assert!(
                e.reasons[1].message.contains(&format!("`{id}`")),
                "{}",
                e.reasons[1].message
            );
            assert!(e.reasons[1].message.contains("eu-west"));
        }
        // The delivery goes through the exempted endpoint, and the answer names it.
        let e = policy.decide(&amp_us()).explain(&policy, &amp_us());
        assert_eq!(e.resolved.endpoint.as_deref(), Some("us"));
        assert_eq!(e.resolved.host.as_deref(), Some("api2.amplitude.com"));
        // The endpoint named by its host is the same flow.
        assert!(policy
            .deliver(
                "eu-west",
                "amplitude",
                Some("https://api2.amplitude.com/2/httpapi")
            )
            .is_allowed());
    }
}

#[test]
fn an_exemption_applies_through_its_expiry_day_and_not_after() {
    for shipped in SHIPPED {
        for (q, last_day) in [
            (amp_us(), "2026-06-30"),
            (lake_london(), "2026-03-31"),
            (us_loader(), "2026-01-15"),
        ] {
            let on = at(shipped, last_day);
            assert!(
                on.decide(&q).is_allowed(),
                "{shipped} on {last_day}: {}",
                q.to_json()
            );
            let after = Date::from_days_since_epoch(date(last_day).days_since_epoch() + 1).unwrap();
            let expired = at(shipped, &after.to_string());
            let d = expired.decide(&q);
            assert_eq!(d.verdict(), Verdict::Deny, "{shipped} on {after}");
            // An expired exemption changes nothing: the decision is the rule's alone.
            assert_eq!(
                d,
                Policy::from_yaml(&std::fs::read_to_string(repo(shipped)).unwrap())
                    .unwrap()
                    .decide(&q)
            );
            assert!(!d.has_code(ReasonCode::Exempted));
        }
    }
}

#[test]
fn without_a_date_no_exemption_applies() {
    for shipped in SHIPPED {
        let policy = Policy::from_yaml(&with(shipped, EXEMPTIONS)).unwrap();
        assert_eq!(policy.as_of(), None);
        for q in [amp_us(), lake_london(), us_loader()] {
            assert!(!policy.decide(&q).is_allowed(), "{}", q.to_json());
        }
        let report = audit::audit(&policy).unwrap();
        assert!(report.lints.iter().any(|l| l.code == "exemptions-not-evaluated"));
        assert!(report.exempted.is_empty());
    }
}

#[test]
fn an_exemption_loosens_only_its_own_flow() {
    for shipped in SHIPPED {
        let policy = at(shipped, "2026-01-01");
        // Another region: US West's workspaces gain nothing from EU West's exemptions.
        let d = policy.connect("us-west", "redshift", "3.251.148.97");
        assert!(!d.is_allowed() && !d.has_code(ReasonCode::Exempted), "{shipped}");
        // Another endpoint, destination, store, cloud region, warehouse or address.
        assert!(!policy.deliver("eu-west", "mixpanel", Some("us")).is_allowed());
        assert!(!policy.store("eu-west", "aws-s3", "aws:eu-west-2").is_allowed());
        assert!(!policy.store("eu-west", "data-lake", "aws:us-east-1").is_allowed());
        assert!(!policy.connect("eu-west", "redshift", "52.25.130.39").is_allowed());
        assert!(!policy.connect("eu-west", "postgres", "52.25.130.38").is_allowed());
        // A provider the store lacks is never exempted, even in the exempted cloud region.
        let text = with(
            shipped,
            &EXEMPTIONS.replace(
                "store: data-lake, cloud_region: aws:eu-west-2",
                "store: data-lake, cloud_region: gcp:europe-west2",
            ),
        );
        if let Ok(gcp) = Policy::from_yaml_with(&text, &CompileOptions::new().as_of(date("2026-01-01"))) {
            let d = gcp.store("eu-west", "data-lake", "gcp:europe-west2");
            assert!(!d.is_allowed() && d.has_code(ReasonCode::StoreProviderMismatch));
        }
        // Unknown and malformed names stay denied for what they are.
        for (q, code) in [
            (
                Question::Deliver {
                    workspace: "eu-west".into(),
                    destination: "amplitude".into(),
                    endpoint: Some("uss".into()),
                },
                ReasonCode::UnknownEndpoint,
            ),
            (
                Question::Connect {
                    workspace: "eu-west".into(),
                    warehouse: "redshift".into(),
                    ip: "52.25.130.038".into(),
                },
                ReasonCode::MalformedIp,
            ),
            (
                Question::Store {
                    workspace: "eu-west".into(),
                    store: "data-lakes".into(),
                    cloud_region: "aws:eu-west-2".into(),
                },
                ReasonCode::UnknownStore,
            ),
            (
                Question::Deliver {
                    workspace: "eu-west ".into(),
                    destination: "amplitude".into(),
                    endpoint: Some("us".into()),
                },
                ReasonCode::UnknownRegion,
            ),
        ] {
            let d = policy.decide(&q);
            assert!(!d.is_allowed() && d.has_code(code), "{}", q.to_json());
        }
        // In-region flows keep their own reasons, untouched.
        assert_eq!(
            codes(
                &policy,
                &Question::Deliver {
                    workspace: "eu-west".into(),
                    destination: "amplitude".into(),
                    endpoint: None,
                }
            ),
            ["endpoint-in-region"]
        );
    }
}

#[test]
fn a_deliver_exemption_without_an_endpoint_covers_every_endpoint() {
    let text = with(
        "policies/segment.yaml",
        "exemptions:\n  - {id: ga, region: eu-west, destination: google-analytics, justification: x, owner: y, expires: 2026-12-31}\n",
    );
    let policy = Policy::from_yaml_with(&text, &CompileOptions::new().as_of(date("2026-12-01"))).unwrap();
    for endpoint in [None, Some("us")] {
        let q = Question::Deliver {
            workspace: "eu-west".into(),
            destination: "google-analytics".into(),
            endpoint: endpoint.map(str::to_string),
        };
        let e = policy.decide(&q).explain(&policy, &q);
        assert_eq!(e.decision, Verdict::Allow);
        assert_eq!(
            e.resolved.endpoint.as_deref(),
            Some("us"),
            "the destination's first endpoint"
        );
    }
}

#[test]
fn the_id_layer_agrees_with_the_string_layer() {
    for shipped in SHIPPED {
        let policy = at(shipped, "2026-01-01");
        let eu = policy.region_id("eu-west").unwrap();
        let d = policy.deliver("eu-west", "amplitude", Some("us"));
        let regionfence::Answer::Endpoint {
            destination,
            endpoint,
        } = d.answer()
        else {
            panic!()
        };
        assert_eq!(policy.deliver_ids(eu, destination, Some(endpoint)), d);
        let d = policy.store("eu-west", "data-lake", "aws:eu-west-2");
        let Some(&regionfence::Reason::StoreOutsideRegion { store, cloud, .. }) = d.reasons().next() else {
            panic!()
        };
        assert_eq!(policy.store_ids(eu, store, cloud), d);
        assert!(d.is_allowed());
    }
}

#[test]
fn names_are_checked_at_load_with_a_position_and_a_hint() {
    let base = std::fs::read_to_string(repo("policies/segment.yaml")).unwrap();
    let lines = base.lines().count();
    for (entry, wanted) in [
        ("{id: x, region: eu-wst, destination: amplitude, justification: j, owner: o, expires: 2026-01-01}", "unknown region `eu-wst` in `exemptions[x].region`; did you mean `eu-west`?"),
        ("{id: x, region: eu-west, destination: amplitud, justification: j, owner: o, expires: 2026-01-01}", "unknown destination `amplitud`"),
        ("{id: x, region: eu-west, destination: amplitude, endpoint: uss, justification: j, owner: o, expires: 2026-01-01}", "unknown endpoint `uss` in `exemptions[x].endpoint`; did you mean `us`?"),
        ("{id: x, region: eu-west, store: data-lakes, cloud_region: aws:eu-west-2, justification: j, owner: o, expires: 2026-01-01}", "unknown store `data-lakes`"),
        ("{id: x, region: eu-west, store: data-lake, cloud_region: aws:eu-west-9, justification: j, owner: o, expires: 2026-01-01}", "unknown cloud region `aws:eu-west-9`"),
        ("{id: x, region: eu-west, warehouse: redshifts, cidr: 1.2.3.0/24, justification: j, owner: o, expires: 2026-01-01}", "unknown store `redshifts`"),
        ("{id: x, region: eu-west, warehouse: data-lake, cidr: 1.2.3.0/24, justification: j, owner: o, expires: 2026-01-01}", "store `data-lake` is not a warehouse"),
        ("{id: x, region: eu-west, warehouse: redshift, cidr: 1.2.3.4/24, justification: j, owner: o, expires: 2026-01-01}", "has host bits set; write `1.2.3.0/24`"),
        ("{id: x, region: eu-west, warehouse: redshift, cidr: 1.2.3.0/33, justification: j, owner: o, expires: 2026-01-01}", "malformed CIDR"),
    ] {
        let text = format!("{base}exemptions:\n  - {entry}\n");
        let err = Policy::from_yaml_with(&text, &CompileOptions::new().as_of(date("2026-01-01"))).unwrap_err();
        assert!(err.to_string().contains(wanted), "{err}");
        let location = err.location().unwrap_or_else(|| panic!("no position: {err}"));
        assert_eq!(location.line, lines + 2, "{err}");
    }
}

#[test]
fn malformed_exemptions_are_refused_at_load() {
    let base = std::fs::read_to_string(repo("policies/segment-2025.yaml")).unwrap();
    let lines = base.lines().count();
    let load = |entries: &str| Policy::from_yaml(&format!("{base}exemptions:\n{entries}"));
    let entry = |fields: &str| format!("  - {{id: x, region: eu-west, destination: amplitude, {fields}}}\n");
    // Dates: strict `YYYY-MM-DD`, a real day, with the line and column of the value.
    for bad in [
        "2026-02-29",
        "2026-13-01",
        "2026-6-30",
        "30/06/2026",
        "2026-06-30T00:00:00Z",
        "tomorrow",
        "'20260630'",
        "'2026-06-30 '",
    ] {
        let err = load(&entry(&format!("justification: j, owner: o, expires: {bad}"))).unwrap_err();
        assert!(err.to_string().contains("is not a date"), "{bad}: {err}");
        assert_eq!(err.location().unwrap().line, lines + 2, "{err}");
    }
    // A number is no date either.
    let err = load(&entry("justification: j, owner: o, expires: 20260630")).unwrap_err();
    assert_eq!(err.location().unwrap().line, lines + 2, "{err}");
    let err = load(&entry(
        "justification: j, owner: o, expires: 2026-06-30, reviewer: me",
    ))
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `reviewer`"), "{err}");
    let err = load(&entry("justification: j, expires: 2026-06-30")).unwrap_err();
    assert!(err.to_string().contains("missing field `owner`"), "{err}");
    for (fields, wanted) in [
        (
            "justification: '  ', owner: o, expires: 2026-06-30",
            "the justification must not be empty",
        ),
        (
            "justification: j, owner: '', expires: 2026-06-30",
            "the owner must not be empty",
        ),
        (
            "justification: \"a\\u001b[2Jb\", owner: o, expires: 2026-06-30",
            "control characters",
        ),
    ] {
        let err = load(&entry(fields)).unwrap_err();
        assert!(err.to_string().contains(wanted), "{err}");
        assert!(err.location().is_some(), "{err}");
    }
    let long = "j".repeat(1025);
    let err = load(&entry(&format!(
        "justification: {long}, owner: o, expires: 2026-06-30"
    )))
    .unwrap_err();
    assert!(err.to_string().contains("over the limit of 1024"), "{err}");
    // One flow each: not two, not none, and no endpoint without a destination.
    for entries in [
        "  - {id: x, region: eu-west, destination: amplitude, store: data-lake, cloud_region: aws:eu-west-2, justification: j, owner: o, expires: 2026-06-30}\n",
        "  - {id: x, region: eu-west, justification: j, owner: o, expires: 2026-06-30}\n",
        "  - {id: x, region: eu-west, store: data-lake, justification: j, owner: o, expires: 2026-06-30}\n",
        "  - {id: x, region: eu-west, warehouse: redshift, justification: j, owner: o, expires: 2026-06-30}\n",
        "  - {id: x, region: eu-west, endpoint: us, store: data-lake, cloud_region: aws:eu-west-2, justification: j, owner: o, expires: 2026-06-30}\n",
    ] {
        let err = load(entries).unwrap_err();
        assert!(err.to_string().contains("an exemption names one flow"), "{err}");
        assert_eq!(err.location().unwrap().line, lines + 2, "{err}");
    }
    // Ids: valid and unique.
    let twice = format!(
        "{}{}",
        entry("justification: j, owner: o, expires: 2026-06-30"),
        entry("justification: k, owner: o, expires: 2026-07-30")
    );
    let err = load(&twice).unwrap_err();
    assert!(err.to_string().contains("duplicate exemption `x`"), "{err}");
    assert_eq!(err.location().unwrap().line, lines + 3, "{err}");
    let err = load("  - {id: Bad_Id, region: eu-west, destination: amplitude, justification: j, owner: o, expires: 2026-06-30}\n").unwrap_err();
    assert!(
        err.to_string().contains("exemption id `Bad_Id` is not valid"),
        "{err}"
    );
}

#[test]
fn the_audit_lists_exempted_flows_and_never_reads_clean_without_them() {
    for shipped in SHIPPED {
        let policy = at(shipped, "2026-01-01");
        let report = audit::audit(&policy).unwrap();
        assert!(report.passed(), "{}", report.to_text());
        let listed: Vec<(&str, &str)> = report
            .exempted
            .iter()
            .map(|e| (e.exemption.as_str(), e.flow.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                ("amp-us", "deliver to `amplitude` through endpoint `us`"),
                ("lake-london", "store `data-lake` in `aws:eu-west-2`"),
                (
                    "us-loader",
                    "connect from `52.25.130.38/32` to warehouse `redshift`"
                ),
            ],
            "{shipped}"
        );
        assert_eq!(report.exempted[0].owner, "dpo@example.com");
        assert_eq!(report.exempted[0].expires, "2026-06-30");
        assert_eq!(report.exempted[2].region, "eu-west");
        assert!(report.exempted_questions >= 3, "{}", report.exempted_questions);
        assert_eq!(report.as_of.as_deref(), Some("2026-01-01"));
        let text = report.to_text();
        assert!(
            text.contains("residency is proved for the strict regions: `eu-west`, except 3 exempted flow(s)"),
            "{text}"
        );
        assert!(text.contains("exempted by `lake-london` (region `eu-west`): store `data-lake` in `aws:eu-west-2`; owner `data-platform`, expires 2026-03-31"), "{text}");
        assert!(
            text.contains("all invariants hold, except 3 exempted flow(s)"),
            "{text}"
        );
        assert!(!text.lines().any(|l| l == "all invariants hold"), "{text}");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["exempted"][1]["exemption"], "lake-london");
        assert_eq!(json["exempted"][1]["owner"], "data-platform");
        // After the last expiry: nothing exempted, three lints, a plain proof.
        let later = audit::audit(&at(shipped, "2026-07-01")).unwrap();
        assert!(later.exempted.is_empty() && later.exempted_questions == 0);
        let expired: Vec<&str> = later
            .lints
            .iter()
            .filter(|l| l.code == "exemption-expired")
            .map(|l| l.message.as_str())
            .collect();
        assert_eq!(expired.len(), 3, "{expired:?}");
        assert!(
            expired[0].contains("exemption `amp-us` of region `eu-west`")
                && expired[0].contains("expired on 2026-06-30"),
            "{expired:?}"
        );
        assert!(later.to_text().contains("all invariants hold\n"));
        // In between, only the live ones are listed and only the dead ones linted.
        let between = audit::audit(&at(shipped, "2026-02-01")).unwrap();
        assert_eq!(between.exempted.len(), 2);
        assert_eq!(
            between
                .lints
                .iter()
                .filter(|l| l.code == "exemption-expired")
                .count(),
            1
        );
    }
}

#[test]
fn an_exemption_that_exempts_nothing_is_linted() {
    let entries = "exemptions:
  - {id: amp-eu, region: eu-west, destination: amplitude, endpoint: eu, justification: j, owner: o, expires: 2026-12-31}
  - {id: amp-us, region: eu-west, destination: amplitude, endpoint: us, justification: j, owner: o, expires: 2026-12-31}
  - {id: amp-again, region: eu-west, destination: amplitude, justification: j, owner: o, expires: 2026-12-31}
  - {id: s3-gcp, region: eu-west, store: aws-s3, cloud_region: gcp:europe-west3, justification: j, owner: o, expires: 2026-12-31}
";
    for shipped in SHIPPED {
        let text = with(shipped, entries);
        let Ok(policy) = Policy::from_yaml_with(&text, &CompileOptions::new().as_of(date("2026-01-01")))
        else {
            continue;
        };
        let idle: Vec<String> = audit::audit(&policy)
            .unwrap()
            .lints
            .into_iter()
            .filter(|l| l.code == "exemption-exempts-nothing")
            .map(|l| l.message)
            .collect();
        assert_eq!(idle.len(), 3, "{shipped}: {idle:?}");
        assert!(
            idle[0].contains("`amp-eu`") && idle[0].contains("the rules allow the flow already"),
            "{idle:?}"
        );
        assert!(
            idle[1].contains("`amp-again`") && idle[1].contains("exemption `amp-us` covers the flow first"),
            "{idle:?}"
        );
        assert!(
            idle[2].contains("`s3-gcp`") && idle[2].contains("still denied (store-provider-mismatch"),
            "{idle:?}"
        );
    }
}

#[test]
fn check_workspace_offers_an_exemption_template_for_what_no_edit_keeps() {
    let policy = Policy::default_policy();
    let ws = Workspace::parse(
        "version: 1\nworkspace: acme-eu\nregion: eu-west\n\
         destinations: [{id: ga, destination: google-analytics}, {id: amp, destination: amplitude, endpoint: us}]\n",
    )
    .unwrap();
    let report = policy.check_workspace(&ws);
    let ga = &report.violations[0];
    assert_eq!(ga.code.as_str(), "endpoint-outside-region");
    let template = ga.exemption.as_deref().unwrap();
    assert_eq!(
        template,
        "exemptions:\n  - id: acme-eu-ga\n    region: eu-west\n    destination: google-analytics\n    endpoint: us\n    \
         justification: <why this flow may leave the region>\n    owner: <who answers for it>\n    \
         expires: <YYYY-MM-DD, the last day it applies>\n"
    );
    // An edit keeps the other (its in-region endpoint): no template.
    assert!(report.violations[1].fix.has_edit() && report.violations[1].exemption.is_none());
    // As placed in the policy with its placeholders filled in, the template allows exactly
    // that flow.
    let filled = template
        .replace("<why this flow may leave the region>", "contract")
        .replace("<who answers for it>", "dpo")
        .replace("<YYYY-MM-DD, the last day it applies>", "2026-12-31");
    let exempted = Policy::from_yaml_with(
        &with("policies/segment.yaml", &filled),
        &CompileOptions::new().as_of(date("2026-12-31")),
    )
    .unwrap();
    let after = exempted.check_workspace(&ws);
    assert_eq!(after.violations.len(), 1, "{:?}", after.violations);
    // Unfilled, it is refused, never loaded as an exemption.
    assert!(Policy::from_yaml(&with("policies/segment.yaml", template)).is_err());
    // A store the region may keep elsewhere is moved: an edit keeps it, no template.
    let ws = Workspace::parse(
        "version: 1\nworkspace: acme-eu\nregion: eu-west\nstores: [{id: lake, store: archive, cloud_region: aws:eu-west-2}]\n",
    )
    .unwrap();
    let v = &policy.check_workspace(&ws).violations[0];
    assert!(v.fix.has_edit() && v.exemption.is_none(), "{v:?}");
}

fn binary(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_command_line_evaluates_at_as_of_or_today() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("exemptions-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("policy.yaml");
    std::fs::write(&file, with("policies/segment-2025.yaml", EXEMPTIONS)).unwrap();
    let file = file.to_str().unwrap();
    let question = amp_us().to_json();
    let ask = |as_of: Option<&str>| {
        let mut args = vec!["--policy", file];
        if let Some(d) = as_of {
            args.extend(["--as-of", d]);
        }
        args.extend(["ask", question.as_str()]);
        binary(&args)
    };
    let on = ask(Some("2026-06-30"));
    assert_eq!(
        on.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&on.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&on.stdout).unwrap();
    assert_eq!(json["reasons"][1]["code"], "exempted");
    assert_eq!(ask(Some("2026-07-01")).status.code(), Some(2));
    // The option is global: before or after the command.
    let after = binary(&[
        "ask",
        question.as_str(),
        "--policy",
        file,
        "--as-of",
        "2026-01-01",
    ]);
    assert_eq!(after.status.code(), Some(0));
    // Without it, today in UTC.
    let today = regionfence::cli::today_utc();
    let expected = if today <= date("2026-06-30") { 0 } else { 2 };
    assert_eq!(ask(None).status.code(), Some(expected), "today is {today}");
    // A malformed date is an error, exit 1, naming the format.
    for bad in ["2026-02-30", "30-06-2026", ""] {
        let out = ask(Some(bad));
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The audit at a date lists the exempted flows.
    let out = binary(&["--policy", file, "--as-of", "2026-02-01", "audit"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("except 2 exempted flow(s)"), "{text}");
    assert!(
        text.contains("exemption-expired: exemption `us-loader`"),
        "{text}"
    );
    let out = binary(&[
        "--policy",
        file,
        "--as-of",
        "2026-02-01",
        "audit",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["report"]["exempted"].as_array().unwrap().len(), 2);
    assert_eq!(json["report"]["as_of"], "2026-02-01");
}

#[test]
fn check_workspace_prints_the_template() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("exemptions-ws");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ws.yaml");
    std::fs::write(
        &file,
        "version: 1\nworkspace: acme-eu\nregion: eu-west\ndestinations: [{id: ga, destination: google-analytics}]\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let out = binary(&["check-workspace", file]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("or, to allow this flow despite the rule, add to the policy:\n        exemptions:\n          - id: acme-eu-ga\n"), "{text}");
    let out = binary(&["check-workspace", file, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let template = json["files"][0]["violations"][0]["exemption"]
        .as_str()
        .unwrap_or_else(|| panic!("{json}"));
    assert!(template.contains("destination: google-analytics"), "{template}");
}

/// The generators of the property tests reach exempted decisions, active and expired, so
/// the engine-model agreement covers exemptions.
#[test]
fn generated_policies_exercise_exemptions() {
    use regionfence_model::{choices::pseudo_random_bytes, gen_policy, gen_question, Choices};
    let options = CompileOptions::new().as_of(gen_policy::as_of());
    let (mut exempted, mut expired, mut on_the_day) = (0, 0, 0);
    let seeds = crate::long_or_light(3000u64, 1000);
    for seed in 0..seeds {
        let tape = pseudo_random_bytes(seed, 600);
        let family = if seed % 2 == 0 {
            gen_policy::Family::Safe
        } else {
            gen_policy::Family::Any
        };
        let doc = gen_policy::policy(&mut Choices::new(&tape), family);
        let Ok(policy) = Policy::compile_with(doc.clone(), &options) else {
            continue;
        };
        for e in &doc.exemptions {
            expired += usize::from(e.expires < gen_policy::as_of());
            on_the_day += usize::from(e.expires == gen_policy::as_of());
        }
        for i in 0..16u64 {
            let q = gen_question::question(&mut Choices::new(&pseudo_random_bytes(seed * 100 + i, 48)), &doc);
            regionfence_model::check_decision(&policy, &q).unwrap();
            exempted += usize::from(policy.decide(&q).exemption().is_some());
        }
    }
    assert!(
        [exempted, expired, on_the_day]
            .iter()
            .all(|n| *n as u64 > seeds / 150),
        "{exempted} {expired} {on_the_day}"
    );
}

/// The README's policy excerpt shows an exemption that loads into the default policy.
#[test]
fn the_readme_policy_excerpt_exemption_loads() {
    let readme = crate::docs();
    let start = readme.find("\nexemptions:                        #").unwrap() + 1;
    let end = start + readme[start..].find("```").unwrap();
    let policy = Policy::from_yaml_with(
        &with("policies/segment.yaml", &readme[start..end]),
        &CompileOptions::new().as_of(date("2026-06-30")),
    )
    .unwrap();
    assert!(policy.deliver("eu-west", "amplitude", Some("us")).is_allowed());
}

/// The picture of the flows marks what only an exemption allows.
#[test]
fn the_graph_marks_exempted_flows() {
    use regionfence::graph::GraphFormat;
    for shipped in SHIPPED {
        let drawn = at(shipped, "2026-01-01")
            .flow_graph()
            .unwrap()
            .render(GraphFormat::Mermaid);
        assert!(drawn.contains("eu-west: 1 destinations (1 exempted)"), "{drawn}");
        assert!(drawn.contains("eu-west: store (exempted)"), "{drawn}");
        let plain = at(shipped, "2026-07-01")
            .flow_graph()
            .unwrap()
            .render(GraphFormat::Mermaid);
        assert!(!plain.contains("exempted"), "{plain}");
    }
}
