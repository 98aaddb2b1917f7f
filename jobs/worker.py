"""`ratecard worker`: the process that runs queued jobs.

pg_cron owns every schedule; jobs that only touch the database run inside PostgreSQL. Jobs
that must call Stripe or S3 are queued in the database and drained here. Until job handlers
are registered, the worker connects, waits for notifications on the `ratecard_jobs` channel
and stops cleanly on SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import threading

import psycopg

from ratecard.config import Settings
from ratecard.db import app_conninfo

log = logging.getLogger("ratecard.worker")
POLL_SECONDS = 1.0


def run_worker(settings: Settings, once: bool = False) -> int:
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    with psycopg.connect(app_conninfo(settings), autocommit=True) as conn:
        conn.execute("listen ratecard_jobs")
        log.info("worker started (no job handlers registered)")
        while not stop.is_set():
            for note in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                log.info("job notification: %s", note.payload)
            if once:
                break
    log.info("worker stopped")
    return 0
