"""The middleware pair: what QuotaMiddleware adds to a request's latency.

The same FastAPI app (bench/middleware_app.py) runs under uvicorn four times, as
subprocesses on free loopback ports: without the middleware (the baseline), with an hourly
rate limit (one consume through Ratecard's HTTP API per request), with a cached feature
check, and with the rate limit through an AsyncSqlClient (one consume straight to
PostgreSQL). Ratecard's API runs as `ratecard serve` on the bench cluster (web.py).
wrk loads each with the same headers (a random bench tenant per request) and reports its
latency distribution; the table shows p50 and p99 of each variant, what the middleware
adds to them (variant minus baseline, same run, same client count), and the throughput
ratio. Any non-2xx answer or socket error fails the run.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import web
from bench.server import BenchServer, run, tenant_id
from ratecard.config import with_user

PATH = "/api/items"
SAMPLE = 100  # tenants drawn from; Pro allows each 1,000 requests an hour
VARIANTS = ("plain", "rate_limit", "feature_cached", "rate_limit_sql")
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_PCT = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Latency:
    variant: str
    clients: int
    rps: float
    p50_ms: float
    p99_ms: float


@contextmanager
def host_app(server: BenchServer, variant: str, ratecard_url: str, key: str) -> Iterator[str]:
    port = web._free_port()
    env = {
        **os.environ,
        "BENCH_VARIANT": variant,
        "RATECARD_URL": ratecard_url,
        "RATECARD_API_KEY": key,
        "BENCH_DATABASE_URL": with_user(server.conninfo(), "ratecard_authenticator"),
    }
    log = (server.workdir / f"host-{variant}.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            *("-m", "uvicorn", "--factory", "bench.middleware_app:create"),
            *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parent.parent,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"host app ({variant}) exited; see {log.name}")
            try:
                status, _ = web._request(base + "/docs")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"host app ({variant}) did not start in 30 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _lua() -> str:
    # 100 tenants, so the cached variant's cache is warm after the warm-up, as it is in a
    # product whose active tenants keep coming back.
    ids = ",\n".join(f'"{tenant_id(n)}"' for n in range(1, SAMPLE + 1))
    return (
        f"local tenants = {{\n{ids}\n}}\n"
        "request = function()\n"
        '  wrk.headers["X-Tenant-ID"] = tenants[math.random(#tenants)]\n'
        f'  return wrk.format("GET", "{PATH}")\n'
        "end\n"
    )


def _wrk(url: str, script: Path, clients: int, seconds: int) -> tuple[float, float, float]:
    out = run(
        [
            "wrk",
            "--latency",
            *("-t", str(min(2, clients)), "-c", str(clients), "-d", f"{seconds}s"),
            *("-s", str(script), url + PATH),
        ]
    )
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk {url}: failed requests:\n{out}")
    rps = _RPS.search(out)
    pct = {m.group(1): float(m.group(2)) * _UNIT[m.group(3)] for m in _PCT.finditer(out)}
    if rps is None or set(pct) != {"50", "99"}:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    return float(rps.group(1)), pct["50"], pct["99"]


def measure(server: BenchServer, clients: list[int], seconds: int) -> list[Latency]:
    with server.connect() as conn:
        row = conn.execute("select api.create_api_key('service', 'bench-middleware')").fetchone()
    assert row is not None
    key: str = row[0]
    script = server.workdir / "middleware.lua"
    script.write_text(_lua())
    results: list[Latency] = []
    with web.api_server(server) as ratecard_url:
        for variant in VARIANTS:
            with host_app(server, variant, ratecard_url, key) as base:
                _wrk(base, script, 1, 1)  # warm up: connections, caches, prepared plans
                for c in clients:
                    server.checkpoint()
                    rps, p50, p99 = _wrk(base, script, c, seconds)
                    results.append(Latency(variant, c, rps, p50, p99))
    return results


def table(results: list[Latency]) -> str:
    base = {r.clients: r for r in results if r.variant == "plain"}
    lines = [
        "| variant | clients | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms "
        "| req/s ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(results, key=lambda r: (r.clients, VARIANTS.index(r.variant))):
        b = base[r.clients]
        lines.append(
            f"| {r.variant} | {r.clients} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} "
            f"| {r.p50_ms - b.p50_ms:+.2f} | {r.p99_ms - b.p99_ms:+.2f} "
            f"| {r.rps / b.rps:.2f} |"
        )
    return "\n".join(lines)
