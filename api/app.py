"""The Litestar application: routes, error mapping, request logging, OpenAPI.

Thin by design: each route validates its input, makes one SQL call and maps the result.
The OpenAPI schema is served at /schema (JSON at /schema/openapi.json).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.di import Provide
from litestar.logging.config import LoggingConfig, default_handlers
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from psycopg_pool import AsyncConnectionPool

from api.auth import KeyCache, cache_seconds_from_env, principal
from api.checks import CheckBatchers
from api.db import make_pool
from api.errors import EXCEPTION_HANDLERS
from api.observability import HttpMetrics, ObservedApp
from api.openapi import StrictStructSchemaPlugin, document_statuses
from api.pages import page_routers, template_config
from api.routes.admin import admin_router
from api.routes.analytics import analytics_router
from api.routes.billing import billing_router
from api.routes.catalog import catalog_router
from api.routes.health import healthz, metrics, readyz
from api.routes.me import me_router
from api.routes.metering import metering_router
from api.routes.notifications import notifications_admin_router, notifications_billing_router
from api.routes.service import service_router
from api.routes.webhooks import s3_webhook, stripe_webhook
from api.validation import check_request
from ratecard import __version__
from ratecard.config import Settings
from ratecard.db import app_conninfo
from ratecard.logs import drain as drain_logs
from ratecard.logs import formatters, install_request_ids
from ratecard.metrics import new_registry, watch_pool
from ratecard.migrate import latest_migration_id
from ratecard.s3_gateway import S3Settings
from ratecard.stripe_gateway import StripeSettings

log = logging.getLogger("ratecard.api")
MAX_BODY_BYTES = 1_048_576


def create_app(
    settings: Settings | None = None,
    pool: AsyncConnectionPool | None = None,
    stripe_settings: StripeSettings | None = None,
    key_cache_seconds: float | None = None,
    s3_settings: S3Settings | None = None,
) -> Litestar:
    """The app. key_cache_seconds defaults to RATECARD_API_KEY_CACHE_SECONDS (30)."""
    settings = settings or Settings.from_env()
    key_cache = KeyCache(
        cache_seconds_from_env() if key_cache_seconds is None else key_cache_seconds
    )
    stripe_settings = stripe_settings or StripeSettings.from_env()
    s3_settings = s3_settings or S3Settings.from_env()
    own_pool = pool is None
    the_pool = pool or make_pool(app_conninfo(settings))
    registry = new_registry()
    watch_pool(registry, "api", the_pool.get_stats)
    install_request_ids()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if own_pool:
            # Do not wait: the API must come up (and /readyz say 503) while the DB is down.
            await the_pool.open(wait=False)
        app.state.pool = the_pool
        app.state.checks = CheckBatchers(app.state, app.metrics.check_batch.observe)
        app.state.key_cache = key_cache
        app.state.expected_schema = latest_migration_id()
        app.state.stripe = stripe_settings
        app.state.s3 = s3_settings
        app.state.public_url = settings.public_url
        app.state.settings = settings
        try:
            yield
        finally:
            if own_pool:
                await the_pool.close()
            drain_logs()  # the last lines go where the app's output still goes

    app = ObservedApp(
        route_handlers=[
            healthz,
            readyz,
            metrics,
            service_router,
            catalog_router,
            me_router,
            admin_router,
            analytics_router,
            billing_router,
            notifications_billing_router,
            notifications_admin_router,
            metering_router,
            stripe_webhook,
            s3_webhook,
            *page_routers(settings),
        ],
        template_config=template_config(),
        dependencies={"principal": Provide(principal)},
        before_request=check_request,
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        logging_config=_logging_config(settings),
        openapi_config=OpenAPIConfig(
            title="Ratecard",
            version=__version__,
            description="Billing and entitlement engine. Errors: {code, message, detail, hint}.",
            components=Components(
                security_schemes={
                    "apiKey": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An API key: `Authorization: Bearer rc_<id>_<secret>`",
                    )
                }
            ),
        ),
        request_max_body_size=MAX_BODY_BYTES,
        plugins=[StrictStructSchemaPlugin()],
    )
    app.metrics = HttpMetrics(registry)
    document_statuses(app)
    _options_allow_every_method(app)
    return app


def _logging_config(settings: Settings) -> LoggingConfig:
    """Litestar's handlers, writing text or JSON lines (RATECARD_LOG_FORMAT) that carry the
    request id (api/observability.py)."""
    formatter = "json" if settings.log_format == "json" else "standard"
    handlers = copy.deepcopy(default_handlers)
    for handler in handlers.values():
        if "formatter" in handler:
            handler["formatter"] = formatter
    return LoggingConfig(
        root={"level": settings.log_level.upper(), "handlers": ["queue_listener"]},
        loggers={"ratecard": {"level": settings.log_level.upper(), "propagate": True}},
        formatters=formatters(),
        handlers=handlers,
        log_exceptions="debug",
    )


def _options_allow_every_method(app: Litestar) -> None:
    """OPTIONS answers Allow with every method of a path.

    Litestar builds a path's OPTIONS handler when it first registers the path and computes
    Allow from that route object; when a router adds another method to the same path later
    (POST and DELETE .../addons/{addon}), the merged route has all methods but the OPTIONS
    handler still reads the first object's. Point that object at the merged methods."""
    for route in app.routes:
        entry = getattr(route, "route_handler_map", {}).get("OPTIONS")
        closure = getattr(entry[0].fn, "__closure__", None) if entry else None
        for cell in closure or ():
            owner = cell.cell_contents
            if owner is not route and hasattr(owner, "methods"):
                owner.methods = route.methods
