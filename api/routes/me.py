"""Tenant-key reads of the caller's own data (/v1/me). They select from security_invoker
views as ratecard_tenant with the key's tenant in `ratecard.tenant_id`, so row-level
security, not a WHERE clause here, confines them to that tenant."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get

from api import queries as q
from api.auth import Principal, tenant_guard
from api.db import fetch_as_caller


@get("/entitlements", summary="The calling tenant's entitlements (tenant keys)")
async def my_entitlements(request: Request[Any, Any, Any]) -> dict[str, Any]:
    caller: Principal = request.scope["auth"]  # type: ignore[typeddict-item]
    rows = await fetch_as_caller(request, q.MY_ENTITLEMENTS)
    return {"tenant_id": caller.tenant_id, "entitlements": rows}


me_router = Router(
    path="/v1/me",
    route_handlers=[my_entitlements],
    guards=[tenant_guard],
    security=[{"apiKey": []}],
    tags=["tenant"],
)
