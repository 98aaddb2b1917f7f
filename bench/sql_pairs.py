"""The SQL pairs: a Ratecard call and a plain-PostgreSQL baseline, both through pgbench.

Ratecard scripts run in the `ratecard` database as ratecard_service (the role a backend
service uses); baselines run in `bench_baseline` as the superuser, on the same server.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.pgbench import pgbench
from bench.results import Result
from bench.server import (
    BASELINE_DB,
    HOT_TENANT,
    LIMIT_RUN_LIMIT,
    LIMIT_TENANT,
    RATECARD_DB,
    SERVICE_ROLE,
    TENANTS,
    BenchServer,
    tenant_id,
    tenant_sql,
)


@dataclass(frozen=True)
class SqlPair:
    name: str
    description: str
    target: float
    script: str  # Ratecard, in the ratecard database
    baseline: str  # plain PostgreSQL, in bench_baseline


CHECK_QUOTA = SqlPair(
    "check_quota",
    "api.check_quota on random tenants vs a plpgsql PK lookup in a 100k-row table",
    0.7,
    f"\\set n random(1, {TENANTS})\nselect api.check_quota({tenant_sql(':n')}, 'ai_decisions');\n",
    "\\set id random(1, 100000)\nselect pk_lookup(:id);\n",
)

CONSUME_SPREAD = SqlPair(
    "consume_spread",
    f"api.consume on random tenants (of {TENANTS:,}) vs UPDATE n = n + 1 on random rows (of 10k)",
    0.7,
    f"\\set n random(1, {TENANTS})\n"
    f"select * from api.consume({tenant_sql(':n')}, 'ai_decisions', 1);\n",
    "\\set id random(1, 10000)\nupdate counters set n = n + 1 where id = :id;\n",
)

CONSUME_HOT = SqlPair(
    "consume_hot",
    "api.consume on one tenant and feature vs UPDATE n = n + 1 on one row",
    0.7,
    f"select * from api.consume('{tenant_id(HOT_TENANT)}'::uuid, 'ai_decisions', 1);\n",
    "update counters set n = n + 1 where id = 1;\n",
)

SQL_PAIRS = (CHECK_QUOTA, CONSUME_SPREAD, CONSUME_HOT)


def measure(server: BenchServer, pair: SqlPair, clients: int, seconds: int) -> Result:
    """Baseline first, then Ratecard, each after a checkpoint."""
    server.checkpoint()
    base = pgbench(
        server,
        f"{pair.name}-baseline",
        pair.baseline,
        dbname=BASELINE_DB,
        clients=clients,
        seconds=seconds,
    )
    server.checkpoint()
    figure = pgbench(
        server,
        pair.name,
        pair.script,
        dbname=RATECARD_DB,
        clients=clients,
        seconds=seconds,
        role=SERVICE_ROLE,
    )
    return Result(pair.name, clients, "TPS", figure, base, pair.target)


_METER_AND_LEDGER = """
select coalesce(sum(m.used), 0)::bigint, coalesce(max(m.used), 0)::bigint,
       (select coalesce(sum(u.amount), 0)::bigint from core.usage_events u
         where u.tenant_id = %(t)s and u.feature = 'ai_decisions'),
       (select count(*) from core.usage_events u
         where u.tenant_id = %(t)s and u.feature = 'ai_decisions'),
       (select e."limit" from api.get_entitlement(%(t)s, 'ai_decisions') e)
  from core.meters m
 where m.tenant_id = %(t)s and m.feature = 'ai_decisions'
"""


def _meter_and_ledger(server: BenchServer, n: int) -> tuple[int, int, int, int, int]:
    """(sum of meters, largest meter, ledger sum, ledger events, limit) of tenant n."""
    with server.connect() as conn:
        row = conn.execute(_METER_AND_LEDGER, {"t": tenant_id(n)}).fetchone()
    assert row is not None
    return row  # type: ignore[return-value]


def check_spread_allowed(server: BenchServer) -> str:
    """After the spread runs: no tenant reached its limit, so no consume was denied."""
    with server.connect() as conn:
        row = conn.execute(
            f"""
            select count(*), coalesce(max(m.used), 0), min(e."limit")
              from core.meters m
              cross join lateral api.get_entitlement(m.tenant_id, m.feature) e
             where m.feature = 'ai_decisions' and m.used > 0
               and m.tenant_id not in ('{tenant_id(HOT_TENANT)}', '{tenant_id(LIMIT_TENANT)}')
            """
        ).fetchone()
    assert row is not None
    meters, top, limit = row
    if meters and top >= limit:
        raise AssertionError(f"consume_spread: a tenant reached its limit ({top} of {limit})")
    return (
        f"consume_spread: {meters:,} tenants used, the busiest at {top:,} of {limit:,}: none denied"
    )


def check_hot_tenant(server: BenchServer) -> str:
    """After the hot runs: the meter equals the ledger and never passed the limit."""
    total, top, ledger, events, limit = _meter_and_ledger(server, HOT_TENANT)
    if not (top <= limit and total == ledger == events):
        raise AssertionError(
            f"consume_hot overshoot or lost count: meter {total}, ledger {ledger} "
            f"in {events} events, limit {limit}"
        )
    return (
        f"consume_hot: meter {total:,} = ledger {ledger:,} ({events:,} events) <= limit {limit:,}"
    )


def check_limit_reached(server: BenchServer, clients: int) -> str:
    """Drive one tenant into its limit from `clients` connections: used must equal it."""
    per_client = 2 * LIMIT_RUN_LIMIT // clients + 1
    script = f"select * from api.consume('{tenant_id(LIMIT_TENANT)}'::uuid, 'ai_decisions', 1);\n"
    pgbench(
        server,
        "consume_limit",
        script,
        dbname=RATECARD_DB,
        clients=clients,
        transactions=per_client,
        role=SERVICE_ROLE,
    )
    total, _, ledger, events, limit = _meter_and_ledger(server, LIMIT_TENANT)
    if not (total == limit == ledger == events == LIMIT_RUN_LIMIT):
        raise AssertionError(
            f"limit run: used {total}, ledger {ledger} in {events} events, "
            f"limit {limit} (expected {LIMIT_RUN_LIMIT})"
        )
    return (
        f"limit reached: {clients} clients x {per_client:,} consume calls against "
        f"limit {limit:,}: used {total:,} = limit = ledger ({events:,} events)"
    )
