"""Fixtures for the SQL tests: a small known catalog and helpers to call the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb


@dataclass
class Api:
    """Calls api.* functions as ratecard_service (admin calls as ratecard_admin)."""

    conn: psycopg.Connection

    def _run(self, role: str, query: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        with self.conn.transaction():
            self.conn.execute(f"set local role {role}")
            cur = self.conn.cursor(row_factory=dict_row)
            cur.execute(query, params)
            return cur.fetchall() if cur.description else []

    def service(self, query: str, *params: Any) -> list[dict[str, Any]]:
        return self._run("ratecard_service", query, params)

    def admin(self, query: str, *params: Any) -> list[dict[str, Any]]:
        return self._run("ratecard_admin", query, params)

    def consume(
        self, tenant: UUID, feature: str, amount: int = 1, key: str | None = None
    ) -> dict[str, Any]:
        return self.service(
            "select * from api.consume(%s::uuid, %s::text, %s::bigint, %s::text)",
            tenant,
            feature,
            amount,
            key,
        )[0]

    def check(self, tenant: UUID, feature: str, amount: int = 1) -> bool:
        row = self.service(
            "select api.check_quota(%s::uuid, %s::text, %s::bigint) as ok", tenant, feature, amount
        )
        return row[0]["ok"]

    def entitlement(self, tenant: UUID, feature: str) -> dict[str, Any]:
        return self.service(
            "select * from api.get_entitlement(%s::uuid, %s::text)", tenant, feature
        )[0]

    def tenant(self, name: str = "t", plan: str | None = None) -> UUID:
        return self.service("select api.create_tenant(%s, null, %s) as id", name, plan)[0]["id"]

    def set_clock(self, at: datetime | None) -> None:
        self.admin("select internal.set_clock(%s::timestamptz)", at)

    def scalar(self, query: str, *params: Any) -> Any:
        row = self.conn.execute(query, params).fetchone()
        return row[0] if row else None


@pytest.fixture
def api(db: psycopg.Connection) -> Api:
    return Api(db)


CATALOG_SQL = """
select api.define_feature('calls', 'metered', 'month', 'calls', 'Calls');
select api.define_feature('hourly', 'metered', 'hour', 'calls', 'Hourly calls', false);
select api.define_feature('tokens', 'metered', 'billing_period', 'tokens', 'Tokens');
select api.define_feature('storage_bytes', 'gauge', p_unit => 'bytes');
select api.define_feature('members', 'gauge');
select api.define_feature('sso', 'switch');
select api.define_plan('free', 'Free', 0, p_is_default => true);
select api.define_plan('pro', 'Pro', 4900, p_per_seat => true);
select api.set_plan_limit('free', 'calls', 10);
select api.set_plan_limit('free', 'hourly', 5);
select api.set_plan_limit('free', 'tokens', 1000, true, 'bill');
select api.set_plan_limit('free', 'storage_bytes', 1000, true, 'soft', 10, '7 days');
select api.set_plan_limit('free', 'members', 3);
select api.set_plan_limit('free', 'sso', null, false);
select api.set_plan_limit('pro', 'calls', 100, p_per_seat => true);
select api.set_plan_limit('pro', 'hourly', null);
select api.set_plan_limit('pro', 'tokens', 5000, true, 'bill');
select api.set_plan_limit('pro', 'storage_bytes', 100000, true, 'soft', 5, '7 days');
select api.set_plan_limit('pro', 'members', 10);
select api.set_plan_limit('pro', 'sso', null, true);
select api.define_addon('more_members', 'Five more members', 500);
select api.set_addon_grant('more_members', 'members', 5);
"""


@pytest.fixture
def catalog(api: Api) -> Api:
    """The api helper, with a small catalog loaded (free is the default plan)."""
    api.admin(CATALOG_SQL)
    return api


@pytest.fixture
def sqlstate() -> Callable[[pytest.ExceptionInfo[psycopg.Error]], str]:
    def _state(info: pytest.ExceptionInfo[psycopg.Error]) -> str:
        return info.value.sqlstate or ""

    return _state


PRO_MONTHLY = "price_pro_monthly"
T = 1_767_225_600  # 2026-01-01T00:00Z, the `created` of the first Stripe event in tests


@pytest.fixture
def billing(catalog: Api) -> Api:
    """The catalog with Stripe prices on the pro plan and the more_members add-on."""
    catalog.admin(
        "select api.set_plan_prices('pro', %s, 'price_pro_annual', 'prod_pro')", PRO_MONTHLY
    )
    catalog.admin("select api.set_addon_prices('more_members', 'price_more_members')")
    return catalog


def receive(api: Api, ev: dict[str, Any]) -> dict[str, Any]:
    """Deliver a Stripe event as the webhook route does."""
    return api.service("select * from api.receive_stripe_event(%s::jsonb)", Jsonb(ev))[0]


# -- jobs -----------------------------------------------------------------------------------

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

# A SQL job in batches: deletes up to {"batch": n} rows of a scratch table per step.
BATCH_JOB = """
create table if not exists public.scratch_rows (id integer primary key);
create or replace function internal.job_test_batches(p_args jsonb) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare v integer;
begin
  if p_args ? 'fail' then raise exception 'asked to fail' using errcode = 'RC005'; end if;
  delete from public.scratch_rows where id in (
    select id from public.scratch_rows order by id limit (p_args->>'batch')::integer);
  get diagnostics v = row_count;
  return jsonb_build_object('deleted', v, 'more', v = (p_args->>'batch')::integer,
                            'phase', 'deleted ' || v);
end $$;
select internal.define_job('test_batches', 'sql', 'test: delete scratch rows in batches',
                           p_max_attempts => 2);
"""


class Jobs:
    """Queue calls as the worker (ratecard_service) and the administrator would make."""

    def __init__(self, db: psycopg.Connection) -> None:
        self.db = db

    def q(self, query: str, *params: Any, role: str = "ratecard_service") -> list[dict]:
        with self.db.transaction():
            self.db.execute(f"set local role {role}")
            cur = self.db.cursor(row_factory=dict_row)
            cur.execute(query, params)
            return cur.fetchall() if cur.description else []

    def define(self, name: str, kind: str = "queue", **kw: Any) -> None:
        args = "".join(f", p_{k} => %s" for k in kw)
        self.db.execute(
            f"select internal.define_job(%s, %s, 'test job'{args})", (name, kind, *kw.values())
        )

    def enqueue(self, job: str, args: str = "{}", run_at: Any = None, key: str | None = None):
        return self.q(
            "select api.enqueue_job(%s, %s::jsonb, %s, %s) as id", job, args, run_at, key
        )[0]["id"]

    def claim(self, worker: str = "w1", limit: int = 10, handlers: list[str] | None = None):
        return self.q(
            "select * from api.claim_job_runs(%s, %s, %s)",
            worker,
            limit,
            handlers if handlers is not None else ["t"],
        )

    def finish(self, run_id: int, worker: str = "w1", ok: bool = True, **kw: Any) -> str:
        return self.q(
            "select api.finish_job_run(%s, %s, %s, %s::jsonb, %s, %s) as s",
            run_id,
            worker,
            ok,
            kw.get("result"),
            kw.get("error"),
            kw.get("retry", True),
        )[0]["s"]

    def run(self, run_id: int) -> dict:
        return self.q("select * from api.job_runs where id = %s", run_id, role="ratecard_admin")[0]

    def clock(self, at: datetime | None) -> None:
        self.q("select internal.set_clock(%s::timestamptz)", at, role="ratecard_admin")


@pytest.fixture
def jobs(db: psycopg.Connection) -> Jobs:
    j = Jobs(db)
    j.clock(T0)
    j.define("t", "queue", max_attempts=3, lease_seconds=60, backoff_seconds=10)
    return j
