"""api.run_job: a SQL job run directly (pg_cron, the CLI), one committed step at a time."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from tests.sql.conftest import BATCH_JOB, Jobs


@pytest.fixture
def scheduler(jobs: Jobs, connect: Callable[..., psycopg.Connection]) -> psycopg.Connection:
    """A session as pg_cron runs Ratecard's schedules: ratecard_scheduler, autocommit."""
    jobs.db.execute(BATCH_JOB)
    jobs.db.execute("insert into public.scratch_rows select generate_series(1, 5)")
    return connect("ratecard_scheduler")


def test_steps_commit_one_batch_at_a_time(jobs: Jobs, scheduler: psycopg.Connection) -> None:
    notices: list[str] = []
    scheduler.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
    scheduler.execute("call api.run_job('test_batches', '{\"batch\": 2}')")
    (run,) = jobs.q("select * from api.job_runs", role="ratecard_admin")
    assert (run["status"], run["via"], run["steps"], run["attempts"]) == (
        "succeeded",
        "direct",
        3,
        1,
    )
    # numbers add up over the steps, the rest is the last step's
    assert run["result"] == {"deleted": 5, "phase": "deleted 1"}
    assert run["requested_by"] == "ratecard_scheduler"
    assert len(notices) == 2 and "step 2 done" in notices[1]
    assert jobs.db.execute("select count(*) from public.scratch_rows").fetchone() == (0,)


def test_a_failing_step_is_recorded_then_raised(jobs: Jobs, scheduler: psycopg.Connection) -> None:
    with pytest.raises(psycopg.Error) as info:
        scheduler.execute("call api.run_job('test_batches', '{\"batch\": 2, \"fail\": 1}')")
    assert info.value.sqlstate == "RC005"
    (run,) = jobs.q("select * from api.job_runs", role="ratecard_admin")
    assert (run["status"], run["error"]) == ("failed", "RC005: asked to fail")
    assert run["finished_at"] is not None


def test_a_run_holding_the_lock_makes_the_next_one_skip(
    jobs: Jobs, scheduler: psycopg.Connection
) -> None:
    first = jobs.q("select api.start_job_run('test_batches', '{}') as id")[0]["id"]
    notices: list[str] = []
    scheduler.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
    scheduler.execute("call api.run_job('test_batches', '{\"batch\": 2}')")
    assert notices == ["job test_batches: another run holds its lock; nothing done"]
    assert [r["id"] for r in jobs.q("select id from api.job_runs", role="ratecard_admin")] == [
        first
    ]
    assert jobs.db.execute("select count(*) from public.scratch_rows").fetchone() == (5,)


def test_a_dead_runner_frees_its_lock_after_the_lease(
    jobs: Jobs, scheduler: psycopg.Connection
) -> None:
    from datetime import timedelta

    from tests.sql.conftest import T0

    first = jobs.q("select api.start_job_run('test_batches', '{}') as id")[0]["id"]
    jobs.clock(T0 + timedelta(seconds=301))  # default lease: 300 s
    scheduler.execute("call api.run_job('test_batches', '{\"batch\": 10}')")
    runs = {r["id"]: r for r in jobs.q("select * from api.job_runs", role="ratecard_admin")}
    assert runs[first]["status"] == "failed"
    assert "lease expired" in runs[first]["error"]
    assert [r["status"] for i, r in runs.items() if i != first] == ["succeeded"]


def test_queue_jobs_are_not_run_directly(jobs: Jobs) -> None:
    with pytest.raises(psycopg.Error) as info:
        jobs.db.execute("call api.run_job('make_due_plan_changes')")
    assert info.value.sqlstate == "RC005"
    with pytest.raises(psycopg.Error) as info:
        jobs.db.execute("call api.run_job('nope')")
    assert info.value.sqlstate == "RC025"


def test_every_sql_job_runs_through_the_runner(jobs: Jobs, scheduler: psycopg.Connection) -> None:
    """Every defined SQL job (colleagues' new ones included) runs as pg_cron runs it, on a
    database with data in it, and sums its work up in a JSON object."""
    sql_jobs = [
        r["name"]
        for r in jobs.q("select name from api.jobs where kind = 'sql'", role="ratecard_admin")
    ]
    assert {"expire_trials", "purge_retention", "maintain_partitions"} <= set(sql_jobs)
    for job in sql_jobs:
        scheduler.execute("call api.run_job(%s)", (job,))
        (run,) = jobs.q(
            "select status, result, error from api.job_runs where job = %s",
            job,
            role="ratecard_admin",
        )
        assert (run["status"], run["error"]) == ("succeeded", None), job
        assert isinstance(run["result"], dict) and run["result"], job
