"""Revenue and capacity analytics (admin keys): MRR, movements, KPIs, plans and forecast
under /v1/admin/analytics; capacity, trends, recommendations and snapshots under
/v1/admin/platform-health; subscription statistics and acquisition spend. One SQL call per
route, as ratecard_admin; every figure is computed in SQL (docs/analytics.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post, put
from litestar.params import FromQuery, JSONBody, QueryParameter

from api import queries as q
from api.auth import admin_guard
from api.db import fetch_as_caller, fetch_one_as_caller
from api.validation import BigInt, Strict, documented

Currency = Annotated[str, documented({"pattern": "^[a-z]{3}$"})]
# `from` is a Python keyword: the handlers take it as `since`.
Since = Annotated[date | None, QueryParameter(name="from", description="first day (UTC)")]


def _today() -> date:
    return datetime.now(UTC).date()


def _range(
    since: date | None, until: date | None, interval: str, default_days: int
) -> dict[str, Any]:
    """Defaults only: the range's checks (interval, order, size) are SQL's."""
    until = until or _today()
    since = since or until - timedelta(days=default_days)
    return {"interval": interval, "from": since, "to": until}


@get("/analytics/mrr", summary="MRR, ARR, paying customers and trial MRR per day or month")
async def mrr(
    request: Request[Any, Any, Any],
    since: Since = None,
    to: FromQuery[date | None] = None,
    currency: FromQuery[str | None] = None,
    interval: FromQuery[str] = "day",
) -> list[dict[str, Any]]:
    params = _range(since, to, interval, 30 if interval == "day" else 365)
    return await fetch_as_caller(request, q.ANALYTICS_MRR, {**params, "currency": currency})


@get("/analytics/movements", summary="MRR movements per month or day (they add up to the change)")
async def movements(
    request: Request[Any, Any, Any],
    since: Since = None,
    to: FromQuery[date | None] = None,
    currency: FromQuery[str | None] = None,
    interval: FromQuery[str] = "month",
) -> list[dict[str, Any]]:
    params = _range(since, to, interval, 30 if interval == "day" else 334)
    return await fetch_as_caller(request, q.ANALYTICS_MOVEMENTS, {**params, "currency": currency})


@get("/analytics/kpis", summary="MRR, ARR, ARPA, churn rates, LTV, CAC per currency")
async def kpis(
    request: Request[Any, Any, Any], currency: FromQuery[str | None] = None
) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.ANALYTICS_KPIS, {"currency": currency})


@get("/analytics/plans", summary="Tenants and MRR per plan, status and currency")
async def plans(
    request: Request[Any, Any, Any], currency: FromQuery[str | None] = None
) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.ANALYTICS_PLANS, {"currency": currency})


@get("/analytics/forecast", summary="MRR 3, 6 and 12 months ahead from the trailing trend")
async def forecast(
    request: Request[Any, Any, Any], currency: FromQuery[str | None] = None
) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.ANALYTICS_FORECAST, {"currency": currency})


class SpendBody(msgspec.Struct, forbid_unknown_fields=True):
    month: date
    channel: Annotated[str, documented({"pattern": "^[a-z][a-z0-9_]{0,62}$"})]
    amount_cents: BigInt
    currency: Currency = "usd"


@put(
    "/analytics/acquisition-spend",
    dto=Strict[SpendBody],
    return_dto=None,
    summary="Record a month's acquisition spend on a channel (replaces an earlier amount)",
)
async def record_spend(request: Request[Any, Any, Any], data: JSONBody[SpendBody]) -> dict:
    return await fetch_one_as_caller(
        request,
        q.RECORD_ACQUISITION_SPEND,
        (data.month, data.channel, data.amount_cents, data.currency),
    )


@get("/subscriptions/stats", summary="Subscriptions by status, tenants and MRR by plan, revenue")
async def subscription_stats(request: Request[Any, Any, Any]) -> dict:
    return await fetch_one_as_caller(request, q.SUBSCRIPTION_STATS)


@get("/platform-health/health", summary="Platform health: status, capacity, trends, advice")
async def health(request: Request[Any, Any, Any]) -> dict:
    return (await fetch_one_as_caller(request, q.PLATFORM_HEALTH))["report"]


@get("/platform-health/capacity", summary="Capacity now: tenants, usage against limits, sizes")
async def capacity(request: Request[Any, Any, Any]) -> dict:
    return (await fetch_one_as_caller(request, q.CAPACITY))["capacity"]


@get(
    "/platform-health/subscription-capacity",
    summary="Subscriptions, tiers and feature usage against theoretical limits",
)
async def subscription_capacity(request: Request[Any, Any, Any]) -> dict:
    return (await fetch_one_as_caller(request, q.SUBSCRIPTION_CAPACITY))["capacity"]


@get("/platform-health/trends", summary="Growth of each capacity metric over the last N days")
async def trends(request: Request[Any, Any, Any], days: FromQuery[int] = 30) -> dict:
    return (await fetch_one_as_caller(request, q.GROWTH_TRENDS, {"days": days}))["trends"]


@get("/platform-health/recommendations", summary="Scaling recommendations from rules in SQL")
async def recommendations(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.SCALING_RECOMMENDATIONS)


@post(
    "/platform-health/snapshot",
    status_code=200,
    summary="Capture today's capacity snapshot now (replaces today's if taken)",
)
async def snapshot(request: Request[Any, Any, Any]) -> dict:
    return await fetch_one_as_caller(request, q.CAPTURE_CAPACITY_SNAPSHOT)


analytics_router = Router(
    path="/v1/admin",
    route_handlers=[
        mrr,
        movements,
        kpis,
        plans,
        forecast,
        record_spend,
        subscription_stats,
        health,
        capacity,
        subscription_capacity,
        trends,
        recommendations,
        snapshot,
    ],
    guards=[admin_guard],
    security=[{"apiKey": []}],
    tags=["analytics"],
)
