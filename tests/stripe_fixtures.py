"""Stripe objects and events for tests, built from Stripe's canonical fixtures
(tests/fixtures/stripe/fixtures3.json, from the stripe/openapi repository)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES_PATH = Path(__file__).parent / "fixtures" / "stripe" / "fixtures3.json"


@cache
def _resources() -> dict[str, Any]:
    return json.loads(FIXTURES_PATH.read_text())["resources"]


def fixture(name: str) -> dict[str, Any]:
    return copy.deepcopy(_resources()[name])


def subscription(
    sub_id: str,
    customer: str,
    price: str,
    *,
    quantity: int = 1,
    status: str = "active",
    period_start: int = 1_767_225_600,  # 2026-01-01
    period_end: int = 1_769_904_000,  # 2026-02-01
    tenant_id: str | None = None,
    cancel_at_period_end: bool = False,
    cancel_reason: str | None = None,
    trial_end: int | None = None,
    interval: str = "month",
    extra_items: list[tuple[str, str, int]] = (),  # type: ignore[assignment]
    unit_amount: int | None = None,
    payment_method: str | None = None,
) -> dict[str, Any]:
    sub = fixture("subscription")
    template = sub["items"]["data"][0]
    items = []
    for item_id, item_price, qty in [(f"si_{sub_id[4:]}", price, quantity), *extra_items]:
        item = copy.deepcopy(template)
        item.update(
            id=item_id,
            quantity=qty,
            subscription=sub_id,
            current_period_start=period_start,
            current_period_end=period_end,
        )
        item["price"].update(id=item_price)
        if unit_amount is not None and item_id == f"si_{sub_id[4:]}":
            item["price"]["unit_amount"] = unit_amount
        item["price"]["recurring"]["interval"] = interval
        items.append(item)
    sub.update(
        id=sub_id,
        customer=customer,
        status=status,
        cancel_at_period_end=cancel_at_period_end,
        trial_end=trial_end,
        metadata={"tenant_id": tenant_id} if tenant_id else {},
        canceled_at=None,
        ended_at=None,
        cancel_at=None,
        default_payment_method=payment_method,
    )
    sub["items"]["data"] = items
    sub["items"]["url"] = f"/v1/subscription_items?subscription={sub_id}"
    sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": cancel_reason}
    return sub


def invoice(
    invoice_id: str,
    customer: str,
    subscription_id: str,
    *,
    status: str = "paid",
    amount_due: int = 4900,
    amount_paid: int = 4900,
    attempt_count: int = 1,
) -> dict[str, Any]:
    inv = fixture("invoice")
    inv.update(
        id=invoice_id,
        customer=customer,
        status=status,
        amount_due=amount_due,
        amount_paid=amount_paid,
        amount_remaining=amount_due - amount_paid,
        total=amount_due,
        attempt_count=attempt_count,
        number=f"RC-{invoice_id[-6:]}",
        hosted_invoice_url=f"https://invoice.stripe.com/i/{invoice_id}",
        invoice_pdf=f"https://pay.stripe.com/invoice/{invoice_id}/pdf",
    )
    inv["parent"] = {
        "quote_details": None,
        "subscription_details": {"metadata": None, "subscription": subscription_id},
        "type": "subscription_details",
    }
    return inv


def checkout_session(
    session_id: str, customer: str, subscription_id: str, tenant_id: str, plan: str
) -> dict[str, Any]:
    cs = fixture("checkout.session")
    cs.update(
        id=session_id,
        customer=customer,
        subscription=subscription_id,
        mode="subscription",
        client_reference_id=tenant_id,
        metadata={"tenant_id": tenant_id, "plan": plan},
        status="complete",
        payment_status="paid",
    )
    return cs


def event(event_id: str, type_: str, created: int, obj: dict[str, Any]) -> dict[str, Any]:
    ev = fixture("event")
    ev.update(id=event_id, type=type_, created=created, livemode=False, api_version="2026-10-28")
    ev["data"] = {"object": obj}
    return ev
