"""`ratecard ingest FILE` (ratecard/cli.py, ratecard/ingest.py): NDJSON in chunks, each
recorded all or none; a failed run can be run again."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from tests.api.conftest import Demo, ledger


def write(path: Path, demo: Demo, keys: list[str], bad_at: int | None = None) -> Path:
    lines = []
    for n, key in enumerate(keys, start=1):
        event = {"tenant_id": str(demo.globex), "feature": "ai_tokens", "amount": 10}
        lines.append(json.dumps({**event, "idempotency_key": key, "amount": 0 if n == bad_at
                                 else 10}))  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def test_ingest_in_chunks_then_again(
    cli, demo: Demo, db: psycopg.Connection, tmp_path: Path
) -> None:
    f = write(tmp_path / "e.ndjson", demo, [f"k{n}" for n in range(25)])
    code, _, err = cli("ingest", str(f), "--chunk", "10")
    assert code == 0
    assert err.splitlines()[-1].startswith("25 lines: 25 accepted, 0 duplicates")
    assert ledger(db, demo.globex, "ai_tokens") == (25, 250)
    code, _, err = cli("ingest", str(f))
    assert err.splitlines()[-1].startswith("25 lines: 0 accepted, 25 duplicates")


def test_a_bad_line_stops_the_run_after_the_chunks_before_it(
    cli, demo: Demo, db: psycopg.Connection, tmp_path: Path
) -> None:
    f = write(tmp_path / "e.ndjson", demo, [f"k{n}" for n in range(25)], bad_at=17)
    code, _, err = cli("ingest", str(f), "--chunk", "10")
    assert code == 1
    assert "line 17: amount must be a positive whole number" in err
    assert "10 lines before it were recorded" in err
    assert ledger(db, demo.globex, "ai_tokens") == (10, 100)
    (tmp_path / "x.ndjson").write_text('{"tenant_id": 1}\n')
    code, _, err = cli("ingest", str(tmp_path / "x.ndjson"))
    assert code == 1 and "line 1:" in err
