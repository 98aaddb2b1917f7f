"""ratecard_client.fastapi: dependencies on single routes, against the real API."""

from __future__ import annotations

import asyncio
import socket
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Header
from ratecard_client import NO_RETRY, AsyncRatecardClient, Consumption
from ratecard_client.fastapi import consume, install, rate_limit, require_feature
from rc_support import Ratecard


async def signed_in_tenant(x_user: Annotated[str | None, Header()] = None) -> str | None:
    """A stand-in for the app's own authentication dependency."""
    return {"alice": TENANTS.get("acme"), "ivan": TENANTS.get("initech")}.get(x_user or "")


TENANTS: dict[str, str] = {}


def build(client: AsyncRatecardClient, **options: Any) -> FastAPI:
    app = FastAPI()
    install(app, client, tenant=lambda request: request.headers.get("x-tenant-id"), **options)

    @app.get("/sso", dependencies=[Depends(require_feature("sso"))])
    async def sso() -> dict[str, bool]:
        return {"sso": True}

    @app.get(
        "/sso-by-user", dependencies=[Depends(require_feature("sso", tenant=signed_in_tenant))]
    )
    async def sso_by_user() -> dict[str, bool]:
        return {"sso": True}

    @app.post("/decide")
    async def decide(c: Annotated[Consumption | None, Depends(consume("ai_decisions", 2))]) -> Any:
        return {"remaining": c.remaining if c else "unknown"}

    @app.get("/limited", dependencies=[Depends(rate_limit("api_calls_hourly"))])
    async def limited() -> dict[str, bool]:
        return {"ok": True}

    return app


def drive(ratecard: Ratecard, scenario: Any, url: str | None = None, **options: Any) -> None:
    async def main() -> None:
        retry = options.pop("retry", None)
        async with AsyncRatecardClient(url or ratecard.url, ratecard.key, retry=retry) as rc:
            transport = httpx.ASGITransport(app=build(rc, **options))
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
                await scenario(http)

    asyncio.run(main())


def test_dependencies_gate_single_routes(ratecard: Ratecard) -> None:
    TENANTS.update(acme=str(ratecard.acme), initech=str(ratecard.initech))
    acme = {"x-tenant-id": str(ratecard.acme)}

    async def scenario(http: httpx.AsyncClient) -> None:
        r = await http.get("/sso", headers=acme)
        assert (r.status_code, r.json()["code"], r.json()["upgrade_url"]) == (
            403,
            "feature_not_in_plan",
            "/billing/sso",
        )
        assert (await http.get("/sso-by-user", headers={"x-user": "ivan"})).status_code == 200
        assert (await http.get("/sso-by-user", headers={"x-user": "alice"})).status_code == 403
        r = await http.get("/sso-by-user")  # no tenant at all
        assert (r.status_code, r.json()["code"]) == (401, "tenant_required")
        assert (await http.post("/decide", headers=acme)).json() == {"remaining": 98}
        r = await http.get("/limited", headers=acme)
        assert (r.status_code, r.headers["ratelimit-remaining"]) == (200, "99")

    drive(ratecard, scenario, upgrade_url="/billing/{feature}")
    assert ratecard.meter(ratecard.acme, "ai_decisions") == 2


def test_dependencies_fail_open_and_closed(ratecard: Ratecard) -> None:
    acme = {"x-tenant-id": str(ratecard.acme)}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"

        async def closed(http: httpx.AsyncClient) -> None:
            r = await http.post("/decide", headers=acme)
            assert (r.status_code, r.json()["code"]) == (503, "quota_service_unavailable")

        drive(ratecard, closed, url=url, retry=NO_RETRY)

        async def opened(http: httpx.AsyncClient) -> None:
            assert (await http.post("/decide", headers=acme)).json() == {"remaining": "unknown"}

        drive(ratecard, opened, url=url, retry=NO_RETRY, fail_open=True)
