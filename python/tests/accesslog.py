"""A generated access log: questions of every kind, mostly `ingest` as a gateway's log is,
their values drawn from the default policy's own case file (so both allowed and denied
flows appear) and mixed across cases, with unknown and malformed values and a few rows that
are not questions at all."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "policies" / "segment.cases.yaml"
CASE_FIELDS = {
    "name",
    "expect",
    "reason",
    "expect_host",
    "expect_mechanism",
    "expect_endpoint",
    "expect_cidrs",
}
COLUMNS = [
    "ask",
    "workspace",
    "source",
    "host",
    "ingestion",
    "destination",
    "endpoint",
    "store",
    "cloud_region",
    "warehouse",
    "ip",
    "from",
    "to",
]
GARBAGE = ["", "eu-central", "teleport", "http://[::1", "999.1.1.1", "EU-WEST", "a b", "ünïcödé", "x" * 300]


def case_questions() -> List[Dict[str, str]]:
    """Every case of the default policy's case file, as its question."""
    cases = yaml.safe_load(CASES.read_text())["cases"]
    return [{k: str(v) for k, v in case.items() if k not in CASE_FIELDS} for case in cases]


def generate(n: int, seed: int = 2022) -> List[Dict[str, str]]:
    """`n` questions (dicts, JSON-ready), reproducibly."""
    rng = random.Random(seed)
    by_kind: Dict[str, List[Dict[str, str]]] = {}
    for q in case_questions():
        by_kind.setdefault(q["ask"], []).append(q)
    pools: Dict[str, Dict[str, List[str]]] = {}
    for kind, qs in by_kind.items():
        pool: Dict[str, List[str]] = {}
        for q in qs:
            for k, v in q.items():
                if k != "ask":
                    pool.setdefault(k, []).append(v)
        pools[kind] = pool
    kinds = sorted(by_kind)
    out: List[Dict[str, str]] = []
    for _ in range(n):
        kind = "ingest" if rng.random() < 0.7 else rng.choice(kinds)
        q = dict(rng.choice(by_kind[kind]))
        for field, values in pools[kind].items():
            roll = rng.random()
            if roll < 0.3:
                q[field] = rng.choice(values)
            elif roll < 0.33:
                q[field] = rng.choice(GARBAGE)
        roll = rng.random()
        if roll < 0.002:
            q["ask"] = "teleport"
        elif roll < 0.004:
            q.pop(next(iter(k for k in q if k != "ask")), None)
        elif roll < 0.006:
            q["ip" if kind != "connect" else "host"] = "10.0.0.1"
        out.append(q)
    return out


def write_jsonl(questions: List[Dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for q in questions:
            f.write(json.dumps(q, ensure_ascii=False))
            f.write("\n")


def to_table(questions: List[Dict[str, str]], line_column: bool = True):
    """The questions as a pyarrow Table: `line` (1-based, as eval numbers lines) and one
    string column per question column, null where a question leaves the field out."""
    import pyarrow as pa

    data: Dict[str, List[Optional[str]]] = {c: [q.get(c) for q in questions] for c in COLUMNS}
    arrays = [pa.array(data[c], type=pa.string()) for c in COLUMNS]
    names = list(COLUMNS)
    if line_column:
        arrays.insert(0, pa.array(range(1, len(questions) + 1), type=pa.int64()))
        names.insert(0, "line")
    return pa.Table.from_arrays(arrays, names=names)


def eval_records(binary: Path, log: Path, *args: str) -> Dict[int, dict]:
    """`regionfence eval` over the log, one thread: its records by line number."""
    import subprocess

    run = subprocess.run(
        [str(binary), "eval", "--threads", "1", *args, str(log)],
        capture_output=True,
        text=True,
        check=False,
    )
    # Exit 1 when some line was not a question: the log has a few on purpose.
    assert run.returncode in (0, 1), run.stderr
    records = {}
    for line in run.stdout.splitlines():
        record = json.loads(line)
        records[record["line"]] = record
    return records


def expected(record: dict) -> tuple:
    """What a row decided from the same question must show: eval's verdict and first reason,
    or `deny`/`invalid-question` for a line eval refused as not a question."""
    if "error" in record:
        return ("deny", "invalid-question")
    return (record["decision"], record["reasons"][0])
