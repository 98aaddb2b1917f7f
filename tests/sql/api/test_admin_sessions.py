"""Admin dashboard sessions (sql/api/open_admin_session.sql, admin_session.sql,
end_admin_session.sql): opened with a live admin API key by the authenticator login, eight
hours long, ended by signing out or by revoking the key; and a page statement gated by the
session runs nothing for a bad cookie."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.sql.conftest import Api

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def as_authenticator(db: psycopg.Connection, query: str, *params) -> list[dict]:
    with db.transaction():
        db.execute("set local role ratecard_authenticator")
        return db.cursor(row_factory=dict_row).execute(query, params).fetchall()


def sign_in(db: psycopg.Connection, key: str) -> dict:
    return as_authenticator(db, "select * from api.open_admin_session(%s)", key)[0]


def admin_key(api: Api) -> str:
    return api.admin("select api.create_api_key('admin', 'ops') as k")[0]["k"]


def test_an_admin_key_opens_an_eight_hour_session(catalog: Api, db) -> None:
    catalog.set_clock(NOW)
    key = admin_key(catalog)
    opened = sign_in(db, key)
    assert opened["expires_at"] == NOW + timedelta(hours=8)
    assert opened["token"].startswith(key.split("_")[1] + ".")
    row = catalog.admin("select * from api.admin_session(%s)", opened["token"])[0]
    assert row["key_id"] == key.split("_")[1]
    catalog.set_clock(NOW + timedelta(hours=8))
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select * from api.admin_session(%s)", opened["token"])
    assert info.value.sqlstate == "RC035"


@pytest.mark.parametrize("role", ["service", "tenant"])
def test_only_admin_keys_sign_in(catalog: Api, db, role: str) -> None:
    tenant = catalog.tenant() if role == "tenant" else None
    key = catalog.admin("select api.create_api_key(%s, 'x', %s) as k", role, tenant)[0]["k"]
    for bad in (key, "rc_nope_nope", "", admin_key(catalog) + "x"):
        with pytest.raises(psycopg.Error) as info:
            sign_in(db, bad)
        assert info.value.sqlstate == "RC035"
        assert info.value.diag.message_primary == "that is not an admin API key"


def test_revoking_the_key_ends_its_sessions(catalog: Api, db) -> None:
    key = admin_key(catalog)
    token = sign_in(db, key)["token"]
    catalog.admin("select api.revoke_api_key(%s)", key.split("_")[1])
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select * from api.admin_session(%s)", token)
    assert info.value.sqlstate == "RC035"


def test_sign_out(catalog: Api, db) -> None:
    token = sign_in(db, admin_key(catalog))["token"]
    assert catalog.admin("select api.end_admin_session(%s) as e", token)[0]["e"]
    assert not catalog.admin("select api.end_admin_session(%s) as e", token)[0]["e"]
    with pytest.raises(psycopg.Error):
        catalog.admin("select * from api.admin_session(%s)", token)


def test_a_gated_statement_changes_nothing_for_a_bad_cookie(catalog: Api, db) -> None:
    """The admin pages' form: the work in the select list, the session in FROM."""
    token = sign_in(db, admin_key(catalog))["token"]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    gated = "select api.set_plan_limit('pro', 'calls', 7) from api.admin_session(%s) s"
    with pytest.raises(psycopg.Error) as info:
        catalog.admin(gated, forged)
    assert info.value.sqlstate == "RC035"
    assert (
        catalog.admin("select \"limit\" from api.get_plan_limits('pro') where feature = 'calls'")[
            0
        ]["limit"]
        == 100
    )
    catalog.admin(gated, token)
    assert (
        catalog.admin("select \"limit\" from api.get_plan_limits('pro') where feature = 'calls'")[
            0
        ]["limit"]
        == 7
    )


def test_the_authenticator_alone_signs_in(catalog: Api, db) -> None:
    key = admin_key(catalog)
    for role in ("ratecard_service", "ratecard_tenant", "ratecard_admin"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
            db.execute(f"set local role {role}")
            db.execute("select * from api.open_admin_session(%s)", (key,))
