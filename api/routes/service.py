"""Service API (service or admin keys): quota checks, consumption, usage ingestion,
tenants, entitlements, catalog reads and storage. Tenant keys read their own entitlements.
Every route makes one SQL call; rules and errors come from the api schema."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Router, delete, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from psycopg.types.json import Jsonb

from api import queries as q
from api.auth import Principal
from api.db import fetch, fetch_one
from api.errors import ApiError

SERVICE = ("service", "admin")


class CheckBody(msgspec.Struct, forbid_unknown_fields=True):
    tenant_id: UUID
    feature: str
    amount: int = 1


class ConsumeBody(msgspec.Struct, forbid_unknown_fields=True):
    tenant_id: UUID
    feature: str
    amount: int = 1
    idempotency_key: str | None = None


class UsageBody(msgspec.Struct, forbid_unknown_fields=True):
    events: list[dict[str, Any]]


class TenantBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    email: str | None = None
    plan: str | None = None


class ObjectBody(msgspec.Struct, forbid_unknown_fields=True):
    object_key: str
    size_bytes: int
    category: str = "upload"


@post("/v1/check", status_code=200, summary="May the tenant use this much more now?")
async def check(data: CheckBody, principal: Principal, state: State) -> dict[str, bool]:
    principal.require(*SERVICE)
    row = await fetch_one(
        state.pool,
        q.CHECK_QUOTA,
        (data.tenant_id, data.feature, data.amount),
        role=principal.db_role,
    )
    return {"allowed": bool(row and row["allowed"])}


@post("/v1/consume", status_code=200, summary="Check and record usage atomically")
async def consume(
    data: ConsumeBody,
    principal: Principal,
    state: State,
    idempotency_header: str | None = Parameter(header="Idempotency-Key", default=None),
) -> dict[str, Any]:
    principal.require(*SERVICE)
    key = data.idempotency_key
    if idempotency_header is not None:
        if key is not None and key != idempotency_header:
            raise ApiError(
                422, "invalid_request", "Idempotency-Key header and body idempotency_key differ"
            )
        key = idempotency_header
    row = await fetch_one(
        state.pool,
        q.CONSUME,
        (data.tenant_id, data.feature, data.amount, key),
        role=principal.db_role,
    )
    assert row is not None
    return row


@post("/v1/usage", status_code=200, summary="Record a batch of usage events exactly once")
async def usage(data: UsageBody, principal: Principal, state: State) -> dict[str, int]:
    principal.require(*SERVICE)
    row = await fetch_one(
        state.pool, q.RECORD_USAGE_BATCH, (Jsonb(data.events),), role=principal.db_role
    )
    assert row is not None
    return row


@post("/v1/tenants", status_code=201, summary="Create a tenant")
async def create_tenant(data: TenantBody, principal: Principal, state: State) -> dict[str, Any]:
    principal.require(*SERVICE)
    row = await fetch_one(
        state.pool, q.CREATE_TENANT, (data.name, data.email, data.plan), role=principal.db_role
    )
    assert row is not None
    return row


@get("/v1/tenants/{tenant_id:uuid}/entitlements", summary="All entitlements of a tenant")
async def entitlements(tenant_id: UUID, principal: Principal, state: State) -> dict[str, Any]:
    principal.require(*SERVICE)
    rows = await fetch(state.pool, q.LIST_ENTITLEMENTS, (tenant_id,), role=principal.db_role)
    return {"tenant_id": tenant_id, "entitlements": rows}


@get("/v1/tenants/{tenant_id:uuid}/entitlements/{feature:str}", summary="One entitlement")
async def entitlement(
    tenant_id: UUID, feature: str, principal: Principal, state: State
) -> dict[str, Any]:
    principal.require(*SERVICE)
    row = await fetch_one(
        state.pool, q.GET_ENTITLEMENT, (tenant_id, feature), role=principal.db_role
    )
    assert row is not None
    return row


@get("/v1/me/entitlements", summary="The calling tenant's entitlements (tenant keys)")
async def my_entitlements(principal: Principal, state: State) -> dict[str, Any]:
    principal.require("tenant")
    rows = await fetch(
        state.pool, q.MY_ENTITLEMENTS, role="ratecard_tenant", tenant_id=str(principal.tenant_id)
    )
    return {"tenant_id": principal.tenant_id, "entitlements": rows}


@get("/v1/features", summary="Feature catalog")
async def features(principal: Principal, state: State) -> list[dict[str, Any]]:
    return await fetch(
        state.pool,
        q.FEATURES,
        role=principal.db_role,
        tenant_id=str(principal.tenant_id) if principal.tenant_id else None,
    )


@get("/v1/plans", summary="Plan catalog with limits")
async def plans(principal: Principal, state: State) -> list[dict[str, Any]]:
    return await fetch(
        state.pool,
        q.PLANS,
        role=principal.db_role,
        tenant_id=str(principal.tenant_id) if principal.tenant_id else None,
    )


@get("/v1/addons", summary="Add-on catalog")
async def addons(principal: Principal, state: State) -> list[dict[str, Any]]:
    return await fetch(
        state.pool,
        q.ADDONS,
        role=principal.db_role,
        tenant_id=str(principal.tenant_id) if principal.tenant_id else None,
    )


@post(
    "/v1/tenants/{tenant_id:uuid}/storage/objects",
    status_code=200,
    summary="Check the storage limit and track an object",
)
async def track_object(
    tenant_id: UUID, data: ObjectBody, principal: Principal, state: State
) -> dict[str, Any]:
    principal.require(*SERVICE)
    row = await fetch_one(
        state.pool,
        q.TRACK_OBJECT,
        (tenant_id, data.object_key, data.size_bytes, data.category),
        role=principal.db_role,
    )
    assert row is not None
    return row


@delete(
    "/v1/tenants/{tenant_id:uuid}/storage/objects/{object_key:path}",
    status_code=200,
    summary="Forget a deleted object and release its bytes",
)
async def forget_object(
    tenant_id: UUID, object_key: str, principal: Principal, state: State
) -> dict[str, Any]:
    principal.require(*SERVICE)
    row = await fetch_one(
        state.pool, q.FORGET_OBJECT, (tenant_id, object_key.lstrip("/")), role=principal.db_role
    )
    assert row is not None
    return row


@get("/v1/tenants/{tenant_id:uuid}/storage", summary="Objects and bytes per category")
async def storage(tenant_id: UUID, principal: Principal, state: State) -> dict[str, Any]:
    principal.require(*SERVICE)
    rows = await fetch(state.pool, q.STORAGE_USAGE, (tenant_id,), role=principal.db_role)
    return {"tenant_id": tenant_id, "categories": rows}


service_router = Router(
    path="/",
    route_handlers=[
        check,
        consume,
        usage,
        create_tenant,
        entitlements,
        entitlement,
        my_entitlements,
        features,
        plans,
        addons,
        track_object,
        forget_object,
        storage,
    ],
    tags=["service"],
)
