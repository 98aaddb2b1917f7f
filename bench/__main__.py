"""python -m bench: Ratecard's hot paths as ratios to plain-PostgreSQL baselines.

Starts its own PostgreSQL cluster in a temporary folder (fsync and synchronous_commit on),
loads the demo catalog and 10,000 tenants, runs each pair (baseline, then Ratecard) at every
client count, prints machine facts and a table of figures, baselines and ratios, writes it
to bench/out/latest.md, and deletes the cluster. See bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from bench import batch, middleware, web
from bench.machine import commit, facts, facts_text, load_average
from bench.pgbench import pgbench
from bench.profile import profile
from bench.results import Result, table
from bench.server import RATECARD_DB, SERVICE_ROLE, BenchServer, bench_server
from bench.sql_pairs import (
    CONSUME_HOT,
    CONSUME_SPREAD,
    SQL_PAIRS,
    check_hot_tenant,
    check_limit_reached,
    check_spread_allowed,
)
from bench.sql_pairs import measure as measure_sql

PAIRS = (
    *(p.name for p in SQL_PAIRS),
    "batch_ingest",
    "stream_ingest",
    "http_check",
    "middleware",
)
# --quick: the headline pairs, 8 clients, 4 s a side (under two minutes with setup).
QUICK_PAIRS = ("check_quota", "consume_spread", "consume_hot", "batch_ingest", "stream_ingest",
               "http_check")  # fmt: skip
QUICK_SECONDS = 4
OUT = Path(__file__).resolve().parent / "out" / "latest.md"


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark Ratecard's hot paths against baselines run beside them "
        "(same run, same server, same client count); print the ratios.",
    )
    parser.add_argument(
        "--seconds", type=int, default=20, help="length of every measurement (default 20)"
    )
    parser.add_argument(
        "--clients",
        default="1,2,8",
        help="comma-separated client counts (default 1,2,8)",
    )
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        choices=PAIRS,
        help=f"run only this pair (repeatable): {', '.join(PAIRS)}",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"rerun the headline pairs ({', '.join(QUICK_PAIRS)}) at 8 clients,"
        f" {QUICK_SECONDS} s a side, in under two minutes (--seconds, --clients and --only"
        " still apply when given)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after measuring, run each Ratecard workload once more with pg_stat_statements "
        "tracking nested statements and list where the time goes",
    )
    raw = argv if argv is not None else sys.argv[1:]
    args = parser.parse_args(argv)
    if args.quick:
        if not any(a.startswith("--seconds") for a in raw):
            args.seconds = QUICK_SECONDS
        if not any(a.startswith("--clients") for a in raw):
            args.clients = "8"
        args.only = args.only or list(QUICK_PAIRS)
    try:
        args.clients = [int(c) for c in args.clients.split(",")]
    except ValueError:
        parser.error("--clients takes whole numbers separated by commas, e.g. 1,2,8")
    if not args.clients or min(args.clients) < 1 or args.seconds < 1:
        parser.error("--clients and --seconds must be positive")
    args.only = args.only or list(PAIRS)
    return args


def report(
    command: str,
    source: str,
    info: dict[str, str],
    results: list[Result],
    notes: list[str],
    profiles: list[str],
    sections: list[str] | None = None,
) -> str:
    profile_section = (
        [
            "## Profiles (pg_stat_statements, track = all)",
            "",
            *(f"```\n{p}\n```\n" for p in profiles),
        ]
        if profiles
        else []
    )
    return "\n".join(
        [
            f"# Ratecard benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"- commit: {source}",
            f"- command: `{command}`",
            "",
            "## Machine and server",
            "",
            facts_text(info),
            "",
            "## Results (ratio = Ratecard / baseline, same run and server)",
            "",
            table(results),
            "",
            *(sections or []),
            "## Checks and notes",
            "",
            *(f"- {n}" for n in notes),
            "",
            *profile_section,
        ]
    )


def run_profiles(server: BenchServer, args: argparse.Namespace) -> list[str]:
    seconds, clients = min(args.seconds, 5), max(args.clients)
    out = []
    for pair in SQL_PAIRS:
        if pair.name in args.only:
            log(f"profiling {pair.name}")
            out.append(
                profile(
                    server,
                    f"{pair.name}, {clients} clients, {seconds} s",
                    partial(
                        pgbench,
                        server,
                        f"{pair.name}-profile",
                        pair.script,
                        dbname=RATECARD_DB,
                        clients=clients,
                        seconds=seconds,
                        role=SERVICE_ROLE,
                    ),
                )
            )
    if "batch_ingest" in args.only:
        log("profiling batch_ingest")
        out.append(
            profile(
                server,
                f"batch_ingest, 1 client, {seconds} s",
                partial(batch.rows_per_second, server, "record", 1, seconds),
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)])
    source = commit()  # before the run: the working tree may change while it lasts
    results: list[Result] = []
    notes: list[str] = []
    profiles: list[str] = []
    sections: list[str] = []

    def record(result: Result) -> None:
        results.append(result)
        log(
            f"{result.pair} c={result.clients}: {result.figure:,.0f} vs "
            f"{result.baseline:,.0f} {result.unit}, ratio {result.ratio:.2f}"
        )

    with bench_server(log) as server:
        info = facts(server)
        log("machine:\n" + facts_text(info))
        for pair in SQL_PAIRS:
            if pair.name not in args.only:
                continue
            for c in args.clients:
                log(f"{pair.name}: {c} clients, {args.seconds} s each side")
                record(measure_sql(server, pair, c, args.seconds))
            if pair is CONSUME_SPREAD:
                notes.append(check_spread_allowed(server))
                log(notes[-1])
            if pair is CONSUME_HOT:
                notes.append(check_hot_tenant(server))
                notes.append(check_limit_reached(server, max(args.clients)))
                log(notes[-2] + "\n" + notes[-1])
        if "batch_ingest" in args.only:
            for c in args.clients:
                log(f"batch_ingest: {c} clients, {args.seconds} s each side")
                record(batch.measure(server, c, args.seconds))
        if "stream_ingest" in args.only:
            for c in args.clients:
                log(f"stream_ingest: {c} clients, {args.seconds} s each side")
                record(batch.measure_stream(server, c, args.seconds))
        if "http_check" in args.only:
            log(f"http_check: clients {args.clients}, {args.seconds} s each side")
            latencies: list[web.Latency] = []
            try:
                for result in web.measure(server, args.clients, args.seconds, latencies):
                    record(result)
                sections += [
                    "## HTTP latency (wrk --latency; same app, each ASGI server)",
                    "",
                    web.latency_table(latencies),
                    "",
                ]
            except web.Skip as why:
                notes.append(f"http_check skipped: {why}")
                log(notes[-1])
        if "middleware" in args.only:
            log(f"middleware: clients {args.clients}, {args.seconds} s per variant")
            latencies = middleware.measure(server, args.clients, args.seconds)
            sections += [
                "## QuotaMiddleware's added latency (same app without it, same run)",
                "",
                middleware.table(latencies),
                "",
            ]
            log(sections[-2])
        info["load average at end"] = load_average()
        if args.profile:
            profiles = run_profiles(server, args)

    text = report(command, source, info, results, notes, profiles, sections)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text)
    print(text)
    log(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
