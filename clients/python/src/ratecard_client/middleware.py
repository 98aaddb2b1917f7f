"""QuotaMiddleware: gate any ASGI application (FastAPI, Starlette, Litestar, ...) on
Ratecard, in a few lines.

    app = QuotaMiddleware(
        app,
        AsyncRatecardClient(),                         # or a SqlClient, or a blocking one
        tenant=lambda scope: dict(scope["headers"]).get(b"x-tenant-id", b"").decode() or None,
        rules=[
            RateLimit("api_calls_hourly"),                            # every request
            Feature("sso", path="/sso"),                              # a switch
            Quota("ai_decisions", path="/ai/decide", methods={"POST"}),  # counts 1 per call
        ],
        upgrade_url="https://app.example/billing?feature={feature}",
    )

For each HTTP request the middleware finds the rules whose path and method match, asks
`tenant(scope)` (sync or async) for the tenant id (None: the request is not gated, e.g.
a health check or a login page), and applies them in this order, whatever their order in
the list: rate limits, then feature checks, then quotas. The first denial answers the
request (see gate.py for the answers and codes) and the rest are not applied; so a
request refused by a feature check still counted against the rate limit (it was made),
and a quota is only counted for a request that passed everything else. Give a route one
quota: if a second quota refuses, the first one stays counted.

Allowed requests carry the rate limit's RateLimit-* headers, and the consumptions made
are left in `scope["state"]["ratecard"]` (a dict feature -> Consumption; Starlette and
FastAPI show it as `request.state.ratecard`).

Starlette / FastAPI: `app.add_middleware(QuotaMiddleware, client=..., tenant=..., rules=...)`.
Litestar: `middleware=[DefineMiddleware(QuotaMiddleware, client=..., tenant=..., rules=...)]`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ratecard_client.gate import Denial, Gate, Outcome, UpgradeUrl, resolve

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class _Rule:
    feature: str
    path: str | re.Pattern[str] | None = None
    methods: Iterable[str] | None = None
    amount: int | Callable[[Scope], int] = 1
    fail_open: bool | None = None
    """Overrides the middleware's fail_open for this rule (e.g. open for rate limits,
    closed for a paid feature)."""
    idempotent: bool | None = None
    """Send an idempotency key with the consume (retries are then replays). Default:
    yes for Quota, no for RateLimit (see Gate.rate_limit)."""

    order = 0

    def matches(self, scope: Scope) -> bool:
        if self.methods is not None and scope.get("method") not in {
            m.upper() for m in self.methods
        }:
            return False
        if self.path is None:
            return True
        path: str = scope.get("path", "")
        if isinstance(self.path, re.Pattern):
            return self.path.match(path) is not None
        prefix = self.path.rstrip("/")
        return path == prefix or path.startswith(prefix + "/") or prefix == ""

    def amount_for(self, scope: Scope) -> int:
        return self.amount(scope) if callable(self.amount) else self.amount

    async def apply(self, gate: Gate, tenant: Any, scope: Scope) -> Outcome:
        raise NotImplementedError


class RateLimit(_Rule):
    """Count each matching request against a rate-limit feature (e.g. the hourly
    `api_calls_hourly`); 429 with Retry-After once the window is used up. `path` is a
    path prefix ("/api" matches /api and /api/...) or a compiled regular expression
    (matched at the start); None matches every path."""

    order = 0

    async def apply(self, gate: Gate, tenant: Any, scope: Scope) -> Outcome:
        return await gate.rate_limit(
            tenant,
            self.feature,
            self.amount_for(scope),
            fail_open=self.fail_open,
            idempotent=bool(self.idempotent),
        )


class Feature(_Rule):
    """The feature must be on in the tenant's plan (a switch such as `sso`); 403
    feature_not_in_plan otherwise. Counts nothing; may be cached (cache_ttl)."""

    order = 1

    async def apply(self, gate: Gate, tenant: Any, scope: Scope) -> Outcome:
        return await gate.require_feature(tenant, self.feature, fail_open=self.fail_open)


class Quota(_Rule):
    """Count `amount` (an int, or a function of the scope) of a metered feature or gauge
    for each matching request; 403 quota_exceeded once it is used up."""

    order = 2

    async def apply(self, gate: Gate, tenant: Any, scope: Scope) -> Outcome:
        return await gate.consume(
            tenant,
            self.feature,
            self.amount_for(scope),
            fail_open=self.fail_open,
            idempotent=self.idempotent is not False,
        )


async def send_denial(send: Send, denial: Denial) -> None:
    body = json.dumps(denial.body, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in denial.headers),
    ]
    await send({"type": "http.response.start", "status": denial.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class QuotaMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        client: Any = None,
        *,
        tenant: Callable[[Scope], Any],
        rules: Iterable[_Rule],
        upgrade_url: UpgradeUrl = None,
        fail_open: bool = False,
        cache_ttl: float = 0.0,
        gate: Gate | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """`client`: any Ratecard client (asyncio ones are awaited, blocking ones run in a
        thread). `tenant`: scope -> tenant id or None (not gated), sync or async.
        `upgrade_url`, `fail_open`, `cache_ttl`, `clock` (for the cache) and `now` (for
        Retry-After): see Gate. Or pass a ready `gate`."""
        if gate is None:
            if client is None:
                raise TypeError("QuotaMiddleware needs a client (or a gate)")
            gate = Gate(
                client,
                upgrade_url=upgrade_url,
                fail_open=fail_open,
                cache_ttl=cache_ttl,
                clock=clock,
                now=now,
            )
        self.app = app
        self.gate = gate
        self.tenant = tenant
        self.rules = sorted(rules, key=lambda r: r.order)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rules = [r for r in self.rules if r.matches(scope)]
        tenant = await resolve(self.tenant(scope)) if rules else None
        if tenant is None:
            await self.app(scope, receive, send)
            return
        headers: list[tuple[str, str]] = []
        consumed = {}
        for rule in rules:
            outcome = await rule.apply(self.gate, tenant, scope)
            if outcome.denial is not None:
                await send_denial(send, outcome.denial)
                return
            headers += outcome.headers
            if outcome.consumption is not None:
                consumed[rule.feature] = outcome.consumption
        scope.setdefault("state", {})["ratecard"] = consumed
        if not headers:
            await self.app(scope, receive, send)
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in headers]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
