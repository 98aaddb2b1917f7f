"""api.plan_catalog (sql/api/plan_catalog.sql): plans with their limits in one row."""

from __future__ import annotations

from tests.sql.conftest import Api


def test_each_plan_carries_its_limits(catalog: Api) -> None:
    rows = {r["code"]: r for r in catalog.service("select * from api.plan_catalog")}
    assert set(rows) == {"free", "pro"}
    free = {lim["feature"]: lim for lim in rows["free"]["limits"]}
    assert free["calls"]["limit"] == 10
    assert (free["storage_bytes"]["grace"], free["storage_bytes"]["grace_seconds"]) == (
        "7 days",
        604800,
    )
    assert "plan" not in free["calls"]
    assert [lim["feature"] for lim in rows["pro"]["limits"]] == sorted(
        lim["feature"] for lim in rows["pro"]["limits"]
    )


def test_a_plan_without_limits_has_an_empty_list(catalog: Api) -> None:
    catalog.admin("select api.define_plan('bare', 'Bare', 0)")
    row = catalog.service("select limits from api.plan_catalog where code = 'bare'")[0]
    assert row["limits"] == []
