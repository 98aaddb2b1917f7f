"""HTTP tests run the real Litestar app, in process, against this test's database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

import psycopg
import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.auth import clear_cache
from ratecard.config import Settings
from ratecard.seed import seed_demo
from ratecard.stripe_gateway import StripeSettings

WEBHOOK_SECRET = "whsec_test_ratecard"


@pytest.fixture
def settings(dsn: str) -> Settings:
    return Settings(database_url=dsn)


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def stripe_settings() -> StripeSettings:
    return StripeSettings(webhook_secret=WEBHOOK_SECRET)


@pytest.fixture
def client(settings: Settings, stripe_settings: StripeSettings) -> Iterator[TestClient]:
    app = create_app(settings, stripe_settings=stripe_settings)
    with TestClient(app=app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class Demo:
    acme: UUID  # starter (default plan)
    globex: UUID  # pro, 3 seats
    service: dict[str, str]
    admin: dict[str, str]
    tenant: dict[str, str]  # a tenant key of Acme


def _key(db: psycopg.Connection, role: str, tenant: UUID | None = None) -> dict[str, str]:
    key = db.execute("select api.create_api_key(%s, 'test', %s)", (role, tenant)).fetchone()[0]
    return {"Authorization": f"Bearer {key}"}


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
