"""internal.now(), internal.set_clock and internal.install_clock (sql/internal/now.sql):
the clock is a definition that PostgreSQL inlines, redefined when tests move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
import pytest

from tests.sql.conftest import Api

AT = datetime(2031, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


def test_a_frozen_clock_is_seen_by_every_session_and_released(
    catalog: Api, connect: Callable[..., psycopg.Connection]
) -> None:
    other = connect(autocommit=True)
    other.execute("set role ratecard_service")
    # a cached plan that inlined the running clock, in another session
    other.execute("prepare t as select internal.now() as now")
    assert other.execute("execute t").fetchone()[0] != AT
    catalog.set_clock(AT)
    assert other.execute("execute t").fetchone()[0] == AT  # replanned: the new definition
    assert catalog.scalar("select internal.now()") == AT
    assert catalog.scalar("select frozen_at from core.clock") == AT
    t = catalog.tenant()
    assert catalog.consume(t, "calls")["resets_at"] == datetime(2031, 3, 1, tzinfo=UTC)
    catalog.set_clock(None)
    assert other.execute("execute t").fetchone()[0] != AT
    assert "pg_catalog.now()" in catalog.scalar(
        "select prosrc from pg_proc where oid = 'internal.now()'::regprocedure"
    )


def test_migrate_keeps_a_frozen_clock(catalog: Api, dsn: str) -> None:
    from ratecard.migrate import migrate

    catalog.set_clock(AT)
    catalog.conn.commit()
    migrate(dsn)
    assert catalog.scalar("select internal.now()") == AT


def test_only_the_administrator_moves_time(catalog: Api) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        catalog.service("select internal.set_clock(now())")
    for role in ("ratecard_service", "ratecard_tenant"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            catalog._run(role, "select internal.install_clock()", ())
