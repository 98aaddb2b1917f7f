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
   ingestion's random events address): first the 12 past months get partitions of their
   own (as in a deployment: months are partitions, the default partition stays empty),
   then rows are generated into them, month after month (set-based, in committed chunks
   of a million), until the ledger holds each size; at each, bulk ingestion (10,000-event
   chunks, as bench/batch.py's stream_ingest) against COPY of the same rows, the
   ledger's heap and indexes on disk and per million events, and the generation's rate.
3. Purge (--purge): consume's latency (pgbench per-transaction log, p50 and p99) while
   the retention purge deletes the ledger's old months in committed batches
   (internal.job_purge_retention as api.run_job steps), against the same load without it.
4. Partition upkeep (--partitions): the same load, alone and while the maintain_partitions
   job (internal.job_maintain_partitions, one step after another until it has nothing
   left) creates the months ahead and detaches and drops the months past every tenant's
   retention. First the 12 past months get partitions (as in 2), the ledger is grown to
   --partition-rows if it is smaller, and the partitions ahead of this month are dropped
   so the job has them to create.

Every step is bounded; the whole default run takes about 10 to 20 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

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


def past_months(now: datetime | None = None) -> list[tuple[datetime, datetime]]:
    """[from, to) of the 12 UTC months before this one, oldest first: the months
    core.usage_events' monthly partitions cover."""
    now = now or datetime.now(UTC)
    this = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = []
    y, m = this.year, this.month
    for _ in range(13):
        starts.append(datetime(y, m, 1, tzinfo=UTC))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    starts.reverse()
    return list(pairwise(starts))


def partition_past_months(server: BenchServer) -> int:
    """Give the 12 past months partitions of their own, as a deployment's ledger has them:
    made by the upkeep's own function (internal.maintain_usage_partitions) with the clock
    a year back, which moves any rows the default partition holds for them. Returns how
    many it made (0 once they exist)."""
    with server.connect() as conn:
        conn.execute(
            "select internal.set_clock(date_trunc('month', now()) - interval '12 months'"
            " + interval '14 days')"
        )
        try:
            made = conn.execute("select internal.maintain_usage_partitions(11)").fetchone()
        finally:
            conn.execute("select internal.set_clock(null)")
    log(f"partitions: {made[0] if made else 0} past months created")
    return int(made[0]) if made else 0


GENERATE = (
    "insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at)"
    f" select {tenant_sql('(1 + (g * 7919) %% %(tenants)s)')}, 'api_calls', 1,"
    "        %(from)s::timestamptz + ((g * 104729) %% %(seconds)s) * interval '1 second',"
    "        now()"
    "   from generate_series(%(first)s::bigint, %(last)s::bigint) g"
)


def grow_ledger(server: BenchServer, have: int, want: int, tenants: int) -> float:
    """Generate ledger rows until it holds `want` (bench data: no keys, random tenants),
    spread evenly over the 12 months before this one and written month after month, each
    month into its own partition (partition_past_months first), in committed set-based
    chunks of a million. Returns the rate in rows/s (inserts only; the vacuum after is
    logged apart)."""
    chunk = 1_000_000
    need = max(want - have, 0)
    if need == 0:
        return float("nan")
    months = past_months()
    began = time.monotonic()
    done = 0
    g = have
    with server.connect() as conn:
        for i, (start, end) in enumerate(months):
            left = need // len(months) + (1 if i < need % len(months) else 0)
            while left > 0:
                n = min(chunk, left)
                t0 = time.monotonic()
                conn.execute(
                    GENERATE,
                    {
                        "tenants": tenants,
                        "from": start,
                        "seconds": int((end - start).total_seconds()),
                        "first": g + 1,
                        "last": g + n,
                    },
                )
                g += n
                left -= n
                done += n
                now = time.monotonic()
                log(
                    f"ledger: {have + done:,} rows ({start:%Y-%m}: {n:,} at"
                    f" {n / (now - t0):,.0f} rows/s; this step {done:,} of {need:,} at"
                    f" {done / (now - began):,.0f} rows/s, {now - began:,.0f} s elapsed)"
                )
        rate = done / (time.monotonic() - began)
        t0 = time.monotonic()
        conn.execute("vacuum analyze core.usage_events")
        log(f"ledger: vacuum analyze took {time.monotonic() - t0:,.0f} s")
    return rate


class LedgerSize(NamedTuple):
    """core.usage_events over all its partitions: rows, heap bytes (with TOAST, free
    space and visibility maps), index bytes, and the rows in the default partition."""

    rows: int
    heap: int
    indexes: int
    default_rows: int

    @property
    def total(self) -> int:
        return self.heap + self.indexes


def ledger_size(server: BenchServer) -> LedgerSize:
    with server.connect() as conn:
        row = conn.execute(
            "select (select count(*) from core.usage_events),"
            " coalesce(sum(pg_table_size(i.inhrelid)), 0),"
            " coalesce(sum(pg_indexes_size(i.inhrelid)), 0),"
            " (select count(*) from core.usage_events_default)"
            "  from pg_inherits i where i.inhparent = 'core.usage_events'::regclass"
        ).fetchone()
    assert row is not None
    return LedgerSize(*(int(x) for x in row))


class WaitSampler:
    """What the active client sessions matching `where` (SQL on pg_stat_activity) wait on,
    sampled every `every` seconds in a thread of its own while the with-block runs; `label`
    (SQL) prefixes each sample, e.g. with the statement. CPU means active without a wait
    event: on CPU or waiting for one."""

    def __init__(
        self, server: BenchServer, where: str, label: str = "''", every: float = 0.002
    ) -> None:
        self.server, self.where, self.label, self.every = server, where, label, every
        self.samples: list[str] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        with self.server.connect() as conn:
            while not self._done.is_set():
                self.samples.extend(
                    row[0]
                    for row in conn.execute(
                        f"select {self.label} || coalesce(wait_event_type, 'CPU') || ':'"
                        "        || coalesce(wait_event, '-')"
                        "  from pg_stat_activity"
                        " where backend_type = 'client backend' and pid <> pg_backend_pid()"
                        f"   and state = 'active' and ({self.where})"
                    ).fetchall()
                )
                self._done.wait(self.every)

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def shares(self, top: int = 6) -> str:
        n = max(len(self.samples), 1)
        return ", ".join(
            f"{name} {k / n:.0%}" for name, k in Counter(self.samples).most_common(top)
        )


INGEST_SESSION = f"datname = '{RATECARD_DB}' and query not like '%pg_stat_activity%'"
COPY_SESSION = f"datname = '{BASELINE_DB}' and query not like '%pg_stat_activity%'"
INGEST_STATEMENT = "case when query ilike 'copy%' then 'COPY ' else 'merge ' end"


def _blocks(server: BenchServer) -> tuple[int, int]:
    """Blocks read from outside shared_buffers and found in them, in the Ratecard
    database so far."""
    with server.connect() as conn:
        conn.execute("select pg_stat_force_next_flush()")
        row = conn.execute(
            "select blks_read, blks_hit from pg_stat_database where datname = %s",
            (RATECARD_DB,),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _size(server: BenchServer, relation: str) -> str:
    with server.connect() as conn:
        row = conn.execute(
            "select pg_size_pretty(pg_total_relation_size(to_regclass(%s)))", (relation,)
        ).fetchone()
    return row[0] if row and row[0] else "-"


def _latencies(log_files: list[Path]) -> list[tuple[float, float]]:
    """(finished at, epoch seconds; latency, ms) of every transaction in pgbench -l logs
    (columns: client, transaction, latency us, script, epoch s, us)."""
    out = []
    for f in log_files:
        for line in f.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 6:
                out.append((int(parts[4]) + int(parts[5]) / 1e6, int(parts[2]) / 1000.0))
    return out


def _summary(lat: list[float]) -> Summary:
    """p50, p99 and max (ms) of the latencies, and how many."""
    if len(lat) < 2:
        return float("nan"), float("nan"), max(lat, default=float("nan")), len(lat)
    q = statistics.quantiles(lat, n=100)
    return q[49], q[98], max(lat), len(lat)


def consume_latency(
    server: BenchServer, seconds: int, tenants: int, tag: str
) -> list[tuple[float, float]]:
    """Consume on random tenants at 4 clients for `seconds`; every transaction's
    (finished at, latency ms)."""
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
    result = _latencies(files)
    for f in files:
        f.unlink()
    return result


Work = Callable[[threading.Event], None]


Summary = tuple[float, float, float, int]


class Loaded(NamedTuple):
    """Summaries (p50, p99, max ms, count) of consume alone, during the whole loaded run,
    and of the transactions that finished while the work ran (busy: how long it ran)."""

    alone: Summary
    during: Summary
    busy: Summary
    busy_seconds: float


def while_loaded(
    server: BenchServer, seconds: int, tenants: int, tag: str, work: Work, delay: float = 0
) -> Loaded:
    """consume's latency alone, then while `work` runs in a thread of its own, started
    `delay` seconds into the load; it should return when the event it gets is set (when
    the load ends)."""
    alone = consume_latency(server, seconds, tenants, f"{tag}-alone")
    stop = threading.Event()
    span: list[float] = []
    errors: list[BaseException] = []

    def target() -> None:
        if stop.wait(delay):
            return
        span.append(time.time())
        try:
            work(stop)
        except BaseException as e:  # raised in the main thread below
            errors.append(e)
        span.append(time.time())

    t = threading.Thread(target=target)
    t.start()
    during = consume_latency(server, seconds, tenants, tag)
    stop.set()
    t.join()
    if errors:
        raise errors[0]
    began, ended = (span + [float("nan")] * 2)[:2]
    return Loaded(
        _summary([ms for _, ms in alone]),
        _summary([ms for _, ms in during]),
        _summary([ms for at, ms in during if began <= at <= ended]),
        ended - began,
    )


def _row(label: str, s: Summary) -> str:
    return f"| {label} | {s[0]:.2f} | {s[1]:.2f} | {s[2]:.1f} | {s[3]:,} |"


LATENCY_HEAD = [
    "| consume, 4 clients | p50 ms | p99 ms | max ms | transactions |",
    "|---|---:|---:|---:|---:|",
]


def purge_while_loaded(server: BenchServer, seconds: int, tenants: int) -> list[str]:
    """consume's latency alone, then while the retention purge runs."""
    # The default plan keeps 30 days of usage: the generated months are past retention.
    deleted = [0]

    def purge(stop: threading.Event) -> None:
        with server.connect() as conn:
            while not stop.is_set():
                row = conn.execute(
                    "select internal.job_purge_retention('{\"batch\": 5000}')"
                ).fetchone()
                assert row is not None
                deleted[0] += int(row[0]["deleted"])
                if not row[0]["more"]:
                    break

    r = while_loaded(server, seconds, tenants, "purge", purge)
    return [
        *LATENCY_HEAD,
        _row("alone", r.alone),
        _row(
            f"during the retention purge ({deleted[0]:,} rows deleted in batches of 5,000)",
            r.during,
        ),
    ]


def prepare_partitions(server: BenchServer, rows: int, tenants: int) -> None:
    """Partitions for the 12 past months, the ledger grown to `rows`, and no partitions
    ahead of this month."""
    partition_past_months(server)
    with server.connect() as conn:
        ahead = conn.execute(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid"
            " where i.inhparent = 'core.usage_events'::regclass"
            "   and c.relname ~ '^usage_events_[0-9]{6}$'"
            "   and to_date(right(c.relname, 6), 'YYYYMM')"
            "       > date_trunc('month', now() at time zone 'UTC')"
        ).fetchall()
        for (name,) in ahead:
            conn.execute(f"alter table core.usage_events detach partition core.{name}")
            conn.execute(f"drop table core.{name}")
    # A month goes only once every tenant's retention has passed it: the bench tenants are
    # on the default plan (30 days); the demo's Pro and Enterprise tenants (365 days,
    # unlimited) get the same 30 days as an override.
    with server.connect() as conn:
        longer = conn.execute(
            "select tenant_id from core.entitlements where feature = 'data_retention_days'"
            "   and (base_limit is null or base_limit > 30)"
        ).fetchall()
    with server.connect(role="ratecard_admin") as conn:
        for (tenant,) in longer:
            conn.execute("select api.set_override(%s, 'data_retention_days', 30)", (tenant,))
    grow_ledger(server, ledger_size(server).rows, rows, tenants)


UPKEEP_ARGS = '{"months_ahead": 3, "feature": "data_retention_days"}'


def partitions_while_loaded(
    server: BenchServer, seconds: int, tenants: int, rows: int
) -> list[str]:
    """consume's latency alone, then while the maintain_partitions job runs its steps."""
    prepare_partitions(server, rows, tenants)
    rows = ledger_size(server).rows
    with server.connect() as conn:
        before = conn.execute(
            "select count(*) from pg_inherits where inhparent = 'core.usage_events'::regclass"
        ).fetchone()
        # the default plan keeps 30 days: the months before last are past every retention
        in_old = conn.execute(
            "select count(*) from core.usage_events"
            " where occurred_at < date_trunc('month', now()) - interval '1 month'"
        ).fetchone()
    server.checkpoint()
    steps: list[tuple[float, int, int]] = []

    waits = WaitSampler(server, "query like '%api.consume%'")

    def upkeep(stop: threading.Event) -> None:
        with waits:
            run_steps(stop)

    def run_steps(stop: threading.Event) -> None:
        with server.connect() as conn:
            while not stop.is_set():
                began = time.monotonic()
                row = conn.execute(
                    "select internal.job_maintain_partitions(%s::jsonb)", (UPKEEP_ARGS,)
                ).fetchone()
                assert row is not None
                steps.append(
                    (
                        (time.monotonic() - began) * 1000,
                        int(row[0]["created"]),
                        int(row[0]["dropped"]),
                    )
                )
                if not row[0]["more"]:
                    break

    r = while_loaded(server, seconds, tenants, "partitions", upkeep, delay=seconds / 4)
    created = sum(s[1] for s in steps)
    dropped = sum(s[2] for s in steps)
    longest = max((s[0] for s in steps), default=float("nan"))
    first = steps[0][0] if steps else float("nan")
    return [
        f"Ledger {rows:,} rows, {before[0] if before else 0} partitions before the upkeep,"
        f" {in_old[0] if in_old else 0:,} of them in the months before last.",
        "",
        *LATENCY_HEAD,
        _row("alone", r.alone),
        _row("during the upkeep run (whole load)", r.during),
        _row(
            f"while the upkeep ran ({r.busy_seconds:.1f} s, {len(steps)} steps:"
            f" {created} created, {dropped} detached and dropped; first step {first:.0f} ms,"
            f" longest {longest:.0f} ms)",
            r.busy,
        ),
        "",
        "What the active consume sessions waited on while the job ran (pg_stat_activity"
        f" every 2 ms, {len(waits.samples):,} session samples): {waits.shares()}.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--tenants", default="1000,100000,1000000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--ledger-rows", default="", help="e.g. 0,10000000 (default: skip)")
    parser.add_argument("--purge", action="store_true", help="measure consume during a purge")
    parser.add_argument(
        "--partitions",
        action="store_true",
        help="measure consume while the partition upkeep (maintain_partitions) runs",
    )
    parser.add_argument(
        "--partition-rows",
        type=int,
        default=10_000_000,
        help="with --partitions: grow the ledger to this many rows first (default 10,000,000)",
    )
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
                "History generated month after month into the 12 past months' own partitions"
                " (the default partition stays empty); ingestion writes into this month's.",
                "",
                "| ledger rows | generated rows/s | ingest rows/s | COPY rows/s | ratio |"
                " heap | indexes | ledger on disk | MB per million events | in default |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            partition_past_months(server)
            rows_now = ledger_size(server).rows
            profile: list[str] = []
            for want in ledger_sizes:
                made = grow_ledger(server, rows_now, want, have)
                server.checkpoint()
                # both sides sampled alike, so the sampling's own cost (a query every 10 ms)
                # weighs on both
                with WaitSampler(server, COPY_SESSION, "''", 0.01) as copy_waits:
                    base = batch.rows_per_second(server, "copy_stream", 1, args.seconds)
                server.checkpoint()
                load = os.getloadavg()[0]
                blocks = _blocks(server)
                with WaitSampler(server, INGEST_SESSION, INGEST_STATEMENT, 0.01) as waits:
                    got = batch.rows_per_second(server, "stream", 1, args.seconds)
                time.sleep(0.5)  # the session's statistics reach the view when it exits
                read, hit = (b - a for a, b in zip(blocks, _blocks(server), strict=True))
                month = "core.usage_events_" + time.strftime("%Y%m", time.gmtime())
                size = ledger_size(server)
                profile.append(
                    f"- {size.rows:,} rows: load average {load:.2f}; blocks read"
                    f" {read:,}, hit {hit:,}; this month's partition"
                    f" {_size(server, month)},"
                    f" core.idempotency_keys {_size(server, 'core.idempotency_keys')};"
                    f" ingestion's session ({len(waits.samples):,} samples every 10 ms):"
                    f" {waits.shares(8)}; COPY's session: {copy_waits.shares(4)}"
                )
                log(profile[-1])
                rows_now = size.rows
                per = size.total / max(size.rows, 1)  # bytes a row = MB a million
                rate = "" if math.isnan(made) else f"{made:,.0f}"
                lines.append(
                    f"| {size.rows:,} | {rate} | {got:,.0f} | {base:,.0f} |"
                    f" {got / base:.2f} | {size.heap / 1e9:.2f} GB |"
                    f" {size.indexes / 1e9:.2f} GB | {size.total / 1e9:.2f} GB | {per:.0f} |"
                    f" {size.default_rows:,} |"
                )
                log(lines[-1])
            lines += ["", "Where ingestion's time went at each size:", "", *profile, ""]
        if args.purge:
            lines += ["## Consume during a retention purge", ""]
            lines += purge_while_loaded(server, args.seconds, have)
            lines.append("")
            log("\n".join(lines[-5:]))
        if args.partitions:
            lines += ["## Consume during the partition upkeep", ""]
            lines += partitions_while_loaded(
                server, args.seconds, have, max(args.partition_rows, 0)
            )
            lines.append("")
            log("\n".join(lines[-8:]))
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
