"""The worker's metrics, in the Prometheus text format on a port of its own
(`ratecard worker --metrics-port 9464`, or RATECARD_WORKER_METRICS_PORT; prometheus-client).

* ratecard_job_runs_total{job, outcome}: attempts this worker finished, by outcome
  (succeeded, retry, dead, failed, lost);
* ratecard_job_duration_seconds{job}: how long they took (histogram);
* ratecard_jobs_running: runs this worker is running now;
* ratecard_job_queue_depth{job, state}: runs in the whole queue, by state: queued (due),
  waiting (not yet due: backoff or a later run_at), running, dead (api.job_stats, refreshed
  every few seconds);
* ratecard_job_oldest_queued_seconds{job}: age of the oldest due queued run (0 when none).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

log = logging.getLogger("ratecard.worker")

BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "ratecard_job_runs",
            "Job attempts finished by this worker, by job and outcome.",
            ["job", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "ratecard_job_duration_seconds",
            "Duration of job attempts run by this worker.",
            ["job"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.running = Gauge(
            "ratecard_jobs_running", "Runs this worker is running now.", registry=self.registry
        )
        self.depth = Gauge(
            "ratecard_job_queue_depth",
            "Runs in the queue by job and state (queued: due; waiting: not yet due).",
            ["job", "state"],
            registry=self.registry,
        )
        self.oldest = Gauge(
            "ratecard_job_oldest_queued_seconds",
            "Age of the oldest due queued run of each job (0 when none).",
            ["job"],
            registry=self.registry,
        )
        self._lock = threading.Lock()
        self._active = 0

    def started(self) -> None:
        with self._lock:
            self._active += 1
            self.running.set(self._active)

    def observe(self, job: str, outcome: str, seconds: float) -> None:
        self.runs.labels(job, outcome).inc()
        self.duration.labels(job).observe(seconds)
        with self._lock:
            self._active = max(0, self._active - 1)
            self.running.set(self._active)

    def queue(self, rows: Iterable[dict[str, Any]]) -> None:
        for r in rows:
            for state in ("queued", "waiting", "running", "dead"):
                self.depth.labels(r["job"], state).set(r[state])
            self.oldest.labels(r["job"]).set(r["oldest_queued_seconds"])

    def serve(self, host: str, port: int) -> int:
        """Serve /metrics; returns the port (a free one when `port` is 0)."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        bound = int(server.server_port)
        log.info("metrics on http://%s:%d/metrics", host, bound)
        return bound
