"""Metered billing for administrators (admin keys): reconciliation drift, usage reports on
their way to Stripe (and an operator's decision on a flagged one), and corrections of a
tenant's usage. One SQL call per route, as ratecard_admin; the rules are in SQL
(api.list_usage_drift, api.list_usage_reports, api.resolve_usage_report,
api.correct_usage). The tenant's own view of billed usage is GET /v1/billing/usage."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody

from api import queries as q
from api.auth import admin_guard
from api.db import fetch_as_caller, fetch_one_as_caller
from api.openapi import errors
from api.routes.service import FeatureCode, IdempotencyKey
from api.validation import BigInt, Strict, documented, idempotency_key

Note = Annotated[str, documented({"minLength": 1, "maxLength": 500})]


class CorrectionBody(msgspec.Struct, forbid_unknown_fields=True):
    feature: FeatureCode
    amount: BigInt  # signed: negative takes units back
    reason: Note
    idempotency_key: IdempotencyKey | None = None


class ResolveBody(msgspec.Struct, forbid_unknown_fields=True):
    action: Annotated[str, documented({"enum": ["retry", "delivered", "dismiss"]})]
    note: Note


@get(
    "/usage-drift",
    summary="Billing periods whose billed usage, reports sent and Stripe's meter summary"
    " disagreed at the last reconciliation (open ones unless include_resolved)",
    responses=errors(422),
)
async def usage_drift(
    request: Request[Any, Any, Any],
    tenant_id: FromQuery[UUID | None] = None,
    include_resolved: FromQuery[bool] = False,
    limit: FromQuery[int] = 100,
) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.USAGE_DRIFT, (tenant_id, include_resolved, limit))


@get(
    "/usage-reports",
    summary="Usage reports sent or to send to Stripe, newest first (status=flagged: those an"
    " operator must resolve)",
    responses=errors(422),
)
async def usage_reports(
    request: Request[Any, Any, Any],
    tenant_id: FromQuery[UUID | None] = None,
    status: FromQuery[str | None] = None,
    limit: FromQuery[int] = 100,
) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.USAGE_REPORTS, (tenant_id, status, limit))


@post(
    "/tenants/{tenant_id:uuid}/usage-reports/{report_id:int}/resolve",
    status_code=200,
    dto=Strict[ResolveBody],
    return_dto=None,
    summary="Resolve a flagged usage report: retry it, confirm Stripe has it, or dismiss it",
    responses=errors(404, 409),
)
async def resolve_usage_report(
    request: Request[Any, Any, Any],
    tenant_id: FromPath[UUID],
    report_id: FromPath[int],
    data: JSONBody[ResolveBody],
) -> dict[str, Any]:
    return await fetch_one_as_caller(
        request, q.RESOLVE_USAGE_REPORT, (tenant_id, report_id, data.action, data.note)
    )


@post(
    "/tenants/{tenant_id:uuid}/usage-corrections",
    status_code=200,
    dto=Strict[CorrectionBody],
    return_dto=None,
    summary="Correct a tenant's metered usage this period (signed; once per idempotency key);"
    " billed corrections reach Stripe",
    responses=errors(404, 409),
)
async def correct_usage(
    request: Request[Any, Any, Any],
    tenant_id: FromPath[UUID],
    data: JSONBody[CorrectionBody],
    idempotency_header: Annotated[
        str | None,
        HeaderParameter(name="Idempotency-Key", description="the same as body idempotency_key"),
    ] = None,
) -> dict[str, Any]:
    key = idempotency_key(data.idempotency_key, idempotency_header)
    return await fetch_one_as_caller(
        request, q.CORRECT_USAGE, (tenant_id, data.feature, data.amount, data.reason, key)
    )


metering_router = Router(
    path="/v1/admin",
    route_handlers=[usage_drift, usage_reports, resolve_usage_report, correct_usage],
    guards=[admin_guard],
    security=[{"apiKey": []}],
    tags=["admin"],
)
