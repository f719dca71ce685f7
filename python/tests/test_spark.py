"""Spark: `regionfence.spark.decide` over a generated access log of 200,000 lines in
`local[2]` gives every row the verdict and first reason `regionfence eval` gives its line."""

from __future__ import annotations

import os
import sys

import pytest

import accesslog
from regionfence import Policy, spark as rf_spark

LINES = 200_000


@pytest.fixture(scope="module")
def session():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("regionfence-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield spark
    spark.stop()


def test_every_row_decides_as_eval_decides_its_line(session, cli, tmp_path):
    questions = accesslog.generate(LINES, seed=2022)
    log = tmp_path / "access.jsonl"
    accesslog.write_jsonl(questions, log)
    records = accesslog.eval_records(cli, log)
    assert len(records) == LINES

    import pyarrow.parquet as pq

    pq.write_table(accesslog.to_table(questions), tmp_path / "access.parquet", row_group_size=25_000)
    df = session.read.parquet(str(tmp_path / "access.parquet")).repartition(4)
    decided = rf_spark.decide(df, policy=Policy.default())
    assert decided.columns == df.columns + ["decision", "reason"]
    rows = decided.select("line", "decision", "reason").toArrow().to_pydict()
    assert len(rows["line"]) == LINES
    got = {line: (d, r) for line, d, r in zip(rows["line"], rows["decision"], rows["reason"])}
    mismatches = [
        (line, got.get(line), accesslog.expected(record))
        for line, record in records.items()
        if got.get(line) != accesslog.expected(record)
    ]
    assert mismatches == [], mismatches[:10]
    # The log exercises both verdicts, many reasons and rows that are not questions.
    reasons = {r for _, r in got.values()}
    assert {"allow", "deny"} <= {d for d, _ in got.values()}
    assert len(reasons) >= 15 and "invalid-question" in reasons


def test_a_policy_of_its_own_reaches_the_workers(session, tmp_path):
    import regionfence

    text = regionfence.DEFAULT_POLICY_YAML.replace(
        "3.251.148.96/29", "3.251.148.96/28"
    )
    policy = Policy.from_yaml(text)
    df = session.createDataFrame(
        [("connect", "eu-west", "redshift", "3.251.148.105")],
        "ask string, workspace string, warehouse string, ip string",
    )
    assert rf_spark.decide(df).collect()[0]["decision"] == "deny"
    row = rf_spark.decide(df, policy=policy).collect()[0]
    assert (row["decision"], row["reason"]) == ("allow", "ip-allowlisted")


def test_a_decision_column_already_there_is_refused(session):
    from regionfence import QuestionError

    df = session.createDataFrame([("ingest", "allow")], "ask string, decision string")
    with pytest.raises(QuestionError):
        rf_spark.decide(df)
