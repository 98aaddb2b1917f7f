"""Catalog reads (any valid key): features, plans with their limits, add-ons.

Service and admin keys see the whole catalog. A tenant key reads as ratecard_tenant under
row-level security: public active plans and the plan it is on."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get

from api import queries as q
from api.auth import any_key_guard
from api.db import fetch_as_caller


@get("/features", summary="Feature catalog")
async def features(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.FEATURES)


@get("/plans", summary="Plan catalog, each plan with its limits (one query)")
async def plans(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.PLANS)


@get("/addons", summary="Add-on catalog with what one unit grants")
async def addons(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    return await fetch_as_caller(request, q.ADDONS)


catalog_router = Router(
    path="/v1",
    route_handlers=[features, plans, addons],
    guards=[any_key_guard],
    security=[{"apiKey": []}],
    tags=["catalog"],
)
