"""api.tenant_detail and api.admin_tenant (sql/api/tenant_detail.sql, admin_tenant.sql):
one tenant for administrators in one call."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.api.test_billing_commands import subscribed
from tests.sql.conftest import Api


def test_everything_about_a_tenant(billing: Api) -> None:
    t = subscribed(billing, seats=2)
    billing.consume(t, "calls", 150)
    billing.admin("select api.set_override(%s, 'members', 50)", t)
    billing.admin("select api.grant_addon(%s, 'more_members')", t)
    billing.service("select * from api.track_object(%s, 'a/b.png', 300, 'upload')", t)
    doc = billing.admin("select api.tenant_detail(%s) as d", t)[0]["d"]
    assert set(doc) == {
        "tenant",
        "subscription",
        "plan",
        "usage",
        "overrides",
        "addons",
        "storage",
        "invoices",
        "stripe_events",
    }
    assert doc["tenant"]["stripe_customer_id"] == f"cus_{t.hex[:8]}"
    assert (doc["subscription"]["plan"], doc["subscription"]["seats"]) == ("pro", 2)
    assert doc["plan"] == {"code": "pro", "name": "Pro"}
    calls = next(u for u in doc["usage"] if u["feature"] == "calls")
    assert (calls["used"], calls["limit"], calls["level"]) == (150, 200, "high")
    members = next(u for u in doc["usage"] if u["feature"] == "members")
    assert (members["limit"], members["source"]) == (50, "override")
    assert [o["feature"] for o in doc["overrides"]] == ["members"]
    assert [(a["addon"], a["quantity"]) for a in doc["addons"]] == [("more_members", 1)]
    assert {s["category"]: s["bytes"] for s in doc["storage"]}["upload"] == 300
    assert [e["type"] for e in doc["stripe_events"]] == ["customer.subscription.created"]
    page = billing.admin("select api.admin_tenant(%s) as d", t)[0]["d"]
    assert [p["code"] for p in page["plans"]] == ["free", "pro"]
    assert page["addons_available"] == [{"code": "more_members", "name": "Five more members"}]


def test_a_tenant_on_the_default_plan(catalog: Api) -> None:
    t = catalog.tenant()
    doc = catalog.admin("select api.tenant_detail(%s) as d", t)[0]["d"]
    assert (doc["subscription"], doc["plan"]["code"]) == (None, "free")


def test_unknown_tenant_and_roles(catalog: Api) -> None:
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.tenant_detail('00000000-0000-0000-0000-000000000000')")
    assert info.value.sqlstate == "RC001"
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        catalog.service("select api.tenant_detail(%s)", catalog.tenant())
