"""Stripe events under real concurrency: Stripe retries and redelivers, several API
processes receive at once, and the retry sweep and the trial step run beside them.
Each event takes effect once; the end state equals in-order delivery; nothing deadlocks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.types.json import Jsonb

from tests.sql.api.test_concurrency import race
from tests.sql.api.test_stripe_permutations import build_events, deliver, state
from tests.sql.conftest import PRO_MONTHLY, Api, T
from tests.stripe_fixtures import event, invoice, subscription

STEPS = [
    ("update", "active", 2, True),
    ("failed", 0),
    ("update", "past_due", 2, True),
    ("failed", 0),
    ("paid", 0),
    ("update", "active", 3, False),
    ("paid", 1),
    ("failed", 2),
    ("update", "unpaid", 3, True),
]


def test_one_event_received_by_many_processes_takes_effect_once(billing: Api, connect) -> None:
    t = billing.tenant()
    sub = subscription("sub_C", "cus_C", PRO_MONTHLY, tenant_id=str(t))
    billing.service(
        "select * from api.receive_stripe_event(%s)",
        Jsonb(event("evt_c0", "customer.subscription.created", T, sub)),
    )
    failed = event(
        "evt_c1",
        "invoice.payment_failed",
        T + 10,
        invoice("in_C", "cus_C", "sub_C", status="open", amount_paid=0),
    )

    def work(conn: psycopg.Connection, i: int) -> list[bool]:
        row = conn.execute(
            "select duplicate from api.receive_stripe_event(%s)", (Jsonb(failed),)
        ).fetchone()
        return [row[0]]

    assert sorted(race(connect, work)) == [False] + [True] * 15
    assert billing.scalar("select count(*) from core.payment_attempts") == 1
    assert (
        billing.scalar("select count(*) from core.notifications where kind = 'payment_failed'") == 1
    )
    assert billing.scalar("select attempts from core.stripe_events where event_id = 'evt_c1'") == 1


def test_concurrent_out_of_order_delivery_ends_like_in_order(billing: Api, connect) -> None:
    conn = billing.conn
    with conn.transaction(force_rollback=True):
        conn.execute("set local role ratecard_service")
        tenant = str(conn.execute("select api.create_tenant('z')").fetchone()[0])
        events = build_events(tenant, STEPS)
        deliver(conn, events, list(range(len(events))))
        conn.execute("reset role")
        expected = state(conn, tenant)

    other = str(billing.tenant("z"))
    events = build_events(other, STEPS)
    copies = [e for e in events for _ in range(3)]  # every event delivered three times
    random.Random(7).shuffle(copies)
    workers = 8

    def work(c: psycopg.Connection, i: int) -> list[str]:
        out = []
        for ev in copies[i::workers]:
            out.append(
                c.execute(
                    "select status from api.receive_stripe_event(%s)", (Jsonb(ev),)
                ).fetchone()[0]
            )
            if random.random() < 0.3:
                c.execute("select api.retry_stripe_events()")
        return out

    race(connect, work, workers=workers)
    # whatever waited or failed under the race is applied by the sweep
    billing.set_clock(datetime.now(UTC) + timedelta(days=1))
    billing.service("select api.retry_stripe_events()")
    assert (
        billing.scalar(
            "select count(*) from core.stripe_events where status not in ('applied', 'stale')"
        )
        == 0
    )
    assert state(conn, other) == expected


def test_trial_step_beside_event_delivery_does_not_deadlock(billing: Api, connect) -> None:
    tenants = [billing.tenant(f"t{i}") for i in range(8)]
    trial_end = T + 86400
    for n, t in enumerate(tenants):
        sub = subscription(
            f"sub_TD{n}",
            f"cus_TD{n}",
            PRO_MONTHLY,
            tenant_id=str(t),
            status="trialing",
            trial_end=trial_end,
        )
        billing.service(
            "select * from api.receive_stripe_event(%s)",
            Jsonb(event(f"evt_td{n}", "customer.subscription.created", T, sub)),
        )
    billing.set_clock(datetime.fromtimestamp(trial_end, UTC) + timedelta(hours=2))

    def work(c: psycopg.Connection, i: int) -> list[int]:
        if i % 2 == 0:
            c.execute("set role ratecard_admin")
            return [c.execute("select api.expire_trials()").fetchone()[0] for _ in range(5)]
        out = []
        for n in range(len(tenants)):
            sub = subscription(
                f"sub_TD{n}",
                f"cus_TD{n}",
                PRO_MONTHLY,
                tenant_id=str(tenants[n]),
                status="trialing",
                trial_end=trial_end,
            )
            ev = event(f"evt_td{n}_{i}", "customer.subscription.updated", T + i, sub)
            c.execute("select api.receive_stripe_event(%s)", (Jsonb(ev),))
            out.append(0)
        return out

    lapsed = race(connect, work, workers=6)
    assert sum(lapsed) == len(tenants)  # each trial lapsed once
    assert billing.scalar(
        "select count(*) from core.subscriptions where status = 'canceled'"
    ) == len(tenants)
    assert billing.scalar("select count(*) from core.notifications where kind = 'trial_ended'") == (
        len(tenants)
    )
