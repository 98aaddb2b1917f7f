"""The host app of the middleware pair: one small FastAPI route, served three ways.

BENCH_VARIANT (environment) picks what wraps it:
- `plain`:          nothing (the baseline);
- `rate_limit`:     QuotaMiddleware with RateLimit("api_calls_hourly"): one consume through
                    Ratecard's HTTP API per request;
- `feature_cached`: QuotaMiddleware with Feature("ai_decisions") and a 60 s switch cache:
                    Ratecard is asked once per tenant and minute, then the cache answers;
- `rate_limit_sql`: the same rate limit through an AsyncSqlClient on a pool of
                    BENCH_DATABASE_URL (the API's login): no HTTP hop to Ratecard.
The tenant is the X-Tenant-ID header. Ratecard's address and key come from RATECARD_URL
and RATECARD_API_KEY. Run with `uvicorn --factory bench.middleware_app:create`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from ratecard_client import AsyncRatecardClient, Feature, QuotaMiddleware, RateLimit

VARIANTS = ("plain", "rate_limit", "feature_cached", "rate_limit_sql")


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
    if variant == "rate_limit_sql":
        from psycopg_pool import AsyncConnectionPool
        from ratecard_client import AsyncSqlClient

        pool = AsyncConnectionPool(
            os.environ["BENCH_DATABASE_URL"],
            min_size=4,
            max_size=10,
            open=False,
            kwargs={"autocommit": True},
        )

        @asynccontextmanager
        async def lifespan(_: Any) -> AsyncIterator[None]:
            await pool.open()
            yield
            await pool.close()

        app.router.lifespan_context = lifespan
        return QuotaMiddleware(
            app, AsyncSqlClient(pool), tenant=tenant, rules=[RateLimit("api_calls_hourly")]
        )
    client = AsyncRatecardClient()
    if variant == "rate_limit":
        return QuotaMiddleware(app, client, tenant=tenant, rules=[RateLimit("api_calls_hourly")])
    if variant == "feature_cached":
        return QuotaMiddleware(
            app, client, tenant=tenant, rules=[Feature("ai_decisions")], cache_ttl=60
        )
    raise SystemExit(f"BENCH_VARIANT must be one of {', '.join(VARIANTS)}")
