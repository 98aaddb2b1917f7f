"""A local stand-in for Stripe's API, driven by the real `stripe` client.

It records every request and answers with bodies built from Stripe's canonical fixtures, so
tests can assert exactly what Ratecard sent (prices, quantities, proration, metadata,
idempotency keys). Subscriptions, Checkout, the Billing Portal and invoices are canned
answers.

For metered billing it is stateful, as Stripe is, for exactly what that needs:
- customers, products (custom ids allowed), prices (immutable amounts, lookup keys with
  `transfer_lookup_key`, lists filtered by lookup key), Billing Meters (one active meter per
  event name);
- meter events: `identifier` unique over 24 hours (a repeat is HTTP 400 "An event already
  exists with identifier ..." with `stripe-should-retry: false`), `timestamp` within the
  past 35 days and at most 5 minutes ahead, whole-number values (negative ones too), the
  customer and an active meter required; sums per customer and meter;
- meter event adjustments (cancel by identifier, within 24 hours of the event);
- event summaries over minute-aligned ranges;
- idempotency keys on these requests (24 hours): the same key with the same parameters
  replays the first answer, with other parameters it is an idempotency_error;
- one request per customer and meter at a time: an overlapping one is answered 429
  `lock_timeout` and counted in `overlaps`;
- faults, switched on by tests: fail the Nth matching request with any status (429, 500,
  400), hang it (longer than the client waits), before or after it takes effect.

`clock` is the fake's notion of now (Unix seconds; the real time unless a test sets it).
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.stripe_fixtures import fixture, subscription

DAY = 86_400
Answer = tuple[int, dict[str, Any], dict[str, str]]


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)  # the parameters, nested


@dataclass
class Fault:
    """Make matching requests fail: skip `skip` of them, then fault `times` of them."""

    method: str
    path: str  # a regular expression over the path
    status: int | None = None  # answer with this status (429, 500, 400, ...)
    hang: float = 0.0  # wait this long before answering
    apply: bool = False  # let the request take effect first (the answer is what is lost)
    skip: int = 0
    times: int = 1
    seen: int = 0

    def matches(self, method: str, path: str) -> bool:
        return self.method == method and re.fullmatch(self.path, path) is not None


@dataclass
class MeterEvent:
    identifier: str
    event_name: str
    customer: str
    value: int
    timestamp: int
    received_at: float
    canceled: bool = False


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            node = child if isinstance(child, dict) else node.setdefault(f"{part}!", {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def _error(
    status: int, message: str, *, type_: str = "invalid_request_error", **more: Any
) -> Answer:
    headers = {"stripe-should-retry": "false"} if status == 400 else {}
    return status, {"error": {"type": type_, "message": message, **more}}, headers


def _missing(what: str, id_: str) -> Answer:
    return _error(404, f"No such {what}: '{id_}'", code="resource_missing", param="id")


@dataclass
class FakeStripe:
    requests: list[Recorded] = field(default_factory=list)
    # Responses to force, by "METHOD path": (status, body)
    forced: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None
    clock: Callable[[], float] = time.time
    faults: list[Fault] = field(default_factory=list)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)
    meters: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[MeterEvent] = field(default_factory=list)
    overlaps: int = 0
    # seconds each meter event request takes (to make overlapping requests visible)
    latency: float = 0.0
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: int = 0
    _idempotency: dict[str, tuple[float, str, Answer]] = field(default_factory=dict)
    _in_flight: set[tuple[str, str]] = field(default_factory=set)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def find(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(path, r.path)]

    # -- for tests ------------------------------------------------------------------------

    def fault(
        self,
        method: str = "POST",
        path: str = r"/v1/billing/meter_events",
        *,
        status: int | None = None,
        hang: float = 0.0,
        apply: bool = False,
        nth: int = 1,
        times: int = 1,
    ) -> Fault:
        """Fault the nth matching request from now on (and the next times - 1)."""
        f = Fault(method, path, status, hang, apply, skip=nth - 1, times=times)
        with self._lock:
            self.faults.append(f)
        return f

    def add_customer(self, email: str | None = None) -> str:
        with self._lock:
            cus = fixture("customer")
            cus.update(id=self._new_id("cus"), email=email, created=int(self.clock()))
            cus["discount"] = None
            self.customers[cus["id"]] = cus
            return str(cus["id"])

    def meter_total(
        self, customer: str, event_name: str, start: float | None = None, end: float | None = None
    ) -> int:
        """Stripe's sum of a customer's events on a meter (cancelled events excluded)."""
        with self._lock:
            return sum(
                e.value
                for e in self.events
                if e.customer == customer
                and e.event_name == event_name
                and not e.canceled
                and (start is None or e.timestamp >= start)
                and (end is None or e.timestamp < end)
            )

    def price_by_lookup_key(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            return next((p for p in self.prices.values() if p.get("lookup_key") == key), None)

    def charge(self, price_id: str, quantity: int) -> int:
        """What a metered price charges for a period's quantity, in cents: graduated tiers
        or a unit amount, rounded to a whole cent (half up); never below zero."""
        price = self.prices[price_id]
        quantity = max(quantity, 0)
        if price["billing_scheme"] == "tiered":
            total, below = Decimal(0), 0
            for tier in price["tiers"]:
                top = quantity if tier["up_to"] is None else min(quantity, int(tier["up_to"]))
                if top > below:
                    total += (top - below) * Decimal(tier["unit_amount_decimal"])
                    below = top
        else:
            total = quantity * Decimal(price["unit_amount_decimal"])
        return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    # -- answers --------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}_fake{self._ids:06d}"

    def answer(self, method: str, path: str, params: dict[str, str]) -> tuple[int, dict]:
        status, body, _ = self._canned(method, path, params)
        return status, body

    def _canned(self, method: str, path: str, params: dict[str, str]) -> Answer:
        if f"{method} {path}" in self.forced:
            status, body = self.forced[f"{method} {path}"]
            return status, body, {}
        if method == "POST" and path == "/v1/checkout/sessions":
            cs = fixture("checkout.session")
            cs.update(
                id="cs_test_1",
                mode="subscription",
                url="https://checkout.stripe.com/c/cs_test_1",
                client_reference_id=params.get("client_reference_id"),
            )
            return 200, cs, {}
        if method == "POST" and path == "/v1/billing_portal/sessions":
            ps = fixture("billing_portal.session")
            ps.update(
                id="bps_1",
                customer=params.get("customer"),
                url="https://billing.stripe.com/p/session/bps_1",
            )
            return 200, ps, {}
        m = re.fullmatch(r"/v1/subscriptions/(sub_\w+)", path)
        if m and method in ("POST", "DELETE"):
            price = params.get("items[0][price]", "price_pro_monthly")
            qty = int(params.get("items[0][quantity]", "1"))
            status = "canceled" if method == "DELETE" else "active"
            sub = subscription(
                m.group(1),
                "cus_1",
                price,
                quantity=qty,
                status=status,
                cancel_at_period_end=params.get("cancel_at_period_end") == "true",
            )
            return 200, sub, {}
        if method == "GET" and path == "/v1/invoices":
            inv = fixture("invoice")
            inv.update(id="in_1", status="paid", customer=params.get("customer"))
            return (
                200,
                {"object": "list", "data": [inv], "has_more": False, "url": "/v1/invoices"},
                {},
            )
        if method == "POST" and path == "/v1/invoices/create_preview":
            inv = fixture("invoice")
            inv.update(id="upcoming_in_1", customer=params.get("customer"), amount_due=14700)
            return 200, inv, {}
        if method == "POST" and path == "/v1/subscription_items":
            item = fixture("subscription_item")
            item.update(
                id="si_new",
                subscription=params.get("subscription"),
                quantity=int(params.get("quantity", "1")),
            )
            return 200, item, {}
        m = re.fullmatch(r"/v1/subscription_items/(si_\w+)", path)
        if m and method == "DELETE":
            return 200, {"id": m.group(1), "object": "subscription_item", "deleted": True}, {}
        if m and method == "POST":
            item = fixture("subscription_item")
            item.update(id=m.group(1), quantity=int(params.get("quantity", "1")))
            return 200, item, {}
        return _error(404, f"Unrecognized request URL ({method}: {path})")

    # The stateful part: what metered billing needs Stripe to remember.
    STATEFUL = re.compile(
        r"/v1/(customers|products|prices|billing/meters|billing/meter_events"
        r"|billing/meter_event_adjustments)(/.*)?"
    )

    def _stateful(self, method: str, path: str, data: dict[str, Any]) -> Answer:
        now = self.clock()
        parts = path.strip("/").split("/")[1:]
        if parts[0] == "billing":
            parts = [f"billing/{parts[1]}", *parts[2:]]
        kind, rest = parts[0], parts[1:]
        if kind == "customers":
            return self._customers(method, rest, data, now)
        if kind == "products":
            return self._products(method, rest, data, now)
        if kind == "prices":
            return self._prices(method, rest, data, now)
        if kind == "billing/meters":
            return self._meters(method, rest, data, now)
        if kind == "billing/meter_events" and method == "POST" and not rest:
            return self._meter_event(data, now)
        if kind == "billing/meter_event_adjustments" and method == "POST" and not rest:
            return self._adjustment(data, now)
        return _error(404, f"Unrecognized request URL ({method}: {path})")

    def _list(self, items: list[dict[str, Any]], url: str) -> Answer:
        return 200, {"object": "list", "data": items, "has_more": False, "url": url}, {}

    def _customers(self, method: str, rest: list[str], data: dict[str, Any], now: float) -> Answer:
        if method == "POST" and not rest:
            cus = fixture("customer")
            cus.update(
                id=self._new_id("cus"),
                email=data.get("email"),
                metadata=data.get("metadata", {}),
                created=int(now),
                discount=None,
            )
            self.customers[cus["id"]] = cus
            return 200, cus, {}
        if method == "GET" and len(rest) == 1:
            cus = self.customers.get(rest[0])
            return (200, cus, {}) if cus else _missing("customer", rest[0])
        return _error(404, "Unrecognized request URL")

    def _products(self, method: str, rest: list[str], data: dict[str, Any], now: float) -> Answer:
        if method == "POST" and not rest:
            pid = data.get("id") or self._new_id("prod")
            if pid in self.products:
                return _error(
                    400, f"Product already exists with id {pid}", code="resource_already_exists"
                )
            prod = fixture("product")
            prod.update(
                id=pid,
                name=data["name"],
                metadata=data.get("metadata", {}),
                created=int(now),
                updated=int(now),
                default_price=None,
                description=data.get("description"),
                package_dimensions=None,
                type="service",
            )
            self.products[pid] = prod
            return 200, prod, {}
        if len(rest) == 1:
            prod = self.products.get(rest[0])
            if prod is None:
                return _missing("product", rest[0])
            if method == "GET":
                return 200, prod, {}
            if method == "POST":
                for k in ("name", "active", "description"):
                    if k in data:
                        prod[k] = data[k] if k != "active" else data[k] == "true"
                if "metadata" in data:
                    prod["metadata"] = {**prod["metadata"], **data["metadata"]}
                prod["updated"] = int(now)
                return 200, prod, {}
        return _error(404, "Unrecognized request URL")

    def _prices(self, method: str, rest: list[str], data: dict[str, Any], now: float) -> Answer:
        if method == "GET" and not rest:
            keys = data.get("lookup_keys")
            keys = keys if isinstance(keys, list) else [keys] if keys else None
            found = [
                p
                for p in self.prices.values()
                if (keys is None or p.get("lookup_key") in keys)
                and ("active" not in data or p["active"] == (data["active"] == "true"))
                and ("product" not in data or p["product"] == data["product"])
            ]
            return self._list(found, "/v1/prices")
        if method == "POST" and not rest:
            if data.get("product") not in self.products:
                return _missing("product", str(data.get("product")))
            key = data.get("lookup_key")
            holder = self.price_by_lookup_key(key) if key else None
            if holder and data.get("transfer_lookup_key") != "true":
                return _error(
                    400,
                    f"A price (`{holder['id']}`) already uses that lookup key.",
                    code="lookup_key_exists",
                    param="lookup_key",
                )
            recurring = data.get("recurring") or {}
            meter = recurring.get("meter")
            if meter is not None and meter not in self.meters:
                return _missing("billing meter", meter)
            price = fixture("price")
            tiered = data.get("billing_scheme") == "tiered"
            price.update(
                id=self._new_id("price"),
                active=True,
                created=int(now),
                currency=data["currency"],
                product=data["product"],
                lookup_key=key,
                nickname=data.get("nickname"),
                metadata=data.get("metadata", {}),
                billing_scheme="tiered" if tiered else "per_unit",
                tiers_mode=data.get("tiers_mode"),
                transform_quantity=None,
                custom_unit_amount=None,
                unit_amount=(
                    int(data["unit_amount"]) if "unit_amount" in data and not tiered else None
                ),
                unit_amount_decimal=(
                    None
                    if tiered
                    else str(data.get("unit_amount_decimal") or data.get("unit_amount"))
                ),
                recurring={
                    "interval": recurring.get("interval", "month"),
                    "interval_count": 1,
                    "meter": meter,
                    "usage_type": recurring.get("usage_type", "licensed"),
                    "trial_period_days": None,
                },
            )
            if tiered:
                price["tiers"] = [
                    {
                        "up_to": None if t["up_to"] == "inf" else int(t["up_to"]),
                        "unit_amount_decimal": t.get("unit_amount_decimal", "0"),
                        "unit_amount": None,
                        "flat_amount": None,
                        "flat_amount_decimal": None,
                    }
                    for t in data.get("tiers", [])
                ]
            if holder:
                holder["lookup_key"] = None
            self.prices[price["id"]] = price
            return 200, price, {}
        if len(rest) == 1:
            price = self.prices.get(rest[0])
            if price is None:
                return _missing("price", rest[0])
            if method == "GET":
                return 200, price, {}
            if method == "POST":
                immutable = {"unit_amount", "unit_amount_decimal", "currency", "tiers", "recurring"}
                if immutable & data.keys():
                    return _error(400, "Prices are immutable: create a new price instead")
                if "lookup_key" in data:
                    holder = self.price_by_lookup_key(data["lookup_key"])
                    if holder and holder is not price:
                        if data.get("transfer_lookup_key") != "true":
                            return _error(400, "lookup key in use", code="lookup_key_exists")
                        holder["lookup_key"] = None
                    price["lookup_key"] = data["lookup_key"] or None
                if "active" in data:
                    price["active"] = data["active"] == "true"
                if "nickname" in data:
                    price["nickname"] = data["nickname"]
                if "metadata" in data:
                    price["metadata"] = {**price["metadata"], **data["metadata"]}
                return 200, price, {}
        return _error(404, "Unrecognized request URL")

    def _meters(self, method: str, rest: list[str], data: dict[str, Any], now: float) -> Answer:
        if method == "GET" and not rest:
            found = [m for m in self.meters.values() if data.get("status") in (None, m["status"])]
            return self._list(found, "/v1/billing/meters")
        if method == "POST" and not rest:
            name = data["event_name"]
            if any(
                m["event_name"] == name and m["status"] == "active" for m in self.meters.values()
            ):
                return _error(400, f"An active meter with event_name `{name}` already exists.")
            meter = fixture("billing.meter")
            meter.update(
                id=self._new_id("mtr"),
                created=int(now),
                updated=int(now),
                livemode=False,
                display_name=data["display_name"],
                event_name=name,
                default_aggregation=data.get("default_aggregation", {"formula": "sum"}),
                customer_mapping=data.get(
                    "customer_mapping", {"type": "by_id", "event_payload_key": "stripe_customer_id"}
                ),
                value_settings=data.get("value_settings", {"event_payload_key": "value"}),
            )
            self.meters[meter["id"]] = meter
            return 200, meter, {}
        if not rest:
            return _error(404, "Unrecognized request URL")
        meter = self.meters.get(rest[0])
        if meter is None:
            return _missing("billing meter", rest[0])
        if method == "GET" and len(rest) == 1:
            return 200, meter, {}
        if method == "POST" and len(rest) == 1:
            if "display_name" in data:
                meter["display_name"] = data["display_name"]
            meter["updated"] = int(now)
            return 200, meter, {}
        if method == "POST" and rest[1:] in (["deactivate"], ["reactivate"]):
            meter["status"] = "inactive" if rest[1] == "deactivate" else "active"
            return 200, meter, {}
        if method == "GET" and rest[1:] == ["event_summaries"]:
            start, end = int(data["start_time"]), int(data["end_time"])
            if start % 60 or end % 60:
                return _error(400, "start_time and end_time must be aligned with minute boundaries")
            total = self.meter_total(data["customer"], meter["event_name"], start, end)
            summary = fixture("billing.meter_event_summary")
            summary.update(
                id=f"mtrusg_{start}_{end}",
                aggregated_value=total,
                start_time=start,
                end_time=end,
                meter=meter["id"],
            )
            return self._list([summary], f"/v1/billing/meters/{meter['id']}/event_summaries")
        return _error(404, "Unrecognized request URL")

    def _meter_event(self, data: dict[str, Any], now: float) -> Answer:
        name = data.get("event_name", "")
        payload = data.get("payload") or {}
        meter = next(
            (
                m
                for m in self.meters.values()
                if m["event_name"] == name and m["status"] == "active"
            ),
            None,
        )
        if meter is None:
            return _error(400, f"No active meter was found for event_name `{name}`.")
        customer = payload.get("stripe_customer_id")
        if customer not in self.customers:
            return _error(400, f"No such customer: '{customer}'", code="resource_missing")
        if not re.fullmatch(r"-?\d+", str(payload.get("value", ""))):
            return _error(400, "The value must be a whole number.", param="payload[value]")
        timestamp = int(data.get("timestamp") or now)
        if timestamp < now - 35 * DAY or timestamp > now + 300:
            return _error(
                400,
                "The timestamp must be within the past 35 calendar days"
                " or up to 5 minutes in the future.",
                param="timestamp",
            )
        identifier = data.get("identifier") or self._new_id("mev")
        if any(e.identifier == identifier and e.received_at > now - DAY for e in self.events):
            return _error(
                400,
                f"An event already exists with identifier {identifier}.",
                param="identifier",
            )
        self.events.append(
            MeterEvent(identifier, name, customer, int(payload["value"]), timestamp, now)
        )
        event = fixture("billing.meter_event")
        event.update(
            created=int(now),
            event_name=name,
            identifier=identifier,
            payload={"stripe_customer_id": customer, "value": str(payload["value"])},
            timestamp=timestamp,
        )
        return 200, event, {}

    def _adjustment(self, data: dict[str, Any], now: float) -> Answer:
        identifier = (data.get("cancel") or {}).get("identifier")
        if data.get("type") != "cancel" or not identifier:
            return _error(400, "Only cancel adjustments with cancel[identifier] are supported")
        event = next(
            (
                e
                for e in self.events
                if e.identifier == identifier and e.event_name == data.get("event_name")
            ),
            None,
        )
        if event is None or event.canceled:
            return _error(400, f"No meter event found with identifier {identifier}.")
        if event.received_at <= now - DAY:
            return _error(
                400, "Meter events can only be cancelled within 24 hours of Stripe receiving them."
            )
        event.canceled = True
        adj = fixture("billing.meter_event_adjustment")
        adj.update(event_name=event.event_name, cancel={"identifier": identifier}, status="pending")
        return 200, adj, {}

    # -- the request path ------------------------------------------------------------------

    def _fault_for(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.matches(method, path) and f.times > 0:
                    f.seen += 1
                    if f.seen > f.skip:
                        f.times -= 1
                        return f
        return None

    def _process(
        self, method: str, path: str, data: dict[str, Any], headers: dict[str, str]
    ) -> Answer:
        """A stateful request under Stripe's rules for idempotency keys and concurrency."""
        key = headers.get("Idempotency-Key") if method == "POST" else None
        fingerprint = json.dumps([method, path, data], sort_keys=True)
        lane = None
        if path == "/v1/billing/meter_events":
            lane = (
                str((data.get("payload") or {}).get("stripe_customer_id")),
                str(data.get("event_name")),
            )
        with self._lock:
            now = self.clock()
            if key and key in self._idempotency:
                at, seen, answer = self._idempotency[key]
                if at > now - DAY:
                    if seen != fingerprint:
                        return _error(
                            400,
                            "Keys for idempotent requests can only be used with the same"
                            " parameters they were first used with.",
                            type_="idempotency_error",
                        )
                    status, body, extra = answer
                    return status, copy.deepcopy(body), {**extra, "Idempotent-Replayed": "true"}
            if lane is not None:
                if lane in self._in_flight:
                    self.overlaps += 1
                    return _error(
                        429,
                        "This object cannot be accessed right now because another API request"
                        " or Stripe process is currently accessing it.",
                        code="lock_timeout",
                    )
                self._in_flight.add(lane)
        try:
            if lane is not None and self.latency:
                time.sleep(self.latency)
            with self._lock:
                answer = self._stateful(method, path, data)
                if key:
                    self._idempotency[key] = (self.clock(), fingerprint, copy.deepcopy(answer))
                return answer
        finally:
            if lane is not None:
                with self._lock:
                    self._in_flight.discard(lane)

    def __enter__(self) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                pairs = parse_qsl(query) + parse_qsl(body)
                params = dict(pairs)
                data = unflatten(pairs)
                headers = dict(self.headers)
                with fake._lock:
                    fake.requests.append(Recorded(self.command, path, params, headers, data))
                    number = len(fake.requests)
                fault = fake._fault_for(self.command, path)
                stateful = fake.STATEFUL.fullmatch(path) is not None
                if fault is not None and fault.hang and not fault.apply:
                    time.sleep(fault.hang)
                if fault is not None and fault.status and not fault.apply:
                    answer: Answer = _error(
                        fault.status,
                        "fault injected by the test",
                        type_="api_error" if fault.status >= 500 else "invalid_request_error",
                        **({"code": "rate_limit"} if fault.status == 429 else {}),
                    )
                elif stateful:
                    answer = fake._process(self.command, path, data, headers)
                else:
                    answer = fake._canned(self.command, path, params)
                if fault is not None and fault.apply:
                    if fault.hang:
                        time.sleep(fault.hang)
                    if fault.status:
                        answer = _error(
                            fault.status, "fault injected by the test", type_="api_error"
                        )
                status, payload, extra = answer
                out = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Request-Id", f"req_fake_{number}")
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a hang)

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
