"""An independent implementation of docs/analytics.md in plain Python, over the raw rows of
core.subscription_history (and core.tenants, core.acquisition_spend): nothing here reads the
MRR timeline, the closed months or any view. Exact arithmetic (int, Fraction, Decimal)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

PER_YEAR = {"day": 365, "week": 52, "month": 12, "year": 1}
PAYING = ("active", "past_due")
TICK = timedelta(microseconds=1)


def _ts(v: Any) -> datetime | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v
    return datetime.fromisoformat(v)


def round_half_up(x: Fraction | int) -> int:
    """Round to an integer, halves away from zero (PostgreSQL's numeric round)."""
    x = Fraction(x)
    q, r = divmod(abs(x.numerator), x.denominator)
    q += 1 if 2 * r >= x.denominator else 0
    return q if x >= 0 else -q


def round_places(x: Fraction, places: int) -> Decimal:
    scaled = round_half_up(x * 10**places)
    return Decimal(scaled).scaleb(-places)


@dataclass
class Row:
    history_id: int
    changed_at: datetime
    plan: str | None
    status: str | None
    currency: str | None
    items: list[dict[str, Any]]
    discounts: list[dict[str, Any]]
    ends_at: datetime | None

    def full(self, t: datetime) -> int:
        """The monthly amount the items and discounts bill at instant t."""
        if self.ends_at is not None and t >= self.ends_at:
            return 0
        live_disc = [
            d for d in self.discounts if _ts(d.get("ends_at")) is None or t < _ts(d["ends_at"])
        ]
        total = 0
        for it in self.items:
            end = _ts(it.get("ends_at"))
            if end is not None and t >= end:
                continue
            amount = it["unit_amount_cents"] * it["quantity"]
            pct = sum(
                (
                    Fraction(str(d["percent_off"]))
                    for d in live_disc
                    if d.get("percent_off") is not None
                    and (d.get("item_id") is None or d["item_id"] == it.get("id"))
                ),
                Fraction(0),
            )
            pct = min(pct, Fraction(100))
            net = amount - round_half_up(amount * pct / 100)
            total += net * PER_YEAR[it["interval"]] // (12 * (it.get("interval_count") or 1))
        off = sum(d["amount_off_cents"] for d in live_disc if d.get("amount_off_cents") is not None)
        if self.items:
            first = self.items[0]
            off_m = off * PER_YEAR[first["interval"]] // (12 * (first.get("interval_count") or 1))
        else:
            off_m = off
        return max(0, total - off_m)

    def value(self, t: datetime) -> tuple[str | None, int, int]:
        full = self.full(t)
        return (
            self.currency,
            full if self.status in PAYING else 0,
            full if self.status == "trialing" else 0,
        )

    def breakpoints(self) -> list[datetime]:
        ends = [self.changed_at]
        for x in [*self.items, *self.discounts]:
            e = _ts(x.get("ends_at"))
            if e is not None and e > self.changed_at:
                ends.append(e)
        if self.ends_at is not None and self.ends_at > self.changed_at:
            ends.append(self.ends_at)
        return ends


class Model:
    def __init__(
        self,
        history: list[dict[str, Any]],
        tenants: list[dict[str, Any]],
        now: datetime,
        default_plan: tuple[str, str],
        spend: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> None:
        self.now = now
        self.tenants = tenants
        self.default_plan = default_plan
        self.spend = list(spend)
        self.rows: dict[Any, list[Row]] = defaultdict(list)
        for h in sorted(history, key=lambda h: (h["changed_at"], h["history_id"])):
            self.rows[h["tenant_id"]].append(
                Row(
                    h["history_id"],
                    h["changed_at"],
                    h["plan_after"],
                    h["status_after"],
                    h["currency"],
                    h["items"],
                    h["discounts"],
                    h["ends_at"],
                )
            )

    # -- one tenant
    def value(self, tenant: Any, t: datetime) -> tuple[str | None, int, int]:
        row = None
        for r in self.rows[tenant]:
            if r.changed_at <= t:
                row = r
            else:
                break
        return row.value(t) if row else (None, 0, 0)

    def in_currency(self, tenant: Any, c: str, t: datetime) -> tuple[int, int]:
        cur, mrr, trial = self.value(tenant, t)
        return (mrr, trial) if cur == c else (0, 0)

    def paid_before(self, tenant: Any, c: str, s: datetime) -> bool:
        for r in self.rows[tenant]:
            for a in r.breakpoints():
                if a < s:
                    cur, mrr, _ = self.value(tenant, a)
                    if cur == c and mrr > 0:
                        return True
        return False

    def currencies(self) -> set[str]:
        return {r.currency for rows in self.rows.values() for r in rows if r.currency}

    # -- periods
    @staticmethod
    def start_of(grain: str, t: datetime) -> datetime:
        d = t.astimezone(UTC)
        if grain == "day":
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        return datetime(d.year, d.month, 1, tzinfo=UTC)

    @staticmethod
    def next_of(grain: str, s: datetime) -> datetime:
        if grain == "day":
            return s + timedelta(days=1)
        return datetime(s.year + (s.month == 12), s.month % 12 + 1, 1, tzinfo=UTC)

    def periods(self, grain: str) -> list[datetime]:
        firsts = [rows[0].changed_at for rows in self.rows.values() if rows]
        if not firsts:
            return []
        p = self.start_of(grain, min(firsts))
        out = []
        while p <= self.now:
            out.append(p)
            p = self.next_of(grain, p)
        return out

    def period_rows(self, grain: str) -> dict[tuple[date, str], dict[str, int]]:
        """Per (period, currency): levels at the period's end and its movements."""
        out: dict[tuple[date, str], dict[str, int]] = {}
        for s in self.periods(grain):
            end = min(self.next_of(grain, s) - TICK, self.now)
            before = s - TICK
            for c in sorted(self.currencies()):
                r = dict.fromkeys(
                    (
                        "mrr_start_cents",
                        "paying_start",
                        "mrr_cents",
                        "paying_customers",
                        "trial_mrr_cents",
                        "new_cents",
                        "expansion_cents",
                        "contraction_cents",
                        "churn_cents",
                        "reactivation_cents",
                        "new_customers",
                        "expansion_customers",
                        "contraction_customers",
                        "churned_customers",
                        "reactivated_customers",
                    ),
                    0,
                )
                for tenant in self.rows:
                    s0, _ = self.in_currency(tenant, c, before)
                    e0, trial = self.in_currency(tenant, c, end)
                    r["mrr_start_cents"] += s0
                    r["paying_start"] += s0 > 0
                    r["mrr_cents"] += e0
                    r["paying_customers"] += e0 > 0
                    r["trial_mrr_cents"] += trial
                    if s0 == 0 and e0 > 0:
                        if self.paid_before(tenant, c, s):
                            r["reactivation_cents"] += e0
                            r["reactivated_customers"] += 1
                        else:
                            r["new_cents"] += e0
                            r["new_customers"] += 1
                    elif s0 > 0 and e0 == 0:
                        r["churn_cents"] -= s0
                        r["churned_customers"] += 1
                    elif s0 > 0 and e0 > s0:
                        r["expansion_cents"] += e0 - s0
                        r["expansion_customers"] += 1
                    elif s0 > 0 and 0 < e0 < s0:
                        r["contraction_cents"] += e0 - s0
                        r["contraction_customers"] += 1
                r["net_cents"] = (
                    r["new_cents"]
                    + r["expansion_cents"]
                    + r["contraction_cents"]
                    + r["churn_cents"]
                    + r["reactivation_cents"]
                )
                out[(s.date(), c)] = r
        return out

    # -- KPIs
    def kpis(self) -> dict[str, dict[str, Any]]:
        months = self.period_rows("month")
        rm = self.start_of("month", self.start_of("month", self.now) - TICK).date()
        window = []
        m = rm
        for _ in range(6):
            window.append(m)
            m = (datetime(m.year, m.month, 1) - timedelta(days=1)).date().replace(day=1)
        out = {}
        for c in sorted(self.currencies()):
            mrr = paying = trial = 0
            for tenant in self.rows:
                e0, tr = self.in_currency(tenant, c, self.now)
                mrr += e0
                paying += e0 > 0
                trial += tr
            arpa = round_half_up(Fraction(mrr, paying)) if paying else None
            r = months.get((rm, c))
            rates = [
                Fraction(months[(mm, c)]["churned_customers"], months[(mm, c)]["paying_start"])
                for mm in window
                if (mm, c) in months and months[(mm, c)]["paying_start"] > 0
            ]
            avg = sum(rates, Fraction(0)) / len(rates) if rates else None
            ltv = round_half_up(arpa / avg) if arpa is not None and avg else None
            spend = [
                s["amount_cents"] for s in self.spend if s["month"] == rm and s["currency"] == c
            ]
            new = r["new_customers"] if r else 0
            cac = round_half_up(Fraction(sum(spend), new)) if spend and new else None
            k: dict[str, Any] = {
                "mrr_cents": mrr,
                "arr_cents": mrr * 12,
                "paying_customers": paying,
                "arpa_cents": arpa,
                "trial_mrr_cents": trial,
                "new_customers": new,
                "ltv_cents": ltv,
                "cac_cents": cac,
                "customer_churn_rate": None,
                "gross_mrr_churn_rate": None,
                "net_mrr_churn_rate": None,
            }
            if r and r["paying_start"]:
                k["customer_churn_rate"] = round_places(
                    Fraction(r["churned_customers"], r["paying_start"]), 6
                )
            if r and r["mrr_start_cents"]:
                lost = -r["churn_cents"] - r["contraction_cents"]
                k["gross_mrr_churn_rate"] = round_places(Fraction(lost, r["mrr_start_cents"]), 6)
                k["net_mrr_churn_rate"] = round_places(
                    Fraction(
                        lost - r["expansion_cents"] - r["reactivation_cents"], r["mrr_start_cents"]
                    ),
                    6,
                )
            out[c] = k
        return out

    # -- plan distribution
    def plan_distribution(self) -> dict[tuple[str, str, str], tuple[int, int]]:
        out: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
        for t in self.tenants:
            rows = [r for r in self.rows.get(t["tenant_id"], []) if r.changed_at <= self.now]
            last = rows[-1] if rows else None
            if last is None or last.plan is None:
                key = (self.default_plan[0], "none", self.default_plan[1])
            else:
                key = (last.plan, last.status, last.currency)
            _, mrr, _ = self.value(t["tenant_id"], self.now)
            out[key][0] += 1
            out[key][1] += mrr
        return {k: (v[0], v[1]) for k, v in out.items()}
