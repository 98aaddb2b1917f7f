"""The `ratecard` command line: help everywhere, one-line errors, a usable `db url`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

COMMANDS = [
    [],
    ["db"],
    ["db", "start"],
    ["db", "stop"],
    ["db", "status"],
    ["db", "url"],
    ["db", "psql"],
    ["db", "migrate"],
    ["db", "reset"],
    ["serve"],
    ["worker"],
    ["seed"],
    ["seed", "demo"],
    ["up"],
    ["keys"],
    ["keys", "create"],
    ["keys", "revoke"],
    ["jobs"],
    ["jobs", "list"],
    ["jobs", "run"],
    ["jobs", "history"],
    ["jobs", "retry"],
    ["jobs", "schedule"],
    ["report"],
    ["report", "revenue"],
    ["report", "capacity"],
    ["ingest"],
]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ratecard.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "ratecard")
def test_help_on_every_command(cmd: list[str]) -> None:
    r = run(*cmd, "--help")
    assert r.returncode == 0, r.stderr
    assert "usage: ratecard" in r.stdout


def test_bad_database_url_is_one_line() -> None:
    r = run("db", "migrate", env={"RATECARD_DATABASE_URL": "postgresql://x:y@host:notaport/db"})
    assert r.returncode == 1
    assert r.stderr.startswith("error: RATECARD_DATABASE_URL is not a valid PostgreSQL URL")
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_unreachable_database_is_one_line(tmp_path) -> None:
    url = f"postgresql://nobody@/nothing?host={tmp_path}&port=1"
    r = run("db", "migrate", env={"RATECARD_DATABASE_URL": url})
    assert r.returncode == 1
    assert r.stderr.startswith("error: cannot connect to the database")
    assert len(r.stderr.strip().splitlines()) == 1


def test_embedded_only_commands_refuse_external_url(tmp_path) -> None:
    r = run("db", "stop", env={"RATECARD_DATABASE_URL": f"postgresql://x@/y?host={tmp_path}"})
    assert r.returncode == 1
    assert "unset RATECARD_DATABASE_URL" in r.stderr


def test_busy_port_is_one_line() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        r = run("serve", "--port", str(port))
    assert r.returncode == 1
    assert r.stderr.strip() == (
        f"error: port {port} on 127.0.0.1 is already in use "
        "(stop what runs there, or set RATECARD_HTTP_PORT / pass --port)"
    )


@contextmanager
def serving(dsn: str, **env: str) -> Iterator[subprocess.Popen[str]]:
    """`ratecard serve` as a process of its own on a free port, until /readyz answers 200;
    stopped when the block ends."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "ratecard.cli", "serve", "--port", str(port)],
        env={**os.environ, "RATECARD_DATABASE_URL": dsn, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, f"ratecard serve ({env}) did not serve in 30 s"
                time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_serve_under_granian(dsn: str) -> None:
    """`ratecard serve --server granian` serves the same app (RATECARD_HTTP_SERVER too)."""
    with serving(dsn, RATECARD_HTTP_SERVER="granian"):
        pass
    r = run("serve", env={"RATECARD_HTTP_SERVER": "gunicorn"})
    assert r.returncode == 1
    assert r.stderr.startswith("error: unknown ASGI server 'gunicorn'")


def test_serve_with_several_processes(dsn: str) -> None:
    """`ratecard serve --workers 2` (RATECARD_HTTP_WORKERS too): two API processes share the
    port; a count that is not a whole number of 1 or more is refused."""
    with serving(dsn, RATECARD_HTTP_WORKERS="2") as proc:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                if ppid == proc.pid:
                    children.append((stat.parent / "cmdline").read_bytes().decode())
            except (OSError, IndexError, ValueError):
                continue  # a process that ended meanwhile
        assert sum("spawn_main" in c for c in children) == 2, children
    for bad in ("0", "two", "-1"):
        r = run("serve", "--workers", bad)
        assert r.returncode == 1
        assert r.stderr.startswith("error: the number of API processes must be"), r.stderr


def test_psql_takes_its_own_options(dsn: str) -> None:
    """`ratecard db psql -c ...`: options after `psql` go to psql, not to ratecard."""
    r = run("db", "psql", "-tAc", "select 41 + 1", env={"RATECARD_DATABASE_URL": dsn})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "42"
    r = run("db", "url", "-c", "select 1")
    assert r.returncode == 2 and "unrecognized arguments: -c" in r.stderr
