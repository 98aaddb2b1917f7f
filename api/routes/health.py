"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

import psycopg
from litestar import Request, Response, get
from litestar.datastructures import State
from psycopg_pool import PoolTimeout

from api import queries
from api.db import fetch_one
from api.errors import error_body
from api.openapi import errors
from ratecard.metrics import exposition


@get(
    "/healthz",
    tags=["health"],
    summary="The process is up",
    sync_to_thread=False,
    opt={"no_database": True},
)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/readyz",
    tags=["health"],
    summary="The database is reachable and migrated to the version this code ships",
    responses=errors(503),
)
async def readyz(state: State) -> Response[dict[str, Any]]:
    expected: str = state.expected_schema
    try:
        row = await fetch_one(state.pool, queries.SCHEMA_VERSION, role="ratecard_authenticator")
    except (psycopg.Error, PoolTimeout) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Response(
            error_body("not_ready", "database not reachable or not migrated", {"reason": reason}),
            status_code=503,
        )
    found = row["version"] if row else None
    if found != expected:
        return Response(
            error_body(
                "not_ready",
                "database schema is not at the version this code expects",
                {"expected": expected, "found": found},
                "run `ratecard db migrate`",
            ),
            status_code=503,
        )
    return Response({"status": "ready", "schema_version": found}, status_code=200)


@get(
    "/metrics",
    tags=["health"],
    summary="Prometheus metrics in the text format (requests, latency, errors, pool)",
    media_type="text/plain",
    sync_to_thread=False,
    opt={"no_database": True},
)
def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    body, content_type = exposition(request.app.metrics.registry)  # type: ignore[attr-defined]
    return Response(body, media_type=content_type)
