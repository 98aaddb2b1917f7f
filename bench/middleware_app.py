"""The host app of the middleware pair: one small FastAPI route, served three ways.

BENCH_VARIANT (environment) picks what wraps it:
- `plain`:          nothing (the baseline);
- `rate_limit`:     QuotaMiddleware with RateLimit("api_calls_hourly"): one consume through
                    Ratecard's HTTP API per request;
- `feature_cached`: QuotaMiddleware with Feature("ai_decisions") and a 60 s switch cache:
                    Ratecard is asked once per tenant and minute, then the cache answers.
The tenant is the X-Tenant-ID header. Ratecard's address and key come from RATECARD_URL
and RATECARD_API_KEY. Run with `uvicorn --factory bench.middleware_app:create`.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from ratecard_client import AsyncRatecardClient, Feature, QuotaMiddleware, RateLimit

VARIANTS = ("plain", "rate_limit", "feature_cached")


def tenant(scope: Any) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-tenant-id":
            return value.decode()
    return None


def create() -> Any:
    app = FastAPI()

    @app.get("/api/items")
    async def items() -> dict[str, list[int]]:
        return {"items": [1, 2, 3]}

    variant = os.environ.get("BENCH_VARIANT", "plain")
    if variant == "plain":
        return app
    client = AsyncRatecardClient()
    if variant == "rate_limit":
        return QuotaMiddleware(app, client, tenant=tenant, rules=[RateLimit("api_calls_hourly")])
    if variant == "feature_cached":
        return QuotaMiddleware(
            app, client, tenant=tenant, rules=[Feature("ai_decisions")], cache_ttl=60
        )
    raise SystemExit(f"BENCH_VARIANT must be one of {', '.join(VARIANTS)}")
