"""api.create_tenants (sql/api/create_tenants.sql): many tenants in one call, entitlements
derived once per statement, all or none."""

from __future__ import annotations

from uuid import UUID

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.sql.conftest import Api


def create(api: Api, tenants: list[dict]) -> list[UUID]:
    rows = api.service("select tenant_id from api.create_tenants(%s::jsonb)", Jsonb(tenants))
    return [r["tenant_id"] for r in rows]


def test_many_tenants_get_their_plans_and_entitlements(catalog: Api) -> None:
    given = UUID("11111111-2222-3333-4444-555555555555")
    ids = create(
        catalog,
        [{"name": f"t{n}", "plan": "pro"} for n in range(300)]
        + [{"name": "free one", "email": "a@b.example"}, {"name": " x ", "tenant_id": str(given)}],
    )
    assert len(ids) == 302 and len(set(ids)) == 302 and ids[-1] == given
    assert catalog.entitlement(ids[0], "calls")["limit"] == 100  # pro, one seat
    assert catalog.entitlement(ids[300], "calls")["limit"] == 10  # the default plan
    assert catalog.scalar("select name from core.tenants where tenant_id = %s", given) == "x"
    assert catalog.scalar("select count(*) from core.entitlements") == 302 * 6
    # the same as api.create_tenant, row for row
    one = catalog.tenant("single", "pro")
    assert (
        catalog.scalar(
            "select count(*) from core.entitlements a join core.entitlements b"
            " on a.feature = b.feature and a.tenant_id = %s and b.tenant_id = %s"
            " where (a.base_limit, a.base_enabled, a.plan, a.overage)"
            " is not distinct from (b.base_limit, b.base_enabled, b.plan, b.overage)",
            one,
            ids[0],
        )
        == 6
    )


@pytest.mark.parametrize(
    ("bad", "state"),
    [
        ({"name": ""}, "RC018"),
        ({"name": "ok", "email": "nope"}, "RC005"),
        ({"name": "ok", "plan": "platinum"}, "RC003"),
    ],
)
def test_one_bad_tenant_rejects_all(catalog: Api, sqlstate, bad: dict, state: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        create(catalog, [{"name": "fine"}, bad])
    assert sqlstate(info) == state
    assert info.value.diag.message_detail == "index 1"
    assert catalog.scalar("select count(*) from core.tenants") == 0


def test_an_existing_tenant_id_is_refused(catalog: Api) -> None:
    t = catalog.tenant()
    with pytest.raises(psycopg.errors.UniqueViolation):
        create(catalog, [{"name": "again", "tenant_id": str(t)}])
