"""api.check_quota: read-only, same rule as consume (sql/api/check_quota.sql)."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.conftest import Api


def test_answers_like_consume_and_changes_nothing(catalog: Api) -> None:
    t = catalog.tenant()
    assert catalog.check(t, "calls", 10) is True
    assert catalog.check(t, "calls", 11) is False
    catalog.consume(t, "calls", 9)
    assert catalog.check(t, "calls") is True
    assert catalog.check(t, "calls", 2) is False
    assert catalog.check(t, "calls", 0) is True  # room for one more
    catalog.consume(t, "calls")
    assert catalog.check(t, "calls", 0) is False
    assert catalog.scalar("select used from core.meters where tenant_id = %s", t) == 10


def test_switch_answers_enabled(catalog: Api) -> None:
    free = catalog.tenant()
    pro = catalog.tenant(plan="pro")
    assert catalog.check(free, "sso") is False
    assert catalog.check(pro, "sso") is True


def test_errors(catalog: Api, sqlstate) -> None:
    t = catalog.tenant()
    for args, state in [
        ((t, "nope"), "RC002"),
        (("00000000-0000-0000-0000-000000000009", "calls"), "RC001"),
        ((t, "calls", -1), "RC004"),
    ]:
        with pytest.raises(psycopg.Error) as info:
            catalog.check(*args)
        assert sqlstate(info) == state


def test_function_is_read_only(catalog: Api) -> None:
    row = catalog.conn.execute(
        "select provolatile, prosecdef from pg_proc"
        " where oid = 'api.check_quota(uuid, text, bigint)'::regprocedure"
    ).fetchone()
    assert row == ("s", True)
