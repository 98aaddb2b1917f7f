"""Real receivers for notification tests, on loopback and free ports: an SMTP server
(aiosmtpd) that keeps every message it accepts, and an HTTP server that keeps every
webhook request and answers what the test tells it to."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


class SmtpSink:
    """aiosmtpd on 127.0.0.1, port 0. `on_data` runs before the 250 answer (a test may
    kill the sender there); `reply` may replace the answer (e.g. '451 try later')."""

    def __init__(self) -> None:
        self.messages: list[Mail] = []
        self.on_data: Callable[[Mail], None] | None = None
        self.reply: str | None = None
        self._lock = threading.Lock()
        # aiosmtpd checks its server by connecting to the port it was given, so not 0
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        mail = Mail(envelope.mail_from, list(envelope.rcpt_tos), msg)  # type: ignore[arg-type]
        with self._lock:
            self.messages.append(mail)
        if self.on_data is not None:
            self.on_data(mail)
        return self.reply or "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@dataclass
class Hook:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)


class WebhookReceiver:
    """ThreadingHTTPServer on 127.0.0.1, port 0, keeping every POST. `answer(hook)`
    returns (status, headers) for each; by default 200. `on_request` runs before the
    answer (a test may kill the sender there)."""

    def __init__(self) -> None:
        self.hooks: list[Hook] = []
        self.answer: Callable[[Hook], tuple[int, dict[str, str]]] = lambda h: (200, {})
        self.on_request: Callable[[Hook], None] | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                hook = Hook(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                receiver.hooks.append(hook)
                if receiver.on_request is not None:
                    receiver.on_request(hook)
                status, headers = receiver.answer(hook)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"
