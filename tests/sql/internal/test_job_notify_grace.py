"""internal.job_notify_grace (the notify_grace job): grace_ending a day before a soft
limit's grace ends and grace_ended after it, each once per time over the limit, only while
usage is still past the limit; run as pg_cron runs it, with the clock moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.sql.conftest import Api

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def run(db: psycopg.Connection, args: str = "{}") -> dict:
    db.execute("call api.run_job('notify_grace', %s::jsonb)", (args,))
    status, result = db.execute(
        "select status, result from api.job_runs where job = 'notify_grace'"
        " order by id desc limit 1"
    ).fetchone()
    assert status == "succeeded"
    return result


def grace_notes(db: psycopg.Connection, tenant: object) -> list[tuple[str, dict]]:
    return db.execute(
        "select kind, payload - 'dedupe' from core.notifications"
        " where tenant_id = %s and kind like 'grace%%' order by notification_id",
        (tenant,),
    ).fetchall()


def store(api: Api, tenant: object, key: str, size: int) -> dict:
    return api.service(
        "select * from api.track_object(%s::uuid, %s::text, %s::bigint, 'upload')",
        tenant,
        key,
        size,
    )[0]


@pytest.fixture
def over(catalog: Api) -> tuple[Api, object]:
    """A tenant of the free plan 50 bytes past its soft storage limit (1,000 bytes, 10%
    buffer, 7 days of grace) since T0."""
    catalog.set_clock(T0)
    t = catalog.tenant("over")
    store(catalog, t, "a.bin", 1050)
    return catalog, t


def test_ending_then_ended_once_each(over: tuple[Api, object]) -> None:
    api, t = over
    db = api.conn
    api.set_clock(T0 + timedelta(days=5))
    assert run(db) == {"ending": 0, "ended": 0}  # more than a day left
    api.set_clock(T0 + timedelta(days=6, hours=1))
    assert run(db) == {"ending": 1, "ended": 0}
    assert run(db) == {"ending": 0, "ended": 0}  # once
    kind, data = grace_notes(db, t)[0]
    assert kind == "grace_ending"
    assert data["feature"] == "storage_bytes"
    assert (data["used"], data["limit"], data["allowed_up_to"]) == (1050, 1000, 1100)
    assert datetime.fromisoformat(data["grace_until"]) == T0 + timedelta(days=7)
    assert data["resets_at"] is None and data["plan"] == "free"
    api.set_clock(T0 + timedelta(days=7, minutes=10))
    assert run(db) == {"ending": 0, "ended": 1}
    assert run(db) == {"ending": 0, "ended": 0}
    assert [k for k, _ in grace_notes(db, t)] == ["grace_ending", "grace_ended"]
    # the webhook and email body of the notice carries names beside codes
    event = db.execute(
        "select internal.notification_event(tenant_id, notification_id) from core.notifications"
        " where tenant_id = %s and kind = 'grace_ended'",
        (t,),
    ).fetchone()[0]
    assert event["type"] == "grace_ended" and event["data"]["plan_name"] == "Free"
    assert "dedupe" not in event["data"]


def test_back_under_the_limit_gets_nothing_and_a_new_time_over_starts_again(
    over: tuple[Api, object],
) -> None:
    api, t = over
    db = api.conn
    api.set_clock(T0 + timedelta(days=6, hours=1))
    assert run(db)["ending"] == 1
    store(api, t, "a.bin", 900)  # back under the limit: over_since is cleared
    api.set_clock(T0 + timedelta(days=7, hours=1))
    assert run(db) == {"ending": 0, "ended": 0}
    store(api, t, "a.bin", 1050)  # over again: a new grace period from now
    again = T0 + timedelta(days=7, hours=1)
    api.set_clock(again + timedelta(days=6, hours=2))
    assert run(db) == {"ending": 1, "ended": 0}
    assert [k for k, _ in grace_notes(db, t)] == ["grace_ending", "grace_ending"]


def test_the_warning_window_is_an_argument(over: tuple[Api, object]) -> None:
    api, _ = over
    db = api.conn
    api.set_clock(T0 + timedelta(days=4))
    assert run(db) == {"ending": 0, "ended": 0}
    assert run(db, '{"warn_before": "3 days 1 hour"}') == {"ending": 1, "ended": 0}
    with pytest.raises(psycopg.Error, match="warn_before"):
        db.execute('select internal.job_notify_grace(\'{"warn_before": "-1 hour"}\')')
