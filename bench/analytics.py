"""Revenue analytics at scale: analytics.kpis and a 12-month analytics.mrr_movements with
100,000 tenants and 2,000,000 subscription history rows, as ratios to a sequential scan of
the history table in the same run (docs/analytics.md, bench/RESULTS.md).

    .venv/bin/python -m bench.analytics [--tenants 100000] [--rows-per-tenant 20] [--repeat 5]

A fresh cluster in a temporary folder (fsync on, default shared_buffers), migrated from the
working tree. History is loaded in bulk (triggers off for the load) over the 24 months
before now: every tenant changes plan, seats, status or currency about 20 times, some with
a cancellation at the period end. The MRR timeline is then rebuilt from history by
internal.rebuild_mrr_points (what the triggers write row by row), the closed months are
materialised by api.close_revenue_months, and each query is timed (median of --repeat
runs, after one warm-up) against `select count(*), sum(mrr_after_cents) from
core.subscription_history` forced to a sequential scan.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.machine import commit, facts_text
from bench.server import BenchServer
from ratecard.cluster import Cluster
from ratecard.config import Settings
from ratecard.migrate import migrate
from ratecard.seed import seed_demo

PORT = 55472

LOAD = """
set session_replication_role = replica;
insert into core.tenants (tenant_id, name, created_at)
select gen_random_uuid(), 'Bench ' || n, now() - interval '760 days'
  from generate_series(1, %(tenants)s) n;
insert into core.subscription_history
  (tenant_id, changed_at, plan_after, status_after, seats_after, interval_after, currency,
   items, discounts, ends_at, mrr_after_cents)
select t.tenant_id, c.at, 'pro', c.status, c.seats, 'month', c.currency,
       jsonb_build_array(jsonb_build_object(
         'kind', 'plan', 'code', 'pro', 'id', null, 'unit_amount_cents', c.unit,
         'quantity', c.seats, 'interval', 'month', 'interval_count', 1, 'ends_at', null)),
       '[]', case when c.cancel then c.at + interval '20 days' end, 0
  from core.tenants t
 cross join lateral (
   select now() - interval '730 days' + (k - 1 + random()) * interval '730 days' / %(rows)s
            as at,
          (array['active', 'active', 'active', 'active', 'active', 'active', 'trialing',
                 'past_due', 'canceled', 'unpaid'])[1 + floor(random() * 10)::int] as status,
          1 + floor(random() * 5)::int as seats,
          case when random() < 0.1 then 'eur' else 'usd' end as currency,
          (array[2900, 4900, 9900, 49900])[1 + floor(random() * 4)::int] as unit,
          random() < 0.05 as cancel
     from generate_series(1, %(rows)s) k
    where t.tenant_id is not null) c;
set session_replication_role = origin;
"""

BASELINE = (
    "set local enable_indexscan = off; set local enable_indexonlyscan = off;"
    " set local enable_bitmapscan = off;"
    " select count(*), sum(mrr_after_cents) from core.subscription_history"
)
QUERIES = {
    "kpis": "set local role ratecard_admin; select * from analytics.kpis",
    "movements_12m": (
        "set local role ratecard_admin; select * from analytics.revenue_periods('month',"
        " date_trunc('month', now()) - interval '11 months', now())"
    ),
    "mrr_daily_30d": (
        "set local role ratecard_admin; select * from analytics.revenue_periods('day',"
        " now() - interval '29 days', now())"
    ),
}


def timed(conn: psycopg.Connection, sql: str, repeat: int) -> float:
    with conn.transaction():
        _run(conn, sql)  # warm-up
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        with conn.transaction():
            _run(conn, sql)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def _run(conn: psycopg.Connection, sql: str) -> None:
    cur = conn.cursor()
    cur.execute(sql)
    while True:
        if cur.description is not None:
            cur.fetchall()
        if not cur.nextset():
            break


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__)
    p.add_argument("--tenants", type=int, default=100_000)
    p.add_argument("--rows-per-tenant", type=int, default=20)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    settings = Settings.from_env()
    workdir = Path(tempfile.mkdtemp(prefix="ratecard-bench-analytics-"))
    cluster = Cluster(
        home=workdir,
        port=PORT,
        bindir=settings.pg_bindir,
        os_user=settings.pg_os_user,
        dbname="ratecard",
        settings={"fsync": "on", "synchronous_commit": "on", "log_min_messages": "warning"},
    )
    server = BenchServer(cluster, workdir)
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    try:
        cluster.start()
        migrate(server.conninfo())
        seed_demo(server.conninfo())
        with server.connect() as conn:
            t0 = time.perf_counter()
            conn.execute(LOAD % {"tenants": int(args.tenants), "rows": int(args.rows_per_tenant)})
            t1 = time.perf_counter()
            points = conn.execute("select internal.rebuild_mrr_points()").fetchone()[0]
            t2 = time.perf_counter()
            conn.execute("vacuum analyze")
            hist = conn.execute("select count(*) from core.subscription_history").fetchone()[0]
            say(
                f"loaded {args.tenants:,} tenants and {hist:,} history rows in {t1 - t0:.1f} s;"
                f" timeline rebuilt from history: {points:,} points in {t2 - t1:.1f} s"
            )
            results: list[tuple[str, float, float]] = []
            base_open = timed(conn, BASELINE, args.repeat)
            for name, sql in QUERIES.items():
                results.append(
                    (
                        f"{name} (timeline only, no closed month)",
                        timed(conn, sql, args.repeat),
                        base_open,
                    )
                )
            t3 = time.perf_counter()
            months = conn.execute("select api.close_revenue_months()").fetchone()
            closed = conn.execute(
                "select count(distinct month) from core.revenue_months"
            ).fetchone()[0]
            t4 = time.perf_counter()
            say(f"api.close_revenue_months closed {closed} months in {t4 - t3:.1f} s ({months})")
            conn.execute("vacuum analyze")
            base = timed(conn, BASELINE, args.repeat)
            for name, sql in QUERIES.items():
                results.append(
                    (f"{name} (closed months materialised)", timed(conn, sql, args.repeat), base)
                )
        say("")
        say(f"commit {commit()}")
        say(facts_text(_facts(server)))
        say("")
        say("| query | seconds | seq scan of history (s) | ratio to the scan |")
        say("|---|---|---|---|")
        for name, secs, b in results:
            say(f"| {name} | {secs:.3f} | {b:.3f} | {secs / b:.2f} |")
    finally:
        cluster.destroy()
        shutil.rmtree(workdir, ignore_errors=True)
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "analytics.md").write_text("\n".join(lines) + "\n")
    return 0


def _facts(server: BenchServer) -> dict[str, str]:
    from bench.machine import facts

    return facts(server)


if __name__ == "__main__":
    sys.exit(main())
