"""Property: any delivery order of one subscription's events, with duplicates, ends in the
same state as in-order delivery (sql/internal/sync_billing_state.sql and apply_*)."""

from __future__ import annotations

from typing import Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from tests.sql.conftest import PRO_MONTHLY, Api, T
from tests.stripe_fixtures import event, invoice, subscription

STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("update"),
            st.sampled_from(["active", "past_due", "unpaid", "trialing"]),
            st.integers(1, 5),
            st.booleans(),
        ),
        st.tuples(st.just("paid"), st.integers(0, 2)),
        st.tuples(st.just("failed"), st.integers(0, 2)),
    ),
    min_size=1,
    max_size=8,
)


def build_events(tenant: str, steps: list[tuple]) -> list[dict[str, Any]]:
    """created, several updates, invoices paid and failed, and finally deleted."""
    events = [
        event(
            "evt_0",
            "customer.subscription.created",
            T,
            subscription("sub_Z", "cus_Z", PRO_MONTHLY, tenant_id=tenant),
        )
    ]
    for n, step in enumerate(steps, start=1):
        at = T + 100 * n
        if step[0] == "update":
            _, status, seats, addon = step
            extra = [("si_add", "price_more_members", 1)] if addon else []
            obj = subscription(
                "sub_Z",
                "cus_Z",
                PRO_MONTHLY,
                tenant_id=tenant,
                status=status,
                quantity=seats,
                extra_items=extra,
            )
            events.append(event(f"evt_{n}", "customer.subscription.updated", at, obj))
        else:
            kind, inv = step
            obj = invoice(
                f"in_Z{inv}",
                "cus_Z",
                "sub_Z",
                status="paid" if kind == "paid" else "open",
                amount_paid=4900 if kind == "paid" else 0,
                attempt_count=n,
            )
            type_ = "invoice.paid" if kind == "paid" else "invoice.payment_failed"
            events.append(event(f"evt_{n}", type_, at, obj))
    final = subscription(
        "sub_Z",
        "cus_Z",
        PRO_MONTHLY,
        tenant_id=tenant,
        status="canceled",
        cancel_reason="payment_failed",
    )
    events.append(
        event(
            f"evt_{len(steps) + 1}",
            "customer.subscription.deleted",
            T + 100 * (len(steps) + 1),
            final,
        )
    )
    return events


def state(conn: psycopg.Connection, tenant: str) -> tuple:
    def rows(q: str) -> list[tuple]:
        return conn.execute(q, (tenant,)).fetchall()

    return (
        rows(
            "select plan, status, seats, stripe_status, stripe_event_at, past_due_since,"
            " restricted, cancel_reason from core.subscriptions where tenant_id = %s"
        ),
        rows("select status, stripe_customer_id from core.tenants where tenant_id = %s"),
        rows(
            "select invoice_id, status, amount_paid, stripe_event_at from core.invoices"
            " where tenant_id = %s order by 1"
        ),
        rows(
            "select event_id, succeeded from core.payment_attempts where tenant_id = %s order by 1"
        ),
        rows("select addon, quantity, status from core.tenant_addons where tenant_id = %s"),
        rows(
            "select feature, base_enabled, base_limit, plan from core.entitlements"
            " where tenant_id = %s order by 1"
        ),
        rows(
            "select count(*) from core.notifications where tenant_id = %s"
            " and kind = 'payment_failed'"
        ),
    )


def deliver(conn: psycopg.Connection, events: list[dict[str, Any]], order: list[int]) -> None:
    for i in order:
        conn.execute("select api.receive_stripe_event(%s)", (Jsonb(events[i]),))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS, data=st.data())
def test_any_order_with_duplicates_ends_like_in_order(catalog: Api, steps, data) -> None:
    conn = catalog.conn
    catalog.admin("select api.set_plan_prices('pro', %s)", PRO_MONTHLY)
    catalog.admin("select api.set_addon_prices('more_members', 'price_more_members')")
    with conn.transaction(force_rollback=True):
        conn.execute("set local role ratecard_service")
        tenant = str(conn.execute("select api.create_tenant('z')").fetchone()[0])
        events = build_events(tenant, steps)
        deliver(conn, events, list(range(len(events))))
        conn.execute("reset role")
        expected = state(conn, tenant)
    order = data.draw(st.permutations(list(range(len(events)))))
    dups = data.draw(st.lists(st.sampled_from(range(len(events))), max_size=4))
    shuffled = list(order)
    for d in dups:
        shuffled.insert(data.draw(st.integers(0, len(shuffled))), d)
    with conn.transaction(force_rollback=True):
        conn.execute("set local role ratecard_service")
        other = str(conn.execute("select api.create_tenant('z')").fetchone()[0])
        deliver(conn, build_events(other, steps), shuffled)
        conn.execute("select api.retry_stripe_events()")
        conn.execute("reset role")
        got = state(conn, other)
    assert got == expected
