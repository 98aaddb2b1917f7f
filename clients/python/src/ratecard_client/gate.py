"""The decisions behind QuotaMiddleware and the FastAPI helpers, framework-free.

A Gate asks Ratecard (through any client: HTTP or SQL, blocking or asyncio) and turns the
answer into either "go on" (with response headers to add) or a Denial: the HTTP status,
JSON body and headers to answer with. Answers, stable `code`s:

- a switch that is off (or a metered feature the plan does not include): **403**
  `feature_not_in_plan`, "Feature not available in your plan", with `upgrade_url`;
- an exhausted quota: **403** `quota_exceeded` with `used`, `limit`, `remaining`,
  `resets_at` (and `upgrade_url`);
- an exhausted rate limit (e.g. the hourly `api_calls_hourly`): **429** `rate_limited`
  with `Retry-After` and the `RateLimit-Limit`, `RateLimit-Remaining` and
  `RateLimit-Reset` headers (seconds until the window resets); allowed requests carry the
  three RateLimit headers too;
- Ratecard unreachable (RatecardUnavailable, after the client's retries): fail open (go
  on, logged as a warning) or fail closed (**503** `quota_service_unavailable`).

Other Ratecard errors (an unknown tenant or feature, a bad API key) are configuration
mistakes, not outages: they are raised, so they surface as the host's 500 instead of
silently opening or closing every gate.

Switch checks may be cached for `cache_ttl` seconds per (tenant, feature) in this
process: a plan change, override or add-on then shows up to `cache_ttl` seconds late in
this process (each process has its own cache). Counting calls (quotas, rate limits) are
never cached. A check that failed is not cached.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ratecard_client.errors import RatecardUnavailable
from ratecard_client.types import Consumption

log = logging.getLogger("ratecard_client")

FEATURE_NOT_IN_PLAN = "Feature not available in your plan"
UpgradeUrl = str | Callable[[str, str], str | None] | None


@dataclass(frozen=True, slots=True)
class Denial:
    """What to answer instead of running the request."""

    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Outcome:
    """The result of one gate: a denial, or headers to add and the consumption made."""

    denial: Denial | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    consumption: Consumption | None = None


class TTLCache:
    """A small per-process cache of switch checks: (tenant, feature) -> allowed, each
    entry good for `ttl` seconds of `clock` (time.monotonic unless given)."""

    def __init__(
        self, ttl: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[tuple[str, str], tuple[float, bool]] = {}

    def get(self, key: tuple[str, str]) -> bool | None:
        hit = self._entries.get(key)
        if hit is None:
            return None
        if hit[0] <= self.clock():
            self._entries.pop(key, None)
            return None
        return hit[1]

    def put(self, key: tuple[str, str], value: bool) -> None:
        now = self.clock()
        if len(self._entries) >= self.max_entries:
            for k in [k for k, (exp, _) in self._entries.items() if exp <= now]:
                del self._entries[k]
            while len(self._entries) >= self.max_entries:  # still full: drop the oldest
                del self._entries[next(iter(self._entries))]
        self._entries.pop(key, None)
        self._entries[key] = (now + self.ttl, value)

    def clear(self) -> None:
        self._entries.clear()


async def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await an asyncio client's method; run a blocking client's in a thread."""
    if inspect.iscoroutinefunction(fn):
        return await fn(*args, **kwargs)
    return await asyncio.to_thread(fn, *args, **kwargs)


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class Gate:
    def __init__(
        self,
        client: Any,
        *,
        upgrade_url: UpgradeUrl = None,
        fail_open: bool = False,
        cache_ttl: float = 0.0,
        cache_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """`upgrade_url`: where a user can upgrade; a string (`{feature}` and `{tenant}`
        are filled in) or a function (tenant_id, feature) -> URL. `fail_open`: what to do
        when Ratecard cannot be reached. `cache_ttl`: seconds to keep switch checks (0 =
        never). `now`: the wall clock for RateLimit-Reset (UTC now unless given)."""
        self.client = client
        self.upgrade_url = upgrade_url
        self.fail_open = fail_open
        self.cache = TTLCache(cache_ttl, cache_size, clock) if cache_ttl > 0 else None
        self.now = now or (lambda: datetime.now(UTC))

    # -- answers ---------------------------------------------------------------------

    def upgrade_link(self, tenant: str, feature: str) -> str | None:
        if self.upgrade_url is None:
            return None
        if callable(self.upgrade_url):
            return self.upgrade_url(tenant, feature)
        return self.upgrade_url.format(feature=feature, tenant=tenant)

    def not_in_plan(self, tenant: str, feature: str) -> Denial:
        body: dict[str, Any] = {
            "code": "feature_not_in_plan",
            "message": FEATURE_NOT_IN_PLAN,
            "feature": feature,
        }
        if (url := self.upgrade_link(tenant, feature)) is not None:
            body["upgrade_url"] = url
        return Denial(403, body)

    def seconds_until(self, at: datetime | None) -> int | None:
        if at is None:
            return None
        return max(0, math.ceil((at - self.now()).total_seconds()))

    def rate_headers(self, c: Consumption) -> list[tuple[str, str]]:
        if c.limit is None:
            return []
        headers = [
            ("RateLimit-Limit", str(c.limit)),
            ("RateLimit-Remaining", str(c.remaining if c.remaining is not None else 0)),
        ]
        if (reset := self.seconds_until(c.resets_at)) is not None:
            headers.append(("RateLimit-Reset", str(reset)))
        return headers

    def quota_exceeded(self, tenant: str, feature: str, c: Consumption) -> Denial:
        body: dict[str, Any] = {
            "code": "quota_exceeded",
            "message": f"The {feature} quota of your plan is used up",
            "feature": feature,
            "used": c.used,
            "limit": c.limit,
            "remaining": c.remaining,
            "resets_at": c.resets_at.isoformat().replace("+00:00", "Z") if c.resets_at else None,
        }
        if (url := self.upgrade_link(tenant, feature)) is not None:
            body["upgrade_url"] = url
        return Denial(403, body)

    def rate_limited(self, feature: str, c: Consumption) -> Denial:
        wait = self.seconds_until(c.resets_at)
        headers = self.rate_headers(c)
        if wait is not None:
            headers.insert(0, ("Retry-After", str(wait)))
        body = {
            "code": "rate_limited",
            "message": f"Rate limit of {c.limit} exceeded; try again later",
            "feature": feature,
            "limit": c.limit,
            "remaining": c.remaining,
            "resets_at": c.resets_at.isoformat().replace("+00:00", "Z") if c.resets_at else None,
            "retry_after": wait,
        }
        return Denial(429, body, tuple(headers))

    def unavailable(self, fail_open: bool | None, what: str, exc: RatecardUnavailable) -> Outcome:
        if self.fail_open if fail_open is None else fail_open:
            log.warning("Ratecard unavailable (%s), letting %s through: %s", exc.code, what, exc)
            return Outcome()
        log.warning("Ratecard unavailable (%s), refusing %s: %s", exc.code, what, exc)
        body = {
            "code": "quota_service_unavailable",
            "message": "Plan limits cannot be checked right now; try again shortly",
        }
        return Outcome(Denial(503, body))

    # -- gates -----------------------------------------------------------------------

    async def require_feature(
        self, tenant: Any, feature: str, *, fail_open: bool | None = None
    ) -> Outcome:
        """A switch (or any feature) must be on: `check` with amount 0, cached if asked."""
        t = str(tenant)
        key = (t, feature)
        allowed = self.cache.get(key) if self.cache else None
        if allowed is None:
            try:
                allowed = bool(await _call(self.client.check, t, feature, 0))
            except RatecardUnavailable as exc:
                return self.unavailable(fail_open, f"feature {feature}", exc)
            if self.cache:
                self.cache.put(key, allowed)
        return Outcome() if allowed else Outcome(self.not_in_plan(t, feature))

    async def consume(
        self,
        tenant: Any,
        feature: str,
        amount: int = 1,
        *,
        fail_open: bool | None = None,
        idempotent: bool = True,
    ) -> Outcome:
        """Count `amount` of a quota; 403 when it is used up or not in the plan. With an
        idempotency key (retries are replays) unless `idempotent` is False."""
        t = str(tenant)
        try:
            c: Consumption = await _call(
                self.client.consume, t, feature, amount, idempotent=idempotent
            )
        except RatecardUnavailable as exc:
            return self.unavailable(fail_open, f"quota {feature}", exc)
        if c.allowed:
            return Outcome(consumption=c)
        if c.state == "disabled":
            return Outcome(self.not_in_plan(t, feature), consumption=c)
        return Outcome(self.quota_exceeded(t, feature, c), consumption=c)

    async def rate_limit(
        self,
        tenant: Any,
        feature: str,
        amount: int = 1,
        *,
        fail_open: bool | None = None,
        idempotent: bool = False,
    ) -> Outcome:
        """Count one request against a rate-limit feature (e.g. hourly); 429 when the
        window is used up. Allowed requests get the RateLimit headers.

        Without an idempotency key by default: a rate-limit counter is not durable (an
        unlogged table), and a key row would make every request a durable write with a
        WAL flush (measured: about 0.3 ms a consume without a key, 1 to 3 ms with one, on
        a busy 2-core machine). Such a call is not retried once it may have reached
        Ratecard, so it is never counted twice either; a lost answer is handled by
        fail-open or fail-closed."""
        t = str(tenant)
        try:
            c: Consumption = await _call(
                self.client.consume, t, feature, amount, idempotent=idempotent
            )
        except RatecardUnavailable as exc:
            return self.unavailable(fail_open, f"rate limit {feature}", exc)
        if c.allowed:
            return Outcome(headers=self.rate_headers(c), consumption=c)
        if c.state == "disabled":
            return Outcome(self.not_in_plan(t, feature), consumption=c)
        return Outcome(self.rate_limited(feature, c), consumption=c)


TenantResolver = Callable[..., Any | Awaitable[Any]]
