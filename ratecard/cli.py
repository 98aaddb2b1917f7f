"""The `ratecard` command line: database, migrations, HTTP API, worker, demo data.

Every failure the user can act on prints one line (`error: ... (what to do)`) and exits 1;
there are no tracebacks for expected problems.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable

import psycopg

from ratecard import logs
from ratecard import queries as q
from ratecard.cluster import Cluster
from ratecard.config import Settings
from ratecard.db import admin_conninfo
from ratecard.errors import RatecardError
from ratecard.migrate import migrate
from ratecard.sqlcall import call, one

log = logging.getLogger("ratecard")


def _say(msg: str) -> None:
    print(msg, flush=True)


def _embedded(s: Settings, what: str) -> Cluster:
    if not s.embedded:
        raise RatecardError(
            f"`ratecard db {what}` manages the embedded cluster, "
            "but RATECARD_DATABASE_URL points at another server",
            "unset RATECARD_DATABASE_URL to use the embedded cluster",
        )
    return Cluster.embedded(s)


def _require_reachable(s: Settings) -> str:
    conninfo = admin_conninfo(s)
    try:
        with psycopg.connect(conninfo, connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreachable"
        hint = "run `ratecard db start`" if s.embedded else "check RATECARD_DATABASE_URL"
        raise RatecardError(f"cannot connect to the database: {first}", hint) from None
    return conninfo


# -- db -------------------------------------------------------------------------------------


def cmd_db_start(s: Settings, args: argparse.Namespace) -> int:
    cluster = _embedded(s, "start")
    started = cluster.start()
    _say(("started" if started else "already running") + f": {cluster.url()}")
    return 0


def cmd_db_stop(s: Settings, args: argparse.Namespace) -> int:
    cluster = _embedded(s, "stop")
    _say("stopped" if cluster.stop() else "not running")
    return 0


def cmd_db_status(s: Settings, args: argparse.Namespace) -> int:
    if s.embedded:
        cluster = Cluster.embedded(s)
        state = "running" if cluster.running() else "stopped"
        _say(f"embedded cluster: {state}")
        _say(f"data directory:   {cluster.datadir}")
        _say(f"url:              {cluster.url()}")
        if state == "stopped":
            return 3
    else:
        _say("external server (RATECARD_DATABASE_URL)")
    conninfo = _require_reachable(s)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = one(call(conn, q.SERVER_STATUS, role="login"), "status")
    _say(f"server:           {row['version'].split(' on ')[0]}")
    _say(f"schema version:   {row['schema_version'] or 'not migrated (run `ratecard db migrate`)'}")
    return 0


def cmd_db_url(s: Settings, args: argparse.Namespace) -> int:
    _say(s.database_url or Cluster.embedded(s).url())
    return 0


def cmd_db_psql(s: Settings, args: argparse.Namespace) -> int:
    url = s.database_url or Cluster.embedded(s).url()
    psql = shutil.which("psql") or str(s.pg_bindir / "psql")
    if not os.path.exists(psql):
        raise RatecardError("psql is not installed", "run ./dev bootstrap")
    os.execv(psql, [psql, url, *args.psql_args])
    return 0  # not reached


def cmd_db_migrate(s: Settings, args: argparse.Namespace) -> int:
    conninfo = _require_reachable(s)
    migrate(conninfo, log=_say)
    return 0


def cmd_db_reset(s: Settings, args: argparse.Namespace) -> int:
    cluster = _embedded(s, "reset")
    if not args.yes:
        raise RatecardError("reset deletes every row of the embedded database", "pass --yes")
    cluster.destroy()
    cluster.start()
    migrate(cluster.conninfo(), log=_say)
    _say(f"reset: fresh database at {cluster.url()}")
    return 0


# -- serve, worker, seed, up ------------------------------------------------------------------


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise RatecardError(
                    f"port {port} on {host} is already in use",
                    "stop what runs there, or set RATECARD_HTTP_PORT / pass --port",
                ) from None
            raise RatecardError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


# ASGI servers `ratecard serve` can run the API under (RATECARD_HTTP_SERVER, --server).
SERVERS = ("uvicorn", "granian")


def cmd_serve(s: Settings, args: argparse.Namespace) -> int:
    host = args.host or s.http_host
    port = args.port or s.http_port
    server = args.server or os.environ.get("RATECARD_HTTP_SERVER", "uvicorn").strip().lower()
    if server not in SERVERS:
        raise RatecardError(
            f"unknown ASGI server {server!r}",
            f"RATECARD_HTTP_SERVER is one of {', '.join(SERVERS)}",
        )
    raw = args.workers if args.workers is not None else os.environ.get("RATECARD_HTTP_WORKERS")
    try:
        workers = int(raw) if raw not in (None, "") else 1
    except ValueError:
        workers = 0
    if workers < 1:
        raise RatecardError(
            f"the number of API processes must be a whole number, 1 or more, not {raw!r}",
            "set --workers or RATECARD_HTTP_WORKERS, e.g. to the number of CPUs",
        )
    _check_port_free(host, port)
    each = f"; {workers} processes" if workers > 1 else ""
    _say(f"ratecard API on http://{host}:{port} (OpenAPI at /schema; {server}{each})")
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces
        from granian.log import LogLevels

        Granian(
            "api.app:create_app",
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            factory=True,
            workers=workers,
            log_level=LogLevels(s.log_level.lower()),
            log_access=False,  # the app logs every request itself
        ).serve()
        return 0
    import uvicorn

    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=s.log_level,
        # uvloop and httptools (dependencies): faster than asyncio's loop and h11 on every
        # request (bench/RESULTS.md); granian's "auto" loop picks uvloop the same way
        loop="uvloop",
        http="httptools",
        workers=workers,
        access_log=False,  # the app logs every request itself
        # JSON logs: uvicorn's own lines go through the app's handlers as well.
        **({"log_config": None} if s.log_format == "json" else {}),
    )
    return 0


def cmd_worker(s: Settings, args: argparse.Namespace) -> int:
    from jobs.worker import WorkerOptions, run_worker

    if args.concurrency < 1:
        raise RatecardError("--concurrency must be 1 or more")
    port = args.metrics_port
    if port is None:
        raw = os.environ.get("RATECARD_WORKER_METRICS_PORT", "").strip()
        if raw:
            if not raw.isdigit():
                raise RatecardError(f"RATECARD_WORKER_METRICS_PORT must be a port, got {raw!r}")
            port = int(raw)
    if port:
        _check_port_free("127.0.0.1", port)
    return run_worker(
        s,
        WorkerOptions(
            concurrency=args.concurrency,
            once=args.once,
            metrics_port=port,
            shutdown_timeout=args.shutdown_timeout,
        ),
    )


def cmd_seed(s: Settings, args: argparse.Namespace) -> int:
    from ratecard.seed import seed_demo

    conninfo = _require_reachable(s)
    _say(seed_demo(conninfo, only_if_empty=args.if_empty))
    return 0


def _admin_call(
    s: Settings, query: str, params: tuple[object, ...] | dict[str, object]
) -> dict[str, object]:
    """One api.* call as ratecard_admin (ratecard.sqlcall) over the administrator
    connection; SQL errors (RC001 unknown tenant, RC005 bad role or name) become one-line
    errors."""
    conninfo = _require_reachable(s)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        try:
            return one(call(conn, query, params, role="ratecard_admin"), query)
        except psycopg.Error as exc:
            if not (exc.sqlstate or "").startswith("RC"):
                raise
            raise RatecardError(
                exc.diag.message_primary or str(exc), exc.diag.message_hint
            ) from None


def cmd_keys_create(s: Settings, args: argparse.Namespace) -> int:
    tenant: str | None = None
    if args.tenant is not None:
        try:
            tenant = str(uuid.UUID(args.tenant))
        except ValueError:
            raise RatecardError(
                f"--tenant must be a tenant id (a UUID), got {args.tenant!r}"
            ) from None
    if args.role == "tenant" and tenant is None:
        raise RatecardError("a tenant key needs --tenant <tenant id>")
    if args.role != "tenant" and tenant is not None:
        raise RatecardError(f"--tenant is only for tenant keys, not {args.role} keys")
    row = _admin_call(s, q.CREATE_API_KEY, (args.role, args.name, tenant))
    _say(str(row["key"]))
    return 0


def cmd_keys_revoke(s: Settings, args: argparse.Namespace) -> int:
    key_id: str = args.key_id
    if key_id.startswith("rc_"):  # a whole key was pasted: its id is the middle part
        key_id = key_id.split("_")[1]
    if not _admin_call(s, q.REVOKE_API_KEY, (key_id,))["revoked"]:
        raise RatecardError(f"no active key with id {key_id}", "it may be revoked already")
    _say(
        f"revoked {key_id}; running API processes stop accepting it within their"
        " RATECARD_API_KEY_CACHE_SECONDS (default 30 s)"
    )
    return 0


def cmd_ingest(s: Settings, args: argparse.Namespace) -> int:
    """NDJSON usage events from a file (or - for stdin) in transactions of --chunk lines:
    each chunk is checked, copied into the staging table and merged (ratecard/ingest.py),
    all or none; progress on stderr. A failed run can simply be run again: the chunks
    already committed are duplicates the second time."""

    from ratecard import ingest
    from ratecard.sqlcall import copy_call

    if args.chunk < 1:
        raise RatecardError("--chunk must be 1 or more")
    conninfo = _require_reachable(s)
    source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    totals = {"lines": 0, "accepted": 0, "duplicates": 0}
    started = time.monotonic()

    def progress(final: bool = False) -> None:
        rate = totals["lines"] / max(time.monotonic() - started, 1e-9)
        end = "\n" if final or not sys.stderr.isatty() else "\r"
        sys.stderr.write(
            f"{totals['lines']:,} lines: {totals['accepted']:,} accepted,"
            f" {totals['duplicates']:,} duplicates ({rate:,.0f} lines/s){end}"
        )
        sys.stderr.flush()

    def send(conn: psycopg.Connection, chunk: list[ingest.StagedRow], lines: int) -> None:
        if chunk:
            row = one(
                copy_call(
                    conn,
                    q.OPEN_USAGE_STREAM,
                    q.COPY_USAGE_STREAM,
                    chunk,
                    q.MERGE_USAGE_STREAM,
                    role="ratecard_service",
                ),
                "merge_usage_stream",
            )
            totals["accepted"] += row["accepted"]
            totals["duplicates"] += row["duplicates"]
        totals["lines"] = lines
        progress()

    with source, psycopg.connect(conninfo, autocommit=True) as conn:
        chunk: list[ingest.StagedRow] = []
        last = 0
        try:
            for row in ingest.parse_lines(source):
                chunk.append(row)
                last = row[0]
                if len(chunk) >= args.chunk:
                    send(conn, chunk, last)
                    chunk = []
            send(conn, chunk, last)
        except (ingest.BadLine, psycopg.Error) as exc:
            progress(final=True)
            done = f"{totals['lines']:,} lines before it were recorded"
            hint = f"{done}; fix the line and run again (recorded events count as duplicates)"
            if isinstance(exc, ingest.BadLine):
                raise RatecardError(str(exc), hint) from None
            if not (exc.sqlstate or "").startswith("RC"):
                raise
            raise RatecardError(exc.diag.message_primary or str(exc), hint) from None
    progress(final=True)
    return 0


def _money(cents: object) -> str:
    return "" if cents is None else f"{int(cents) / 100:,.2f}"  # type: ignore[call-overload]


def _pct(rate: object) -> str:
    return "" if rate is None else f"{float(rate) * 100:.2f}%"  # type: ignore[arg-type]


def _table(title: str, headers: list[str], rows: list[list[object]]) -> None:
    from tabulate import tabulate

    _say(f"\n{title}")
    _say(
        tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
        if rows
        else "(none)"
    )


def _report(s: Settings, query: str, params: dict[str, object]) -> dict:
    return _admin_call(s, query, params)["report"]  # type: ignore[return-value]


def cmd_report_revenue(s: Settings, args: argparse.Namespace) -> int:
    if not 1 <= args.months <= 120:
        raise RatecardError("--months must be 1 to 120")
    r = _report(s, q.REPORT_REVENUE, {"months": args.months, "currency": args.currency})
    if args.json:
        _say(json.dumps(r, indent=2, default=str))
        return 0
    _table(
        "KPIs (MRR, ARR and ARPA now; rates, CAC and usage for the last complete month)",
        [
            "currency",
            "MRR",
            "ARR",
            "paying",
            "ARPA",
            "trial MRR",
            "month",
            "cust. churn",
            "gross MRR churn",
            "net MRR churn",
            "LTV",
            "CAC",
            "LTV:CAC",
            "payback (mo)",
            "usage",
        ],
        [
            [
                k["currency"],
                _money(k["mrr_cents"]),
                _money(k["arr_cents"]),
                k["paying_customers"],
                _money(k["arpa_cents"]),
                _money(k["trial_mrr_cents"]),
                k["rates_month"],
                _pct(k["customer_churn_rate"]),
                _pct(k["gross_mrr_churn_rate"]),
                _pct(k["net_mrr_churn_rate"]),
                _money(k["ltv_cents"]),
                _money(k["cac_cents"]),
                k["ltv_cac_ratio"] or "",
                k["cac_payback_months"] or "",
                _money(k["usage_revenue_cents"]),
            ]
            for k in r["kpis"]
        ],
    )
    _table(
        f"MRR movements, last {args.months} months (the current month to date)",
        [
            "month",
            "currency",
            "MRR start",
            "new",
            "expansion",
            "contraction",
            "churn",
            "reactivation",
            "net",
            "MRR end",
            "paying",
            "+new",
            "-churned",
        ],
        [
            [
                m["period"],
                m["currency"],
                _money(m["mrr_start_cents"]),
                _money(m["new_cents"]),
                _money(m["expansion_cents"]),
                _money(m["contraction_cents"]),
                _money(m["churn_cents"]),
                _money(m["reactivation_cents"]),
                _money(m["net_cents"]),
                _money(m["mrr_cents"]),
                m["paying_customers"],
                m["new_customers"],
                m["churned_customers"],
            ]
            for m in r["months"]
        ],
    )
    _table(
        "Plans now",
        ["plan", "status", "currency", "tenants", "MRR"],
        [
            [p["plan"], p["status"], p["currency"], p["tenants"], _money(p["mrr_cents"])]
            for p in r["plans"]
        ],
    )
    _table(
        "Forecast (least squares over the trailing 12 complete months)",
        ["month", "currency", "MRR", "slope / month", "months used"],
        [
            [
                f["month"],
                f["currency"],
                _money(f["forecast_mrr_cents"]),
                _money(f["slope_cents_per_month"]),
                f["months_used"],
            ]
            for f in r["forecast"]
        ],
    )
    return 0


def cmd_report_capacity(s: Settings, args: argparse.Namespace) -> int:
    r = _report(s, q.REPORT_CAPACITY, {})
    if args.json:
        _say(json.dumps(r, indent=2, default=str))
        return 0
    c = r["capacity"]
    _say(f"status: {r['status']}   latest snapshot: {r['latest_snapshot_date'] or 'none'}")
    _table(
        "Tenants and subscriptions now",
        ["tenants", "active", "trialing", "subscriptions", "storage", "database"],
        [
            [
                c["tenants_total"],
                c["tenants_active"],
                c["tenants_trialing"],
                c["total_subscriptions"],
                f"{c['storage_bytes']:,} B",
                f"{c['db_size_bytes']:,} B",
            ]
        ],
    )
    _table(
        "Tenants per plan in force",
        ["plan", "tenants"],
        [[k, v] for k, v in sorted(c["tier_distribution"].items())],
    )
    _table(
        "Features: usage against the sum of finite limits",
        [
            "feature",
            "kind",
            "actual",
            "theoretical limit",
            "unlimited tenants",
            "utilisation",
            "headroom",
        ],
        [
            [
                k,
                f["kind"],
                f["actual"],
                f["theoretical_limit"],
                f["unlimited_tenants"],
                "" if f["utilisation_pct"] is None else f"{f['utilisation_pct']}%",
                f["headroom"],
            ]
            for k, f in sorted(c["features"].items())
        ],
    )
    _table(
        "Growth over the last 30 days of snapshots",
        ["metric", "start", "current", "change", "growth", "per day", "in 30 days"],
        [
            [
                k,
                t["start_value"],
                t["current_value"],
                t["change"],
                "" if t["growth_percent"] is None else f"{t['growth_percent']}%",
                "" if t["daily_growth_rate"] is None else f"{t['daily_growth_rate']}%",
                t["monthly_projection"] if t["monthly_projection"] is not None else "",
            ]
            for k, t in sorted(r["trends"].items())
        ],
    )
    _table(
        "Recommendations",
        ["severity", "category", "title", "description", "action"],
        [
            [x["severity"], x["category"], x["title"], x["description"], x["action"]]
            for x in r["recommendations"]
        ],
    )
    return 0


def cmd_up(s: Settings, args: argparse.Namespace) -> int:
    cluster: Cluster | None = None
    started_db = False
    if s.embedded:
        cluster = Cluster.embedded(s)
        started_db = cluster.start()
        _say(f"database: {cluster.url()}")
    port = args.port or s.http_port
    _check_port_free(s.http_host, port)
    conninfo = _require_reachable(s)
    migrate(conninfo, log=_say)
    from ratecard.seed import seed_demo

    _say(seed_demo(conninfo, only_if_empty=True))

    me = [sys.executable, "-m", "ratecard.cli"]
    # a local run is development mode unless told otherwise: webhooks may go to a receiver
    # on this machine, and without RATECARD_SMTP_URL emails are written to .ratecard/mail/
    env = {**os.environ, "RATECARD_ENV": os.environ.get("RATECARD_ENV") or "development"}
    _say(
        f"notifications: RATECARD_ENV={env['RATECARD_ENV']}; emails "
        + (
            "sent through RATECARD_SMTP_URL"
            if env.get("RATECARD_SMTP_URL")
            else f"written to {s.home / 'mail'} (RATECARD_SMTP_URL is not set)"
        )
    )
    from ratecard.storage_cli import start_local_s3

    local_s3 = start_local_s3(env)  # S3 on local defaults when none is configured
    children = [
        subprocess.Popen([*me, "serve", "--port", str(port)], env=env),
        subprocess.Popen([*me, "worker"], env=env),
    ]
    if local_s3 is not None:
        children.append(local_s3)
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    _say("ratecard is up; press Ctrl-C to stop")
    code = 0
    try:
        while not stopping:
            if any(c.poll() is not None for c in children):
                code = 1
                _say("a ratecard process exited; stopping the rest")
                break
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if cluster is not None and started_db:
            cluster.stop()
            _say("database stopped")
    _say("ratecard stopped")
    return code


# -- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ratecard",
        description="Ratecard: PostgreSQL-native billing and entitlements.",
        epilog="Configuration comes from RATECARD_* environment variables (see README.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="manage the database", description="Manage the database.")
    dbs = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")

    def add(
        parent: argparse._SubParsersAction,  # type: ignore[type-arg]
        name: str,
        fn: Callable[[Settings, argparse.Namespace], int],
        text: str,
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=text, description=text)
        p.set_defaults(fn=fn)
        return p

    add(dbs, "start", cmd_db_start, "start the embedded cluster (creating it if needed)")
    add(dbs, "stop", cmd_db_stop, "stop the embedded cluster")
    add(dbs, "status", cmd_db_status, "show where the database is and its schema version")
    add(dbs, "url", cmd_db_url, "print a connection URL that psql accepts")
    p = add(dbs, "psql", cmd_db_psql, "open psql on the database")
    p.add_argument("psql_args", nargs=argparse.REMAINDER, help="extra arguments for psql")
    add(dbs, "migrate", cmd_db_migrate, "bootstrap roles, apply migrations, re-apply sql/")
    p = add(dbs, "reset", cmd_db_reset, "delete the embedded cluster and create it afresh")
    p.add_argument("--yes", action="store_true", help="confirm that all data goes")

    p = add(sub, "serve", cmd_serve, "run the HTTP API")
    p.add_argument("--host", help="address to listen on (default RATECARD_HTTP_HOST)")
    p.add_argument("--port", type=int, help="port to listen on (default RATECARD_HTTP_PORT)")
    p.add_argument(
        "--server",
        choices=SERVERS,
        help="the ASGI server (default RATECARD_HTTP_SERVER, else uvicorn)",
    )
    p.add_argument(
        "--workers",
        help="API processes sharing the port, each with its own pool"
        " (default RATECARD_HTTP_WORKERS, else 1; about one per CPU)",
    )
    p = add(sub, "worker", cmd_worker, "run the job worker until stopped")
    p.add_argument("--once", action="store_true", help="run what is due, then exit")
    p.add_argument(
        "--concurrency", type=int, default=4, metavar="N", help="runs at once (default 4)"
    )
    p.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve Prometheus metrics on 127.0.0.1:PORT/metrics (default"
        " RATECARD_WORKER_METRICS_PORT; unset: no metrics)",
    )
    p.add_argument(
        "--shutdown-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="on SIGTERM, how long running jobs may take before they are handed back"
        " to the queue (default 10)",
    )
    from ratecard.jobs_cli import add_commands
    from ratecard.notifications_cli import add_commands as add_notification_commands
    from ratecard.storage_cli import add_commands as add_storage_commands

    add_commands(sub)
    add_notification_commands(sub)
    add_storage_commands(sub)
    from ratecard import stripe_cli

    stripe_cli.add_commands(sub)

    seed = sub.add_parser("seed", help="load data", description="Load data.")
    seeds = seed.add_subparsers(dest="seed_command", required=True, metavar="WHAT")
    p = add(seeds, "demo", cmd_seed, "load the demo catalog (plans, features) and tenants")
    p.add_argument("--if-empty", action="store_true", help="only if there is no plan yet")

    keys = sub.add_parser("keys", help="manage HTTP API keys", description="Manage API keys.")
    keyss = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    p = add(keyss, "create", cmd_keys_create, "create an API key and print it (shown once)")
    p.add_argument(
        "--role",
        required=True,
        choices=["service", "admin", "tenant"],
        help="service: any tenant; admin: also /v1/admin; tenant: one tenant (needs --tenant)",
    )
    p.add_argument("--tenant", metavar="UUID", help="the tenant of a tenant key")
    p.add_argument("--name", required=True, help="what the key is for (1 to 200 characters)")
    p = add(keyss, "revoke", cmd_keys_revoke, "revoke an API key by its id")
    p.add_argument("key_id", metavar="KEY_ID", help="the <id> of rc_<id>_<secret> (or the key)")

    p = add(
        sub,
        "ingest",
        cmd_ingest,
        "record usage events from an NDJSON file (one event per line, as POST /v1/usage),"
        " each once by its idempotency key",
    )
    p.add_argument("file", metavar="FILE", help="the NDJSON file, or - for standard input")
    p.add_argument(
        "--chunk",
        type=int,
        default=50_000,
        metavar="LINES",
        help="lines per transaction (default 50,000): each chunk is recorded all or none",
    )

    report = sub.add_parser(
        "report", help="revenue and capacity reports", description="Revenue and capacity reports."
    )
    reports = report.add_subparsers(dest="report_command", required=True, metavar="WHAT")
    p = add(reports, "revenue", cmd_report_revenue, "KPIs, MRR movements, plans and forecast")
    p.add_argument("--months", type=int, default=12, help="months of movements (default 12)")
    p.add_argument("--currency", help="one currency only, e.g. usd")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p = add(
        reports,
        "capacity",
        cmd_report_capacity,
        "capacity now, growth trends and scaling recommendations",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = add(sub, "up", cmd_up, "start the database, migrate, seed, run API and worker")
    p.add_argument("--port", type=int, help="HTTP port (default RATECARD_HTTP_PORT)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    # `ratecard db psql -c "select 1"`: options meant for psql are not ratecard's
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.fn is not cmd_db_psql:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.psql_args = [*extra, *args.psql_args]
    log_format = os.environ.get("RATECARD_LOG_FORMAT", "text").strip().lower()
    logs.configure(
        os.environ.get("RATECARD_LOG_LEVEL", "info"), "json" if log_format == "json" else "text"
    )
    logging.getLogger("yoyo").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
        return args.fn(settings, args)
    except RatecardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or ["database error"])[0]
        print(f"error: database: {first}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
