"""api.tenant_overrides and api.replace_overrides (sql/api/tenant_overrides.sql,
replace_overrides.sql): a tenant's overrides read and replaced in one call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.sql.conftest import Api

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def overrides(api: Api, tenant) -> dict[str, dict]:
    rows = api.admin("select * from api.tenant_overrides(%s)", tenant)
    return {r["feature"]: r for r in rows}


def test_replace_sets_keeps_and_removes(catalog: Api) -> None:
    catalog.set_clock(NOW)
    t = catalog.tenant()
    catalog.admin("select api.set_override(%s, 'members', 50)", t)
    catalog.admin("select api.set_override(%s, 'tokens', 9)", t)
    new = [
        {"feature": "members", "limit": 50},
        {
            "feature": "calls",
            "limit": 500,
            "expires_at": (NOW + timedelta(days=3)).isoformat(),
            "reason": "launch week",
        },
        {"feature": "sso", "limit": 5},
    ]
    rows = catalog.admin("select * from api.replace_overrides(%s, %s)", t, Jsonb(new))
    assert {r["feature"] for r in rows} == {"members", "calls", "sso"}
    got = overrides(catalog, t)
    assert got["calls"]["reason"] == "launch week" and got["calls"]["live"] is True
    assert got["sso"]["limit"] is None  # a switch has no limit
    assert catalog.entitlement(t, "calls")["limit"] == 500
    assert catalog.entitlement(t, "tokens")["source"] == "plan"  # its override went
    catalog.set_clock(NOW + timedelta(days=4))
    assert overrides(catalog, t)["calls"]["live"] is False
    assert catalog.entitlement(t, "calls")["limit"] == 10


@pytest.mark.parametrize(
    ("body", "state"),
    [
        ([{"feature": "calls", "limit": -1}], "RC004"),
        ([{"feature": "nope", "limit": 1}], "RC002"),
        ([{"feature": "calls"}, {"feature": "calls"}], "RC005"),
        ([{"feature": "calls", "expires_at": "2000-01-01T00:00:00Z"}], "RC005"),
        ([{"feature": "calls", "reason": "x" * 501}], "RC005"),
        ([{"limit": 1}], "RC005"),
        ("calls", "RC005"),
    ],
)
def test_a_bad_entry_changes_nothing(catalog: Api, body, state: str) -> None:
    t = catalog.tenant()
    catalog.admin("select api.set_override(%s, 'members', 50)", t)
    before = overrides(catalog, t)
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select * from api.replace_overrides(%s, %s)", t, Jsonb(body))
    assert info.value.sqlstate == state
    assert overrides(catalog, t) == before


def test_unknown_tenant(catalog: Api) -> None:
    nobody = "00000000-0000-0000-0000-000000000000"
    for query in (
        "select * from api.tenant_overrides(%s)",
        "select * from api.replace_overrides(%s, '[]')",
    ):
        with pytest.raises(psycopg.Error) as info:
            catalog.admin(query, nobody)
        assert info.value.sqlstate == "RC001"
