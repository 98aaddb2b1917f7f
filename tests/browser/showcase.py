"""A year of believable data on top of the demo catalog, for ./dev screenshots: customers
arriving month by month on Pro and Enterprise, some growing, some leaving, weekly capacity
snapshots, and two tenants to show on the billing page:

- Acme Corp (the demo's free Starter tenant) at 86% of its AI decisions: the upgrade banner;
- Umbrella Labs, on Pro through Stripe (signed events through api.receive_stripe_event,
  as the webhook delivers them): 4 seats, an add-on, three paid invoices, 89% of its AI
  decisions.

Everything goes through the api.* functions, with the clock moved (internal.set_clock)
so that history has real dates. The random choices are seeded: the same data every run.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from tests.stripe_fixtures import event, invoice, subscription

NAMES = [
    "Northwind", "Contoso", "Fabrikam", "Tailspin", "Wingtip", "Litware", "Proseware",
    "Adatum", "Fourth Coffee", "Lucerne", "Margie's Travel", "Trey Research", "Woodgrove",
    "Alpine Ski", "Blue Yonder", "City Power", "Coho Vineyard", "Datum", "Graphic Design",
    "Humongous", "Lamna", "Nod Publishers", "Relecloud", "School of Fine Art", "Southridge",
    "VanArsdel", "Wide World", "Bellows College", "Best For You", "Consolidated Messenger",
    "Liberty's Delightful", "Munson's Pickles", "Northwind Traders", "Tasmanian Traders",
    "The Phone Company", "Trey Labs", "Woodgrove Bank", "Baldwin Museum", "Olympia",
    "Pinnacle", "Quantum", "Radius", "Stellar", "Summit", "Vertex", "Zenith", "Orbit",
    "Harbor", "Meridian", "Cobalt", "Juniper", "Maple", "Aurora", "Beacon", "Cascade",
]  # fmt: skip
# New customers per month, oldest first (12 months, this one last).
ARRIVALS = [2, 2, 3, 3, 4, 3, 4, 5, 4, 5, 6, 3]


def _admin(conn: psycopg.Connection, query: str, *params: Any) -> list[tuple]:
    with conn.transaction():
        conn.execute("set local role ratecard_admin")
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def _service(conn: psycopg.Connection, query: str, *params: Any) -> list[tuple]:
    with conn.transaction():
        conn.execute("set local role ratecard_service")
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def _clock(conn: psycopg.Connection, at: datetime | None) -> None:
    _admin(conn, "select internal.set_clock(%s)", at)


def _receive(conn: psycopg.Connection, ev: dict[str, Any]) -> None:
    _service(conn, "select * from api.receive_stripe_event(%s::jsonb)", Jsonb(ev))


def _tenant(conn: psycopg.Connection, name: str) -> UUID:
    return _admin(conn, "select tenant_id from core.tenants where name = %s", name)[0][0]


def build(conn: psycopg.Connection, now: datetime) -> dict[str, UUID]:
    """Load the showcase into a database that has the demo catalog. Returns the ids of the
    tenants the screenshots show."""
    rng = random.Random(7)
    _admin(conn, "select api.set_plan_prices('pro', 'price_pro_monthly', 'price_pro_annual',"
                 " 'prod_pro')")  # fmt: skip
    _admin(conn, "select api.set_plan_prices('enterprise', 'price_ent_monthly',"
                 " 'price_ent_annual', 'prod_ent')")  # fmt: skip
    _admin(conn, "select api.set_addon_prices('extra_emails', 'price_emails_m', 'price_emails_y')")
    _admin(conn, "select api.set_addon_prices('custom_domain', 'price_domain_m',"
                 " 'price_domain_y')")  # fmt: skip

    # A year of arrivals, growth and churn, in time order, with weekly capacity snapshots
    # over the last 90 days.
    this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    steps: list[tuple[datetime, str, Any]] = []
    names = iter(NAMES)
    for back, count in zip(range(11, -1, -1), ARRIVALS, strict=True):
        month = (this_month - timedelta(days=back * 30.44)).replace(day=1)
        for i in range(count):
            at = month + timedelta(days=1 + i * 5, hours=rng.randint(8, 18))
            if at >= now:
                break
            plan = "enterprise" if rng.random() < 0.15 else "pro"
            seats = rng.choice([1, 1, 2, 3, 5]) if plan == "pro" else 1
            steps.append((at, "arrive", (next(names), plan, seats)))
    for day in range(90, 0, -7):
        steps.append((now - timedelta(days=day, hours=-1), "snapshot", None))
    steps.sort(key=lambda s: s[0])

    customers: list[tuple[UUID, str, int]] = []
    for at, kind, arg in steps:
        _clock(conn, at)
        if kind == "snapshot":
            _admin(conn, "select * from api.capture_capacity_snapshot()")
            continue
        name, plan, seats = arg
        slug = name.lower().replace(" ", "").replace("'", "")
        t = _service(conn, "select api.create_tenant(%s, %s, %s)", name,
                     f"billing@{slug}.example", plan)[0][0]  # fmt: skip
        if seats > 1:
            _admin(conn, "select api.assign_plan(%s, %s, %s)", t, plan, seats)
        customers.append((t, plan, seats))
        # now and then an older customer grows or leaves
        if len(customers) > 4 and rng.random() < 0.45:
            old, old_plan, old_seats = customers[rng.randrange(len(customers) - 2)]
            _clock(conn, at + timedelta(hours=2))
            if rng.random() < 0.4:
                _admin(conn, "select api.assign_plan(%s, 'starter')", old)
            elif old_plan == "pro":
                _admin(conn, "select api.assign_plan(%s, 'pro', %s)", old, old_seats + 2)

    _clock(conn, now)
    _admin(conn, "select * from api.capture_capacity_snapshot()")

    # Acme Corp on Starter, close to its limits.
    acme = _tenant(conn, "Acme Corp")
    for feature, amount in [("ai_decisions", 86), ("api_calls", 720), ("members", 2)]:
        _service(conn, "select * from api.consume(%s, %s, %s)", acme, feature, amount)
    _service(conn, "select * from api.track_object(%s, 'uploads/brand-kit.zip', %s, 'upload')",
             acme, 3_250_000)  # fmt: skip

    # Umbrella Labs on Pro through Stripe.
    umbrella = _service(
        conn, "select api.create_tenant('Umbrella Labs', 'finance@umbrella.example')"
    )[0][0]
    start = now - timedelta(days=12)
    sub = subscription(
        "sub_1UmbrellaLabs",
        "cus_UmbrellaLabs",
        "price_pro_monthly",
        quantity=4,
        tenant_id=str(umbrella),
        period_start=int(start.timestamp()),
        period_end=int((start + timedelta(days=30)).timestamp()),
        unit_amount=4900,
        payment_method="pm_card_visa",
        extra_items=[("si_UmbrellaEmails", "price_emails_m", 1)],
    )
    _clock(conn, start)
    _receive(conn, event("evt_1UmbrellaSub", "customer.subscription.created",
                         int(start.timestamp()), sub))  # fmt: skip
    for n, back in enumerate((60, 30, 0), start=1):
        at = start - timedelta(days=back)
        inv = invoice(f"in_1Umbrella{n:04d}", "cus_UmbrellaLabs", "sub_1UmbrellaLabs",
                      amount_due=21_600, amount_paid=21_600)  # fmt: skip
        inv.update(created=int(at.timestamp()), period_start=int(at.timestamp()),
                   period_end=int((at + timedelta(days=30)).timestamp()))  # fmt: skip
        _receive(conn, event(f"evt_1UmbrellaInv{n}", "invoice.paid", int(at.timestamp()), inv))
    _clock(conn, now)
    for feature, amount in [("ai_decisions", 8_900), ("ai_tokens", 3_200_000), ("members", 8),
                            ("api_calls", 4_100), ("email_addresses", 6)]:  # fmt: skip
        _service(conn, "select * from api.consume(%s, %s, %s)", umbrella, feature, amount)
    _service(conn, "select * from api.track_object(%s, 'exports/q3.csv', %s, 'export')",
             umbrella, 42_000_000)  # fmt: skip
    _service(conn, "select * from api.track_object(%s, 'uploads/assets.tar', %s, 'upload')",
             umbrella, 18_500_000)  # fmt: skip

    # A Stripe event nobody could apply: the events page has something to show.
    orphan = subscription("sub_1Orphan", "cus_Unknown", "price_pro_monthly")
    _receive(conn, event("evt_1OrphanSubscription", "customer.subscription.created",
                         int(now.timestamp()) - 3600, orphan))  # fmt: skip
    _admin(conn, "select internal.set_clock(null)")
    return {"acme": acme, "umbrella": umbrella}
