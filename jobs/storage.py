"""Storage jobs that must call S3, run by the worker from the queue.

* reconcile_storage (hourly): list the bucket with list_objects_v2, a page at a time, and
  hand each page to api.reconcile_storage_page, which compares it set-based with the
  tracked objects and fixes the drift (missing objects added, gone ones removed, sizes
  corrected, pending uploads confirmed). The run and its per-tenant results are recorded
  (api.list_storage_reconciliations). Memory is one page (1,000 keys), whatever the
  bucket's size. Arguments: {"tenant_id": null, "dry_run": false, "page_size": 1000}.
  Safe to run again: each page is compared with what is tracked at that moment, so a
  second run finds nothing left to fix; a run cut short is marked abandoned by the next.

Without RATECARD_S3_BUCKET it succeeds at once with {"skipped": "storage not configured"}.
`ratecard storage reconcile` runs the same function in the CLI's process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobs import queries as q
from jobs.registry import JobContext, Permanent, handler
from ratecard import s3_gateway as gw
from ratecard.sqlcall import Role, call, one

log = logging.getLogger("ratecard.jobs.storage")

SERVICE: Role = "ratecard_service"
NOT_CONFIGURED = {"skipped": "storage not configured"}
COUNTS = (
    "listed",
    "added",
    "removed",
    "corrected",
    "confirmed",
    "oversized",
    "skipped",
    "unattributed",
)


def reconcile(
    conn: psycopg.Connection[Any],
    s3: gw.S3Settings,
    *,
    tenant_id: str | None = None,
    dry_run: bool = False,
    job_run_id: int | None = None,
    page_size: int = gw.PAGE_SIZE,
    role: Role = SERVICE,
    progress: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, Any]:
    """One reconciliation run of the bucket (or of one tenant's prefix). Returns the run
    as api.list_storage_reconciliations shows it."""
    start = one(
        call(conn, q.START_RECONCILIATION, (s3.bucket, tenant_id, dry_run, job_run_id), role=role),
        "api.start_storage_reconciliation",
    )
    run_id = start["reconciliation_id"]
    after: str | None = None
    try:
        for page in gw.list_pages(s3, start["prefix"], page_size):
            counts = one(
                call(
                    conn,
                    q.RECONCILE_PAGE,
                    (run_id, after, Jsonb(page.objects), page.last, page.listed_at),
                    role=role,
                ),
                "api.reconcile_storage_page",
            )["counts"]
            if page.objects:
                after = page.objects[-1]["k"]
            if progress is not None:
                progress({"pages": 1, **{k: int(counts.get(k, 0)) for k in COUNTS}})
    except Exception as exc:
        try:
            call(conn, q.FINISH_RECONCILIATION, (run_id, f"{type(exc).__name__}: {exc}"), role=role)
        except psycopg.Error:
            log.warning("could not record the failure of storage reconciliation %s", run_id)
        raise
    return one(call(conn, q.FINISH_RECONCILIATION, (run_id, None), role=role), "finish")["run"]


@handler("reconcile_storage")
def run_reconcile_storage(ctx: JobContext) -> dict[str, Any]:
    s3 = gw.S3Settings.from_env()
    if not s3.configured:
        return NOT_CONFIGURED
    page_size = int(ctx.args.get("page_size", gw.PAGE_SIZE))
    if not 1 <= page_size <= gw.PAGE_SIZE:
        raise Permanent(f"page_size must be 1 to {gw.PAGE_SIZE}")
    try:
        run = reconcile(
            ctx.conn,
            s3,
            tenant_id=ctx.args.get("tenant_id"),
            dry_run=bool(ctx.args.get("dry_run", False)),
            job_run_id=ctx.run_id,
            page_size=page_size,
            progress=lambda counts: ctx.progress(**counts),
        )
    except gw.StorageNotConfigured as exc:
        raise Permanent(str(exc)) from None
    return {
        "reconciliation_id": run["id"],
        "status": run["status"],
        "tenants": len(run["tenants"]),
        "objects_after": run["objects_after"],
        "bytes_after": run["bytes_after"],
    }
