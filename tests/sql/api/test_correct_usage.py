"""api.correct_usage: a signed correction in the ledger and the meter, once per key, never
below zero, billed when the feature is."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import Api


def correct(api: Api, t, feature: str, amount: int, key: str | None, reason: str = "r") -> dict:
    return api.admin(
        "select * from api.correct_usage(%s, %s, %s, %s, %s)", t, feature, amount, reason, key
    )[0]


def test_a_correction_is_a_ledger_row_and_a_meter_change(catalog: Api) -> None:
    t = catalog.tenant(plan="pro")
    catalog.consume(t, "tokens", 800, "a")
    out = correct(catalog, t, "tokens", -300, "k1", "batch counted twice")
    assert (out["duplicate"], out["used"], out["billed"]) == (False, 500, True)
    assert catalog.entitlement(t, "tokens")["used"] == 500
    row = catalog.admin(
        "select amount, billed, properties from core.usage_events"
        " where tenant_id = %s and idempotency_key = 'k1'",
        t,
    )[0]
    assert row == {
        "amount": -300,
        "billed": True,
        "properties": {"correction": True, "reason": "batch counted twice"},
    }
    again = correct(catalog, t, "tokens", -300, "k1")
    assert (again["duplicate"], again["used"], again["resets_at"]) == (
        True,
        500,
        out["resets_at"],
    )
    assert catalog.entitlement(t, "tokens")["used"] == 500  # once
    up = correct(catalog, t, "calls", 7, "k2")  # unbilled feature, positive, no meter yet
    assert (up["used"], up["billed"]) == (7, False)


@pytest.mark.parametrize(
    ("feature", "amount", "key", "reason", "state"),
    [
        ("tokens", -801, "k", "r", "RC036"),
        ("tokens", 0, "k", "r", "RC004"),
        ("tokens", 1, None, "r", "RC019"),
        ("tokens", 1, "has space", "r", "RC019"),
        ("tokens", 1, "k", "", "RC005"),
        ("tokens", 1, "k", "x" * 501, "RC005"),
        ("members", 1, "k", "r", "RC009"),
        ("hourly", 1, "k", "r", "RC009"),
        ("nope", 1, "k", "r", "RC002"),
        ("tokens", 1, "used", "r", "RC006"),  # the key of a consume
    ],
)
def test_refused_corrections_change_nothing(
    catalog: Api, sqlstate, feature: str, amount: int, key: str | None, reason: str, state: str
) -> None:
    t = catalog.tenant(plan="pro")
    catalog.consume(t, "tokens", 800, "used")
    before = catalog.scalar("select count(*) from core.usage_events")
    with pytest.raises(psycopg.Error) as info:
        correct(catalog, t, feature, amount, key, reason)
    assert sqlstate(info) == state
    assert catalog.scalar("select count(*) from core.usage_events") == before
    assert catalog.entitlement(t, "tokens")["used"] == 800


def test_only_administrators_correct(catalog: Api) -> None:
    t = catalog.tenant(plan="pro")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        catalog.service("select * from api.correct_usage(%s, 'tokens', 1, 'r', 'k')", t)


def test_a_correction_racing_the_periods_first_usage_counts_both(
    catalog: Api, connect: Callable[..., psycopg.Connection]
) -> None:
    """The period's first consume has created the meter row but not committed: the
    correction waits for it and adds to it, rather than writing its own total over it."""
    t = catalog.tenant(plan="pro")
    first = connect(autocommit=False)
    first.execute("select * from api.consume(%s, 'tokens', 800, 'first')", (t,))
    late = connect()
    pid = late.info.backend_pid
    out: dict[str, Any] = {}

    def run() -> None:
        sql = "select used from api.correct_usage(%s, 'tokens', 5, 'late', 'k-race')"
        out["used"] = late.execute(sql, (t,)).fetchone()[0]

    worker = threading.Thread(target=run)
    worker.start()
    watch = connect()
    for _ in range(200):  # until the correction waits on the uncommitted meter row
        waiting = watch.execute(
            "select wait_event_type = 'Lock' from pg_stat_activity where pid = %s", (pid,)
        ).fetchone()
        if waiting and waiting[0]:
            break
        time.sleep(0.01)
    else:
        pytest.fail("the correction did not wait for the uncommitted consume")
    first.commit()
    worker.join(10)
    assert out == {"used": 805}
    assert catalog.entitlement(t, "tokens")["used"] == 805
