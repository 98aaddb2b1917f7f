"""Service API (service or admin keys): quota checks, consumption, usage ingestion, tenants,
entitlements and storage. Every route makes one SQL call under the key's role; rules and
errors come from the api schema (see docs/http_api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Router, delete, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody

from api import queries as q
from api.auth import service_guard
from api.db import fetch_as_caller, fetch_one_as_caller
from api.errors import ApiError
from api.validation import Strict

MAX_EVENTS = 10_000
# 10,000 events with UUIDs and keys are over 1 MiB; the batch route accepts up to 8 MiB.
USAGE_MAX_BODY_BYTES = 8 * 1_048_576


class CheckBody(msgspec.Struct, forbid_unknown_fields=True):
    tenant_id: UUID
    feature: str
    amount: int = 1


class ConsumeBody(msgspec.Struct, forbid_unknown_fields=True):
    tenant_id: UUID
    feature: str
    amount: int = 1
    idempotency_key: str | None = None


class UsageEvent(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    tenant_id: UUID
    feature: str
    amount: int
    idempotency_key: str
    occurred_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    properties: dict[str, Any] | None = None


class UsageBody(msgspec.Struct, forbid_unknown_fields=True):
    events: Annotated[list[UsageEvent], msgspec.Meta(max_length=MAX_EVENTS)]


class TenantBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    email: str | None = None
    plan: str | None = None


class ObjectBody(msgspec.Struct, forbid_unknown_fields=True):
    object_key: str
    size_bytes: int
    category: str = "upload"


@post(
    "/check",
    status_code=200,
    dto=Strict[CheckBody],
    return_dto=None,
    summary="May the tenant use this much more now? (changes nothing)",
)
async def check(request: Request[Any, Any, Any], data: JSONBody[CheckBody]) -> dict[str, bool]:
    row = await fetch_one_as_caller(
        request, q.CHECK_QUOTA, (data.tenant_id, data.feature, data.amount)
    )
    return {"allowed": row["allowed"]}


@post(
    "/consume",
    status_code=200,
    dto=Strict[ConsumeBody],
    return_dto=None,
    summary="Check the limit and record usage atomically (a denial is 200, allowed=false)",
)
async def consume(
    request: Request[Any, Any, Any],
    data: JSONBody[ConsumeBody],
    idempotency_header: Annotated[
        str | None,
        HeaderParameter(name="Idempotency-Key", description="the same as body idempotency_key"),
    ] = None,
) -> dict[str, Any]:
    key = data.idempotency_key
    if idempotency_header is not None:
        if key is not None and key != idempotency_header:
            raise ApiError(
                422,
                "invalid_request",
                "the Idempotency-Key header and the body's idempotency_key differ",
                hint="send the key once, or the same key in both",
            )
        key = idempotency_header
    return await fetch_one_as_caller(
        request, q.CONSUME, (data.tenant_id, data.feature, data.amount, key)
    )


@post(
    "/usage",
    status_code=200,
    dto=Strict[UsageBody],
    return_dto=None,
    request_max_body_size=USAGE_MAX_BODY_BYTES,
    summary="Record up to 10,000 usage events, each exactly once by its idempotency key",
)
async def usage(request: Request[Any, Any, Any], data: JSONBody[UsageBody]) -> dict[str, int]:
    events = msgspec.json.encode(data.events).decode()
    return await fetch_one_as_caller(request, q.RECORD_USAGE_BATCH, (events,))


@post(
    "/tenants",
    status_code=201,
    dto=Strict[TenantBody],
    return_dto=None,
    summary="Create a tenant (on a plan, or the default plan)",
)
async def create_tenant(
    request: Request[Any, Any, Any], data: JSONBody[TenantBody]
) -> dict[str, Any]:
    return await fetch_one_as_caller(request, q.CREATE_TENANT, (data.name, data.email, data.plan))


@get("/tenants/{tenant_id:uuid}/entitlements", summary="All entitlements of a tenant")
async def entitlements(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID]
) -> dict[str, Any]:
    rows = await fetch_as_caller(request, q.LIST_ENTITLEMENTS, (tenant_id,))
    return {"tenant_id": tenant_id, "entitlements": rows}


@get("/tenants/{tenant_id:uuid}/entitlements/{feature:str}", summary="One entitlement")
async def entitlement(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], feature: FromPath[str]
) -> dict[str, Any]:
    return await fetch_one_as_caller(request, q.GET_ENTITLEMENT, (tenant_id, feature))


@post(
    "/tenants/{tenant_id:uuid}/storage/objects",
    status_code=200,
    dto=Strict[ObjectBody],
    return_dto=None,
    summary="Check the storage limit and track (or resize) an object",
)
async def track_object(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], data: JSONBody[ObjectBody]
) -> dict[str, Any]:
    return await fetch_one_as_caller(
        request, q.TRACK_OBJECT, (tenant_id, data.object_key, data.size_bytes, data.category)
    )


@delete(
    "/tenants/{tenant_id:uuid}/storage/objects/{object_key:path}",
    status_code=200,
    summary="Forget a deleted object and release its bytes",
)
async def forget_object(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], object_key: FromPath[str]
) -> dict[str, Any]:
    # A path parameter keeps its leading "/"; the rest of the path is the key as sent.
    key = object_key.removeprefix("/")
    return await fetch_one_as_caller(request, q.FORGET_OBJECT, (tenant_id, key))


@get("/tenants/{tenant_id:uuid}/storage", summary="Objects and bytes per storage category")
async def storage(request: Request[Any, Any, Any], tenant_id: FromPath[UUID]) -> dict[str, Any]:
    rows = await fetch_as_caller(request, q.STORAGE_USAGE, (tenant_id,))
    return {"tenant_id": tenant_id, "categories": rows}


service_router = Router(
    path="/v1",
    route_handlers=[
        check,
        consume,
        usage,
        create_tenant,
        entitlements,
        entitlement,
        track_object,
        forget_object,
        storage,
    ],
    guards=[service_guard],
    security=[{"apiKey": []}],
    tags=["service"],
)
