"""api.receive_s3_events: S3 event notifications, as S3 sends them, applied per key in
sequencer order: idempotent, and an older event never overwrites a newer one."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.s3 import BUCKET, created, notification, record, removed
from tests.sql.conftest import Api


def receive(api: Api, *records: dict[str, Any], bucket: str | None = BUCKET) -> dict[str, Any]:
    return api.service(
        "select * from api.receive_s3_events(%s::jsonb, %s::text)",
        Jsonb(notification(*records)),
        bucket,
    )[0]


def objects(api: Api, tenant: UUID) -> dict[str, int]:
    rows = api.conn.execute(
        "select object_key, size_bytes from core.storage_objects where tenant_id = %s", (tenant,)
    ).fetchall()
    return dict(rows)


def gauge(api: Api, tenant: UUID) -> int:
    return api.entitlement(tenant, "storage_bytes")["used"]


def test_created_and_removed_with_url_encoded_keys(catalog: Api) -> None:
    t = catalog.tenant("a")
    key = f"tenants/{t}/upload/Q3 report+final (v2).pdf"
    r = receive(catalog, created(key, 300, "0055AED6DCD90281E5"))
    assert (r["received"], r["applied"]) == (1, 1)
    assert objects(catalog, t) == {key: 300} and gauge(catalog, t) == 300
    r = receive(catalog, removed(key, "0055AED6DCD90281E6"))
    assert r["applied"] == 1 and objects(catalog, t) == {} and gauge(catalog, t) == 0


def test_duplicates_change_nothing(catalog: Api) -> None:
    t = catalog.tenant("a")
    ev = created(f"tenants/{t}/upload/a", 100, "00A1")
    assert receive(catalog, ev)["applied"] == 1
    r = receive(catalog, ev, ev)
    assert (r["applied"], r["duplicates"]) == (0, 2)
    assert gauge(catalog, t) == 100


SEQUENCE = [
    ("put", 100, "0055AED6DCD90281E5"),
    ("put", 250, "0055AED6DCD90281E501"),  # longer: later once padded
    ("del", None, "0055AED6DCD90281E6"),
    ("put", 70, "0055AED6DCD90281E6F0"),
]


def as_record(key: str, step: tuple[str, int | None, str]) -> dict[str, Any]:
    kind, size, seq = step
    return created(key, size or 0, seq) if kind == "put" else removed(key, seq)


def test_any_delivery_order_ends_in_the_latest_state(catalog: Api) -> None:
    """Every order of four events on one key, one notification each (a key per order):
    the state is that of the event with the greatest sequencer (a 70-byte object)."""
    t = catalog.tenant("a")
    keys = []
    for n, order in enumerate(itertools.permutations(range(4))):
        key = f"tenants/{t}/attachment/chat/{n}.png"
        keys.append(key)
        for i in order:
            receive(catalog, as_record(key, SEQUENCE[i]))
    assert objects(catalog, t) == dict.fromkeys(keys, 70)
    assert gauge(catalog, t) == 70 * 24


@pytest.mark.parametrize("latest", [0, 1])
def test_a_removal_newer_than_a_late_creation_wins(catalog: Api, latest: int) -> None:
    t = catalog.tenant("a")
    key = f"tenants/{t}/upload/x"
    events = [created(key, 10, "00B0"), removed(key, "00B1")]
    if latest:
        events.reverse()  # the removal arrives first, then the older creation
    receive(catalog, events[0])
    r = receive(catalog, events[1])
    assert objects(catalog, t) == {}
    assert r["stale"] == latest
    assert gauge(catalog, t) == 0


def test_many_records_in_one_call_latest_per_key(catalog: Api) -> None:
    t = catalog.tenant("a")
    a, b, c = (f"tenants/{t}/export/{n}.csv" for n in "abc")
    r = receive(
        catalog,
        created(a, 5, "0002"),
        created(a, 9, "0001"),  # older, same batch
        created(b, 7, "0010"),
        removed(b, "0011"),
        created(c, 3, "0100"),
        created(c, 3, "0100"),  # duplicate in the batch
    )
    assert (r["received"], r["applied"], r["stale"], r["duplicates"]) == (6, 3, 2, 1)
    assert objects(catalog, t) == {a: 5, c: 3}
    usage = {x["category"]: x for x in catalog.service("select * from api.storage_usage(%s)", t)}
    assert (usage["export"]["objects"], usage["export"]["bytes"]) == (2, 8)


def test_unattributed_ignored_and_invalid_records_are_counted_not_errors(
    catalog: Api,
) -> None:
    t = catalog.tenant("a")
    good = created(f"tenants/{t}/upload/ok", 1, "01")
    no_seq = created(f"tenants/{t}/upload/n", 1, "01")
    del no_seq["s3"]["object"]["sequencer"]
    bad_key = created(f"tenants/{t}/upload/b", 1, "01")
    bad_key["s3"]["object"]["key"] = "tenants/%FF"
    r = receive(
        catalog,
        good,
        created("misc/readme.txt", 5, "01"),  # outside the layout
        created(f"tenants/{t}/videos/a.mp4", 5, "01"),  # unknown category
        created("tenants/00000000-0000-0000-0000-000000000000/upload/a", 5, "01"),
        created(f"tenants/{t}/upload/other", 5, "01", bucket="another-bucket"),
        record("ObjectRestore:Completed", f"tenants/{t}/upload/ok", "02", 1),
        no_seq,
        bad_key,
        created(f"tenants/{t}/upload/s", 5, "not-hex"),
    )
    assert r == {
        "received": 9,
        "applied": 1,
        "duplicates": 0,
        "stale": 0,
        "unattributed": 3,
        "ignored": 2,
        "invalid": 3,
        "confirmed": 0,
        "oversized": 0,
    }
    assert objects(catalog, t) == {f"tenants/{t}/upload/ok": 1}


def test_without_a_bucket_every_bucket_counts_and_test_events_are_fine(catalog: Api) -> None:
    t = catalog.tenant("a")
    r = receive(catalog, created(f"tenants/{t}/upload/o", 5, "01", bucket="x-y"), bucket=None)
    assert r["applied"] == 1
    row = catalog.service(
        "select * from api.receive_s3_events(%s::jsonb)",
        Jsonb({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET}),
    )[0]
    assert row["received"] == 0
    for body in ({"Records": {}}, {"foo": 1}, [1]):
        with pytest.raises(psycopg.Error) as e:
            catalog.service("select * from api.receive_s3_events(%s::jsonb)", Jsonb(body))
        assert e.value.sqlstate == "RC021"


def test_a_pending_upload_is_confirmed_and_an_oversized_object_flagged(catalog: Api) -> None:
    t = catalog.tenant("a")
    catalog.set_clock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))  # events are at 10:00
    small = catalog.service("select * from api.create_upload(%s, 'upload', 100, 'a.txt')", t)[0][
        "object_key"
    ]
    big = catalog.service("select * from api.create_upload(%s, 'attachment', 100, 'b.png')", t)[0][
        "object_key"
    ]
    assert gauge(catalog, t) == 200
    r = receive(catalog, created(small, 100, "01"), created(big, 400, "01"))
    assert (r["applied"], r["confirmed"], r["oversized"]) == (2, 2, 1)
    assert gauge(catalog, t) == 500  # counted at the real size, beyond the declared one
    rows = catalog.admin(
        "select object_key, size_bytes, declared_bytes, oversized from api.storage_objects"
    )
    flagged = {
        r["object_key"]: (r["size_bytes"], r["declared_bytes"], r["oversized"]) for r in rows
    }
    assert flagged == {small: (100, 100, False), big: (400, 100, True)}
    assert catalog.scalar("select count(*) from core.storage_uploads") == 0
    # an event for an earlier version of a key (older than its pending upload by more
    # than 5 minutes) does not confirm the upload
    key = catalog.service("select * from api.create_upload(%s, 'upload', 10, 'c.txt')", t)[0][
        "object_key"
    ]
    r = receive(catalog, created(key, 50, "01", time="2026-11-27T08:50:00Z"))
    assert (r["applied"], r["confirmed"]) == (1, 0)
    assert gauge(catalog, t) == 550
    usage = {x["category"]: x for x in catalog.service("select * from api.storage_usage(%s)", t)}
    assert usage["attachment"]["oversized_objects"] == 1
    assert usage["upload"]["pending_objects"] == 1


def test_facts_pass_the_limit_start_grace_and_notify(catalog: Api) -> None:
    t = catalog.tenant("a")
    receive(catalog, created(f"tenants/{t}/backup/big", 1200, "01"))  # over 1000 + 10%
    e = catalog.entitlement(t, "storage_bytes")
    assert (e["used"], e["state"]) == (1200, "blocked")
    assert e["grace_until"] is not None
    thresholds = catalog.admin(
        "select threshold from api.notifications where tenant_id = %s order by 1", t
    )
    assert [x["threshold"] for x in thresholds] == [80, 95, 100]
    receive(catalog, removed(f"tenants/{t}/backup/big", "02"))
    e = catalog.entitlement(t, "storage_bytes")
    assert (e["used"], e["state"], e["grace_until"]) == (0, "ok", None)


def test_track_and_forget_keep_the_ordering_of_events(catalog: Api) -> None:
    """A removal reported by S3 is remembered; tracking the key again and a late, older
    removal event cannot undo the new object."""
    t = catalog.tenant("a")
    key = f"tenants/{t}/upload/k"
    receive(catalog, created(key, 10, "0A"), removed(key, "0B"))
    catalog.service("select * from api.track_object(%s, %s, 20)", t, key)
    r = receive(catalog, removed(key, "0A"))  # older than the removal already known
    assert r["stale"] == 1 and objects(catalog, t) == {key: 20}
    assert receive(catalog, created(key, 25, "0C"))["applied"] == 1
    assert objects(catalog, t) == {key: 25} and gauge(catalog, t) == 25
