"""api.billed_usage (the estimate behind GET /v1/billing/usage), api.usage_reconciliation
and api.record_usage_reconciliation (drift kept in core.usage_drift, api.list_usage_drift),
api.list_usage_reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from tests.sql.api.test_claim_usage_reports import billed, claim, customer, record, to_send
from tests.sql.conftest import Api

T0 = datetime(2026, 3, 10, 12, 0, 30, tzinfo=UTC)
__all__ = ["billed"]


def estimate(api: Api, t: Any) -> dict[str, Any]:
    with api.conn.transaction():
        api.conn.execute("set local role ratecard_tenant")
        api.conn.execute("select set_config('ratecard.tenant_id', %s, true)", (str(t),))
        rows = (
            api.conn.cursor(row_factory=dict_row)
            .execute("select * from api.billed_usage")
            .fetchall()
        )
    (row,) = rows  # only the tenant's own billed features: tokens
    return row


def test_the_estimate_from_the_plans_price(billed: Api) -> None:
    t = customer(billed)
    billed.consume(t, "tokens", 4000)
    e = estimate(billed, t)
    assert (e["feature"], e["included"], e["used"], e["overage_units"]) == ("tokens", 5000, 4000, 0)
    assert (e["estimated_overage_cents"], e["price_source"], e["currency"]) == (0, "plan", "usd")
    record(billed, t, 1234, "a")
    e = estimate(billed, t)
    assert (e["overage_units"], e["estimated_overage_cents"]) == (234, 234)
    billed.admin("select api.set_overage_price('pro', 'tokens', 0.0005)")
    assert estimate(billed, t)["estimated_overage_cents"] == 0  # 0.117 cents rounds to 0
    billed.consume(t, "tokens", 1_000_000)
    assert estimate(billed, t)["estimated_overage_cents"] == 500  # 1,000,234 x 0.0005 = 500.117


def test_reported_up_to(billed: Api) -> None:
    t = customer(billed)
    assert estimate(billed, t)["reported_up_to"] is None  # nothing billed yet
    record(billed, t, 5, "a", T0 - timedelta(minutes=5))
    assert estimate(billed, t)["reported_up_to"] == T0 - timedelta(minutes=5)
    claim(billed, t)
    assert estimate(billed, t)["reported_up_to"] == T0 - timedelta(minutes=5)  # claimed, not sent
    (r,) = to_send(billed, t)
    billed.service("select api.mark_usage_report(%s, %s, 'created')", t, r["report_id"])
    assert estimate(billed, t)["reported_up_to"] == T0  # everything until the claim
    billed.set_clock(T0 + timedelta(minutes=10))
    record(billed, t, 5, "b")
    assert estimate(billed, t)["reported_up_to"] == T0 + timedelta(minutes=10)


def reconcile(api: Api, t: Any, stripe: dict[datetime, int | None], settle: str = "0") -> list:
    rows = api.admin("select * from api.usage_reconciliation(%s, null, %s::interval)", t, settle)
    results = [
        {
            "tenant_id": str(r["tenant_id"]),
            "feature": r["feature"],
            "period_start": r["period_start"].isoformat(),
            "reported_units": r["reported_units"],
            "stripe_units": stripe.get(r["period_start"], r["reported_units"]),
        }
        for r in rows
    ]
    return api.admin(
        "select * from api.record_usage_reconciliation(%s, %s::interval)", Jsonb(results), settle
    )


def test_reconciliation_windows_tolerance_and_drift(billed: Api) -> None:
    t = customer(billed)
    record(billed, t, 100, "a")
    claim(billed, t)
    (row,) = billed.admin("select * from api.usage_reconciliation(%s)", t)
    ps = row["period_start"]
    assert (row["ledger_units"], row["reported_units"], row["in_flight_units"]) == (100, 0, 100)
    assert row["window_start"] == ps.replace(second=0, microsecond=0) + timedelta(
        minutes=0 if ps.second == 0 and ps.microsecond == 0 else 1
    )
    assert (row["meter_id"], row["stripe_customer_id"]) == ("mtr_t", "cus_1")
    # claimed and attempted but not confirmed: Stripe may or may not have it
    (r,) = to_send(billed, t)
    assert [x["status"] for x in reconcile(billed, t, {ps: 0})] == ["ok"]
    assert [x["status"] for x in reconcile(billed, t, {ps: 100})] == ["ok"]
    assert [x["status"] for x in reconcile(billed, t, {ps: 101})] == ["drift"]
    billed.service("select api.mark_usage_report(%s, %s, 'created')", t, r["report_id"])
    # confirmed: Stripe must hold it, unless it was confirmed within the settle time
    assert [x["status"] for x in reconcile(billed, t, {ps: 0}, "5 minutes")] == ["ok"]
    out = reconcile(billed, t, {ps: 0})
    assert [(x["status"], x["stripe_units"], x["stripe_low"]) for x in out] == [("drift", 0, 100)]
    (d,) = billed.admin("select * from api.list_usage_drift()")
    assert (d["stripe_difference"], d["ledger_difference"], d["resolved_at"]) == (-100, 0, None)
    first_seen = d["first_seen_at"]
    billed.set_clock(T0 + timedelta(hours=1))
    reconcile(billed, t, {ps: 0})
    (d,) = billed.admin("select * from api.list_usage_drift()")
    assert (d["first_seen_at"], d["checked_at"]) == (first_seen, T0 + timedelta(hours=1))
    assert [x["status"] for x in reconcile(billed, t, {ps: 100})] == ["ok"]
    assert billed.admin("select * from api.list_usage_drift()") == []
    (d,) = billed.admin("select * from api.list_usage_drift(null, true)")
    assert d["resolved_at"] == T0 + timedelta(hours=1)
    # unknown (no Stripe sum) and changed (a report confirmed while reading) decide nothing
    assert [x["status"] for x in reconcile(billed, t, {ps: None})] == ["unknown"]
    rows = billed.admin("select * from api.usage_reconciliation(%s)", t)
    stale = [{"tenant_id": str(t), "feature": "tokens", "period_start": ps.isoformat(),
              "reported_units": 0, "stripe_units": 0}]  # fmt: skip
    out = billed.admin("select * from api.record_usage_reconciliation(%s)", Jsonb(stale))
    assert [x["status"] for x in out] == ["changed"] and rows


def test_list_functions_refuse_bad_filters(billed: Api, sqlstate) -> None:
    for call in (
        "select * from api.list_usage_drift(null, false, 0)",
        "select * from api.list_usage_reports(null, 'lost')",
        "select * from api.list_usage_reports(null, null, 1001)",
        "select * from api.record_usage_reconciliation('{}')",
    ):
        with pytest.raises(psycopg.Error) as info:
            billed.admin(call)
        assert sqlstate(info) == "RC005", call
    t = customer(billed)
    record(billed, t, 1, "a")
    claim(billed, t)
    assert [r["status"] for r in billed.admin("select * from api.list_usage_reports(%s)", t)] == [
        "pending"
    ]
    assert billed.admin("select * from api.list_usage_reports(null, 'flagged')") == []
