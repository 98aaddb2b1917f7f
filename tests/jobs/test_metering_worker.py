"""Billed usage to Stripe with real `ratecard worker` processes against the stateful fake
Stripe: killed with SIGKILL at random points over many runs, Stripe's sum never exceeds
the ledger's and equals it once the work is done; two workers at once never report twice
and never send two requests for one customer and meter at the same time."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import psycopg
import pytest

from ratecard.config import PROJECT_ROOT, with_user
from tests.fake_stripe import FakeStripe
from tests.metered import Metered, demo_metered


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as f:
        yield f


@pytest.fixture
def m(db: psycopg.Connection, dsn: str, fake: FakeStripe) -> Metered:
    m = demo_metered(db, dsn, fake)
    # Only the jobs under test fire; short leases and backoffs so a killed worker's run is
    # taken again within a second (test scaffolding, as the administrator login).
    db.execute("update core.jobs set enabled = false where name <> 'report_usage'")
    db.execute(
        "update core.jobs set lease_seconds = 1, backoff_seconds = 1, backoff_max_seconds = 2,"
        " max_attempts = 100 where name = 'send_usage_reports'"
    )
    return m


class Workers:
    def __init__(self, dsn: str, fake: FakeStripe) -> None:
        self.dsn = dsn
        self.fake = fake
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, *args: str) -> subprocess.Popen[str]:
        env = {
            **os.environ,
            "RATECARD_DATABASE_URL": self.dsn,
            "RATECARD_APP_DATABASE_URL": with_user(self.dsn, "ratecard_authenticator"),
            "STRIPE_SECRET_KEY": "sk_test_worker",
            "STRIPE_API_BASE": self.fake.url,
            "RATECARD_LOG_LEVEL": "warning",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "ratecard.cli", "worker", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()


@pytest.fixture
def workers(dsn: str, fake: FakeStripe) -> Iterator[Workers]:
    w = Workers(dsn, fake)
    yield w
    w.stop_all()


def wait_for(
    cond: Callable[[], bool], timeout: float, what: str, state: Callable[[], object] = str
) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}: {state()}")
        time.sleep(0.05)


def queue_state(db: psycopg.Connection) -> object:
    return (
        db.execute(
            "select status, flag_reason, count(*) from core.usage_reports group by 1, 2"
        ).fetchall(),
        db.execute(
            "select id, status, attempts, run_at - now(), lease_until - now(), error"
            " from core.job_runs where job = 'send_usage_reports' and status <> 'succeeded'"
        ).fetchall(),
        db.execute(
            "select count(*) from core.usage_events where billed and report_id is null"
        ).fetchone(),
    )


def settled(db: psycopg.Connection) -> bool:
    """Nothing left to claim or send, and no send run queued or running."""
    return db.execute(
        """select not exists (select from core.usage_events where billed and report_id is null)
              and not exists (select from core.usage_reports where status = 'pending')
              and not exists (select from core.job_runs where job = 'send_usage_reports'
                               and status in ('queued', 'running'))"""
    ).fetchone()[0]


def ceiling(m: Metered, tenant: object) -> int:
    """The most Stripe may hold while work is in flight: the ledger, not counting
    corrections that take units back and have not reached Stripe yet (until they do,
    Stripe still holds those units)."""
    return m.ledger_total(tenant) - int(
        m.db.execute(
            """select coalesce(sum(u.amount), 0) from core.usage_events u
                left join core.usage_reports r
                  on r.tenant_id = u.tenant_id and r.report_id = u.report_id
               where u.tenant_id = %s and u.billed and u.amount < 0
                 and r.status is distinct from 'sent'""",
            (tenant,),
        ).fetchone()[0]
    )


def test_sigkill_at_random_points_never_bills_twice(
    m: Metered, fake: FakeStripe, workers: Workers
) -> None:
    rng = random.Random(20260101)
    tenants = [m.tenant(f"Crash {i}") for i in range(3)]
    done = m.tenant("Done when Inc")  # consumes 6,000,000 tokens, a million a run
    for t in [*tenants, done]:
        m.subscribe(t, "pro")
    fake.latency = 0.03  # each meter event takes a while: kills land between send and mark
    keys = iter(range(1_000_000))
    kills = 0
    for run in range(14):
        if run < 6:
            m.record(done, "ai_tokens", 1_000_000, f"done{run}")
        for t in tenants:
            for _ in range(rng.randint(1, 3)):
                m.record(t, "ai_tokens", rng.randint(1, 2_000_000), f"k{next(keys)}")
        if rng.random() < 0.3:
            t = rng.choice(tenants)
            used = m.billed(t)["used"]
            if used:
                m.correct(t, "ai_tokens", -rng.randint(1, used), f"fix{next(keys)}")
        if rng.random() < 0.3:  # Stripe takes an event and the answer is lost
            fake.fault(status=500, apply=True, times=rng.randint(1, 3))
        m.db.execute("call api.run_job('report_usage')")  # claim and queue the sends
        victim = workers.start()
        time.sleep(rng.uniform(0.3, 1.6))
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        kills += 1
        for t in [*tenants, done]:  # never more in Stripe than in the ledger
            assert m.stripe_total(t) <= ceiling(m, t), "Stripe holds more than the ledger"
    fake.faults.clear()
    survivor = workers.start()
    m.db.execute("call api.run_job('report_usage')")
    wait_for(lambda: settled(m.db), 60, "every report sent", lambda: queue_state(m.db))
    survivor.kill()
    for t in [*tenants, done]:
        assert m.stripe_total(t) == m.ledger_total(t) == m.billed(t)["used"]
        assert [r["status"] for r in m.reconcile(t)] == ["ok"]
    # the done-when: 6,000,000 in Stripe after 14 kills, 1,000,000 overage, $5.00
    est = m.billed(done)
    assert (m.stripe_total(done), est["overage_units"], est["estimated_overage_cents"]) == (
        6_000_000,
        1_000_000,
        500,
    )
    sent = m.db.execute(
        "select count(distinct identifier) from core.usage_reports where event_value is not null"
    ).fetchone()[0]
    assert len({e.identifier for e in fake.events}) == len(fake.events) == sent
    assert kills == 14
    # the same identifier was sent more than once (lost answers, kills before the mark)
    sends = Counter(r.data["identifier"] for r in fake.find("POST", "/v1/billing/meter_events"))
    assert any(n > 1 for n in sends.values()), "nothing was ever sent twice: proved nothing"
    retried = m.db.execute(
        "select count(*) from core.job_runs where job = 'send_usage_reports' and attempts > 1"
    ).fetchone()[0]
    assert retried > 0, "no run was ever taken again after a kill: the test proved nothing"


def test_two_workers_at_once_never_report_twice(
    m: Metered, fake: FakeStripe, workers: Workers
) -> None:
    tenants = [m.tenant(f"Pair {i}") for i in range(8)]
    for t in tenants:
        m.subscribe(t, "pro")
    fake.latency = 0.01
    for round_ in range(4):
        for i, t in enumerate(tenants):
            m.record(t, "ai_tokens", 1000 + i, f"r{round_}-{i}")
        m.db.execute("call api.run_job('report_usage')")
    workers.start("--concurrency", "4")
    workers.start("--concurrency", "4")
    wait_for(lambda: settled(m.db), 60, "every report sent", lambda: queue_state(m.db))
    for t in tenants:
        assert m.stripe_total(t) == m.ledger_total(t)
    assert fake.overlaps == 0, "two requests for one customer and meter at the same time"
    assert len({e.identifier for e in fake.events}) == len(fake.events)


def test_two_senders_of_one_tenant_without_the_lock_still_count_once(
    m: Metered, fake: FakeStripe, connect
) -> None:
    """Below the job lock: two processes sending the same tenant's reports at once (an
    operator's run beside the scheduled one, say) send the same identifiers, and Stripe
    keeps one of each."""
    t = m.tenant("Both Inc")
    m.subscribe(t, "pro")
    for i in range(20):
        m.record(t, "ai_tokens", 10 + i, f"b{i}")
    errors: list[BaseException] = []

    def sender() -> None:
        other = Metered(connect(), fake)
        try:
            for _ in range(3):
                try:
                    other.send(t)
                except Exception as exc:  # a 429 lock_timeout from the overlap is retried
                    if "lock_timeout" not in str(getattr(exc, "code", "")):
                        raise
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    m.send(t)
    assert m.stripe_total(t) == m.ledger_total(t) == sum(10 + i for i in range(20))
    assert len({e.identifier for e in fake.events}) == len(fake.events)
