"""The SQL jobs that clean up, run as pg_cron runs them (`call api.run_job`), with the clock
moved: idempotency keys, retention (per tenant, in batches), ledger partitions past every
retention, long-cancelled subscriptions, old job runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.sql.conftest import Api

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def run(db: psycopg.Connection, job: str, args: str = "{}") -> dict:
    db.execute("call api.run_job(%s, %s::jsonb)", (job, args))
    return db.execute(
        "select status, result, steps, args from api.job_runs where job = %s"
        " order by id desc limit 1",
        (job,),
    ).fetchone()


def count(db: psycopg.Connection, query: str, *params: object) -> int:
    return db.execute(query, params).fetchone()[0]


@pytest.fixture
def retention(catalog: Api) -> Api:
    catalog.admin("select api.define_feature('data_retention_days', 'gauge', p_unit => 'days')")
    catalog.admin("select api.set_plan_limit('free', 'data_retention_days', 30)")
    catalog.admin("select api.set_plan_limit('pro', 'data_retention_days', null)")  # unlimited
    catalog.set_clock(T0)
    return catalog


def test_purge_idempotency_keys_in_batches(catalog: Api) -> None:
    db = catalog.conn
    catalog.set_clock(T0)
    t = catalog.tenant()
    for i in range(5):
        catalog.consume(t, "calls", 1, f"old-{i}")
    catalog.set_clock(T0 + timedelta(days=6))
    catalog.consume(t, "calls", 1, "recent")
    catalog.set_clock(T0 + timedelta(days=7, hours=1))
    status, result, steps, args = run(db, "purge_idempotency_keys", '{"batch": 2}')
    assert (status, result, steps) == ("succeeded", {"deleted": 5}, 3)
    assert args == {"older_than": "7 days", "batch": 2}  # the job's own, then the caller's
    keys = [r[0] for r in db.execute("select key from core.idempotency_keys")]
    assert keys == ["recent"]
    assert count(db, "select used from core.meters where tenant_id = %s", t) == 6  # counts stay


def test_the_operator_sets_the_window(catalog: Api) -> None:
    db = catalog.conn
    catalog.set_clock(T0)
    t = catalog.tenant()
    catalog.consume(t, "calls", 1, "k")
    catalog.set_clock(T0 + timedelta(days=20))
    catalog.admin(
        "select api.set_job_args('purge_idempotency_keys', '{\"older_than\": \"30 days\"}')"
    )
    assert run(db, "purge_idempotency_keys")[1] == {"deleted": 0}
    catalog.admin("select api.set_job_args('purge_idempotency_keys', null)")
    assert run(db, "purge_idempotency_keys")[1] == {"deleted": 1}


def _usage(api: Api, t: object, when: datetime, key: str) -> None:
    api.service("select api.record_usage(%s, 'calls', 1, %s, %s::timestamptz)", t, key, when)


def test_purge_retention_per_tenant_in_batches(retention: Api) -> None:
    db = retention.conn
    free, pro = retention.tenant("free"), retention.tenant("pro", plan="pro")
    for t in (free, pro):
        for d in (45, 40, 35, 10):
            _usage(retention, t, T0 - timedelta(days=d), f"{t}-{d}")
    meters_before = db.execute(
        "select tenant_id, period_start, used from core.meters order by 1, 2"
    ).fetchall()
    status, result, steps, _ = run(db, "purge_retention", '{"batch": 2}')
    assert (status, result, steps) == ("succeeded", {"deleted": 3}, 2)
    left = db.execute("select tenant_id, count(*) from core.usage_events group by 1").fetchall()
    assert dict(left) == {free: 1, pro: 4}  # free keeps 30 days; pro keeps everything
    assert (
        db.execute("select tenant_id, period_start, used from core.meters order by 1, 2").fetchall()
        == meters_before
    )
    # an override of the retention counts: 5 days for pro
    retention.admin("select api.set_override(%s, 'data_retention_days', 5)", pro)
    assert run(db, "purge_retention")[1] == {"deleted": 4}


def test_maintain_partitions_drops_months_past_every_retention(retention: Api) -> None:
    db = retention.conn
    free = retention.tenant("free")
    retention.set_clock(datetime(2025, 9, 10, tzinfo=UTC))
    db.execute("select internal.maintain_usage_partitions(6)")  # 2025-09 to 2026-03
    _usage(retention, free, datetime(2025, 9, 10, tzinfo=UTC), "sep")
    retention.set_clock(T0)  # 2026-01-15: 30 days back is 2025-12-16
    pro = retention.tenant("pro", plan="pro")
    status, result, steps, _ = run(db, "maintain_partitions")
    assert result["dropped"] == 0  # pro's retention is unlimited: every month stays
    retention.admin("select api.set_override(%s, 'data_retention_days', 60)", pro)
    status, result, steps, _ = run(db, "maintain_partitions")
    # longest retention 60 days: before 2025-11-16; September and October go, one per step
    assert (status, result["dropped"], steps) == ("succeeded", 2, 3)
    parts = [
        r[0]
        for r in db.execute(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid"
            " where i.inhparent = 'core.usage_events'::regclass order by 1"
        )
    ]
    assert parts[0] == "usage_events_202511" and "usage_events_default" in parts
    assert "usage_events_202604" in parts  # three months ahead of January
    assert count(db, "select count(*) from core.usage_events where tenant_id = %s", free) == 0


def test_cleanup_stale_subscriptions(catalog: Api) -> None:
    db = catalog.conn
    catalog.set_clock(T0)
    old, recent, live = (catalog.tenant(n, plan="pro") for n in ("old", "recent", "live"))
    db.execute(
        "update core.subscriptions set status = 'canceled', canceled_at = %s,"
        " scheduled_plan = 'free', scheduled_at = %s where tenant_id = %s",
        (T0 - timedelta(days=91), T0, old),
    )
    db.execute(
        "update core.subscriptions set status = 'canceled', canceled_at = %s where tenant_id = %s",
        (T0 - timedelta(days=10), recent),
    )
    assert run(db, "cleanup_stale_subscriptions")[1] == {"expired": 1}
    rows = {
        r[0]: r[1:]
        for r in db.execute(
            "select tenant_id, expired_at, status, scheduled_plan from core.subscriptions"
        )
    }
    assert rows[old] == (T0, "canceled", None)
    assert rows[recent] == (None, "canceled", None)
    assert rows[live] == (None, "active", None)
    assert run(db, "cleanup_stale_subscriptions")[1] == {"expired": 0}


def test_purge_job_runs(catalog: Api) -> None:
    db = catalog.conn
    catalog.set_clock(T0)
    for _ in range(3):
        run(db, "expire_trials")
    queued = db.execute("select api.enqueue_job('expire_trials')").fetchone()[0]
    catalog.set_clock(T0 + timedelta(days=31))
    status, result, _, _ = run(db, "purge_job_runs", '{"batch": 2}')
    assert (status, result) == ("succeeded", {"deleted": 3})
    ids = {r[0] for r in db.execute("select id from core.job_runs")}
    assert queued in ids and len(ids) == 2  # the queued run and this purge's own


def test_purge_retention_steps_resume_where_the_last_one_stopped(retention: Api) -> None:
    """A step that fills its batch hands the last tenant it reached to the next step, which
    starts there: tenants before it are not read again."""
    db = retention.conn
    tenants = sorted(retention.tenant("free") for _ in range(3))
    for t in tenants:
        for d in (45, 40, 35):
            _usage(retention, t, T0 - timedelta(days=d), f"{t}-{d}")
        _usage(retention, t, T0 - timedelta(days=1), f"{t}-recent")

    def step(args: str) -> dict:
        return db.execute("select internal.job_purge_retention(%s::jsonb)", (args,)).fetchone()[0]

    # a step started at the second tenant leaves the first one's old rows alone
    out = step(f'{{"batch": 4, "resume": "{tenants[1]}"}}')
    assert out == {"deleted": 4, "more": True, "resume": str(tenants[2])}
    left = dict(db.execute("select tenant_id, count(*) from core.usage_events group by 1"))
    assert left == {tenants[0]: 4, tenants[1]: 1, tenants[2]: 3}
    assert step(f'{{"batch": 4, "resume": "{tenants[2]}"}}') == {"deleted": 2, "more": False}

    # through the job: each step resumes from the position the last one kept; at the end
    # every tenant keeps only its recent row and the run keeps no position
    status, result, steps, _ = run(db, "purge_retention", '{"batch": 2}')
    assert (status, result, steps) == ("succeeded", {"deleted": 3}, 2)
    assert dict(db.execute("select tenant_id, count(*) from core.usage_events group by 1")) == {
        t: 1 for t in tenants
    }
    assert db.execute(
        "select resume from core.job_runs where job = 'purge_retention' order by id desc limit 1"
    ).fetchone() == (None,)


def test_the_next_step_gets_the_position_the_last_step_kept(retention: Api) -> None:
    db = retention.conn
    tenants = sorted(retention.tenant("free") for _ in range(3))
    for t in tenants:
        for d in (45, 40, 35):
            _usage(retention, t, T0 - timedelta(days=d), f"{t}-{d}")
    rid = db.execute("select api.start_job_run('purge_retention', '{\"batch\": 4}')").fetchone()[0]

    def step() -> dict:
        return db.execute("select api.step_job_run(%s)", (rid,)).fetchone()[0]

    def kept() -> object:
        return db.execute("select resume from core.job_runs where id = %s", (rid,)).fetchone()[0]

    assert step() == {"deleted": 4, "more": True, "resume": str(tenants[1])}
    assert kept() == str(tenants[1])
    # an old row of the first tenant, added behind the position: the next steps pass it by
    _usage(retention, tenants[0], T0 - timedelta(days=50), "late")
    assert step() == {"deleted": 4, "more": True, "resume": str(tenants[2])}
    assert step() == {"deleted": 1, "more": False}
    assert kept() is None
    assert db.execute(
        "select result, steps from core.job_runs where id = %s", (rid,)
    ).fetchone() == (
        {"deleted": 9},
        3,
    )
    left = dict(db.execute("select tenant_id, count(*) from core.usage_events group by 1"))
    assert left == {tenants[0]: 1}


@pytest.mark.parametrize("resume", ['"not-a-uuid"', "42", "null", '["x"]'])
def test_purge_retention_refuses_a_bad_resume_position(retention: Api, resume: str) -> None:
    with pytest.raises(psycopg.Error) as err:
        retention.conn.execute(
            "select internal.job_purge_retention(%s::jsonb)", (f'{{"resume": {resume}}}',)
        )
    assert err.value.sqlstate == "RC005"
