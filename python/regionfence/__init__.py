"""regionfence: a regional data-residency policy engine, from Python.

The same Rust engine as the ``regionfence`` command line: the same policies, the same answers.

>>> import regionfence
>>> policy = regionfence.Policy.default()
>>> policy.ingest("eu-west", "javascript", "https://events.eu1.segmentapis.com/v1").verdict
'allow'
>>> d = policy.ask({"ask": "ingest", "workspace": "eu-west", "source": "ios", "host": "api.segment.io"})
>>> d.verdict, d.reasons[0].code
('deny', 'ingestion-outside-region')

``regionfence.spark.decide(df, policy=...)`` decides a Spark DataFrame of questions.
"""

from ._regionfence import (
    DEFAULT_POLICY_YAML,
    ENGINE_VERSION,
    QUESTION_COLUMNS,
    Decision,
    Policy,
    PolicyError,
    QuestionError,
    Reason,
    WorkspaceError,
)

__all__ = [
    "DEFAULT_POLICY_YAML",
    "ENGINE_VERSION",
    "QUESTION_COLUMNS",
    "Decision",
    "Policy",
    "PolicyError",
    "QuestionError",
    "Reason",
    "WorkspaceError",
]

__version__ = ENGINE_VERSION

# An error raised from Python code still has every attribute an engine error has.
for _cls in (PolicyError, QuestionError, WorkspaceError):
    _cls.code = "policy-error" if _cls is PolicyError else None  # type: ignore[attr-defined]
    _cls.line = None  # type: ignore[attr-defined]
    _cls.column = None  # type: ignore[attr-defined]
    _cls.index = None  # type: ignore[attr-defined]
QuestionError.code = "invalid-question"  # type: ignore[attr-defined]
WorkspaceError.code = "invalid-workspace"  # type: ignore[attr-defined]
del _cls


def _rebuild_policy(source: str, as_of: "str | None", digest: str) -> Policy:
    """Unpickles a policy: compiles its text again at its date and checks the digest."""
    policy = Policy.from_yaml(source, as_of=as_of)
    if policy.digest != digest:
        error = PolicyError(
            f"the policy compiled to digest {policy.digest}, not the {digest} it was sent with"
        )
        error.code, error.line, error.column, error.index = "digest-mismatch", None, None, None
        raise error
    return policy
