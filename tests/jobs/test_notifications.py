"""The deliver_notifications job end to end: a real `ratecard worker` process sends the
outbox's deliveries to a real SMTP server (aiosmtpd) and a real HTTP receiver that verifies
signatures with the `standardwebhooks` package. Crashes are SIGKILLs of the worker between
sending and recording; time moves by the clock (internal.set_clock), never by sleeping."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.rows import dict_row
from standardwebhooks import Webhook

from ratecard.config import PROJECT_ROOT, with_user
from ratecard.seed import seed_demo
from tests.receivers import Hook, SmtpSink, WebhookReceiver
from tests.sql.conftest import CATALOG_SQL

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def wait_for(cond: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        time.sleep(0.05)


class Env:
    """The test's database, receivers and worker processes."""

    def __init__(self, dsn: str, db: psycopg.Connection, catalog: bool = True) -> None:
        self.dsn = dsn
        self.db = db
        self.smtp = SmtpSink().start()
        self.hooks = WebhookReceiver().start()
        self.procs: list[subprocess.Popen[str]] = []
        self.now = T0
        self.clock(T0)
        if catalog:
            self.q(CATALOG_SQL)

    # -- SQL -----------------------------------------------------------------------------

    def q(self, query: str, *params: Any) -> list[dict[str, Any]]:
        cur = self.db.cursor(row_factory=dict_row)
        cur.execute(query, params or None)
        return cur.fetchall() if cur.description else []

    def admin(self, query: str, *params: Any) -> list[dict[str, Any]]:
        with self.db.transaction():
            self.db.execute("set local role ratecard_admin")
            return self.q(query, *params)

    def clock(self, at: datetime) -> None:
        self.now = at
        self.db.execute("select internal.set_clock(%s)", (at,))
        self.db.execute("select pg_notify('ratecard_jobs', 'clock moved')")  # wake the worker

    def tenant(self, name: str, email: str | None = "billing@acme.test") -> UUID:
        return self.q("select api.create_tenant(%s, %s) as id", name, email)[0]["id"]

    def endpoint(self, tenant: UUID | None, path: str = "/hook", types: str = "{}") -> dict:
        if tenant is None:
            return self.q(
                "select * from api.create_platform_webhook_endpoint(%s, %s::text[])",
                self.hooks.url(path),
                types,
            )[0]
        return self.q(
            "select * from api.create_webhook_endpoint(%s, %s, %s::text[])",
            tenant,
            self.hooks.url(path),
            types,
        )[0]

    def consume(self, tenant: UUID, amount: int, feature: str = "calls") -> None:
        self.q("select * from api.consume(%s, %s, %s)", tenant, feature, amount)

    def deliveries(self, **where: Any) -> list[dict[str, Any]]:
        cond = " and ".join(f"{k} = %s" for k in where) or "true"
        return self.q(
            f"select * from api.notification_deliveries where {cond}"
            " order by notification_id, channel, target",
            *where.values(),
        )

    def settled(self, n: int) -> Callable[[], bool]:
        """True once n deliveries exist and none is pending or being sent."""

        def check() -> bool:
            rows = self.deliveries()
            return len(rows) >= n and all(r["status"] not in ("pending", "sending") for r in rows)

        return check

    # -- the worker ------------------------------------------------------------------------

    def start_worker(self, *, development: bool = True) -> subprocess.Popen[str]:
        env = {
            **os.environ,
            "RATECARD_DATABASE_URL": self.dsn,
            "RATECARD_APP_DATABASE_URL": with_user(self.dsn, "ratecard_authenticator"),
            "RATECARD_ENV": "development" if development else "production",
            "RATECARD_SMTP_URL": self.smtp.url,
            "RATECARD_MAIL_FROM": "Ratecard Billing <billing@ratecard.test>",
            "RATECARD_PUBLIC_URL": "https://app.example.test",
            "RATECARD_LOG_LEVEL": "info",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "ratecard.cli", "worker", "--concurrency", "2"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.procs.append(proc)
        wait_for(
            lambda: (
                self.db.execute(
                    "select count(*) from pg_stat_activity where datname = current_database()"
                    " and application_name = 'ratecard-worker'"
                ).fetchone()[0]
                >= sum(p.poll() is None for p in self.procs)
            ),
            10,
            "worker listening",
        )
        return proc

    def kill_on(self, proc: subprocess.Popen[str]) -> Callable[[Any], None]:
        """A receiver hook that SIGKILLs the worker the first time it is called."""
        done: list[bool] = []

        def kill(_: Any) -> None:
            if not done:
                done.append(True)
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)

        return kill

    def close(self) -> str:
        out = []
        for p in self.procs:
            if p.poll() is None:
                p.kill()  # the test's database goes with it: nothing to hand back
        for p in self.procs:
            o, _ = p.communicate(timeout=20)
            out.append(o or "")
        self.smtp.stop()
        self.hooks.stop()
        return "\n".join(out)


@pytest.fixture
def env(dsn: str, db: psycopg.Connection) -> Iterator[Env]:
    e = Env(dsn, db)
    yield e
    e.close()


def verify(hook: Hook, secret: str) -> dict[str, Any]:
    return Webhook(secret).verify(hook.body, hook.headers)


def test_the_demo_tenant_crossing_80_percent_gets_one_email_and_one_verified_webhook(
    dsn: str, db: psycopg.Connection
) -> None:
    seed_demo(dsn)
    env = Env(dsn, db, catalog=False)
    try:
        acme, email = db.execute(
            "select tenant_id, email from core.tenants where name = 'Acme Corp'"
        ).fetchone()
        ep = env.endpoint(acme)
        env.start_worker()
        env.consume(acme, 79, "ai_decisions")
        env.consume(acme, 1, "ai_decisions")  # 80 of the starter plan's 100
        wait_for(env.settled(2), 15, "email and webhook sent")
        env.consume(acme, 5, "ai_decisions")  # 85: nothing new
        time.sleep(0.3)
        assert [m.rcpt_tos for m in env.smtp.messages] == [[email]]
        assert "80 of 100 decisions (80%)" in env.smtp.messages[0].text
        assert len(env.hooks.hooks) == 1
        event = verify(env.hooks.hooks[0], ep["secret"])
        assert (event["type"], event["data"]["used"], event["data"]["limit"]) == (
            "threshold", 80, 100,
        )  # fmt: skip
    finally:
        env.close()


def test_crossing_80_percent_sends_one_email_and_one_signed_webhook(env: Env) -> None:
    t = env.tenant("Acme")
    ep = env.endpoint(t)
    env.start_worker()
    env.consume(t, 7)
    env.consume(t, 1)  # 8 of 10: 80%
    wait_for(env.settled(2), 15, "both deliveries sent")
    env.consume(t, 1)  # 9 of 10: no threshold crossed, nothing more
    time.sleep(0.3)

    assert len(env.smtp.messages) == 1
    mail = env.smtp.messages[0]
    assert mail.rcpt_tos == ["billing@acme.test"]
    assert mail.message["To"] == "billing@acme.test"
    assert mail.message["Subject"] == "You have used 80% of your Calls (8 of 10 calls)"
    assert "8 of 10 calls (80%)" in mail.text
    assert "https://app.example.test/billing" in mail.text
    assert "https://app.example.test/billing" in mail.html
    email_delivery = env.deliveries(channel="email")[0]
    assert mail.message["Message-ID"] == f"<{email_delivery['delivery_id']}@ratecard.test>"

    assert len(env.hooks.hooks) == 1
    hook = env.hooks.hooks[0]
    event = verify(hook, ep["secret"])  # raises unless signed with the endpoint's secret
    assert event["type"] == "threshold"
    assert event["tenant"] == str(t)
    assert event["data"]["used"] == 8 and event["data"]["limit"] == 10
    assert event["data"]["threshold"] == 80
    hook_delivery = env.deliveries(channel="webhook")[0]
    assert hook.headers["webhook-id"] == hook_delivery["webhook_id"]
    assert hook_delivery["status"] == "succeeded" and hook_delivery["last_status_code"] == 200
    assert env.q("select delivered_at from api.notifications")[0]["delivered_at"] is not None


@pytest.mark.parametrize("channel", ["email", "webhook"])
def test_a_worker_killed_between_sending_and_recording_sends_once_more_with_the_same_ids(
    env: Env, channel: str
) -> None:
    t = env.tenant("Acme")
    if channel == "webhook":
        ep = env.endpoint(t)
        env.q("select api.set_notification_settings(%s, '{}', '{}')", t)  # no email
    first = env.start_worker()
    if channel == "webhook":
        env.hooks.on_request = env.kill_on(first)
    else:
        env.smtp.on_data = env.kill_on(first)
    env.consume(t, 8)
    wait_for(lambda: first.poll() is not None, 15, "the worker killed while sending")
    (d,) = env.deliveries()
    assert d["channel"] == channel and d["status"] == "sending" and d["attempts"] == 1

    # leases run out (the run's and the delivery's); another worker takes it again
    env.clock(env.now + timedelta(minutes=5))
    env.start_worker()
    wait_for(env.settled(1), 15, "delivery sent again")
    (d,) = env.deliveries()
    assert d["status"] == "succeeded" and d["attempts"] == 2
    attempts = env.q("select attempt, outcome from core.notification_attempts order by attempt")
    assert attempts == [
        {"attempt": 1, "outcome": None},  # sent, never recorded
        {"attempt": 2, "outcome": "succeeded"},
    ]
    if channel == "webhook":
        assert len(env.hooks.hooks) == 2  # at most one duplicate
        assert {h.headers["webhook-id"] for h in env.hooks.hooks} == {d["webhook_id"]}
        for h in env.hooks.hooks:
            verify(h, ep["secret"])
        assert env.hooks.hooks[0].body == env.hooks.hooks[1].body
    else:
        assert len(env.smtp.messages) == 2
        ids = {m.message["Message-ID"] for m in env.smtp.messages}
        assert ids == {f"<{d['delivery_id']}@ratecard.test>"}


def test_410_gone_disables_the_endpoint(env: Env) -> None:
    t = env.tenant("Acme", email=None)
    ep = env.endpoint(t)
    env.hooks.answer = lambda h: (410, {})
    env.start_worker()
    env.consume(t, 8)
    wait_for(env.settled(1), 15, "delivery answered")
    (d,) = env.deliveries()
    assert d["status"] == "failed" and d["last_status_code"] == 410 and d["attempts"] == 1
    endpoint = env.q("select * from api.webhook_endpoints")[0]
    assert endpoint["endpoint_id"] == ep["endpoint_id"]
    assert endpoint["enabled"] is False and endpoint["disabled_reason"] == "410 Gone"
    env.consume(t, 2)  # 95% and 100%: nothing goes to a disabled endpoint
    assert len(env.deliveries()) == 1
    assert len(env.hooks.hooks) == 1


def gap(d: dict[str, Any]) -> float:
    return (d["next_attempt_at"] - d["last_attempt_at"]).total_seconds()


def test_a_dead_endpoint_is_retried_on_schedule_then_failed_and_an_admin_resends_it(
    env: Env,
) -> None:
    t = env.tenant("Acme", email=None)
    ep = env.endpoint(t)
    answers = [(503, {"Retry-After": "120"})] + [(500, {})] * 7 + [(200, {})]
    env.hooks.answer = lambda h: answers[len(env.hooks.hooks) - 1]
    env.start_worker()
    env.consume(t, 8)

    # attempt 1 at once; 503 with Retry-After: 120 waits 120 s rather than 5 s
    (d,) = wait_for(lambda: env.deliveries(attempts=1, status="pending"), 15, "attempt 1")
    assert 119 <= gap(d) <= 121
    schedule = [300, 1800, 7200, 18000, 36000, 36000]  # after attempts 2..7
    for attempt, wait in zip(range(2, 8), schedule, strict=True):
        env.clock(d["next_attempt_at"] + timedelta(seconds=1))
        (d,) = wait_for(
            lambda a=attempt: env.deliveries(attempts=a, status="pending"),
            15,
            f"attempt {attempt}",
        )
        assert wait * 0.9 - 1 <= gap(d) <= wait * 1.1 + 1, (attempt, gap(d))
    env.clock(d["next_attempt_at"] + timedelta(seconds=1))
    (d,) = wait_for(lambda: env.deliveries(status="failed"), 15, "attempt 8, the last")
    assert d["attempts"] == 8 and d["last_status_code"] == 500
    assert len(env.hooks.hooks) == 8

    # the administrator sees it among failed deliveries, and resends it
    failed = env.admin("select * from api.list_notification_deliveries('failed')")
    assert [f["delivery_id"] for f in failed] == [d["delivery_id"]]
    resent = env.admin("select api.resend_notification(%s) as n", d["notification_id"])
    assert resent == [{"n": 1}]
    wait_for(lambda: env.deliveries(status="succeeded"), 15, "resent")
    assert len(env.hooks.hooks) == 9
    assert {h.headers["webhook-id"] for h in env.hooks.hooks} == {d["webhook_id"]}
    verify(env.hooks.hooks[-1], ep["secret"])


def test_webhooks_keep_each_tenants_order_per_endpoint(env: Env) -> None:
    a = env.tenant("A", email=None)
    b = env.tenant("B", email=None)
    env.endpoint(a, "/a")
    env.endpoint(None, "/platform")  # every tenant's events
    failed_once: list[str] = []

    def answer(h: Hook) -> tuple[int, dict[str, str]]:
        event = json.loads(h.body)
        if h.path == "/a" and event["data"]["threshold"] == 80 and not failed_once:
            failed_once.append(event["id"])
            return 500, {}
        return 200, {}

    env.hooks.answer = answer
    env.start_worker()
    env.consume(a, 8)  # 80%: its webhook to /a fails once
    wait_for(lambda: env.deliveries(status="pending", attempts=1), 15, "first attempt failed")
    env.consume(a, 2)  # 95% and 100%: held behind the 80% one on /a
    env.consume(b, 10)  # B's events are not held by A's
    wait_for(
        lambda: len([h for h in env.hooks.hooks if h.path == "/platform"]) == 6, 15, "platform"
    )
    time.sleep(0.5)
    assert [h.path for h in env.hooks.hooks].count("/a") == 1  # only the failed attempt

    env.clock(env.now + timedelta(seconds=10))
    wait_for(env.settled(9), 15, "everything sent")

    def thresholds(path: str, tenant: UUID) -> list[int]:
        return [
            json.loads(h.body)["data"]["threshold"]
            for h in env.hooks.hooks
            if h.path == path and json.loads(h.body)["tenant"] == str(tenant)
        ]

    assert thresholds("/a", a) == [80, 80, 95, 100]
    assert thresholds("/platform", a) == [80, 95, 100]
    assert thresholds("/platform", b) == [80, 95, 100]


def test_the_worker_refuses_a_loopback_url_outside_development_mode(env: Env) -> None:
    t = env.tenant("Acme", email=None)
    env.endpoint(t)  # registered straight in SQL; the HTTP route would have refused it
    env.start_worker(development=False)
    env.consume(t, 8)
    (d,) = wait_for(lambda: env.deliveries(attempts=1, status="pending"), 15, "attempt 1")
    assert d["last_status_code"] is None
    assert d["last_error"].startswith("refused: ")
    assert "not a public address" in d["last_error"] or "https" in d["last_error"]
    assert env.hooks.hooks == []
