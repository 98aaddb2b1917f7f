"""python -m bench.scale: Ratecard's hot paths as the data grows, on one machine.

1. Tenants. One cluster grows through the given tenant counts (default 1,000, 100,000
   and 1,000,000), created with api.create_tenants on the default plan (the demo catalog's
   11 features: one core.entitlements row per tenant and feature). After each step every
   new tenant gets this month's ai_decisions meter (a bench shortcut, inserted directly:
   the steady state in which each tenant has used the feature this period), then, at 8
   clients, check_quota and consume on random tenants of all created so far are measured
   beside their baselines (the plpgsql primary-key lookup; the spread UPDATE), each side
   after a checkpoint. What counts is the ratio at each size against the ratio at the
   smallest: "flat" is within 10%.
2. Ledger (--ledger-rows, e.g. 0,10000000; needs at least 10,000 tenants, which the
   ingestion's random events address): rows generated straight into
   core.usage_events (spread over the tenants and the last 12 months) until the ledger
   holds each size; at each, bulk ingestion (10,000-event chunks, as bench/batch.py's
   stream_ingest) against COPY of the same rows, and the ledger's disk per million events.
3. Purge (--purge): consume's latency (pgbench per-transaction log, p50 and p99) while
   the retention purge deletes the ledger's old months in committed batches
   (internal.job_purge_retention as api.run_job steps), against the same load without it.

Every step is bounded; the whole default run takes about 10 to 20 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

from bench import batch
from bench.machine import commit, facts, facts_text, load_average
from bench.pgbench import pgbench
from bench.server import (
    BASELINE_DB,
    RATECARD_DB,
    SERVICE_ROLE,
    BenchServer,
    bench_server,
    run,
    tenant_sql,
)

OUT = Path(__file__).resolve().parent / "out" / "scale.md"
CLIENTS = 8


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def _sizes(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x.strip()]


def sizes_of(server: BenchServer) -> dict[str, str]:
    with server.connect() as conn:
        rows = conn.execute(
            "select c.relname, pg_size_pretty(pg_total_relation_size(c.oid))"
            "  from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'core' and c.relname in"
            "       ('entitlements', 'meters', 'tenants', 'usage_events', 'idempotency_keys')"
        ).fetchall()
        out = {name: size for name, size in rows}
        row = conn.execute("select pg_size_pretty(pg_database_size(current_database()))").fetchone()
        assert row is not None
        out["database"] = row[0]
    return out


def measure_tenants(server: BenchServer, n: int, seconds: int) -> dict[str, float]:
    pick = f"\\set n random(1, {n})\n"
    scripts = {
        "pk_lookup": ("\\set id random(1, 100000)\nselect pk_lookup(:id);\n", BASELINE_DB),
        "check_quota": (
            pick + f"select api.check_quota({tenant_sql(':n')}, 'ai_decisions');\n",
            RATECARD_DB,
        ),
        "spread_update": (
            "\\set id random(1, 10000)\nupdate counters set n = n + 1 where id = :id;\n",
            BASELINE_DB,
        ),
        "consume": (
            pick + f"select * from api.consume({tenant_sql(':n')}, 'ai_decisions', 1);\n",
            RATECARD_DB,
        ),
    }
    out = {}
    for name, (script, db) in scripts.items():
        server.checkpoint()
        out[name] = pgbench(
            server,
            f"scale-{name}-{n}",
            script,
            dbname=db,
            clients=CLIENTS,
            seconds=seconds,
            role=SERVICE_ROLE if db == RATECARD_DB else None,
        )
    return out


def grow_ledger(server: BenchServer, have: int, want: int, tenants: int) -> None:
    """Generate ledger rows until it holds `want` (bench data: no keys, spread over the
    tenants and the 12 months before this one), in committed chunks of a million."""
    chunk = 1_000_000
    with server.connect() as conn:
        while have < want:
            n = min(chunk, want - have)
            conn.execute(
                "insert into core.usage_events (tenant_id, feature, amount, occurred_at,"
                " recorded_at)"
                f" select {tenant_sql('(1 + (g * 7919) %% %s)')}, 'api_calls', 1,"
                "        date_trunc('month', now()) - interval '1 second'"
                "          - ((g * 104729) %% 31536000) * interval '1 second', now()"
                "   from generate_series(%s::bigint, %s::bigint) g",
                (tenants, have + 1, have + n),
            )
            have += n
            log(f"ledger: {have:,} generated rows")
        conn.execute("vacuum analyze core.usage_events")


def ledger_bytes(server: BenchServer) -> tuple[int, int]:
    with server.connect() as conn:
        row = conn.execute(
            "select (select count(*) from core.usage_events),"
            " coalesce((select sum(pg_total_relation_size(i.inhrelid)) from pg_inherits i"
            "            where i.inhparent = 'core.usage_events'::regclass), 0)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _percentiles(log_files: list[Path]) -> tuple[float, float, int]:
    """p50 and p99 (ms) of the transactions in pgbench -l logs, and how many."""
    lat = []
    for f in log_files:
        for line in f.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3:
                lat.append(int(parts[2]) / 1000.0)
    if not lat:
        return float("nan"), float("nan"), 0
    q = statistics.quantiles(lat, n=100)
    return q[49], q[98], len(lat)


def consume_latency(server: BenchServer, seconds: int, tenants: int, tag: str) -> tuple:
    """Consume on random tenants at 4 clients for `seconds`; (p50 ms, p99 ms, count)."""
    logs = server.workdir / f"latency-{tag}"
    logs.mkdir(exist_ok=True)
    prefix = logs / "pgbench"
    script = server.workdir / f"lat-{tag}.sql"
    script.write_text(
        f"\\set n random(1, {tenants})\n"
        f"select * from api.consume({tenant_sql(':n')}, 'ai_decisions', 1);\n"
    )
    run(
        [
            str(Path(server.pgbin) / "pgbench"),
            *("-n", "-M", "prepared", "-c", "4", "-j", "2", "-T", str(seconds)),
            *("-l", "--log-prefix", str(prefix), "-f", str(script)),
            *("-h", str(server.cluster.sockdir), "-p", str(server.cluster.port)),
            *("-U", "postgres", RATECARD_DB),
        ],
        env={"PGOPTIONS": f"-c role={SERVICE_ROLE}"},
    )
    files = sorted(prefix.parent.glob(prefix.name + "*"))
    result = _percentiles(files)
    for f in files:
        f.unlink()
    return result


def purge_while_loaded(server: BenchServer, seconds: int, tenants: int) -> list[str]:
    """consume's latency alone, then while the retention purge runs."""
    # The default plan keeps 30 days of usage: the generated months are past retention.
    alone = consume_latency(server, seconds, tenants, "alone")
    deleted = [0]
    stop = threading.Event()

    def purge() -> None:
        with server.connect() as conn:
            while not stop.is_set():
                row = conn.execute(
                    "select internal.job_purge_retention('{\"batch\": 5000}')"
                ).fetchone()
                assert row is not None
                deleted[0] += int(row[0]["deleted"])
                if not row[0]["more"]:
                    break

    t = threading.Thread(target=purge)
    t.start()
    during = consume_latency(server, seconds, tenants, "purge")
    stop.set()
    t.join()
    return [
        "| consume, 4 clients | p50 ms | p99 ms | transactions |",
        "|---|---:|---:|---:|",
        f"| alone | {alone[0]:.2f} | {alone[1]:.2f} | {alone[2]:,} |",
        f"| during the retention purge ({deleted[0]:,} rows deleted in batches of 5,000)"
        f" | {during[0]:.2f} | {during[1]:.2f} | {during[2]:,} |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--tenants", default="1000,100000,1000000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--ledger-rows", default="", help="e.g. 0,10000000 (default: skip)")
    parser.add_argument("--purge", action="store_true", help="measure consume during a purge")
    args = parser.parse_args(argv)
    tenant_sizes = _sizes(args.tenants)
    ledger_sizes = _sizes(args.ledger_rows)
    source = commit()
    lines: list[str] = []
    with bench_server(log, tenants=False) as server:
        info = facts(server)
        log("machine:\n" + facts_text(info))
        rows = []
        have = 0
        for n in tenant_sizes:
            rate = server.add_tenants(have + 1, n, plan=None) if n > have else float("nan")
            server.warm_meters(have + 1, n)
            have = n
            with server.connect() as conn:
                conn.execute("vacuum analyze")
            log(f"{n:,} tenants (created at {rate:,.0f}/s); measuring")
            m = measure_tenants(server, n, args.seconds)
            rows.append((n, rate, m, sizes_of(server)))
            log(
                f"{n:,}: check {m['check_quota']:,.0f} vs {m['pk_lookup']:,.0f},"
                f" consume {m['consume']:,.0f} vs {m['spread_update']:,.0f}"
            )
        first = rows[0][2]
        lines += [
            "## Tenants (8 clients; ratios to the same-step baselines)",
            "",
            "| tenants | created/s | check TPS | PK lookup | ratio | vs smallest |"
            " consume TPS | spread UPDATE | ratio | vs smallest | entitlements | meters |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        c0 = first["check_quota"] / first["pk_lookup"]
        u0 = first["consume"] / first["spread_update"]
        for n, rate, m, size in rows:
            c = m["check_quota"] / m["pk_lookup"]
            u = m["consume"] / m["spread_update"]
            lines.append(
                f"| {n:,} | {rate:,.0f} | {m['check_quota']:,.0f} | {m['pk_lookup']:,.0f} |"
                f" {c:.2f} | {c / c0:.2f} | {m['consume']:,.0f} | {m['spread_update']:,.0f} |"
                f" {u:.2f} | {u / u0:.2f} | {size.get('entitlements')} | {size.get('meters')} |"
            )
        lines.append("")
        if ledger_sizes:
            lines += [
                f"## Ledger ({have:,} tenants; bulk ingestion, 1 client, 10,000-event chunks)",
                "",
                "| ledger rows | ingest rows/s | COPY rows/s | ratio | ledger on disk |"
                " MB per million events |",
                "|---:|---:|---:|---:|---:|---:|",
            ]
            rows_now = ledger_bytes(server)[0]
            for want in ledger_sizes:
                grow_ledger(server, rows_now, want, have)
                server.checkpoint()
                base = batch.rows_per_second(server, "copy_stream", 1, args.seconds)
                server.checkpoint()
                got = batch.rows_per_second(server, "stream", 1, args.seconds)
                rows_now, size = ledger_bytes(server)
                per = size / max(rows_now, 1)
                lines.append(
                    f"| {rows_now:,} | {got:,.0f} | {base:,.0f} | {got / base:.2f} |"
                    f" {size / 1e9:.2f} GB | {per:.0f} |"
                )
                log(lines[-1])
            lines.append("")
        if args.purge:
            lines += ["## Consume during a retention purge", ""]
            lines += purge_while_loaded(server, args.seconds, have)
            lines.append("")
            log("\n".join(lines[-5:]))
        info["load average at end"] = load_average()
    text = "\n".join(
        [
            f"# Ratecard scale run, {time.strftime('%Y-%m-%d %H:%M')} UTC",
            "",
            f"- commit: {source}",
            f"- command: `python -m bench.scale {' '.join(argv or sys.argv[1:])}`",
            "",
            facts_text(info),
            "",
            *lines,
        ]
    )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
