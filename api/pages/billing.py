"""The tenant billing page (/billing, docs/pages.md).

A host application asks for a link with one service call (POST
/v1/tenants/{id}/billing-session); GET /billing/enter exchanges the link, once, for a
session cookie (HttpOnly, SameSite=Lax, path /billing, an hour) and redirects to the page.
Every request then resolves the cookie in SQL, in the same statement as its work, as
ratecard_service for that tenant: the page reads api.billing_page; each form calls the
same SQL function as the billing API (api.checkout_context, api.request_plan_change,
api.subscription_action, api.prepare_addon_purchase, api.cancel_addon,
api.portal_customer) and then asks Stripe exactly as the API does (api/stripe_calls.py).
Forms carry a CSRF token and redirect back (303) with a notice or the error's code.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from api import queries as q
from api.pages.common import (
    BILLING_COOKIE,
    PAGE_ERROR_HANDLERS,
    SECURITY_HEADERS,
    SessionRefused,
    back,
    cleared_cookie,
    error_code,
    form_fields,
    page_call,
    render,
    secure_cookies,
    session_cookie,
)
from api.stripe_calls import (
    apply_plan_change,
    buy_addon,
    open_portal,
    set_cancel_at_period_end,
    set_seats,
    start_checkout,
    stripe_client,
)
from ratecard import stripe_gateway as gw
from ratecard.config import Settings

PAGE = "/billing"


def _token(request: Request[Any, Any, Any]) -> str:
    token = request.cookies.get(BILLING_COOKIE)
    if not token:
        raise SessionRefused("no billing session")
    return token


async def _one(request: Request[Any, Any, Any], query: str, params: tuple[Any, ...]) -> dict:
    rows = await page_call(request, query, params, "ratecard_service")
    return rows[0] if rows else {}


def _refused(request: Request[Any, Any, Any], message: str, status_code: int = 401) -> Template:
    """The page for a link or session that does not work (and signing out): the cookie
    goes."""
    settings: Settings = request.app.state.settings
    response = render("billing/refused.html", status_code=status_code, message=message)
    response.cookies.append(cleared_cookie(BILLING_COOKIE, PAGE, secure_cookies(settings)))
    return response


def _base(request: Request[Any, Any, Any]) -> str:
    return request.app.state.public_url or str(request.base_url).rstrip("/")


def _stripe_urls(request: Request[Any, Any, Any]) -> gw.StripeSettings:
    """Checkout and the portal started from the page come back to the page."""
    base = _base(request)
    return dataclasses.replace(
        request.app.state.stripe,
        success_url=f"{base}{PAGE}/success?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{base}{PAGE}/checkout-canceled",
        return_url=f"{base}{PAGE}",
    )


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return -1  # SQL refuses it with its own code (invalid_amount)


async def _act(request: Request[Any, Any, Any], action: Any) -> Template | Redirect:
    """Run a form's action (its one SQL call, then Stripe); redirect back with its notice,
    or with the error's code. A refused session answers the refusal page."""
    try:
        outcome = await action()
    except SessionRefused as exc:
        return _refused(request, exc.message)
    except Exception as exc:
        code = error_code(exc)
        if code is None:
            raise
        return back(PAGE, error=code)
    if isinstance(outcome, Redirect):
        return outcome
    return back(PAGE, notice=outcome)


@get("/enter", include_in_schema=False)
async def enter(request: Request[Any, Any, Any], token: FromQuery[str] = "") -> Any:
    """Exchange a billing link for a session cookie, once; then show the page."""
    try:
        row = await _one(request, q.PAGE_OPEN_BILLING, (token,))
    except SessionRefused as exc:
        return _refused(request, exc.message)
    settings: Settings = request.app.state.settings
    response = Redirect(path=PAGE, status_code=303)
    response.cookies.append(
        session_cookie(BILLING_COOKIE, row["token"], PAGE, secure_cookies(settings))
    )
    return response


@get("/", include_in_schema=False)
async def page(
    request: Request[Any, Any, Any],
    interval: FromQuery[str | None] = None,
    notice: FromQuery[str | None] = None,
    error: FromQuery[str | None] = None,
) -> Template:
    if interval not in (None, "month", "year"):
        interval = None
    try:
        row = await _one(request, q.PAGE_BILLING, (interval, _token(request)))
    except SessionRefused as exc:
        return _refused(request, exc.message)
    return render(
        "billing/page.html",
        doc=row["page"],
        return_url=row["return_url"],
        expires_at=row["expires_at"],
        notice=notice,
        error=error,
        stripe_ready=request.app.state.stripe.configured,
    )


@get("/success", include_in_schema=False)
async def checkout_done(request: Request[Any, Any, Any]) -> Redirect:
    """Stripe Checkout's success URL: the subscription starts when its webhook arrives."""
    return back(PAGE, notice="checkout_complete")


@get("/checkout-canceled", include_in_schema=False)
async def checkout_canceled(request: Request[Any, Any, Any]) -> Redirect:
    return back(PAGE, notice="checkout_canceled")


@post("/checkout", include_in_schema=False)
async def checkout(request: Request[Any, Any, Any]) -> Any:
    async def action() -> Redirect:
        form = await form_fields(request)
        stripe_client(request.app.state)
        ctx = await _one(
            request,
            q.PAGE_CHECKOUT,
            (
                _token(request),
                form.get("plan"),
                form.get("interval") or "month",
                _int(form.get("seats"), 1),
                request.app.state.stripe.default_trial_days,
            ),
        )
        session = await start_checkout(
            request.app.state, str(ctx["tenant_id"]), ctx, _stripe_urls(request)
        )
        return Redirect(path=session["url"], status_code=303)

    return await _act(request, action)


@post("/portal", include_in_schema=False)
async def portal(request: Request[Any, Any, Any]) -> Any:
    async def action() -> Redirect:
        stripe_client(request.app.state)
        row = await _one(request, q.PAGE_PORTAL, (_token(request),))
        session = await open_portal(request.app.state, row["customer"], _stripe_urls(request))
        return Redirect(path=session["url"], status_code=303)

    return await _act(request, action)


@post("/change-plan", include_in_schema=False)
async def change_plan(request: Request[Any, Any, Any]) -> Any:
    async def action() -> str:
        form = await form_fields(request)
        stripe_client(request.app.state)
        plan = await _one(
            request,
            q.PAGE_CHANGE_PLAN,
            (_token(request), form.get("plan"), form.get("interval") or None),
        )
        await apply_plan_change(request.app.state, plan)
        return "upgrade_requested" if plan["action"] == "upgrade" else "downgrade_scheduled"

    return await _act(request, action)


@post("/seats", include_in_schema=False)
async def seats(request: Request[Any, Any, Any]) -> Any:
    async def action() -> str:
        form = await form_fields(request)
        count = _int(form.get("seats"))
        stripe_client(request.app.state)
        sub = await _one(request, q.PAGE_SUBSCRIPTION_ACTION, (_token(request), "seats", count))
        await set_seats(request.app.state, sub, int(count or 0))
        return "seats_requested"

    return await _act(request, action)


@post("/addons/{addon:str}/buy", include_in_schema=False)
async def buy(request: Request[Any, Any, Any], addon: FromPath[str]) -> Any:
    async def action() -> str:
        form = await form_fields(request)
        quantity = _int(form.get("quantity"), 1)
        stripe_client(request.app.state)
        plan = await _one(request, q.PAGE_BUY_ADDON, (_token(request), addon, quantity))
        await buy_addon(request.app.state, plan, addon, int(quantity or 1))
        return "addon_resumed" if plan["action"] == "resume" else "addon_requested"

    return await _act(request, action)


@post("/addons/{addon:str}/cancel", include_in_schema=False)
async def cancel_addon(request: Request[Any, Any, Any], addon: FromPath[str]) -> Any:
    async def action() -> str:
        await _one(request, q.PAGE_CANCEL_ADDON, (_token(request), addon))
        return "addon_canceled"

    return await _act(request, action)


@post("/subscription/cancel", include_in_schema=False)
async def cancel(request: Request[Any, Any, Any]) -> Any:
    async def action() -> str:
        stripe_client(request.app.state)
        sub = await _one(request, q.PAGE_SUBSCRIPTION_ACTION, (_token(request), "cancel", None))
        await set_cancel_at_period_end(request.app.state, sub, "cancel", True)
        return "cancel_requested"

    return await _act(request, action)


@post("/subscription/reactivate", include_in_schema=False)
async def reactivate(request: Request[Any, Any, Any]) -> Any:
    async def action() -> str:
        stripe_client(request.app.state)
        sub = await _one(request, q.PAGE_SUBSCRIPTION_ACTION, (_token(request), "reactivate", None))
        await set_cancel_at_period_end(request.app.state, sub, "reactivate", False)
        return "reactivate_requested"

    return await _act(request, action)


@post("/sign-out", include_in_schema=False)
async def sign_out(request: Request[Any, Any, Any]) -> Template:
    token = request.cookies.get(BILLING_COOKIE)
    if token:
        await page_call(request, q.PAGE_END_BILLING, (token,), "ratecard_service")
    return _refused(request, "You are signed out of billing.", 200)


def billing_router(csrf: Any) -> Router:
    return Router(
        path=PAGE,
        route_handlers=[
            enter,
            page,
            checkout_done,
            checkout_canceled,
            checkout,
            portal,
            change_plan,
            seats,
            buy,
            cancel_addon,
            cancel,
            reactivate,
            sign_out,
        ],
        middleware=[csrf],
        response_headers=SECURITY_HEADERS,
        exception_handlers=PAGE_ERROR_HANDLERS,  # type: ignore[arg-type]
        include_in_schema=False,
    )
