"""`ratecard seed demo`: load the demo catalog (ratecard/seeds/demo.sql) and tenants."""

from __future__ import annotations

from pathlib import Path

import psycopg

DEMO_SQL = Path(__file__).with_name("seeds") / "demo.sql"


def seed_demo(conninfo: str, only_if_empty: bool = False) -> str:
    """Load the demo data in one transaction. With only_if_empty, skip when plans exist."""
    with psycopg.connect(conninfo) as conn:
        if only_if_empty:
            row = conn.execute("select count(*) from core.plans").fetchone()
            if row and row[0] > 0:
                return "seed: catalog already present, left as is"
        conn.execute("set local role ratecard_admin")
        conn.execute(DEMO_SQL.read_text())
        plans, tenants = conn.execute(
            "select (select count(*) from api.plans), (select count(*) from core.tenants)"
        ).fetchone() or (0, 0)
    return f"seed: demo catalog loaded ({plans} plans, {tenants} tenants)"
