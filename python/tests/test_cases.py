"""The default policy's case file, answered through Python, equals the Rust runner's
(`regionfence test --format json`) case by case: verdict and every reason code."""

from __future__ import annotations

import accesslog


def test_the_case_file_is_answered_as_regionfence_test_answers(policy, cli_json):
    cli = cli_json("test", "--format", "json", str(accesslog.CASES))
    assert cli["failed"] == 0
    cases = cli["files"][0]["cases"]
    questions = accesslog.case_questions()
    assert len(cases) == len(questions) > 400
    one_by_one = [policy.ask(q) for q in questions]
    batch = policy.decide_many(questions)
    for case, d, b in zip(cases, one_by_one, batch):
        assert d.verdict == case["decision"], case["name"]
        assert list(d.codes) == case["reasons"], case["name"]
        assert b.explain() == d.explain()
