"""The admin dashboard (/admin, docs/pages.md).

An administrator signs in with an admin API key (api.open_admin_session, run by the
authenticator login) into an 8-hour session cookie (HttpOnly, SameSite=Lax, path /admin)
and signs out again. Every other request runs as ratecard_admin, one statement with the
session in FROM and the page's document or action in the select list, so nothing runs for
a bad cookie: a page reads its api.admin_* document; a form calls the same SQL function as
the admin API (api.replace_plan_limits, api.replace_overrides, api.define_plan,
api.set_plan_prices, api.delete_plan, api.set_tenant_status, api.assign_plan,
api.grant_addon, api.revoke_addon, api.dismiss_stripe_event, api.enqueue_job) and
redirects back (303) with a notice or the error's code. Forms carry a CSRF token.

The limits and overrides editors post one field per feature; this module only turns the
form into the JSON set the SQL function takes (api.replace_plan_limits,
api.replace_overrides), which checks every value.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote
from uuid import UUID

from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from api import queries as q
from api.pages.common import (
    ADMIN_COOKIE,
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
from ratecard.config import Settings

ROOT = "/admin"
PAGE_SIZE = 25
SUBSCRIPTION_STATUSES = ("none", "trialing", "active", "past_due", "unpaid", "canceled",
                         "incomplete")  # fmt: skip
EVENT_STATUSES = ("pending", "applied", "ignored", "stale", "unknown_customer", "failed",
                  "dismissed")  # fmt: skip


def _secure(request: Request[Any, Any, Any]) -> bool:
    settings: Settings = request.app.state.settings
    return secure_cookies(settings)


def _to_sign_in(request: Request[Any, Any, Any], message: str | None = None) -> Redirect:
    target = request.url.path if request.method == "GET" else ROOT
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    response = back(f"{ROOT}/sign-in", next=target, reason=message)
    response.cookies.append(cleared_cookie(ADMIN_COOKIE, ROOT, _secure(request)))
    return response


async def _page(
    request: Request[Any, Any, Any], query: str, template: str, **params: Any
) -> Template | Redirect:
    """A page: its one SQL call (the session in FROM), rendered."""
    token = request.cookies.get(ADMIN_COOKIE)
    if not token:
        return _to_sign_in(request)
    try:
        rows = await page_call(request, query, {**params, "token": token}, "ratecard_admin")
    except SessionRefused as exc:
        return _to_sign_in(request, exc.message)
    except Exception as exc:
        code = error_code(exc)
        if code is None:
            raise
        status = 404 if code.endswith("not_found") else 422
        return render("admin/missing.html", status_code=status, code=code, message=str(exc))
    query_params = request.query_params
    return render(
        template,
        doc=rows[0]["page"],
        notice=query_params.get("notice"),
        error=query_params.get("error"),
        section=template.split("/")[-1].removesuffix(".html"),
    )


async def _act(
    request: Request[Any, Any, Any],
    query: str,
    to: str,
    notice: str,
    done: str | None = None,
    **params: Any,
) -> Redirect:
    """A form's action: its one SQL call (the session in FROM), then back to `to` with the
    error's code, or to `done` (else `to`) with the notice."""
    token = request.cookies.get(ADMIN_COOKIE)
    if not token:
        return _to_sign_in(request)
    try:
        await page_call(request, query, {**params, "token": token}, "ratecard_admin")
    except SessionRefused as exc:
        return _to_sign_in(request, exc.message)
    except Exception as exc:
        code = error_code(exc)
        if code is None:
            raise
        return back(to, error=code)
    return back(done or to, notice=notice)


def _num(value: str | None) -> Any:
    """A number as typed: an int, a finite float, None when empty, or the text itself (SQL
    refuses it with its own code: "abc", and "nan", "inf" or "1e400", which no column
    holds)."""
    text = (value or "").strip()
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text


def _rows(form: dict[str, str], prefix: str) -> dict[str, dict[str, str]]:
    """{code: {field: value}} from fields named <prefix>.<code>.<field>, in form order."""
    rows: dict[str, dict[str, str]] = {}
    for key, value in form.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == prefix:
            rows.setdefault(parts[1], {})[parts[2]] = value
    return rows


def limits_from_form(form: dict[str, str]) -> list[dict[str, Any]]:
    """The plan editor's rows as api.replace_plan_limits' set: every feature, switches as
    toggles, quantities as a number or unlimited."""
    limits = []
    for code, f in _rows(form, "f").items():
        row: dict[str, Any] = {"feature": code, "enabled": f.get("on") == "on"}
        if f.get("kind") != "switch":
            unlimited = f.get("unlimited") == "on"
            row["limit"] = None if unlimited else _num(f.get("limit")) if f.get("limit") else ""
            row["overage"] = f.get("overage") or "block"
            row["buffer_pct"] = _num(f.get("buffer")) or 0
            grace = _num(f.get("grace_days"))
            row["grace_seconds"] = round(grace * 86400) if isinstance(grace, int | float) else grace
            row["per_seat"] = f.get("per_seat") == "on"
        limits.append(row)
    return limits


def overrides_from_form(form: dict[str, str]) -> list[dict[str, Any]]:
    """The tenant page's overrides editor as api.replace_overrides' set: the features whose
    override box is ticked."""
    overrides = []
    for code, o in _rows(form, "o").items():
        if o.get("set") != "on":
            continue
        row: dict[str, Any] = {"feature": code, "enabled": o.get("enabled") == "on"}
        if o.get("kind") != "switch":
            row["limit"] = (
                None
                if o.get("unlimited") == "on"
                else _num(o.get("limit"))
                if o.get("limit")
                else ""
            )
        if o.get("expires"):
            row["expires_at"] = f"{o['expires']}T00:00:00Z"
        if o.get("reason", "").strip():
            row["reason"] = o["reason"].strip()
        overrides.append(row)
    return overrides


# ------------------------------------------------------------------ sign in and out


@get("/sign-in", include_in_schema=False)
async def sign_in_form(
    request: Request[Any, Any, Any],
    next: FromQuery[str | None] = None,
    reason: FromQuery[str | None] = None,
) -> Template:
    return render("admin/sign_in.html", next=_safe_next(next), reason=reason)


def _safe_next(target: str | None) -> str:
    """Only a path of the dashboard itself (never another site)."""
    if target and target.startswith(ROOT) and not target.startswith("//"):
        return target
    return ROOT


@post("/sign-in", include_in_schema=False)
async def sign_in(request: Request[Any, Any, Any]) -> Any:
    form = await form_fields(request)
    target = _safe_next(form.get("next"))
    try:
        rows = await page_call(
            request, q.PAGE_ADMIN_SIGN_IN, {"key": form.get("key", "").strip()},
            "ratecard_authenticator",
        )  # fmt: skip
    except SessionRefused as exc:
        return render("admin/sign_in.html", status_code=401, next=target, failed=exc.message)
    row = rows[0]
    response = Redirect(path=target, status_code=303)
    response.cookies.append(session_cookie(ADMIN_COOKIE, row["token"], ROOT, _secure(request)))
    return response


@post("/sign-out", include_in_schema=False)
async def sign_out(request: Request[Any, Any, Any]) -> Redirect:
    token = request.cookies.get(ADMIN_COOKIE)
    if token:
        await page_call(request, q.PAGE_ADMIN_SIGN_OUT, {"token": token}, "ratecard_admin")
    response = back(f"{ROOT}/sign-in", reason="You are signed out.")
    response.cookies.append(cleared_cookie(ADMIN_COOKIE, ROOT, _secure(request)))
    return response


# ------------------------------------------------------------------ pages


@get("/", include_in_schema=False)
async def overview(request: Request[Any, Any, Any], currency: FromQuery[str | None] = None) -> Any:
    return await _page(request, q.PAGE_ADMIN_OVERVIEW, "admin/overview.html", currency=currency)


@get("/subscriptions", include_in_schema=False)
async def subscriptions(
    request: Request[Any, Any, Any],
    status: FromQuery[str | None] = None,
    plan: FromQuery[str | None] = None,
    search: FromQuery[str | None] = None,
    page: FromQuery[int] = 1,
) -> Any:
    return await _page(
        request,
        q.PAGE_ADMIN_SUBSCRIPTIONS,
        "admin/subscriptions.html",
        status=status if status in SUBSCRIPTION_STATUSES else None,
        plan=plan or None,
        search=search or None,
        limit=PAGE_SIZE,
        offset=max(page - 1, 0) * PAGE_SIZE,
    )


@get("/tenants/{tenant_id:uuid}", include_in_schema=False)
async def tenant(request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Any:
    return await _page(request, q.PAGE_ADMIN_TENANT, "admin/tenant.html", tenant=tenant_id)


@get("/plans", include_in_schema=False)
async def plans(request: Request[Any, Any, Any]) -> Any:
    return await _page(request, q.PAGE_ADMIN_PLANS, "admin/plans.html")


@get("/plans/{code:str}", include_in_schema=False)
async def plan(request: Request[Any, Any, Any], code: FromPath[str]) -> Any:
    return await _page(request, q.PAGE_ADMIN_PLAN, "admin/plan.html", plan=code)


@get("/stripe-events", include_in_schema=False)
async def stripe_events(
    request: Request[Any, Any, Any], status: FromQuery[str | None] = None
) -> Any:
    return await _page(
        request,
        q.PAGE_ADMIN_EVENTS,
        "admin/stripe_events.html",
        status=status if status in EVENT_STATUSES else None,
    )


@get("/jobs", include_in_schema=False)
async def jobs(request: Request[Any, Any, Any]) -> Any:
    return await _page(request, q.PAGE_ADMIN_JOBS, "admin/jobs.html")


@get("/capacity", include_in_schema=False)
async def capacity(request: Request[Any, Any, Any]) -> Any:
    return await _page(request, q.PAGE_ADMIN_CAPACITY, "admin/capacity.html")


# ------------------------------------------------------------------ forms


def _plan_path(code: str) -> str:
    return f"{ROOT}/plans/{quote(code, safe='')}"


@post("/plans", include_in_schema=False)
async def create_plan(request: Request[Any, Any, Any]) -> Redirect:
    form = await form_fields(request)
    code = form.get("code", "").strip()
    fields = _plan_fields(code, form)
    # A new plan: Stripe prices only if given (an existing code keeps its own).
    fields["monthly"] = fields["monthly"] or None
    fields["annual"] = fields["annual"] or None
    return await _act(
        request, q.PAGE_ADMIN_SAVE_PLAN, f"{ROOT}/plans", "plan_saved", _plan_path(code), **fields
    )


def _plan_fields(code: str, form: dict[str, str]) -> dict[str, Any]:
    return {
        "plan": code,
        "name": form.get("name", "").strip(),
        "price_cents": _cents(form.get("price")),
        "currency": (form.get("currency") or "usd").strip().lower(),
        "interval": form.get("interval") or "month",
        "per_seat": form.get("per_seat") == "on",
        "is_public": form.get("is_public") == "on",
        "trial_days": _num(form.get("trial_days")),
        "active": form.get("active") == "on",
        "annual_price_cents": _cents(form.get("annual_price")),
        "monthly": form.get("stripe_monthly", "").strip(),  # empty clears (set_plan_prices)
        "annual": form.get("stripe_annual", "").strip(),
    }


def _cents(value: str | None) -> Any:
    """A price typed in currency units (49 or 49.90) as cents."""
    n = _num(value)
    if isinstance(n, int | float):
        return round(n * 100)
    return n


@post("/plans/{code:str}", include_in_schema=False)
async def save_plan(request: Request[Any, Any, Any], code: FromPath[str]) -> Redirect:
    form = await form_fields(request)
    return await _act(
        request, q.PAGE_ADMIN_SAVE_PLAN, _plan_path(code), "plan_saved", **_plan_fields(code, form)
    )


@post("/plans/{code:str}/limits", include_in_schema=False)
async def save_limits(request: Request[Any, Any, Any], code: FromPath[str]) -> Redirect:
    form = await form_fields(request)
    limits = json.dumps(limits_from_form(form))
    return await _act(
        request, q.PAGE_ADMIN_SAVE_LIMITS, _plan_path(code), "limits_saved", plan=code,
        limits=limits,
    )  # fmt: skip


@post("/plans/{code:str}/delete", include_in_schema=False)
async def delete_plan(request: Request[Any, Any, Any], code: FromPath[str]) -> Redirect:
    return await _act(
        request, q.PAGE_ADMIN_DELETE_PLAN, _plan_path(code), "plan_deleted", f"{ROOT}/plans",
        plan=code,
    )  # fmt: skip


def _tenant_path(tenant_id: UUID) -> str:
    return f"{ROOT}/tenants/{tenant_id}"


@post("/tenants/{tenant_id:uuid}/overrides", include_in_schema=False)
async def save_overrides(request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Redirect:
    form = await form_fields(request)
    return await _act(
        request, q.PAGE_ADMIN_SAVE_OVERRIDES, _tenant_path(tenant_id), "overrides_saved",
        tenant=tenant_id, overrides=json.dumps(overrides_from_form(form)),
    )  # fmt: skip


@post("/tenants/{tenant_id:uuid}/status", include_in_schema=False)
async def tenant_status(request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Redirect:
    form = await form_fields(request)
    status = form.get("status", "")
    return await _act(
        request, q.PAGE_ADMIN_TENANT_STATUS, _tenant_path(tenant_id), f"tenant_{status}",
        tenant=tenant_id, status=status,
    )  # fmt: skip


@post("/tenants/{tenant_id:uuid}/plan", include_in_schema=False)
async def assign_plan(request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Redirect:
    form = await form_fields(request)
    return await _act(
        request, q.PAGE_ADMIN_ASSIGN_PLAN, _tenant_path(tenant_id), "plan_assigned",
        tenant=tenant_id, plan=form.get("plan"), seats=_num(form.get("seats")) or 1,
    )  # fmt: skip


@post("/tenants/{tenant_id:uuid}/addons", include_in_schema=False)
async def grant_addon(request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> Redirect:
    form = await form_fields(request)
    return await _act(
        request, q.PAGE_ADMIN_GRANT_ADDON, _tenant_path(tenant_id), "addon_granted",
        tenant=tenant_id, addon=form.get("addon"), quantity=_num(form.get("quantity")) or 1,
    )  # fmt: skip


@post("/tenants/{tenant_id:uuid}/addons/{addon:str}/revoke", include_in_schema=False)
async def revoke_addon(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], addon: FromPath[str]
) -> Redirect:
    return await _act(
        request, q.PAGE_ADMIN_REVOKE_ADDON, _tenant_path(tenant_id), "addon_revoked",
        tenant=tenant_id, addon=addon,
    )  # fmt: skip


@post("/jobs/{name:str}/run", include_in_schema=False)
async def run_job(request: Request[Any, Any, Any], name: FromPath[str]) -> Redirect:
    return await _act(request, q.PAGE_ADMIN_RUN_JOB, f"{ROOT}/jobs", "job_queued", job=name)


@post("/stripe-events/{event_id:str}/dismiss", include_in_schema=False)
async def dismiss_event(request: Request[Any, Any, Any], event_id: FromPath[str]) -> Redirect:
    form = await form_fields(request)
    return await _act(
        request, q.PAGE_ADMIN_DISMISS_EVENT, f"{ROOT}/stripe-events", "event_dismissed",
        event=event_id, reason=form.get("reason", "").strip() or None,
    )  # fmt: skip


def admin_router(csrf: Any) -> Router:
    return Router(
        path=ROOT,
        route_handlers=[
            sign_in_form,
            sign_in,
            sign_out,
            overview,
            subscriptions,
            tenant,
            plans,
            plan,
            stripe_events,
            jobs,
            capacity,
            create_plan,
            save_plan,
            save_limits,
            delete_plan,
            save_overrides,
            tenant_status,
            assign_plan,
            grant_addon,
            revoke_addon,
            run_job,
            dismiss_event,
        ],
        middleware=[csrf],
        response_headers=SECURITY_HEADERS,
        exception_handlers=PAGE_ERROR_HANDLERS,  # type: ignore[arg-type]
        include_in_schema=False,
    )
