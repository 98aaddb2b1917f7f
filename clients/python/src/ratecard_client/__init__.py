"""Ratecard's Python client: HTTP (RatecardClient, AsyncRatecardClient) and SQL
(SqlClient, AsyncSqlClient: needs the `sql` extra) clients returning the same types, and
QuotaMiddleware to gate any ASGI app. FastAPI dependencies live in
ratecard_client.fastapi (needs the `fastapi` extra). See the package's README."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ratecard_client._version import __version__
from ratecard_client.errors import (
    AuthenticationError,
    Conflict,
    InvalidRequest,
    NotFound,
    RatecardError,
    RatecardUnavailable,
    RateLimited,
    StorageLimitExceeded,
    UsageBatchError,
)
from ratecard_client.gate import Denial, Gate
from ratecard_client.http import AsyncRatecardClient, RatecardClient
from ratecard_client.middleware import Feature, Quota, QuotaMiddleware, RateLimit
from ratecard_client.retry import NO_RETRY, Retry
from ratecard_client.types import (
    BillingSession,
    Consumption,
    Entitlement,
    StorageCategory,
    StorageUsage,
    TrackedObject,
    Upload,
    UsageBatchResult,
    UsageEvent,
)

if TYPE_CHECKING:
    from ratecard_client.sql import AsyncSqlClient, SqlClient

__all__ = [
    "NO_RETRY",
    "AsyncRatecardClient",
    "AsyncSqlClient",
    "AuthenticationError",
    "BillingSession",
    "Conflict",
    "Consumption",
    "Denial",
    "Entitlement",
    "Feature",
    "Gate",
    "InvalidRequest",
    "NotFound",
    "Quota",
    "QuotaMiddleware",
    "RateLimit",
    "RateLimited",
    "RatecardClient",
    "RatecardError",
    "RatecardUnavailable",
    "Retry",
    "SqlClient",
    "StorageCategory",
    "StorageLimitExceeded",
    "StorageUsage",
    "TrackedObject",
    "Upload",
    "UsageBatchError",
    "UsageBatchResult",
    "UsageEvent",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # The SQL clients need psycopg (the `sql` extra): imported only when asked for.
    if name in ("SqlClient", "AsyncSqlClient"):
        from ratecard_client import sql

        return getattr(sql, name)
    raise AttributeError(f"module 'ratecard_client' has no attribute {name!r}")
