"""api.record_acquisition_spend (sql/api/record_acquisition_spend.sql): idempotent per month
and channel, checked input, admin only."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from tests.sql.conftest import Api


def test_idempotent_per_month_and_channel(api: Api) -> None:
    row = api.admin("select * from api.record_acquisition_spend('2026-03-17', 'ads', 50000, 'usd')")
    assert row == [
        {"month": date(2026, 3, 1), "channel": "ads", "currency": "usd", "amount_cents": 50000}
    ]
    api.admin("select * from api.record_acquisition_spend('2026-03-01', 'ads', 60000, 'usd')")
    api.admin("select * from api.record_acquisition_spend('2026-03-01', 'events', 1000, 'eur')")
    rows = api.admin(
        "select month, channel, currency, amount_cents from analytics.acquisition_spend"
        " order by channel"
    )
    assert [(r["channel"], r["currency"], r["amount_cents"]) for r in rows] == [
        ("ads", "usd", 60000),
        ("events", "eur", 1000),
    ]


@pytest.mark.parametrize(
    ("args", "state"),
    [
        (("2026-03-01", "Ads!", 1, "usd"), "RC005"),
        (("2026-03-01", "ads", 1, "USD"), "RC005"),
        (("2026-03-01", "ads", -1, "usd"), "RC004"),
        ((None, "ads", 1, "usd"), "RC005"),
    ],
)
def test_bad_input_changes_nothing(api: Api, args: tuple, state: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        api.admin("select * from api.record_acquisition_spend(%s::date, %s, %s, %s)", *args)
    assert info.value.sqlstate == state
    assert api.scalar("select count(*) from core.acquisition_spend") == 0


def test_not_for_services(api: Api) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        api.service("select * from api.record_acquisition_spend('2026-03-01', 'ads', 1, 'usd')")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        api.service("select * from analytics.kpis")
