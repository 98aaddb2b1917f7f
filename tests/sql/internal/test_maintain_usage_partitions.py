"""Ledger partitions: made ahead, RLS on, rows rescued from the default partition
(sql/internal/maintain_usage_partitions.sql)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.sql.conftest import Api


def partitions(api: Api) -> list[str]:
    return [
        r[0]
        for r in api.conn.execute(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid"
            " where i.inhparent = 'core.usage_events'::regclass order by 1"
        )
    ]


def test_months_ahead_with_rls_and_rows_moved_out_of_default(catalog: Api) -> None:
    catalog.set_clock(datetime(2031, 1, 15, tzinfo=UTC))
    t = catalog.tenant()
    # January 2031 has no partition yet: the event lands in the default partition.
    catalog.consume(t, "calls", 2)
    assert catalog.scalar("select count(*) from core.usage_events_default") == 1
    made = catalog.scalar("select internal.maintain_usage_partitions(2)")
    assert made == 3
    names = partitions(catalog)
    assert {"usage_events_203101", "usage_events_203102", "usage_events_203103"} <= set(names)
    assert catalog.scalar("select count(*) from core.usage_events_default") == 0
    assert catalog.scalar("select count(*) from core.usage_events_203101") == 1
    assert catalog.scalar(
        "select bool_and(relrowsecurity) from pg_class"
        " where relname ~ '^usage_events_2031' and relkind = 'r'"
    )
    assert (
        catalog.scalar(
            "select count(*) from pg_class where relname ~ '^usage_events_2031'"
            " and relkind = 'r' and relowner <> 'ratecard_owner'::regrole"
        )
        == 0
    )
    assert catalog.scalar("select internal.maintain_usage_partitions(2)") == 0  # idempotent
    catalog.consume(t, "calls", 3)
    assert catalog.scalar("select sum(amount) from core.usage_events_203101") == 5
