"""api.set_tenant_status (sql/api/set_tenant_status.sql)."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.conftest import Api


def test_admin_can_suspend_and_restore_a_tenant(catalog: Api, sqlstate) -> None:
    t = catalog.tenant()
    catalog.admin("select api.set_tenant_status(%s, 'suspended')", t)
    assert catalog.check(t, "calls") is False
    catalog.admin("select api.set_tenant_status(%s, 'active')", t)
    assert catalog.check(t, "calls") is True
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.set_tenant_status(%s, 'gone')", t)
    assert sqlstate(info) == "RC005"
