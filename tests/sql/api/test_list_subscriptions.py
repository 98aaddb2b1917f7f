"""api.list_subscriptions and api.list_stripe_events (sql/api/list_subscriptions.sql,
list_stripe_events.sql): the admin lists' filters, in SQL."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.conftest import Api


def test_filter_by_status_and_limit(catalog: Api) -> None:
    a, b = catalog.tenant(plan="pro"), catalog.tenant(plan="pro")
    catalog.admin("select api.set_tenant_status(%s, 'suspended')", a)
    rows = catalog.admin("select tenant_id, status from api.list_subscriptions()")
    assert {r["tenant_id"] for r in rows} == {a, b}
    assert [r["tenant_id"] for r in rows] == sorted(r["tenant_id"] for r in rows)
    assert len(catalog.admin("select * from api.list_subscriptions(null, 1)")) == 1
    assert catalog.admin("select * from api.list_subscriptions('canceled')") == []
    assert len(catalog.admin("select * from api.list_subscriptions('active')")) == 2


@pytest.mark.parametrize(
    "call",
    [
        "select * from api.list_subscriptions('gone')",
        "select * from api.list_subscriptions(null, 0)",
        "select * from api.list_subscriptions(null, 1001)",
        "select * from api.list_stripe_events('gone')",
        "select * from api.list_stripe_events(null, 0)",
    ],
)
def test_bad_filters_are_rc005(catalog: Api, sqlstate, call: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        catalog.admin(call)
    assert sqlstate(info) == "RC005"


def test_stripe_events_newest_first(catalog: Api) -> None:
    from psycopg.types.json import Jsonb

    for i in (1, 2):
        catalog.service(
            "select * from api.receive_stripe_event(%s::jsonb)",
            Jsonb({"id": f"evt_{i}", "type": "x.y", "created": i, "data": {"object": {}}}),
        )
    rows = catalog.admin("select event_id from api.list_stripe_events('ignored')")
    assert [r["event_id"] for r in rows] == ["evt_2", "evt_1"]
    assert catalog.admin("select * from api.list_stripe_events('failed')") == []
