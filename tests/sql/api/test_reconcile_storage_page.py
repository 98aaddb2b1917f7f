"""api.start_storage_reconciliation / reconcile_storage_page / finish_storage_reconciliation
called directly with pages: what changed after the run started is left alone, a page of a
finished run is refused, stale runs are abandoned. (tests/jobs/test_storage.py runs them
against a real bucket.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.s3 import created, notification, removed
from tests.sql.conftest import Api

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def start(api: Api, tenant: UUID | None = None, dry: bool = False) -> int:
    return api.service(
        "select * from api.start_storage_reconciliation('bucket-1', %s, %s)", tenant, dry
    )[0]["reconciliation_id"]


def page(
    api: Api, run: int, objects: list[tuple[str, int]], after: str | None = None, final: bool = True
) -> dict[str, Any]:
    body = [{"k": k, "s": s, "m": NOW.isoformat()} for k, s in objects]
    return api.service(
        "select api.reconcile_storage_page(%s, %s, %s, %s, %s) as c",
        run,
        after,
        Jsonb(body),
        final,
        NOW,
    )[0]["c"]


def finish(api: Api, run: int, error: str | None = None) -> dict[str, Any]:
    return api.service("select api.finish_storage_reconciliation(%s, %s) as r", run, error)[0]["r"]


def keys(api: Api, tenant: UUID) -> dict[str, int]:
    return dict(
        api.conn.execute(
            "select object_key, size_bytes from core.storage_objects where tenant_id = %s",
            (tenant,),
        ).fetchall()
    )


def test_objects_written_after_the_run_started_are_left_alone(catalog: Api) -> None:
    catalog.set_clock(NOW)
    t = catalog.tenant("a")
    k1, k2, k3 = (f"tenants/{t}/upload/{n}" for n in "123")
    catalog.service("select * from api.track_object(%s, %s, 10)", t, k1)
    run = start(catalog)
    # after the listing began: k1 deleted and forgotten, k2 created (event), k3 tracked
    catalog.scalar("select api.forget_object(%s, %s)", t, k1)
    catalog.service(
        "select * from api.receive_s3_events(%s::jsonb)", Jsonb(notification(created(k2, 20, "0A")))
    )
    catalog.service("select * from api.track_object(%s, %s, 30)", t, k3)
    # the (older) listing still shows k1 and not k2 nor k3
    counts = page(catalog, run, [(k1, 10)])
    assert counts["skipped"] == 3 and counts["added"] == counts["removed"] == 0
    assert keys(catalog, t) == {k2: 20, k3: 30}
    r = finish(catalog, run)
    assert (r["status"], r["skipped"]) == ("succeeded", 3)


def test_pages_cover_ranges_between_their_last_keys(catalog: Api) -> None:
    t = catalog.tenant("a")
    p = f"tenants/{t}/upload/"
    for n in "abcdef":
        catalog.service("select * from api.track_object(%s, %s, 1)", t, p + n)
    run = start(catalog)
    # page 1 lists a, c (b gone); page 2 lists e (d gone); the end: f gone
    assert page(catalog, run, [(p + "a", 1), (p + "c", 1)], None, False)["removed"] == 1
    assert page(catalog, run, [(p + "e", 1)], p + "c", False)["removed"] == 1
    assert page(catalog, run, [], p + "e", True)["removed"] == 1
    assert sorted(keys(catalog, t)) == [p + "a", p + "c", p + "e"]
    assert finish(catalog, run)["removed"] == 3


def test_finished_unknown_and_abandoned_runs(catalog: Api) -> None:
    catalog.set_clock(NOW)
    run = start(catalog)
    finish(catalog, run, "listing failed")
    for call in (lambda: page(catalog, run, []), lambda: finish(catalog, run)):
        with pytest.raises(psycopg.Error) as e:
            call()
        assert e.value.sqlstate == "RC033"
    with pytest.raises(psycopg.Error) as e:
        page(catalog, 999999, [])
    assert e.value.sqlstate == "RC032"
    stale = start(catalog)
    catalog.set_clock(NOW + timedelta(hours=2))
    start(catalog)
    runs = {r["id"]: r for r in catalog.admin("select * from api.list_storage_reconciliations()")}
    assert runs[run]["status"] == "failed" and runs[run]["error"] == "listing failed"
    assert runs[stale]["status"] == "abandoned"
    with pytest.raises(psycopg.Error) as e:
        catalog.admin("select * from api.list_storage_reconciliations(null, 0)")
    assert e.value.sqlstate == "RC005"


def test_removed_keys_and_a_late_event_older_than_the_listing(catalog: Api) -> None:
    """A key found gone keeps the listing's time: a late ObjectCreated from before the
    listing does not bring it back; one after it does."""
    t = catalog.tenant("a")
    k = f"tenants/{t}/upload/x"
    catalog.service("select * from api.track_object(%s, %s, 10)", t, k)
    run = start(catalog)
    page(catalog, run, [])
    finish(catalog, run)
    older = created(k, 10, "01", time=(NOW - timedelta(minutes=1)).isoformat())
    r = catalog.service(
        "select * from api.receive_s3_events(%s::jsonb)", Jsonb(notification(older))
    )
    assert r[0]["stale"] == 1 and keys(catalog, t) == {}
    newer = created(k, 12, "02", time=(NOW + timedelta(minutes=1)).isoformat())
    catalog.service("select * from api.receive_s3_events(%s::jsonb)", Jsonb(notification(newer)))
    assert keys(catalog, t) == {k: 12}
    # and the S3 ordering is kept from then on
    catalog.service(
        "select * from api.receive_s3_events(%s::jsonb)", Jsonb(notification(removed(k, "01")))
    )
    assert keys(catalog, t) == {k: 12}
