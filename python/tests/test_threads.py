"""One policy, many threads: the answers equal the single-threaded ones (the policy is
immutable; batches release the GIL while deciding)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import accesslog
from regionfence import QuestionError


def is_question(policy, q) -> bool:
    try:
        policy.ask(q)
        return True
    except QuestionError:
        return False


def test_threads_share_one_policy(policy):
    questions = accesslog.generate(5_000, seed=11)
    questions = [q for q in questions if is_question(policy, q)]
    serial = [(d.verdict, d.codes) for d in policy.decide_many(questions)]
    table = accesslog.to_table(questions)
    serial_arrow = policy.decide_arrow(table)

    def work(i: int):
        if i % 3 == 0:
            return "arrow", policy.decide_arrow(table)
        if i % 3 == 1:
            return "many", [(d.verdict, d.codes) for d in policy.decide_many(questions)]
        return "one", [(policy.ask(q).verdict, policy.ask(q).codes) for q in questions[:500]]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(24)))
    for kind, result in results:
        if kind == "arrow":
            assert result.equals(serial_arrow)
        elif kind == "many":
            assert result == serial
        else:
            assert result == serial[:500]
