"""`ratecard seed demo`: load the demo catalog (ratecard/seeds/demo.sql) and tenants."""

from __future__ import annotations

from pathlib import Path

import psycopg

from ratecard import queries as q
from ratecard.sqlcall import call, one

DEMO_SQL = Path(__file__).with_name("seeds") / "demo.sql"


def seed_demo(conninfo: str, only_if_empty: bool = False) -> str:
    """Load the demo data in one transaction, as ratecard_admin. With only_if_empty, skip
    when plans exist."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        if only_if_empty and one(call(conn, q.PLAN_COUNT, role="ratecard_admin"), "plans")["plans"]:
            return "seed: catalog already present, left as is"
        # The script and the count go as one message: one implicit transaction.
        script = DEMO_SQL.read_text().rstrip().rstrip(";") + ";\n" + q.SEED_COUNTS
        counts = one(call(conn, script, role="ratecard_admin"), "seed")
    return f"seed: demo catalog loaded ({counts['plans']} plans, {counts['tenants']} tenants)"
