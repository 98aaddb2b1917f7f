"""Fixtures for the SQL tests: a small known catalog and helpers to call the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
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
