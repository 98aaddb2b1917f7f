"""Billed usage to Stripe: the queue job handlers of metered billing.

* send_usage_reports ({"tenant_id": ...}, queued by the SQL job report_usage, one run per
  tenant at a time): claims the tenant's unreported billed usage into reports
  (api.claim_usage_reports), takes its pending reports (api.usage_reports_to_send, which
  stamps them attempted and flags those Stripe would refuse or that were never confirmed),
  and sends each as a Billing Meter event with the report's identifier and an idempotency
  key, then records Stripe's answer (api.mark_usage_report). The order is what makes it
  exactly once: the rows are claimed in SQL before anything is sent, the report is marked
  sent only after Stripe accepted it, and a crash in between sends the same identifier
  again, which Stripe answers as a duplicate (delivered). A correction that replaces an
  event sent less than 24 hours ago first cancels it by identifier. Requests go one at a
  time (Stripe allows one concurrent request per customer and meter); a 429 is retried
  with exponential backoff and jitter, then the attempt fails and the queue retries it.
* reconcile_usage (daily): each billing period's ledger against the reports sent and
  Stripe's meter event summary; drift is recorded (api.record_usage_reconciliation).

Without STRIPE_SECRET_KEY both succeed at once with {"skipped": "stripe not configured"}.
The rules (what is billed, grouped, flagged, drifting) are in SQL; this module only talks.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import psycopg
import stripe
from psycopg.types.json import Jsonb

from jobs import queries as q
from jobs.registry import JobContext, Permanent, handler
from ratecard import stripe_gateway as gw
from ratecard.sqlcall import Role, call, one

log = logging.getLogger("ratecard.jobs.metering")

SERVICE: Role = "ratecard_service"
NOT_CONFIGURED = {"skipped": "stripe not configured"}
T = TypeVar("T")


def client_from_env(timeout: float | None = None) -> stripe.StripeClient | None:
    settings = gw.StripeSettings.from_env()
    return gw.make_client(settings, timeout=timeout) if settings.configured else None


def with_backoff(
    request: Callable[[], T],
    *,
    retries: int = 5,
    base: float = 0.5,
    cap: float = 8.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run a Stripe request; on a rate limit (429) wait base x 2^n seconds (at most cap),
    times a random factor between 0.5 and 1.5, and try again, at most `retries` times."""
    for attempt in range(retries + 1):
        try:
            return request()
        except stripe.RateLimitError:
            if attempt == retries:
                raise
            sleep(min(cap, base * 2**attempt) * random.uniform(0.5, 1.5))  # noqa: S311 (jitter)
    raise AssertionError("not reached")


def _mark(
    conn: psycopg.Connection[Any], tenant: str, report: int, outcome: str, error: str | None = None
) -> str:
    row = one(
        call(conn, q.MARK_USAGE_REPORT, (tenant, report, outcome, error), role=SERVICE), "mark"
    )
    return str(row["status"])


def _send_one(
    conn: psycopg.Connection[Any],
    client: stripe.StripeClient,
    tenant: str,
    r: dict[str, Any],
    sleep: Callable[[float], None],
) -> str:
    """One report: cancel the event it replaces (if any), then send its event. Returns the
    outcome counted in the run's result."""
    if r["cancel_identifier"]:
        try:
            with_backoff(
                lambda: gw.cancel_meter_event(
                    client, event_name=r["event_name"], identifier=r["cancel_identifier"]
                ),
                sleep=sleep,
            )
        except gw.MeterEventRefused as exc:
            # Past Stripe's 24 hours: the correction goes as a negative event instead,
            # sent when the report comes round again (this run's next pass).
            _mark(conn, tenant, r["report_id"], "cancel_refused", exc.message)
            return "cancel_refused"
        except stripe.StripeError as exc:
            _mark(conn, tenant, r["report_id"], "failed", f"cancel: {exc.user_message or exc}")
            raise
        if _mark(conn, tenant, r["report_id"], "canceled") == "sent":
            return "canceled"
    if r["event_value"] is None:
        return "nothing"
    try:
        outcome = with_backoff(
            lambda: gw.send_meter_event(
                client,
                event_name=r["event_name"],
                customer=r["stripe_customer_id"],
                value=int(r["event_value"]),
                timestamp=int(r["event_at"]),
                identifier=r["identifier"],
            ),
            sleep=sleep,
        )
    except gw.MeterEventRefused as exc:
        _mark(conn, tenant, r["report_id"], exc.reason, exc.message)
        log.warning(
            "usage report %s of %s refused by Stripe (%s): %s",
            r["report_id"],
            tenant,
            exc.reason,
            exc.message,
        )
        return exc.reason
    except stripe.StripeError as exc:
        _mark(conn, tenant, r["report_id"], "failed", exc.user_message or str(exc))
        raise
    _mark(conn, tenant, r["report_id"], outcome)
    return outcome


def send_usage_reports(
    conn: psycopg.Connection[Any],
    client: stripe.StripeClient,
    tenant: str,
    *,
    batch: int = 100,
    passes: int = 20,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Claim and send a tenant's billed usage until nothing is left to send (at most
    `passes` rounds of `batch` reports). Returns counts: claimed reports and each outcome
    (created, duplicate, canceled, cancel_refused, too_old, rejected). A failure worth
    retrying (network, Stripe 5xx, a 429 past the backoff) is raised after recording its
    error on the report: the run is retried by the queue."""
    done: Counter[str] = Counter()
    for _ in range(passes):
        claimed = one(call(conn, q.CLAIM_USAGE_REPORTS, (tenant,), role=SERVICE), "claim")
        done["claimed"] += int(claimed["claimed"])
        reports = call(conn, q.USAGE_REPORTS_TO_SEND, (tenant, batch), role=SERVICE)
        if not reports:
            break
        for r in reports:
            outcome = _send_one(conn, client, tenant, r, sleep)
            done[outcome] += 1
    return dict(done)


def reconcile_usage(
    conn: psycopg.Connection[Any],
    client: stripe.StripeClient,
    tenant: str | None = None,
    *,
    since: Any = None,
    settle: timedelta = timedelta(minutes=10),
    role: Role = SERVICE,
) -> list[dict[str, Any]]:
    """Compare each billing period's billed usage with Stripe's meter event summary and
    record drift. Returns one row per period with its figures and status (ok, drift,
    changed, unknown)."""
    rows = call(conn, q.USAGE_RECONCILIATION, (tenant, since, settle), role=role)
    results = []
    for r in rows:
        try:
            stripe_units: int | None = gw.meter_event_summary(
                client,
                r["meter_id"],
                r["stripe_customer_id"],
                int(r["window_start"].timestamp()),
                int(r["window_end"].timestamp()),
            )
        except stripe.StripeError as exc:
            log.warning(
                "meter summary of %s %s failed: %s", r["tenant_id"], r["feature"], exc.user_message
            )
            stripe_units = None
        results.append(
            {
                "tenant_id": str(r["tenant_id"]),
                "feature": r["feature"],
                "period_start": r["period_start"].isoformat(),
                "stripe_units": stripe_units,
                "reported_units": r["reported_units"],
            }
        )
    if not results:
        return []
    return call(conn, q.RECORD_USAGE_RECONCILIATION, (Jsonb(results), settle), role=role)


@handler("send_usage_reports")
def run_send_usage_reports(ctx: JobContext) -> dict[str, Any]:
    tenant = ctx.args.get("tenant_id")
    if not tenant:
        raise Permanent('send_usage_reports needs {"tenant_id": ...}')
    client = client_from_env(float(ctx.args.get("timeout", 20)))
    if client is None:
        return NOT_CONFIGURED
    return send_usage_reports(
        ctx.conn,
        client,
        str(tenant),
        batch=int(ctx.args.get("batch", 100)),
    )


@handler("reconcile_usage")
def run_reconcile_usage(ctx: JobContext) -> dict[str, Any]:
    client = client_from_env(float(ctx.args.get("timeout", 20)))
    if client is None:
        return NOT_CONFIGURED
    rows = reconcile_usage(ctx.conn, client, ctx.args.get("tenant_id"))
    return dict(Counter(r["status"] for r in rows))
