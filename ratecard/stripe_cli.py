"""`ratecard stripe ...`: the Stripe side of metered billing, for operators.

* `stripe sync-catalog [--dry-run]`: make Stripe's products, prices and Billing Meters what
  the database says (ratecard/stripe_catalog.py) and print, per object, whether it was
  created, updated, replaced, left unchanged or skipped (with why).
* `stripe reconcile-usage [--tenant UUID]`: compare each billing period's billed usage
  (ledger, reports sent, Stripe's meter summaries), record drift, print every period.
  Exit status 2 when something drifts.

Both use STRIPE_SECRET_KEY (and STRIPE_API_BASE) like the API and the worker, and call SQL
as the administrator (ratecard.sqlcall).
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from ratecard import stripe_gateway as gw
from ratecard.config import Settings
from ratecard.errors import RatecardError
from ratecard.jobs_cli import _connect, table
from ratecard.stripe_catalog import sync_catalog


def _say(msg: str) -> None:
    print(msg, flush=True)


def _client() -> Any:
    return gw.make_client(gw.StripeSettings.from_env(), timeout=30)


def cmd_sync_catalog(s: Settings, args: argparse.Namespace) -> int:
    client = _client()
    with _connect(s) as conn:
        outcomes = sync_catalog(conn, client, dry_run=args.dry_run)
    rows = [[o.object, o.key, o.action, o.stripe_id or "-", o.detail] for o in outcomes]
    _say(table(["object", "key", "action", "stripe id", "detail"], rows) if rows else "(nothing)")
    counts = Counter(o.action for o in outcomes)
    summary = ", ".join(
        f"{counts[a]} {a}"
        for a in ("created", "replaced", "updated", "unchanged", "skipped")
        if counts[a]
    )
    _say(("dry run, nothing written: " if args.dry_run else "") + (summary or "nothing to do"))
    if counts["skipped"]:
        _say("skipped objects have a problem to fix first (see detail)")
        return 1
    return 0


def _units(value: Any) -> str:
    return "-" if value is None else f"{value:,}"


def cmd_reconcile_usage(s: Settings, args: argparse.Namespace) -> int:
    from jobs.metering import reconcile_usage

    tenant = None
    if args.tenant:
        try:
            tenant = str(uuid.UUID(args.tenant))
        except ValueError:
            raise RatecardError(
                f"not a tenant id: {args.tenant}", "give the tenant's UUID"
            ) from None
    since = datetime.fromisoformat(args.since) if args.since else None
    client = _client()
    with _connect(s) as conn:
        rows = reconcile_usage(
            conn,
            client,
            tenant,
            since=since,
            settle=timedelta(minutes=args.settle_minutes),
            role="ratecard_admin",
        )
    if args.json:
        _say(json.dumps(rows, default=str, indent=2))
    else:
        out = [
            [
                r["tenant_id"],
                r["feature"],
                f"{r['period_start']:%Y-%m-%d %H:%M} .. {r['period_end']:%Y-%m-%d %H:%M}",
                _units(r["ledger_units"]),
                _units(r["reported_units"]),
                _units(r["in_flight_units"]),
                _units(r["flagged_units"]),
                _units(r["stripe_units"]),
                r["status"],
            ]
            for r in rows
        ]
        headers = ["tenant", "feature", "period (UTC)", "ledger", "reported", "in flight",
                   "flagged", "stripe", "status"]  # fmt: skip
        _say(table(headers, out) if out else "no billed usage to reconcile")
    counts = Counter(r["status"] for r in rows)
    if counts["drift"]:
        _say(f"{counts['drift']} period(s) drift: see GET /v1/admin/usage-drift (api.usage_drift)")
        return 2
    if not args.json:
        _say(
            "no drift"
            + (
                f" ({counts['changed']} changed while reading: run again)"
                if counts["changed"]
                else ""
            )
        )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    stripe = sub.add_parser(
        "stripe",
        help="Stripe catalog and metered billing",
        description="Stripe catalog and metered billing.",
    )
    ss = stripe.add_subparsers(dest="stripe_command", required=True, metavar="ACTION")
    text = "create or update Stripe products, prices and Billing Meters from the catalog"
    p = ss.add_parser("sync-catalog", help=text, description=text)
    p.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")
    p.set_defaults(fn=cmd_sync_catalog)
    text = "compare billed usage with Stripe's meter summaries per billing period"
    p = ss.add_parser("reconcile-usage", help=text, description=text)
    p.add_argument("--tenant", metavar="UUID", help="only this tenant")
    p.add_argument(
        "--since", metavar="DATE", help="periods ending after this date (default: 40 days ago)"
    )
    p.add_argument(
        "--settle-minutes",
        type=float,
        default=10,
        metavar="N",
        help="reports confirmed within N minutes may not be in Stripe's summary yet (default 10)",
    )
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(fn=cmd_reconcile_usage)
