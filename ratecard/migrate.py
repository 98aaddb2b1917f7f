"""`ratecard db migrate`: bootstrap, versioned migrations, then every repeatable definition.

Three steps, each idempotent, so running it twice changes nothing the second time:

1. sql/bootstrap/*.sql as the connecting administrator: roles, schemas, default privileges,
   and the pg_cron extension where the server has it.
2. yoyo applies pending files from migrations/ as ratecard_owner (tables, indexes, types).
3. In ONE transaction as ratecard_owner: drop and recreate the `api` and `analytics` schemas,
   then apply every file under sql/ in this fixed order: internal/, api/, analytics/,
   policies/, jobs/ (job definitions), after/ (statements that use the definitions, e.g.
   partition upkeep); inside
   a folder, by file name, except that a file may name others it needs
   first with a header line `-- requires: api/some_view.sql`. Rebuilding `api` and
   `analytics` from scratch means a renamed or re-typed function never leaves an old
   overload behind. Nothing outside those two schemas may depend on them (a catalog test
   checks this), so the rebuild cannot cascade into tables or policies.
4. Schedules: every job's schedule (core.jobs) is installed into pg_cron as
   `ratecard.<job>`, or left to the worker where pg_cron is not used (ratecard/schedules.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from yoyo import get_backend, read_migrations

from ratecard import queries as q
from ratecard import schedules
from ratecard.config import OWNER_ROLE, PROJECT_ROOT
from ratecard.errors import RatecardError
from ratecard.sqlcall import call, one

SQL_DIR = PROJECT_ROOT / "sql"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
SQL_ORDER = ("internal", "api", "analytics", "policies", "jobs", "after")
REBUILT_SCHEMAS = ("api", "analytics")
META_SCHEMA = "ratecard_meta"
_REQUIRES = re.compile(r"^--\s*requires:\s*(.+)$", re.MULTILINE)


@dataclass
class MigrateReport:
    applied: list[str] = field(default_factory=list)
    sql_files: int = 0
    cron: bool = False
    cron_note: str = ""
    cron_facts: schedules.CronFacts | None = None
    schedules: schedules.ScheduleReport | None = None


def yoyo_url(conninfo: str) -> str:
    """A yoyo (psycopg 3) URL for the same server, acting as the owner role."""
    params = conninfo_to_dict(conninfo)
    dbname = params.pop("dbname", None) or params.get("user") or "postgres"
    options = f"{params.get('options', '')} -c role={OWNER_ROLE}".strip()
    params.update(options=options, schema=META_SCHEMA)
    query = urlencode({k: str(v) for k, v in params.items()})
    return f"postgresql+psycopg:///{quote(str(dbname))}?{query}"


def ordered_sql_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    """Every repeatable definition file, in the documented apply order."""
    ordered: list[Path] = []
    seen: set[Path] = set()

    def visit(path: Path, chain: tuple[Path, ...]) -> None:
        if path in seen:
            return
        if path in chain:
            raise RatecardError(f"sql/ requires form a cycle: {' -> '.join(map(str, chain))}")
        for name in _REQUIRES.findall(path.read_text()):
            dep = sql_dir / name.strip()
            if not dep.exists():
                raise RatecardError(f"{path.relative_to(sql_dir)} requires missing {name}")
            visit(dep, (*chain, path))
        seen.add(path)
        ordered.append(path)

    for folder in SQL_ORDER:
        for path in sorted((sql_dir / folder).glob("*.sql")):
            visit(path, ())
    return ordered


def _bootstrap(conn: psycopg.Connection, sql_dir: Path, report: MigrateReport) -> None:
    for path in sorted((sql_dir / "bootstrap").glob("*.sql")):
        conn.execute(path.read_text())
    facts = one(call(conn, q.CRON_FACTS, role="login"), "pg_cron facts")
    available, cron_db, this_db, is_super = (
        facts["available"],
        facts["cron_db"],
        facts["this_db"],
        facts["is_super"],
    )
    if not available:
        report.cron_note = "pg_cron is not installed on this server: scheduling is disabled"
    elif cron_db is None:
        report.cron_note = (
            "pg_cron is not in shared_preload_libraries on this server: scheduling is disabled"
        )
    elif cron_db != this_db:
        report.cron_note = (
            f"pg_cron runs in database '{cron_db}', not '{this_db}': scheduling is disabled"
        )
    else:
        if is_super:
            conn.execute(q.CREATE_PG_CRON)
        has = conn.execute(q.HAS_PG_CRON).fetchone()
        if has is not None and has[0]:
            conn.execute(f"grant usage on schema cron to {OWNER_ROLE}")
            report.cron = True
        else:
            report.cron_note = "pg_cron could not be created (needs a superuser once)"
    report.cron_facts = schedules.CronFacts.from_row(facts, in_this_db=report.cron)


def _apply_versioned(conninfo: str, migrations_dir: Path, report: MigrateReport) -> None:
    backend = get_backend(yoyo_url(conninfo))
    try:
        migrations = read_migrations(str(migrations_dir))
        with backend.lock():
            pending = backend.to_apply(migrations)
            report.applied = [m.id for m in pending]
            backend.apply_migrations(pending)
    finally:
        backend.connection.close()


def _apply_repeatable(conn: psycopg.Connection, sql_dir: Path, report: MigrateReport) -> None:
    files = ordered_sql_files(sql_dir)
    with conn.transaction():
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(OWNER_ROLE)))
        conn.execute(q.SQL_APPLY_SETTINGS)
        # yoyo's bookkeeping tables follow the same rule as ours: RLS on, nothing granted.
        for (table,) in conn.execute(q.META_TABLES, (META_SCHEMA,)).fetchall():
            conn.execute(
                sql.SQL("alter table {}.{} enable row level security").format(
                    sql.Identifier(META_SCHEMA), sql.Identifier(table)
                )
            )
        for schema in REBUILT_SCHEMAS:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
        for path in files:
            try:
                conn.execute(path.read_text())
            except psycopg.Error as exc:
                raise RatecardError(
                    f"sql/{path.relative_to(sql_dir)}: {exc.diag.message_primary or exc}",
                    "fix the file and run `ratecard db migrate` again; nothing was applied",
                ) from None
    report.sql_files = len(files)


def migrate(
    conninfo: str,
    *,
    migrations_dir: Path = MIGRATIONS_DIR,
    sql_dir: Path = SQL_DIR,
    log: Callable[[str], None] | None = None,
    cron: str | None = None,
) -> MigrateReport:
    """Bring the database at `conninfo` (an administrator login) fully up to date.
    `cron`: where schedules run (auto, pg_cron, worker; default RATECARD_CRON or auto)."""
    mode = schedules.check_mode(cron if cron is not None else os.environ.get("RATECARD_CRON", ""))
    report = MigrateReport()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        _bootstrap(conn, sql_dir, report)
    _apply_versioned(conninfo, migrations_dir, report)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        _apply_repeatable(conn, sql_dir, report)
    if report.cron_facts is not None and _has_jobs_table(conninfo):
        report.schedules = schedules.install(conninfo, report.cron_facts, mode)
    if log:
        applied = ", ".join(report.applied) if report.applied else "none pending"
        log(f"migrations: {applied}; sql/: {report.sql_files} files re-applied")
        sched = report.schedules
        if sched is not None:
            changes = (
                f" ({sched.installed} added, {sched.updated} changed, {sched.removed} removed)"
                if sched.installed or sched.updated or sched.removed
                else ""
            )
            log(f"schedules: fired by {sched.by}{changes}")
            if sched.note:
                log(f"note: {sched.note}")
        elif report.cron_note:
            log(f"note: {report.cron_note}")
    return report


def cron_facts(conninfo: str) -> schedules.CronFacts:
    """What bootstrap would find out about pg_cron, without changing anything."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        facts = one(call(conn, q.CRON_FACTS, role="login"), "pg_cron facts")
        has = one(call(conn, q.HAS_PG_CRON_ROW, role="login"), "pg_cron")["present"]
    in_db = bool(has) and facts["cron_db"] == facts["this_db"]
    return schedules.CronFacts.from_row(facts, in_this_db=in_db)


def _has_jobs_table(conninfo: str) -> bool:
    """False for a schema from before jobs existed (an upgrade test's first step)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return bool(one(call(conn, q.HAS_JOBS_TABLE, role="login"), "jobs table")["present"])


def latest_migration_id(migrations_dir: Path = MIGRATIONS_DIR) -> str:
    """The id of the newest migration on disk (what /readyz expects the database to have)."""
    ids = sorted(p.stem for p in migrations_dir.glob("*.sql") if not p.stem.endswith(".rollback"))
    return ids[-1] if ids else ""
