"""The test harness lives in tests/harness.py, a plugin shared with the Python client's
tests (clients/python/tests): one cluster, one migrated template, a clone per test."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ratecard.cli import main

pytest_plugins = ["tests.harness", "tests.s3"]


@pytest.fixture
def cli(
    dsn: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """The `ratecard` command in this process against the test's database:
    cli("jobs", "list") -> (exit code, stdout, stderr)."""
    monkeypatch.setenv("RATECARD_DATABASE_URL", dsn)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
