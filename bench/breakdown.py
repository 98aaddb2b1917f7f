"""python -m bench.breakdown: where check_quota's and consume's time goes, step by step.

A ladder of statements from the baseline to the real function, each adding one thing the
real function does, measured two ways on the same server in the same run:

- CPU per call: 1 client, synchronous_commit off for the session (no WAL flush wait), so
  1,000,000 / TPS is what one call costs in microseconds, pgbench's share included;
- throughput: 8 clients, synchronous_commit on (as the headline pairs), TPS and the ratio
  to the ladder's first rung.

The steps in between are PL/pgSQL functions created for the run in a schema of their own
(`bench_steps`, owned by ratecard_owner like the api functions, security definer with
`search_path = ''` like them), so each rung differs from the one before by one thing. See
bench/RESULTS.md ("Where the time goes") for what the ladder showed.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.machine import commit, facts, facts_text, load_average
from bench.pgbench import pgbench
from bench.server import (
    BASELINE_DB,
    RATECARD_DB,
    SERVICE_ROLE,
    TENANTS,
    BenchServer,
    bench_server,
    tenant_sql,
)

STEPS_SQL = """
create schema bench_steps authorization ratecard_owner;
grant usage on schema bench_steps to ratecard_service;
set role ratecard_owner;

create function bench_steps.entitlement(p_tenant_id uuid, p_feature text)
returns boolean language plpgsql stable security definer set search_path = '' as $$
declare v boolean;
begin
  select e.base_enabled into v from core.entitlements e
   where e.tenant_id = p_tenant_id and e.feature = p_feature;
  return v;
end $$;

create function bench_steps.entitlement_meter(p_tenant_id uuid, p_feature text)
returns boolean language plpgsql stable security definer set search_path = '' as $$
declare v boolean;
begin
  select e.base_enabled and coalesce(m.used, 0) + 1 <= e.base_limit into v
    from core.entitlements e
    left join core.meters m
      on m.tenant_id = e.tenant_id and m.feature = e.feature
     and m.period_start = pg_catalog.date_trunc('month', pg_catalog.now() at time zone 'UTC')
                          at time zone 'UTC'
   where e.tenant_id = p_tenant_id and e.feature = p_feature;
  return v;
end $$;

create function bench_steps.meter(p_tenant_id uuid, p_feature text, p_amount bigint)
returns bigint language plpgsql volatile security definer set search_path = '' as $$
declare v bigint;
begin
  update core.meters m set used = m.used + p_amount, updated_at = pg_catalog.now()
    from core.entitlements e
   where e.tenant_id = p_tenant_id and e.feature = p_feature
     and m.tenant_id = e.tenant_id and m.feature = e.feature
     and m.period_start = pg_catalog.date_trunc('month', pg_catalog.now() at time zone 'UTC')
                          at time zone 'UTC'
     and m.used + p_amount <= e.base_limit
  returning m.used into v;
  return v;
end $$;

create function bench_steps.meter_ledger(p_tenant_id uuid, p_feature text, p_amount bigint)
returns bigint language plpgsql volatile security definer set search_path = '' as $$
declare v bigint;
begin
  with b as (
    update core.meters m set used = m.used + p_amount, updated_at = pg_catalog.now()
      from core.entitlements e
     where e.tenant_id = p_tenant_id and e.feature = p_feature
       and m.tenant_id = e.tenant_id and m.feature = e.feature
       and m.period_start = pg_catalog.date_trunc('month', pg_catalog.now() at time zone 'UTC')
                            at time zone 'UTC'
       and m.used + p_amount <= e.base_limit
    returning m.used
  ), l as (
    insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at)
    select p_tenant_id, p_feature, p_amount, pg_catalog.now(), pg_catalog.now() from b
  )
  select b.used into v from b;
  return v;
end $$;

reset role;
grant execute on all functions in schema bench_steps to ratecard_service;
"""

BASELINE_STEPS_SQL = """
create table ledger_like (
  tenant_id uuid, feature text, amount bigint, occurred_at timestamptz,
  recorded_at timestamptz
);
create index ledger_like_key on ledger_like (tenant_id, feature, occurred_at);
"""

T = tenant_sql(":n")
DRAW = f"\\set n random(1, {TENANTS})\n"
DRAW_ID = "\\set id random(1, 10000)\n"

# (ladder, label, database, script); the first rung of each ladder is its baseline.
LADDERS: dict[str, list[tuple[str, str, str]]] = {
    "check_quota": [
        ("baseline: plpgsql PK lookup (100k rows)", BASELINE_DB,
         "\\set id random(1, 100000)\nselect pk_lookup(:id);\n"),
        ("+ as ratecard_service, security definer, the entitlement row by PK", RATECARD_DB,
         f"{DRAW}select bench_steps.entitlement({T}, 'ai_decisions');\n"),
        ("+ this month's meter by PK, a plain comparison", RATECARD_DB,
         f"{DRAW}select bench_steps.entitlement_meter({T}, 'ai_decisions');\n"),
        ("api.check_quota (override, period, usage_allows, errors)", RATECARD_DB,
         f"{DRAW}select api.check_quota({T}, 'ai_decisions');\n"),
    ],
    "consume_spread": [
        ("baseline: UPDATE n = n + 1, random row of 10k", BASELINE_DB,
         f"{DRAW_ID}update counters set n = n + 1 where id = :id;\n"),
        ("+ an indexed ledger-like INSERT in the same statement", BASELINE_DB,
         f"{DRAW_ID}with u as (update counters set n = n + 1 where id = :id returning id)"
         " insert into ledger_like select md5(u.id::text)::uuid, 'ai_decisions', 1, now(),"
         " now() from u;\n"),
        ("function: the meter UPDATE joined to the entitlement row", RATECARD_DB,
         f"{DRAW}select bench_steps.meter({T}, 'ai_decisions', 1);\n"),
        ("+ the ledger row in core.usage_events (same statement)", RATECARD_DB,
         f"{DRAW}select bench_steps.meter_ledger({T}, 'ai_decisions', 1);\n"),
        ("api.consume (override, period, usage_allows, state, thresholds)", RATECARD_DB,
         f"{DRAW}select * from api.consume({T}, 'ai_decisions', 1);\n"),
    ],
}  # fmt: skip


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def prepare(server: BenchServer) -> None:
    with server.connect() as conn:
        conn.execute(STEPS_SQL)
    with server.connect(BASELINE_DB) as conn:
        conn.execute(BASELINE_STEPS_SQL)


def measure(server: BenchServer, seconds: int) -> list[str]:
    lines = [
        "| ladder | step | us per call (1 client, no flush wait) | TPS (8 clients, durable) |"
        " ratio to baseline |",
        "|---|---|---:|---:|---:|",
    ]
    for ladder, steps in LADDERS.items():
        base = None
        for i, (label, db, script) in enumerate(steps):
            role = SERVICE_ROLE if db == RATECARD_DB else None
            server.checkpoint()
            cpu = pgbench(
                server, f"{ladder}-{i}-cpu", script, dbname=db, clients=1, seconds=seconds,
                role=role, options="-c synchronous_commit=off",
            )  # fmt: skip
            server.checkpoint()
            tps = pgbench(
                server, f"{ladder}-{i}-tps", script, dbname=db, clients=8, seconds=seconds,
                role=role,
            )  # fmt: skip
            base = base or tps
            lines.append(
                f"| {ladder} | {label} | {1e6 / cpu:.1f} | {tps:,.0f} | {tps / base:.2f} |"
            )
            log(lines[-1])
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.breakdown", description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="per measurement (default 5)")
    args = parser.parse_args(argv)
    source = commit()
    with bench_server(log) as server:
        info = facts(server)
        prepare(server)
        lines = measure(server, args.seconds)
        info["load average at end"] = load_average()
    print(
        "\n".join(
            [
                f"# Ratecard breakdown, {time.strftime('%Y-%m-%d %H:%M')} UTC",
                "",
                f"- commit: {source}",
                f"- command: `python -m bench.breakdown {' '.join(argv or sys.argv[1:])}`",
                "",
                facts_text(info),
                "",
                *lines,
            ]
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
