"""examples/fastapi_app, served by uvicorn beside the real API (also under uvicorn),
driven with httpx as a browser or an API consumer would."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from ratecard_client import AsyncRatecardClient
from rc_support import Ratecard

from examples.fastapi_app.app import create_app
from tests.serving import serve


@pytest.fixture
def example(ratecard: Ratecard) -> Iterator[httpx.Client]:
    app = create_app(AsyncRatecardClient(ratecard.url, ratecard.key))
    with (
        serve(app, ready_path="/healthz", name="example-app") as url,
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        yield http


def test_the_example_gates_its_routes_through_ratecard(
    example: httpx.Client, ratecard: Ratecard
) -> None:
    acme = {"x-tenant-id": str(ratecard.acme)}  # Starter
    initech = {"x-tenant-id": str(ratecard.initech)}  # Enterprise

    r = example.get("/api/projects", headers=acme)
    assert (r.status_code, r.headers["ratelimit-limit"], r.headers["ratelimit-remaining"]) == (
        200,
        "100",
        "99",
    )
    r = example.get("/api/sso/config", headers=acme)
    assert r.status_code == 403
    assert r.json()["code"] == "feature_not_in_plan"
    assert r.json()["message"] == "Feature not available in your plan"
    assert r.json()["upgrade_url"] == "https://app.example/billing?upgrade=sso"
    assert example.get("/api/sso/config", headers=initech).json()["status"] == "configured"

    # AI decisions: 100 a month on Starter; the 101st is refused with the numbers.
    ratecard.db.execute("select api.consume(%s, 'ai_decisions', 99)", (ratecard.acme,))
    r = example.post("/api/ai/decisions", headers=acme)
    assert r.json() == {"decision": "approve", "ai_decisions_left": 0}
    r = example.post("/api/ai/decisions", headers=acme)
    assert r.status_code == 403
    body = r.json()
    assert (body["code"], body["used"], body["limit"]) == ("quota_exceeded", 100, 100)
    assert body["resets_at"].endswith("T00:00:00Z")

    # Storage: checked before the upload; 5 MiB (+5 %) on Starter.
    r = example.post("/api/files", headers=acme, json={"name": "a.pdf", "size_bytes": 4_000_000})
    assert (r.status_code, r.json()["storage_used"]) == (201, 4_000_000)
    r = example.post("/api/files", headers=acme, json={"name": "b.pdf", "size_bytes": 2_000_000})
    assert (r.status_code, r.json()["code"]) == (403, "storage_limit_exceeded")
    assert example.delete("/api/files/a.pdf", headers=acme).json() == {"released_bytes": 4_000_000}

    # The billing page: ai_decisions is at 100 %, so the upgrade banner shows.
    usage = example.get("/api/usage", headers=acme).json()
    assert usage["upgrade_banner"] is True
    ai = next(u for u in usage["usage"] if u["feature"] == "ai_decisions")
    assert (ai["used"], ai["limit"], ai["state"]) == (100, 100, "blocked")

    # Every /api request above was counted once against Acme's hour and month.
    assert ratecard.meter(ratecard.acme, "api_calls_hourly") == 8
    assert ratecard.meter(ratecard.acme, "api_calls") == 8
    assert example.get("/healthz").status_code == 200  # ungated
    assert ratecard.meter(ratecard.acme, "api_calls_hourly") == 8


def test_the_example_answers_429_when_the_hour_is_used_up(
    example: httpx.Client, ratecard: Ratecard
) -> None:
    ratecard.db.execute("select api.consume(%s, 'api_calls_hourly', 100)", (ratecard.acme,))
    r = example.get("/api/projects", headers={"x-tenant-id": str(ratecard.acme)})
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    wait = int(r.headers["retry-after"])
    assert 0 <= wait <= 3600 and r.headers["ratelimit-reset"] == str(wait)
    assert r.headers["ratelimit-remaining"] == "0"
    # Refused by the rate limit: the monthly quota behind it was not counted.
    assert ratecard.meter(ratecard.acme, "api_calls") == 0
