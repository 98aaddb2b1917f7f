"""api.set_override (sql/api/set_override.sql)."""

from __future__ import annotations

from tests.sql.conftest import Api


def test_override_on_a_switch_has_no_limit(catalog: Api) -> None:
    t = catalog.tenant()
    catalog.admin("select api.set_override(%s, 'sso', 5)", t)
    e = catalog.entitlement(t, "sso")
    assert (e["enabled"], e["limit"], e["state"]) == (True, None, "ok")
