"""The deliver_notifications job: sends the outbox's due deliveries (sql/jobs/
deliver_notifications.sql; every rule is in SQL, see docs/notifications.md).

A run claims due deliveries (api.claim_notification_deliveries: leased to this worker,
each tenant's webhooks to one endpoint in order, one at a time), sends them side by side
(email: ratecard/notify/mail.py; webhook: ratecard/notify/webhooks.py), records each
answer (api.record_notification_attempt, which decides success, retry, failure, and
disables an endpoint that answered 410), and claims again until nothing is due or the
run has worked for `max_seconds` (then the next run goes on).

At-least-once, at most one duplicate: the webhook-id and the Message-ID come from the
delivery's id, so a delivery sent by a worker that died before recording it is sent again
(once its lease runs out) with the same ids.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jobs import queries as q
from jobs.registry import JobContext, handler
from ratecard.notify import mail, webhooks
from ratecard.notify.config import NotifySettings
from ratecard.notify.render import render
from ratecard.sqlcall import Role, call, one

log = logging.getLogger("ratecard.notify")
SERVICE: Role = "ratecard_service"


def _send(
    settings: NotifySettings, row: dict[str, Any]
) -> tuple[int | None, str | None, int | None]:
    """(status code, error, retry after seconds) of one attempt; never raises."""
    delivery = str(row["delivery_id"])
    try:
        if row["channel"] == "webhook":
            out = webhooks.send(
                row["url"],
                list(row["secrets"] or []),
                webhooks.webhook_id(delivery),
                row["event"],
                development=settings.development,
                timeout=settings.timeout,
            )
            return out.status_code, out.error, out.retry_after
        rendered = render(
            row["event"], tenant_name=row["tenant_name"], billing_url=settings.billing_url
        )
        msg = mail.build(
            rendered,
            to=row["target"],
            sender=settings.mail_from,
            msg_id=mail.message_id(delivery, settings.mail_domain),
            notification=row["event"]["id"],
            kind=row["kind"],
            billing_url=settings.billing_url,
        )
        sent = mail.send(settings, msg, file_name=delivery)
        return sent.status_code, sent.error, None
    except Exception as exc:  # a template or library fault: a failed attempt, not a lost run
        log.exception("delivery %s failed to send", delivery)
        return None, f"{type(exc).__name__}: {exc}"[:500], None


@handler("deliver_notifications")
def deliver_notifications(ctx: JobContext) -> dict[str, int]:
    settings = NotifySettings.from_env()
    batch = int(ctx.args.get("batch", 8))
    lease = int(ctx.args.get("lease_seconds", 60))
    max_seconds = float(ctx.args.get("max_seconds", 60))
    counts = {"sent": 0, "retry": 0, "failed": 0, "lost": 0}
    deadline = time.monotonic() + max_seconds
    with ThreadPoolExecutor(max_workers=max(1, min(batch, 8)), thread_name_prefix="notify") as pool:
        while time.monotonic() < deadline:
            rows = call(ctx.conn, q.CLAIM_DELIVERIES, (ctx.worker, batch, lease), role=SERVICE)
            if not rows:
                break
            futures = [(row, pool.submit(_send, settings, row)) for row in rows]
            for row, future in futures:
                code, error, retry_after = future.result()
                status = one(
                    call(
                        ctx.conn,
                        q.RECORD_ATTEMPT,
                        (
                            row["tenant_id"],
                            row["delivery_id"],
                            ctx.worker,
                            code,
                            error,
                            retry_after,
                        ),
                        role=SERVICE,
                    ),
                    "record_notification_attempt",
                )["status"]
                key = {"succeeded": "sent", "pending": "retry"}.get(status, status)
                counts[key] = counts.get(key, 0) + 1
                log.info(
                    "delivery %s %s %s attempt %d/%d: %s%s",
                    row["delivery_id"],
                    row["channel"],
                    row["url"] or row["target"],
                    row["attempt"],
                    row["max_attempts"],
                    status,
                    f" ({code or ''} {error or ''})".rstrip() if status != "succeeded" else "",
                )
    return counts
