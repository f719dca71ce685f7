"""Every error path raises a `PolicyError` (a `ValueError`) with `code`, `line` and
`column`, or a `TypeError` for an argument of the wrong type: never a panic, never a bare
RuntimeError."""

from __future__ import annotations

import os

import pytest

import regionfence
from regionfence import Policy, PolicyError, QuestionError, WorkspaceError


def raises(kind, call, code):
    with pytest.raises(kind) as info:
        call()
    e = info.value
    assert isinstance(e, PolicyError) and isinstance(e, ValueError)
    assert e.code == code, (e.code, str(e))
    assert str(e)
    return e


def test_policy_syntax_error_has_line_and_column():
    e = raises(PolicyError, lambda: Policy.from_yaml("version: 1\nname: ["), "syntax")
    assert e.line == 2 and e.column is not None
    assert str(e).startswith("line 2, column")


def test_policy_unknown_reference_points_at_the_line():
    text = regionfence.DEFAULT_POLICY_YAML.replace("jurisdiction: eu\n", "jurisdiction: euu\n")
    e = raises(PolicyError, lambda: Policy.from_yaml(text), "unknown-reference")
    assert "did you mean `eu`?" in str(e)
    assert text.splitlines()[e.line - 1].strip().startswith("jurisdiction: euu")


@pytest.mark.parametrize(
    "text, code",
    [
        ("version: 2\nname: x\n", None),
        ("", None),
        ("x" * (8 * 1024 * 1024 + 1), "too-large"),
        ("- 1\n- 2\n", "syntax"),
    ],
)
def test_other_bad_policies(text, code):
    with pytest.raises(PolicyError) as info:
        Policy.from_yaml(text)
    if code:
        assert info.value.code == code
    assert isinstance(info.value.code, str) and info.value.code


def test_from_path_errors(tmp_path):
    raises(PolicyError, lambda: Policy.from_path(tmp_path / "missing.yaml"), "io")
    raises(PolicyError, lambda: Policy.from_path(tmp_path), "not-a-file")
    raises(PolicyError, lambda: Policy.from_path(""), "empty-path")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: [")
    e = raises(PolicyError, lambda: Policy.from_path(bad), "syntax")
    assert e.line == 2 and str(bad) in str(e)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        raises(PolicyError, lambda: Policy.from_path(fifo), "not-a-file")


def test_bad_as_of():
    raises(PolicyError, lambda: Policy.default(as_of="2026-13-01"), "invalid-as-of")
    raises(PolicyError, lambda: Policy.default(as_of="yesterday"), "invalid-as-of")
    with pytest.raises(TypeError):
        Policy.default(as_of=20260101)


@pytest.mark.parametrize(
    "question, code",
    [
        ({"ask": "teleport", "workspace": "eu-west"}, "syntax"),
        ({"workspace": "eu-west"}, "syntax"),
        ({"ask": "ingest", "workspace": "eu-west", "source": "ios"}, "syntax"),
        ({"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "h", "ip": "1.1.1.1"}, "syntax"),
        ({"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": 42}, "syntax"),
        ({"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": None}, "syntax"),
        ({"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": {1, 2}}, "type"),
        ({"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": float("nan")}, "type"),
        ({"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "h" * 70000}, "too-large"),
        ({1: "ingest"}, "type"),
        ('{"ask": "ingest", "workspace": "eu-west",', "syntax"),
        ("ask: [", "syntax"),
        ("", "syntax"),
        ("# only a comment\n", "syntax"),
        ("x" * 70000, "too-large"),
    ],
)
def test_bad_questions_raise_question_error(policy, question, code):
    e = raises(QuestionError, lambda: policy.ask(question), code)
    assert e.index is None
    assert str(e).startswith("question")


def test_a_json_syntax_error_has_its_position(policy):
    e = raises(QuestionError, lambda: policy.ask('{"ask": "ingest",\n "workspace": }'), "syntax")
    assert (e.line, e.column) == (2, 15)


def test_an_optional_field_may_be_none(policy):
    d = policy.ask({"ask": "deliver", "workspace": "eu-west", "destination": "amplitude", "endpoint": None})
    assert d.explain()["endpoint"] == "eu"


def test_a_question_of_the_wrong_type_is_a_type_error(policy):
    for bad in (42, None, [("ask", "ingest")], b'{"ask": "ingest"}'):
        with pytest.raises(TypeError):
            policy.ask(bad)


def test_decide_many_names_the_bad_index(policy):
    good = {"ask": "allowlist", "workspace": "eu-west", "warehouse": "redshift"}
    e = raises(QuestionError, lambda: policy.decide_many([good, good, {"ask": "nope"}]), "syntax")
    assert e.index == 2
    assert str(e).startswith("questions[2]: question")
    with pytest.raises(TypeError):
        policy.decide_many([good, 7])
    with pytest.raises(TypeError):
        policy.decide_many(5)


def test_workspace_errors(policy):
    e = raises(WorkspaceError, lambda: policy.check_workspace("version: 1\nworkspace: [\n"), "syntax")
    assert e.line is not None
    raises(WorkspaceError, lambda: policy.check_workspace("version: 2\nworkspace: a\nregion: eu-west\n"), "unsupported-version")
    raises(WorkspaceError, lambda: policy.check_workspace({"version": 1, "workspace": "a", "region": "eu-west", "extra": 1}), "syntax")
    raises(WorkspaceError, lambda: policy.check_workspace({"version": 1, "workspace": object()}), "type")
    with pytest.raises(TypeError):
        policy.check_workspace(3)


def test_errors_raised_from_python_have_the_attributes():
    e = PolicyError("made here")
    assert (e.code, e.line, e.column, e.index) == ("policy-error", None, None, None)
    assert QuestionError("q").code == "invalid-question"


def test_worker_digest_mismatch_is_refused(policy):
    from regionfence.spark import worker_policy

    raises(PolicyError, lambda: worker_policy(policy.source, policy.as_of, "0" * 64), "digest-mismatch")
    assert worker_policy(policy.source, policy.as_of, policy.digest) == policy
