"""internal.usage_state (sql/internal/usage_state.sql): what each state means."""

from __future__ import annotations

import pytest

from tests.sql.conftest import Api


@pytest.mark.parametrize(
    ("policy", "limit", "buffer", "used", "state"),
    [
        ("soft", 0, 5, 0, "blocked"),
        ("bill", 0, 0, 0, "ok"),
        ("soft", 10, 0, 10, "blocked"),
        ("soft", 10, 50, 10, "warning"),
        ("bill", 10, 0, 10, "warning"),
    ],
)
def test_state_says_blocked_when_nothing_more_is_allowed(
    catalog: Api, policy: str, limit: int, buffer: int, used: int, state: str
) -> None:
    catalog.admin("select api.define_feature('edge', 'metered')")
    catalog.admin(
        "select api.set_plan_limit('free', 'edge', %s, true, %s, %s)", limit, policy, buffer
    )
    t = catalog.tenant()
    if used:
        catalog.consume(t, "edge", used)
    e = catalog.entitlement(t, "edge")
    assert e["state"] == state
    assert catalog.check(t, "edge", 0) is (state != "blocked")
