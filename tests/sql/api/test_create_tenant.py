"""api.create_tenant (sql/api/create_tenant.sql) and the name rule it shares with every
named thing (sql/internal/check_name.sql, unprintable.sql)."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.conftest import Api


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "\t\n",
        "\u00a0\u3000",  # no-break and ideographic spaces only
        "x" * 201,
        "Acme\u202eevil",  # right-to-left override (Cf, bidi)
        "Acme\u200b",  # zero-width space (Cf)
        "Acme\u2066x\u2069",  # bidi isolates
        "Acme\ufeff",  # byte order mark
        "Acme\u0007",  # bell (Cc)
        "Acme\u0085",  # next line (Cc, C1)
        "Acme\u2028Inc",  # line separator
        "Acme\U000e0041",  # a tag character (Cf, outside the BMP)
    ],
)
def test_bad_names_are_rc018_and_create_nothing(api: Api, sqlstate, name: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        api.service("select api.create_tenant(%s)", name)
    assert sqlstate(info) == "RC018"
    assert api.scalar("select count(*) from core.tenants") == 0


@pytest.mark.parametrize(
    "name", ["Acme", "  Acme  ", "Ünïcødé GmbH", "株式会社", "O'Brien & Co.", "🚀 Rocket"]
)
def test_good_names(api: Api, name: str) -> None:
    t = api.service("select api.create_tenant(%s) as id", name)[0]["id"]
    assert api.scalar("select name from core.tenants where tenant_id = %s", t) == name.strip()


@pytest.mark.parametrize("email", ["a@b", "ops@http.example"])
def test_good_emails(api: Api, email: str) -> None:
    api.service("select api.create_tenant('X', %s)", email)


@pytest.mark.parametrize("email", ["nope", "a b@c", "a@b\u200b", "a@\u202eb", "@b"])
def test_bad_emails_are_rc005(api: Api, sqlstate, email: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        api.service("select api.create_tenant('X', %s)", email)
    assert sqlstate(info) == "RC005"


def test_key_names_follow_the_name_rule(api: Api, sqlstate) -> None:
    with pytest.raises(psycopg.Error) as info:
        api.admin("select api.create_api_key('service', %s)", "ops\u202e")
    assert sqlstate(info) == "RC018"
