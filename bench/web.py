"""HTTP: POST /v1/check vs GET /healthz, in the same app and server, loaded by wrk.

`ratecard serve` runs as a subprocess against the bench cluster (it logs in as
ratecard_authenticator, as in production), once under each ASGI server it supports
(uvicorn, granian): the pair is named after the server. Both sides send the same
service-key Authorization header; /v1/check asks about a random bench tenant's
ai_decisions. wrk's latency distribution gives p50 and p99 of both routes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.results import Result
from bench.server import TENANTS, BenchServer, run, tenant_id

TARGET = 0.5
CHECK_PATH = "/v1/check"
TRIVIAL_PATH = "/healthz"
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: (.*)")
_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
SERVERS = ("uvicorn", "granian")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


class Skip(Exception):
    """The pair cannot run yet (for example, the route does not exist)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(
    url: str, body: dict[str, object] | None = None, key: str | None = None
) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@dataclass(frozen=True)
class Latency:
    asgi: str
    clients: int
    route: str
    rps: float
    p50_ms: float
    p99_ms: float


@contextmanager
def api_server(server: BenchServer, asgi: str = "uvicorn") -> Iterator[str]:
    """Run `ratecard serve --server asgi` on a free loopback port; yield its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "RATECARD_DATABASE_URL": server.conninfo(),
        "RATECARD_HTTP_HOST": "127.0.0.1",
    }
    logfile = (server.workdir / "api.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ratecard.cli", "serve", "--port", str(port), "--server", asgi],
        env=env,
        stdout=logfile,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"ratecard serve exited; see {logfile.name}")
            try:
                if _request(base + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("ratecard serve did not become ready in 30 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        logfile.close()


def _lua(key: str, check: bool) -> str:
    """A wrk script: the same headers for both sides; /v1/check picks a random tenant."""
    head = (
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    if not check:
        return head + 'wrk.method = "GET"\n'
    ids = ",\n".join(f'"{tenant_id(n)}"' for n in range(1, TENANTS + 1))
    return (
        head
        + 'wrk.method = "POST"\n'
        + f"local tenants = {{\n{ids}\n}}\n"
        + "request = function()\n"
        + "  local t = tenants[math.random(#tenants)]\n"
        + f'  return wrk.format(nil, "{CHECK_PATH}", nil,\n'
        + """    '{"tenant_id": "' .. t .. '", "feature": "ai_decisions", "amount": 1}')\n"""
        + "end\n"
    )


def _wrk(url: str, script: Path, clients: int, seconds: int) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms)."""
    out = run(
        [
            "wrk",
            "--latency",
            *("-t", str(min(2, clients)), "-c", str(clients), "-d", f"{seconds}s"),
            *("-s", str(script), url),
        ]
    )
    rps = _RPS.search(out)
    if rps is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    bad = _NON_2XX.search(out)
    errors = _SOCKET_ERRORS.search(out)
    if bad or errors:
        raise RuntimeError(f"wrk {url}: failed requests:\n{out}")
    pct = {p: float(v) * _UNIT_MS[u] for p, v, u in _PERCENTILE.findall(out)}
    return float(rps.group(1)), pct.get("50", float("nan")), pct.get("99", float("nan"))


def measure(
    server: BenchServer, clients: list[int], seconds: int, latencies: list[Latency] | None = None
) -> list[Result]:
    if shutil.which("wrk") is None:
        raise Skip("wrk is not installed (./dev bench installs it)")
    with server.connect() as conn:
        row = conn.execute("select api.create_api_key('service', 'bench')").fetchone()
    assert row is not None
    key: str = row[0]
    check_lua, trivial_lua = server.workdir / "check.lua", server.workdir / "trivial.lua"
    check_lua.write_text(_lua(key, check=True))
    trivial_lua.write_text(_lua(key, check=False))
    results = []
    for asgi in SERVERS:
        with api_server(server, asgi) as base:
            status, body = _request(
                base + CHECK_PATH,
                {"tenant_id": tenant_id(1), "feature": "ai_decisions", "amount": 1},
                key,
            )
            if status != 200:
                raise RuntimeError(f"POST {CHECK_PATH} answered {status}: {body}")
            if _request(base + TRIVIAL_PATH)[0] != 200:
                raise RuntimeError(f"GET {TRIVIAL_PATH} is not 200")
            for c in clients:
                server.checkpoint()
                base_rps, b50, b99 = _wrk(base + TRIVIAL_PATH, trivial_lua, c, seconds)
                server.checkpoint()
                rps, p50, p99 = _wrk(base + CHECK_PATH, check_lua, c, seconds)
                results.append(Result(f"http_check[{asgi}]", c, "req/s", rps, base_rps, TARGET))
                if latencies is not None:
                    latencies.append(Latency(asgi, c, TRIVIAL_PATH, base_rps, b50, b99))
                    latencies.append(Latency(asgi, c, CHECK_PATH, rps, p50, p99))
    return results


def latency_table(latencies: list[Latency]) -> str:
    lines = [
        "| server | clients | route | req/s | p50 ms | p99 ms |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for x in latencies:
        lines.append(
            f"| {x.asgi} | {x.clients} | {x.route} | {x.rps:,.0f} | {x.p50_ms:.2f} |"
            f" {x.p99_ms:.2f} |"
        )
    return "\n".join(lines)
