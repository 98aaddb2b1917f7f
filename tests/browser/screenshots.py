"""`./dev screenshots` (`make screenshots`): PNGs of every page at a phone's and a desktop's
width, into docs/screenshots/ (the README shows them).

It runs everything it needs itself, like the test suite: a throwaway PostgreSQL cluster
(fsync off, in a temporary folder), migrated, with the demo catalog and a year of showcase
data (tests/browser/showcase.py), the API under uvicorn on a free loopback port, and
Debian's Chromium through Playwright. Nothing touches the embedded database of `./dev up`.

    python -m tests.browser.screenshots [--out docs/screenshots] [--only billing,admin-overview]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import httpx
import psycopg
from playwright.sync_api import Page, sync_playwright

from api.app import create_app
from ratecard.cluster import Cluster
from ratecard.config import PROJECT_ROOT, Settings
from ratecard.migrate import migrate
from ratecard.seed import seed_demo
from ratecard.stripe_gateway import StripeSettings
from tests.browser import showcase
from tests.browser.chromium import launch
from tests.serving import bound_loopback_socket, serve

WIDTHS = {"desktop": (1280, 860), "phone": (390, 844)}


def _free_port() -> int:
    sock = bound_loopback_socket()
    port = sock.getsockname()[1]
    sock.close()
    return port


def _sign_in(page: Page, url: str, key: str) -> None:
    page.goto(f"{url}/admin/sign-in")
    page.get_by_label("Admin API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/admin")


@dataclass
class Showcase:
    url: str
    service_key: str
    admin_key: str
    ids: dict[str, UUID]

    def billing_link(self, tenant: UUID) -> str:
        r = httpx.post(
            f"{self.url}/v1/tenants/{tenant}/billing-session",
            headers={"Authorization": f"Bearer {self.service_key}"},
        )
        r.raise_for_status()
        return str(r.json()["url"])


@contextmanager
def showcase_server(port: int = 0) -> Iterator[Showcase]:
    """A throwaway cluster with the demo catalog and the showcase, and the API serving it."""
    settings = Settings.from_env()
    with tempfile.TemporaryDirectory(prefix="ratecard-screens-") as tmp:
        cluster = Cluster(
            home=Path(tmp) / "pg",
            port=_free_port(),
            bindir=settings.pg_bindir,
            os_user=settings.pg_os_user,
            settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
        )
        cluster.start()
        try:
            dsn = cluster.conninfo()
            migrate(dsn)
            seed_demo(dsn)
            with psycopg.connect(dsn, autocommit=True) as conn:
                ids = showcase.build(conn, datetime.now(UTC))
                service = conn.execute("select api.create_api_key('service', 'screens')")
                service_key = service.fetchone()[0]  # type: ignore[index]
                admin = conn.execute("select api.create_api_key('admin', 'screens')")
                admin_key = admin.fetchone()[0]  # type: ignore[index]
            # Stripe "configured" (nothing is sent to it here): the pages show their actions.
            stripe = StripeSettings(secret_key="sk_test_screens", api_base="http://127.0.0.1:9")
            app = create_app(Settings(database_url=dsn), stripe_settings=stripe)
            with serve(app, ready_path="/readyz", name="screens", port=port) as url:
                yield Showcase(url, service_key, admin_key, ids)
        finally:
            cluster.destroy()


def take(s: Showcase, out: Path, only: set[str] | None = None) -> list[Path]:
    """Every page at each width, full length, into `out`."""
    url = s.url
    shots: list[tuple[str, Callable[[Page], object]]] = [
        ("billing-starter", lambda pg: pg.goto(s.billing_link(s.ids["acme"]))),
        ("billing-pro", lambda pg: pg.goto(s.billing_link(s.ids["umbrella"]))),
        ("admin-sign-in", lambda pg: pg.goto(f"{url}/admin/sign-in")),
        ("admin-overview", lambda pg: pg.goto(f"{url}/admin")),
        ("admin-subscriptions", lambda pg: pg.goto(f"{url}/admin/subscriptions")),
        ("admin-tenant", lambda pg: pg.goto(f"{url}/admin/tenants/{s.ids['umbrella']}")),
        ("admin-plans", lambda pg: pg.goto(f"{url}/admin/plans")),
        ("admin-plan", lambda pg: pg.goto(f"{url}/admin/plans/pro")),
        ("admin-stripe-events", lambda pg: pg.goto(f"{url}/admin/stripe-events")),
        ("admin-jobs", lambda pg: pg.goto(f"{url}/admin/jobs")),
        ("admin-capacity", lambda pg: pg.goto(f"{url}/admin/capacity")),
    ]
    written: list[Path] = []
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        for device, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            signed_in = False
            for name, open_page in shots:
                if only and name not in only:
                    continue
                if name.startswith("admin-") and name != "admin-sign-in" and not signed_in:
                    _sign_in(page, url, s.admin_key)
                    signed_in = True
                open_page(page)
                page.wait_for_load_state("networkidle")
                path = out / f"{name}-{device}.png"
                page.screenshot(path=str(path), full_page=True)
                written.append(path)
            context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    parser.add_argument("--only", help="comma-separated names, e.g. billing-pro,admin-overview")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    with showcase_server() as s:
        written = take(s, args.out, only)
    for path in written:
        print(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


if __name__ == "__main__":
    main()
