"""Admin API (admin keys): catalog (grouped by category), plans and their whole limit sets,
tenants (in one call) and their overrides, add-ons and status, stored Stripe events, and
cancelling a subscription at once. One SQL call per route, as ratecard_admin (the immediate
cancel then asks Stripe). Writes answer 200 with the identifiers they touched or the set
they replaced; the SQL functions are upserts or replace a whole set in one transaction, so
repeating a PUT changes nothing more."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Router, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from api import queries as q
from api.auth import admin_guard
from api.db import fetch_as_caller, fetch_one_as_caller
from api.openapi import STRIPE, errors
from api.stripe_calls import call_stripe, stripe_client
from api.validation import BigInt, Int, Strict, documented
from ratecard import stripe_gateway as gw

Name = Annotated[str, documented({"minLength": 1, "maxLength": 200})]
Code = Annotated[
    str,
    documented(
        {"pattern": "^[a-z][a-z0-9_]{0,62}$"},
        "lower-case letters, digits and _, starting with a letter, at most 63",
    ),
]
Overage = Annotated[str, documented({"enum": ["block", "soft", "bill"]})]
MAX_SET = 1000


class FeatureBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: Annotated[str, documented({"enum": ["switch", "metered", "gauge"]})]
    reset: Annotated[str, documented({"enum": ["hour", "day", "month", "billing_period"]})] = (
        "month"
    )
    unit: Annotated[str, documented({"minLength": 1, "maxLength": 32})] | None = None
    name: Name | None = None
    durable: bool = True
    category: Code | None = None


class PlanBody(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    price_cents: BigInt
    currency: Annotated[str, documented({"pattern": "^[a-z]{3}$"})] = "usd"
    interval: Annotated[str, documented({"enum": ["month", "year"]})] = "month"
    per_seat: bool = False
    is_default: bool | None = None
    is_public: bool | None = None
    trial_days: Int | None = None
    active: bool | None = None
    annual_price_cents: BigInt | None = None


class LimitBody(msgspec.Struct, forbid_unknown_fields=True):
    limit: BigInt | None  # required; null = unlimited
    enabled: bool = True
    overage: Overage = "block"
    buffer_pct: Decimal = Decimal(0)
    grace_seconds: BigInt | None = None
    per_seat: bool = False


class OverrideBody(msgspec.Struct, forbid_unknown_fields=True):
    limit: BigInt | None  # required; null = unlimited
    enabled: bool = True
    expires_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None


class LimitEntry(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    feature: str
    limit: BigInt | None = None  # null or absent = unlimited
    enabled: bool = True
    overage: Overage = "block"
    buffer_pct: Decimal = Decimal(0)
    grace_seconds: BigInt | None = None
    per_seat: bool = False


class LimitSetBody(msgspec.Struct, forbid_unknown_fields=True):
    limits: Annotated[list[LimitEntry], msgspec.Meta(max_length=MAX_SET)]


class OverrideEntry(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    feature: str
    limit: BigInt | None = None  # null or absent = unlimited
    enabled: bool = True
    expires_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    reason: Annotated[str, documented({"maxLength": 500})] | None = None


class OverrideSetBody(msgspec.Struct, forbid_unknown_fields=True):
    overrides: Annotated[list[OverrideEntry], msgspec.Meta(max_length=MAX_SET)]


# Sets travel to SQL as JSON; decimals as JSON numbers (msgspec writes strings by default).
_SET_JSON = msgspec.json.Encoder(decimal_format="number")


class AssignBody(msgspec.Struct, forbid_unknown_fields=True):
    plan: str
    seats: Int = 1


class AddonBody(msgspec.Struct, forbid_unknown_fields=True):
    quantity: Int = 1


class StatusBody(msgspec.Struct, forbid_unknown_fields=True):
    status: Annotated[str, documented({"enum": ["active", "suspended"]})]


class DismissBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, documented({"maxLength": 500})] | None = None


class RunJobBody(msgspec.Struct, forbid_unknown_fields=True):
    args: dict[str, Any] = msgspec.field(default_factory=dict)
    run_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    dedupe_key: Annotated[str, documented({"minLength": 1, "maxLength": 200})] | None = None


@put(
    "/features/{code:str}",
    dto=Strict[FeatureBody],
    return_dto=None,
    summary="Define or update a feature",
    responses=errors(409),
)
async def put_feature(
    request: Request[Any, Any, Any], code: FromPath[str], data: JSONBody[FeatureBody]
) -> dict:
    await fetch_one_as_caller(
        request,
        q.DEFINE_FEATURE,
        (code, data.kind, data.reset, data.unit, data.name, data.durable, data.category),
    )
    return {"code": code}


@put("/plans/{code:str}", dto=Strict[PlanBody], return_dto=None, summary="Define or update a plan")
async def put_plan(
    request: Request[Any, Any, Any], code: FromPath[str], data: JSONBody[PlanBody]
) -> dict:
    await fetch_one_as_caller(
        request,
        q.DEFINE_PLAN,
        (
            code,
            data.name,
            data.price_cents,
            data.currency,
            data.interval,
            data.per_seat,
            data.is_default,
            data.is_public,
            data.trial_days,
            data.active,
            data.annual_price_cents,
        ),
    )
    return {"code": code}


@delete(
    "/plans/{code:str}",
    status_code=200,
    summary="Delete a plan nobody is on (409 plan_in_use with the count: retire it instead)",
    responses=errors(404, 409),
)
async def delete_plan(request: Request[Any, Any, Any], code: FromPath[str]) -> dict:
    row = await fetch_one_as_caller(request, q.DELETE_PLAN, (code,))
    return {"code": code, "deleted": row["deleted"]}


@get("/feature-catalog", summary="Features grouped by category")
async def feature_catalog(request: Request[Any, Any, Any]) -> dict:
    return {"categories": await fetch_as_caller(request, q.FEATURE_CATALOG)}


@get("/plans/{plan:str}/limits", summary="A plan's whole limit set", responses=errors(404))
async def get_plan_limits(request: Request[Any, Any, Any], plan: FromPath[str]) -> dict:
    return {"plan": plan, "limits": await fetch_as_caller(request, q.GET_PLAN_LIMITS, (plan,))}


@put(
    "/plans/{plan:str}/limits",
    dto=Strict[LimitSetBody],
    return_dto=None,
    summary="Replace a plan's whole limit set in one transaction (features left out: disabled)",
    responses=errors(404),
)
async def put_plan_limits(
    request: Request[Any, Any, Any], plan: FromPath[str], data: JSONBody[LimitSetBody]
) -> dict:
    limits = _SET_JSON.encode(data.limits).decode()
    rows = await fetch_as_caller(request, q.REPLACE_PLAN_LIMITS, (plan, limits))
    return {"plan": plan, "limits": rows}


@put(
    "/plans/{plan:str}/limits/{feature:str}",
    dto=Strict[LimitBody],
    return_dto=None,
    summary="Set a plan's limit for a feature",
    responses=errors(404),
)
async def put_limit(
    request: Request[Any, Any, Any],
    plan: FromPath[str],
    feature: FromPath[str],
    data: JSONBody[LimitBody],
) -> dict:
    await fetch_one_as_caller(
        request,
        q.SET_PLAN_LIMIT,
        (
            plan,
            feature,
            data.limit,
            data.enabled,
            data.overage,
            data.buffer_pct,
            data.grace_seconds,
            data.per_seat,
        ),
    )
    return {"plan": plan, "feature": feature}


@put(
    "/tenants/{tenant_id:uuid}/overrides/{feature:str}",
    dto=Strict[OverrideBody],
    return_dto=None,
    summary="Set a tenant's override for a feature",
    responses=errors(404),
)
async def put_override(
    request: Request[Any, Any, Any],
    tenant_id: FromPath[UUID],
    feature: FromPath[str],
    data: JSONBody[OverrideBody],
) -> dict:
    await fetch_one_as_caller(
        request, q.SET_OVERRIDE, (tenant_id, feature, data.limit, data.enabled, data.expires_at)
    )
    return {"tenant_id": tenant_id, "feature": feature}


@delete(
    "/tenants/{tenant_id:uuid}/overrides/{feature:str}",
    status_code=200,
    summary="Remove a tenant's override (removed=false when there was none)",
    responses=errors(404),
)
async def delete_override(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], feature: FromPath[str]
) -> dict:
    return await fetch_one_as_caller(request, q.CLEAR_OVERRIDE, (tenant_id, feature))


@get(
    "/tenants/{tenant_id:uuid}",
    summary="A tenant with subscription, usage, overrides, add-ons, storage, invoices, events",
    responses=errors(404),
)
async def get_tenant(request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> dict:
    return (await fetch_one_as_caller(request, q.TENANT_DETAIL, (tenant_id,)))["tenant"]


@get(
    "/tenants/{tenant_id:uuid}/overrides",
    summary="A tenant's overrides",
    responses=errors(404),
)
async def get_overrides(request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> dict:
    rows = await fetch_as_caller(request, q.TENANT_OVERRIDES, (tenant_id,))
    return {"tenant_id": tenant_id, "overrides": rows}


@put(
    "/tenants/{tenant_id:uuid}/overrides",
    dto=Strict[OverrideSetBody],
    return_dto=None,
    summary="Replace a tenant's whole set of overrides in one transaction",
    responses=errors(404),
)
async def put_overrides(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], data: JSONBody[OverrideSetBody]
) -> dict:
    overrides = _SET_JSON.encode(data.overrides).decode()
    rows = await fetch_as_caller(request, q.REPLACE_OVERRIDES, (tenant_id, overrides))
    return {"tenant_id": tenant_id, "overrides": rows}


@put(
    "/tenants/{tenant_id:uuid}/plan",
    dto=Strict[AssignBody],
    return_dto=None,
    summary="Put a tenant on a plan now, outside Stripe",
    responses=errors(404),
)
async def put_tenant_plan(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], data: JSONBody[AssignBody]
) -> dict:
    await fetch_one_as_caller(request, q.ASSIGN_PLAN, (tenant_id, data.plan, data.seats))
    return {"tenant_id": tenant_id, "plan": data.plan, "seats": data.seats}


@post(
    "/tenants/{tenant_id:uuid}/addons/{addon:str}",
    status_code=200,
    dto=Strict[AddonBody],
    return_dto=None,
    summary="Grant a tenant units of an add-on (the body is optional: quantity 1)",
    responses=errors(404),
)
async def grant_addon(
    request: Request[Any, Any, Any],
    tenant_id: FromPath[UUID],
    addon: FromPath[str],
    data: JSONBody[AddonBody | None] = None,
) -> dict:
    quantity = data.quantity if data is not None else 1
    await fetch_one_as_caller(request, q.GRANT_ADDON, (tenant_id, addon, quantity))
    return {"tenant_id": tenant_id, "addon": addon, "quantity": quantity}


@delete(
    "/tenants/{tenant_id:uuid}/addons/{addon:str}",
    status_code=200,
    summary="Revoke a tenant's add-on now (revoked=false when it was not active)",
    responses=errors(404),
)
async def revoke_addon(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], addon: FromPath[str]
) -> dict:
    return await fetch_one_as_caller(request, q.REVOKE_ADDON, (tenant_id, addon))


@put(
    "/tenants/{tenant_id:uuid}/status",
    dto=Strict[StatusBody],
    return_dto=None,
    summary="Suspend a tenant or lift an administrator's suspension",
    responses=errors(404),
)
async def put_tenant_status(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], data: JSONBody[StatusBody]
) -> dict:
    return await fetch_one_as_caller(request, q.SET_TENANT_STATUS, (tenant_id, data.status))


@post(
    "/tenants/{tenant_id:uuid}/subscription/cancel",
    status_code=200,
    summary="Cancel a tenant's Stripe subscription now (no refund); the free plan follows",
    responses=errors(404, *STRIPE),
)
async def cancel_subscription_now(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID]
) -> dict:
    client = stripe_client(request.app.state)
    sub = await fetch_one_as_caller(request, q.SUBSCRIPTION_ACTION, (tenant_id, "cancel_now", None))
    canceled = await call_stripe(
        lambda: gw.cancel_subscription_now(
            client, sub["stripe_subscription_id"], f"cancel-now:{sub['stripe_subscription_id']}"
        )
    )
    return {
        "tenant_id": tenant_id,
        "stripe_subscription_id": sub["stripe_subscription_id"],
        "stripe_status": canceled.get("status"),
    }


@get("/subscriptions", summary="Subscriptions with plan, status, seats, period and MRR")
async def list_subscriptions(
    request: Request[Any, Any, Any],
    status: FromQuery[str | None] = None,
    limit: FromQuery[int] = 100,
) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.SUBSCRIPTIONS, (status, limit))


@get("/stripe-events", summary="Stored Stripe events, newest first (filter by status)")
async def list_stripe_events(
    request: Request[Any, Any, Any],
    status: FromQuery[str | None] = None,
    limit: FromQuery[int] = 100,
) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.STRIPE_EVENTS, (status, limit))


@post(
    "/stripe-events/{event_id:str}/dismiss",
    status_code=200,
    dto=Strict[DismissBody],
    return_dto=None,
    summary="Stop retrying a stored Stripe event that will never apply",
    responses=errors(404, 409),
)
async def dismiss_stripe_event(
    request: Request[Any, Any, Any],
    event_id: FromPath[str],
    data: JSONBody[DismissBody | None] = None,
) -> dict:
    reason = data.reason if data is not None else None
    return await fetch_one_as_caller(request, q.DISMISS_STRIPE_EVENT, (event_id, reason))


@get("/jobs", summary="Every job: kind, schedule, who fires it, last and next run, queue counts")
async def list_jobs(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.JOBS, ())


@get("/jobs/runs", summary="Job runs, newest first (filter by job and status)")
async def list_job_runs(
    request: Request[Any, Any, Any],
    job: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    limit: FromQuery[int] = 100,
) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.JOB_RUNS, (job, status, limit))


@post(
    "/jobs/{name:str}/run",
    status_code=202,
    dto=Strict[RunJobBody],
    return_dto=None,
    summary="Ask for a run of a job now: queued for the worker (api.enqueue_job)",
    responses=errors(404),
)
async def run_job(
    request: Request[Any, Any, Any],
    name: FromPath[str],
    data: JSONBody[RunJobBody | None] = None,
) -> dict:
    body = data or RunJobBody()
    return await fetch_one_as_caller(
        request,
        q.ENQUEUE_JOB,
        (name, msgspec.json.encode(body.args).decode(), body.run_at, body.dedupe_key, name),
    )


@get(
    "/storage/reconciliations",
    summary="Runs of the storage reconciliation, newest first, with per-tenant drift",
)
async def list_storage_reconciliations(
    request: Request[Any, Any, Any],
    tenant_id: FromQuery[UUID | None] = None,
    limit: FromQuery[int] = 20,
) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.STORAGE_RECONCILIATIONS, (tenant_id, limit))


admin_router = Router(
    path="/v1/admin",
    route_handlers=[
        put_feature,
        feature_catalog,
        put_plan,
        delete_plan,
        get_plan_limits,
        put_plan_limits,
        put_limit,
        get_tenant,
        get_overrides,
        put_overrides,
        put_override,
        delete_override,
        put_tenant_plan,
        grant_addon,
        revoke_addon,
        put_tenant_status,
        cancel_subscription_now,
        list_subscriptions,
        list_stripe_events,
        dismiss_stripe_event,
        list_jobs,
        list_job_runs,
        run_job,
        list_storage_reconciliations,
    ],
    guards=[admin_guard],
    security=[{"apiKey": []}],
    tags=["admin"],
)
