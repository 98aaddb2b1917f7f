"""HTTP tests run the real Litestar app, in process, against this test's database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from api.app import create_app
from ratecard.config import Settings


@pytest.fixture
def settings(dsn: str) -> Settings:
    return Settings(database_url=dsn)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(app=create_app(settings), raise_server_exceptions=False) as c:
        yield c
