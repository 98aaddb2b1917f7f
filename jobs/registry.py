"""Queue job handlers, registered by job name.

A queue job (core.jobs.kind = 'queue', defined in sql/jobs/<name>.sql) is run by
`ratecard worker` through the Python function registered under the same name:

    from jobs.registry import JobContext, handler

    @handler("sync_stripe_status")
    def sync_stripe_status(ctx: JobContext) -> dict[str, int]:
        rows = call(ctx.conn, q.SOMETHING, (ctx.args.get("limit", 100),), role=SERVICE)
        ...
        return {"synced": n}          # the run's result summary (api.job_runs.result)

The worker imports every module of the `jobs` package at start, so defining the function
in any module there registers it (RATECARD_WORKER_MODULES names more modules to import,
comma-separated, for handlers kept elsewhere). A handler:

* gets a JobContext: the run's id, job, args (a dict, from api.enqueue_job's p_args),
  attempt (1, 2, ...), max_attempts, the worker's name, the Settings, and `conn`: an
  autocommit connection logged in as the application login, to be used only through
  ratecard.sqlcall.call (role ratecard_service) with statements from jobs/queries.py;
* returns a dict of JSON values (or None): the result summary kept with the run;
* fails by raising: any exception is a failed attempt, retried with exponential backoff and
  jitter until the job's max_attempts, then the run is dead with the error; raise
  `Permanent(...)` for a failure no retry can mend (the run is dead at once);
* must be safe to run again (at-least-once): a worker killed mid-run has its run taken again
  after the lease expires. Pass idempotency keys to Stripe, upsert rather than insert;
* may call `ctx.progress(**fields)` on long runs: the fields join the run's result at once,
  so `ratecard jobs run NAME --wait` and api.job_runs show how far it got (numbers add up).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from ratecard.config import Settings

Result = dict[str, Any] | None
Handler = Callable[["JobContext"], Result]

HANDLERS: dict[str, Handler] = {}


class Permanent(Exception):
    """A failure that no retry can mend: the run is dead at once, with this message."""


@dataclass
class JobContext:
    run_id: int
    job: str
    args: dict[str, Any]
    attempt: int
    max_attempts: int
    worker: str
    settings: Settings
    conn: psycopg.Connection[Any]
    report_progress: Callable[[dict[str, Any]], None] | None = None

    def progress(self, **fields: Any) -> None:
        """Add these numbers (or values) to the run's result now, visible to watchers."""
        if self.report_progress is not None:
            self.report_progress(fields)


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register `fn` as the handler of the queue job `name` (one handler per job)."""

    def register(fn: Handler) -> Handler:
        if name in HANDLERS and HANDLERS[name] is not fn:
            raise ValueError(f"job {name!r} already has a handler: {HANDLERS[name]!r}")
        HANDLERS[name] = fn
        return fn

    return register


def load_handlers() -> dict[str, Handler]:
    """Import every module of the jobs package, and the modules named in
    RATECARD_WORKER_MODULES (comma-separated), registering their handlers."""
    import jobs

    names = [f"jobs.{mod.name}" for mod in pkgutil.iter_modules(jobs.__path__)]
    extra = os.environ.get("RATECARD_WORKER_MODULES", "")
    names += [n.strip() for n in extra.split(",") if n.strip()]
    for name in names:
        importlib.import_module(name)
    return HANDLERS
