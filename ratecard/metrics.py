"""Prometheus metrics for Ratecard's processes (prometheus-client), shared by the HTTP API
and the worker.

Each process (each app, in tests) keeps its metrics on its own registry from
`new_registry()`, so two apps in one process never clash, and serves it in the text
exposition format: the API at GET /metrics with `exposition(registry)`; a worker can call
`prometheus_client.start_http_server(port, registry=registry)`. Names start with
`ratecard_`; durations are seconds.

    registry = new_registry()
    jobs = Counter("ratecard_worker_jobs_total", "Jobs run.", ["job", "outcome"],
                   registry=registry)
    watch_pool(registry, "worker", pool.get_stats)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Request latencies: a check costs about a millisecond, a Stripe call up to seconds.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


def new_registry() -> CollectorRegistry:
    return CollectorRegistry(auto_describe=True)


def exposition(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The registry in Prometheus' text format, and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST


class PoolCollector(Collector):
    """A psycopg_pool's size and waits, read when scraped (`pool.get_stats`)."""

    def __init__(self, pool_name: str, get_stats: Callable[[], dict[str, int]]) -> None:
        self.pool_name = pool_name
        self.get_stats = get_stats

    def collect(self) -> Iterator[Metric]:
        stats = self.get_stats()
        gauges = (
            ("ratecard_db_pool_size", "Connections open in the pool.", "pool_size"),
            ("ratecard_db_pool_max", "Most connections the pool may open.", "pool_max"),
            ("ratecard_db_pool_available", "Idle connections in the pool.", "pool_available"),
            ("ratecard_db_pool_waiting", "Requests waiting for a connection now.",
             "requests_waiting"),
        )  # fmt: skip
        for name, text, key in gauges:
            g = GaugeMetricFamily(name, text, labels=["pool"])
            g.add_metric([self.pool_name], stats.get(key, 0))
            yield g
        counters = (
            ("ratecard_db_pool_requests", "Connections asked of the pool.", "requests_num", 1),
            ("ratecard_db_pool_waits", "Requests that had to wait for a connection.",
             "requests_queued", 1),
            ("ratecard_db_pool_wait_seconds", "Time spent waiting for a connection.",
             "requests_wait_ms", 1000),
            ("ratecard_db_pool_timeouts", "Requests that got no connection in time.",
             "requests_errors", 1),
            ("ratecard_db_pool_connection_errors", "Failed attempts to connect.",
             "connections_errors", 1),
        )  # fmt: skip
        for name, text, key, scale in counters:
            c = CounterMetricFamily(name, text, labels=["pool"])
            c.add_metric([self.pool_name], stats.get(key, 0) / scale)
            yield c


def watch_pool(
    registry: CollectorRegistry, pool_name: str, get_stats: Callable[[], dict[str, int]]
) -> None:
    """Export a connection pool's size and waits on `registry`."""
    registry.register(PoolCollector(pool_name, get_stats))
