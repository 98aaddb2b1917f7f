"""Service API (service or admin keys): quota checks, consumption, usage ingestion, tenants,
entitlements and storage. Every route makes one SQL call under the key's role; rules and
errors come from the api schema (see docs/http_api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes, urlencode
from uuid import UUID

import msgspec
from litestar import Request, Router, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody

from api import queries as q
from api.auth import service_guard
from api.db import copy_as_caller, fetch_as_caller, fetch_one_as_caller
from api.errors import ApiError
from api.openapi import errors
from api.validation import BigInt, Strict, documented, idempotency_key
from ratecard import ingest
from ratecard import queries as rq
from ratecard import s3_gateway as s3gw

MAX_EVENTS = 10_000
# 10,000 events with UUIDs and keys are over 1 MiB; the batch route accepts up to 8 MiB.
USAGE_MAX_BODY_BYTES = 8 * 1_048_576
# NDJSON streams: about 300,000 events of ~200 bytes, recorded in one transaction.
USAGE_STREAM_MAX_BODY_BYTES = 64 * 1_048_576


FeatureCode = Annotated[str, documented({"maxLength": 63}, "a feature code")]
IdempotencyKey = Annotated[
    str,
    documented(
        {"minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
        "1 to 255 printable ASCII characters without spaces",
    ),
]


class CheckBody(msgspec.Struct, forbid_unknown_fields=True):
    tenant_id: UUID
    feature: FeatureCode
    amount: BigInt = 1


class ConsumeBody(msgspec.Struct, forbid_unknown_fields=True):
    tenant_id: UUID
    feature: FeatureCode
    amount: BigInt = 1
    idempotency_key: IdempotencyKey | None = None


class UsageEvent(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    tenant_id: UUID
    feature: FeatureCode
    amount: BigInt
    idempotency_key: IdempotencyKey
    occurred_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    properties: dict[str, Any] | None = None


class UsageBody(msgspec.Struct, forbid_unknown_fields=True):
    events: Annotated[list[UsageEvent], msgspec.Meta(max_length=MAX_EVENTS)]


class TenantBody(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, documented({"minLength": 1, "maxLength": 200})]
    email: Annotated[str, documented({"maxLength": 320})] | None = None
    plan: Annotated[str, documented({"maxLength": 63})] | None = None


class BillingSessionBody(msgspec.Struct, forbid_unknown_fields=True):
    ttl_seconds: Annotated[int, documented({"minimum": 60, "maximum": 3600})] = 900
    return_url: (
        Annotated[
            str,
            documented(
                {"maxLength": 2000, "pattern": "^https?://"},
                "where the page's back link goes: an http or https URL",
            ),
        ]
        | None
    ) = None


STORAGE_CATEGORIES = ["upload", "attachment", "export", "profile_image", "backup"]


class ObjectBody(msgspec.Struct, forbid_unknown_fields=True):
    object_key: Annotated[
        str,
        documented(
            {"minLength": 1, "maxLength": 1024},
            "a plain relative path: 1 to 1,024 bytes of UTF-8, no control characters, no"
            " leading or trailing /, no empty, . or .. segments",
        ),
    ]
    size_bytes: BigInt
    category: Annotated[str, documented({"enum": STORAGE_CATEGORIES})] = "upload"


class UploadBody(msgspec.Struct, forbid_unknown_fields=True):
    size_bytes: Annotated[
        int,
        documented(
            {"format": "int64", "minimum": -(2**63), "maximum": 2**63 - 1},
            "the exact size of the file, 0 to 5 GiB: the presigned POST allows no other",
        ),
    ]
    category: Annotated[str, documented({"enum": STORAGE_CATEGORIES})] | None = None
    file_name: (
        Annotated[
            str,
            documented(
                {"minLength": 1, "maxLength": 255},
                "one path segment (no /); the key layout places it under the tenant's prefix",
            ),
        ]
        | None
    ) = None
    object_key: (
        Annotated[
            str,
            documented(
                {"minLength": 1, "maxLength": 1024},
                "a key the key layout attributes to this tenant (instead of file_name)",
            ),
        ]
        | None
    ) = None
    content_type: Annotated[str, documented({"maxLength": 255})] | None = None


@post(
    "/check",
    status_code=200,
    dto=Strict[CheckBody],
    return_dto=None,
    summary="May the tenant use this much more now? (changes nothing)",
    responses=errors(404),
)
async def check(request: Request[Any, Any, Any], data: JSONBody[CheckBody]) -> dict[str, bool]:
    # checks arriving together share one statement (api/checks.py)
    caller = request.scope["auth"]  # type: ignore[typeddict-item]
    allowed = await request.app.state.checks.check(
        caller.db_role, data.tenant_id, data.feature, data.amount
    )
    return {"allowed": allowed}


@post(
    "/consume",
    status_code=200,
    dto=Strict[ConsumeBody],
    return_dto=None,
    summary="Check the limit and record usage atomically (a denial is 200, allowed=false)",
    responses=errors(404, 409),
)
async def consume(
    request: Request[Any, Any, Any],
    data: JSONBody[ConsumeBody],
    idempotency_header: Annotated[
        str | None,
        HeaderParameter(name="Idempotency-Key", description="the same as body idempotency_key"),
    ] = None,
) -> dict[str, Any]:
    key = idempotency_key(data.idempotency_key, idempotency_header)
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
    responses=errors(404, 409),
)
async def usage(request: Request[Any, Any, Any], data: JSONBody[UsageBody]) -> dict[str, int]:
    events = msgspec.json.encode(data.events).decode()
    return await fetch_one_as_caller(request, q.RECORD_USAGE_BATCH, (events,))


@post(
    "/usage/stream",
    status_code=200,
    request_max_body_size=USAGE_STREAM_MAX_BODY_BYTES,
    opt={"ndjson_body": True},
    summary="Record a stream of usage events (NDJSON, up to 64 MiB), each exactly once by its"
    " idempotency key, all or none",
    description="The body is newline-delimited JSON (Content-Type: application/x-ndjson), one"
    " event per line, each like an event of POST /v1/usage. Every line is checked first (a"
    " line that is not such an event is refused with its number); the events are then"
    " copied into a staging table and recorded by one set-based merge in a single"
    " transaction (api.merge_usage_stream): any bad event rejects the whole stream, with"
    " `line <n>` as detail.",
    responses=errors(404, 409),
)
async def usage_stream(request: Request[Any, Any, Any]) -> dict[str, int]:
    try:
        rows = ingest.parse_body(await request.body())
    except ingest.BadLine as exc:
        problem = {"message": exc.message, "source": "body", "key": f"line {exc.line}"}
        raise ApiError(exc.status, exc.code, str(exc), [problem]) from None
    if not rows:
        return {"lines": 0, "accepted": 0, "duplicates": 0}
    result = await copy_as_caller(
        request, rq.OPEN_USAGE_STREAM, rq.COPY_USAGE_STREAM, rows, rq.MERGE_USAGE_STREAM
    )
    return {"lines": len(rows), **result[0]}


@post(
    "/tenants",
    status_code=201,
    dto=Strict[TenantBody],
    return_dto=None,
    summary="Create a tenant (on a plan, or the default plan)",
    responses=errors(404),
)
async def create_tenant(
    request: Request[Any, Any, Any], data: JSONBody[TenantBody]
) -> dict[str, Any]:
    return await fetch_one_as_caller(request, q.CREATE_TENANT, (data.name, data.email, data.plan))


@post(
    "/tenants/{tenant_id:uuid}/billing-session",
    status_code=200,
    dto=Strict[BillingSessionBody],
    return_dto=None,
    summary="A short-lived, single-use link to the tenant's billing page (body optional)",
    responses=errors(404),
)
async def billing_session(
    request: Request[Any, Any, Any],
    tenant_id: FromPath[UUID],
    data: JSONBody[BillingSessionBody | None] = None,
) -> dict[str, Any]:
    body = data or BillingSessionBody()
    row = await fetch_one_as_caller(
        request, q.CREATE_BILLING_SESSION, (tenant_id, body.ttl_seconds, body.return_url)
    )
    link = f"{public_base(request)}/billing/enter?{urlencode({'token': row['token']})}"
    return {"url": link, "expires_at": row["expires_at"]}


@delete(
    "/tenants/{tenant_id:uuid}/billing-sessions",
    status_code=200,
    summary="End every billing link and session of the tenant now",
    responses=errors(404),
)
async def revoke_billing_sessions(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID]
) -> dict[str, Any]:
    row = await fetch_one_as_caller(request, q.REVOKE_BILLING_SESSIONS, (tenant_id,))
    return {"tenant_id": tenant_id, "revoked": row["revoked"]}


def public_base(request: Request[Any, Any, Any]) -> str:
    """Where users reach the pages: RATECARD_PUBLIC_URL, else this request's own address."""
    return request.app.state.public_url or str(request.base_url).rstrip("/")


@get(
    "/tenants/{tenant_id:uuid}/entitlements",
    summary="All entitlements of a tenant",
    responses=errors(404),
)
async def entitlements(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID]
) -> dict[str, Any]:
    rows = await fetch_as_caller(request, q.LIST_ENTITLEMENTS, (tenant_id,))
    return {"tenant_id": tenant_id, "entitlements": rows}


@get(
    "/tenants/{tenant_id:uuid}/entitlements/{feature:str}",
    summary="One entitlement",
    responses=errors(404),
)
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
    responses=errors(404),
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
    responses=errors(404),
)
async def forget_object(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], object_key: FromPath[str]
) -> dict[str, Any]:
    return await fetch_one_as_caller(
        request, q.FORGET_OBJECT, (tenant_id, object_key_as_sent(request, object_key))
    )


def object_key_as_sent(request: Request[Any, Any, Any], parsed: str) -> str:
    """The key exactly as the client wrote it in the path, percent-decoded as UTF-8.

    Litestar's router collapses "//" and drops a trailing "/" before it fills the path
    parameter, so "objects//docs/a.txt" would reach SQL as "docs/a.txt" and release another
    object. The raw path keeps what was sent, and api.forget_object judges it by the same
    canonical form as api.track_object (RC020 for "/docs/a.txt", "a//b", "dir/")."""
    raw: bytes = request.scope.get("raw_path") or b""
    _, found, tail = raw.partition(b"/storage/objects/")
    if not found:
        return parsed[1:] if parsed.startswith("/") else parsed
    try:
        return unquote_to_bytes(tail).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(
            422, "invalid_object_key", "the object key in the path is not UTF-8 once decoded"
        ) from None


@post(
    "/tenants/{tenant_id:uuid}/storage/uploads",
    status_code=201,
    dto=Strict[UploadBody],
    return_dto=None,
    summary="Check the storage limit for an upload and answer a presigned POST of exactly its size",
    responses=errors(403, 404, 503),
)
async def create_upload(
    request: Request[Any, Any, Any],
    state: State,
    tenant_id: FromPath[UUID],
    data: JSONBody[UploadBody],
) -> dict[str, Any]:
    s3: s3gw.S3Settings = state.s3
    try:
        s3.client()  # before the SQL call: no reservation for an upload that cannot be signed
    except s3gw.StorageNotConfigured as exc:
        raise ApiError(503, "storage_not_configured", exc.message, hint=exc.hint or "") from None
    row = await fetch_one_as_caller(
        request,
        q.CREATE_UPLOAD,
        (
            tenant_id,
            data.category,
            data.size_bytes,
            data.file_name,
            data.object_key,
            data.content_type,
        ),
    )
    row["upload"] = s3gw.presigned_post(
        s3, row["object_key"], row["size_bytes"], row["content_type"], row["expires_in"]
    )
    return row


@get(
    "/tenants/{tenant_id:uuid}/storage",
    summary="Storage per category now (objects, bytes, pending, oversized) and its daily history",
    responses=errors(404),
    description="`days`: days of history, 0 to 366 (default 30); outside that, 422.",
)
async def storage(
    request: Request[Any, Any, Any],
    tenant_id: FromPath[UUID],
    days: FromQuery[int] = 30,
) -> dict[str, Any]:
    row = await fetch_one_as_caller(request, q.STORAGE_OVERVIEW, (tenant_id, days))
    return row["overview"]


service_router = Router(
    path="/v1",
    route_handlers=[
        check,
        consume,
        usage,
        usage_stream,
        create_tenant,
        billing_session,
        revoke_billing_sessions,
        entitlements,
        entitlement,
        track_object,
        forget_object,
        create_upload,
        storage,
    ],
    guards=[service_guard],
    security=[{"apiKey": []}],
    tags=["service"],
)
