"""The Python API answers as the command line does: `explain()` is `regionfence ask`'s JSON,
`record()` is `ask --record`'s line, the workspace check, the audit, the diff and the digest
are the command line's; typed methods, dicts, JSON and YAML ask the same question."""

from __future__ import annotations

import datetime
import json
import pickle

import pytest

import regionfence
from regionfence import Policy

QUESTIONS = [
    {"ask": "ingest", "workspace": "eu-west", "source": "javascript", "host": "https://events.eu1.segmentapis.com/v1"},
    {"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "api.segment.io"},
    {"ask": "ingest", "workspace": "eu-central", "source": "teleport", "host": "http://[::1"},
    {"ask": "resolve", "workspace": "us-west", "source": "ios", "ingestion": "dublin"},
    {"ask": "resolve", "workspace": "eu-west", "source": "server"},
    {"ask": "deliver", "workspace": "eu-west", "destination": "amplitude"},
    {"ask": "deliver", "workspace": "eu-west", "destination": "amplitude", "endpoint": "us"},
    {"ask": "store", "workspace": "eu-west", "store": "redshift", "cloud_region": "aws:eu-central-1"},
    {"ask": "store", "workspace": "eu-west", "store": "redshift", "cloud_region": "aws:us-east-1"},
    {"ask": "connect", "workspace": "us-west", "warehouse": "redshift", "ip": "52.25.130.38"},
    {"ask": "connect", "workspace": "eu-west", "warehouse": "redshift", "ip": "999.1.1.1"},
    {"ask": "allowlist", "workspace": "eu-west", "warehouse": "redshift"},
    {"ask": "failover", "from": "eu-west/dublin-a", "to": "eu-west/dublin-b"},
    {"ask": "failover", "from": "eu-west/dublin-a", "to": "us-west/oregon-a"},
    {"ask": "region-change", "workspace": "eu-west", "to": "us-west"},
    {"ask": "region-change", "workspace": "eu-west", "to": "eu-west"},
]


def typed(policy: Policy, q: dict):
    args = {k: v for k, v in q.items() if k != "ask"}
    if q["ask"] == "failover":
        args["from_"] = args.pop("from")
    return getattr(policy, q["ask"].replace("-", "_"))(**args)


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: f"{q['ask']}")
def test_explain_is_the_cli_ask_json(policy, run_cli, q):
    code, out, err = run_cli("ask", json.dumps(q))
    assert code in (0, 2), err
    cli = json.loads(out)
    d = policy.ask(q)
    assert d.explain() == cli
    assert d.verdict == cli["decision"]
    assert d.allowed == (code == 0)
    assert [r.code for r in d.reasons] == [r["code"] for r in cli["reasons"]]
    assert [r.message for r in d.reasons] == [r["message"] for r in cli["reasons"]]
    # The same question, asked every other way.
    for other in (typed(policy, q), policy.ask(json.dumps(q)), policy.ask(
        "\n".join(f"{k}: {json.dumps(v)}" for k, v in q.items())
    )):
        assert other.explain() == cli
    assert d.question == q


@pytest.mark.parametrize("q", QUESTIONS[:4] + QUESTIONS[12:14], ids=lambda q: q["ask"])
def test_record_is_the_cli_ask_record_line(policy, run_cli, q):
    code, out, err = run_cli("ask", "--record", json.dumps(q))
    assert code in (0, 2), err
    assert policy.ask(q).record() == json.loads(out)


def test_reason_fields_name_the_question_field(policy):
    d = policy.failover("eu-west/dublin-a", "eu-west/nowhere")
    assert d.reasons[0].code == "unknown-location"
    assert d.reasons[0].field == "to"
    assert policy.store("eu-west", "redshift", "aws:eu-west-1").reasons[0].field is None


def test_digest_is_the_cli_check_digest(policy, run_cli):
    code, out, _ = run_cli("check")
    assert code == 0
    assert f"digest {policy.digest}" in out
    assert len(policy.digest) == 64
    assert policy.as_of == datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def test_as_of_decides_the_exemptions():
    text = regionfence.DEFAULT_POLICY_YAML + (
        "exemptions:\n  - {id: amp-us, region: eu-west, destination: amplitude, endpoint: us,\n"
        "     justification: a signed transfer agreement, owner: dpo@example.com, expires: 2026-06-30}\n"
    )
    inside = Policy.from_yaml(text, as_of="2026-06-30")
    after = Policy.from_yaml(text, as_of=datetime.date(2026, 7, 1))
    d = inside.deliver("eu-west", "amplitude", "us")
    assert d.allowed and d.explain()["exemption"] == "amp-us"
    assert d.record()["exemptions"] == ["amp-us"]
    assert d.record()["as_of"] == "2026-06-30"
    assert not after.deliver("eu-west", "amplitude", "us").allowed
    assert inside.digest == after.digest and inside != after


def test_check_workspace_is_the_cli_report(policy, cli_json, tmp_path):
    text = (
        "version: 1\nworkspace: acme\nregion: eu-west\n"
        "destinations: [{id: amp, destination: amplitude, endpoint: us}]\n"
        "stores: [{id: wh, store: redshift, cloud_region: aws:us-east-1}]\n"
    )
    path = tmp_path / "ws.yaml"
    path.write_text(text)
    cli = cli_json("check-workspace", "--format", "json", str(path), ok=(2,))["files"][0]
    del cli["file"]
    report = policy.check_workspace(text)
    assert report == cli
    assert not report["compliant"]
    fix = report["violations"][0]["fix"]
    assert fix["patch"] == [{"op": "replace", "path": "/destinations/0/endpoint", "value": "eu"}]
    # A dict is the same configuration (JSON has no positions to report).
    as_dict = policy.check_workspace({
        "version": 1, "workspace": "acme", "region": "eu-west",
        "destinations": [{"id": "amp", "destination": "amplitude", "endpoint": "us"}],
        "stores": [{"id": "wh", "store": "redshift", "cloud_region": "aws:us-east-1"}],
    })
    strip = lambda r: [{k: v for k, v in x.items() if k not in ("line", "column")} for x in r["violations"]]
    assert strip(as_dict) == strip(report)


def test_audit_is_the_cli_audit(policy, cli_json):
    cli = cli_json("audit", "--format", "json")
    del cli["elapsed_ms"]
    audit = policy.audit()
    assert audit == cli
    assert audit["passed"] is True


def test_diff_is_the_cli_diff(tmp_path, cli_json):
    old_text = regionfence.DEFAULT_POLICY_YAML
    new_text = old_text.replace("3.251.148.96/29", "3.251.148.96/28")
    assert new_text != old_text
    (tmp_path / "old.yaml").write_text(old_text)
    (tmp_path / "new.yaml").write_text(new_text)
    cli = cli_json("diff", "--format", "json", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"))
    diff = Policy.from_yaml(old_text).diff(Policy.from_yaml(new_text))
    assert diff == cli
    assert diff["counts"] != Policy.from_yaml(old_text).diff(Policy.from_yaml(old_text))["counts"]


def test_decide_many_equals_one_by_one(policy):
    many = policy.decide_many(QUESTIONS + [json.dumps(QUESTIONS[0])])
    assert [d.explain() for d in many] == [policy.ask(q).explain() for q in QUESTIONS + [QUESTIONS[0]]]
    assert policy.decide_many([]) == []
    assert [d.verdict for d in policy.decide_many(iter(QUESTIONS[:2]))] == ["allow", "deny"]


def test_reprs_are_readable(policy):
    assert repr(policy).startswith("Policy(name='segment-regional-2022', digest='")
    d = policy.ingest("eu-west", "ios", "api.segment.io")
    assert repr(d) == "Decision(verdict='deny', reasons=['ingestion-outside-region'])"
    assert repr(d.reasons[0]).startswith("Reason(code='ingestion-outside-region', message=")
    assert not d and policy.ingest("eu-west", "ios", "events.eu1.segmentapis.com")


def test_policies_pickle_by_text_and_digest(policy):
    again = pickle.loads(pickle.dumps(policy))
    assert again == policy and again.digest == policy.digest and again.as_of == policy.as_of
    assert again.source == policy.source


def test_policy_is_immutable(policy):
    with pytest.raises(AttributeError):
        policy.digest = "0" * 64  # type: ignore[misc]
    with pytest.raises(AttributeError):
        policy.anything = 1  # type: ignore[attr-defined]


def test_to_yaml_loads_to_the_same_digest(policy):
    assert Policy.from_yaml(policy.to_yaml()).digest == policy.digest
    assert policy.regions == ["us-west", "eu-west"]


def test_from_path_reads_the_file(tmp_path, policy):
    path = tmp_path / "p.yaml"
    path.write_text(regionfence.DEFAULT_POLICY_YAML)
    assert Policy.from_path(path).digest == policy.digest
    assert Policy.from_path(str(path)).digest == policy.digest
