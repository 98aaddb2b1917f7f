"""Batch ingestion: api.record_usage_batch vs COPY of the same rows into a plain table, and
bulk ingestion (api.open_usage_stream, COPY into the staging table, api.merge_usage_stream:
what POST /v1/usage/stream and `ratecard ingest` do) vs COPY of the same rows.

Each client is a thread with its own connection (autocommit: one transaction per batch)
that sends 1,000-event batches until time is up. Events go to random tenants, feature
`api_calls` (so the ai_decisions meters of the consume pairs stay untouched), amount 1,
and carry idempotency keys unique to the run. The batch texts are prepared before timing
from a few templates; per batch only the key prefix is substituted, so the client does the
same tiny amount of work for both sides.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time

from bench.results import Result
from bench.server import BASELINE_DB, RATECARD_DB, SERVICE_ROLE, TENANTS, BenchServer, tenant_id

BATCH = 1000
STREAM_CHUNK = 10_000  # rows per transaction of the stream pair, both sides
TEMPLATES = 8  # distinct tenant mixes per client
FEATURE = "api_calls"
TARGET = 0.25
RECORD = "select accepted, duplicates from api.record_usage_batch(%s::jsonb)"
COPY = "copy usage_copy (tenant_id, feature, amount, idempotency_key) from stdin"
OPEN = "select api.open_usage_stream()"
STREAM_COPY = (
    "copy pg_temp.usage_stream (line, tenant_id, feature, amount, idempotency_key) from stdin"
)
MERGE = "select accepted, duplicates from api.merge_usage_stream()"


def _templates(rng: random.Random, size: int = BATCH) -> list[tuple[list[str], str]]:
    """(tenant ids, JSON text) per template; `@@` in each key is replaced per batch."""
    out = []
    for _ in range(TEMPLATES):
        tenants = [tenant_id(rng.randint(1, TENANTS)) for _ in range(size)]
        events = [
            {"tenant_id": t, "feature": FEATURE, "amount": 1, "idempotency_key": f"@@-{j}"}
            for j, t in enumerate(tenants)
        ]
        out.append((tenants, json.dumps(events)))
    return out


def _copy_text(tenants: list[str]) -> str:
    return "".join(f"{t}\t{FEATURE}\t1\t@@-{j}\n" for j, t in enumerate(tenants))


def _stream_text(tenants: list[str]) -> str:
    return "".join(f"{j}\t{t}\t{FEATURE}\t1\t@@-{j}\n" for j, t in enumerate(tenants))


def _client(
    server: BenchServer,
    side: str,
    tag: str,
    start: threading.Barrier,
    seconds: int,
    rows: list[int],
    errors: list[BaseException],
) -> None:
    try:
        rng = random.Random(tag)
        size = STREAM_CHUNK if side in ("stream", "copy_stream") else BATCH
        templates = _templates(rng, size)
        if side == "record":
            texts = [text for _, text in templates]
            conn = server.connect(RATECARD_DB, role=SERVICE_ROLE)
        elif side == "stream":
            texts = [_stream_text(tenants) for tenants, _ in templates]
            conn = server.connect(RATECARD_DB, role=SERVICE_ROLE)
        else:
            texts = [_copy_text(tenants) for tenants, _ in templates]
            conn = server.connect(BASELINE_DB)
        with conn:
            cur = conn.cursor()
            start.wait()
            deadline = time.monotonic() + seconds
            i = 0
            while time.monotonic() < deadline:
                text = texts[i % TEMPLATES].replace("@@", f"{tag}-{i}")
                if side == "record":
                    cur.execute(RECORD, (text,), prepare=True)
                    accepted = cur.fetchone()
                    if accepted != (BATCH, 0):
                        raise AssertionError(f"record_usage_batch returned {accepted}")
                elif side == "stream":
                    with conn.transaction():
                        cur.execute(OPEN)
                        with cur.copy(STREAM_COPY) as copy:
                            copy.write(text)
                        cur.execute(MERGE)
                        accepted = cur.fetchone()
                    if accepted != (size, 0):
                        raise AssertionError(f"merge_usage_stream returned {accepted}")
                else:
                    with conn.transaction(), cur.copy(COPY) as copy:
                        copy.write(text)
                rows.append(size)
                i += 1
    except BaseException as exc:
        errors.append(exc)
        start.abort()


def rows_per_second(server: BenchServer, side: str, clients: int, seconds: int) -> float:
    """Rows per second over the wall time from the common start to the last batch."""
    rows: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(clients + 1)
    run_tag = f"{side}-c{clients}-{time.time_ns()}"
    threads = [
        threading.Thread(
            target=_client,
            args=(server, side, f"{run_tag}-{k}", start, seconds, rows, errors),
        )
        for k in range(clients)
    ]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait()  # broken if a client failed; its error is raised below
    began = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    if errors:
        raise errors[0]
    return sum(rows) / elapsed


def measure(server: BenchServer, clients: int, seconds: int) -> Result:
    """The JSON batch (1,000 events a call) against COPY of the same 1,000-row batches."""
    server.checkpoint()
    base = rows_per_second(server, "copy", clients, seconds)
    server.checkpoint()
    figure = rows_per_second(server, "record", clients, seconds)
    return Result("batch_ingest", clients, "rows/s", figure, base, TARGET)


def measure_stream(server: BenchServer, clients: int, seconds: int) -> Result:
    """Bulk ingestion (10,000 events a transaction) against COPY of the same chunks."""
    server.checkpoint()
    base = rows_per_second(server, "copy_stream", clients, seconds)
    server.checkpoint()
    figure = rows_per_second(server, "stream", clients, seconds)
    return Result("stream_ingest", clients, "rows/s", figure, base, TARGET)
