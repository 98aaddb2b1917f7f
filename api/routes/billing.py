"""Tenant billing API (tenant keys): subscription, plans, usage, invoices, and the
commands that go through Stripe (checkout, portal, plan changes, seats, add-ons, cancel,
reactivate).

Reads run as ratecard_tenant, confined by RLS. A command first makes its one SQL call
(running as ratecard_service for the key's own tenant), which checks the request and
returns what Stripe needs; then it calls Stripe. Stripe's answer reaches the database as a
webhook event, applied by api.receive_stripe_event. Without STRIPE_SECRET_KEY the Stripe
routes answer 503 payment_system_not_configured and everything else keeps working.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Router, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api import queries as q
from api.auth import Principal, tenant_guard
from api.db import fetch, fetch_one
from api.openapi import STRIPE, errors
from api.stripe_calls import call_stripe, stripe_client
from api.validation import Int, Strict, documented
from ratecard import stripe_gateway as gw
from ratecard.sqlcall import one

Interval = Annotated[str, documented({"enum": ["month", "year"]})]


class CheckoutBody(msgspec.Struct, forbid_unknown_fields=True):
    plan: str
    interval: Interval = "month"
    seats: Int = 1


class ChangePlanBody(msgspec.Struct, forbid_unknown_fields=True):
    plan: str
    interval: Interval | None = None


class SeatsBody(msgspec.Struct, forbid_unknown_fields=True):
    seats: Int


class AddonBody(msgspec.Struct, forbid_unknown_fields=True):
    addon: str
    quantity: Int = 1


def _tenant(principal: Principal) -> str:
    """The key's own tenant (the router's tenant_guard already refused other keys)."""
    return str(principal.tenant_id)


async def _service(state: State, query: str, params: tuple[Any, ...]) -> dict[str, Any]:
    """A billing command's one SQL call: as ratecard_service for the key's own tenant
    (the function checks the request and answers what Stripe needs, always one row)."""
    return one(await fetch(state.pool, query, params, role="ratecard_service"), query)


@get("/subscription", summary="The tenant's subscription (default plan when none)")
async def subscription(principal: NamedDependency[Principal], state: State) -> dict[str, Any]:
    tenant = _tenant(principal)
    row = await fetch_one(state.pool, q.MY_SUBSCRIPTION, role="ratecard_tenant", tenant_id=tenant)
    return row or {
        "tenant_id": tenant,
        "plan": None,
        "status": "none",
        "note": "on the default plan",
    }


@get("/plans", summary="Plans on sale, with limits")
async def plans(principal: NamedDependency[Principal], state: State) -> list[dict[str, Any]]:
    return await fetch(state.pool, q.PLANS, role="ratecard_tenant", tenant_id=_tenant(principal))


@get("/usage", summary="Usage against every limit")
async def usage(principal: NamedDependency[Principal], state: State) -> list[dict[str, Any]]:
    return await fetch(state.pool, q.MY_USAGE, role="ratecard_tenant", tenant_id=_tenant(principal))


@get("/invoices", summary="Invoice history")
async def invoices(principal: NamedDependency[Principal], state: State) -> list[dict[str, Any]]:
    return await fetch(
        state.pool, q.MY_INVOICES, role="ratecard_tenant", tenant_id=_tenant(principal)
    )


@get("/addons", summary="Add-ons on sale")
async def addons(principal: NamedDependency[Principal], state: State) -> list[dict[str, Any]]:
    return await fetch(state.pool, q.ADDONS, role="ratecard_tenant", tenant_id=_tenant(principal))


@get("/my-addons", summary="Add-ons the tenant holds")
async def my_addons(principal: NamedDependency[Principal], state: State) -> list[dict[str, Any]]:
    return await fetch(
        state.pool, q.MY_ADDONS, role="ratecard_tenant", tenant_id=_tenant(principal)
    )


@post(
    "/checkout",
    status_code=200,
    dto=Strict[CheckoutBody],
    return_dto=None,
    summary="Start a Stripe Checkout for a plan",
    responses=errors(404, *STRIPE),
)
async def checkout(
    data: JSONBody[CheckoutBody], principal: NamedDependency[Principal], state: State
) -> dict[str, Any]:
    tenant = _tenant(principal)
    client = stripe_client(state)
    ctx = await _service(
        state,
        q.CHECKOUT_CONTEXT,
        (tenant, data.plan, data.interval, data.seats, state.stripe.default_trial_days),
    )
    session = await call_stripe(
        lambda: gw.checkout_session(
            client,
            tenant_id=tenant,
            plan=ctx["plan"],
            price_id=ctx["price_id"],
            seats=ctx["seats"],
            customer_id=ctx["stripe_customer_id"],
            email=ctx["email"],
            trial_days=ctx["trial_days"],
            s=state.stripe,
            idempotency_key=f"checkout:{tenant}:{uuid.uuid4()}",
            metered_price_ids=ctx["metered_price_ids"],
        )
    )
    return {"url": session.get("url"), "session_id": session.get("id")}


@post(
    "/portal", status_code=200, summary="Open the Stripe Billing Portal", responses=errors(*STRIPE)
)
async def portal(principal: NamedDependency[Principal], state: State) -> dict[str, Any]:
    tenant = _tenant(principal)
    client = stripe_client(state)
    ctx = await _service(state, q.PORTAL_CUSTOMER, (tenant,))
    session = await call_stripe(lambda: gw.portal_session(client, ctx["customer"], state.stripe))
    return {"url": session.get("url")}


@get(
    "/upcoming-invoice",
    summary="Preview of the next invoice",
    responses=errors(*STRIPE),
)
async def upcoming_invoice(principal: NamedDependency[Principal], state: State) -> dict[str, Any]:
    tenant = _tenant(principal)
    client = stripe_client(state)
    ctx = await _service(state, q.SUBSCRIPTION_ACTION, (tenant, "cancel", None))
    inv = await call_stripe(
        lambda: gw.upcoming_invoice(
            client, ctx["stripe_customer_id"], ctx["stripe_subscription_id"]
        )
    )
    keys = ("amount_due", "currency", "period_start", "period_end", "subtotal", "total")
    return {k: inv.get(k) for k in keys} | {"lines": inv.get("lines", {}).get("data", [])}


@post(
    "/change-plan",
    status_code=200,
    dto=Strict[ChangePlanBody],
    return_dto=None,
    summary="Upgrade now (prorated) or downgrade at period end",
    responses=errors(404, 409, *STRIPE),
)
async def change_plan(
    data: JSONBody[ChangePlanBody], principal: NamedDependency[Principal], state: State
) -> dict[str, Any]:
    tenant = _tenant(principal)
    client = stripe_client(state)
    plan = await _service(state, q.REQUEST_PLAN_CHANGE, (tenant, data.plan, data.interval))
    if plan["action"] == "upgrade":
        await call_stripe(
            lambda: gw.update_subscription(
                client,
                plan["stripe_subscription_id"],
                {
                    "items": [
                        {
                            "id": plan["stripe_item_id"],
                            "price": plan["price_id"],
                            "quantity": plan["seats"],
                        },
                        *plan["metered_items"],  # the new plan's metered prices
                    ],
                    "proration_behavior": "create_prorations",
                },
                f"upgrade:{plan['stripe_subscription_id']}:{plan['price_id']}:{uuid.uuid4()}",
            )
        )
    return {"action": plan["action"], "plan": data.plan, "effective_at": plan["effective_at"]}


@post(
    "/seats",
    status_code=200,
    dto=Strict[SeatsBody],
    return_dto=None,
    summary="Change the number of seats (prorated)",
    responses=errors(*STRIPE),
)
async def seats(
    data: JSONBody[SeatsBody], principal: NamedDependency[Principal], state: State
) -> dict[str, Any]:
    tenant = _tenant(principal)
    client = stripe_client(state)
    sub = await _service(state, q.SUBSCRIPTION_ACTION, (tenant, "seats", data.seats))
    await call_stripe(
        lambda: gw.update_subscription(
            client,
            sub["stripe_subscription_id"],
            {
                "items": [{"id": sub["stripe_item_id"], "quantity": data.seats}],
                "proration_behavior": "create_prorations",
            },
            f"seats:{sub['stripe_subscription_id']}:{data.seats}:{uuid.uuid4()}",
        )
    )
    return {"seats": data.seats}


@post(
    "/addons/purchase",
    status_code=200,
    dto=Strict[AddonBody],
    return_dto=None,
    summary="Add an add-on to the subscription",
    responses=errors(404, 409, *STRIPE),
)
async def purchase_addon(
    data: JSONBody[AddonBody], principal: NamedDependency[Principal], state: State
) -> dict[str, Any]:
    tenant = _tenant(principal)
    client = stripe_client(state)
    plan = await _service(state, q.PREPARE_ADDON_PURCHASE, (tenant, data.addon, data.quantity))
    item_id = plan["stripe_item_id"]
    if plan["action"] == "add":
        item = await call_stripe(
            lambda: gw.add_subscription_item(
                client,
                plan["stripe_subscription_id"],
                plan["price_id"],
                data.quantity,
                f"addon:{plan['stripe_subscription_id']}:{data.addon}:{uuid.uuid4()}",
            )
        )
        item_id = item.get("id")
    elif plan["action"] == "update":
        await call_stripe(
            lambda: gw.update_subscription_item(
                client,
                plan["stripe_item_id"],
                data.quantity,
                f"addon-quantity:{plan['stripe_item_id']}:{data.quantity}:{uuid.uuid4()}",
            )
        )
    return {
        "addon": data.addon,
        "quantity": data.quantity,
        "action": plan["action"],
        "stripe_item_id": item_id,
    }


@delete(
    "/addons/{addon:str}",
    status_code=200,
    summary="Cancel an add-on at the period end",
    responses=errors(404),
)
async def cancel_addon(
    addon: FromPath[str], principal: NamedDependency[Principal], state: State
) -> dict[str, Any]:
    return await _service(state, q.CANCEL_ADDON, (_tenant(principal), addon))


async def _cancel_at_period_end(
    principal: Principal, state: State, action: str, flag: bool
) -> dict[str, Any]:
    """cancel / reactivate: checked by api.subscription_action, then the flag set in Stripe."""
    client = stripe_client(state)
    sub = await _service(state, q.SUBSCRIPTION_ACTION, (_tenant(principal), action, None))
    await call_stripe(
        lambda: gw.update_subscription(
            client,
            sub["stripe_subscription_id"],
            {"cancel_at_period_end": flag},
            f"{action}:{sub['stripe_subscription_id']}:{uuid.uuid4()}",
        )
    )
    return {"cancel_at_period_end": flag}


@post(
    "/cancel", status_code=200, summary="Cancel at the end of the period", responses=errors(*STRIPE)
)
async def cancel(principal: NamedDependency[Principal], state: State) -> dict[str, Any]:
    return await _cancel_at_period_end(principal, state, "cancel", True)


@post(
    "/reactivate",
    status_code=200,
    summary="Undo a cancellation before the period ends",
    responses=errors(*STRIPE),
)
async def reactivate(principal: NamedDependency[Principal], state: State) -> dict[str, Any]:
    return await _cancel_at_period_end(principal, state, "reactivate", False)


billing_router = Router(
    path="/v1/billing",
    route_handlers=[
        subscription,
        plans,
        usage,
        invoices,
        addons,
        my_addons,
        checkout,
        portal,
        upcoming_invoice,
        change_plan,
        seats,
        purchase_addon,
        cancel_addon,
        cancel,
        reactivate,
    ],
    guards=[tenant_guard],
    tags=["billing"],
)
