from typing import Optional

from pyspark.sql import DataFrame

from . import Policy

def worker_policy(source: str, as_of: Optional[str], digest: str) -> Policy: ...
def decide(df: DataFrame, policy: Optional[Policy] = None) -> DataFrame: ...
