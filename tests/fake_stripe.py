"""A local stand-in for Stripe's API: records every request and answers with bodies built
from Stripe's canonical fixtures, so tests can assert exactly what Ratecard sent (prices,
quantities, proration, metadata, idempotency keys) through the real `stripe` client."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.stripe_fixtures import fixture, subscription


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeStripe:
    requests: list[Recorded] = field(default_factory=list)
    # Responses to force, by "METHOD path": (status, body)
    forced: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def find(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(path, r.path)]

    def answer(self, method: str, path: str, params: dict[str, str]) -> tuple[int, dict]:
        if f"{method} {path}" in self.forced:
            return self.forced[f"{method} {path}"]
        if method == "POST" and path == "/v1/checkout/sessions":
            cs = fixture("checkout.session")
            cs.update(
                id="cs_test_1",
                mode="subscription",
                url="https://checkout.stripe.com/c/cs_test_1",
                client_reference_id=params.get("client_reference_id"),
            )
            return 200, cs
        if method == "POST" and path == "/v1/billing_portal/sessions":
            ps = fixture("billing_portal.session")
            ps.update(
                id="bps_1",
                customer=params.get("customer"),
                url="https://billing.stripe.com/p/session/bps_1",
            )
            return 200, ps
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
            return 200, sub
        if method == "GET" and path == "/v1/invoices":
            inv = fixture("invoice")
            inv.update(id="in_1", status="paid", customer=params.get("customer"))
            return 200, {"object": "list", "data": [inv], "has_more": False, "url": "/v1/invoices"}
        if method == "POST" and path == "/v1/invoices/create_preview":
            inv = fixture("invoice")
            inv.update(id="upcoming_in_1", customer=params.get("customer"), amount_due=14700)
            return 200, inv
        if method == "POST" and path == "/v1/subscription_items":
            item = fixture("subscription_item")
            item.update(
                id="si_new",
                subscription=params.get("subscription"),
                quantity=int(params.get("quantity", "1")),
            )
            return 200, item
        m = re.fullmatch(r"/v1/subscription_items/(si_\w+)", path)
        if m and method == "DELETE":
            return 200, {"id": m.group(1), "object": "subscription_item", "deleted": True}
        if m and method == "POST":
            item = fixture("subscription_item")
            item.update(id=m.group(1), quantity=int(params.get("quantity", "1")))
            return 200, item
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "message": f"Unrecognized request URL ({method}: {path})",
            }
        }

    def __enter__(self) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = dict(parse_qsl(query)) | dict(parse_qsl(body))
                fake.requests.append(Recorded(self.command, path, params, dict(self.headers)))
                status, payload = fake.answer(self.command, path, params)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Request-Id", f"req_fake_{len(fake.requests)}")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
