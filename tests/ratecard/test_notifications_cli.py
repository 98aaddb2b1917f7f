"""`ratecard notifications list / resend` (ratecard/notifications_cli.py) against the test's
database: a readable table of deliveries, and resending a failed one."""

from __future__ import annotations

import psycopg

from tests.sql.conftest import CATALOG_SQL


def test_list_and_resend(cli, db: psycopg.Connection) -> None:
    db.execute(CATALOG_SQL)
    t = db.execute("select api.create_tenant('Acme', 'billing@acme.test')").fetchone()[0]
    code, out, _ = cli("notifications", "list")
    assert code == 0 and out.strip() == "no deliveries"
    db.execute("select * from api.consume(%s, 'calls', 8)", (t,))
    (note,) = db.execute("select notification_id from core.notifications").fetchone()
    # the worker's claim and a permanent SMTP refusal: the delivery fails
    (d,) = db.execute(
        "select delivery_id from api.claim_notification_deliveries('w', 10, 60)"
    ).fetchone()
    db.execute(
        "select api.record_notification_attempt(%s, %s, 'w', 550, 'mailbox unavailable')", (t, d)
    )

    code, out, _ = cli("notifications", "list", "--status", "failed")
    assert code == 0
    header, rule, row = out.splitlines()
    assert header.split() == [
        "id", "tenant", "type", "channel", "to", "status", "tries", "last", "answer", "next",
    ]  # fmt: skip
    assert set(rule) <= {"-", " "}
    assert row.split()[:7] == [str(note), "Acme", "threshold", "email", "billing@acme.test",
                               "failed", "1/8"]  # fmt: skip
    assert "550 mailbox unavailable" in row

    code, out, _ = cli("notifications", "resend", str(note))
    assert code == 0 and out.strip() == f"notification {note}: 1 delivery queued"
    code, out, _ = cli("notifications", "list", "--status", "pending")
    assert "1/9" in out
    code, _, err = cli("notifications", "resend", str(note))
    assert code == 1 and "nothing to send again" in err
    code, _, err = cli("notifications", "resend", "424242")
    assert code == 1 and "unknown notification: 424242" in err
