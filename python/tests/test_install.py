"""The built wheel installs into a fresh virtual environment and works there: the module
imports, answers, and ships its type stubs and `py.typed`."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def wheel() -> Path:
    given = os.environ.get("REGIONFENCE_WHEEL")
    if given:
        return Path(given)
    built = sorted((HERE.parent / "target" / "wheels").glob("regionfence-*.whl"), key=lambda p: p.stat().st_mtime)
    if not built:
        pytest.fail("no wheel: run `maturin build --release` in python/, or set REGIONFENCE_WHEEL")
    return built[-1]


def test_the_wheel_installs_and_imports_in_a_fresh_venv(tmp_path):
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
         "--disable-pip-version-check", str(wheel())],
        check=True,
    )
    script = (
        "import pathlib, regionfence\n"
        "p = regionfence.Policy.default()\n"
        "d = p.ingest('eu-west', 'ios', 'api.segment.io')\n"
        "assert d.verdict == 'deny', d\n"
        "root = pathlib.Path(regionfence.__file__).parent\n"
        "assert (root / 'py.typed').is_file()\n"
        "assert (root / '_regionfence.pyi').is_file() and (root / 'spark.pyi').is_file()\n"
        "assert 'site-packages' in regionfence.__file__\n"
        "print(d.explain()['reasons'][0]['code'])\n"
    )
    # Run outside the source tree, so the import is the installed package's.
    out = subprocess.run(
        [str(python), "-c", script], check=True, capture_output=True, text=True, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)},
    )
    assert out.stdout.strip() == "ingestion-outside-region"
    assert sys.version_info >= (3, 10)
