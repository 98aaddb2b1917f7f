"""ratecard/schedules.py: Ratecard's schedules installed into pg_cron, and pg_cron really
firing one. The test cluster preloads pg_cron with its own database (ratecard_cron), so
this uses RATECARD_CRON=pg_cron (cron.schedule_in_database into the test's database)."""

from __future__ import annotations

import time

import psycopg
import pytest

from ratecard.migrate import cron_facts
from ratecard.schedules import install
from tests.harness import dsn_for

CRON_DB = "ratecard_cron"


@pytest.fixture
def cron() -> psycopg.Connection:
    with psycopg.connect(dsn_for(CRON_DB), autocommit=True) as conn:
        conn.execute("create extension if not exists pg_cron")
        yield conn


def ours(cron: psycopg.Connection, dbname: str) -> dict[str, tuple]:
    rows = cron.execute(
        "select jobname, schedule, command, username from cron.job"
        " where database = %s and jobname <> 'ratecard.by_hand' order by jobname",
        (dbname,),
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_schedules_installed_fired_updated_and_removed(
    dsn: str, db: psycopg.Connection, cron: psycopg.Connection
) -> None:
    dbname = db.info.dbname
    mine = cron.execute(
        "select cron.schedule_in_database('ratecard.not_ours_but_named_so', '0 0 1 1 *',"
        " 'select 1', 'postgres')"
    ).fetchone()[0]  # an operator's job in another database: never touched
    by_hand = cron.execute(
        "select cron.schedule_in_database('ratecard.by_hand', '0 0 1 1 *', 'select 1', %s)",
        (dbname,),
    ).fetchone()[0]  # nor one in this database that only shares the prefix
    facts = cron_facts(dsn)
    assert (facts.cron_db, facts.background_workers) == (CRON_DB, True)
    try:
        assert install(dsn, facts, "auto").by == "worker"  # another database: not under auto
        assert ours(cron, dbname) == {}
        # every minute, so that pg_cron fires it during the test
        db.execute("select api.set_job_schedule('expire_trials', '* * * * *')")
        db.execute("select api.set_job_schedule('make_due_plan_changes', '* * * * *')")
        report = install(dsn, facts, "pg_cron")
        installed = ours(cron, dbname)
        wanted = db.execute("select count(*) from api.jobs where schedule is not null").fetchone()
        assert (report.by, report.installed, len(installed)) == ("pg_cron", wanted[0], wanted[0])
        assert installed["ratecard.expire_trials"] == (
            "* * * * *",
            "call api.run_job('expire_trials')",
            "ratecard_scheduler",
        )
        assert installed["ratecard.make_due_plan_changes"][1] == (
            "select api.enqueue_job('make_due_plan_changes', p_dedupe_key => 'schedule')"
        )
        by = {
            r[0] for r in db.execute("select scheduled_by from api.jobs where schedule is not null")
        }
        assert by == {"pg_cron"}
        # installing again changes nothing
        again = install(dsn, facts, "pg_cron")
        assert (again.installed, again.updated, again.removed) == (0, 0, 0)
        assert ours(cron, dbname) == installed

        # pg_cron fires within the next minute: a direct SQL run and a queued run
        deadline = time.monotonic() + 75
        seen: dict[str, tuple] = {}

        def fired() -> bool:  # the SQL run finished (it may be seen running) and the enqueue
            done = seen.get("expire_trials", ("",))[0] in ("succeeded", "failed", "dead")
            return done and "make_due_plan_changes" in seen

        while time.monotonic() < deadline and not fired():
            for job, status, via, who in db.execute(
                "select job, status, via, requested_by from api.job_runs"
                " where job in ('expire_trials', 'make_due_plan_changes')"
            ):
                seen[job] = (status, via, who)
            time.sleep(1)
        assert seen["expire_trials"] == ("succeeded", "direct", "ratecard_scheduler")
        assert seen["make_due_plan_changes"] == ("queued", "queue", "ratecard_scheduler")
        logs = cron.execute(
            "select d.status from cron.job_run_details d join cron.job j using (jobid)"
            " where j.database = %s and j.jobname = 'ratecard.expire_trials'",
            (dbname,),
        ).fetchall()
        assert ("succeeded",) in logs

        # a changed schedule is updated, a paused job unscheduled
        db.execute("select api.set_job_schedule('expire_trials', '*/7 * * * *')")
        db.execute("select api.set_job_schedule('make_due_plan_changes', 'off')")
        changed = install(dsn, facts, "pg_cron")
        assert (changed.installed, changed.updated, changed.removed) == (0, 1, 1)
        now = ours(cron, dbname)
        assert now["ratecard.expire_trials"][0] == "*/7 * * * *"
        assert "ratecard.make_due_plan_changes" not in now
        assert db.execute(
            "select cron_jobid from core.jobs where name = 'make_due_plan_changes'"
        ).fetchone() == (None,)
    finally:
        gone = install(dsn, facts, "worker")
        assert ours(cron, dbname) == {}
        assert gone.by == "worker"
        left = cron.execute(
            "select jobid from cron.job where jobid in (%s, %s) order by jobid", (mine, by_hand)
        ).fetchall()
        assert left == [(mine,), (by_hand,)]
        cron.execute("select cron.unschedule(%s), cron.unschedule(%s)", (mine, by_hand))
    assert (
        db.execute("select count(*) from core.jobs where cron_jobid is not null").fetchone()[0] == 0
    )
