"""Feature categories (api.define_feature's p_category) and api.feature_catalog
(sql/api/feature_catalog.sql): the catalog grouped by category."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.conftest import Api


def test_categories_group_the_catalog(catalog: Api) -> None:
    catalog.admin("select api.define_feature('calls', 'metered', 'month', p_category => 'api')")
    catalog.admin(
        "select api.define_feature('hourly', 'metered', 'hour', p_durable => false,"
        " p_category => 'api')"
    )
    # a redefinition without a category keeps it
    catalog.admin("select api.define_feature('calls', 'metered', 'month', 'calls', 'Calls')")
    rows = catalog.admin("select * from api.feature_catalog")
    assert [r["category"] for r in rows] == ["api", "general"]
    api_row = rows[0]
    assert api_row["feature_count"] == 2
    assert [f["code"] for f in api_row["features"]] == ["calls", "hourly"]
    assert set(api_row["features"][0]) == {"code", "kind", "reset", "unit", "name", "durable"}
    assert catalog.admin("select category from api.features where code = 'sso'")[0] == {
        "category": "general"
    }


def test_a_category_is_a_code(catalog: Api) -> None:
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.define_feature('calls', 'metered', p_category => 'AI stuff')")
    assert info.value.sqlstate == "RC018"
