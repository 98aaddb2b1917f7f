"""Serve an ASGI app for real: uvicorn in a thread of the test process, on a loopback
socket bound before the server starts (port 0, so no port is ever guessed)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn


def bound_loopback_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", port))
    return sock


@contextmanager
def serve(
    app: Any,
    *,
    ready_path: str | None = None,
    name: str = "asgi-under-test",
    timeout: float = 15.0,
    port: int = 0,
) -> Iterator[str]:
    """Run `app` until the block ends; yield its base URL. With `ready_path`, wait until
    that path answers 200 (e.g. /readyz). `port` 0 (the default) takes a free one."""
    sock = bound_loopback_socket(port)
    server = uvicorn.Server(
        uvicorn.Config(app, interface="asgi3", lifespan="on", log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if not thread.is_alive():
                raise AssertionError(f"{name} stopped while starting")
            if server.started and (
                ready_path is None or httpx.get(url + ready_path, timeout=2).status_code == 200
            ):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} was not ready at {url} after {timeout:.0f} s")
            time.sleep(0.02)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), f"{name} did not stop"
