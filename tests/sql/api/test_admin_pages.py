"""The admin pages' documents (sql/api/admin_overview.sql, admin_subscriptions.sql,
admin_plans.sql, admin_plan.sql, admin_stripe_events.sql, admin_jobs.sql,
admin_capacity.sql): one call per page, with what each page shows."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.sql.api.test_billing_commands import subscribed
from tests.sql.conftest import Api, receive
from tests.stripe_fixtures import event, subscription

NOW = datetime(2026, 6, 15, tzinfo=UTC)


def doc(api: Api, query: str, *params) -> dict:
    return api.admin(f"select {query} as d", *params)[0]["d"]


def test_overview(catalog: Api) -> None:
    catalog.set_clock(datetime(2026, 1, 15, tzinfo=UTC))
    catalog.tenant("a", plan="pro")
    catalog.set_clock(NOW)
    b = catalog.tenant("b", plan="pro")
    catalog.admin("select api.assign_plan(%s, 'pro', 3)", b)
    o = doc(catalog, "api.admin_overview()")
    assert o["currency"] == "usd"
    assert o["kpis"]["mrr_cents"] == 4900 * 4 and o["kpis"]["paying_customers"] == 2
    months = o["months"]
    assert len(months) == 12 and months[-1]["month"] == "2026-06-01"
    assert months[-1]["mrr_cents"] == 4900 * 4
    assert months[0]["month"] == "2025-07-01" and months[0]["mrr_cents"] == 0
    jan = next(m for m in months if m["month"] == "2026-01-01")
    assert (jan["mrr_cents"], jan["new_cents"]) == (4900, 4900)
    assert months[-1]["new_cents"] == 4900 * 3
    assert o["stats"]["total_tenants"] == 2
    assert o["attention"]["stripe_events_waiting"] == 0
    with pytest.raises(psycopg.Error) as info:
        doc(catalog, "api.admin_overview('USD')")
    assert info.value.sqlstate == "RC005"


def test_subscriptions_filters_search_and_counts(billing: Api) -> None:
    billing.tenant("Acme Corp")
    billing.tenant("Globex", plan="pro")
    paid = subscribed(billing)
    s = doc(billing, "api.admin_subscriptions()")
    assert s["total"] == 3
    assert {x["status"]: x["count"] for x in s["statuses"]} == {"none": 1, "active": 2}
    assert {x["plan"]: x["count"] for x in s["plans"]} == {"free": 1, "pro": 2}
    s = doc(billing, "api.admin_subscriptions('none')")
    assert [r["name"] for r in s["rows"]] == ["Acme Corp"]
    assert s["rows"][0]["plan"] == "free"
    s = doc(billing, "api.admin_subscriptions(null, 'pro', 'glob')")
    assert [r["name"] for r in s["rows"]] == ["Globex"]
    s = doc(billing, "api.admin_subscriptions(null, null, %s)", str(paid)[:8])
    assert [r["tenant_id"] for r in s["rows"]] == [str(paid)]
    s = doc(billing, "api.admin_subscriptions(null, null, null, 1, 1)")
    assert (s["total"], len(s["rows"])) == (3, 1)
    for args in (("gold", None, None, 50, 0), (None, None, None, 0, 0), (None, None, None, 50, -1)):
        with pytest.raises(psycopg.Error) as info:
            doc(billing, "api.admin_subscriptions(%s, %s, %s, %s, %s)", *args)
        assert info.value.sqlstate == "RC005"


def test_plans_and_the_plan_editor(catalog: Api) -> None:
    catalog.tenant("a")
    catalog.tenant("b", plan="pro")
    catalog.admin("select api.define_feature('sso', 'switch', p_category => 'security')")
    p = doc(catalog, "api.admin_plans()")
    assert {x["code"]: x["tenants"] for x in p["plans"]} == {"free": 1, "pro": 1}
    assert {x["category"] for x in p["catalog"]} == {"general", "security"}
    e = doc(catalog, "api.admin_plan('pro')")
    assert e["plan"]["code"] == "pro" and e["tenants"] == 1
    security = next(c for c in e["categories"] if c["category"] == "security")
    assert security["features"][0]["limit"]["enabled"] is True
    catalog.admin(
        "select * from api.replace_plan_limits('pro', %s)",
        Jsonb([{"feature": "calls", "limit": 1}]),
    )
    e = doc(catalog, "api.admin_plan('pro')")
    by_code = {f["code"]: f for c in e["categories"] for f in c["features"]}
    assert by_code["calls"]["limit"]["limit"] == 1 and by_code["sso"]["limit"] is None
    with pytest.raises(psycopg.Error) as info:
        doc(catalog, "api.admin_plan('gold')")
    assert info.value.sqlstate == "RC003"


def test_stripe_events_needing_attention(billing: Api) -> None:
    orphan = subscription("sub_orphan", "cus_nobody", "price_pro_monthly")
    receive(billing, event("evt_orphan", "customer.subscription.created", 1_767_225_600, orphan))
    subscribed(billing)
    e = doc(billing, "api.admin_stripe_events()")
    assert [x["event_id"] for x in e["events"]] == ["evt_orphan"]
    assert e["counts"] == {"unknown_customer": 1, "applied": 1}
    e = doc(billing, "api.admin_stripe_events('applied')")
    assert e["events"][0]["tenant_name"] == "t"
    with pytest.raises(psycopg.Error) as info:
        doc(billing, "api.admin_stripe_events('lost')")
    assert info.value.sqlstate == "RC005"


def test_jobs_and_capacity(billing: Api) -> None:
    billing.set_clock(NOW)
    j = doc(billing, "api.admin_jobs()")
    assert (j["plan_changes"], j["addon_removals"], j["dunning"], j["trials"]) == ([], [], 0, 0)
    names = {x["name"] for x in j["jobs"]}
    assert {"expire_trials", "capture_capacity_snapshot"} <= names
    billing.admin("select api.enqueue_job('expire_trials')")
    j = doc(billing, "api.admin_jobs()")
    assert j["runs"][0]["job"] == "expire_trials" and j["runs"][0]["status"] == "queued"
    assert next(x for x in j["jobs"] if x["name"] == "expire_trials")["queued"] == 1
    billing.admin("select * from api.capture_capacity_snapshot()")
    c = doc(billing, "api.admin_capacity()")
    assert c["status"] in ("ok", "warning", "critical")
    assert [s["date"] for s in c["snapshots"]] == ["2026-06-15"]
    assert doc(billing, "api.admin_jobs()")["snapshot"] == "2026-06-15"
