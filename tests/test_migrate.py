"""`ratecard db migrate`: idempotent, fresh install equals upgrade, all-or-nothing sql/."""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from ratecard.config import PROJECT_ROOT
from ratecard.errors import RatecardError
from ratecard.migrate import MIGRATIONS_DIR, SQL_DIR, migrate, ordered_sql_files
from tests.harness import CLUSTER


def schema_dump(dsn: str) -> str:
    out = subprocess.run(
        [str(CLUSTER.bindir / "pg_dump"), "--schema-only", "--no-owner", "-d", dsn],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # pg_dump >= 15.14 brackets its output with \restrict lines that carry a random key.
    out = re.sub(r"^\\(un)?restrict .*$", "", out, flags=re.MULTILINE)
    return out


def test_migrate_twice_changes_nothing(scratch_db: Callable[[str], str]) -> None:
    dsn = scratch_db("mig_twice")
    first = migrate(dsn)
    assert first.applied, "a fresh database gets every migration"
    before = schema_dump(dsn)
    second = migrate(dsn)
    assert second.applied == []
    assert second.sql_files == first.sql_files > 0
    assert schema_dump(dsn) == before


def _tree_at(rev: str, dest: Path) -> bool:
    """Unpack migrations/ and sql/ as they were at `rev`; False if git cannot."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "archive", rev, "migrations", "sql"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    tar_path = dest / "tree.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(dest, filter="data")
    return (dest / "migrations").is_dir()


def _upgrade_base() -> str | None:
    """The revision to upgrade from: HEAD when the work tree changes migrations/, else the
    state just before the newest commit that touched migrations/."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        if git("status", "--porcelain", "--", "migrations"):
            return "HEAD"
        last = git("log", "-1", "--format=%H", "--", "migrations")
        if not last:
            return None
        parent = git("rev-list", "--max-count=1", f"{last}^")
        return parent or None
    except (OSError, subprocess.CalledProcessError):
        return None


def test_fresh_install_equals_upgrade(scratch_db: Callable[[str], str], tmp_path: Path) -> None:
    fresh = scratch_db("mig_fresh")
    migrate(fresh)
    upgraded = scratch_db("mig_upgraded")
    base = _upgrade_base()
    if base is None or not _tree_at(base, tmp_path):
        pytest.skip("no earlier schema in git history to upgrade from")
    migrate(upgraded, migrations_dir=tmp_path / "migrations", sql_dir=tmp_path / "sql")
    migrate(upgraded)
    assert schema_dump(upgraded) == schema_dump(fresh)


def test_broken_sql_file_applies_nothing(scratch_db: Callable[[str], str], tmp_path: Path) -> None:
    dsn = scratch_db("mig_broken")
    migrate(dsn)
    sql_copy = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_copy)
    (sql_copy / "api" / "zz_broken.sql").write_text(
        "create function api.zz_ok() returns int language sql as 'select 1';\nthis is not sql;\n"
    )
    with pytest.raises(RatecardError, match=r"zz_broken\.sql"):
        migrate(dsn, sql_dir=sql_copy)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("select to_regproc('api.zz_ok')").fetchone() == (None,)
        # The api schema survived: the failed rebuild rolled back as one transaction.
        assert conn.execute("select api.schema_version()").fetchone()[0]


def test_sql_files_follow_documented_order_and_requires(tmp_path: Path) -> None:
    files = [p.relative_to(SQL_DIR).parts[0] for p in ordered_sql_files()]
    folders = ["internal", "api", "analytics", "policies", "jobs", "after"]
    assert files == sorted(files, key=folders.index)
    (tmp_path / "internal").mkdir()
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "a.sql").write_text("-- requires: api/b.sql\nselect 1;\n")
    (tmp_path / "api" / "b.sql").write_text("select 2;\n")
    names = [p.name for p in ordered_sql_files(tmp_path)]
    assert names == ["b.sql", "a.sql"]
    (tmp_path / "api" / "b.sql").write_text("-- requires: api/a.sql\nselect 2;\n")
    with pytest.raises(RatecardError, match="cycle"):
        ordered_sql_files(tmp_path)


def test_migrations_hold_no_function_bodies() -> None:
    # Function bodies belong in sql/ (repeatable), never in versioned migrations.
    for path in MIGRATIONS_DIR.glob("*.sql"):
        text = path.read_text().lower()
        assert "create function" not in text and "create or replace function" not in text, path
