"""Fixtures for the job tests (the queue helper lives beside the SQL fixtures)."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.conftest import T0, Jobs


@pytest.fixture
def jobs(db: psycopg.Connection) -> Jobs:
    j = Jobs(db)
    j.clock(T0)
    j.define("t", "queue", max_attempts=3, lease_seconds=60, backoff_seconds=10)
    return j
