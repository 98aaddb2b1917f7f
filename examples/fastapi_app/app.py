"""A product API gated by Ratecard, as the designs describe it: hourly API rate limits per
plan, monthly API calls, metered AI decisions, SSO only on Enterprise, a storage check
before every upload, and the usage a billing page shows (with the 80 % upgrade banner).

Run it beside Ratecard (`./dev up` in the repository root):

    export RATECARD_URL=http://127.0.0.1:8080
    export RATECARD_API_KEY=$(./dev ratecard keys create --role service --name example)
    .venv/bin/uvicorn examples.fastapi_app.app:app --port 8000

The tenant is the `X-Tenant-ID` header: a stand-in for the product's own sign-in, which
would know the tenant of the signed-in user.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from ratecard_client import AsyncRatecardClient, Consumption, Quota, QuotaMiddleware, RateLimit
from ratecard_client.fastapi import consume, install, require_feature

UPGRADE_URL = os.environ.get("EXAMPLE_UPGRADE_URL", "https://app.example/billing?upgrade={feature}")


def tenant_of(request: Request) -> str | None:
    """The signed-in user's tenant (here: a header)."""
    return request.headers.get("x-tenant-id")


def signed_in(request: Request) -> str:
    tenant = tenant_of(request)
    if tenant is None:
        raise HTTPException(401, "sign in first")
    return tenant


def tenant_of_scope(scope: Any) -> str | None:
    """The same, for the ASGI middleware, which runs before FastAPI builds a Request."""
    for name, value in scope.get("headers", []):
        if name == b"x-tenant-id":
            return value.decode()
    return None


class Upload(BaseModel):
    name: str = Field(min_length=1, max_length=500)
    size_bytes: int = Field(ge=0)
    category: str = "upload"


def create_app(client: AsyncRatecardClient | None = None) -> FastAPI:
    """The app; `client` defaults to one configured by RATECARD_URL and RATECARD_API_KEY."""
    ratecard = client or AsyncRatecardClient()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await ratecard.aclose()

    app = FastAPI(title="Ratecard example: a gated product API", lifespan=lifespan)
    # Single routes: FastAPI dependencies (require_feature, consume).
    install(app, ratecard, tenant=tenant_of, upgrade_url=UPGRADE_URL, cache_ttl=30)
    # Every /api request: the plan's hourly rate limit (429) and monthly API calls (403).
    app.add_middleware(
        QuotaMiddleware,
        client=ratecard,
        tenant=tenant_of_scope,
        rules=[RateLimit("api_calls_hourly", path="/api"), Quota("api_calls", path="/api")],
        upgrade_url=UPGRADE_URL,
    )

    @app.get("/healthz")
    async def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/api/projects")
    async def projects() -> dict[str, list[str]]:
        return {"projects": ["roadmap", "launch"]}

    @app.post("/api/ai/decisions")
    async def decide(
        decision: Annotated[Consumption | None, Depends(consume("ai_decisions"))],
    ) -> dict[str, Any]:
        # Counted before the work is done; a refusal never reaches this line.
        left = decision.remaining if decision else None
        return {"decision": "approve", "ai_decisions_left": left}

    @app.get("/api/sso/config", dependencies=[Depends(require_feature("sso"))])
    async def sso_config() -> dict[str, str]:
        return {"protocol": "saml", "status": "configured"}

    @app.post("/api/files", status_code=201, response_model=None)
    async def upload(
        body: Upload, tenant: Annotated[str, Depends(signed_in)]
    ) -> JSONResponse | dict[str, Any]:
        # The real-time check before the upload: the object is tracked only if it fits.
        r = await ratecard.track_object(tenant, body.name, body.size_bytes, body.category)
        if not r.allowed:
            return JSONResponse(
                {
                    "code": "storage_limit_exceeded",
                    "message": "This file does not fit in your plan's storage",
                    "used": r.used,
                    "limit": r.limit,
                    "upgrade_url": UPGRADE_URL.format(feature="storage_bytes", tenant=tenant),
                },
                status_code=403,
            )
        return {"name": body.name, "storage_used": r.used, "storage_limit": r.limit}

    @app.delete("/api/files/{name:path}")
    async def delete_file(name: str, tenant: Annotated[str, Depends(signed_in)]) -> dict[str, int]:
        return {"released_bytes": await ratecard.forget_object(tenant, name)}

    @app.get("/api/usage")
    async def usage(tenant: Annotated[str, Depends(signed_in)]) -> dict[str, Any]:
        """What a billing page shows; `upgrade_banner` once a limit is 80 % used."""
        rows = await ratecard.entitlements(tenant)
        metered = [e for e in rows if e.kind != "switch" and e.limit is not None]
        return {
            "usage": [
                {"feature": e.feature, "used": e.used, "limit": e.limit, "state": e.state}
                for e in metered
            ],
            "upgrade_banner": any((e.percent_used or 0) >= 80 for e in metered),
            "upgrade_url": UPGRADE_URL.format(feature="plan", tenant=tenant),
        }

    return app


def __getattr__(name: str) -> Any:
    # `uvicorn examples.fastapi_app.app:app` builds the app on first use, so importing this
    # module (e.g. in tests) needs no Ratecard settings.
    if name == "app":
        return create_app()
    raise AttributeError(name)
