"""The benchmark's own PostgreSQL server.

A private cluster in a temporary folder (fsync and synchronous_commit on, as in production),
migrated and loaded with the demo catalog plus 10,000 tenants on the Pro plan, and a second
database, `bench_baseline`, holding the plain tables and function the figures are compared
with. Everything is deleted when the run ends.

Tenant n (1..10,000) has the id md5('bench-tenant-' || n)::uuid, so pgbench, which can only
draw random integers, can address a random tenant in the statement itself (computing that
id costs well under a microsecond). Tenants 10,001 and 10,002 are the hot tenant and the one
whose limit is reached on purpose.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from ratecard.cluster import Cluster, shared_buffers
from ratecard.config import Settings
from ratecard.migrate import migrate
from ratecard.seed import seed_demo

TENANTS = 10_000
HOT_TENANT = TENANTS + 1
LIMIT_TENANT = TENANTS + 2
HUGE_LIMIT = 10**15
LIMIT_RUN_LIMIT = 2000  # the limit that the limit-reached run drives consume into
BASELINE_DB = "bench_baseline"
RATECARD_DB = "ratecard"
SUPERUSER = "postgres"
PORT = 55471  # only names the socket, which lives in the cluster's own folder
SERVICE_ROLE = "ratecard_service"


def tenant_sql(n: str) -> str:
    """SQL for the id of bench tenant `n` (an SQL expression or pgbench variable)."""
    return f"md5('bench-tenant-' || {n})::uuid"


def tenant_id(n: int | str) -> str:
    """The id of bench tenant `n`, computed in Python (same as tenant_sql)."""
    h = hashlib.md5(f"bench-tenant-{n}".encode()).hexdigest()  # noqa: S324 - not security
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# The baseline database: what a minimal schema costs on the same server.
BASELINE_SQL = """
create table lookup (id integer primary key, flag boolean not null);
insert into lookup select g, g % 3 <> 0 from generate_series(1, 100000) g;
create function pk_lookup(p_id integer) returns boolean
language plpgsql stable as $$
declare
  v_flag boolean;
begin
  select l.flag into v_flag from lookup l where l.id = p_id;
  return v_flag;
end
$$;
create table counters (id integer primary key, n bigint not null);
insert into counters select g, 0 from generate_series(1, 10000) g;
create table usage_copy (
  tenant_id uuid, feature text, amount bigint, idempotency_key text,
  occurred_at timestamptz default now()
);
"""


@dataclass
class BenchServer:
    """A running benchmark cluster and how to reach it."""

    cluster: Cluster
    workdir: Path

    @property
    def pgbin(self) -> Path:
        return self.cluster.bindir

    def conninfo(self, dbname: str = RATECARD_DB, role: str | None = None) -> str:
        """Superuser login; with `role`, the session acts as that role from the start."""
        params: dict[str, str] = {
            "host": str(self.cluster.sockdir),
            "port": str(self.cluster.port),
            "dbname": dbname,
            "user": SUPERUSER,
        }
        if role:
            params["options"] = f"-c role={role}"
        return make_conninfo(**params)

    def connect(self, dbname: str = RATECARD_DB, role: str | None = None) -> psycopg.Connection:
        return psycopg.connect(self.conninfo(dbname, role), autocommit=True)

    def checkpoint(self) -> None:
        """Flush dirty buffers so no measurement inherits another's checkpoint."""
        with self.connect() as conn:
            conn.execute("checkpoint")

    # -- loading ------------------------------------------------------------------------------

    def load(self, tenants: bool = True) -> None:
        """Migrate, the demo catalog, the baseline database; the bench tenants unless
        `tenants` is false (bench.scale creates its own). RATECARD_BENCH_TREE names another
        checkout whose sql/ and migrations/ to measure instead of the working tree's (a
        before-and-after comparison with the same bench code)."""
        conninfo = self.conninfo()
        tree = os.environ.get("RATECARD_BENCH_TREE")
        if tree:
            migrate(conninfo, migrations_dir=Path(tree) / "migrations", sql_dir=Path(tree) / "sql")
        else:
            migrate(conninfo)
        seed_demo(conninfo)
        if not tenants:
            self._baseline()
            return
        self._create_tenants()
        self.warm_meters(1, LIMIT_TENANT)
        with self.connect(role="ratecard_admin") as conn:
            for n, limit in ((HOT_TENANT, HUGE_LIMIT), (LIMIT_TENANT, LIMIT_RUN_LIMIT)):
                conn.execute(
                    f"select api.set_override({tenant_sql('%s')}, 'ai_decisions', %s)",
                    (str(n), limit),
                )
        self._baseline()

    def _baseline(self) -> None:
        with self.connect("postgres") as conn:
            conn.execute(f"create database {BASELINE_DB}")
        with self.connect(BASELINE_DB) as conn:
            conn.execute(BASELINE_SQL)
        for db in (RATECARD_DB, BASELINE_DB):
            with self.connect(db) as conn:
                conn.execute("vacuum analyze")

    def _create_tenants(self) -> None:
        """The bench tenants, with the predictable ids described above, through
        api.create_tenants (the bulk path: 10,000 a call)."""
        self.add_tenants(1, LIMIT_TENANT)

    def warm_meters(self, first: int, last: int) -> None:
        """This month's ai_decisions meter (used 0) for tenants first..last: the steady
        state of a period in which every tenant has used the feature, as the baselines'
        rows all exist. Without it a short run at many tenants mostly measures each
        tenant's first consume of the period (which inserts its meter row)."""
        with self.connect() as conn:
            conn.execute(
                "insert into core.meters (tenant_id, feature, period_start, used, updated_at)"
                f" select {tenant_sql('n')}, 'ai_decisions',"
                "        date_trunc('month', now() at time zone 'UTC') at time zone 'UTC', 0,"
                "        now()"
                "   from generate_series(%s::int, %s::int) n on conflict do nothing",
                (first, last),
            )

    def add_tenants(
        self, first: int, last: int, chunk: int = 10_000, plan: str | None = "pro"
    ) -> float:
        """Create bench tenants first..last on `plan` (None: the default plan, without a
        subscription); returns tenants per second."""
        started = time.monotonic()
        with self.connect() as conn:
            bulk = conn.execute("select to_regprocedure('api.create_tenants(jsonb)')").fetchone()
        if bulk == (None,):  # an older schema (RATECARD_BENCH_TREE): one at a time
            self._create_tenants_one_by_one(first, last, plan)
            return (last - first + 1) / (time.monotonic() - started)
        with self.connect(role=SERVICE_ROLE) as conn:
            for lo in range(first, last + 1, chunk):
                hi = min(lo + chunk - 1, last)
                conn.execute(
                    "select count(*) from api.create_tenants((select jsonb_agg(jsonb_build_object("
                    "'tenant_id', md5('bench-tenant-' || n)::uuid, 'name', 'Bench tenant ' || n,"
                    " 'plan', %s::text)) from generate_series(%s::int, %s::int) n))",
                    (plan, lo, hi),
                )
        elapsed = time.monotonic() - started
        self._check_ids(last)
        return (last - first + 1) / elapsed

    def _check_ids(self, last: int) -> None:
        with self.connect() as conn:
            found = conn.execute(
                f"select count(*) from core.tenants where tenant_id = {tenant_sql('%s')}",
                (str(last),),
            ).fetchone()
        assert found == (1,), "bench tenant ids are not the expected ones"

    def _create_tenants_one_by_one(self, first: int, last: int, plan: str | None) -> None:
        """api.create_tenant per tenant, its id drawn from a setting through the column
        default for the length of the transaction (schemas without api.create_tenants)."""
        with psycopg.connect(self.conninfo()) as conn:
            row = conn.execute(
                "select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d"
                " join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum"
                " where d.adrelid = 'core.tenants'::regclass and a.attname = 'tenant_id'"
            ).fetchone()
            assert row is not None
            conn.execute(
                "alter table core.tenants alter column tenant_id set default "
                + tenant_sql("current_setting('bench.tenant')")
            )
            plan_sql = "null" if plan is None else f"'{plan}'"
            conn.execute(
                f"do $$ begin for n in {first}..{last} loop"
                " perform set_config('bench.tenant', n::text, true);"
                f" perform api.create_tenant('Bench tenant ' || n, null, {plan_sql}); end loop;"
                " end $$"
            )
            conn.execute(f"alter table core.tenants alter column tenant_id set default {row[0]}")
        self._check_ids(last)


@contextmanager
def bench_server(
    log: Callable[[str], None],
    extra_settings: dict[str, str] | None = None,
    tenants: bool = True,
) -> Iterator[BenchServer]:
    """Start a fresh cluster in a temporary folder, load it, and delete it all afterwards."""
    settings = Settings.from_env()
    workdir = Path(tempfile.mkdtemp(prefix="ratecard-bench-"))
    cluster = Cluster(
        home=workdir,
        port=PORT,
        bindir=settings.pg_bindir,
        os_user=settings.pg_os_user,
        dbname="ratecard",
        settings={
            "fsync": "on",
            "synchronous_commit": "on",
            "log_min_messages": "warning",
            # as the embedded cluster sizes it (ratecard/cluster.py)
            "shared_buffers": shared_buffers(),
            **(extra_settings or {}),
        },
    )
    server = BenchServer(cluster, workdir)
    try:
        log(f"starting PostgreSQL in {workdir}")
        cluster.start()
        what = f" and {TENANTS:,} tenants" if tenants else ""
        log(f"migrating and loading the demo catalog{what}")
        server.load(tenants)
        yield server
    finally:
        try:
            cluster.destroy()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args: list[str], env: dict[str, str] | None = None) -> str:
    """Run a client program; return its stdout, or fail with what it printed."""
    proc = subprocess.run(
        args, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{Path(args[0]).name} exited with {proc.returncode}: "
            f"{(proc.stderr or proc.stdout).strip()[-2000:]}"
        )
    return proc.stdout + proc.stderr
