"""internal.meter_level (sql/internal/meter_level.sql): green below 70%, amber from 70%, red
from 90% or past the limit; unlimited, on and off as such."""

from __future__ import annotations

import pytest

from tests.sql.conftest import Api


@pytest.mark.parametrize(
    ("kind", "enabled", "limit", "percent", "state", "level"),
    [
        ("metered", True, 100, 0, "ok", "ok"),
        ("metered", True, 100, 69.99, "ok", "ok"),
        ("metered", True, 100, 70, "ok", "high"),
        ("metered", True, 100, 89.99, "warning", "high"),
        ("metered", True, 100, 90, "warning", "critical"),
        ("gauge", True, 1000, 50, "over_limit", "critical"),  # plan lowered under the level
        ("gauge", True, None, None, "ok", "unlimited"),
        ("switch", True, None, None, "ok", "on"),
        ("switch", False, None, None, "disabled", "off"),
        ("metered", False, 100, 0, "disabled", "off"),
    ],
)
def test_levels(api: Api, kind, enabled, limit, percent, state, level) -> None:
    got = api.scalar(
        "select internal.meter_level(%s, %s, %s::bigint, %s::numeric, %s)",
        kind,
        enabled,
        limit,
        percent,
        state,
    )
    assert got == level
