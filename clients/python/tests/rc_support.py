"""What the client's tests share: the served demo (Ratecard), a blocking face for the
asyncio clients, fast retries."""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from ratecard_client import Retry

# Fast retries: the tests prove that retries happen, not how long they wait.
FAST_RETRY = Retry(attempts=3, backoff=0.005, max_backoff=0.02)


@dataclass
class Ratecard:
    url: str
    key: str
    dsn: str
    db: psycopg.Connection
    acme: UUID  # Starter (the default plan)
    globex: UUID  # Pro
    initech: UUID  # Enterprise

    def scalar(self, query: str, *params: Any) -> Any:
        row = self.db.execute(query, params).fetchone()
        return row[0] if row else None

    def meter(self, tenant: UUID, feature: str) -> int:
        """What the database counted for the tenant and feature, every period and both
        kinds of meter (durable and volatile)."""
        return int(
            self.scalar(
                "select coalesce(sum(used), 0) from (select used from core.meters"
                " where tenant_id = %s and feature = %s union all select used"
                " from core.volatile_meters where tenant_id = %s and feature = %s) m",
                tenant,
                feature,
                tenant,
                feature,
            )
        )

    def ledger(self, tenant: UUID, feature: str) -> tuple[int, int]:
        row = self.db.execute(
            "select count(*), coalesce(sum(amount), 0) from core.usage_events"
            " where tenant_id = %s and feature = %s",
            (tenant, feature),
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def set_clock(self, at: Any) -> None:
        self.db.execute("select internal.set_clock(%s::timestamptz)", (at,))


class Blocking:
    """Any client behind a blocking face: coroutines run on this object's event loop."""

    def __init__(self, client: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        def run(*args: Any, **kwargs: Any) -> Any:
            return self.loop.run_until_complete(attr(*args, **kwargs))

        return run


KINDS = ("http", "async_http", "sql", "async_sql")
