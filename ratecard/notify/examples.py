"""One example event of every notification type, as internal.notification_event makes it.
docs/notifications.md shows each with the email it renders to (`python -m
ratecard.notify.examples` prints that section); tests render every one strictly."""

from __future__ import annotations

import json
import sys
from typing import Any

TENANT = "6f1c2b8e-4a53-4f0e-9d7c-2f4b1a9e0c11"
BILLING_URL = "https://app.example.com/billing"


def _event(n: int, kind: str, at: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "id": f"ntf_{n}", "tenant": TENANT, "occurred_at": at, "data": data}


EXAMPLES: dict[str, dict[str, Any]] = {
    "threshold": _event(
        1042,
        "threshold",
        "2026-11-27T10:46:25.765323+00:00",
        {
            "feature": "ai_decisions",
            "feature_name": "AI decisions",
            "unit": "decisions",
            "threshold": 80,
            "used": 80,
            "limit": 100,
            "percent": 80,
            "period_start": "2026-11-01T00:00:00+00:00",
            "resets_at": "2026-12-01T00:00:00+00:00",
            "overage": "block",
            "allowed_up_to": None,
            "grace_until": None,
            "plan": "starter",
            "plan_name": "Starter",
        },
    ),
    "payment_failed": _event(
        1043,
        "payment_failed",
        "2026-11-27T11:02:10+00:00",
        {
            "invoice_id": "in_1QxYz2Ab3Cd4Ef5G",
            "amount_due": 14700,
            "currency": "usd",
            "attempt_count": 1,
            "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1/test_YWNjdA",
            "grace_until": "2026-12-04T11:02:10+00:00",
        },
    ),
    "payment_recovered": _event(1044, "payment_recovered", "2026-11-29T08:15:00+00:00", {}),
    "restricted": _event(
        1045,
        "restricted",
        "2026-12-04T12:00:00+00:00",
        {"reason": "payment overdue past the grace period"},
    ),
    "suspended": _event(
        1046,
        "suspended",
        "2026-12-20T12:00:00+00:00",
        {"subscription_status": "unpaid", "admin_suspended": False},
    ),
    "restored": _event(
        1047,
        "restored",
        "2026-12-21T09:30:00+00:00",
        {"subscription_status": "active", "admin_suspended": False},
    ),
    "trial_will_end": _event(
        1048, "trial_will_end", "2026-11-24T00:00:00+00:00", {"trial_end": 1796083200}
    ),
    "trial_ended": _event(
        1049,
        "trial_ended",
        "2026-12-01T01:00:00+00:00",
        {"trial_end": "2026-12-01T00:00:00+00:00", "reason": "no payment method"},
    ),
    "downgrade_scheduled": _event(
        1050,
        "downgrade_scheduled",
        "2026-11-27T14:20:00+00:00",
        {
            "from": "pro",
            "from_name": "Pro",
            "to": "starter",
            "to_name": "Starter",
            "interval": "month",
            "at": "2026-12-15T00:00:00+00:00",
        },
    ),
    "plan_changed": _event(
        1055,
        "plan_changed",
        "2026-12-15T00:00:04+00:00",
        {
            "from": "pro",
            "from_name": "Pro",
            "to": "starter",
            "to_name": "Starter",
            "interval": "month",
            "direction": "downgrade",
            "changes": [
                {
                    "feature": "ai_decisions",
                    "feature_name": "AI decisions",
                    "kind": "metered",
                    "unit": "decisions",
                    "from_enabled": True,
                    "from_limit": 10000,
                    "to_enabled": True,
                    "to_limit": 100,
                    "per_seat": False,
                },
                {
                    "feature": "sso",
                    "feature_name": "Single sign-on",
                    "kind": "switch",
                    "unit": None,
                    "from_enabled": True,
                    "from_limit": None,
                    "to_enabled": False,
                    "to_limit": None,
                    "per_seat": False,
                },
            ],
        },
    ),
    "over_limit_after_plan_change": _event(
        1051,
        "over_limit_after_plan_change",
        "2026-12-15T00:00:04+00:00",
        {
            "feature": "email_addresses",
            "feature_name": "Email addresses",
            "unit": "addresses",
            "used": 4,
            "limit": 1,
            "plan": "starter",
            "plan_name": "Starter",
        },
    ),
    "addon_cancel_scheduled": _event(
        1052,
        "addon_cancel_scheduled",
        "2026-11-27T15:00:00+00:00",
        {
            "addon": "extra_emails",
            "addon_name": "Five more email addresses",
            "ends_at": "2026-12-15T00:00:00+00:00",
        },
    ),
    "addon_resumed": _event(
        1053,
        "addon_resumed",
        "2026-11-28T09:00:00+00:00",
        {"addon": "extra_emails", "addon_name": "Five more email addresses"},
    ),
    "grace_ending": _event(
        1055,
        "grace_ending",
        "2026-12-03T10:15:00.412503+00:00",
        {
            "feature": "storage_bytes",
            "feature_name": "Storage",
            "unit": "bytes",
            "used": 5300000,
            "limit": 5242880,
            "allowed_up_to": 5505024,
            "grace_until": "2026-12-04T10:30:00+00:00",
            "period_start": None,
            "resets_at": None,
            "plan": "starter",
            "plan_name": "Starter",
        },
    ),
    "grace_ended": _event(
        1056,
        "grace_ended",
        "2026-12-04T10:30:00.387114+00:00",
        {
            "feature": "storage_bytes",
            "feature_name": "Storage",
            "unit": "bytes",
            "used": 5300000,
            "limit": 5242880,
            "allowed_up_to": 5505024,
            "grace_until": "2026-12-04T10:30:00+00:00",
            "period_start": None,
            "resets_at": None,
            "plan": "starter",
            "plan_name": "Starter",
        },
    ),
    "addon_ended": _event(
        1054,
        "addon_ended",
        "2026-12-15T00:00:30+00:00",
        {
            "addon": "extra_emails",
            "addon_name": "Five more email addresses",
            "ended_at": "2026-12-15T00:00:00+00:00",
        },
    ),
}


def markdown() -> str:
    """The "Every type" section of docs/notifications.md."""
    from ratecard.notify.render import render

    out = []
    for kind, event in EXAMPLES.items():
        r = render(event, tenant_name="Acme Corp", billing_url=BILLING_URL, strict=True)
        out += [
            f"### `{kind}`",
            "",
            f"Subject: **{r.subject}**",
            "",
            "```text",
            r.text.rstrip(),
            "```",
            "",
            "Webhook body:",
            "",
            "```json",
            json.dumps(event, indent=2),
            "```",
            "",
        ]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(markdown())
