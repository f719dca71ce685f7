"""The guide's Python quick start (docs/guide/python.md) runs as written."""

from __future__ import annotations

import re

from conftest import ROOT


def python_blocks(section: str) -> list:
    text = (ROOT / "docs" / "guide" / "python.md").read_text(encoding="utf-8")
    start = text.index(f"\n{section}\n")
    # The section runs to the next heading of its level or above, or to the end.
    ends = [text.find(mark, start + 1) for mark in ("\n### ", "\n## ")]
    end = min((e for e in ends if e != -1), default=len(text))
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_the_python_quick_start_runs():
    blocks = python_blocks("### Quick start (Python)")
    assert blocks, "the guide has no Python quick start"
    exec(compile(blocks[0], "docs/guide/python.md (Python quick start)", "exec"), {})
