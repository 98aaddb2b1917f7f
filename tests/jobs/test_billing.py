"""jobs/billing.py: due plan changes sent to Stripe once per schedule; the retry sweep job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from jobs import billing
from ratecard import stripe_gateway as gw
from tests.fake_stripe import FakeStripe
from tests.sql.conftest import CATALOG_SQL, PRO_MONTHLY, Api, T, receive
from tests.stripe_fixtures import event, subscription


def test_due_downgrade_is_sent_without_proration(db: psycopg.Connection) -> None:
    api = Api(db)
    api.admin(CATALOG_SQL)
    api.admin("select api.set_plan_prices('pro', %s)", PRO_MONTHLY)
    api.admin("select api.define_plan('lite', 'Lite', 900)")
    api.admin("select api.set_plan_prices('lite', 'price_lite_m')")
    api.set_clock(datetime(2026, 1, 10, tzinfo=UTC))
    t = api.tenant()
    receive(
        api,
        event(
            "evt_1",
            "customer.subscription.created",
            T,
            subscription("sub_W", "cus_W", PRO_MONTHLY, quantity=2, tenant_id=str(t)),
        ),
    )
    api.service("select * from api.request_plan_change(%s::uuid, 'lite')", t)
    with FakeStripe() as fake:
        client = gw.make_client(gw.StripeSettings(secret_key="sk_test", api_base=fake.url))
        assert billing.make_due_plan_changes(db, client) == (0, 0)  # not due yet
        api.set_clock(datetime(2026, 2, 1, 0, 1, tzinfo=UTC))
        assert billing.make_due_plan_changes(db, client) == (1, 0)
        # repeated until Stripe's event
        assert billing.make_due_plan_changes(db, client) == (1, 0)
        reqs = fake.find("POST", "/v1/subscriptions/sub_W")
        assert len(reqs) == 2
        assert {r.headers["Idempotency-Key"] for r in reqs} == {
            "plan-change:sub_W:price_lite_m:1769904000"
        }
        p = reqs[0].params
        assert (p["items[0][price]"], p["items[0][quantity]"], p["proration_behavior"]) == (
            "price_lite_m",
            "2",
            "none",
        )
        receive(
            api,
            event(
                "evt_2",
                "customer.subscription.updated",
                T + 3_000_000,
                subscription("sub_W", "cus_W", "price_lite_m", quantity=2, tenant_id=str(t)),
            ),
        )
        assert billing.make_due_plan_changes(db, client) == (0, 0)
    assert api.entitlement(t, "calls")["limit"] == 0  # lite has no calls limit row: disabled


def _retry_sweep(db: psycopg.Connection) -> int:
    db.execute("call api.run_job('retry_stripe_events')")
    return db.execute(
        "select (result->>'applied')::int from api.job_runs where job = 'retry_stripe_events'"
        " order by id desc limit 1"
    ).fetchone()[0]


def test_retry_sweep_job_applies_waiting_events(db: psycopg.Connection) -> None:
    api = Api(db)
    api.admin(CATALOG_SQL)
    api.admin("select api.set_plan_prices('pro', %s)", PRO_MONTHLY)
    t = api.tenant()
    assert receive(
        api,
        event(
            "evt_w", "customer.subscription.created", T, subscription("sub_V", "cus_V", PRO_MONTHLY)
        ),
    )["status"] == ("unknown_customer")
    db.execute("update core.tenants set stripe_customer_id = 'cus_V' where tenant_id = %s", (t,))
    assert _retry_sweep(db) == 0  # backing off
    api.set_clock(api.scalar("select internal.now()") + timedelta(minutes=1, seconds=1))
    assert _retry_sweep(db) == 1
    assert api.entitlement(t, "calls")["limit"] == 100


def test_sync_stripe_status_heals_a_lost_webhook(db: psycopg.Connection) -> None:
    api = Api(db)
    api.admin(CATALOG_SQL)
    api.admin("select api.set_plan_prices('pro', %s)", PRO_MONTHLY)
    api.set_clock(datetime(2026, 1, 10, tzinfo=UTC))
    t, gone = api.tenant("healed"), api.tenant("gone")
    for tenant, sub, cus in ((t, "sub_H", "cus_H"), (gone, "sub_G", "cus_G")):
        receive(
            api,
            event(
                f"evt_{sub}",
                "customer.subscription.created",
                T,
                subscription(sub, cus, PRO_MONTHLY, quantity=2, tenant_id=str(tenant)),
            ),
        )
    with FakeStripe() as fake:
        # the customer.subscription.updated that said past_due never arrived
        fake.forced["GET /v1/subscriptions/sub_H"] = (
            200,
            subscription(
                "sub_H", "cus_H", PRO_MONTHLY, quantity=3, status="past_due", tenant_id=str(t)
            ),
        )
        fake.forced["GET /v1/subscriptions/sub_G"] = (
            404,
            {"error": {"type": "invalid_request_error", "code": "resource_missing"}},
        )
        client = gw.make_client(gw.StripeSettings(secret_key="sk_test", api_base=fake.url))
        done = billing.sync_stripe_status(db, client, page=1)
    assert done == {"applied": 1, "stale": 0, "missing": 1, "failed": 0}
    row = db.execute(
        "select status, seats from core.subscriptions where tenant_id = %s", (t,)
    ).fetchone()
    assert row == ("past_due", 3)
    # a webhook event created before the sync, delivered after it, is stale
    late = receive(
        api,
        event(
            "evt_late",
            "customer.subscription.updated",
            T + 60,
            subscription("sub_H", "cus_H", PRO_MONTHLY, quantity=2, tenant_id=str(t)),
        ),
    )
    assert late["status"] == "stale"
