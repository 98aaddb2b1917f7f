"""`ratecard worker`: the process that runs jobs that must talk to Stripe or S3.

pg_cron owns every schedule; jobs that only touch the database run inside PostgreSQL. This
worker wakes every few seconds (or when notified on the `ratecard_jobs` channel) and runs
each pass of:
  * the Stripe retry sweep (stored events that failed or waited for their customer);
  * due scheduled plan changes, made in Stripe (when STRIPE_SECRET_KEY is set);
  * add-ons whose cancellation is due: ended, and their Stripe items removed (the Stripe
    part when STRIPE_SECRET_KEY is set).
It stops cleanly on SIGINT or SIGTERM. `ratecard worker --once` runs one pass and exits.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

import psycopg

from jobs import billing
from jobs import queries as q
from ratecard import stripe_gateway as gw
from ratecard.config import Settings
from ratecard.db import app_conninfo

log = logging.getLogger("ratecard.worker")
POLL_SECONDS = 1.0
PASS_EVERY_SECONDS = 30.0


def run_pass(conn: psycopg.Connection, stripe_settings: gw.StripeSettings) -> dict[str, int]:
    """One pass over every job; each job's failure is logged and does not stop the others."""
    done: dict[str, int] = {}
    try:
        done["stripe_events_applied"] = billing.retry_events(conn)
    except psycopg.Error as exc:
        log.warning("retry sweep failed: %s", exc)
    client = gw.make_client(stripe_settings) if stripe_settings.configured else None
    if client is not None:
        try:
            done["plan_changes_sent"] = billing.make_due_plan_changes(conn, client)
        except psycopg.Error as exc:
            log.warning("plan changes failed: %s", exc)
    try:
        ended, removed = billing.end_addons(conn, client)
        done["addons_ended"] = ended
        if client is not None:
            done["addon_items_removed"] = removed
    except psycopg.Error as exc:
        log.warning("add-on removals failed: %s", exc)
    return done


def run_worker(settings: Settings, once: bool = False) -> int:
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    stripe_settings = gw.StripeSettings.from_env()
    with psycopg.connect(app_conninfo(settings), autocommit=True) as conn:
        conn.execute(q.LISTEN_JOBS)
        log.info(
            "worker started (stripe %s)",
            "configured" if stripe_settings.configured else "not configured",
        )
        next_pass = 0.0
        while not stop.is_set():
            woken = False
            if time.monotonic() >= next_pass or once:
                done = run_pass(conn, stripe_settings)
                if any(done.values()):
                    log.info("worker pass: %s", done)
                next_pass = time.monotonic() + PASS_EVERY_SECONDS
            if once:
                break
            for note in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                log.info("job notification: %s", note.payload)
                woken = True
            if woken:
                next_pass = 0.0
    log.info("worker stopped")
    return 0
