"""`ratecard worker` as real processes on the test's database: LISTEN/NOTIFY wake-up,
several workers on one queue, SIGKILL in the middle of a job, SIGTERM, metrics."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg.rows import dict_row

from ratecard.config import PROJECT_ROOT, with_user
from tests.jobs.handlers import EXECUTIONS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Workers:
    def __init__(self, dsn: str, db: psycopg.Connection) -> None:
        self.dsn = dsn
        self.db = db
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, *args: str, lease: int | None = None) -> subprocess.Popen[str]:
        env = {
            **os.environ,
            "RATECARD_DATABASE_URL": self.dsn,
            "RATECARD_APP_DATABASE_URL": with_user(self.dsn, "ratecard_authenticator"),
            "RATECARD_WORKER_MODULES": "tests.jobs.handlers",
            "TEST_JOBS_DSN": self.dsn,
            "RATECARD_LOG_LEVEL": "info",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "ratecard.cli", "worker", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.procs.append(proc)
        self.wait_for(
            lambda: (
                self.db.execute(
                    "select count(*) from pg_stat_activity where datname = current_database()"
                    " and application_name = 'ratecard-worker'"
                ).fetchone()[0]
                >= sum(p.poll() is None for p in self.procs)
            ),
            10,
            "worker listening",
        )
        return proc

    def enqueue(self, args: str = "{}", job: str = "test_work") -> int:
        return self.db.execute("select api.enqueue_job(%s, %s::jsonb)", (job, args)).fetchone()[0]

    def runs(self) -> list[dict]:
        return (
            self.db.cursor(row_factory=dict_row)
            .execute("select * from api.job_runs order by id")
            .fetchall()
        )

    @staticmethod
    def wait_for(cond: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {what}")
            time.sleep(0.05)

    def stop_all(self) -> str:
        out = []
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                o, _ = p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                o, _ = p.communicate()
            out.append(o or "")
        return "\n".join(out)


@pytest.fixture
def workers(dsn: str, db: psycopg.Connection) -> Iterator[Workers]:
    db.execute(EXECUTIONS)
    db.execute(
        "select internal.define_job('test_work', 'queue', 'test work', p_max_attempts => 3,"
        " p_lease_seconds => 3, p_lock_on => null, p_backoff_seconds => 1)"
    )
    w = Workers(dsn, db)
    yield w
    w.stop_all()


def test_a_job_enqueued_in_sql_starts_within_a_second(workers: Workers) -> None:
    workers.start("--concurrency", "2")
    time.sleep(0.5)  # idle, waiting on LISTEN (its poll is every 5 s)
    run_id = workers.enqueue()
    workers.wait_for(lambda: workers.runs()[-1]["status"] == "succeeded", 5, "run succeeded")
    run = workers.runs()[-1]
    assert run["id"] == run_id
    assert (run["started_at"] - run["enqueued_at"]).total_seconds() < 1.0
    out = workers.stop_all()
    assert f"job=test_work id={run_id} attempt=1/3 duration=" in out
    assert "outcome=succeeded" in out


def test_several_workers_run_each_job_exactly_once(workers: Workers) -> None:
    for _ in range(3):
        workers.start("--concurrency", "3")
    ids = [workers.enqueue('{"sleep": 0.05}') for _ in range(60)]
    workers.wait_for(
        lambda: all(r["status"] == "succeeded" for r in workers.runs()), 30, "all succeeded"
    )
    rows = workers.db.execute(
        "select run_id, count(*), count(distinct pid) from public.executions group by run_id"
    ).fetchall()
    assert sorted(r[0] for r in rows) == ids
    assert all(r[1] == 1 for r in rows), "a run was executed twice"
    pids = {r[0] for r in workers.db.execute("select distinct pid from public.executions")}
    assert len(pids) >= 2, "the work was shared between the processes"
    assert {r["attempts"] for r in workers.runs()} == {1}


def test_failures_are_retried_then_dead(workers: Workers) -> None:
    workers.start()
    ok = workers.enqueue('{"fail": 1}')
    dead = workers.enqueue('{"fail": 5}')
    permanent = workers.enqueue('{"permanent": true}')
    workers.wait_for(
        lambda: {r["status"] for r in workers.runs()} <= {"succeeded", "dead"}, 20, "settled"
    )
    runs = {r["id"]: r for r in workers.runs()}
    assert (runs[ok]["status"], runs[ok]["attempts"]) == ("succeeded", 2)
    assert (runs[dead]["status"], runs[dead]["attempts"]) == ("dead", 3)
    assert runs[dead]["error"] == "RuntimeError: failing attempt 3"
    assert (runs[permanent]["status"], runs[permanent]["attempts"]) == ("dead", 1)


def test_a_worker_killed_mid_job_loses_nothing(workers: Workers) -> None:
    victim = workers.start()
    run_id = workers.enqueue('{"sleep": 2}')
    workers.wait_for(
        lambda: workers.db.execute("select count(*) from public.executions").fetchone()[0] == 1,
        5,
        "job started",
    )
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    killed_at = time.monotonic()
    workers.start()
    workers.wait_for(lambda: workers.runs()[0]["status"] == "succeeded", 15, "retried")
    run = workers.runs()[0]
    assert (run["id"], run["attempts"]) == (run_id, 2)
    assert time.monotonic() - killed_at >= 1.0  # taken again only once its lease ran out
    ex = workers.db.execute(
        "select pid, started_at, finished_at from public.executions order by started_at"
    ).fetchall()
    assert len(ex) == 2 and ex[0][2] is None and ex[1][2] is not None  # one finished run
    # never twice at the same time: the second start came after the first's lease (3 s)
    assert (ex[1][1] - ex[0][1]).total_seconds() >= 3.0


def test_sigterm_finishes_short_runs_and_hands_back_long_ones(workers: Workers) -> None:
    w = workers.start("--concurrency", "2", "--shutdown-timeout", "1")
    short = workers.enqueue('{"sleep": 0.3}')
    long = workers.enqueue('{"sleep": 30}')
    workers.wait_for(
        lambda: workers.db.execute("select count(*) from public.executions").fetchone()[0] == 2,
        5,
        "both started",
    )
    started = time.monotonic()
    w.send_signal(signal.SIGTERM)
    out, _ = w.communicate(timeout=15)
    assert w.returncode == 0, out
    assert time.monotonic() - started < 5
    runs = {r["id"]: r for r in workers.runs()}
    assert runs[short]["status"] == "succeeded"
    assert (runs[long]["status"], runs[long]["attempts"]) == ("queued", 0)
    assert "released 1 unfinished run(s)" in out


def test_metrics_in_prometheus_format(workers: Workers) -> None:
    port = _free_port()
    workers.start("--metrics-port", str(port))
    workers.enqueue()
    workers.wait_for(lambda: workers.runs()[-1]["status"] == "succeeded", 5, "ran")
    workers.enqueue('{"sleep": 0}', job="test_work")
    time.sleep(0.3)

    def scrape() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            return r.read().decode()

    workers.wait_for(
        lambda: 'ratecard_job_runs_total{job="test_work",outcome="succeeded"} 2.0' in scrape(),
        10,
        "two runs counted",
    )
    text = scrape()
    assert 'ratecard_job_duration_seconds_count{job="test_work"} 2.0' in text
    assert 'ratecard_job_queue_depth{job="test_work",state="queued"}' in text
    assert "ratecard_job_oldest_queued_seconds" in text
