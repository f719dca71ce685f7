from ._regionfence import (
    DEFAULT_POLICY_YAML as DEFAULT_POLICY_YAML,
    ENGINE_VERSION as ENGINE_VERSION,
    QUESTION_COLUMNS as QUESTION_COLUMNS,
    Decision as Decision,
    Policy as Policy,
    PolicyError as PolicyError,
    QuestionError as QuestionError,
    Reason as Reason,
    WorkspaceError as WorkspaceError,
)

__version__: str

def _rebuild_policy(source: str, as_of: "str | None", digest: str) -> Policy: ...
