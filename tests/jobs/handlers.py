"""A queue job handler for the worker tests, loaded by worker processes through
RATECARD_WORKER_MODULES=tests.jobs.handlers.

`test_work` records every execution (start and end, with the worker's pid) in
public.executions through its own superuser connection (TEST_JOBS_DSN: test scaffolding,
not how handlers talk to Ratecard), sleeps {"sleep": seconds}, and fails its first
{"fail": n} attempts."""

from __future__ import annotations

import os
import time
from typing import Any

import psycopg

from jobs.registry import JobContext, Permanent, handler

EXECUTIONS = """
create table if not exists public.executions (
  run_id bigint, attempt integer, pid integer,
  started_at timestamptz default clock_timestamp(), finished_at timestamptz)
"""


@handler("test_work")
def test_work(ctx: JobContext) -> dict[str, Any]:
    with psycopg.connect(os.environ["TEST_JOBS_DSN"], autocommit=True) as conn:
        row = conn.execute(
            "insert into public.executions (run_id, attempt, pid) values (%s, %s, %s)"
            " returning ctid",
            (ctx.run_id, ctx.attempt, os.getpid()),
        ).fetchone()
        time.sleep(float(ctx.args.get("sleep", 0)))
        if ctx.args.get("permanent"):
            raise Permanent("cannot ever work")
        if ctx.attempt <= int(ctx.args.get("fail", 0)):
            raise RuntimeError(f"failing attempt {ctx.attempt}")
        ctx.progress(steps=1)
        conn.execute(
            "update public.executions set finished_at = clock_timestamp() where ctid = %s",
            (row[0],),
        )
    return {"slept": ctx.args.get("sleep", 0)}
