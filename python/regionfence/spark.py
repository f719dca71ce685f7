"""Deciding a Spark DataFrame of questions with the regionfence engine.

>>> from regionfence import Policy, spark as rf_spark
>>> decided = rf_spark.decide(df, policy=Policy.from_path("policy.yaml"))   # doctest: +SKIP
>>> decided.groupBy("decision", "reason").count().show()                     # doctest: +SKIP

The DataFrame holds one question per row: an ``ask`` column and the fields' columns
(``workspace``, ``source``, ``host``, ``ingestion``, ``destination``, ``endpoint``, ``store``,
``cloud_region``, ``warehouse``, ``ip``, ``from``, ``to``), strings, a null meaning the field is
left out; other columns are carried through. ``decide`` returns the same rows with ``decision``
(``allow``/``deny``) and ``reason`` (the first reason code; ``invalid-question`` for a row that
is not a question) added, computed with ``mapInArrow`` (Spark 3.3 or later).

The policy's text is broadcast once; each Python worker compiles it once (on the first batch
it sees), checks that it compiled to the digest the driver computed, and keeps it for every
later batch and task it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Optional, Tuple

from . import Policy, PolicyError

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow
    from pyspark.sql import DataFrame

__all__ = ["decide", "worker_policy"]

# Per Python worker process: (source digest, as_of) -> compiled policy.
_COMPILED: dict = {}


def worker_policy(source: str, as_of: Optional[str], digest: str) -> Policy:
    """The policy for this worker process: compiled on first use, then kept.

    Raises ``PolicyError`` (code ``digest-mismatch``) when the text compiles to another
    digest than the driver's: a worker never decides with a policy the driver did not mean.
    """
    key = (digest, as_of)
    policy = _COMPILED.get(key)
    if policy is None:
        policy = Policy.from_yaml(source, as_of=as_of)
        if policy.digest != digest:
            error = PolicyError(
                f"the worker compiled the policy to digest {policy.digest}, "
                f"not the driver's {digest}"
            )
            error.code = "digest-mismatch"
            raise error
        _COMPILED[key] = policy
    return policy


def _decide_batches(
    shipped: Any, batches: "Iterator[pyarrow.RecordBatch]"
) -> "Iterator[pyarrow.RecordBatch]":
    source, as_of, digest = shipped.value if hasattr(shipped, "value") else shipped
    policy = worker_policy(source, as_of, digest)
    for batch in batches:
        yield policy.decide_arrow(batch)


def decide(df: "DataFrame", policy: Optional[Policy] = None) -> "DataFrame":
    """Adds ``decision`` and ``reason`` columns to a DataFrame of questions.

    ``policy`` defaults to ``Policy.default()`` (evaluated today, as the command line does).
    A question column of another type than string, or a ``decision``/``reason`` column
    already there, fails the job with ``QuestionError``.
    """
    from pyspark.sql.types import StringType, StructField, StructType

    if policy is None:
        policy = Policy.default()
    for name in ("decision", "reason"):
        if name in df.columns:
            raise _question_error(f"the DataFrame already has a `{name}` column")
    shipped: Tuple[str, Optional[str], str] = (policy.source, policy.as_of, policy.digest)
    try:
        shipped_or_broadcast: Any = df.sparkSession.sparkContext.broadcast(shipped)
    except Exception:  # Spark Connect has no SparkContext: the closure carries the text.
        shipped_or_broadcast = shipped
    schema = StructType(
        list(df.schema.fields)
        + [
            StructField("decision", StringType(), False),
            StructField("reason", StringType(), False),
        ]
    )

    def run(batches: "Iterator[pyarrow.RecordBatch]") -> "Iterator[pyarrow.RecordBatch]":
        return _decide_batches(shipped_or_broadcast, batches)

    return df.mapInArrow(run, schema)


def _question_error(message: str) -> PolicyError:
    from . import QuestionError

    error = QuestionError(message)
    error.code = "invalid-batch"
    return error
