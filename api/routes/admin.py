"""Admin API (admin keys): catalog, limits, overrides, plans and add-ons of tenants.
One SQL call per route."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
from litestar import Router, delete, put
from litestar.datastructures import State

from api import queries as q
from api.auth import Principal
from api.db import fetch_one


class FeatureBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    reset: str = "month"
    unit: str | None = None
    name: str | None = None
    durable: bool = True


class PlanBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    price_cents: int
    currency: str = "usd"
    interval: str = "month"
    per_seat: bool = False
    is_default: bool | None = None
    is_public: bool | None = None
    trial_days: int | None = None


class LimitBody(msgspec.Struct, forbid_unknown_fields=True):
    limit: int | None
    enabled: bool = True
    overage: str = "block"
    buffer_pct: Decimal = Decimal(0)
    grace_seconds: int | None = None
    per_seat: bool = False


class OverrideBody(msgspec.Struct, forbid_unknown_fields=True):
    limit: int | None
    enabled: bool = True
    expires_at: datetime | None = None


class AssignBody(msgspec.Struct, forbid_unknown_fields=True):
    plan: str
    seats: int = 1


class AddonBody(msgspec.Struct, forbid_unknown_fields=True):
    quantity: int = 1


async def _admin(state: State, principal: Principal, query: str, params: tuple) -> dict:
    principal.require("admin")
    row = await fetch_one(state.pool, query, params, role="ratecard_admin")
    return dict(row or {})


@put("/features/{code:str}", summary="Define or update a feature")
async def put_feature(
    code: str, data: FeatureBody, principal: Principal, state: State
) -> dict[str, Any]:
    await _admin(
        state,
        principal,
        q.DEFINE_FEATURE,
        (code, data.kind, data.reset, data.unit, data.name, data.durable),
    )
    return {"code": code}


@put("/plans/{code:str}", summary="Define or update a plan")
async def put_plan(code: str, data: PlanBody, principal: Principal, state: State) -> dict[str, Any]:
    await _admin(
        state,
        principal,
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


@put("/plans/{plan:str}/limits/{feature:str}", summary="Set a plan's limit for a feature")
async def put_limit(
    plan: str, feature: str, data: LimitBody, principal: Principal, state: State
) -> dict[str, Any]:
    grace = timedelta(seconds=data.grace_seconds) if data.grace_seconds is not None else None
    await _admin(
        state,
        principal,
        q.SET_PLAN_LIMIT,
        (
            plan,
            feature,
            data.limit,
            data.enabled,
            data.overage,
            data.buffer_pct,
            grace,
            data.per_seat,
        ),
    )
    return {"plan": plan, "feature": feature}


@put("/tenants/{tenant_id:uuid}/overrides/{feature:str}", summary="Set a tenant override")
async def put_override(
    tenant_id: UUID, feature: str, data: OverrideBody, principal: Principal, state: State
) -> dict[str, Any]:
    await _admin(
        state,
        principal,
        q.SET_OVERRIDE,
        (tenant_id, feature, data.limit, data.enabled, data.expires_at),
    )
    return {"tenant_id": tenant_id, "feature": feature}


@delete(
    "/tenants/{tenant_id:uuid}/overrides/{feature:str}",
    status_code=200,
    summary="Remove a tenant override",
)
async def delete_override(
    tenant_id: UUID, feature: str, principal: Principal, state: State
) -> dict[str, Any]:
    return await _admin(state, principal, q.CLEAR_OVERRIDE, (tenant_id, feature))


@put("/tenants/{tenant_id:uuid}/plan", summary="Put a tenant on a plan (outside Stripe)")
async def put_tenant_plan(
    tenant_id: UUID, data: AssignBody, principal: Principal, state: State
) -> dict[str, Any]:
    await _admin(state, principal, q.ASSIGN_PLAN, (tenant_id, data.plan, data.seats))
    return {"tenant_id": tenant_id, "plan": data.plan, "seats": data.seats}


@put("/tenants/{tenant_id:uuid}/addons/{addon:str}", summary="Grant an add-on")
async def put_addon(
    tenant_id: UUID, addon: str, data: AddonBody, principal: Principal, state: State
) -> dict[str, Any]:
    await _admin(state, principal, q.GRANT_ADDON, (tenant_id, addon, data.quantity))
    return {"tenant_id": tenant_id, "addon": addon, "quantity": data.quantity}


@delete("/tenants/{tenant_id:uuid}/addons/{addon:str}", status_code=200, summary="Revoke an add-on")
async def delete_addon(
    tenant_id: UUID, addon: str, principal: Principal, state: State
) -> dict[str, Any]:
    return await _admin(state, principal, q.REVOKE_ADDON, (tenant_id, addon))


admin_router = Router(
    path="/v1/admin",
    route_handlers=[
        put_feature,
        put_plan,
        put_limit,
        put_override,
        delete_override,
        put_tenant_plan,
        put_addon,
        delete_addon,
    ],
    tags=["admin"],
)
