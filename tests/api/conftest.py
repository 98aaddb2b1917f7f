"""HTTP tests run the real Litestar app, in process, against this test's database.

`demo` loads the demo catalog (ratecard/seeds/demo.sql: Starter is the free default plan
with 100 ai_decisions a month, 5 MiB of storage with a 5% soft buffer, sso off; Pro and
Enterprise) and makes one key of each role. Keys are created on the superuser `db`
connection with api.create_api_key, exactly as `ratecard keys create` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
import pytest
from litestar.testing import TestClient

from api.app import create_app
from ratecard.config import Settings
from ratecard.seed import seed_demo
from ratecard.stripe_gateway import StripeSettings

WEBHOOK_SECRET = "whsec_test_ratecard"


@pytest.fixture
def settings(dsn: str) -> Settings:
    return Settings(database_url=dsn)


@pytest.fixture
def stripe_settings() -> StripeSettings:
    return StripeSettings(webhook_secret=WEBHOOK_SECRET)


@pytest.fixture
def client(settings: Settings, stripe_settings: StripeSettings) -> Iterator[TestClient]:
    app = create_app(settings, stripe_settings=stripe_settings)
    with TestClient(app=app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def make_client(
    settings: Settings, stripe_settings: StripeSettings
) -> Iterator[Callable[..., TestClient]]:
    """Start more apps, e.g. with another key cache time; all stopped at the end."""
    opened: list[TestClient] = []

    def _make(**kwargs: Any) -> TestClient:
        c = TestClient(
            app=create_app(settings, stripe_settings=stripe_settings, **kwargs),
            raise_server_exceptions=False,
        )
        c.__enter__()
        opened.append(c)
        return c

    yield _make
    for c in opened:
        c.__exit__(None, None, None)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_key(db: psycopg.Connection, role: str, tenant: UUID | None = None) -> str:
    row = db.execute("select api.create_api_key(%s, 'test', %s)", (role, tenant)).fetchone()
    assert row is not None
    return str(row[0])


def _key(db: psycopg.Connection, role: str, tenant: UUID | None = None) -> dict[str, str]:
    return bearer(new_key(db, role, tenant))


@dataclass
class Demo:
    acme: UUID  # starter (default plan)
    globex: UUID  # pro, 3 seats
    service: dict[str, str]
    admin: dict[str, str]
    tenant: dict[str, str]  # a tenant key of Acme


@pytest.fixture
def demo(dsn: str, db: psycopg.Connection) -> Demo:
    seed_demo(dsn)
    ids = dict(db.execute("select name, tenant_id from core.tenants").fetchall())
    return Demo(
        acme=ids["Acme Corp"],
        globex=ids["Globex"],
        service=_key(db, "service"),
        admin=_key(db, "admin"),
        tenant=_key(db, "tenant", ids["Acme Corp"]),
    )


def meter(db: psycopg.Connection, tenant: UUID, feature: str) -> int:
    """What the database counted for the tenant and feature (all periods)."""
    row = db.execute(
        "select coalesce(sum(used), 0) from core.meters where tenant_id = %s and feature = %s",
        (tenant, feature),
    ).fetchone()
    assert row is not None
    return int(row[0])


def ledger(db: psycopg.Connection, tenant: UUID, feature: str) -> tuple[int, int]:
    """(events, sum of amounts) in the usage ledger for the tenant and feature."""
    row = db.execute(
        "select count(*), coalesce(sum(amount), 0) from core.usage_events"
        " where tenant_id = %s and feature = %s",
        (tenant, feature),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def assert_error(r: Any, status: int, code: str) -> dict[str, Any]:
    """The answer is our JSON error with this status and code; returns the body."""
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"code", "message", "detail", "hint"}
    return body
