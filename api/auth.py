"""API keys: who is calling, and may they call this route.

A request carries `Authorization: Bearer rc_<id>_<secret>`. The key is resolved by
api.authenticate_key, run as the authenticator login itself (no SET ROLE), which answers
with the key's role (service, admin or tenant) and, for a tenant key, its tenant. The
route's own SQL call then runs under the matching database role:

    service key -> SET LOCAL ROLE ratecard_service
    admin key   -> SET LOCAL ROLE ratecard_admin
    tenant key  -> SET LOCAL ROLE ratecard_tenant + set_config('ratecard.tenant_id', ..., true)

Verifications, successful and failed, are cached in the process for
RATECARD_API_KEY_CACHE_SECONDS (default 30; 0 turns the cache off), so a request with a
known key costs exactly one SQL round trip: its business call. The price: a revoked key
keeps working for at most that long in each API process.

Routers attach one of the guards below. Guards run before the request body is read, so a
caller without a valid key learns nothing about the body's rules. The resolved key is put
in the connection scope as `auth` (`request.auth`); the `principal` dependency returns it.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api import queries
from api.db import fetch_one
from api.errors import ApiError
from ratecard.errors import RatecardError
from ratecard.sqlcall import Role

CACHE_ENV = "RATECARD_API_KEY_CACHE_SECONDS"
DEFAULT_CACHE_SECONDS = 30.0
MAX_CACHE_ENTRIES = 10_000

# The shape api.authenticate_key accepts. Checked here first only so that garbage never
# reaches the database nor fills the cache; the SQL function stays the authority.
_KEY_SHAPE = re.compile(r"rc_[a-z0-9]{8,32}_[a-z0-9]{16,128}")

_DB_ROLES: dict[str, Role] = {
    "service": "ratecard_service",
    "admin": "ratecard_admin",
    "tenant": "ratecard_tenant",
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller, as its API key says."""

    key_id: str
    role: str  # service | admin | tenant
    tenant_id: UUID | None
    db_role: Role = field(init=False)
    tenant_setting: str | None = field(init=False)  # tenant_id as text, for set_config

    def __post_init__(self) -> None:
        object.__setattr__(self, "db_role", _DB_ROLES[self.role])
        object.__setattr__(
            self, "tenant_setting", str(self.tenant_id) if self.tenant_id is not None else None
        )

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise ApiError(
                403,
                "forbidden",
                f"a {' or '.join(roles)} key is required",
                hint=f"this key's role is {self.role}",
            )


def cache_seconds_from_env() -> float:
    raw = os.environ.get(CACHE_ENV, "").strip()
    if not raw:
        return DEFAULT_CACHE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise RatecardError(f"{CACHE_ENV} must be a number of seconds >= 0, got {raw!r}")
    return value


class KeyCache:
    """Per-process memory of key verifications: key -> (expires_at, Principal or None).

    None records a failed verification, so a client retrying with a bad key does not cost
    a query every time. Bounded: when full, expired entries go first, then the oldest.
    """

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = MAX_CACHE_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[float, Principal | None]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> tuple[bool, Principal | None]:
        """(True, principal or None) for a live entry; (False, None) for a miss."""
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        if entry[0] <= self._clock():
            del self._entries[key]
            return False, None
        return True, entry[1]

    def put(self, key: str, principal: Principal | None) -> None:
        if self.ttl <= 0:
            return
        now = self._clock()
        if key not in self._entries and len(self._entries) >= self.max_entries:
            for stale in [k for k, (exp, _) in self._entries.items() if exp <= now]:
                del self._entries[stale]
            while len(self._entries) >= self.max_entries:
                del self._entries[next(iter(self._entries))]
        self._entries[key] = (now + self.ttl, principal)

    def clear(self) -> None:
        self._entries.clear()


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401,
        "unauthorized",
        message,
        hint="send Authorization: Bearer rc_<id>_<secret> (create one with `ratecard keys create`)",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The request's key, resolved once per request (cached per process), or 401."""
    known = connection.scope.get("auth")
    if isinstance(known, Principal):
        return known
    headers = connection.headers.getall("authorization", ())
    if len(headers) > 1:
        raise ApiError(
            400,
            "duplicate_header",
            "the authorization header is sent more than once",
            hint="send one Authorization: Bearer <API key>",
        )
    header = headers[0] if headers else None
    if not header:
        raise _unauthorized("missing API key")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("the Authorization header must be `Bearer <API key>`")
    if _KEY_SHAPE.fullmatch(token) is None:
        raise _unauthorized("invalid API key")
    state = connection.app.state
    cache: KeyCache = state.key_cache
    hit, principal = cache.get(token)
    if not hit:
        row = await fetch_one(
            state.pool, queries.AUTHENTICATE_KEY, (token,), role="ratecard_authenticator"
        )
        principal = Principal(row["key_id"], row["role"], row["tenant_id"]) if row else None
        cache.put(token, principal)
    if principal is None:
        raise _unauthorized("unknown or revoked API key")
    connection.scope["auth"] = principal
    return principal


def _guard(*roles: str) -> Callable[..., Any]:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            return  # which methods a path has is no secret (CORS preflights send no key)
        (await authenticate(connection)).require(*roles)

    guard.__name__ = f"{'_'.join(roles)}_guard"
    return guard


service_guard = _guard("service", "admin")
"""Service routes: service or admin keys."""
admin_guard = _guard("admin")
"""Admin routes: admin keys only."""
tenant_guard = _guard("tenant")
"""/v1/me routes: tenant keys only; the tenant comes from the key."""
any_key_guard = _guard("service", "admin", "tenant")
"""Catalog reads: any valid key (a tenant key reads under RLS)."""


async def principal(request: Request[Any, Any, Any]) -> Principal:
    """Dependency: the caller's key (resolved by the router's guard, or here)."""
    return await authenticate(request)
