"""`ratecard worker`: runs the queue (core.job_runs) and, where pg_cron does not, fires the
schedules.

One main thread and up to N job threads (`--concurrency N`, default 4):

* the main thread holds one connection that LISTENs on `ratecard_jobs` (api.enqueue_job
  notifies it at commit, so a run enqueued in SQL starts within a second), claims due runs
  for free job threads (api.claim_job_runs: `for update skip locked`, a lease per run, at
  most one running run per lock), renews the leases of what it runs (every lease/3), fires
  the schedules pg_cron does not run (api.fire_due_schedules, every few seconds), and
  refreshes the queue metrics. Without a notification it looks again when the earliest
  queued run it could run is due (a retry after its backoff, a run asked for later:
  api.next_job_due), and at least every `poll` seconds;
* a job thread runs one claimed run on a pooled connection: a SQL job's steps
  (api.step_job_run, each its own transaction, until it says it has no more), or the
  Python handler registered under the job's name (jobs/registry.py); then
  api.finish_job_run records the outcome (succeeded, retried after a backoff, dead).
  One log line per run: job, id, attempt, duration, outcome.

SIGTERM or SIGINT: no new claims; running runs get `shutdown_timeout` seconds to finish,
then what is still running is released back to the queue (api.release_job_runs; the
attempt does not count) and the worker exits. A worker killed with SIGKILL releases
nothing: its leases expire and its runs are taken again (the attempt counts), never while
the lease is live, so a run never runs twice at the same time. `--once` fires due
schedules, runs everything due, and exits when nothing is left.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from jobs import queries as q
from jobs.metrics import WorkerMetrics
from jobs.registry import JobContext, Permanent, load_handlers
from ratecard.config import Settings
from ratecard.db import app_conninfo
from ratecard.sqlcall import Role, call, one

log = logging.getLogger("ratecard.worker")
SERVICE: Role = "ratecard_service"


@dataclass
class Claimed:
    id: int
    job: str
    kind: str
    args: dict[str, Any]
    attempt: int
    max_attempts: int
    lease_seconds: int
    started: float = field(default_factory=time.monotonic)


@dataclass
class WorkerOptions:
    concurrency: int = 4
    poll: float = 5.0
    schedule_every: float = 5.0
    stats_every: float = 5.0
    shutdown_timeout: float = 10.0
    once: bool = False
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    name: str = ""


class Worker:
    def __init__(self, settings: Settings, options: WorkerOptions) -> None:
        self.settings = settings
        self.opt = options
        self.name = options.name or f"{socket.gethostname()}:{os.getpid()}"
        self.handlers = load_handlers()
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.running: dict[int, tuple[Claimed, Future[None]]] = {}
        self.lock = threading.Lock()
        self.metrics = WorkerMetrics()
        self.conninfo = app_conninfo(settings)

    # -- the job threads ---------------------------------------------------------------------

    def _execute(self, pool: ConnectionPool, run: Claimed) -> None:
        outcome, detail = "lost", ""
        try:
            with pool.connection() as conn:
                ok, result, error, retry = self._attempt(conn, run)
                status = one(
                    call(
                        conn,
                        q.FINISH,
                        (run.id, self.name, ok, Jsonb(result) if result else None, error, retry),
                        role=SERVICE,
                    ),
                    "finish_job_run",
                )["status"]
            outcome = {"queued": "retry"}.get(status, status)
            detail = error if error else (f"result={_short(result)}" if result else "")
        except Exception as exc:  # the database went away: the lease will expire
            outcome, detail = "lost", f"{type(exc).__name__}: {exc}"
        finally:
            duration = time.monotonic() - run.started
            self.metrics.observe(run.job, outcome, duration)
            log.info(
                "job=%s id=%d attempt=%d/%d duration=%.3fs outcome=%s%s",
                run.job,
                run.id,
                run.attempt,
                run.max_attempts,
                duration,
                outcome,
                f" {detail}" if detail else "",
            )
            with self.lock:
                self.running.pop(run.id, None)
            self.wake.set()

    def _attempt(
        self, conn: psycopg.Connection[Any], run: Claimed
    ) -> tuple[bool, dict[str, Any] | None, str | None, bool]:
        """(ok, result, error, retry) of one attempt."""
        try:
            if run.kind == "sql":
                while True:
                    out = one(call(conn, q.STEP, (run.id, self.name), role=SERVICE), "step")["out"]
                    if not (isinstance(out, dict) and out.get("more")):
                        return True, None, None, True
                    if self.stop.is_set() and self._past_deadline():
                        return False, None, "stopped between steps (worker shutting down)", True
            handler = self.handlers.get(run.job)
            if handler is None:  # not claimed without a handler; defined but gone since
                return False, None, f"no handler registered for job {run.job!r}", False

            def progress(fields: dict[str, Any]) -> None:
                call(conn, q.PROGRESS, (run.id, self.name, Jsonb(fields)), role=SERVICE)

            ctx = JobContext(
                run_id=run.id,
                job=run.job,
                args=dict(run.args or {}),
                attempt=run.attempt,
                max_attempts=run.max_attempts,
                worker=self.name,
                settings=self.settings,
                conn=conn,
                report_progress=progress,
            )
            result = handler(ctx)
            return True, (dict(result) if result else None), None, True
        except Permanent as exc:
            return False, None, f"Permanent: {exc}", False
        except psycopg.Error as exc:
            state = exc.sqlstate or ""
            msg = (exc.diag.message_primary or str(exc)).strip()
            return False, None, f"{state + ': ' if state else ''}{msg}", True
        except Exception as exc:
            return False, None, f"{type(exc).__name__}: {exc}", True

    def _past_deadline(self) -> bool:
        return self._deadline is not None and time.monotonic() > self._deadline

    # -- the main thread ---------------------------------------------------------------------

    _deadline: float | None = None

    def _claim(self, conn: psycopg.Connection[Any], free: int) -> list[Claimed]:
        rows = call(conn, q.CLAIM, (self.name, free, sorted(self.handlers)), role=SERVICE)
        return [Claimed(**r) for r in rows]

    def _next_due(self, conn: psycopg.Connection[Any]) -> float | None:
        row = one(call(conn, q.NEXT_DUE, (sorted(self.handlers),), role=SERVICE), "next due")
        return row["seconds"]

    def _heartbeat(self, conn: psycopg.Connection[Any]) -> None:
        with self.lock:
            ids = list(self.running)
        if not ids:
            return
        lost = one(call(conn, q.EXTEND, (self.name, ids), role=SERVICE), "extend")["lost"]
        for run_id in lost or []:
            log.warning(
                "run %d: lease lost (taken by another worker); its outcome is ignored", run_id
            )

    def _lease_interval(self) -> float:
        with self.lock:
            leases = [c.lease_seconds for c, _ in self.running.values()]
        return max(0.5, min(leases, default=30) / 3)

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        if self.opt.metrics_port is not None:
            self.metrics.serve(self.opt.metrics_host, self.opt.metrics_port)
        pool = ConnectionPool(
            self.conninfo,
            min_size=1,
            max_size=max(1, self.opt.concurrency),
            kwargs={"autocommit": True, "application_name": "ratecard-worker-job"},
            open=True,
        )
        executor = ThreadPoolExecutor(self.opt.concurrency, thread_name_prefix="job")
        released = False
        try:
            with psycopg.connect(
                self.conninfo, autocommit=True, application_name="ratecard-worker"
            ) as conn:
                conn.execute(q.LISTEN_JOBS)
                log.info(
                    "worker %s started: concurrency %d, handlers %s",
                    self.name,
                    self.opt.concurrency,
                    ", ".join(sorted(self.handlers)) or "none",
                )
                self._loop(conn, pool, executor)
                released = self._shutdown(conn)
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
        log.info("worker %s stopped", self.name)
        if released:
            # job threads still run what was handed back; nothing they do counts any more
            # (api.finish_job_run answers 'lost'), and Python would wait for them at exit
            logging.shutdown()
            os._exit(0)
        pool.close(timeout=1)
        return 0

    def _on_signal(self, signum: int, frame: object) -> None:
        if not self.stop.is_set():
            log.info("worker %s stopping (signal %d)", self.name, signum)
            self._deadline = time.monotonic() + self.opt.shutdown_timeout
        self.stop.set()
        self.wake.set()

    def _loop(
        self, conn: psycopg.Connection[Any], pool: ConnectionPool, executor: ThreadPoolExecutor
    ) -> None:
        next_poll = next_schedule = next_stats = next_beat = 0.0
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= next_schedule:
                fired = one(call(conn, q.FIRE_SCHEDULES, role=SERVICE), "fire")["fired"]
                if fired:
                    log.info("fired %d scheduled job(s)", fired)
                next_schedule = now + self.opt.schedule_every
            with self.lock:
                free = self.opt.concurrency - len(self.running)
            claimed: list[Claimed] = []
            if free > 0 and (self.wake.is_set() or now >= next_poll):
                self.wake.clear()
                claimed = self._claim(conn, free)
                next_poll = now + self.opt.poll
                if len(claimed) < free:  # a retry or later run due before the next poll?
                    due = self._next_due(conn)
                    if due is not None:
                        next_poll = min(next_poll, now + max(due, 0.05))
                for run in claimed:
                    self.metrics.started()
                    with self.lock:
                        self.running[run.id] = (run, executor.submit(self._execute, pool, run))
            if now >= next_beat:
                self._heartbeat(conn)
                next_beat = now + self._lease_interval()
            if now >= next_stats:
                self._refresh_stats(conn)
                next_stats = now + self.opt.stats_every
            if self.opt.once:
                with self.lock:
                    idle = not self.running
                if idle and not claimed:
                    break
            # wait for a notification, a finished run, a signal or the next timer
            deadline = min(next_poll, next_schedule, next_beat, next_stats)
            self._wait(conn, max(0.0, min(deadline - time.monotonic(), 0.25)))
            if free > 0 and claimed and len(claimed) == free:
                self.wake.set()  # took all it could: there may be more at once

    def _wait(self, conn: psycopg.Connection[Any], timeout: float) -> None:
        if self.wake.is_set() or self.stop.is_set():
            return
        for note in conn.notifies(timeout=timeout, stop_after=1):
            log.debug("notified: %s", note.payload)
            self.wake.set()

    def _refresh_stats(self, conn: psycopg.Connection[Any]) -> None:
        try:
            self.metrics.queue(call(conn, q.STATS, role=SERVICE))
        except psycopg.Error as exc:
            log.warning("queue statistics failed: %s", exc)

    def _shutdown(self, conn: psycopg.Connection[Any]) -> bool:
        """Wait for running runs until the deadline, then release the rest. True when
        some were released (their threads still run)."""
        deadline = self._deadline or time.monotonic()
        next_beat = 0.0
        while time.monotonic() < deadline:
            with self.lock:
                if not self.running:
                    return False
            if time.monotonic() >= next_beat:
                self._heartbeat(conn)
                next_beat = time.monotonic() + self._lease_interval()
            time.sleep(0.05)
        with self.lock:
            ids = list(self.running)
        if not ids:
            return False
        released = one(call(conn, q.RELEASE, (self.name, ids), role=SERVICE), "release")
        log.info(
            "released %d unfinished run(s) back to the queue: %s",
            released["released"],
            ", ".join(map(str, ids)),
        )
        return True


def _short(value: Any, limit: int = 200) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_worker(settings: Settings, options: WorkerOptions | None = None) -> int:
    return Worker(settings, options or WorkerOptions()).run()
