"""`ratecard notifications ...`: the deliveries of the outbox (email, webhooks) and sending
one again. Everything goes through api.* as the administrator (ratecard.sqlcall)."""

from __future__ import annotations

import argparse
from typing import Any

import psycopg

from ratecard import queries as q
from ratecard.config import Settings
from ratecard.errors import RatecardError
from ratecard.jobs_cli import ADMIN, _api_error, _connect, _say, _when, table
from ratecard.sqlcall import call, one

STATUSES = ["pending", "sending", "succeeded", "failed", "canceled"]


def _answer(row: dict[str, Any]) -> str:
    code = row["last_status_code"]
    error = row["last_error"] or ""
    text = f"{code} {error}".strip() if code is not None else error
    text = text or "-"
    return text if len(text) <= 48 else text[:45] + "..."


def _target(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def cmd_notifications_list(s: Settings, args: argparse.Namespace) -> int:
    params = (args.status, args.tenant, args.channel, args.notification, args.limit)
    with _connect(s) as conn:
        try:
            rows = call(conn, q.NOTIFICATION_DELIVERIES, params, role=ADMIN)
        except psycopg.Error as exc:
            raise _api_error(exc) from None
    if not rows:
        _say("no deliveries")
        return 0
    _say(
        table(
            ["id", "tenant", "type", "channel", "to", "status", "tries", "last answer", "next"],
            [
                [
                    r["notification_id"],
                    r["tenant_name"],
                    r["kind"],
                    r["channel"],
                    _target(r["target"]),
                    r["status"],
                    f"{r['attempts']}/{r['max_attempts']}",
                    _answer(r),
                    _when(r["next_attempt_at"]),
                ]
                for r in rows
            ],
        )
    )
    return 0


def cmd_notifications_resend(s: Settings, args: argparse.Namespace) -> int:
    with _connect(s) as conn:
        try:
            queued = one(call(conn, q.RESEND_NOTIFICATION, (args.id,), role=ADMIN), "resend")
        except psycopg.Error as exc:
            raise _api_error(exc) from None
    n = queued["queued"]
    if n == 0:
        raise RatecardError(
            f"notification {args.id}: nothing to send again",
            "its deliveries are still pending, or there is no recipient or enabled endpoint",
        )
    _say(f"notification {args.id}: {n} deliver{'y' if n == 1 else 'ies'} queued")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    notifications = sub.add_parser(
        "notifications",
        help="notification deliveries (email, webhooks); send one again",
        description="Notification deliveries (email, webhooks); send one again.",
    )
    ns = notifications.add_subparsers(dest="notifications_command", required=True, metavar="ACTION")
    p = ns.add_parser(
        "list", help="deliveries, newest first", description="Deliveries, newest first."
    )
    p.set_defaults(fn=cmd_notifications_list)
    p.add_argument("--status", choices=STATUSES, help="only deliveries in this state")
    p.add_argument("--tenant", metavar="UUID", help="only this tenant's")
    p.add_argument("--channel", choices=["email", "webhook"], help="only this channel")
    p.add_argument("--notification", metavar="ID", type=int, help="only this notification's")
    p.add_argument("--limit", type=int, default=50, help="how many (default 50, at most 1000)")
    p = ns.add_parser(
        "resend",
        help="send a notification again (its failed, cancelled and sent deliveries)",
        description="Send a notification again: deliveries that are missing are planned, and"
        " those that ended (failed, cancelled or sent) are queued again with the same ids.",
    )
    p.set_defaults(fn=cmd_notifications_resend)
    p.add_argument("id", metavar="ID", type=int, help="the notification's id (see `list`)")
