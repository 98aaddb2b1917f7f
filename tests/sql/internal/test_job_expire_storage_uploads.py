"""The SQL job expire_storage_uploads, run as pg_cron runs it (`call api.run_job`), with
the clock moved: pending uploads that never arrived release their bytes, in batches;
old tombstones, history and reconciliation runs go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from psycopg.types.json import Jsonb

from tests.s3 import created, notification, removed
from tests.sql.conftest import Api

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def run(api: Api, args: str = "{}") -> tuple:
    api.conn.execute("call api.run_job('expire_storage_uploads', %s::jsonb)", (args,))
    return api.conn.execute(
        "select status, result, steps from api.job_runs where job = 'expire_storage_uploads'"
        " order by id desc limit 1"
    ).fetchone()


def gauge(api: Api, tenant: object) -> int:
    return api.entitlement(tenant, "storage_bytes")["used"]


def test_expired_uploads_release_their_bytes_in_batches(catalog: Api) -> None:
    catalog.set_clock(T0)
    t = catalog.tenant("a")
    for n in range(5):
        catalog.service("select * from api.create_upload(%s, 'upload', 10, %s)", t, f"{n}.txt")
    key = f"tenants/{t}/profile_image/me.png"
    catalog.service("select * from api.track_object(%s, %s, 30, 'profile_image')", t, key)
    catalog.service(
        "select * from api.create_upload(%s, null, 50, null, %s)", t, key
    )  # replaces a stored 30-byte object: reserves 50
    assert gauge(catalog, t) == 100
    catalog.set_clock(T0 + timedelta(hours=1))
    assert run(catalog)[1]["expired"] == 0  # pending for two hours
    catalog.set_clock(T0 + timedelta(hours=2, seconds=1))
    status, result, steps = run(catalog, '{"batch": 2}')
    assert status == "succeeded" and steps == 4
    assert (result["expired"], result["released_bytes"]) == (6, 70)
    assert gauge(catalog, t) == 30  # the stored object stays counted
    assert catalog.scalar("select count(*) from core.storage_uploads") == 0
    usage = {r["category"]: r for r in catalog.service("select * from api.storage_usage(%s)", t)}
    assert usage["upload"]["pending_objects"] == 0
    assert usage["profile_image"]["bytes"] == 30


def test_old_tombstones_history_and_runs_are_purged(catalog: Api) -> None:
    catalog.set_clock(T0)
    t = catalog.tenant("a")
    k = f"tenants/{t}/upload/x"
    catalog.service(
        "select * from api.receive_s3_events(%s::jsonb)", Jsonb(notification(created(k, 1, "01")))
    )
    catalog.service(
        "select * from api.receive_s3_events(%s::jsonb)", Jsonb(notification(removed(k, "02")))
    )
    catalog.service("select * from api.start_storage_reconciliation('bucket-1')")
    catalog.set_clock(T0 + timedelta(days=8))
    run(catalog)
    assert catalog.scalar("select count(*) from core.storage_tombstones") == 0
    assert catalog.scalar("select count(*) from core.storage_history") == 1  # 90 days
    assert catalog.scalar("select count(*) from core.storage_reconciliations") == 1  # running
    catalog.set_clock(T0 + timedelta(days=91))
    catalog.service("select * from api.start_storage_reconciliation('bucket-1')")  # abandons
    run(catalog)
    assert catalog.scalar("select count(*) from core.storage_history") == 0
    assert catalog.scalar("select count(*) from core.storage_reconciliations") == 1  # new one
