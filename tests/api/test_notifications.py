"""Notification routes (api/routes/notifications.py): webhook endpoints for tenants and
admins, the SSRF guard on their URLs, preferences, deliveries and resending."""

from __future__ import annotations

import psycopg
import pytest
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error, bearer, new_key

PUBLIC = "https://93.184.216.34/hooks/ratecard"  # a public address; never contacted here


def test_a_tenant_registers_lists_rotates_and_deletes_an_endpoint(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    r = client.post(
        "/v1/billing/webhook-endpoints",
        json={"url": PUBLIC, "event_types": ["threshold", "payment_failed"]},
        headers=demo.tenant,
    )
    assert r.status_code == 201, r.text
    ep = r.json()
    assert ep["secret"].startswith("whsec_") and len(ep["secret"]) == 50
    assert ep["tenant_id"] == str(demo.acme)
    assert ep["event_types"] == ["payment_failed", "threshold"]

    listed = client.get("/v1/billing/webhook-endpoints", headers=demo.tenant).json()
    assert [e["endpoint_id"] for e in listed] == [ep["endpoint_id"]]
    assert "secret" not in listed[0] and ep["secret"] not in str(listed)
    assert listed[0]["rotating_until"] is None

    r = client.post(
        f"/v1/billing/webhook-endpoints/{ep['endpoint_id']}/rotate-secret", headers=demo.tenant
    )
    assert r.status_code == 200, r.text
    assert r.json()["secret"] != ep["secret"]
    listed = client.get("/v1/billing/webhook-endpoints", headers=demo.tenant).json()
    assert listed[0]["rotating_until"] is not None
    secrets = db.execute(
        "select secret, previous_secret from core.webhook_endpoints where endpoint_id = %s",
        (ep["endpoint_id"],),
    ).fetchone()
    assert secrets == (r.json()["secret"], ep["secret"])

    # another tenant's key cannot see or touch it
    globex = bearer(new_key(db, "tenant", demo.globex))
    assert client.get("/v1/billing/webhook-endpoints", headers=globex).json() == []
    assert_error(
        client.delete(f"/v1/billing/webhook-endpoints/{ep['endpoint_id']}", headers=globex),
        404,
        "webhook_endpoint_not_found",
    )

    r = client.delete(f"/v1/billing/webhook-endpoints/{ep['endpoint_id']}", headers=demo.tenant)
    assert r.status_code == 200 and r.json() == {"endpoint_id": ep["endpoint_id"]}
    assert client.get("/v1/billing/webhook-endpoints", headers=demo.tenant).json() == []
    assert_error(
        client.delete(f"/v1/billing/webhook-endpoints/{ep['endpoint_id']}", headers=demo.tenant),
        404,
        "webhook_endpoint_not_found",
    )


REFUSED = [
    "https://127.0.0.1/hook",
    "https://10.1.2.3/hook",
    "https://172.16.0.5/hook",
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[fd00::1]/hook",
    "https://localhost/hook",  # a name that resolves to loopback
    "https://localhost.:8443/hook",
    "http://93.184.216.34/hook",  # not https
    "https://user:pw@93.184.216.34/hook",
    "ftp://93.184.216.34/hook",
]


def test_urls_outside_the_public_internet_are_refused(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    for url in REFUSED:
        r = client.post("/v1/billing/webhook-endpoints", json={"url": url}, headers=demo.tenant)
        body = assert_error(r, 422, "invalid_webhook_url")
        assert "refused" in body["message"], (url, body)
        r = client.post("/v1/admin/webhook-endpoints", json={"url": url}, headers=demo.admin)
        assert_error(r, 422, "invalid_webhook_url")
    assert db.execute("select count(*) from core.webhook_endpoints").fetchone() == (0,)


def test_development_mode_allows_http_to_loopback(
    client: TestClient, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATECARD_ENV", "development")
    r = client.post(
        "/v1/billing/webhook-endpoints",
        json={"url": "http://127.0.0.1:9999/hook"},
        headers=demo.tenant,
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/v1/billing/webhook-endpoints", json={"url": "http://10.0.0.1/hook"}, headers=demo.tenant
    )
    assert_error(r, 422, "invalid_webhook_url")  # http: loopback only, even in development


def test_bad_event_types_and_urls_are_422(client: TestClient, demo: Demo) -> None:
    r = client.post(
        "/v1/billing/webhook-endpoints",
        json={"url": PUBLIC, "event_types": ["thresholds"]},
        headers=demo.tenant,
    )
    assert_error(r, 422, "invalid_argument")
    r = client.post("/v1/billing/webhook-endpoints", json={"url": "nope"}, headers=demo.tenant)
    assert_error(r, 422, "invalid_webhook_url")


def test_admin_endpoints_for_a_tenant_and_platform_wide(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    r = client.post(
        "/v1/admin/webhook-endpoints",
        json={"url": PUBLIC, "tenant_id": str(demo.globex)},
        headers=demo.admin,
    )
    assert r.status_code == 201, r.text
    assert r.json()["tenant_id"] == str(demo.globex)
    r = client.post("/v1/admin/webhook-endpoints", json={"url": PUBLIC}, headers=demo.admin)
    assert r.status_code == 201, r.text
    platform = r.json()
    assert platform["tenant_id"] is None and platform["secret"].startswith("whsec_")

    everything = client.get("/v1/admin/webhook-endpoints", headers=demo.admin).json()
    assert len(everything) == 2
    only_platform = client.get(
        "/v1/admin/webhook-endpoints?platform=true", headers=demo.admin
    ).json()
    assert [e["endpoint_id"] for e in only_platform] == [platform["endpoint_id"]]
    by_tenant = client.get(
        f"/v1/admin/webhook-endpoints?tenant_id={demo.globex}", headers=demo.admin
    ).json()
    assert [e["tenant_id"] for e in by_tenant] == [str(demo.globex)]
    # a tenant never sees the platform's endpoints
    assert client.get("/v1/billing/webhook-endpoints", headers=demo.tenant).json() == []
    assert_error(
        client.delete(
            f"/v1/billing/webhook-endpoints/{platform['endpoint_id']}", headers=demo.tenant
        ),
        404,
        "webhook_endpoint_not_found",
    )

    r = client.post(
        f"/v1/admin/webhook-endpoints/{platform['endpoint_id']}/rotate-secret",
        headers=demo.admin,
    )
    assert r.status_code == 200 and r.json()["secret"] != platform["secret"]
    r = client.delete(f"/v1/admin/webhook-endpoints/{platform['endpoint_id']}", headers=demo.admin)
    assert r.status_code == 200
    assert len(client.get("/v1/admin/webhook-endpoints", headers=demo.admin).json()) == 1
    r = client.post(
        "/v1/admin/webhook-endpoints",
        json={"url": PUBLIC, "tenant_id": "00000000-0000-4000-8000-000000000000"},
        headers=demo.admin,
    )
    assert_error(r, 404, "tenant_not_found")
    assert client.get("/v1/admin/webhook-endpoints", headers=demo.tenant).status_code == 403


def test_preferences_and_deliveries(client: TestClient, demo: Demo) -> None:
    r = client.get("/v1/billing/notification-settings", headers=demo.tenant)
    assert r.status_code == 200
    assert r.json()["email_types"] is None and r.json()["extra_recipients"] == []
    billing_email = r.json()["billing_email"]
    r = client.put(
        "/v1/billing/notification-settings",
        json={"extra_recipients": ["CFO@acme.example"], "email_types": ["threshold"]},
        headers=demo.tenant,
    )
    assert r.status_code == 200, r.text
    assert r.json()["extra_recipients"] == ["cfo@acme.example"]
    assert r.json()["email_types"] == ["threshold"] and r.json()["webhook_types"] is None
    assert_error(
        client.put(
            "/v1/billing/notification-settings",
            json={"extra_recipients": ["not an address"]},
            headers=demo.tenant,
        ),
        422,
        "invalid_argument",
    )

    # 80% of the starter plan's 100 AI decisions: one email to each recipient
    r = client.post(
        "/v1/consume",
        json={"tenant_id": str(demo.acme), "feature": "ai_decisions", "amount": 80},
        headers=demo.service,
    )
    assert r.status_code == 200, r.text
    notes = client.get("/v1/billing/notifications", headers=demo.tenant).json()
    assert [(n["kind"], n["threshold"]) for n in notes] == [("threshold", 80)]
    mine = client.get("/v1/billing/notification-deliveries", headers=demo.tenant).json()
    assert sorted(d["target"] for d in mine) == sorted([billing_email, "cfo@acme.example"])
    assert {d["status"] for d in mine} == {"pending"}

    r = client.get("/v1/admin/notifications/deliveries?status=pending", headers=demo.admin)
    assert r.status_code == 200 and len(r.json()) == 2
    assert_error(
        client.get("/v1/admin/notifications/deliveries?status=lost", headers=demo.admin),
        422,
        "invalid_argument",
    )
    note = notes[0]["notification_id"]
    r = client.post(f"/v1/admin/notifications/{note}/resend", headers=demo.admin)
    assert r.status_code == 202 and r.json() == {"notification_id": note, "queued": 0}
    assert_error(
        client.post("/v1/admin/notifications/999999/resend", headers=demo.admin),
        404,
        "notification_not_found",
    )
    r = client.put(
        f"/v1/admin/tenants/{demo.acme}/notification-settings",
        json={"email_types": []},
        headers=demo.admin,
    )
    assert r.status_code == 200 and r.json()["email_types"] == []
