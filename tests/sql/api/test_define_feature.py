"""api.define_feature and api.define_addon (sql/api/define_feature.sql, define_addon.sql)."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.conftest import Api


def test_feature_durability_cannot_change(catalog: Api, sqlstate) -> None:
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.define_feature('hourly', 'metered', 'hour', p_durable => true)")
    assert sqlstate(info) == "RC024"
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.define_feature('calls', 'gauge')")
    assert sqlstate(info) == "RC024"
    for bad, state in (
        ("select api.define_feature('x', 'gauge', p_name => '')", "RC018"),
        ("select api.define_addon('y', 'Y', 0, 'usd', null)", "RC005"),
    ):
        with pytest.raises(psycopg.Error) as info:
            catalog.admin(bad)
        assert sqlstate(info) == state


@pytest.mark.parametrize("code", ["Calls", "1x", "a-b", "", "x" * 64, "caf\u00e9"])
def test_codes_are_lower_case_identifiers(catalog: Api, sqlstate, code: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.define_feature(%s, 'switch')", code)
    assert sqlstate(info) == "RC018"
