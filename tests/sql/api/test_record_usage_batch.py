"""api.record_usage_batch (sql/api/record_usage_batch.sql): keys and timestamps."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.sql.conftest import Api


@pytest.mark.parametrize("second", [{"amount": 2}, {"feature": "calls"}])
def test_batch_rejects_a_key_reused_for_another_request(catalog: Api, sqlstate, second) -> None:
    t = catalog.tenant()
    first = {"tenant_id": str(t), "feature": "tokens", "amount": 1, "idempotency_key": "k"}
    with pytest.raises(psycopg.Error) as info:
        catalog.service(
            "select * from api.record_usage_batch(%s::jsonb)", Jsonb([first, first | second])
        )
    assert sqlstate(info) == "RC006"
    catalog.service("select * from api.record_usage_batch(%s::jsonb)", Jsonb([first]))
    with pytest.raises(psycopg.Error) as info:
        catalog.service("select * from api.record_usage_batch(%s::jsonb)", Jsonb([first | second]))
    assert sqlstate(info) == "RC006"
    assert catalog.entitlement(t, "tokens")["used"] == 1


def test_batch_bad_timestamp_is_a_data_error(catalog: Api) -> None:
    t = catalog.tenant()
    with pytest.raises(psycopg.errors.InvalidDatetimeFormat):
        catalog.service(
            "select * from api.record_usage_batch(%s::jsonb)",
            Jsonb(
                [
                    {
                        "tenant_id": str(t),
                        "feature": "tokens",
                        "amount": 1,
                        "idempotency_key": "k",
                        "occurred_at": "yesterday-ish",
                    }
                ]
            ),
        )
