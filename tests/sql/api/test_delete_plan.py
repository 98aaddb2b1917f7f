"""api.delete_plan (sql/api/delete_plan.sql): a plan nobody is on is deleted with its
limits; one with tenants is refused with how many (retire it instead), as is the default
plan."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.conftest import Api


def test_delete_an_unused_plan(catalog: Api, db) -> None:
    catalog.admin("select api.define_plan('team', 'Team', 9900)")
    catalog.admin("select api.set_plan_limit('team', 'calls', 5)")
    assert catalog.admin("select api.delete_plan('team') as d")[0]["d"] is True
    assert db.execute("select count(*) from core.plans where code = 'team'").fetchone()[0] == 0
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.delete_plan('team')")
    assert info.value.sqlstate == "RC003"


def test_a_plan_in_use_is_refused_with_the_count_and_can_be_retired(catalog: Api) -> None:
    for name in ("a", "b"):
        catalog.tenant(name, plan="pro")
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.delete_plan('pro')")
    assert info.value.sqlstate == "RC034"
    assert info.value.diag.message_primary == "plan pro is in use by 2 tenants"
    assert info.value.diag.message_detail == "tenants 2"
    catalog.admin(
        "select api.define_plan('pro', 'Pro', 4900, p_per_seat => true, p_active => false)"
    )
    plan = catalog.admin("select active, is_public from api.plans where code = 'pro'")[0]
    assert plan == {"active": False, "is_public": True}
    with pytest.raises(psycopg.Error) as info:
        catalog.service("select * from api.plan_price('pro')")
    assert info.value.sqlstate == "RC003"  # no longer on sale


def test_the_default_plan_is_never_deleted(catalog: Api) -> None:
    catalog.tenant("a")
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.delete_plan('free')")
    assert info.value.sqlstate == "RC034"
    assert info.value.diag.message_detail == "tenants 1"
