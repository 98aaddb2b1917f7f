"""jobs/storage.py: the reconciliation against a real bucket (boto3 against moto in server
mode over HTTP): every kind of drift, pagination, dry runs, one tenant, repeat runs, the
handler, and a failure recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest

from jobs import storage
from jobs.registry import JobContext
from ratecard.config import Settings
from ratecard.s3_gateway import S3Settings
from tests.s3 import S3Server, settings_for
from tests.sql.conftest import CATALOG_SQL, Api


@pytest.fixture
def api(db: psycopg.Connection) -> Api:
    a = Api(db)
    a.admin(CATALOG_SQL)
    a.set_clock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    return a


def tracked(api: Api, tenant: UUID) -> dict[str, tuple[int, str]]:
    rows = api.conn.execute(
        "select object_key, size_bytes, category from core.storage_objects where tenant_id = %s",
        (tenant,),
    ).fetchall()
    return {k: (s, c) for k, s, c in rows}


def gauge(api: Api, tenant: UUID) -> int:
    return api.entitlement(tenant, "storage_bytes")["used"]


def track(api: Api, tenant: UUID, key: str, size: int, category: str = "upload") -> None:
    api.service("select * from api.track_object(%s, %s, %s, %s)", tenant, key, size, category)


def reconcile(api: Api, s3: S3Server, **kw: Any) -> dict[str, Any]:
    return storage.reconcile(api.conn, settings_for(s3), **kw)


def per_tenant(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["tenant_id"]: r for r in run["tenants"]}


@pytest.mark.parametrize("page_size", [1000, 2])
def test_every_kind_of_drift_is_fixed(api: Api, s3: S3Server, page_size: int) -> None:
    a, b = api.tenant("a", plan="pro"), api.tenant("b", plan="pro")
    pa, pb = f"tenants/{a}", f"tenants/{b}"
    # in the bucket
    s3.put(f"{pa}/upload/new.pdf", b"x" * 300)  # not tracked: added
    s3.put(f"{pa}/upload/resized.pdf", b"x" * 50)  # tracked at 500: corrected
    s3.put(f"{pa}/export/same.csv", b"x" * 20)  # tracked as it is: unchanged
    s3.put(f"{pa}/backup/recat.dump", b"x" * 7)  # tracked as 'upload': corrected
    s3.put(f"{pa}/videos/clip.mp4", b"x" * 9)  # unknown category: unattributed (a)
    s3.put("misc/readme.txt", b"x" * 4)  # outside the layout: unattributed
    s3.put(f"{pb}/attachment/moved.png", b"x" * 11)  # tracked by a: moves to b
    s3.put(f"{pb}/upload/b.txt", b"x" * 5)  # not tracked: added to b
    # tracked
    track(api, a, f"{pa}/upload/resized.pdf", 500)
    track(api, a, f"{pa}/export/same.csv", 20, "export")
    track(api, a, f"{pa}/backup/recat.dump", 7)
    track(api, a, f"{pa}/upload/deleted-behind-our-back.pdf", 1000)  # gone: removed
    track(api, a, f"{pb}/attachment/moved.png", 11, "attachment")
    track(api, a, "docs/outside-the-layout.pdf", 30)  # not the bucket's to judge: kept
    assert gauge(api, a) == 500 + 20 + 7 + 1000 + 11 + 30

    run = reconcile(api, s3, page_size=page_size)

    assert run["status"] == "succeeded" and run["pages"] == (1 if page_size == 1000 else 4)
    assert tracked(api, a) == {
        f"{pa}/upload/new.pdf": (300, "upload"),
        f"{pa}/upload/resized.pdf": (50, "upload"),
        f"{pa}/export/same.csv": (20, "export"),
        f"{pa}/backup/recat.dump": (7, "backup"),
        "docs/outside-the-layout.pdf": (30, "upload"),
    }
    assert tracked(api, b) == {
        f"{pb}/attachment/moved.png": (11, "attachment"),
        f"{pb}/upload/b.txt": (5, "upload"),
    }
    assert gauge(api, a) == 300 + 50 + 20 + 7 + 30
    assert gauge(api, b) == 16
    assert (run["listed_objects"], run["added"], run["removed"], run["corrected"]) == (8, 3, 2, 2)
    assert (run["unattributed"], run["unattributed_bytes"]) == (2, 13)
    assert set(run["unattributed_sample"]) == {f"{pa}/videos/clip.mp4", "misc/readme.txt"}
    ra, rb = per_tenant(run)[str(a)], per_tenant(run)[str(b)]
    assert (ra["objects_before"], ra["bytes_before"]) == (6, 1568)
    assert (ra["objects_after"], ra["bytes_after"]) == (5, 407)
    assert (ra["added"], ra["removed"], ra["corrected"], ra["unattributed"]) == (1, 2, 2, 1)
    assert (ra["added_bytes"], ra["removed_bytes"], ra["corrected_bytes"]) == (300, 1011, -450)
    assert (rb["objects_before"], rb["objects_after"], rb["added"]) == (0, 2, 2)
    assert (run["objects_after"], run["bytes_after"]) == (7, 423)

    # a second run finds nothing left to fix; only a's unattributed key is reported
    again = reconcile(api, s3, page_size=page_size)
    assert (again["added"], again["removed"], again["corrected"]) == (0, 0, 0)
    assert [r["tenant_id"] for r in again["tenants"]] == [str(a)]


def test_an_empty_bucket_removes_every_attributed_object(api: Api, s3: S3Server) -> None:
    a = api.tenant("a")
    track(api, a, f"tenants/{a}/upload/x", 100)
    track(api, a, f"tenants/{a}/upload/y", 200)
    run = reconcile(api, s3)
    assert (run["pages"], run["removed"]) == (1, 2)
    assert tracked(api, a) == {} and gauge(api, a) == 0


def test_limits_grace_and_thresholds_follow(api: Api, s3: S3Server) -> None:
    a = api.tenant("a")  # free: 1000 bytes, soft +10%, 7 days' grace
    s3.put(f"tenants/{a}/backup/big.dump", b"x" * 1050)
    reconcile(api, s3)
    e = api.entitlement(a, "storage_bytes")
    assert (e["used"], e["state"]) == (1050, "over_limit") and e["grace_until"] is not None
    notes = api.admin("select threshold from api.notifications where tenant_id = %s", a)
    assert sorted(n["threshold"] for n in notes) == [80, 95, 100]
    # over the limit, uploads that would pass the buffer are refused
    with pytest.raises(psycopg.Error) as err:
        api.service("select * from api.create_upload(%s, 'upload', 100, 'more.txt')", a)
    assert err.value.sqlstate == "RC031"


def test_pending_uploads_are_confirmed_and_oversized_objects_flagged(
    api: Api, s3: S3Server
) -> None:
    a = api.tenant("a", plan="pro")
    keys = [
        api.service("select * from api.create_upload(%s, 'upload', 100, %s)", a, name)[0][
            "object_key"
        ]
        for name in ("ok.txt", "big.txt", "never.txt")
    ]
    assert gauge(api, a) == 300
    s3.put(keys[0], b"x" * 100)
    s3.put(keys[1], b"x" * 250)  # larger than declared: counted at its real size
    run = reconcile(api, s3)
    assert (run["added"], run["confirmed"], run["oversized"]) == (2, 2, 1)
    assert gauge(api, a) == 100 + 250 + 100  # the third is still reserved
    flags = api.admin(
        "select object_key, declared_bytes, oversized from api.storage_objects"
        " where tenant_id = %s",
        a,
    )
    assert {f["object_key"]: (f["declared_bytes"], f["oversized"]) for f in flags} == {
        keys[0]: (100, False),
        keys[1]: (100, True),
    }
    pending = api.admin("select object_key from api.storage_uploads")
    assert [p["object_key"] for p in pending] == [keys[2]]


def test_a_dry_run_changes_nothing(api: Api, s3: S3Server) -> None:
    a = api.tenant("a")
    s3.put(f"tenants/{a}/upload/new", b"x" * 10)
    track(api, a, f"tenants/{a}/upload/gone", 40)
    run = reconcile(api, s3, dry_run=True)
    assert (run["dry_run"], run["added"], run["removed"]) == (True, 1, 1)
    r = per_tenant(run)[str(a)]
    assert (r["bytes_before"], r["bytes_after"]) == (40, 10)
    assert tracked(api, a) == {f"tenants/{a}/upload/gone": (40, "upload")}
    assert gauge(api, a) == 40


def test_one_tenant_lists_only_its_prefix(api: Api, s3: S3Server) -> None:
    a, b = api.tenant("a"), api.tenant("b")
    s3.put(f"tenants/{a}/upload/x", b"x")
    s3.put(f"tenants/{b}/upload/y", b"yy")
    track(api, b, f"tenants/{b}/upload/gone", 5)
    run = reconcile(api, s3, tenant_id=str(a))
    assert run["prefix"] == f"tenants/{a}/" and run["listed_objects"] == 1
    assert tracked(api, a) == {f"tenants/{a}/upload/x": (1, "upload")}
    assert tracked(api, b) == {f"tenants/{b}/upload/gone": (5, "upload")}


def test_the_handler_reports_progress_and_skips_without_a_bucket(
    db: psycopg.Connection, api: Api, s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = api.tenant("a")
    for n in range(5):
        s3.put(f"tenants/{a}/upload/{n}", b"x")
    seen: list[dict[str, Any]] = []
    ctx = JobContext(
        run_id=1,
        job="reconcile_storage",
        args={"page_size": 2},
        attempt=1,
        max_attempts=3,
        worker="test",
        settings=Settings(),
        conn=db,
        report_progress=seen.append,
    )
    monkeypatch.delenv("RATECARD_S3_BUCKET", raising=False)
    assert storage.run_reconcile_storage(ctx) == storage.NOT_CONFIGURED
    monkeypatch.setenv("RATECARD_S3_BUCKET", s3.bucket)
    monkeypatch.setenv("RATECARD_S3_ENDPOINT_URL", s3.endpoint_url)
    result = storage.run_reconcile_storage(ctx)
    assert result["status"] == "succeeded" and result["tenants"] == 1
    assert [p["pages"] for p in seen] == [1, 1, 1]
    assert sum(p["added"] for p in seen) == 5 and sum(p["listed"] for p in seen) == 5
    assert gauge(api, a) == 5


def test_a_failed_listing_is_recorded(api: Api, s3: S3Server) -> None:
    missing = S3Settings(bucket="no-such-bucket-here", endpoint_url=s3.endpoint_url)
    with pytest.raises(Exception, match="NoSuchBucket"):
        storage.reconcile(api.conn, missing)
    runs = api.admin("select * from api.list_storage_reconciliations()")
    assert runs[0]["status"] == "failed" and "NoSuchBucket" in runs[0]["error"]
