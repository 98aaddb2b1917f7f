"""Facts about the machine and server a run measured, printed with every result."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from bench.server import BenchServer

SETTINGS = ("shared_buffers", "synchronous_commit", "fsync", "max_connections", "wal_sync_method")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _git(*args: str) -> str:
    proc = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    return proc.stdout


def commit() -> str:
    """The commit measured, and which measured files differ from it in the working tree
    (the cluster is migrated from the working tree's sql/ and migrations/)."""
    head = _git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = _git("status", "--porcelain", "--", "sql", "migrations", "api", "ratecard")
    paths = [line[3:] for line in changed.splitlines() if line.strip()]
    if not paths:
        return head
    return f"{head} + uncommitted changes in {', '.join(paths)}"


def facts(server: BenchServer) -> dict[str, str]:
    with server.connect() as conn:
        row = conn.execute("select version()").fetchone()
        assert row is not None
        version = str(row[0]).split(" on ")[0]
        settings = {
            name: str(conn.execute(f"show {name}").fetchone()[0])  # type: ignore[index]
            for name in SETTINGS
        }
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "kernel": platform.release(),
        "PostgreSQL": version,
        **settings,
        "load average at start": load_average(),
    }


def facts_text(facts: dict[str, str]) -> str:
    return "\n".join(f"- {k}: {v}" for k, v in facts.items())
