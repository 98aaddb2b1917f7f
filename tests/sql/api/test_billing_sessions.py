"""Billing page links and sessions (sql/api/create_billing_session.sql,
open_billing_session.sql, billing_session.sql, end_billing_session.sql,
revoke_billing_sessions.sql): short-lived, single-use, bound to one tenant, stored hashed,
refused when tampered with, expired, ended or revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.sql.conftest import Api

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def link(api: Api, tenant, ttl: int = 900, return_url: str | None = None) -> str:
    return api.service(
        "select * from api.create_billing_session(%s, %s, %s)", tenant, ttl, return_url
    )[0]["token"]


def open_(api: Api, token: str) -> dict:
    return api.service("select * from api.open_billing_session(%s)", token)[0]


def session(api: Api, token: str) -> dict:
    return api.service("select * from api.billing_session(%s)", token)[0]


def refused(api: Api, query: str, *params) -> str:
    with pytest.raises(psycopg.Error) as info:
        api.service(query, *params)
    assert info.value.sqlstate == "RC035", info.value
    return info.value.diag.message_primary or ""


def test_a_link_opens_one_session_bound_to_its_tenant(catalog: Api) -> None:
    catalog.set_clock(NOW)
    t, other = catalog.tenant("a"), catalog.tenant("b")
    token = link(catalog, t, return_url="https://app.example/settings")
    assert token.startswith(f"{t}.") and len(token.split(".")[1]) == 64
    opened = open_(catalog, token)
    assert opened["expires_at"] == NOW + timedelta(hours=1)
    cookie = opened["token"]
    assert cookie.startswith(f"{t}.") and cookie != token
    row = session(catalog, cookie)
    assert (row["tenant_id"], row["return_url"]) == (t, "https://app.example/settings")
    # the other tenant's id with this secret is nobody's session
    forged = f"{other}.{cookie.split('.')[1]}"
    assert refused(catalog, "select * from api.billing_session(%s)", forged) == "no billing session"


def test_only_hashes_are_stored(catalog: Api, db: psycopg.Connection) -> None:
    t = catalog.tenant()
    token = link(catalog, t)
    cookie = open_(catalog, token)["token"]
    stored = db.execute("select link_hash, session_hash from core.billing_sessions").fetchall()
    secrets = {token.split(".")[1].encode(), cookie.split(".")[1].encode()}
    assert all(bytes(h) not in secrets and len(bytes(h)) == 32 for row in stored for h in row)


def test_a_link_works_once(catalog: Api) -> None:
    t = catalog.tenant()
    token = link(catalog, t)
    open_(catalog, token)
    message = refused(catalog, "select * from api.open_billing_session(%s)", token)
    assert message == "this billing link was already used"


def test_an_expired_link_and_an_expired_session_are_refused(catalog: Api) -> None:
    catalog.set_clock(NOW)
    t = catalog.tenant()
    stale, fresh = link(catalog, t, ttl=60), link(catalog, t, ttl=600)
    catalog.set_clock(NOW + timedelta(seconds=61))
    assert refused(catalog, "select * from api.open_billing_session(%s)", stale) == (
        "this billing link has expired"
    )
    cookie = open_(catalog, fresh)["token"]
    catalog.set_clock(NOW + timedelta(seconds=61, minutes=59))
    assert session(catalog, cookie)["tenant_id"] == t
    catalog.set_clock(NOW + timedelta(seconds=61, hours=1))
    assert refused(catalog, "select * from api.billing_session(%s)", cookie) == (
        "the billing session has expired"
    )


@pytest.mark.parametrize(
    "mangle",
    [
        lambda tok: tok[:-1] + ("0" if tok[-1] != "0" else "1"),  # one character of the secret
        lambda tok: tok.upper(),
        lambda tok: tok.split(".")[1],  # no tenant
        lambda tok: tok + "0",
        lambda tok: "",
        lambda tok: "x" * 101,
        lambda tok: tok.replace(".", ".'; drop table core.tenants; --"),
    ],
)
def test_a_tampered_link_or_cookie_is_refused(catalog: Api, mangle) -> None:
    t = catalog.tenant()
    token = link(catalog, t)
    refused(catalog, "select * from api.open_billing_session(%s)", mangle(token))
    cookie = open_(catalog, token)["token"]
    refused(catalog, "select * from api.billing_session(%s)", mangle(cookie))
    assert session(catalog, cookie)["tenant_id"] == t


def test_sign_out_and_revoke(catalog: Api) -> None:
    t = catalog.tenant()
    cookie = open_(catalog, link(catalog, t))["token"]
    assert catalog.service("select api.end_billing_session(%s) as ended", cookie)[0]["ended"]
    assert not catalog.service("select api.end_billing_session(%s) as ended", cookie)[0]["ended"]
    refused(catalog, "select * from api.billing_session(%s)", cookie)

    cookie = open_(catalog, link(catalog, t))["token"]
    unused = link(catalog, t)
    n = catalog.service("select api.revoke_billing_sessions(%s) as n", t)[0]["n"]
    assert n == 2  # the open session and the unused link
    refused(catalog, "select * from api.billing_session(%s)", cookie)
    assert refused(catalog, "select * from api.open_billing_session(%s)", unused) == (
        "this billing link was revoked"
    )


def test_bad_arguments(catalog: Api, sqlstate) -> None:
    t = catalog.tenant()
    for args, state in [
        ((t, 59, None), "RC005"),
        ((t, 3601, None), "RC005"),
        ((t, None, None), "RC005"),
        ((t, 900, "javascript:alert(1)"), "RC005"),
        ((t, 900, "https://app.example/a b"), "RC005"),
        ((t, 900, "https://" + "a" * 2000), "RC005"),
        (("00000000-0000-0000-0000-000000000000", 900, None), "RC001"),
    ]:
        with pytest.raises(psycopg.Error) as info:
            catalog.service("select * from api.create_billing_session(%s, %s, %s)", *args)
        assert sqlstate(info) == state, args


def test_old_sessions_are_cleaned_up_when_a_new_link_is_made(
    catalog: Api, db: psycopg.Connection
) -> None:
    catalog.set_clock(NOW)
    t = catalog.tenant()
    open_(catalog, link(catalog, t))
    link(catalog, t)
    catalog.set_clock(NOW + timedelta(days=2))
    link(catalog, t)
    assert db.execute("select count(*) from core.billing_sessions").fetchone()[0] == 1


def test_only_the_service_role_opens_and_reads_sessions(catalog: Api, db) -> None:
    t = catalog.tenant()
    token = link(catalog, t)
    for role in ("ratecard_tenant", "ratecard_admin", "ratecard_authenticator"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
            db.execute(f"set local role {role}")
            db.execute("select * from api.open_billing_session(%s)", (token,))
