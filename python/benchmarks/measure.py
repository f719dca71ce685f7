"""Measures, in one run over one generated access log: `regionfence eval` on one thread,
`Policy.decide_many` on dicts, `Policy.decide_arrow` on a pyarrow Table, and
`regionfence.spark.decide` in Spark `local[2]`; prints rows per second each and the ratio
to `eval`, per core, as a Markdown table.

    python benchmarks/measure.py [--lines 1000000] [--no-spark]

Needs the command line built (`cargo build --release` at the repository's root, or
REGIONFENCE_BIN) and, for Spark, pyspark and Java.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import accesslog  # noqa: E402
from regionfence import Policy, QuestionError  # noqa: E402


def best_of(runs: int, work) -> float:
    """The fastest of `runs` timings, in seconds."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()
    binary = Path(os.environ.get("REGIONFENCE_BIN", accesslog.ROOT / "target" / "release" / "regionfence"))
    policy = Policy.default()

    def is_question(q) -> bool:
        try:
            policy.ask(q)
            return True
        except QuestionError:
            return False

    # Questions only (eval writes an error record for the others; the rest decide them).
    questions = [q for q in accesslog.generate(args.lines, seed=1) if is_question(q)]
    n = len(questions)
    tmp = Path(tempfile.mkdtemp(prefix="regionfence-bench-"))
    log = tmp / "access.jsonl"
    accesslog.write_jsonl(questions, log)
    rows = []

    def run_eval():
        subprocess.run(
            [str(binary), "eval", "--threads", "1", str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
        )

    eval_s = best_of(args.runs, run_eval)
    rows.append(("`regionfence eval` (1 thread, JSON lines in, records out)", n / eval_s, 1))
    many_s = best_of(args.runs, lambda: policy.decide_many(questions))
    rows.append(("`Policy.decide_many` on dicts (1 thread)", n / many_s, 1))
    table = accesslog.to_table(questions, line_column=False)
    arrow_s = best_of(args.runs, lambda: policy.decide_arrow(table))
    rows.append(("`Policy.decide_arrow` on a pyarrow Table (1 thread)", n / arrow_s, 1))

    if not args.no_spark:
        from pyspark.sql import SparkSession

        import pyarrow.parquet as pq
        from regionfence import spark as rf_spark

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        session = (
            SparkSession.builder.master("local[2]").appName("regionfence-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate()
        )
        pq.write_table(table, tmp / "access.parquet", row_group_size=100_000)
        df = session.read.parquet(str(tmp / "access.parquet")).repartition(2).cache()
        df.count()

        def run_spark():
            rf_spark.decide(df, policy=policy).write.format("noop").mode("overwrite").save()

        def passthrough(batches):
            yield from batches

        def run_plain():
            # The Arrow round trip alone: the same batches to Python workers and back.
            df.mapInArrow(passthrough, df.schema).write.format("noop").mode("overwrite").save()

        spark_s = best_of(args.runs, run_spark)
        plain_s = best_of(args.runs, run_plain)
        rows.append(("`regionfence.spark.decide`, Spark `local[2]` (2 cores)", n / spark_s, 2))
        rows.append(("the same `mapInArrow` passing batches through (Spark's own cost)", n / plain_s, 2))
        session.stop()

    eval_rate = rows[0][1]
    print(f"{n} questions, best of {args.runs} runs, {os.cpu_count()} cores\n")
    print("| path | rows/s | rows/s per core | per core vs `eval` |")
    print("| --- | ---: | ---: | ---: |")
    for name, rate, cores in rows:
        print(f"| {name} | {rate:,.0f} | {rate / cores:,.0f} | {rate / cores / eval_rate:.2f}× |")


if __name__ == "__main__":
    main()
