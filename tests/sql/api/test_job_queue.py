"""The durable queue in SQL: api.enqueue_job, api.claim_job_runs, api.finish_job_run,
leases, locks, dedupe keys, backoff, dead runs, retries, release, the worker's scheduler."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from tests.sql.conftest import T0, Jobs


def test_enqueue_then_claim_then_succeed(jobs: Jobs) -> None:
    run_id = jobs.enqueue("t", '{"tenant_id": "x"}')
    assert jobs.run(run_id)["status"] == "queued"
    claimed = jobs.claim()
    assert [(c["id"], c["job"], c["kind"], c["attempt"]) for c in claimed] == [
        (run_id, "t", "queue", 1)
    ]
    assert claimed[0]["args"] == {"tenant_id": "x"}
    assert jobs.claim() == []  # leased: nobody else takes it
    assert jobs.finish(run_id, result='{"sent": 2}') == "succeeded"
    run = jobs.run(run_id)
    assert (run["status"], run["result"], run["attempts"], run["worker"]) == (
        "succeeded",
        {"sent": 2},
        1,
        "w1",
    )


def test_unknown_job_and_bad_arguments(jobs: Jobs) -> None:
    with pytest.raises(psycopg.Error) as info:
        jobs.enqueue("nope")
    assert info.value.sqlstate == "RC025"
    for bad in ("[1]", '"x"'):
        with pytest.raises(psycopg.Error) as info:
            jobs.enqueue("t", bad)
        assert info.value.sqlstate == "RC005"
    with pytest.raises(psycopg.Error) as info:
        jobs.enqueue("t", key="")
    assert info.value.sqlstate == "RC005"
    assert jobs.q("select count(*) as n from api.job_runs", role="ratecard_admin")[0]["n"] == 0


def test_a_dedupe_key_queued_or_running_enqueues_nothing(jobs: Jobs) -> None:
    first = jobs.enqueue("t", key="schedule")
    assert jobs.enqueue("t", key="schedule") == first  # queued: the same run
    jobs.claim()
    assert jobs.enqueue("t", key="schedule") == first  # running: still the same run
    assert jobs.enqueue("t", key="other") != first
    jobs.finish(first)
    second = jobs.enqueue("t", key="schedule")  # finished: a new run
    assert second != first


def test_a_run_due_later_waits(jobs: Jobs) -> None:
    run_id = jobs.enqueue("t", run_at=T0 + timedelta(minutes=5))
    assert jobs.claim() == []
    jobs.clock(T0 + timedelta(minutes=5))
    assert [c["id"] for c in jobs.claim()] == [run_id]


def test_claim_takes_only_jobs_the_worker_can_run(jobs: Jobs) -> None:
    jobs.enqueue("t")
    assert jobs.claim(handlers=[]) == []
    assert len(jobs.claim(handlers=["t"])) == 1


def test_failures_back_off_with_jitter_then_die(jobs: Jobs) -> None:
    run_id = jobs.enqueue("t")
    now = T0
    for attempt in (1, 2):
        (c,) = jobs.claim()
        assert c["attempt"] == attempt
        assert jobs.finish(run_id, ok=False, error=f"boom {attempt}") == "queued"
        run = jobs.run(run_id)
        assert run["error"] == f"boom {attempt}"
        wait = (run["run_at"] - now).total_seconds()
        # 10 s doubling per attempt, times a random 0.5 to 1.5
        assert 10 * 2 ** (attempt - 1) * 0.5 <= wait <= 10 * 2 ** (attempt - 1) * 1.5
        assert jobs.claim() == []  # not before its backoff
        now = run["run_at"]
        jobs.clock(now)
    (c,) = jobs.claim()
    assert jobs.finish(run_id, ok=False, error="boom 3") == "dead"  # max_attempts = 3
    run = jobs.run(run_id)
    assert (run["status"], run["attempts"], run["error"]) == ("dead", 3, "boom 3")
    jobs.clock(T0 + timedelta(days=1))
    assert jobs.claim() == []


def test_a_permanent_failure_is_dead_at_once(jobs: Jobs) -> None:
    run_id = jobs.enqueue("t")
    jobs.claim()
    assert jobs.finish(run_id, ok=False, error="no such customer", retry=False) == "dead"


def test_an_expired_lease_is_taken_again_and_the_old_worker_is_refused(jobs: Jobs) -> None:
    run_id = jobs.enqueue("t")
    jobs.claim("w1")
    jobs.clock(T0 + timedelta(seconds=59))
    assert jobs.claim("w2") == []  # lease still live
    lost = jobs.q("select api.extend_job_leases('w1', array[%s]::bigint[]) as l", run_id)
    assert lost[0]["l"] == []  # renewed: now live until T0 + 119 s
    jobs.clock(T0 + timedelta(seconds=118))
    assert jobs.claim("w2") == []
    jobs.clock(T0 + timedelta(seconds=120))
    (c,) = jobs.claim("w2")
    assert (c["id"], c["attempt"]) == (run_id, 2)
    assert "lease expired" in (jobs.run(run_id)["error"] or "")
    assert jobs.finish(run_id, "w1") == "lost"  # the first worker's late answer counts not
    lost = jobs.q("select api.extend_job_leases('w1', array[%s]::bigint[]) as l", run_id)
    assert lost[0]["l"] == [run_id]
    assert jobs.finish(run_id, "w2") == "succeeded"


def test_a_lease_expired_on_the_last_attempt_is_dead(jobs: Jobs) -> None:
    jobs.define("t1", "queue", max_attempts=1, lease_seconds=5)
    run_id = jobs.enqueue("t1")
    jobs.claim(handlers=["t1"])
    jobs.clock(T0 + timedelta(seconds=6))
    assert jobs.claim(handlers=["t1"]) == []
    assert jobs.run(run_id)["status"] == "dead"


def test_one_running_run_per_lock(jobs: Jobs) -> None:
    jobs.define("per_tenant", "queue", lock_on=["tenant_id"])
    a1 = jobs.enqueue("per_tenant", '{"tenant_id": "a"}')
    a2 = jobs.enqueue("per_tenant", '{"tenant_id": "a"}')
    b1 = jobs.enqueue("per_tenant", '{"tenant_id": "b"}')
    taken = {c["id"] for c in jobs.claim(handlers=["per_tenant"])}
    assert taken == {a1, b1}
    assert jobs.run(a2)["lock_key"] == "per_tenant:a"
    assert jobs.claim(handlers=["per_tenant"]) == []
    jobs.finish(a1)
    assert [c["id"] for c in jobs.claim(handlers=["per_tenant"])] == [a2]


def test_no_lock_runs_side_by_side(jobs: Jobs) -> None:
    jobs.define("free", "queue", lock_on=None)
    ids = {jobs.enqueue("free") for _ in range(3)}
    assert {c["id"] for c in jobs.claim(handlers=["free"])} == ids


def test_a_stopping_worker_releases_without_counting_the_attempt(jobs: Jobs) -> None:
    run_id = jobs.enqueue("t")
    jobs.claim("w1")
    n = jobs.q("select api.release_job_runs('w1', array[%s]::bigint[]) as n", run_id)
    assert n[0]["n"] == 1
    run = jobs.run(run_id)
    assert (run["status"], run["attempts"]) == ("queued", 0)
    assert jobs.claim("w2")[0]["attempt"] == 1


def test_retry_queues_a_dead_run_again(jobs: Jobs) -> None:
    run_id = jobs.enqueue("t", '{"x": 1}')
    jobs.claim()
    jobs.finish(run_id, ok=False, retry=False)
    with pytest.raises(psycopg.Error) as info:
        jobs.q("select api.retry_job_run(%s)", run_id + 100, role="ratecard_admin")
    assert info.value.sqlstate == "RC026"
    again = jobs.q("select api.retry_job_run(%s) as id", run_id, role="ratecard_admin")[0]["id"]
    run = jobs.run(again)
    assert (run["status"], run["args"], run["attempts"]) == ("queued", {"x": 1}, 0)
    with pytest.raises(psycopg.Error) as info:
        jobs.q("select api.retry_job_run(%s)", again, role="ratecard_admin")
    assert info.value.sqlstate == "RC027"  # queued, not dead


def test_enqueue_notifies_the_workers(db: psycopg.Connection, jobs: Jobs, connect) -> None:
    listener = connect()
    listener.execute("listen ratecard_jobs")
    jobs.enqueue("t")
    notes = list(listener.notifies(timeout=2, stop_after=1))
    assert [n.payload for n in notes] == ["t"]


def test_worker_scheduler_fires_each_due_schedule_once(jobs: Jobs) -> None:
    jobs.define("every5", "queue", schedule="*/5 * * * *")

    def fire_and_list() -> list[tuple]:
        jobs.q("select api.fire_due_schedules()")
        runs = jobs.q(
            "select dedupe_key, requested_by, status from api.job_runs where job = 'every5'",
            role="ratecard_admin",
        )
        return [(r["dedupe_key"], r["requested_by"], r["status"]) for r in runs]

    assert fire_and_list() == []  # first sight: starts counting at 12:00
    jobs.clock(T0 + timedelta(minutes=4))
    assert fire_and_list() == []
    jobs.clock(T0 + timedelta(minutes=5))
    fired = [("schedule", "schedule (worker)", "queued")]
    assert fire_and_list() == fired
    assert fire_and_list() == fired  # 12:05 fired already
    jobs.clock(T0 + timedelta(minutes=10))
    assert fire_and_list() == fired  # still queued from 12:05: the dedupe key keeps one run
    (c,) = [c for c in jobs.claim(handlers=["every5"]) if c["job"] == "every5"]
    jobs.finish(c["id"])
    jobs.clock(T0 + timedelta(minutes=15))
    assert [r[2] for r in fire_and_list()] == ["queued", "succeeded"]


def test_pg_cron_scheduled_jobs_are_not_fired_by_the_worker(jobs: Jobs) -> None:
    jobs.define("every1", "queue", schedule="* * * * *")
    jobs.db.execute("update core.jobs set cron_jobid = 42 where name = 'every1'")
    jobs.q("select api.fire_due_schedules()")
    jobs.clock(T0 + timedelta(minutes=3))
    jobs.q("select api.fire_due_schedules()")
    assert jobs.q("select id from api.job_runs where job = 'every1'", role="ratecard_admin") == []


def test_set_job_schedule_overrides_and_survives_redefinition(jobs: Jobs) -> None:
    def show() -> tuple:
        r = jobs.q(
            "select schedule, defined_schedule, enabled, scheduled_by, next_run_at"
            " from api.jobs where name = 'run_dunning'",
            role="ratecard_admin",
        )[0]
        return r["schedule"], r["defined_schedule"], r["enabled"], r["scheduled_by"]

    assert show() == ("0 * * * *", "0 * * * *", True, "worker")
    set_ = "select api.set_job_schedule('run_dunning', %s) as s"
    assert jobs.q(set_, "*/10 * * * *", role="ratecard_admin")[0]["s"] == "*/10 * * * *"
    jobs.db.execute(
        "select internal.define_job('run_dunning', 'sql', 'again', p_schedule => '0 * * * *')"
    )
    assert show() == ("*/10 * * * *", "0 * * * *", True, "worker")
    assert jobs.q(set_, "off", role="ratecard_admin")[0]["s"] is None
    assert show() == (None, "0 * * * *", False, None)
    assert jobs.q(set_, None, role="ratecard_admin")[0]["s"] == "0 * * * *"
    with pytest.raises(psycopg.Error) as info:
        jobs.q(set_, "61 * * * *", role="ratecard_admin")
    assert info.value.sqlstate == "RC005"
    with pytest.raises(psycopg.Error) as info:
        jobs.q("select api.set_job_schedule('nope', null)", role="ratecard_admin")
    assert info.value.sqlstate == "RC025"


def test_api_jobs_shows_counts_last_and_next_run(jobs: Jobs) -> None:
    ok = jobs.enqueue("t")
    jobs.claim()
    jobs.finish(ok)
    jobs.enqueue("t")
    row = jobs.q("select * from api.jobs where name = 't'", role="ratecard_admin")[0]
    assert (row["kind"], row["queued"], row["running"], row["dead"]) == ("queue", 1, 0, 0)
    assert (row["last_run_id"], row["last_status"]) == (ok, "succeeded")
    d = jobs.q(
        "select next_run_at from api.jobs where name = 'expire_trials'", role="ratecard_admin"
    )[0]
    assert d["next_run_at"] == T0 + timedelta(minutes=5)


def test_service_cannot_read_the_queue(jobs: Jobs) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        jobs.q("select * from api.job_runs")
