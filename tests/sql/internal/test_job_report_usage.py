"""The report_usage job (sql/jobs/report_usage.sql, internal.job_report_usage) and the
definitions of the metered billing jobs: claims tenant by tenant in committed steps, one
send_usage_reports run queued per tenant (deduplicated), pending reports of an earlier
failed send queued again."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from tests.sql.api.test_claim_usage_reports import billed, claim, customer, record
from tests.sql.conftest import Api

__all__ = ["billed"]


def sends(db: psycopg.Connection) -> list[dict]:
    return (
        db.cursor(row_factory=dict_row)
        .execute(
            "select args->>'tenant_id' as tenant, dedupe_key, status, lock_key"
            " from core.job_runs where job = 'send_usage_reports' order by id"
        )
        .fetchall()
    )


def test_the_jobs_are_defined(db: psycopg.Connection) -> None:
    jobs = {
        r[0]: r[1:]
        for r in db.execute(
            "select name, kind, schedule, lock_on, args from core.jobs"
            " where name in ('report_usage', 'send_usage_reports', 'reconcile_usage')"
        )
    }
    assert jobs == {
        "report_usage": ("sql", "*/10 * * * *", [], {"tenants": 100}),
        "send_usage_reports": ("queue", None, ["tenant_id"], {}),
        "reconcile_usage": ("queue", "20 2 * * *", [], {}),
    }


def test_claims_in_steps_and_queues_one_send_per_tenant(
    billed: Api, db: psycopg.Connection
) -> None:
    a, b = customer(billed, name="a"), customer(billed, cus="cus_b", name="b")
    manual = customer(billed, cus=None, name="manual")
    for t in (a, b, manual):
        record(billed, t, 10, "k1")
    db.execute("call api.run_job('report_usage', '{\"tenants\": 1}')")
    run = db.execute(
        "select status, steps, result from core.job_runs where job = 'report_usage'"
    ).fetchone()
    assert run[0] == "succeeded" and run[1] >= 2
    assert (run[2]["tenants"], run[2]["reports"]) == (2, 2)
    queued = sends(db)
    assert sorted(q["tenant"] for q in queued) == sorted([str(a), str(b)])
    assert {q["dedupe_key"] for q in queued} == {f"tenant:{a}", f"tenant:{b}"}
    assert {q["lock_key"] for q in queued} == {f"send_usage_reports:{a}", f"send_usage_reports:{b}"}
    # more usage while a send is queued: claimed, and no second run for the tenant
    record(billed, a, 5, "k2")
    db.execute("call api.run_job('report_usage')")
    assert len(sends(db)) == 2
    assert claim(billed, a) == 0  # the job claimed it already
    # a send that died leaves pending reports: the next run queues it again
    db.execute("update core.job_runs set status = 'dead' where job = 'send_usage_reports'")
    db.execute("call api.run_job('report_usage')")
    assert [q["status"] for q in sends(db)].count("queued") == 2
