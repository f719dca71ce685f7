"""The Arrow batch API: the same rows out with `decision` and `reason`, each row decided as
`Policy.ask` decides its question, whatever the string layout of the columns."""

from __future__ import annotations

import pyarrow as pa
import pytest

import accesslog
from regionfence import QUESTION_COLUMNS, QuestionError


def expected_rows(policy, questions):
    out = []
    for q in questions:
        try:
            d = policy.ask(q)
        except QuestionError:
            out.append(("deny", "invalid-question"))
            continue
        out.append((d.verdict, d.codes[0]))
    return out


def test_a_table_is_decided_row_by_row_as_ask_decides(policy):
    questions = accesslog.generate(20_000, seed=7)
    table = accesslog.to_table(questions)
    out = policy.decide_arrow(table)
    assert isinstance(out, pa.Table)
    assert out.num_rows == table.num_rows
    assert out.column_names == table.column_names + ["decision", "reason"]
    assert out.select(table.column_names).equals(table)
    got = list(zip(out.column("decision").to_pylist(), out.column("reason").to_pylist()))
    want = expected_rows(policy, questions)
    assert got == want
    # Both verdicts and rows that are not questions are in the sample.
    assert {"allow", "deny"} <= set(out.column("decision").to_pylist())
    assert "invalid-question" in out.column("reason").to_pylist()


def test_a_record_batch_gives_a_record_batch(policy):
    batch = accesslog.to_table(accesslog.generate(100)).to_batches()[0]
    out = policy.decide_arrow(batch)
    assert isinstance(out, pa.RecordBatch)
    assert out.num_rows == batch.num_rows


@pytest.mark.parametrize("string_type", [pa.large_string(), pa.string_view()])
def test_large_and_view_strings_decide_the_same(policy, string_type):
    table = accesslog.to_table(accesslog.generate(2_000, seed=3), line_column=False)
    cast = table.cast(pa.schema([pa.field(n, string_type) for n in table.column_names]))
    a = policy.decide_arrow(table)
    b = policy.decide_arrow(cast)
    assert a.column("decision").equals(b.column("decision"))
    assert a.column("reason").equals(b.column("reason"))


def test_absent_and_null_typed_columns_leave_fields_out(policy):
    batch = pa.RecordBatch.from_pydict(
        {
            "ask": ["deliver", "deliver", "ingest"],
            "workspace": ["eu-west", "eu-west", "eu-west"],
            "destination": ["amplitude", "amplitude", None],
            "endpoint": pa.array([None, None, None], type=pa.null()),
            "note": [1, 2, 3],
        }
    )
    out = policy.decide_arrow(batch).to_pydict()
    assert out["decision"] == ["allow", "allow", "deny"]
    assert out["reason"] == ["endpoint-in-region", "endpoint-in-region", "invalid-question"]
    assert out["note"] == [1, 2, 3]


def test_empty_inputs(policy):
    empty = pa.table({c: pa.array([], type=pa.string()) for c in QUESTION_COLUMNS})
    out = policy.decide_arrow(empty)
    assert out.num_rows == 0 and out.column_names[-2:] == ["decision", "reason"]


def test_bad_batches_are_refused(policy):
    with pytest.raises(QuestionError) as info:
        policy.decide_arrow(pa.table({"ask": ["ingest"], "host": [3]}))
    assert info.value.code == "invalid-batch" and "`host`" in str(info.value)
    with pytest.raises(QuestionError):
        policy.decide_arrow(pa.table({"ask": ["ingest"], "decision": ["allow"]}))
    with pytest.raises(Exception):
        policy.decide_arrow("not arrow")
