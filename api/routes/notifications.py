"""Notification routes: webhook endpoints, preferences and deliveries for a tenant (tenant
keys, under /v1/billing) and for administrators (admin keys, under /v1/admin: any tenant's
or platform-wide endpoints, the delivery list, resending). One SQL call per route.

A webhook URL is checked here before that call (ratecard/notify/urls.py: https, and no
private, loopback or link-local address outside development mode), because only Python
can resolve a host name; SQL checks its shape again. A refusal is 422 invalid_webhook_url.
The endpoint's signing secret is in the answer of the POST (and of rotate-secret) only.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Router, delete, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from api import queries as q
from api.auth import Principal, admin_guard, tenant_guard
from api.db import fetch, fetch_as_caller, fetch_one, fetch_one_as_caller
from api.errors import ApiError
from api.openapi import errors
from api.validation import BigInt, Strict, documented
from ratecard.notify.config import NotifySettings
from ratecard.notify.urls import UrlRefused, check_url
from ratecard.sqlcall import one

Url = Annotated[str, documented({"minLength": 1, "maxLength": 2000})]
Types = Annotated[list[str], documented({"maxItems": 100})]
Description = Annotated[str, documented({"maxLength": 500})]


class EndpointBody(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    event_types: Types = msgspec.field(default_factory=list)
    description: Description | None = None


class AdminEndpointBody(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    # null or absent: platform-wide (every tenant's events)
    tenant_id: UUID | None = None
    event_types: Types = msgspec.field(default_factory=list)
    description: Description | None = None


class SettingsBody(msgspec.Struct, forbid_unknown_fields=True):
    extra_recipients: Annotated[list[str], documented({"maxItems": 20})] = msgspec.field(
        default_factory=list
    )
    # null: every type; [] none
    email_types: Types | None = None
    webhook_types: Types | None = None


async def _check_url(url: str) -> None:
    """422 invalid_webhook_url unless webhooks may go to `url` (resolves the host)."""
    if "\x00" in url:
        return  # the NUL check answers first (api/validation.py)
    development = NotifySettings.from_env().development
    try:
        await asyncio.to_thread(check_url, url, development=development)
    except UrlRefused as exc:
        raise ApiError(422, "invalid_webhook_url", f"webhook URL refused: {exc}") from None


def _tenant(principal: Principal) -> str:
    return str(principal.tenant_id)


# -- tenant keys: /v1/billing ------------------------------------------------------------------


@post(
    "/webhook-endpoints",
    status_code=201,
    dto=Strict[EndpointBody],
    return_dto=None,
    summary="Register a webhook endpoint; the answer holds its signing secret, shown once",
    responses=errors(404),
)
async def create_endpoint(
    data: JSONBody[EndpointBody], principal: NamedDependency[Principal], state: State
) -> dict[str, Any]:
    await _check_url(data.url)
    tenant = _tenant(principal)
    rows = await fetch(
        state.pool,
        q.CREATE_WEBHOOK_ENDPOINT,
        (tenant, data.url, data.event_types, data.description),
        role="ratecard_service",
    )
    return one(rows, "create_webhook_endpoint")


@get("/webhook-endpoints", summary="The tenant's webhook endpoints (never their secrets)")
async def list_endpoints(
    principal: NamedDependency[Principal], state: State
) -> list[dict[str, Any]]:
    return await fetch(
        state.pool, q.MY_WEBHOOK_ENDPOINTS, role="ratecard_tenant", tenant_id=_tenant(principal)
    )


@delete(
    "/webhook-endpoints/{endpoint_id:uuid}",
    status_code=200,
    summary="Remove a webhook endpoint; deliveries not yet sent to it are cancelled",
    responses=errors(404),
)
async def delete_endpoint(
    endpoint_id: FromPath[UUID], principal: NamedDependency[Principal], state: State
) -> dict[str, Any]:
    rows = await fetch(
        state.pool,
        q.DELETE_WEBHOOK_ENDPOINT,
        (_tenant(principal), endpoint_id),
        role="ratecard_service",
    )
    return one(rows, "delete_webhook_endpoint")


@post(
    "/webhook-endpoints/{endpoint_id:uuid}/rotate-secret",
    status_code=200,
    summary="A new signing secret (shown once); the old one also signs for 24 hours",
    responses=errors(404),
)
async def rotate_secret(
    endpoint_id: FromPath[UUID], principal: NamedDependency[Principal], state: State
) -> dict[str, Any]:
    rows = await fetch(
        state.pool,
        q.ROTATE_WEBHOOK_SECRET,
        (_tenant(principal), endpoint_id),
        role="ratecard_service",
    )
    return one(rows, "rotate_webhook_secret")


@get(
    "/notification-settings",
    summary="Notification preferences: recipients, types sent by email and by webhook",
)
async def get_settings(principal: NamedDependency[Principal], state: State) -> dict[str, Any]:
    row = await fetch_one(
        state.pool, q.MY_NOTIFICATION_SETTINGS, role="ratecard_tenant", tenant_id=_tenant(principal)
    )
    return row or {}


@put(
    "/notification-settings",
    dto=Strict[SettingsBody],
    return_dto=None,
    summary="Replace the notification preferences",
    responses=errors(404),
)
async def put_settings(
    data: JSONBody[SettingsBody], principal: NamedDependency[Principal], state: State
) -> dict[str, Any]:
    rows = await fetch(
        state.pool,
        q.SET_NOTIFICATION_SETTINGS,
        (_tenant(principal), data.extra_recipients, data.email_types, data.webhook_types),
        role="ratecard_service",
    )
    return one(rows, "set_notification_settings")


@get("/notifications", summary="The tenant's notifications (the outbox), newest first")
async def list_notifications(
    principal: NamedDependency[Principal], state: State
) -> list[dict[str, Any]]:
    return await fetch(
        state.pool, q.MY_NOTIFICATIONS, role="ratecard_tenant", tenant_id=_tenant(principal)
    )


@get(
    "/notification-deliveries",
    summary="Deliveries of the tenant's notifications: status, attempts, last answer",
)
async def list_my_deliveries(
    principal: NamedDependency[Principal], state: State
) -> list[dict[str, Any]]:
    return await fetch(
        state.pool,
        q.MY_NOTIFICATION_DELIVERIES,
        role="ratecard_tenant",
        tenant_id=_tenant(principal),
    )


notifications_billing_router = Router(
    path="/v1/billing",
    route_handlers=[
        create_endpoint,
        list_endpoints,
        delete_endpoint,
        rotate_secret,
        get_settings,
        put_settings,
        list_notifications,
        list_my_deliveries,
    ],
    guards=[tenant_guard],
    security=[{"apiKey": []}],
    tags=["notifications"],
)


# -- admin keys: /v1/admin ---------------------------------------------------------------------


@post(
    "/webhook-endpoints",
    status_code=201,
    dto=Strict[AdminEndpointBody],
    return_dto=None,
    summary="Register a tenant's or a platform-wide webhook endpoint (secret shown once)",
    responses=errors(404),
)
async def admin_create_endpoint(
    request: Request[Any, Any, Any], data: JSONBody[AdminEndpointBody]
) -> dict[str, Any]:
    await _check_url(data.url)
    if data.tenant_id is None:
        query = q.CREATE_PLATFORM_WEBHOOK_ENDPOINT
        params: tuple[Any, ...] = (data.url, data.event_types, data.description)
    else:
        query = q.CREATE_WEBHOOK_ENDPOINT
        params = (data.tenant_id, data.url, data.event_types, data.description)
    return await fetch_one_as_caller(request, query, params) or {}


@get(
    "/webhook-endpoints",
    summary="Webhook endpoints of every tenant and the platform (filter by tenant, platform)",
)
async def admin_list_endpoints(
    request: Request[Any, Any, Any],
    tenant_id: FromQuery[UUID | None] = None,
    platform: FromQuery[bool | None] = None,
) -> list[dict[str, Any]]:
    return await fetch_as_caller(
        request, q.WEBHOOK_ENDPOINTS, (tenant_id, tenant_id, platform, platform)
    )


@delete(
    "/webhook-endpoints/{endpoint_id:uuid}",
    status_code=200,
    summary="Remove any webhook endpoint; deliveries not yet sent to it are cancelled",
    responses=errors(404),
)
async def admin_delete_endpoint(
    request: Request[Any, Any, Any], endpoint_id: FromPath[UUID]
) -> dict[str, Any]:
    return await fetch_one_as_caller(request, q.ADMIN_DELETE_WEBHOOK_ENDPOINT, (endpoint_id,)) or {}


@post(
    "/webhook-endpoints/{endpoint_id:uuid}/rotate-secret",
    status_code=200,
    summary="A new signing secret for any endpoint (shown once); the old one signs for 24 h",
    responses=errors(404),
)
async def admin_rotate_secret(
    request: Request[Any, Any, Any], endpoint_id: FromPath[UUID]
) -> dict[str, Any]:
    return await fetch_one_as_caller(request, q.ADMIN_ROTATE_WEBHOOK_SECRET, (endpoint_id,)) or {}


@put(
    "/tenants/{tenant_id:uuid}/notification-settings",
    dto=Strict[SettingsBody],
    return_dto=None,
    summary="Replace a tenant's notification preferences",
    responses=errors(404),
)
async def admin_put_settings(
    request: Request[Any, Any, Any], tenant_id: FromPath[UUID], data: JSONBody[SettingsBody]
) -> dict[str, Any]:
    return (
        await fetch_one_as_caller(
            request,
            q.SET_NOTIFICATION_SETTINGS,
            (tenant_id, data.extra_recipients, data.email_types, data.webhook_types),
        )
        or {}
    )


@get(
    "/notifications/deliveries",
    summary="Deliveries, newest first (filter by status, tenant, channel, notification)",
)
async def admin_list_deliveries(
    request: Request[Any, Any, Any],
    status: FromQuery[str | None] = None,
    tenant_id: FromQuery[UUID | None] = None,
    channel: FromQuery[str | None] = None,
    notification_id: FromQuery[BigInt | None] = None,
    limit: FromQuery[int] = 100,
) -> list[dict[str, Any]]:
    return await fetch_as_caller(
        request, q.NOTIFICATION_DELIVERIES, (status, tenant_id, channel, notification_id, limit)
    )


@post(
    "/notifications/{notification_id:int}/resend",
    status_code=202,
    summary="Send a notification again: missing deliveries planned, ended ones queued again",
    responses=errors(404),
)
async def admin_resend(
    request: Request[Any, Any, Any], notification_id: FromPath[int]
) -> dict[str, Any]:
    return (
        await fetch_one_as_caller(
            request, q.RESEND_NOTIFICATION, (notification_id, notification_id)
        )
        or {}
    )


notifications_admin_router = Router(
    path="/v1/admin",
    route_handlers=[
        admin_create_endpoint,
        admin_list_endpoints,
        admin_delete_endpoint,
        admin_rotate_secret,
        admin_put_settings,
        admin_list_deliveries,
        admin_resend,
    ],
    guards=[admin_guard],
    security=[{"apiKey": []}],
    tags=["notifications"],
)
