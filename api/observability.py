"""What an operator sees of the API: a request id on every answer and log line, request
metrics, and logs as text or JSON.

- X-Request-Id: taken from the request when it carries a usable one (1 to 128 printable
  ASCII characters), otherwise a new random id; sent back on every answer, 404s and 500s
  included, and put in every log line written while the request runs (`request_id`).
- Metrics (ratecard/metrics.py, GET /metrics): ratecard_http_requests_total and
  ratecard_http_request_duration_seconds by method, route template and status;
  ratecard_http_errors_total by error code and status; the pool's size and waits.
- An access line per request, written when the answer is sent (logger `ratecard.http`,
  INFO): method, path, status and milliseconds, e.g. `POST /v1/check 200 1.4 ms`; the JSON
  format carries them as fields too (`method`, `path`, `status`, `duration_ms`). One line,
  not a line for the request and another for the answer: each line costs a hand-over to
  the log writer's thread, which was a fifth of a quota check's time in the API process
  (bench/RESULTS.md).
- Log format and the request id on log records: ratecard/logs.py.

ObservedApp measures at the outermost layer, around Litestar's own routing and error
handling, so unknown routes and errors are counted and answered with an id too.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from litestar import Litestar
from prometheus_client import CollectorRegistry, Counter, Histogram

from ratecard.logs import REQUEST_ID
from ratecard.metrics import LATENCY_BUCKETS

_HEADER = b"x-request-id"
ACCESS_LOG = logging.getLogger("ratecard.http")


def _usable(raw: bytes) -> bool:
    return 0 < len(raw) <= 128 and all(0x21 <= b <= 0x7E for b in raw)


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == _HEADER and _usable(value):
            return value.decode("ascii")
    return uuid.uuid4().hex


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "ratecard_http_requests_total",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "ratecard_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.check_batch = Histogram(
            "ratecard_http_check_batch_size",
            "Quota checks answered by one SQL statement (POST /v1/check; api/checks.py).",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 1000),
            registry=registry,
        )
        self.errors = Counter(
            "ratecard_http_errors_total",
            "Error answers by their JSON code and status.",
            ["code", "status"],
            registry=registry,
        )


Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ObservedApp(Litestar):
    """The Litestar app, with a request id and metrics around every HTTP request."""

    metrics: HttpMetrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        rid = request_id_of(scope.get("headers", ()))
        token = REQUEST_ID.set(rid)
        started = time.perf_counter()
        status = 500
        header = (_HEADER, rid.encode("ascii"))

        async def send_with_id(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await super().__call__(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("path_template") or "unmatched"
            method = scope.get("method", "")
            self.metrics.latency.labels(method, route).observe(elapsed)
            self.metrics.requests.labels(method, route, str(status)).inc()
            if ACCESS_LOG.isEnabledFor(logging.INFO):
                ms = round(elapsed * 1000, 1)
                path = scope.get("path", "")
                ACCESS_LOG.info(
                    "%s %s %d %.1f ms",
                    method,
                    path,
                    status,
                    ms,
                    extra={"method": method, "path": path, "status": status, "duration_ms": ms},
                )
            REQUEST_ID.reset(token)


def count_error(app: Any, code: str, status: int) -> None:
    """ratecard_http_errors_total, from the error handlers (api/errors.py)."""
    metrics = getattr(app, "metrics", None)
    if metrics is not None:
        metrics.errors.labels(code, str(status)).inc()
