"""QuotaMiddleware in front of FastAPI, Litestar and a bare ASGI app, asking the real API
(under uvicorn) or the database: its answers, headers, order, fail-open and fail-closed,
and the switch cache."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from litestar import Litestar, get
from litestar.middleware import DefineMiddleware
from ratecard_client import (
    NO_RETRY,
    AsyncRatecardClient,
    Feature,
    NotFound,
    Quota,
    QuotaMiddleware,
    RateLimit,
    SqlClient,
)
from rc_support import Ratecard

T0 = datetime(2026, 11, 21, 10, 59, 0, tzinfo=UTC)  # a minute before the hour


def tenant_header(scope: Any) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-tenant-id":
            return value.decode()
    return None


def fastapi_app() -> FastAPI:
    app = FastAPI()

    @app.get("/projects")
    async def projects(request: Request) -> dict[str, Any]:
        used = {f: c.used for f, c in getattr(request.state, "ratecard", {}).items()}
        return {"projects": [], "counted": used}

    @app.get("/sso/config")
    async def sso() -> dict[str, str]:
        return {"sso": "configured"}

    @app.post("/ai/decide")
    async def decide() -> dict[str, str]:
        return {"decision": "yes"}

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"ok": "yes"}

    return app


RULES = [
    Quota("ai_decisions", path="/ai", methods={"POST"}),
    Feature("sso", path="/sso"),
    RateLimit("api_calls_hourly", path="/"),
]


def run(
    ratecard: Ratecard,
    scenario: Callable[[httpx.AsyncClient], Awaitable[Any]],
    *,
    app: Any = None,
    url: str | None = None,
    **options: Any,
) -> Any:
    """Wrap `app` (the FastAPI one by default) in QuotaMiddleware with an asyncio HTTP
    client of Ratecard, and run `scenario` with an httpx client of the wrapped app."""

    async def main() -> Any:
        retry = options.pop("retry", None)
        async with AsyncRatecardClient(url or ratecard.url, ratecard.key, retry=retry) as rc:
            wrapped = QuotaMiddleware(
                app or fastapi_app(),
                rc,
                tenant=options.pop("tenant", tenant_header),
                rules=options.pop("rules", RULES),
                **{"upgrade_url": "https://app.example/billing?feature={feature}", **options},
            )
            transport = httpx.ASGITransport(app=wrapped)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
                return await scenario(http)

    return asyncio.run(main())


def h(tenant: Any) -> dict[str, str]:
    return {"x-tenant-id": str(tenant)}


def test_a_switch_that_is_off_is_403_feature_not_in_plan(ratecard: Ratecard) -> None:
    async def scenario(http: httpx.AsyncClient) -> None:
        r = await http.get("/sso/config", headers=h(ratecard.acme))  # Starter: no SSO
        assert r.status_code == 403
        assert r.json() == {
            "code": "feature_not_in_plan",
            "message": "Feature not available in your plan",
            "feature": "sso",
            "upgrade_url": "https://app.example/billing?feature=sso",
        }
        r = await http.get("/sso/config", headers=h(ratecard.initech))  # Enterprise
        assert (r.status_code, r.json()) == (200, {"sso": "configured"})

    run(ratecard, scenario)
    # The refused request still counted against the hourly rate limit (it was made).
    assert ratecard.meter(ratecard.acme, "api_calls_hourly") == 1


def test_an_exhausted_quota_is_403_with_the_numbers(ratecard: Ratecard) -> None:
    ratecard.set_clock(T0)
    ratecard.db.execute(
        "select api.consume(%s, 'ai_decisions', 99)", (ratecard.acme,)
    )  # 99 of 100 used

    async def scenario(http: httpx.AsyncClient) -> None:
        assert (await http.post("/ai/decide", headers=h(ratecard.acme))).status_code == 200
        r = await http.post("/ai/decide", headers=h(ratecard.acme))
        assert r.status_code == 403
        assert r.json() == {
            "code": "quota_exceeded",
            "message": "The ai_decisions quota of your plan is used up",
            "feature": "ai_decisions",
            "used": 100,
            "limit": 100,
            "remaining": 0,
            "resets_at": "2026-12-01T00:00:00Z",
            "upgrade_url": "https://app.example/billing?feature=ai_decisions",
        }
        # GET is not counted by the rule (methods={"POST"})
        assert (await http.get("/ai/decide", headers=h(ratecard.acme))).status_code == 405

    run(ratecard, scenario, now=lambda: T0)
    assert ratecard.meter(ratecard.acme, "ai_decisions") == 100
    # Quotas do send one (a retried request is a replay): one key per counted request.
    assert ratecard.scalar("select count(*) from core.idempotency_keys") == 2


def test_the_hourly_rate_limit_is_429_with_retry_after_and_ratelimit_headers(
    ratecard: Ratecard,
) -> None:
    now = [T0]  # the host's clock, in step with the database's
    ratecard.set_clock(T0)
    ratecard.db.execute("select api.consume(%s, 'api_calls_hourly', 98)", (ratecard.acme,))

    async def scenario(http: httpx.AsyncClient) -> None:
        r = await http.get("/projects", headers=h(ratecard.acme))
        assert r.status_code == 200
        assert (
            r.headers["ratelimit-limit"],
            r.headers["ratelimit-remaining"],
            r.headers["ratelimit-reset"],
        ) == ("100", "1", "60")
        assert r.json()["counted"] == {"api_calls_hourly": 99}  # request.state.ratecard
        assert (await http.get("/projects", headers=h(ratecard.acme))).status_code == 200
        r = await http.get("/projects", headers=h(ratecard.acme))
        assert r.status_code == 429
        assert (
            r.headers["retry-after"],
            r.headers["ratelimit-limit"],
            r.headers["ratelimit-remaining"],
            r.headers["ratelimit-reset"],
        ) == ("60", "100", "0", "60")
        assert r.json() == {
            "code": "rate_limited",
            "message": "Rate limit of 100 exceeded; try again later",
            "feature": "api_calls_hourly",
            "limit": 100,
            "remaining": 0,
            "resets_at": "2026-11-21T11:00:00Z",
            "retry_after": 60,
        }
        # The next hour opens a new window.
        now[0] = datetime(2026, 11, 21, 11, 0, 0, tzinfo=UTC)
        ratecard.set_clock(now[0])
        r = await http.get("/projects", headers=h(ratecard.acme))
        assert (r.status_code, r.headers["ratelimit-remaining"]) == (200, "99")

    run(ratecard, scenario, now=lambda: now[0])
    # Rate limits send no idempotency key: no key row, no durable write per request.
    assert ratecard.scalar("select count(*) from core.idempotency_keys") == 0


def test_order_rate_limit_then_feature_then_quota(ratecard: Ratecard) -> None:
    """A quota is counted only for a request that passed the other gates."""
    app = fastapi_app()

    @app.post("/sso/ai")
    async def sso_ai() -> dict[str, str]:
        return {"ok": "yes"}

    rules = [Quota("ai_decisions", path="/sso/ai"), Feature("sso", path="/sso"), *RULES[2:]]

    async def scenario(http: httpx.AsyncClient) -> None:
        assert (await http.post("/sso/ai", headers=h(ratecard.acme))).status_code == 403
        assert (await http.post("/sso/ai", headers=h(ratecard.initech))).status_code == 200

    run(ratecard, scenario, app=app, rules=rules)
    assert ratecard.meter(ratecard.acme, "ai_decisions") == 0
    assert ratecard.meter(ratecard.acme, "api_calls_hourly") == 1
    assert ratecard.meter(ratecard.initech, "ai_decisions") == 1


def test_requests_without_a_tenant_are_not_gated(ratecard: Ratecard) -> None:
    async def scenario(http: httpx.AsyncClient) -> None:
        r = await http.get("/healthz")
        assert r.status_code == 200 and "ratelimit-limit" not in r.headers
        # an unlimited rate limit (Enterprise) adds no headers either
        r = await http.get("/projects", headers=h(ratecard.initech))
        assert r.status_code == 200 and "ratelimit-limit" not in r.headers

    run(ratecard, scenario)


def closed_port() -> tuple[socket.socket, str]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    return s, f"http://127.0.0.1:{s.getsockname()[1]}"


def test_fail_closed_and_fail_open(ratecard: Ratecard) -> None:
    sock, url = closed_port()
    with sock:

        async def closed(http: httpx.AsyncClient) -> None:
            r = await http.get("/projects", headers=h(ratecard.acme))
            assert r.status_code == 503
            assert r.json()["code"] == "quota_service_unavailable"
            assert (await http.get("/healthz")).status_code == 200  # ungated: fine

        run(ratecard, closed, url=url, retry=NO_RETRY)

        async def opened(http: httpx.AsyncClient) -> None:
            r = await http.get("/projects", headers=h(ratecard.acme))
            assert r.status_code == 200 and "ratelimit-limit" not in r.headers

        run(ratecard, opened, url=url, retry=NO_RETRY, fail_open=True)

        # Per rule: the rate limit fails open, the paid feature stays closed.
        rules = [RateLimit("api_calls_hourly", fail_open=True), Feature("sso", path="/sso")]

        async def mixed(http: httpx.AsyncClient) -> None:
            assert (await http.get("/projects", headers=h(ratecard.acme))).status_code == 200
            r = await http.get("/sso/config", headers=h(ratecard.initech))
            assert r.status_code == 503

        run(ratecard, mixed, url=url, retry=NO_RETRY, rules=rules)


def test_an_unknown_tenant_is_an_error_not_a_gate(ratecard: Ratecard) -> None:
    async def scenario(http: httpx.AsyncClient) -> None:
        await http.get("/projects", headers=h("00000000-0000-0000-0000-000000000000"))

    with pytest.raises(NotFound) as err:
        run(ratecard, scenario)
    assert err.value.code == "tenant_not_found"


def test_switch_checks_are_cached_for_the_ttl(ratecard: Ratecard) -> None:
    """Within cache_ttl a plan change is not seen by this process; after it, it is."""
    ticks = [0.0]
    rules = [Feature("sso", path="/sso")]

    async def scenario(http: httpx.AsyncClient) -> None:
        assert (await http.get("/sso/config", headers=h(ratecard.acme))).status_code == 403
        ratecard.db.execute("select api.set_override(%s, 'sso', null, true)", (ratecard.acme,))
        ticks[0] = 29.9
        assert (await http.get("/sso/config", headers=h(ratecard.acme))).status_code == 403
        ticks[0] = 30.0
        assert (await http.get("/sso/config", headers=h(ratecard.acme))).status_code == 200

    run(ratecard, scenario, rules=rules, cache_ttl=30.0, clock=lambda: ticks[0])


def test_litestar_app(ratecard: Ratecard) -> None:
    @get("/sso/config")
    async def sso() -> dict[str, str]:
        return {"sso": "configured"}

    @get("/projects")
    async def projects() -> list[str]:
        return []

    async def main() -> None:
        async with AsyncRatecardClient(ratecard.url, ratecard.key) as rc:
            app = Litestar(
                [sso, projects],
                middleware=[
                    DefineMiddleware(QuotaMiddleware, client=rc, tenant=tenant_header, rules=RULES)
                ],
            )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
                r = await http.get("/sso/config", headers=h(ratecard.acme))
                assert (r.status_code, r.json()["code"]) == (403, "feature_not_in_plan")
                r = await http.get("/projects", headers=h(ratecard.acme))
                assert (r.status_code, r.headers["ratelimit-remaining"]) == (200, "98")

    asyncio.run(main())


def test_bare_asgi_app_with_a_blocking_sql_client(
    demo: Ratecard, connect: Callable[..., Any]
) -> None:
    """Any ASGI callable, and any client: a blocking SqlClient runs in a thread."""

    async def hello(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hello"})

    client = SqlClient(connect("ratecard_authenticator"))
    app = QuotaMiddleware(hello, client, tenant=tenant_header, rules=RULES)

    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            r = await http.get("/anything", headers=h(demo.acme))
            assert (r.status_code, r.text, r.headers["ratelimit-remaining"]) == (200, "hello", "99")
            r = await http.get("/sso", headers=h(demo.acme))
            assert r.status_code == 403

    asyncio.run(main())
    assert demo.meter(demo.acme, "api_calls_hourly") == 2
