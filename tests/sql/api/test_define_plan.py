"""api.define_plan (sql/api/define_plan.sql)."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.conftest import Api


def test_redefining_a_plan_keeps_its_default_mark(catalog: Api) -> None:
    catalog.admin("select api.define_plan('free', 'Free forever', 0)")
    assert catalog.scalar("select is_default from core.plans where code = 'free'") is True
    t = catalog.tenant()
    assert catalog.entitlement(t, "calls")["limit"] == 10


@pytest.mark.parametrize("name", ["", " \u00a0 ", "Pro\u202e", "Pro\u200b", "x" * 201])
def test_plan_names_follow_the_name_rule(catalog: Api, sqlstate, name: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.define_plan('team', %s, 0)", name)
    assert sqlstate(info) == "RC018"
    assert catalog.scalar("select count(*) from core.plans where code = 'team'") == 0
