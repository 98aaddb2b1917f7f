"""API keys: `Authorization: Bearer rc_<id>_<secret>`.

A key is resolved by api.authenticate_key (as the authenticator login, which may run only
that and api.schema_version). Results, good and bad, are cached per process for
RATECARD_API_KEY_CACHE_SECONDS (default 30), so a request's business work stays one SQL
call; a revoked key stops working within that time.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from uuid import UUID

from litestar import Request
from litestar.datastructures import State

from api.db import fetch_one
from api.errors import ApiError

CACHE_SECONDS = float(os.environ.get("RATECARD_API_KEY_CACHE_SECONDS", "30") or 30)
_MAX_CACHE = 10_000


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: str  # service | tenant | admin
    tenant_id: UUID | None

    @property
    def db_role(self) -> str:
        return f"ratecard_{self.role}"

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise ApiError(
                403,
                "forbidden",
                f"a {'/'.join(roles)} key is required",
                hint=f"this key's role is {self.role}",
            )


_cache: dict[str, tuple[float, Principal | None]] = {}


async def principal(request: Request, state: State) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(
            401,
            "unauthorized",
            "missing API key",
            hint="send Authorization: Bearer rc_<id>_<secret>",
        )
    key = key.strip()
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is None or hit[0] < now:
        row = await fetch_one(
            state.pool,
            "select * from api.authenticate_key(%s::text)",
            (key,),
            role="ratecard_authenticator",
        )
        found = Principal(row["key_id"], row["role"], row["tenant_id"]) if row else None
        if len(_cache) >= _MAX_CACHE:
            _cache.clear()
        hit = (now + CACHE_SECONDS, found)
        _cache[key] = hit
    if hit[1] is None:
        raise ApiError(401, "unauthorized", "unknown or revoked API key")
    return hit[1]


def clear_cache() -> None:
    _cache.clear()
