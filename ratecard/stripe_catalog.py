"""`ratecard stripe sync-catalog`: make Stripe's catalog what the database says.

What should exist is decided in SQL (api.stripe_catalog_spec: products, Billing Meters,
prices with their lookup keys and terms); this module finds each object in Stripe, creates
what is missing, updates what Stripe lets change, replaces a price whose terms changed,
and records the ids (api.record_stripe_catalog). It is idempotent:

* a product is found by its id (the one recorded, else rc_<kind>_<code>, the id Ratecard
  gives the products it creates), a meter by its event name, a price by its lookup key;
* a price whose `ratecard_terms` metadata equals the spec's terms is the same price; other
  terms mean a new price, created with `transfer_lookup_key` (new subscriptions and
  Checkout use it) while the old one is archived (`active: false`): subscriptions on it
  keep it, and Ratecard still recognises it (core.stripe_catalog keeps retired prices);
* creations carry an idempotency key derived from their parameters, so a sync that died
  half way and runs again creates nothing twice.

A second run right after the first finds everything unchanged and changes nothing.
`--dry-run` asks Stripe the same questions and says what it would do without writing
anything, in Stripe or in the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import psycopg
import stripe
from psycopg.types.json import Jsonb

from ratecard import queries as q
from ratecard import stripe_gateway as gw
from ratecard.sqlcall import Role, call

ADMIN: Role = "ratecard_admin"
NEW = "(new)"


@dataclass
class Outcome:
    object: str
    key: str
    action: str  # created, updated, replaced, unchanged, skipped
    stripe_id: str | None
    detail: str = ""


def _key(object_: str, params: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:40]
    return f"sync-catalog:{object_}:{digest}"


def _resolve(value: Any, ids: dict[str, str]) -> Any:
    """Replace {"ref": "<object>:<key>"} by the Stripe id found or made for it."""
    if isinstance(value, dict):
        if set(value) == {"ref"}:
            return ids.get(value["ref"], NEW)
        return {k: _resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, ids) for v in value]
    return value


class CatalogSync:
    def __init__(self, conn: psycopg.Connection[Any], client: stripe.StripeClient, dry_run: bool):
        self.conn = conn
        self.client = client
        self.dry_run = dry_run
        self.ids: dict[str, str] = {}
        self._meters: list[dict[str, Any]] | None = None

    def run(self) -> list[Outcome]:
        spec = call(self.conn, q.STRIPE_CATALOG_SPEC, role=ADMIN)
        price_keys = [r["key"] for r in spec if r["object"] == "price" and not r["problem"]]
        self.prices = gw.prices_by_lookup_key(self.client, price_keys) if price_keys else {}
        outcomes: list[Outcome] = []
        records: list[dict[str, Any]] = []
        for row in spec:
            if row["problem"]:
                outcomes.append(Outcome(row["object"], row["key"], "skipped", None, row["problem"]))
                continue
            sync = {"product": self.product, "meter": self.meter, "price": self.price}
            out = sync[row["object"]](row)
            outcomes.append(out)
            if out.stripe_id:
                self.ids[f"{row['object']}:{row['key']}"] = out.stripe_id
            if out.stripe_id and out.stripe_id != NEW:
                records.append(
                    {
                        k: row[k]
                        for k in (
                            "object",
                            "key",
                            "plan",
                            "addon",
                            "feature",
                            "currency",
                            "unit_amount_cents",
                            "included",
                            "unit_amount_decimal",
                            "terms",
                        )
                    }
                    | {"stripe_id": out.stripe_id, "interval": row["billing_interval"]}
                )
        if records and not self.dry_run:
            call(self.conn, q.RECORD_STRIPE_CATALOG, (Jsonb(records),), role=ADMIN)
        return outcomes

    # -- products -------------------------------------------------------------------------

    def product(self, row: dict[str, Any]) -> Outcome:
        params = row["params"]
        found = None
        for pid in dict.fromkeys(p for p in (row["stripe_id"], row["new_id"]) if p):
            found = gw.retrieve_product(self.client, pid)
            if found is not None:
                break
        if found is None:
            if self.dry_run:
                return Outcome("product", row["key"], "created", NEW, params["name"])
            made = gw.create_product(
                self.client, {**params, "id": row["new_id"]}, _key("product", params)
            )
            return Outcome("product", row["key"], "created", made["id"], params["name"])
        changes: dict[str, Any] = {}
        if found.get("name") != params["name"]:
            changes["name"] = params["name"]
        if (found.get("metadata") or {}).get("ratecard_key") != row["key"]:
            changes["metadata"] = params["metadata"]
        if not found.get("active", True):
            changes["active"] = True
        if not changes:
            return Outcome("product", row["key"], "unchanged", found["id"])
        if not self.dry_run:
            gw.update_product(self.client, found["id"], changes)
        return Outcome("product", row["key"], "updated", found["id"], ", ".join(sorted(changes)))

    # -- meters ---------------------------------------------------------------------------

    def meter(self, row: dict[str, Any]) -> Outcome:
        params = row["params"]
        if self._meters is None:
            self._meters = gw.list_meters(self.client)
        same = [m for m in self._meters if m.get("event_name") == params["event_name"]]
        found = next((m for m in same if m.get("status") == "active"), same[0] if same else None)
        if found is None:
            if self.dry_run:
                return Outcome("meter", row["key"], "created", NEW, params["event_name"])
            made = gw.create_meter(self.client, params, _key("meter", params))
            return Outcome("meter", row["key"], "created", made["id"], params["event_name"])
        changes = []
        if found.get("status") != "active":
            changes.append("reactivated")
            if not self.dry_run:
                gw.reactivate_meter(self.client, found["id"])
        if found.get("display_name") != params["display_name"]:
            changes.append("display_name")
            if not self.dry_run:
                gw.update_meter(self.client, found["id"], {"display_name": params["display_name"]})
        if not changes:
            return Outcome("meter", row["key"], "unchanged", found["id"])
        return Outcome("meter", row["key"], "updated", found["id"], ", ".join(changes))

    # -- prices ---------------------------------------------------------------------------

    def _retire(self, price_id: str) -> bool:
        """Archive a price Ratecard made (new subscriptions can no longer use it)."""
        old = gw.retrieve_price(self.client, price_id)
        if (
            old is None
            or not old.get("active")
            or "ratecard_key" not in (old.get("metadata") or {})
        ):
            return False
        if not self.dry_run:
            gw.update_price(self.client, price_id, {"active": False})
        return True

    def price(self, row: dict[str, Any]) -> Outcome:
        params = _resolve(row["params"], self.ids)
        key = row["key"]
        found = self.prices.get(key)
        if (
            found is not None
            and (found.get("metadata") or {}).get("ratecard_terms") == row["terms"]
        ):
            changes: dict[str, Any] = {}
            if not found.get("active"):
                changes["active"] = True
            if found.get("nickname") != params.get("nickname"):
                changes["nickname"] = params.get("nickname")
            if changes and not self.dry_run:
                gw.update_price(self.client, found["id"], changes)
            retired = [
                old
                for old in [row["stripe_id"]]
                if old and old != found["id"] and self._retire(old)
            ]
            was = (
                [f"recorded (was {row['stripe_id']})"]
                if row["stripe_id"] not in (None, found["id"])
                else []
            )
            detail = ", ".join([*sorted(changes), *was, *(f"archived {r}" for r in retired)])
            action = "updated" if changes or retired or was else "unchanged"
            return Outcome("price", key, action, found["id"], detail)
        if self.dry_run:
            made_id = NEW
        else:
            create = {**params, "transfer_lookup_key": True} if found is not None else params
            made_id = gw.create_price(self.client, create, _key("price", create))["id"]
        olds = dict.fromkeys(p for p in ((found or {}).get("id"), row["stripe_id"]) if p)
        retired = [old for old in olds if self._retire(old)]
        if found is None and not row["stripe_id"]:
            return Outcome("price", key, "created", made_id, row["terms"])
        detail = f"terms {row['terms']}" + "".join(f", archived {r}" for r in retired)
        return Outcome("price", key, "replaced", made_id, detail)


def sync_catalog(
    conn: psycopg.Connection[Any], client: stripe.StripeClient, dry_run: bool = False
) -> list[Outcome]:
    return CatalogSync(conn, client, dry_run).run()
