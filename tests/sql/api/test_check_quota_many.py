"""api.check_quota_many: api.check_quota for many checks in one statement, in order
(sql/api/check_quota_many.sql)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest

from tests.sql.conftest import Api

UNKNOWN = UUID("00000000-0000-0000-0000-000000000009")


def many(api: Api, checks: list[tuple[Any, str, int]]) -> list[tuple[int, bool]]:
    rows = api.service(
        "select n, allowed from api.check_quota_many(%s::uuid[], %s::text[], %s::bigint[])",
        [c[0] for c in checks],
        [c[1] for c in checks],
        [c[2] for c in checks],
    )
    return [(r["n"], r["allowed"]) for r in rows]


def test_each_answer_is_the_single_checks_in_order(catalog: Api) -> None:
    free, pro = catalog.tenant(), catalog.tenant(plan="pro")
    catalog.consume(free, "calls", 9)
    checks = [
        (free, "calls", 1),
        (free, "calls", 2),
        (pro, "sso", 1),
        (free, "sso", 1),
        (free, "calls", 0),
        (pro, "calls", 10),
        (free, "calls", 1),  # the same check twice: the same answer (nothing is counted)
    ]
    expected = [catalog.check(*c) for c in checks]
    assert expected == [True, False, True, False, True, True, True]
    assert many(catalog, checks) == list(enumerate(expected, start=1))
    assert catalog.scalar("select used from core.meters where tenant_id = %s", free) == 9
    assert many(catalog, []) == []


def test_one_bad_check_fails_the_statement_as_the_single_check_would(
    catalog: Api, sqlstate
) -> None:
    t = catalog.tenant()
    for bad, state in [
        ((t, "nope", 1), "RC002"),
        ((UNKNOWN, "calls", 1), "RC001"),
        ((t, "calls", -1), "RC004"),
    ]:
        with pytest.raises(psycopg.Error) as info:
            many(catalog, [(t, "calls", 1), bad])
        assert sqlstate(info) == state


@pytest.mark.parametrize(
    ("tenants", "features", "amounts"),
    [
        ("array[%s]::uuid[]", "array['calls']", "array[1, 2]"),
        ("array[%s]::uuid[]", "array['calls', 'sso']", "array[1]"),
        ("null", "array['calls']", "array[1]"),
        (
            "array_fill(%s::uuid, array[1001])",
            "array_fill('calls'::text, array[1001])",
            "array_fill(1::bigint, array[1001])",
        ),
    ],
)
def test_arrays_of_other_lengths_are_refused(
    catalog: Api, sqlstate, tenants: str, features: str, amounts: str
) -> None:
    t = catalog.tenant()
    params = [t] if "%s" in tenants else []
    with pytest.raises(psycopg.Error) as info:
        catalog.service(
            f"select * from api.check_quota_many({tenants}, {features}, {amounts})", *params
        )
    assert sqlstate(info) == "RC005"


def test_function_is_read_only(catalog: Api) -> None:
    row = catalog.conn.execute(
        "select provolatile, prosecdef from pg_proc"
        " where oid = 'api.check_quota_many(uuid[], text[], bigint[])'::regprocedure"
    ).fetchone()
    assert row == ("s", True)
