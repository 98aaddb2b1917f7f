"""The pages' formatting filters (api/pages/common.py): how figures read."""

from __future__ import annotations

import pytest

from api.pages.common import (
    amount,
    day,
    moment,
    money,
    month,
    number,
    percent,
    rate,
    size,
    title,
    unit_price,
)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((64600, "usd"), "$646.00"),
        ((4900, "usd", True), "$49"),
        ((4950, "usd", True), "$49.50"),
        ((-49900, "eur"), "-€499.00"),
        ((1200, "jpy"), "¥1,200"),
        ((123456789, "chf"), "1,234,567.89 CHF"),
        ((None, "usd"), "\u2013"),
    ],
)
def test_money(args, text) -> None:
    assert money(*args) == text


def test_quantities_and_sizes() -> None:
    assert (number(10000), number(None), number(2.5)) == ("10,000", "\u2013", "2.5")
    assert (size(0), size(5 * 1024 * 1024), size(42_000_000)) == ("0 bytes", "5 MiB", "40.1 MiB")
    assert (amount(104857600, "bytes"), amount(10000, "decisions")) == ("100 MiB", "10,000")


def test_dates_and_rates() -> None:
    assert day("2026-12-01T00:00:00+00:00") == "Dec 1, 2026"
    assert day("2026-11-30T23:30:00-05:00") == "Dec 1, 2026"  # shown in UTC
    assert moment("2026-12-01T14:05:00+00:00") == "Dec 1, 2026 14:05 UTC"
    assert (month("2026-03-01"), day(None)) == ("Mar 2026", "\u2013")
    assert (percent(85.0), percent(7.25), percent(None)) == ("85%", "7.2%", "\u2013")
    assert rate(0.0523) == "5.2%"
    assert title("past_due") == "Past due"


def test_unit_prices_over_the_fewest_units_that_make_a_cent() -> None:
    assert unit_price(0.0005) == "$5.00 per million"  # Model A: $5 per million tokens
    assert unit_price(0.002) == "$0.02 per 1,000"  # Model B: $0.00002 a token
    assert (unit_price(150), unit_price(0.0015)) == ("$1.50 each", "$0.015 per 1,000")
    assert (unit_price(0.5, "eur"), unit_price(None)) == ("€5.00 per 1,000", "\u2013")
