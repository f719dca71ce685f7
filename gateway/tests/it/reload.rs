//! Hot reload under load: requests from several threads while the policy is reloaded 100
//! times, alternating between two policies. No request fails, and every answer is one that
//! the policy it names gives. A policy that fails its audit is refused and the old one
//! keeps serving.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;
use common::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

/// Policy A lets EU West's server sources ingest; policy B supports only JavaScript there.
fn policies() -> (String, String) {
    let base = std::fs::read_to_string(repo().join("policies/broken/base.yaml")).unwrap();
    let a = base.replace("name: broken-base", "name: reload-a");
    let eu = a.find("id: eu-west").unwrap();
    let (head, tail) = a.split_at(eu);
    let b = format!(
        "{head}{}",
        tail.replacen(
            "source_kinds: [javascript, server]",
            "source_kinds: [javascript]",
            1
        )
    )
    .replace("name: reload-a", "name: reload-b");
    assert_ne!(a, b);
    (a, b)
}

fn write(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(tmp, path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_reloads_under_load_give_only_answers_of_one_policy_or_the_other() {
    let dir = std::env::temp_dir().join(format!("rf-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("policy.yaml");
    let (a, b) = policies();
    write(&policy, &a);
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, &format!("policy: {}\n", policy.display()))).await;
    let addr = gw.addr;

    let stop = Arc::new(AtomicBool::new(false));
    let seen_a = Arc::new(AtomicUsize::new(0));
    let seen_b = Arc::new(AtomicUsize::new(0));
    let forwarded = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for worker in 0..4 {
        let (stop, seen_a, seen_b, forwarded) = (
            Arc::clone(&stop),
            Arc::clone(&seen_a),
            Arc::clone(&seen_b),
            Arc::clone(&forwarded),
        );
        workers.push(tokio::spawn(async move {
            let client = client();
            let eu = basic(EU_KEY);
            let question = r#"{"ask":"ingest","workspace":"eu-west","source":"server","host":"events.eu1.segmentapis.com"}"#;
            let mut sent = 0u32;
            // Bounded in count as well as by the reloads' end.
            while !stop.load(Relaxed) && sent < 20_000 {
                sent += 1;
                if (sent + worker).is_multiple_of(2) {
                    let body = batch(&[(&format!("w{worker}-{sent}"), "Reloaded")]);
                    let r = send(&client, "POST", addr, "/v1/batch", &[("authorization", &eu)], body).await;
                    match r.status.as_u16() {
                        // Forwarded: only policy A allows it.
                        200 => {
                            assert_eq!(r.headers["x-upstream"], "stub");
                            forwarded.fetch_add(1, Relaxed);
                            seen_a.fetch_add(1, Relaxed);
                        }
                        403 => {
                            assert_eq!(unhashed(r.policy()), "reload-b@1", "a 403 from a policy that allows it");
                            assert_eq!(r.json()["code"], "source-unsupported-in-region");
                            assert_eq!(r.json()["policy"]["name"], "reload-b");
                            seen_b.fetch_add(1, Relaxed);
                        }
                        other => panic!("an answer neither policy gives: {other} {:?}", r.body),
                    }
                } else {
                    let r = send(&client, "POST", addr, "/v1/decide", &[], question).await;
                    assert_eq!(r.status, 200, "{:?}", r.body);
                    let json = r.json();
                    match (unhashed(r.policy()), json["decision"].as_str(), json["reasons"][0]["code"].as_str()) {
                        ("reload-a@1", Some("allow"), Some("host-in-region")) => seen_a.fetch_add(1, Relaxed),
                        ("reload-b@1", Some("deny"), Some("source-unsupported-in-region")) => {
                            seen_b.fetch_add(1, Relaxed)
                        }
                        other => panic!("an answer neither policy gives: {other:?}"),
                    };
                }
            }
            sent
        }));
    }

    let client = client();
    for i in 0..100 {
        let (text, name) = if i % 2 == 0 {
            (&b, "reload-b")
        } else {
            (&a, "reload-a")
        };
        write(&policy, text);
        let r = send(&client, "POST", gw.admin(), "/v1/reload", &[], "").await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.json()["policy"]["name"], name);
        // Let some requests through under each policy.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.store(true, Relaxed);
    let mut total = 0;
    for w in workers {
        total += w.await.expect("a worker saw a failed request or a wrong answer");
    }
    let (n_a, n_b) = (seen_a.load(Relaxed), seen_b.load(Relaxed));
    assert!(
        n_a > 0 && n_b > 0,
        "both policies answered: {n_a} / {n_b} of {total}"
    );
    assert_eq!(
        stub.count(),
        forwarded.load(Relaxed),
        "refused requests never reached the upstream"
    );

    // A policy failing its audit is refused; the one in force (A, the 100th) keeps serving.
    std::fs::copy(repo().join("policies/broken/eu-host-under-us-west.yaml"), &policy).unwrap();
    let r = send(&client, "POST", gw.admin(), "/v1/reload", &[], "").await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["reloaded"], false);
    assert!(r.json()["error"].as_str().unwrap().contains("fails its audit"));
    assert_eq!(r.json()["policy"]["name"], "reload-a");
    write(&policy, "version: 1\nname: [unclosed");
    assert_eq!(
        send(&client, "POST", gw.admin(), "/v1/reload", &[], "")
            .await
            .status,
        422
    );
    let eu = basic(EU_KEY);
    let r = send(
        &client,
        "POST",
        addr,
        "/v1/batch",
        &[("authorization", &eu)],
        batch(&[("after", "E")]),
    )
    .await;
    assert_eq!(r.status, 200, "the old policy still serves");

    let metrics = send(&client, "GET", gw.admin(), "/metrics", &[], "").await;
    let text = String::from_utf8(metrics.body.to_vec()).unwrap();
    assert!(
        text.lines().any(|l| l == "regionfence_reloads_total 100"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l == "regionfence_reload_failures_total 2"),
        "{text}"
    );
    assert!(
        text.contains("regionfence_policy_info{name=\"reload-a\",version=\"1\""),
        "{text}"
    );
    gw.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A policy label without its digest: `name@version`.
fn unhashed(label: &str) -> &str {
    label.split('#').next().unwrap_or(label)
}

/// A `policy:` naming a file that is no policy (here lines shaped like `/etc/shadow`'s): the
/// refused reload's answer says which file, where and what kind of fault, and quotes none
/// of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_reload_does_not_quote_the_file() {
    let dir = std::env::temp_dir().join(format!("rf-reload-shadow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("policy.yaml");
    write(&policy, &policies().0);
    let stub = Stub::start().await;
    let gw = start(config(stub.addr, &format!("policy: {}\n", policy.display()))).await;
    write(
        &policy,
        "root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\nsecret-user:$6$salt$hash:20228:0:99999:7:::\n",
    );
    let r = send(&client(), "POST", gw.admin(), "/v1/reload", &[], "").await;
    assert_eq!(r.status, 422);
    let text = String::from_utf8_lossy(&r.body).to_string();
    for secret in ["root", "daemon", "20228", "secret-user", "$6$"] {
        assert!(!text.contains(secret), "{text}");
    }
    let error = r.json()["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("policy.yaml: not a valid policy: syntax at line 1, column 1"),
        "{error}"
    );
    assert_eq!(r.json()["policy"]["name"], "reload-a");
    gw.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}
