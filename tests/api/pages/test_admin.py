"""The admin dashboard (api/pages/admin.py) over HTTP: signing in with an admin key and
out, one SQL call per page, a forged or ended session running nothing, CSRF, and the
forms (plan details and limits, overrides, suspension, add-ons, plan deletion, dismissing
an event) through the same SQL functions as the admin API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from litestar.testing import TestClient

from tests.api.conftest import Demo
from tests.api.pages.conftest import csrf, sign_in, sql_calls

PAGES = ["/admin", "/admin/subscriptions", "/admin/plans", "/admin/plans/pro",
         "/admin/stripe-events", "/admin/jobs", "/admin/capacity"]  # fmt: skip


def post(client: TestClient, path: str, data: dict[str, Any]) -> str:
    r = client.post(path, data={**data, "_csrf_token": csrf(client, "/admin/sign-in")},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    return r.headers["location"]


def limit(db: psycopg.Connection, plan: str, feature: str) -> tuple:
    return db.execute(
        "select limit_value, enabled, overage, buffer_pct::float8, grace, per_seat"
        " from core.plan_limits where plan = %s and feature = %s",
        (plan, feature),
    ).fetchone()


def test_pages_need_a_session(pages: TestClient, demo: Demo) -> None:
    r = pages.get("/admin/plans?x=1", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (
        303,
        "/admin/sign-in?next=%2Fadmin%2Fplans%3Fx%3D1",
    )
    r = pages.get("/admin/sign-in")
    assert r.status_code == 200 and 'type="password"' in r.text
    assert "Admin API key" in r.text


def test_only_an_admin_key_signs_in(pages: TestClient, demo: Demo) -> None:
    token = csrf(pages, "/admin/sign-in")
    for key in ("rc_nope_nope", demo.service["Authorization"].split()[1], ""):
        r = pages.post("/admin/sign-in", data={"key": key, "_csrf_token": token})
        assert r.status_code == 401 and "not an admin API key" in r.text
        assert "rc_admin" not in r.headers.get("set-cookie", "")


def test_sign_in_every_page_one_sql_call_sign_out(pages: TestClient, demo: Demo) -> None:
    sign_in(pages, demo)
    cookie = pages.cookies.get("rc_admin")
    assert cookie
    for path in [*PAGES, f"/admin/tenants/{demo.acme}"]:
        before = sql_calls(pages)
        r = pages.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        assert sql_calls(pages) - before == 1, path
        assert 'aria-current="page"' in r.text and "Sign out" in r.text
    r = pages.post("/admin/sign-out", data={"_csrf_token": csrf(pages)}, follow_redirects=False)
    assert r.headers["location"].startswith("/admin/sign-in")
    pages.cookies.set("rc_admin", cookie, path="/admin")  # the old cookie no longer works
    assert pages.get("/admin", follow_redirects=False).status_code == 303


def test_the_overview_shows_the_demo_mrr(pages: TestClient, demo: Demo) -> None:
    sign_in(pages, demo)
    page = pages.get("/admin").text
    assert 'data-testid="kpi-mrr">$646.00<' in page  # 3 x $49 + $499 (docs/analytics.md)
    assert 'id="mrr-chart"' in page and 'id="movements-chart"' in page
    assert '"mrr_cents": 64600' in page  # the chart's data, also in the figures table
    assert "$7,752" in page  # ARR


def test_the_overview_before_any_revenue(pages: TestClient, demo: Demo) -> None:
    """No revenue in a currency yet (a new install, or another currency): the key figures
    are dashes and zeros, not a 500."""
    sign_in(pages, demo)
    r = pages.get("/admin?currency=eur")
    assert r.status_code == 200, r.text
    assert 'data-testid="kpi-mrr">€0.00<' in r.text
    assert '<span class="kpi-label">LTV</span><span class="kpi-value">\u2013<' in r.text


def test_bad_query_values_answer_a_page_not_json(pages: TestClient, demo: Demo) -> None:
    """A query value the route cannot take (a page number that is not one, a NUL) is an
    error page, as every page error is (docs/pages.md), not the API's JSON."""
    sign_in(pages, demo)
    for url, status in (("/admin/subscriptions?page=abc", 422), ("/admin?currency=%00", 422)):
        r = pages.get(url)
        assert (r.status_code, r.headers["content-type"].split(";")[0]) == (status, "text/html")
        assert "<!doctype html>" in r.text
    r = pages.get("/billing?interval=%00")
    assert (r.status_code, r.headers["content-type"].split(";")[0]) == (422, "text/html")


def test_a_forged_session_changes_nothing(
    pages: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    sign_in(pages, demo)
    real = pages.cookies.get("rc_admin")
    pages.cookies.set("rc_admin", real[:-1] + ("0" if real[-1] != "0" else "1"), path="/admin")
    location = post(pages, "/admin/plans/starter/limits",
                    {"f.ai_decisions.kind": "metered", "f.ai_decisions.on": "on",
                     "f.ai_decisions.limit": "7"})  # fmt: skip
    assert location.startswith("/admin/sign-in")
    assert limit(db, "starter", "ai_decisions")[0] == 100
    assert (
        db.execute("select count(*) from core.plan_limits where plan = 'starter'").fetchone()[0]
        == 11
    )


def test_csrf_is_checked(pages: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    sign_in(pages, demo)
    r = pages.post(f"/admin/tenants/{demo.acme}/status", data={"status": "suspended"})
    assert r.status_code == 403 and "This form has expired" in r.text
    assert db.execute("select status from core.tenants where tenant_id = %s",
                      (demo.acme,)).fetchone()[0] == "active"  # fmt: skip


def test_the_limits_editor_replaces_the_set(
    pages: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    sign_in(pages, demo)
    page = pages.get("/admin/plans/starter").text
    assert 'role="switch"' in page and 'name="f.ai_decisions.limit"' in page
    form = {
        "f.ai_decisions.kind": "metered", "f.ai_decisions.on": "on", "f.ai_decisions.limit": "250",
        "f.ai_decisions.overage": "block",
        "f.storage_bytes.kind": "gauge", "f.storage_bytes.on": "on",
        "f.storage_bytes.limit": "1000", "f.storage_bytes.overage": "soft",
        "f.storage_bytes.buffer": "5", "f.storage_bytes.grace_days": "1.5",
        "f.members.kind": "gauge", "f.members.on": "on", "f.members.unlimited": "on",
        "f.members.per_seat": "on",
        "f.sso.kind": "switch", "f.sso.on": "on",
        "f.api_calls.kind": "metered", "f.api_calls.limit": "10",  # off
    }  # fmt: skip
    assert post(pages, "/admin/plans/starter/limits", form) == (
        "/admin/plans/starter?notice=limits_saved"
    )
    assert limit(db, "starter", "ai_decisions")[:3] == (250, True, "block")
    assert limit(db, "starter", "storage_bytes") == (
        1000, True, "soft", 5.0, timedelta(days=1.5), False)  # fmt: skip
    assert limit(db, "starter", "members")[:2] == (None, True)
    assert limit(db, "starter", "members")[5] is True
    assert limit(db, "starter", "sso")[1] is True
    assert limit(db, "starter", "api_calls")[:2] == (10, False)
    assert limit(db, "starter", "ai_tokens") is None  # not in the form: gone, disabled
    page = pages.get(f"/admin/tenants/{demo.acme}").text
    assert "of 250" in page  # the tenant's page shows the new limit
    bad = {**form, "f.ai_decisions.limit": "-3"}
    assert post(pages, "/admin/plans/starter/limits", bad) == (
        "/admin/plans/starter?error=invalid_amount"
    )
    assert limit(db, "starter", "ai_decisions")[0] == 250  # nothing changed


def test_plan_details_retire_and_delete(
    pages: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    sign_in(pages, demo)
    details = {"name": "Pro", "price": "59", "interval": "month", "per_seat": "on",
               "is_public": "on", "trial_days": "14", "annual_price": "590",
               "stripe_monthly": "price_pro_m2", "stripe_annual": ""}  # fmt: skip
    assert post(pages, "/admin/plans/pro", details) == "/admin/plans/pro?notice=plan_saved"
    row = db.execute(
        "select price_cents, annual_price_cents, active, stripe_price_monthly_id,"
        " stripe_price_annual_id from core.plans where code = 'pro'"
    ).fetchone()
    assert row == (5900, 59000, False, "price_pro_m2", None)  # "active" unticked: retired
    assert post(pages, "/admin/plans/pro/delete", {}) == "/admin/plans/pro?error=plan_in_use"
    assert "cannot be deleted" in pages.get("/admin/plans/pro?error=plan_in_use").text
    new = {"code": "team", "name": "Team", "price": "19.50", "currency": "usd",
           "interval": "month", "is_public": "on", "active": "on"}  # fmt: skip
    assert post(pages, "/admin/plans", new) == "/admin/plans/team?notice=plan_saved"
    assert db.execute("select price_cents from core.plans where code = 'team'").fetchone() == (
        1950,)  # fmt: skip
    assert post(pages, "/admin/plans/team/delete", {}) == "/admin/plans?notice=plan_deleted"
    assert post(pages, "/admin/plans", {**new, "code": "Bad Code"}) == (
        "/admin/plans?error=invalid_name"
    )


def test_numbers_no_column_holds_are_refused_with_a_code(
    pages: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    """What a number field can be sent (nan, inf, 1e400) is refused by SQL with its code,
    never a 500, and changes nothing."""
    sign_in(pages, demo)
    details = {"name": "Pro", "price": "49", "interval": "month", "per_seat": "on",
               "is_public": "on", "active": "on"}  # fmt: skip
    limits = {"f.ai_decisions.kind": "metered", "f.ai_decisions.on": "on",
              "f.ai_decisions.limit": "250", "f.ai_decisions.overage": "soft"}  # fmt: skip
    before = db.execute("select to_jsonb(p) from core.plans p order by code").fetchall()
    before_limits = db.execute("select to_jsonb(l) from core.plan_limits l order by 1").fetchall()
    for value in ("nan", "NaN", "inf", "-infinity", "1e400"):
        for field in ("price", "annual_price", "trial_days"):
            assert "?error=" in post(pages, "/admin/plans/pro", {**details, field: value})
        assert "?error=" in post(pages, "/admin/plans", {**details, "code": "team", "price": value})
        for field in ("limit", "buffer", "grace_days"):
            assert "?error=" in post(
                pages, "/admin/plans/pro/limits", {**limits, f"f.ai_decisions.{field}": value}
            )
    for field in ("name", "currency", "stripe_monthly"):  # text cannot hold NUL
        data = {**details, field: "x\x00", "_csrf_token": csrf(pages, "/admin/sign-in")}
        r = pages.post("/admin/plans/pro", data=data, follow_redirects=False)
        assert r.status_code == 422 and "holds a NUL character" in r.text, r.text
    assert db.execute("select to_jsonb(p) from core.plans p order by code").fetchall() == before
    assert (
        db.execute("select to_jsonb(l) from core.plan_limits l order by 1").fetchall()
        == before_limits
    )


def test_tenant_forms(pages: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    sign_in(pages, demo)
    url = f"/admin/tenants/{demo.acme}"
    until = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    form = {"o.ai_decisions.kind": "metered", "o.ai_decisions.set": "on",
            "o.ai_decisions.limit": "500", "o.ai_decisions.enabled": "on",
            "o.ai_decisions.expires": until, "o.ai_decisions.reason": "pilot",
            "o.sso.kind": "switch", "o.sso.set": "on", "o.sso.enabled": "on",
            "o.members.kind": "gauge", "o.members.limit": "99",
            "o.members.enabled": "on"}  # fmt: skip
    assert post(pages, f"{url}/overrides", form) == f"{url}?notice=overrides_saved"
    rows = db.execute(
        "select feature, limit_value, reason from core.overrides where tenant_id = %s"
        " order by feature",
        (demo.acme,),
    ).fetchall()
    assert rows == [("ai_decisions", 500, "pilot"), ("sso", None, None)]
    page = pages.get(url).text
    assert "of 500" in page and "override" in page
    assert post(pages, f"{url}/status", {"status": "suspended"}) == f"{url}?notice=tenant_suspended"
    assert "Lift the suspension" in pages.get(url).text
    assert post(pages, f"{url}/status", {"status": "active"}) == f"{url}?notice=tenant_active"
    assert post(pages, f"{url}/addons", {"addon": "extra_emails", "quantity": "2"}) == (
        f"{url}?notice=addon_granted"
    )
    assert post(pages, f"{url}/addons/extra_emails/revoke", {}) == f"{url}?notice=addon_revoked"
    assert (
        post(pages, f"{url}/plan", {"plan": "pro", "seats": "2"}) == f"{url}?notice=plan_assigned"
    )
    assert db.execute("select plan, seats from core.subscriptions where tenant_id = %s",
                      (demo.acme,)).fetchone() == ("pro", 2)  # fmt: skip
    past = {"o.members.kind": "gauge", "o.members.set": "on", "o.members.limit": "3",
            "o.members.expires": "2001-01-01"}  # fmt: skip
    assert post(pages, f"{url}/overrides", past) == f"{url}?error=invalid_argument"


def test_run_a_job_now(pages: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    sign_in(pages, demo)
    assert "expire_trials" in pages.get("/admin/jobs").text
    assert post(pages, "/admin/jobs/expire_trials/run", {}) == "/admin/jobs?notice=job_queued"
    assert db.execute("select job, status from core.job_runs").fetchall() == [
        ("expire_trials", "queued")]  # fmt: skip
    assert post(pages, "/admin/jobs/nope/run", {}) == "/admin/jobs?error=job_not_found"


def test_unknown_tenant_and_plan(pages: TestClient, demo: Demo) -> None:
    sign_in(pages, demo)
    r = pages.get("/admin/tenants/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404 and "There is no such tenant." in r.text
    r = pages.get("/admin/plans/gold")
    assert r.status_code == 404 and "There is no such plan" in r.text


def test_subscriptions_filter_and_search(pages: TestClient, demo: Demo) -> None:
    sign_in(pages, demo)
    page = pages.get("/admin/subscriptions?status=none").text
    assert "Acme Corp" in page and "Globex" not in page
    page = pages.get("/admin/subscriptions?search=glob").text
    assert "Globex" in page and "Acme Corp" not in page
    page = pages.get("/admin/subscriptions?plan=enterprise").text
    assert "Initech" in page and "Globex" not in page
    assert 'hx-get="/admin/subscriptions"' in page  # live filtering with JavaScript


def test_dismiss_an_event(pages: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    from psycopg.types.json import Jsonb

    from tests.stripe_fixtures import event, subscription

    orphan = event("evt_orphan", "customer.subscription.created", 1_767_225_600,
                   subscription("sub_o", "cus_nobody", "price_x"))  # fmt: skip
    with db.transaction():
        db.execute("set local role ratecard_service")
        db.execute("select api.receive_stripe_event(%s)", (Jsonb(orphan),))
    sign_in(pages, demo)
    assert "evt_orphan" in pages.get("/admin/stripe-events").text
    assert post(pages, "/admin/stripe-events/evt_orphan/dismiss", {"reason": "test object"}) == (
        "/admin/stripe-events?notice=event_dismissed"
    )
    assert db.execute("select status, dismissed_reason from core.stripe_events").fetchone() == (
        "dismissed", "test object")  # fmt: skip
