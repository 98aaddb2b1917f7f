"""Admin API (admin keys): catalog, plan limits, tenants' overrides, plans, add-ons and
status, stored Stripe events, and cancelling a subscription at once. One SQL call per
route, as ratecard_admin (the immediate cancel then asks Stripe). Writes answer 200 with
the identifiers they touched; the SQL functions are upserts, so repeating a PUT changes
nothing more."""

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


class FeatureBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: Annotated[str, documented({"enum": ["switch", "metered", "gauge"]})]
    reset: Annotated[str, documented({"enum": ["hour", "day", "month", "billing_period"]})] = (
        "month"
    )
    unit: Annotated[str, documented({"minLength": 1, "maxLength": 32})] | None = None
    name: Name | None = None
    durable: bool = True


class PlanBody(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    price_cents: BigInt
    currency: Annotated[str, documented({"pattern": "^[a-z]{3}$"})] = "usd"
    interval: Annotated[str, documented({"enum": ["month", "year"]})] = "month"
    per_seat: bool = False
    is_default: bool | None = None
    is_public: bool | None = None
    trial_days: Int | None = None


class LimitBody(msgspec.Struct, forbid_unknown_fields=True):
    limit: BigInt | None  # required; null = unlimited
    enabled: bool = True
    overage: Annotated[str, documented({"enum": ["block", "soft", "bill"]})] = "block"
    buffer_pct: Decimal = Decimal(0)
    grace_seconds: BigInt | None = None
    per_seat: bool = False


class OverrideBody(msgspec.Struct, forbid_unknown_fields=True):
    limit: BigInt | None  # required; null = unlimited
    enabled: bool = True
    expires_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None


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
        request, q.DEFINE_FEATURE, (code, data.kind, data.reset, data.unit, data.name, data.durable)
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
        ),
    )
    return {"code": code}


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
        put_plan,
        put_limit,
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
