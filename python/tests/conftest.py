"""Shared fixtures: the command line built from this checkout (`cargo build --release` at the
repository's root), which every equality test compares against. A missing binary fails the
suite; it is never a skip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[2]


def cli_path() -> Path:
    path = Path(os.environ.get("REGIONFENCE_BIN", ROOT / "target" / "release" / "regionfence"))
    if not path.is_file():
        pytest.fail(
            f"the regionfence command line is not at {path}: run `cargo build --release` at the "
            "repository's root, or set REGIONFENCE_BIN"
        )
    return path


@pytest.fixture(scope="session")
def cli() -> Path:
    return cli_path()


@pytest.fixture(scope="session")
def run_cli(cli):
    """Runs the command line; returns (exit code, stdout, stderr)."""

    def run(*args: str, stdin: str | None = None):
        done = subprocess.run(
            [str(cli), *args], input=stdin, capture_output=True, text=True, check=False
        )
        return done.returncode, done.stdout, done.stderr

    return run


@pytest.fixture(scope="session")
def cli_json(run_cli):
    def run(*args: str, ok=(0,)):
        code, out, err = run_cli(*args)
        assert code in ok, (code, err)
        return json.loads(out)

    return run


@pytest.fixture(scope="session")
def policy():
    import regionfence

    return regionfence.Policy.default()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With REGIONFENCE_NO_SKIP set (CI), a skipped test is a failed one: nothing this suite
    checks may silently not run."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("REGIONFENCE_NO_SKIP"):
        report.outcome = "failed"
        report.longrepr = f"skipped under REGIONFENCE_NO_SKIP: {report.longrepr}"


def pytest_sessionstart(session):
    """The suite tests the installed package (a wheel), not the source folder."""
    import regionfence

    if os.environ.get("REGIONFENCE_NO_SKIP") and "site-packages" not in regionfence.__file__:
        pytest.exit(f"regionfence imported from {regionfence.__file__}, not an installed wheel", returncode=1)
