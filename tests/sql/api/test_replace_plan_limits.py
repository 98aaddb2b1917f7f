"""api.get_plan_limits and api.replace_plan_limits (sql/api/get_plan_limits.sql,
replace_plan_limits.sql): a plan's whole limit set read and replaced in one transaction,
checked entirely before anything is written."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.sql.conftest import Api


def limits(api: Api, plan: str) -> dict[str, dict]:
    return {r["feature"]: r for r in api.admin("select * from api.get_plan_limits(%s)", plan)}


def test_read_the_set(catalog: Api) -> None:
    got = limits(catalog, "free")
    assert set(got) == {"calls", "hourly", "tokens", "storage_bytes", "members", "sso"}
    storage = got["storage_bytes"]
    assert (storage["limit"], storage["overage"], storage["buffer_pct"]) == (1000, "soft", 10)
    assert storage["grace_seconds"] == 7 * 86400
    assert (got["sso"]["enabled"], got["sso"]["kind"]) == (False, "switch")


def test_replace_adds_changes_and_removes_in_one_go(catalog: Api) -> None:
    t = catalog.tenant()
    new = [
        {"feature": "calls", "limit": 50},
        {"feature": "members", "limit": None},
        {"feature": "sso", "enabled": True},
        {
            "feature": "storage_bytes",
            "limit": 2000,
            "overage": "soft",
            "buffer_pct": 5,
            "grace_seconds": 3600,
        },
    ]
    rows = catalog.admin("select * from api.replace_plan_limits('free', %s)", Jsonb(new))
    assert [r["feature"] for r in rows] == ["calls", "members", "sso", "storage_bytes"]
    got = limits(catalog, "free")
    assert set(got) == {"calls", "members", "sso", "storage_bytes"}
    assert got["calls"]["limit"] == 50 and got["members"]["limit"] is None
    assert got["storage_bytes"]["grace_seconds"] == 3600
    # entitlements followed in the same transaction
    assert catalog.entitlement(t, "calls")["limit"] == 50
    assert catalog.entitlement(t, "sso")["enabled"] is True
    assert catalog.entitlement(t, "tokens")["enabled"] is False  # removed: disabled


@pytest.mark.parametrize(
    ("body", "state"),
    [
        ([{"feature": "calls", "limit": -1}], "RC004"),
        ([{"feature": "nope"}], "RC002"),
        ([{"feature": "calls"}, {"feature": "calls", "limit": 3}], "RC005"),
        ([{"limit": 3}], "RC005"),
        ([1], "RC005"),
        ({"feature": "calls"}, "RC005"),
        ([{"feature": "calls", "overage": "maybe"}], "RC005"),
        ([{"feature": "calls", "buffer_pct": 1001}], "RC005"),
        ([{"feature": "calls", "grace_seconds": -5}], "RC005"),
        ([{"feature": "calls", "limit": "lots"}], "22P02"),
    ],
)
def test_a_bad_entry_changes_nothing(catalog: Api, body, state: str) -> None:
    before = limits(catalog, "free")
    body = [{"feature": "members", "limit": 1}, *body] if isinstance(body, list) else body
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select * from api.replace_plan_limits('free', %s)", Jsonb(body))
    assert info.value.sqlstate == state
    assert limits(catalog, "free") == before


def test_unknown_plan(catalog: Api) -> None:
    for query in (
        "select * from api.get_plan_limits('gold')",
        "select * from api.replace_plan_limits('gold', '[]')",
    ):
        with pytest.raises(psycopg.Error) as info:
            catalog.admin(query)
        assert info.value.sqlstate == "RC003"


def test_an_empty_set_disables_everything(catalog: Api) -> None:
    t = catalog.tenant()
    assert catalog.admin("select * from api.replace_plan_limits('free', '[]')") == []
    assert catalog.entitlement(t, "calls")["state"] == "disabled"


def test_only_admins_replace(catalog: Api, db) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        catalog.service("select * from api.replace_plan_limits('free', '[]')")
