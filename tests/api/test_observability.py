"""Request ids, metrics and log format (api/observability.py, ratecard/metrics.py,
GET /metrics)."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import time

import pytest
from litestar.testing import TestClient
from pythonjsonlogger.json import JsonFormatter

from api.app import _logging_config, create_app
from ratecard.config import Settings
from ratecard.logs import formatters
from tests.api.conftest import Demo


def test_every_answer_carries_a_request_id(client: TestClient, demo: Demo) -> None:
    for r in (
        client.get("/healthz"),
        client.get("/v1/nothing", headers=demo.service),  # 404 before any route
        client.post("/v1/check", json={}, headers=demo.service),  # 422
        client.get("/v1/features"),  # 401
    ):
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"]), r.headers
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


def test_a_given_request_id_is_kept(client: TestClient) -> None:
    r = client.get("/healthz", headers={"X-Request-Id": "req-42.abc"})
    assert r.headers["x-request-id"] == "req-42.abc"
    for bad in ("with space", "x" * 129, ""):
        r = client.get("/healthz", headers={"X-Request-Id": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])


def test_log_lines_carry_the_request_id(
    client: TestClient, demo: Demo, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        client.get("/v1/features", headers={**demo.service, "X-Request-Id": "trace-7"})
    mine = [r for r in caplog.records if getattr(r, "request_id", None) == "trace-7"]
    access = [r for r in mine if r.name == "ratecard.http"]
    # one access line per request, written with the answer: method, path, status, time
    assert len(access) == 1
    assert re.fullmatch(r"GET /v1/features 200 \d+\.\d ms", access[0].getMessage())
    assert (access[0].method, access[0].path, access[0].status) == ("GET", "/v1/features", 200)
    assert access[0].duration_ms >= 0
    with caplog.at_level(logging.INFO):
        client.get("/no/such/route", headers={"X-Request-Id": "trace-8"})
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name == "ratecard.http" and getattr(r, "request_id", None) == "trace-8"
    ]
    assert len(lines) == 1 and lines[0].startswith("GET /no/such/route 404 ")
    outside = logging.getLogger("ratecard.test").makeRecord(
        "ratecard.test", logging.INFO, __file__, 1, "x", (), None
    )
    assert outside.request_id == "-"


def sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_errors_and_the_pool(client: TestClient, demo: Demo) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "api_calls"}
    for _ in range(3):
        assert client.post("/v1/check", json=body, headers=demo.service).status_code == 200
    missing = {**body, "feature": "nope"}
    assert client.post("/v1/check", json=missing, headers=demo.service).status_code == 404
    client.get("/v1/no-such-route", headers=demo.service)
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    route = {"method": "POST", "route": "/v1/check"}
    assert sample(text, "ratecard_http_requests_total", **route, status="200") == 3
    assert sample(text, "ratecard_http_requests_total", **route, status="404") == 1
    assert sample(text, "ratecard_http_request_duration_seconds_count", **route) == 4
    assert sample(text, "ratecard_http_requests_total", route="unmatched", status="404") == 1
    assert sample(text, "ratecard_http_errors_total", code="feature_not_found", status="404") == 1
    assert sample(text, "ratecard_http_errors_total", code="not_found", status="404") == 1
    assert sample(text, "ratecard_db_pool_size", pool="api") >= 1
    assert sample(text, "ratecard_db_pool_requests_total", pool="api") >= 4
    assert "ratecard_db_pool_wait_seconds_total" in text


def test_two_apps_keep_their_own_metrics(client: TestClient, make_client, demo: Demo) -> None:
    other = make_client()
    client.get("/healthz")
    text = other.get("/metrics").text
    assert sample(text, "ratecard_http_requests_total", route="/healthz") == 0


def test_json_log_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_LOG_FORMAT", "json")
    settings = Settings.from_env()
    config = _logging_config(settings)
    assert {h.get("formatter") for h in config.handlers.values()} <= {"json", None}
    spec = formatters()["json"]
    formatter = JsonFormatter(fmt=spec["fmt"], rename_fields=spec["rename_fields"])
    record = logging.getLogger("ratecard.api").makeRecord(
        "ratecard.api", logging.WARNING, __file__, 1, "hello %s", ("world",), None
    )
    record.request_id = "r-1"
    line = json.loads(formatter.format(record))
    assert line["message"] == "hello world" and line["request_id"] == "r-1"
    assert (line["level"], line["logger"]) == ("WARNING", "ratecard.api") and "time" in line
    monkeypatch.setenv("RATECARD_LOG_FORMAT", "xml")
    with pytest.raises(Exception, match="RATECARD_LOG_FORMAT"):
        Settings.from_env()


def test_the_apps_last_log_lines_are_written_before_it_has_stopped(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines logged while the app runs are written by the time it has stopped, while the
    stream they go to is still open (a test's captured output is closed when the test ends:
    a line written later made the listener's thread fail)."""

    class Slow(io.StringIO):  # an output that takes a millisecond a line
        def write(self, text: str) -> int:
            time.sleep(0.001)
            return super().write(text)

    out = Slow()
    monkeypatch.setattr(sys, "stderr", out)
    with TestClient(app=create_app(settings)) as c:
        c.get("/healthz")
        for i in range(1000):
            logging.getLogger("ratecard.api").warning("line %d", i)
    text = out.getvalue()
    assert "GET /healthz 200" in text and "line 999" in text
