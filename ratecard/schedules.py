"""Ratecard's schedules in pg_cron: installed from core.jobs by `ratecard db migrate`.

Every enabled job with a schedule becomes one pg_cron job named `ratecard.<job>` that runs
in Ratecard's database:

    call api.run_job('expire_trials')                                  -- a SQL job
    select api.enqueue_job('sync_stripe_status', p_dedupe_key => 'schedule')  -- a queue job

Installing is idempotent: an unchanged schedule is left alone, a changed one is updated, a
job no longer defined (or paused) is unscheduled. Only pg_cron jobs named `ratecard.%` that
run in this database with one of the two commands above are ever touched; an operator's
own cron jobs never are, even one named with the same prefix. The pg_cron
job id of every installed schedule is written to core.jobs.cron_jobid; a scheduled job
without one is fired by `ratecard worker` instead (api.fire_due_schedules).

Where pg_cron runs (RATECARD_CRON):
  auto     (default) pg_cron when its database (cron.database_name) is this one; otherwise
           the worker fires the schedules and pg_cron is not touched.
  pg_cron  also when pg_cron lives in another database of the same server (a managed
           service with `cron.database_name = postgres`): migrate connects there with the
           same login and uses cron.schedule_in_database.
  worker   never pg_cron: Ratecard's pg_cron jobs for this database are removed (where
           migrate can reach them) and the worker fires every schedule.

pg_cron runs a job as a role that may log in. With a superuser login and pg_cron's
background workers (the embedded cluster) that is `ratecard_scheduler`, a member of
`ratecard_service` without a password; otherwise it is migrate's own login, whose
credentials pg_cron then needs (see docs/operations.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import Jsonb

from ratecard import queries as q
from ratecard.errors import RatecardError
from ratecard.sqlcall import call

MODES = ("auto", "pg_cron", "worker")
SCHEDULER_ROLE = "ratecard_scheduler"


@dataclass(frozen=True)
class CronFacts:
    """What bootstrap found out about pg_cron on this server."""

    available: bool  # the extension's files are installed
    cron_db: str | None  # cron.database_name (None: pg_cron is not preloaded)
    this_db: str
    is_super: bool
    background_workers: bool
    in_this_db: bool  # the extension exists in this database (we are its database)

    @classmethod
    def from_row(cls, row: dict[str, Any], in_this_db: bool) -> CronFacts:
        return cls(
            available=bool(row["available"]),
            cron_db=row["cron_db"],
            this_db=row["this_db"],
            is_super=bool(row["is_super"]),
            background_workers=(row["background_workers"] or "off") == "on",
            in_this_db=in_this_db,
        )


@dataclass
class ScheduleReport:
    by: str = "worker"  # "pg_cron" or "worker"
    installed: int = 0
    updated: int = 0
    removed: int = 0
    note: str = ""


def check_mode(mode: str) -> str:
    mode = (mode or "auto").strip().lower()
    if mode not in MODES:
        raise RatecardError(
            f"RATECARD_CRON must be one of {', '.join(MODES)}, got {mode!r}",
            "auto uses pg_cron when it runs in Ratecard's database",
        )
    return mode


def _cron_conninfo(conninfo: str, facts: CronFacts) -> str:
    if facts.cron_db is None or facts.cron_db == facts.this_db:
        return conninfo
    params = conninfo_to_dict(conninfo)
    params["dbname"] = facts.cron_db
    return make_conninfo(**params)


def _wanted(conn: psycopg.Connection[Any]) -> dict[str, dict[str, Any]]:
    return {r["jobname"]: r for r in call(conn, q.WANTED_SCHEDULES, role="login")}


def install(conninfo: str, facts: CronFacts, mode: str = "auto") -> ScheduleReport:
    """Bring pg_cron in line with core.jobs (or hand every schedule to the worker)."""
    mode = check_mode(mode)
    report = ScheduleReport()
    usable = facts.available and facts.cron_db is not None
    same_db = usable and facts.cron_db == facts.this_db and facts.in_this_db
    use_cron = (mode == "auto" and same_db) or (mode == "pg_cron" and usable)
    if mode == "pg_cron" and not usable:
        report.note = "RATECARD_CRON=pg_cron, but pg_cron is not preloaded on this server"
    elif mode == "auto" and usable and not same_db:
        report.note = (
            f"pg_cron runs in database '{facts.cron_db}', not '{facts.this_db}': "
            "the worker fires the schedules (RATECARD_CRON=pg_cron schedules them there)"
        )
    elif not usable:
        report.note = "pg_cron is not available here: `ratecard worker` fires the schedules"
    cron_ids: dict[str, int] = {}
    if use_cron or (mode == "worker" and usable):
        try:
            cron_ids = _sync(conninfo, facts, report, remove_all=not use_cron)
            report.by = "pg_cron" if use_cron else "worker"
        except (psycopg.Error, RatecardError) as exc:
            first = (str(exc).strip().splitlines() or ["error"])[0]
            report.note = f"pg_cron could not be updated ({first}): the worker fires the schedules"
            report.by = "worker"
            cron_ids = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        call(conn, q.RECORD_CRON_JOBS, (Jsonb(cron_ids), Jsonb(cron_ids)), role="login")
    return report


def _sync(
    conninfo: str, facts: CronFacts, report: ScheduleReport, remove_all: bool
) -> dict[str, int]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        wanted = {} if remove_all else _wanted(conn)
    username = (
        SCHEDULER_ROLE if facts.is_super and facts.background_workers else None
    )  # None: the login itself
    ids: dict[str, int] = {}
    with psycopg.connect(_cron_conninfo(conninfo, facts), autocommit=True) as cron:
        me = call(cron, q.CURRENT_USER, role="login")[0]["me"]
        owner = username or me
        ours = {
            r["jobname"]: r for r in call(cron, q.OUR_CRON_JOBS, (facts.this_db,), role="login")
        }
        for name, row in ours.items():
            want = wanted.get(name)
            if want is None or row["username"] != owner:
                call(cron, q.UNSCHEDULE_CRON, (row["jobid"],), role="login")
                report.removed += want is None
        if wanted:
            taken = call(
                cron,
                q.CRON_NAMES_ELSEWHERE,
                (list(wanted), owner, facts.this_db),
                role="login",
            )
            if taken:
                raise RatecardError(
                    f"pg_cron job {taken[0]['jobname']} already runs in database "
                    f"'{taken[0]['database']}' for {owner}",
                    "one Ratecard database per pg_cron login: set RATECARD_CRON=worker here",
                )
        for name, want in wanted.items():
            row = ours.get(name)
            if (
                row is not None
                and row["username"] == owner
                and (
                    row["schedule"],
                    row["command"],
                    row["active"],
                )
                == (want["schedule"], want["command"], True)
            ):
                ids[want["job"]] = row["jobid"]
                continue
            if row is not None and row["username"] == owner:
                # changed (or paused by hand): replaced, so every column is ours again
                call(cron, q.UNSCHEDULE_CRON, (row["jobid"],), role="login")
                report.updated += 1
            else:
                report.installed += 1
            ids[want["job"]] = call(
                cron,
                q.SCHEDULE_CRON,
                (name, want["schedule"], want["command"], facts.this_db, username),
                role="login",
            )[0]["jobid"]
    return ids
