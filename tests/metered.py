"""Shared scaffolding for the metered billing tests: the demo catalog synced into the
stateful fake Stripe, tenants subscribed through Stripe events (their customer exists in the
fake, their subscription carries the plan's metered items), and the calls the worker and
the CLI make, through ratecard.sqlcall as they do."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import stripe
from psycopg.types.json import Jsonb

from jobs import metering
from ratecard import stripe_gateway as gw
from ratecard.seed import seed_demo
from ratecard.sqlcall import call
from ratecard.stripe_catalog import sync_catalog
from tests.fake_stripe import FakeStripe
from tests.stripe_fixtures import event, subscription

_events = itertools.count(1)


def settings_for(fake: FakeStripe) -> gw.StripeSettings:
    return gw.StripeSettings(secret_key="sk_test_metered", api_base=fake.url)


@dataclass
class Metered:
    """The demo catalog in the fake Stripe, and helpers around one test database."""

    db: psycopg.Connection  # autocommit superuser connection
    fake: FakeStripe
    client: stripe.StripeClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = gw.make_client(settings_for(self.fake), timeout=5)

    # -- catalog and tenants -----------------------------------------------------------------

    def sync(self, dry_run: bool = False) -> list[Any]:
        return sync_catalog(self.db, self.client, dry_run=dry_run)

    def price(self, plan: str, feature: str | None = None, interval: str = "month") -> str:
        key = (
            f"ratecard:metered:{plan}:{feature}:{interval}"
            if feature
            else f"ratecard:plan:{plan}:{interval}"
        )
        p = self.fake.price_by_lookup_key(key)
        assert p is not None, key
        return str(p["id"])

    def tenant(self, name: str) -> UUID:
        return self.db.execute("select api.create_tenant(%s, null)", (name,)).fetchone()[0]

    def now(self) -> int:
        return int(self.db.execute("select extract(epoch from internal.now())").fetchone()[0])

    def subscribe(
        self,
        tenant: UUID,
        plan: str,
        *,
        customer: str | None = None,
        period_start: int | None = None,
        period_end: int | None = None,
        at: int | None = None,
        interval: str = "month",
        seats: int = 1,
        metered: bool = True,
        prices: dict[str, str] | None = None,
    ) -> str:
        """Deliver a subscription snapshot for `tenant` on `plan`, with the plan's metered
        prices as items (as Checkout makes it), for a customer that exists in the fake.
        `prices` names other price ids (key "plan" or a feature) than the plan's current
        ones (a subscription made before a price changed). Returns the customer id."""
        prices = prices or {}
        customer = customer or self.fake.add_customer(f"{tenant}@example.test")
        now = at or self.now()
        start = period_start if period_start is not None else now - 3600
        end = period_end if period_end is not None else start + 30 * 86_400
        extra = []
        if metered:
            for (feature,) in self.db.execute(
                "select feature from internal.plan_metered_prices(%s, %s)", (plan, interval)
            ).fetchall():
                price = prices.get(feature) or self.price(plan, feature, interval)
                extra.append((f"si_m_{feature}_{str(tenant)[:8]}", price, 1))
        sub = subscription(
            f"sub_{str(tenant).replace('-', '')[:20]}",
            customer,
            prices.get("plan") or self.price(plan, interval=interval),
            quantity=seats,
            period_start=start,
            period_end=end,
            tenant_id=str(tenant),
            interval=interval,
            extra_items=extra,
        )
        for item in sub["items"]["data"][1:]:
            item["price"]["recurring"]["usage_type"] = "metered"
            item["price"]["recurring"]["meter"] = self.fake.prices[item["price"]["id"]][
                "recurring"
            ]["meter"]
            item.pop("quantity", None)
        ev = event(
            f"evt_sub_{next(_events)}_{int(time.time() * 1000)}",
            "customer.subscription.updated",
            now,
            sub,
        )
        out = call(
            self.db,
            "select * from api.receive_stripe_event(%s::jsonb)",
            (Jsonb(ev),),
            role="ratecard_service",
        )
        assert out[0]["status"] == "applied", out
        return customer

    # -- usage and reports ----------------------------------------------------------------------

    def record(
        self, tenant: UUID, feature: str, amount: int, key: str, at: datetime | None = None
    ) -> None:
        call(
            self.db,
            "select api.record_usage(%s::uuid, %s::text, %s::bigint, %s::text, %s::timestamptz)",
            (tenant, feature, amount, key, at),
            role="ratecard_service",
        )

    def correct(
        self, tenant: UUID, feature: str, amount: int, key: str, reason: str = "test"
    ) -> dict:
        return call(
            self.db,
            "select * from api.correct_usage(%s::uuid, %s::text, %s::bigint, %s::text, %s::text)",
            (tenant, feature, amount, reason, key),
            role="ratecard_admin",
        )[0]

    def send(self, tenant: UUID, **kw: Any) -> dict[str, int]:
        return metering.send_usage_reports(
            self.db, self.client, str(tenant), sleep=lambda s: None, **kw
        )

    def reconcile(self, tenant: UUID | None = None, **kw: Any) -> list[dict[str, Any]]:
        return metering.reconcile_usage(self.db, self.client, str(tenant) if tenant else None, **kw)

    def customer(self, tenant: UUID) -> str:
        return self.db.execute(
            "select stripe_customer_id from core.tenants where tenant_id = %s", (tenant,)
        ).fetchone()[0]

    def stripe_total(self, tenant: UUID, feature: str = "ai_tokens") -> int:
        return self.fake.meter_total(self.customer(tenant), f"ratecard_{feature}")

    def ledger_total(self, tenant: UUID, feature: str = "ai_tokens") -> int:
        return int(
            self.db.execute(
                "select coalesce(sum(amount), 0) from core.usage_events"
                " where tenant_id = %s and feature = %s and billed",
                (tenant, feature),
            ).fetchone()[0]
        )

    def billed(self, tenant: UUID, feature: str = "ai_tokens") -> dict[str, Any]:
        rows = call(
            self.db,
            "select * from api.billed_usage where feature = %s::text",
            (feature,),
            role="ratecard_tenant",
            tenant_id=str(tenant),
        )
        assert len(rows) == 1, rows
        return rows[0]

    def reports(self, tenant: UUID) -> list[dict[str, Any]]:
        return call(
            self.db,
            "select * from api.usage_reports where tenant_id = %s::uuid order by report_id",
            (tenant,),
            role="ratecard_admin",
        )


def demo_metered(db: psycopg.Connection, dsn: str, fake: FakeStripe) -> Metered:
    """The demo catalog loaded and synced into the fake Stripe."""
    seed_demo(dsn)
    m = Metered(db, fake)
    m.sync()
    return m


def at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)
