"""`ratecard jobs ...`: list jobs, run one now, show the history, retry a run, change a
schedule. Everything goes through api.* as the administrator (ratecard.sqlcall):

* `jobs run NAME` takes the same path as the schedule: a SQL job is run in this process's
  session with `call api.run_job(...)` (each step commits; its progress is printed as it
  goes), a queue job is enqueued with api.enqueue_job for the worker (`--wait` follows it
  to its end, printing each change).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

from ratecard import queries as q
from ratecard import schedules
from ratecard.config import Settings
from ratecard.db import admin_conninfo
from ratecard.errors import RatecardError
from ratecard.sqlcall import Role, call, one

ADMIN: Role = "ratecard_admin"
CLI_APP = "ratecard-cli"


def _say(msg: str) -> None:
    print(msg, flush=True)


def _connect(s: Settings) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(
            admin_conninfo(s), autocommit=True, application_name=CLI_APP, connect_timeout=5
        )
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreachable"
        hint = "run `ratecard db start`" if s.embedded else "check RATECARD_DATABASE_URL"
        raise RatecardError(f"cannot connect to the database: {first}", hint) from None


def _api_error(exc: psycopg.Error) -> RatecardError:
    return RatecardError(exc.diag.message_primary or str(exc), exc.diag.message_hint)


def _when(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _seconds(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _json(value: Any, limit: int = 60) -> str:
    if value is None:
        return "-"
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns aligned on their widest cell, a rule under the headers."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cmd_jobs_list(s: Settings, args: argparse.Namespace) -> int:
    with _connect(s) as conn:
        rows = call(conn, q.JOBS_LIST, role=ADMIN)
    _say(
        table(
            [
                "job",
                "kind",
                "schedule",
                "by",
                "next run",
                "last run",
                "last",
                "queued",
                "running",
                "dead",
            ],
            [
                [
                    r["name"],
                    r["kind"],
                    r["schedule"] or "-",
                    r["scheduled_by"] or "-",
                    _when(r["next_run_at"]),
                    _when(r["last_run_at"]),
                    r["last_status"] or "-",
                    r["queued"],
                    r["running"],
                    r["dead"],
                ]
                for r in rows
            ],
        )
    )
    return 0


def _parse_args_json(raw: str | None) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RatecardError(
            f"--args is not JSON: {exc.msg}", "for example --args '{\"limit\": 10}'"
        ) from None
    if not isinstance(value, dict):
        raise RatecardError("--args must be a JSON object", "for example --args '{\"limit\": 10}'")
    return value


def cmd_jobs_run(s: Settings, args: argparse.Namespace) -> int:
    job_args = _parse_args_json(args.args)
    with _connect(s) as conn:
        kinds = call(conn, q.JOB_KIND, (args.name,), role=ADMIN)
        if not kinds:
            raise RatecardError(f"unknown job: {args.name}", "`ratecard jobs list` lists them")
        if kinds[0]["kind"] == "sql":
            return _run_sql_job(conn, args.name, job_args)
        try:
            run_id = one(
                call(conn, q.ENQUEUE_JOB, (args.name, json.dumps(job_args)), role=ADMIN), "enqueue"
            )["id"]
        except psycopg.Error as exc:
            raise _api_error(exc) from None
        _say(f"{args.name}: run {run_id} queued for the worker")
        if not args.wait:
            _say(f"follow it with `ratecard jobs history {args.name}`")
            return 0
        return _follow(conn, run_id, args.timeout)


def _run_sql_job(conn: psycopg.Connection[Any], name: str, job_args: dict[str, Any]) -> int:
    """`call api.run_job`, as the schedule does; NOTICEs carry each step's progress."""
    busy: list[str] = []

    def on_notice(diag: psycopg.errors.Diagnostic) -> None:
        text = diag.message_primary or ""
        if "holds its lock" in text:
            busy.append(text)
        _say(f"  {text}")

    conn.add_notice_handler(on_notice)
    started = time.monotonic()
    _say(f"{name}: running")
    try:
        call(conn, q.RUN_SQL_JOB, (name, json.dumps(job_args)), role="login")
    except psycopg.Error as exc:
        raise RatecardError(
            f"{name} failed: {exc.diag.message_primary or exc}",
            f"the run is recorded: `ratecard jobs history {name}`",
        ) from None
    if busy:
        return 1
    last = call(conn, q.LAST_CLI_RUN, (name,), role=ADMIN)
    took = time.monotonic() - started
    if last:
        r = last[0]
        _say(f"{name}: run {r['id']} {r['status']} in {took:.2f}s: {_json(r['result'], 200)}")
    return 0


def _follow(conn: psycopg.Connection[Any], run_id: int, timeout: float | None) -> int:
    """Print every change of a queued run until it ends; 0 when it succeeded."""
    seen: tuple[Any, ...] | None = None
    start = time.monotonic()
    hinted = False
    while True:
        r = one(call(conn, q.JOB_RUN, (run_id,), role=ADMIN), "job run")
        state = (r["status"], r["attempts"], json.dumps(r["result"], sort_keys=True, default=str))
        if state != seen:
            seen = state
            status = r["status"]
            if status == "queued" and r["attempts"]:
                _say(f"  retry at {_when(r['run_at'])} after attempt {r['attempts']}: {r['error']}")
            elif status == "running":
                progress = f", so far {_json(r['result'], 200)}" if r["result"] else ""
                _say(f"  running, attempt {r['attempts']}/{r['max_attempts']}{progress}")
            elif status in ("succeeded", "failed", "dead"):
                detail = _json(r["result"], 200) if status == "succeeded" else r["error"]
                _say(f"run {run_id} {status} in {_seconds(r['duration_seconds'])}: {detail}")
                return 0 if status == "succeeded" else 1
        waited = time.monotonic() - start
        if not hinted and r["status"] == "queued" and r["attempts"] == 0 and waited > 5:
            _say("  still queued: is `ratecard worker` running?")
            hinted = True
        if timeout is not None and waited > timeout:
            raise RatecardError(
                f"run {run_id} is still {r['status']} after {timeout:g}s",
                "it goes on; `ratecard jobs history` shows how it ends",
            )
        time.sleep(0.3)


def cmd_jobs_history(s: Settings, args: argparse.Namespace) -> int:
    with _connect(s) as conn:
        rows = call(
            conn,
            q.JOB_HISTORY,
            (args.name, args.name, args.status, args.status, args.limit),
            role=ADMIN,
        )
    _say(
        table(
            [
                "id",
                "job",
                "status",
                "via",
                "attempts",
                "enqueued",
                "started",
                "took",
                "result / error",
            ],
            [
                [
                    r["id"],
                    r["job"],
                    r["status"],
                    r["via"],
                    r["attempts"],
                    _when(r["enqueued_at"]),
                    _when(r["started_at"]),
                    _seconds(r["duration_seconds"]),
                    (r["error"] or "")[:80] if r["error"] else _json(r["result"]),
                ]
                for r in rows
            ],
        )
    )
    return 0


def cmd_jobs_retry(s: Settings, args: argparse.Namespace) -> int:
    with _connect(s) as conn:
        try:
            new = one(call(conn, q.RETRY_JOB_RUN, (args.id,), role=ADMIN), "retry")["id"]
        except psycopg.Error as exc:
            raise _api_error(exc) from None
    _say(f"run {args.id} queued again as run {new}")
    return 0


def cmd_jobs_schedule(s: Settings, args: argparse.Namespace) -> int:
    from ratecard.migrate import cron_facts

    value = None if args.schedule.lower() == "default" else args.schedule
    with _connect(s) as conn:
        try:
            now = one(call(conn, q.SET_JOB_SCHEDULE, (args.name, value), role=ADMIN), "schedule")
        except psycopg.Error as exc:
            raise _api_error(exc) from None
    conninfo = admin_conninfo(s)
    report = schedules.install(
        conninfo, cron_facts(conninfo), os.environ.get("RATECARD_CRON", "auto")
    )
    _say(f"{args.name}: {now['schedule'] or 'not scheduled'} (fired by {report.by})")
    if report.note:
        _say(f"note: {report.note}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    jobs = sub.add_parser(
        "jobs", help="list, run and inspect jobs", description="List, run and inspect jobs."
    )
    js = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")

    def add(name: str, fn: Any, text: str) -> argparse.ArgumentParser:
        p = js.add_parser(name, help=text, description=text)
        p.set_defaults(fn=fn)
        return p

    add("list", cmd_jobs_list, "every job: kind, schedule, next and last run, queue counts")
    p = add("run", cmd_jobs_run, "run a job now, as its schedule would")
    p.add_argument("name", metavar="NAME", help="the job (see `ratecard jobs list`)")
    p.add_argument("--args", metavar="JSON", help="the job's arguments, a JSON object")
    p.add_argument("--wait", action="store_true", help="queue jobs: follow the run until it ends")
    p.add_argument("--timeout", type=float, help="with --wait: give up after this many seconds")
    p = add("history", cmd_jobs_history, "recent runs, newest first")
    p.add_argument("name", metavar="NAME", nargs="?", help="only this job")
    p.add_argument(
        "--status",
        choices=["queued", "running", "succeeded", "failed", "dead"],
        help="only runs in this state",
    )
    p.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    p = add("retry", cmd_jobs_retry, "queue a dead or failed run again")
    p.add_argument("id", metavar="ID", type=int, help="the run's id (see `ratecard jobs history`)")
    p = add(
        "schedule",
        cmd_jobs_schedule,
        "change a job's schedule (kept across migrations) and update pg_cron",
    )
    p.add_argument("name", metavar="NAME", help="the job")
    p.add_argument(
        "schedule",
        metavar="SCHEDULE",
        help="a cron expression in UTC ('*/10 * * * *'), 'off', or 'default'",
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run `ratecard jobs`")
