"""End-to-end harness: a real localstripe server and the Ratecard HTTP app served for real.

localstripe (PyPI `localstripe`) is a stateful fake Stripe built on aiohttp. It runs in a
subprocess; the Ratecard app runs under uvicorn in a thread of the test process, on this
test's cloned database (the `dsn` fixture of tests/harness.py). Webhooks therefore travel
over HTTP, signed by localstripe, to POST /webhooks/stripe, and the app's own Stripe client
talks to localstripe through STRIPE_API_BASE (StripeSettings.api_base).

localstripe is started through the few lines of LAUNCHER rather than its `localstripe
--port N` command, because that command
  * binds every interface through an IPv6 socket (it fails where IPv6 is off),
  * needs a port chosen in advance (a race with any other process), and
  * writes every change to one fixed pickle file in /tmp that every instance shares (and
    reads back at start unless --from-scratch), so parallel runs, or a localstripe started
    by hand, would overwrite each other's state.
LAUNCHER serves localstripe's own aiohttp application on a loopback socket that this
process has already bound and keeps its state in memory only, so nothing is shared between
instances. Each test still resets the data (DELETE /_config/data) before using it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import stripe

from api.app import create_app
from ratecard.config import Settings
from ratecard.stripe_gateway import StripeSettings
from tests.serving import bound_loopback_socket, serve

T = TypeVar("T")

WEBHOOK_SECRET = "whsec_e2e_localstripe"
STRIPE_KEY = "sk_test_localstripe"
DEADLINE_SECONDS = 15.0

# argv[1]: the file descriptor of a bound, not yet listening, loopback TCP socket.
LAUNCHER = """
import logging, socket, sys
from aiohttp import web
from localstripe import resources, server
if not callable(getattr(resources.Store, "dump_to_disk", None)):
    sys.exit("localstripe.resources.Store.dump_to_disk is gone: update tests/e2e/conftest.py")
resources.Store.dump_to_disk = lambda self: None  # memory only: no shared /tmp pickle
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
web.run_app(server.app, sock=socket.socket(fileno=int(sys.argv[1])), print=None)
"""


def wait_until(
    what: str,
    check: Callable[[], T],
    timeout: float = DEADLINE_SECONDS,
    detail: Callable[[], str] = str,
) -> T:
    """Poll `check` until it returns something true; at the deadline, fail with `what`
    and whatever `detail()` says."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{detail()}")
        time.sleep(0.05)


@dataclass
class LocalStripe:
    url: str
    log: Path
    proc: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _config(self, method: str, path: str, data: dict[str, str] | None = None) -> None:
        r = httpx.request(method, self.url + path, data=data, timeout=5)
        assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"

    def reset(self) -> None:
        self._config("DELETE", "/_config/data")

    def register_webhook(self, hook_id: str, url: str, secret: str) -> None:
        """Every event localstripe creates from now on is POSTed to `url`, signed."""
        self._config("POST", f"/_config/webhooks/{hook_id}", {"url": url, "secret": secret})

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            STRIPE_KEY,
            base_addresses={"api": self.url},  # type: ignore[typeddict-item]
            max_network_retries=0,
        )

    def events(self) -> list[tuple[str, str]]:
        """(id, type) of every event localstripe has created since the last reset."""
        page = self.client().v1.events.list({"limit": 100})
        assert not page.has_more
        return [(e.id, e.type) for e in page.data]

    def wait_ready(self) -> None:
        def answers() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"localstripe exited:\n{self.log_tail()}")
            try:
                httpx.get(self.url + "/_config/ready", timeout=1)  # any answer will do
            except httpx.TransportError:
                return False
            return True

        wait_until(f"localstripe to answer at {self.url}", answers)


@pytest.fixture(scope="module")
def localstripe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    sock = bound_loopback_socket()
    try:
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, str(sock.fileno())],
                pass_fds=(sock.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        port = sock.getsockname()[1]
    finally:
        sock.close()  # the child has its own copy
    server = LocalStripe(url=f"http://127.0.0.1:{port}", log=log, proc=proc)
    try:
        server.wait_ready()
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def localstripe(localstripe_server: LocalStripe) -> LocalStripe:
    """The module's localstripe, its data reset for this test."""
    localstripe_server.reset()
    assert localstripe_server.events() == []
    return localstripe_server


@dataclass(frozen=True)
class Delivery:
    """One request to POST /webhooks/stripe and Ratecard's answer."""

    event_id: str | None
    status: int
    answer: dict[str, Any]


@dataclass
class RecordWebhooks:
    """ASGI wrapper around the app that records every webhook delivery and its answer."""

    app: Any
    _deliveries: list[Delivery] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/webhooks/stripe":
            await self.app(scope, receive, send)
            return
        body, answer, status = bytearray(), bytearray(), 0

        async def receive_and_keep() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                body.extend(message.get("body", b""))
            return message

        async def send_and_keep(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                answer.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receive_and_keep, send_and_keep)
        try:
            event_id = json.loads(body).get("id")
        except (ValueError, AttributeError):
            event_id = None
        delivery = Delivery(event_id, status, json.loads(answer or b"{}"))
        with self._lock:
            self._deliveries.append(delivery)


@dataclass
class RatecardServer:
    url: str
    recorder: RecordWebhooks

    @property
    def webhook_url(self) -> str:
        return self.url + "/webhooks/stripe"

    def deliveries(self) -> list[Delivery]:
        return self.recorder.deliveries()


@pytest.fixture
def ratecard(dsn: str, localstripe: LocalStripe) -> Iterator[RatecardServer]:
    """The Ratecard app on this test's database, served by uvicorn on a free loopback port,
    with its Stripe client pointed at localstripe and webhooks verified with WEBHOOK_SECRET."""
    stripe_settings = StripeSettings(
        secret_key=STRIPE_KEY, webhook_secret=WEBHOOK_SECRET, api_base=localstripe.url
    )
    recorder = RecordWebhooks(
        create_app(Settings(database_url=dsn), stripe_settings=stripe_settings)
    )
    with serve(recorder, ready_path="/readyz", name="ratecard-e2e") as url:
        yield RatecardServer(url=url, recorder=recorder)
