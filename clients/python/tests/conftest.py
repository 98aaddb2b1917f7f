"""The Python client's tests run on the project's harness (tests/harness.py: one cluster,
a migrated template, a fresh clone per test) against the real API served by uvicorn on a
loopback port, and the real database.

`ratecard` loads the demo catalog (Acme on the free Starter plan: 100 ai_decisions a
month, 100 api_calls_hourly an hour, sso off; Globex on Pro; Initech on Enterprise:
everything on and unlimited), creates a service key and serves the API.
`clients` builds any of the four clients (blocking and asyncio HTTP, blocking and
asyncio SQL) behind one blocking face, so a contract test runs against each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool, ConnectionPool
from ratecard_client import AsyncRatecardClient, RatecardClient
from ratecard_client.sql import AsyncSqlClient, SqlClient
from rc_support import FAST_RETRY, KINDS, Blocking, Ratecard

from api.app import create_app
from ratecard.config import Settings, with_user
from ratecard.seed import seed_demo
from tests.api.conftest import new_key
from tests.serving import serve

pytest_plugins = ["tests.harness", "tests.s3"]


@pytest.fixture
def demo(dsn: str, db: psycopg.Connection) -> Ratecard:
    """The demo catalog and a service key in this test's database; no server (url "")."""
    seed_demo(dsn)
    ids = dict(db.execute("select name, tenant_id from core.tenants").fetchall())
    key = new_key(db, "service")
    return Ratecard("", key, dsn, db, ids["Acme Corp"], ids["Globex"], ids["Initech"])


@pytest.fixture
def ratecard(demo: Ratecard) -> Iterator[Ratecard]:
    """`demo`, with the API served by uvicorn on a free loopback port."""
    app = create_app(Settings(database_url=demo.dsn), key_cache_seconds=30)
    with serve(app, ready_path="/readyz", name="ratecard-api") as url:
        yield replace(demo, url=url)


@pytest.fixture
def make_client(dsn: str) -> Iterator[Callable[..., Any]]:
    """make_client(kind, url=..., key=...) -> a client of that kind behind a blocking
    face. SQL clients use a pool logged in as ratecard_authenticator (as the API does)."""
    loop = asyncio.new_event_loop()
    closers: list[Callable[[], Any]] = []

    def make(kind: str, url: str | None = None, key: str | None = None, **kw: Any) -> Any:
        if kind == "http":
            c: Any = RatecardClient(url, key, retry=kw.pop("retry", FAST_RETRY), **kw)
            closers.append(c.close)
            return c
        if kind == "async_http":
            c = AsyncRatecardClient(url, key, retry=kw.pop("retry", FAST_RETRY), **kw)
            closers.append(lambda: loop.run_until_complete(c.aclose()))
            return Blocking(c, loop)
        conninfo = with_user(dsn, "ratecard_authenticator")
        if kind == "sql":
            pool = ConnectionPool(
                conninfo, min_size=1, max_size=4, kwargs={"autocommit": True}, open=True
            )
            closers.append(pool.close)
            return SqlClient(pool, **kw)
        if kind == "async_sql":

            async def open_pool() -> AsyncConnectionPool:
                p = AsyncConnectionPool(
                    conninfo, min_size=1, max_size=4, kwargs={"autocommit": True}, open=False
                )
                await p.open()
                return p

            apool = loop.run_until_complete(open_pool())
            closers.append(lambda: loop.run_until_complete(apool.close()))
            return Blocking(AsyncSqlClient(apool, **kw), loop)
        raise ValueError(kind)

    yield make
    for close in reversed(closers):
        close()
    loop.close()


@pytest.fixture(params=KINDS)
def any_client(request: pytest.FixtureRequest, make_client: Callable[..., Any]) -> Any:
    """Each of the four clients in turn, on the demo catalog (the HTTP ones through the
    API under uvicorn)."""
    if request.param in ("http", "async_http"):
        rc: Ratecard = request.getfixturevalue("ratecard")
        return make_client(request.param, rc.url, rc.key)
    request.getfixturevalue("demo")
    return make_client(request.param)
