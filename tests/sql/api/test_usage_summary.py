"""api.usage_summary (sql/api/usage_summary.sql) and the one approaching rule it shares
with internal.usage_state (sql/internal/approaching_limit.sql)."""

from __future__ import annotations

from tests.sql.conftest import Api


def summary(api: Api, t) -> dict[str, dict]:
    rows = api.admin("select * from api.usage_summary where tenant_id = %s", t)
    return {r["feature"]: r for r in rows}


def test_flags_follow_the_state(catalog: Api) -> None:
    t = catalog.tenant()  # free: calls 10 (block), tokens 1000 (bill), sso off
    catalog.consume(t, "calls", 7)
    s = summary(catalog, t)
    assert (s["calls"]["current"], s["calls"]["is_approaching_limit"]) == (7, False)
    assert s["calls"]["state"] == "ok"
    catalog.consume(t, "calls", 1)
    s = summary(catalog, t)
    assert (s["calls"]["is_approaching_limit"], s["calls"]["state"]) == (True, "warning")
    assert s["calls"]["percentage"] == 80.0
    catalog.consume(t, "calls", 2)
    s = summary(catalog, t)
    assert (s["calls"]["is_at_limit"], s["calls"]["state"]) == (True, "blocked")
    assert s["sso"]["is_at_limit"] is False and s["sso"]["is_unlimited"] is False
    assert s["members"]["is_approaching_limit"] is False


def test_approaching_and_warning_never_disagree(catalog: Api) -> None:
    t = catalog.tenant()
    for _ in range(12):
        catalog.consume(t, "tokens", 100)  # bill: never blocked
        row = summary(catalog, t)["tokens"]
        warning_or_past = row["state"] in ("warning", "over_limit")
        assert row["is_approaching_limit"] == warning_or_past, row


def test_a_tenant_sees_only_its_own(catalog: Api) -> None:
    mine, other = catalog.tenant(), catalog.tenant()
    with catalog.conn.transaction():
        catalog.conn.execute("set local role ratecard_tenant")
        catalog.conn.execute("select set_config('ratecard.tenant_id', %s, true)", (str(mine),))
        tenants = {r[0] for r in catalog.conn.execute("select tenant_id from api.usage_summary")}
    assert tenants == {mine} and other not in tenants
