"""The README's Python quick start runs as written."""

from __future__ import annotations

import re

from conftest import ROOT


def python_blocks(section: str) -> list:
    text = (ROOT / "docs" / "guide" / "python.md").read_text(encoding="utf-8")
    start = text.index(f"\n{section}\n")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_the_python_quick_start_runs():
    blocks = python_blocks("### Quick start (Python)")
    assert blocks, "the README has no Python quick start"
    exec(compile(blocks[0], "README.md (Python quick start)", "exec"), {})
