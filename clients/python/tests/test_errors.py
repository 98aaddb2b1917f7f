"""Errors: the SQL client's codes are the API's; bad keys, bad connections and a
database that is gone."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool
from ratecard_client import (
    AuthenticationError,
    RatecardClient,
    RatecardUnavailable,
    SqlClient,
)
from ratecard_client._codes import SQLSTATE_CODES
from ratecard_client.errors import error_class
from ratecard_client.sql import NotAutocommit
from rc_support import Ratecard

from ratecard.config import with_user
from ratecard.error_codes import SQLSTATE_MAP


def test_the_sql_clients_codes_are_the_apis() -> None:
    """ratecard_client/_codes.py is a copy of ratecard/error_codes.py: a code added or
    changed on the server must be added or changed in the client too."""
    assert SQLSTATE_CODES == SQLSTATE_MAP


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (401, "AuthenticationError"),
        (403, "AuthenticationError"),
        (404, "NotFound"),
        (409, "Conflict"),
        (413, "InvalidRequest"),
        (422, "InvalidRequest"),
        (429, "RateLimited"),
        (500, "RatecardUnavailable"),
        (503, "RatecardUnavailable"),
        (None, "RatecardUnavailable"),
    ],
)
def test_statuses_map_to_classes(status: int | None, name: str) -> None:
    assert error_class(status).__name__ == name


def test_a_bad_key_is_unauthorized(ratecard: Ratecard) -> None:
    with (
        RatecardClient(ratecard.url, "rc_0000000000000000_nope") as c,
        pytest.raises(AuthenticationError) as err,
    ):
        c.check(ratecard.acme, "sso")
    assert (err.value.status, err.value.code) == (401, "unauthorized")


def test_url_and_key_from_the_environment(
    ratecard: Ratecard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATECARD_URL", ratecard.url + "/")
    monkeypatch.setenv("RATECARD_API_KEY", ratecard.key)
    with RatecardClient() as c:
        assert c.check(ratecard.initech, "sso") is True
    monkeypatch.delenv("RATECARD_API_KEY")
    with pytest.raises(ValueError, match="RATECARD_API_KEY"):
        RatecardClient()


def test_sql_client_refuses_a_connection_inside_a_transaction(
    demo: Ratecard, connect: Callable[..., psycopg.Connection]
) -> None:
    conn = connect("ratecard_authenticator", autocommit=False)
    with pytest.raises(NotAutocommit):
        SqlClient(conn).check(demo.acme, "sso")
    auto = connect("ratecard_authenticator")
    assert SqlClient(auto).check(demo.initech, "sso") is True


def test_sql_client_under_a_role_that_may_not_call_the_api(
    demo: Ratecard, connect: Callable[..., psycopg.Connection]
) -> None:
    """A tenant-role call to a service function: 42501, the API's 403 forbidden."""
    client = SqlClient(connect("ratecard_authenticator"), role="ratecard_tenant")
    with pytest.raises(AuthenticationError) as err:
        client.consume(demo.acme, "ai_decisions")
    assert (err.value.status, err.value.code) == (403, "forbidden")


def test_sql_client_without_a_database_is_unavailable(demo: Ratecard) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        conninfo = with_user(
            f"host=127.0.0.1 port={s.getsockname()[1]} dbname=x connect_timeout=1",
            "ratecard_authenticator",
        )
        pool: Any = ConnectionPool(conninfo, min_size=0, max_size=1, timeout=0.5, open=True)
        try:
            with pytest.raises(RatecardUnavailable) as err:
                SqlClient(pool).check(demo.acme, "sso")
        finally:
            pool.close()
    assert (err.value.code, err.value.status) == ("database_unavailable", 503)
