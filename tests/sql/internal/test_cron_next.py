"""internal.cron_next / internal.cron_field: pg_cron's schedule syntax, read in SQL."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest


def nxt(db: psycopg.Connection, schedule: str, after: datetime) -> datetime | None:
    return db.execute(
        "select internal.cron_next(%s, %s::timestamptz)", (schedule, after)
    ).fetchone()[0]


T = datetime(2026, 1, 1, 10, 7, 30, tzinfo=UTC)  # a Thursday


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("* * * * *", datetime(2026, 1, 1, 10, 8, tzinfo=UTC)),
        ("*/5 * * * *", datetime(2026, 1, 1, 10, 10, tzinfo=UTC)),
        ("0 * * * *", datetime(2026, 1, 1, 11, 0, tzinfo=UTC)),
        ("@hourly", datetime(2026, 1, 1, 11, 0, tzinfo=UTC)),
        ("15 3 * * *", datetime(2026, 1, 2, 3, 15, tzinfo=UTC)),
        ("@daily", datetime(2026, 1, 2, 0, 0, tzinfo=UTC)),
        ("0 0 * * 0", datetime(2026, 1, 4, 0, 0, tzinfo=UTC)),  # Sunday
        ("0 0 * * 7", datetime(2026, 1, 4, 0, 0, tzinfo=UTC)),  # 7 is Sunday too
        ("0 0 * * mon-fri", datetime(2026, 1, 2, 0, 0, tzinfo=UTC)),
        ("30 9 1 * *", datetime(2026, 2, 1, 9, 30, tzinfo=UTC)),
        ("0 0 1 jan *", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
        ("7/20 * * * *", datetime(2026, 1, 1, 10, 27, tzinfo=UTC)),
        ("10-50/20 * * * *", datetime(2026, 1, 1, 10, 10, tzinfo=UTC)),
        ("5,6,45 10 * * *", datetime(2026, 1, 1, 10, 45, tzinfo=UTC)),
        # both day fields restricted: either matches (the 15th, or a Monday)
        ("0 0 15 * 1", datetime(2026, 1, 5, 0, 0, tzinfo=UTC)),
        ("0 12 29 2 *", datetime(2028, 2, 29, 12, 0, tzinfo=UTC)),
    ],
)
def test_next_time(db: psycopg.Connection, schedule: str, expected: datetime) -> None:
    assert nxt(db, schedule, T) == expected


def test_a_schedule_that_never_fires_has_no_next_time(db: psycopg.Connection) -> None:
    assert nxt(db, "0 0 30 2 *", T) is None


@pytest.mark.parametrize(
    "schedule",
    [
        "",
        "* * * *",
        "* * * * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "*/0 * * * *",
        "5-1 * * * *",
        "a * * * *",
        "* * * foo *",
        "1 seconds",
        "$ * * * *",
    ],
)
def test_bad_schedules_are_rc005(db: psycopg.Connection, schedule: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        nxt(db, schedule, T)
    assert info.value.sqlstate == "RC005"
