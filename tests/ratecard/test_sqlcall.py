"""ratecard.sqlcall: the one way Python calls SQL (role, tenant, one statement, one trip)."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from ratecard.sqlcall import NotAutocommit, call, one

WHO = "select current_user as who, current_setting('ratecard.tenant_id', true) as tenant"


def test_role_and_tenant_hold_for_the_call_only(connect: Callable[..., psycopg.Connection]) -> None:
    conn = connect()
    tenant = "6f1c0000-0000-0000-0000-000000000001"
    assert call(conn, WHO, role="ratecard_tenant", tenant_id=tenant) == [
        {"who": "ratecard_tenant", "tenant": tenant}
    ]
    # with parameters to bind, the same (the tenant literal is escaped for psycopg)
    row = one(call(conn, WHO + ", %s::int as n", (7,), role="ratecard_admin", tenant_id="a%b"), "x")
    assert row == {"who": "ratecard_admin", "tenant": "a%b", "n": 7}
    after = one(call(conn, WHO, role="login"), "x")
    assert after["who"] == "postgres" and not after["tenant"]


def test_a_script_answers_with_its_last_statement(
    connect: Callable[..., psycopg.Connection],
) -> None:
    conn = connect()
    rows = call(conn, "select 1 as a; select 2 as b union all select 3", role="ratecard_service")
    assert rows == [{"b": 2}, {"b": 3}]
    assert call(conn, "set local work_mem = '8MB'", role="ratecard_service") == []


def test_an_error_rolls_back_the_whole_message(connect: Callable[..., psycopg.Connection]) -> None:
    conn = connect()
    conn.execute("create table public.t (n int)")
    conn.execute("grant usage on schema public to ratecard_admin")
    conn.execute("grant insert on public.t to ratecard_admin")
    with pytest.raises(psycopg.errors.DivisionByZero):
        call(conn, "insert into public.t values (1); select 1/0", role="ratecard_admin")
    assert conn.execute("select count(*) from public.t").fetchone() == (0,)
    assert one(call(conn, WHO, role="login"), "x")["who"] == "postgres"


def test_refuses_a_connection_inside_a_transaction(
    connect: Callable[..., psycopg.Connection],
) -> None:
    conn = connect(autocommit=False)
    with pytest.raises(NotAutocommit):
        call(conn, WHO, role="ratecard_service")


def test_one_wants_exactly_one_row() -> None:
    assert one([{"a": 1}], "x") == {"a": 1}
    with pytest.raises(LookupError, match="expected one row, got 0"):
        one([], "x")
