"""An invoice event for a customer that another transaction is linking right now (a
subscription event with the tenant id in its metadata) waits for that link instead of
being parked as unknown_customer (sql/internal/apply_stripe_event.sql,
sql/internal/link_stripe_customer.sql)."""

from __future__ import annotations

import threading
import time

from psycopg.types.json import Jsonb

from tests.sql.conftest import PRO_MONTHLY, Api, T
from tests.stripe_fixtures import event, invoice, subscription


def test_invoice_waits_for_the_link_being_made(billing: Api, connect) -> None:
    t = billing.tenant()
    linking, other = connect(), connect()
    linking.autocommit = False
    linking.execute("set role ratecard_service")
    other.execute("set role ratecard_service")
    sub = subscription("sub_R", "cus_R", PRO_MONTHLY, tenant_id=str(t))
    linking.execute(
        "select api.receive_stripe_event(%s)",
        (Jsonb(event("evt_r1", "customer.subscription.created", T, sub)),),
    )  # linked, not committed yet
    paid = event("evt_r2", "invoice.paid", T + 1, invoice("in_R", "cus_R", "sub_R"))
    result: list[str] = []
    worker = threading.Thread(
        target=lambda: result.append(
            other.execute(
                "select status from api.receive_stripe_event(%s)", (Jsonb(paid),)
            ).fetchone()[0]
        )
    )
    worker.start()
    time.sleep(0.5)
    assert worker.is_alive()  # waiting for the customer lock
    linking.commit()
    worker.join(10)
    assert result == ["applied"]
    assert billing.admin("select invoice_id, status from core.invoices") == [
        {"invoice_id": "in_R", "status": "paid"}
    ]


def test_event_parked_first_is_applied_by_the_link(billing: Api, connect) -> None:
    t = billing.tenant()
    parking, linking = connect(), connect()
    parking.autocommit = False
    parking.execute("set role ratecard_service")
    linking.execute("set role ratecard_service")
    paid = event("evt_p2", "invoice.paid", T + 1, invoice("in_P", "cus_P", "sub_P"))
    status = parking.execute(
        "select status from api.receive_stripe_event(%s)", (Jsonb(paid),)
    ).fetchone()[0]
    assert status == "unknown_customer"  # holds the customer lock until commit
    sub = subscription("sub_P", "cus_P", PRO_MONTHLY, tenant_id=str(t))
    done: list[str] = []
    worker = threading.Thread(
        target=lambda: done.append(
            linking.execute(
                "select status from api.receive_stripe_event(%s)",
                (Jsonb(event("evt_p1", "customer.subscription.created", T, sub)),),
            ).fetchone()[0]
        )
    )
    worker.start()
    time.sleep(0.5)
    assert worker.is_alive()
    parking.commit()
    worker.join(10)
    assert done == ["applied"]
    assert billing.scalar("select status from core.stripe_events where event_id = 'evt_p2'") == (
        "applied"
    )


def test_sweep_does_not_wait_for_a_customer_lock(billing: Api, connect) -> None:
    billing.service(
        "select api.receive_stripe_event(%s)",
        Jsonb(event("evt_s2", "invoice.paid", T, invoice("in_S", "cus_S", "sub_S"))),
    )
    holder = connect()
    holder.autocommit = False
    holder.execute(
        "select pg_advisory_xact_lock(hashtextextended('ratecard.stripe_customer:cus_S', 0))"
    )
    billing.admin("select internal.set_clock(now() + interval '1 day')")
    started = time.monotonic()
    assert billing.service("select api.retry_stripe_events() as n")[0]["n"] == 0
    assert time.monotonic() - started < 2
    holder.rollback()
    assert billing.scalar("select status from core.stripe_events") == "unknown_customer"
