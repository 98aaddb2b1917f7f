"""A loopback HTTP/1.1 proxy in front of the real API that misbehaves on purpose.

Every request is parsed (h11), handed to `plan(seen)`, and then:
- "pass":  forwarded; the API's answer is relayed;
- "drop":  forwarded, the API's whole answer read (so the API has committed), then the
           client's connection is closed without a byte of answer: a lost response;
- "502":   forwarded and committed, then answered 502 instead;
- "429":   not forwarded; answered 429 with `Retry-After: <retry_after>`;
- "stall": not forwarded; no answer until the client gives up (a timeout).
`seen` lists every request the proxy received, in order, with the action taken.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import h11
import httpx

HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
    "host",
    "upgrade",
}


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    action: str = "pass"

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Proxy:
    upstream: str
    plan: Callable[[Seen, list[Seen]], str] = lambda s, seen: "pass"
    retry_after: str = "0"
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._http = httpx.Client(base_url=self.upstream, timeout=30)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        t = threading.Thread(target=self._accept, name="flaky-proxy", daemon=True)
        t.start()
        self._threads.append(t)

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        self._sock.close()
        self._http.close()

    def actions(self) -> list[str]:
        with self._lock:
            return [s.action for s in self.seen]

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(0.2)
        conn = h11.Connection(h11.SERVER)
        try:
            while not self._stop.is_set():
                request = self._read_request(sock, conn)
                if request is None:
                    return
                with self._lock:
                    request.action = self.plan(request, self.seen)
                    self.seen.append(request)
                if not self._answer(sock, conn, request):
                    return
                conn.start_next_cycle()
        finally:
            sock.close()

    def _read_request(self, sock: socket.socket, conn: h11.Connection) -> Seen | None:
        head: h11.Request | None = None
        body = bytearray()
        while not self._stop.is_set():
            event = conn.next_event()
            if event is h11.NEED_DATA:
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return None
                conn.receive_data(data)
                continue
            if isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage) and head is not None:
                headers = {k.decode().lower(): v.decode() for k, v in head.headers}
                return Seen(head.method.decode(), head.target.decode(), headers, bytes(body))
            elif isinstance(event, h11.ConnectionClosed):
                return None
        return None

    def _send(
        self, sock: socket.socket, conn: h11.Connection, status: int, headers: list, body: bytes
    ) -> None:
        headers = [*headers, ("content-length", str(len(body)))]
        data = conn.send(h11.Response(status_code=status, headers=headers))
        data += conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage())
        sock.sendall(data)

    def _answer(self, sock: socket.socket, conn: h11.Connection, r: Seen) -> bool:
        """Act on the request; False when the connection is finished."""
        if r.action == "stall":
            self._stop.wait(timeout=30)
            return False
        if r.action == "429":
            body = b'{"code":"rate_limited","message":"slow down"}'
            self._send(
                sock,
                conn,
                429,
                [("content-type", "application/json"), ("retry-after", self.retry_after)],
                body,
            )
            return True
        headers = {k: v for k, v in r.headers.items() if k not in HOP}
        resp = self._http.request(r.method, r.path, headers=headers, content=r.body)
        if r.action == "drop":
            sock.shutdown(socket.SHUT_RDWR)
            return False
        if r.action == "502":
            self._send(sock, conn, 502, [("content-type", "text/plain")], b"bad gateway")
            return True
        out = [(k, v) for k, v in resp.headers.items() if k.lower() not in HOP]
        self._send(sock, conn, resp.status_code, out, resp.content)
        return True


def first_attempt(action: str) -> Callable[[Seen, list[Seen]], str]:
    """A plan: `action` for the first request of each idempotency key (or body, for
    requests without one), "pass" for its retries."""

    def plan(s: Seen, seen: list[Seen]) -> str:
        ident = s.headers.get("idempotency-key") or s.body
        earlier = [x for x in seen if (x.headers.get("idempotency-key") or x.body) == ident]
        return action if not earlier else "pass"

    return plan
