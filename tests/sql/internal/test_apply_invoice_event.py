"""Invoice history from invoice events (sql/internal/apply_invoice_event.sql)."""

from __future__ import annotations

import pytest

from tests.sql.conftest import Api, T, receive
from tests.stripe_fixtures import event, invoice


@pytest.mark.parametrize("order", [("created", "paid"), ("paid", "created")])
def test_events_of_the_same_second_keep_the_invoice_furthest_along(
    billing: Api, order: tuple[str, str]
) -> None:
    # A subscription's first invoice is created, finalized and paid within one second, and
    # Stripe delivers those events in any order: invoice.created (draft), applied after
    # invoice.payment_succeeded, must not turn the paid invoice back into a draft.
    t = billing.tenant()
    billing.conn.execute(
        "update core.tenants set stripe_customer_id = 'cus_S' where tenant_id = %s", (t,)
    )
    events = {
        "created": event(
            "evt_s1",
            "invoice.created",
            T,
            invoice("in_S1", "cus_S", "sub_S", status="draft", amount_paid=0),
        ),
        "paid": event("evt_s2", "invoice.payment_succeeded", T, invoice("in_S1", "cus_S", "sub_S")),
    }
    for name in order:
        assert receive(billing, events[name])["status"] == "applied"
    assert billing.admin("select status, amount_paid from api.invoices") == [
        {"status": "paid", "amount_paid": 4900}
    ]
    # A newer event still replaces the row, whatever its status.
    later = invoice("in_S1", "cus_S", "sub_S", status="void", amount_paid=0)
    assert receive(billing, event("evt_s3", "invoice.updated", T + 1, later))["status"] == (
        "applied"
    )
    assert billing.admin("select status from api.invoices") == [{"status": "void"}]
