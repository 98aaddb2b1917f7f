"""`ratecard storage ...`: run the reconciliation by hand, list its runs, and the local S3
server `ratecard up` starts when no S3 endpoint is configured.

* `storage reconcile [--tenant ID] [--dry-run]` runs jobs.storage.reconcile in this
  process (no worker needed) as the administrator, printing each page's counts as it goes
  and the run's per-tenant results at the end.
* `storage runs [--tenant ID] [--limit N]` lists recent runs (api.list_storage_reconciliations).
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from typing import Any

import psycopg

from ratecard import queries as q
from ratecard import s3_gateway as gw
from ratecard.config import Settings
from ratecard.errors import RatecardError
from ratecard.jobs_cli import _connect, _say, table
from ratecard.sqlcall import Role, call

ADMIN: Role = "ratecard_admin"
LOCAL_BUCKET = "ratecard-local"
LOCAL_KEY = "ratecard-local"


def _size(n: Any) -> str:
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)


def cmd_storage_reconcile(s: Settings, args: argparse.Namespace) -> int:
    from jobs import storage

    s3 = gw.S3Settings.from_env()
    if not s3.configured:
        raise RatecardError(
            "object storage is not configured",
            "set RATECARD_S3_BUCKET; with the local S3 of `ratecard up`, whose settings only"
            " its API and worker have, run `ratecard jobs run reconcile_storage --wait`",
        )
    totals: dict[str, int] = {}

    def progress(counts: dict[str, int]) -> None:
        for k, v in counts.items():
            totals[k] = totals.get(k, 0) + v
        _say(
            f"  page {totals['pages']}: listed {totals['listed']}, added {totals['added']},"
            f" removed {totals['removed']}, corrected {totals['corrected']},"
            f" confirmed {totals['confirmed']}, unattributed {totals['unattributed']}"
        )

    what = f"tenant {args.tenant}" if args.tenant else f"bucket {s3.bucket}"
    _say(f"reconciling {what}{' (dry run: nothing is changed)' if args.dry_run else ''}")
    with _connect(s) as conn:
        try:
            run = storage.reconcile(
                conn,
                s3,
                tenant_id=args.tenant,
                dry_run=args.dry_run,
                role=ADMIN,
                progress=progress,
            )
        except psycopg.Error as exc:
            raise RatecardError(
                exc.diag.message_primary or str(exc), exc.diag.message_hint
            ) from None
        except gw.StorageNotConfigured as exc:
            raise RatecardError(exc.message, exc.hint) from None
        except Exception as exc:  # boto3: the bucket, the endpoint, credentials
            raise RatecardError(
                f"listing the bucket failed: {exc}",
                "check RATECARD_S3_BUCKET, RATECARD_S3_ENDPOINT_URL and the credentials",
            ) from None
    if args.json:
        print(json.dumps(run, default=str, indent=2))
        return 0
    _print_run(run)
    return 0


def _print_run(run: dict[str, Any]) -> None:
    _say(
        f"run {run['id']} {run['status']}{' (dry run)' if run['dry_run'] else ''}:"
        f" {run['pages']} pages, {run['listed_objects']} objects ({_size(run['listed_bytes'])})"
        f" listed; added {run['added']}, removed {run['removed']}, corrected"
        f" {run['corrected']}, confirmed {run['confirmed']}, oversized {run['oversized']},"
        f" skipped {run['skipped']}; unattributed {run['unattributed']}"
        f" ({_size(run['unattributed_bytes'])})"
    )
    _say(
        f"tracked: {run['objects_before']} objects ({_size(run['bytes_before'])}) before,"
        f" {run['objects_after']} ({_size(run['bytes_after'])}) after"
    )
    if run["tenants"]:
        _say(
            table(
                ["tenant", "before", "after", "added", "removed", "corrected", "unattributed"],
                [
                    [
                        t["tenant_id"],
                        f"{t['objects_before']} / {_size(t['bytes_before'])}",
                        f"{t['objects_after']} / {_size(t['bytes_after'])}",
                        t["added"],
                        t["removed"],
                        t["corrected"],
                        t["unattributed"],
                    ]
                    for t in run["tenants"]
                ],
            )
        )
    if run["unattributed_sample"]:
        _say("unattributed keys, e.g.: " + ", ".join(run["unattributed_sample"][:5]))


def cmd_storage_runs(s: Settings, args: argparse.Namespace) -> int:
    with _connect(s) as conn:
        try:
            rows = call(conn, q.STORAGE_RECONCILIATIONS, (args.tenant, args.limit), role=ADMIN)
        except psycopg.Error as exc:
            raise RatecardError(exc.diag.message_primary or str(exc)) from None
    _say(
        table(
            [
                "id",
                "status",
                "started",
                "seconds",
                "listed",
                "added",
                "removed",
                "corrected",
                "unattributed",
                "tenants",
            ],
            [
                [
                    r["id"],
                    r["status"] + (" (dry)" if r["dry_run"] else ""),
                    r["started_at"].strftime("%Y-%m-%d %H:%M:%S"),
                    f"{r['duration_seconds']:.1f}" if r["duration_seconds"] is not None else "-",
                    r["listed_objects"],
                    r["added"],
                    r["removed"],
                    r["corrected"],
                    r["unattributed"],
                    len(r["tenants"]),
                ]
                for r in rows
            ],
        )
    )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    storage = sub.add_parser(
        "storage",
        help="reconcile tracked storage with the bucket",
        description="Reconcile tracked storage with the S3 bucket.",
    )
    ss = storage.add_subparsers(dest="storage_command", required=True, metavar="ACTION")
    text = "list the bucket and fix drift now, with progress (no worker needed)"
    p = ss.add_parser("reconcile", help=text, description=text)
    p.set_defaults(fn=cmd_storage_reconcile)
    p.add_argument("--tenant", metavar="ID", help="only this tenant (its prefix)")
    p.add_argument("--dry-run", action="store_true", help="report the drift, change nothing")
    p.add_argument("--json", action="store_true", help="print the run as JSON")
    text = "recent reconciliation runs, newest first"
    p = ss.add_parser("runs", help=text, description=text)
    p.set_defaults(fn=cmd_storage_runs)
    p.add_argument("--tenant", metavar="ID", help="only runs that concern this tenant")
    p.add_argument("--limit", type=int, default=20, help="how many (default 20)")


# -- the local S3 of `ratecard up` -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_local_s3(env: dict[str, str]) -> subprocess.Popen[bytes] | None:
    """When neither RATECARD_S3_BUCKET nor RATECARD_S3_ENDPOINT_URL is set and moto is
    installed (the dev extras), start a local S3 server (moto, in memory, on loopback),
    create the bucket `ratecard-local`, and point the API and the worker at it through
    `env`. Returns the server process, or None when S3 is configured or moto is missing.
    Its objects live only as long as the process."""
    if env.get("RATECARD_S3_BUCKET") or env.get("RATECARD_S3_ENDPOINT_URL"):
        return None
    try:
        import moto.server  # noqa: F401
    except ImportError:
        _say("object storage: not configured (set RATECARD_S3_BUCKET; uploads answer 503)")
        return None
    port = int(env.get("RATECARD_S3_LOCAL_PORT") or _free_port())
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env.update(
        RATECARD_S3_BUCKET=LOCAL_BUCKET,
        RATECARD_S3_ENDPOINT_URL=url,
        RATECARD_S3_WEBHOOK_SECRET=env.get("RATECARD_S3_WEBHOOK_SECRET") or LOCAL_KEY,
    )
    if not (env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_PROFILE")):
        env.update(AWS_ACCESS_KEY_ID=LOCAL_KEY, AWS_SECRET_ACCESS_KEY=LOCAL_KEY)
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            client.create_bucket(Bucket=LOCAL_BUCKET)
            break
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RatecardError(
                    f"the local S3 server did not start on {url}",
                    "set RATECARD_S3_LOCAL_PORT to a free port, or RATECARD_S3_BUCKET",
                ) from None
            time.sleep(0.2)
    _say(f"object storage: local S3 (moto) at {url}, bucket {LOCAL_BUCKET}, in memory")
    return proc


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run `ratecard storage`")
