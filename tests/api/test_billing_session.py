"""POST /v1/tenants/{id}/billing-session and DELETE /v1/tenants/{id}/billing-sessions
(api/routes/service.py): a host application gets a short-lived, single-use link to its
tenant's billing page, and can end every link and session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error

ZERO = "00000000-0000-0000-0000-000000000000"


def test_a_link_for_the_tenant(client: TestClient, demo: Demo) -> None:
    r = client.post(f"/v1/tenants/{demo.acme}/billing-session", headers=demo.service)
    assert r.status_code == 200, r.text
    body = r.json()
    url = urlsplit(body["url"])
    assert (url.scheme, url.netloc, url.path) == ("http", "testserver.local", "/billing/enter")
    token = parse_qs(url.query)["token"][0]
    assert token.startswith(f"{demo.acme}.")
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
    r = client.post(f"/v1/tenants/{demo.acme}/billing-session",
                    json={"ttl_seconds": 60, "return_url": "https://app.example/"},
                    headers=demo.admin)  # fmt: skip
    assert r.status_code == 200, r.text


def test_the_public_url_setting_names_the_host(make_client, demo: Demo, settings) -> None:
    from dataclasses import replace

    from api.app import create_app

    app = create_app(replace(settings, public_url="https://billing.example.com"))
    with TestClient(app=app) as c:
        r = c.post(f"/v1/tenants/{demo.acme}/billing-session", headers=demo.service)
    assert r.json()["url"].startswith("https://billing.example.com/billing/enter?token=")


def test_errors(client: TestClient, demo: Demo) -> None:
    url = f"/v1/tenants/{demo.acme}/billing-session"
    assert_error(client.post(url, json={"ttl_seconds": 30}, headers=demo.service), 422,
                 "invalid_argument")  # fmt: skip
    assert_error(client.post(url, json={"return_url": "ftp://x"}, headers=demo.service), 422,
                 "invalid_argument")  # fmt: skip
    assert_error(client.post(url, json={"ttl": 60}, headers=demo.service), 422, "invalid_request")
    assert_error(client.post(f"/v1/tenants/{ZERO}/billing-session", headers=demo.service), 404,
                 "tenant_not_found")  # fmt: skip
    assert_error(client.post(url, headers=demo.tenant), 403, "forbidden")


def test_revoke_every_link(client: TestClient, demo: Demo) -> None:
    for _ in range(2):
        client.post(f"/v1/tenants/{demo.acme}/billing-session", headers=demo.service)
    r = client.delete(f"/v1/tenants/{demo.acme}/billing-sessions", headers=demo.service)
    assert (r.status_code, r.json()) == (200, {"tenant_id": str(demo.acme), "revoked": 2})
