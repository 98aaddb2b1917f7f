"""Server-rendered pages served by the API app: the tenant billing page (/billing) and the
admin dashboard (/admin), their static files (/static) and templates. docs/pages.md."""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

from api.pages.admin import admin_router
from api.pages.billing import billing_router
from api.pages.common import STATIC, csrf_middleware, template_config
from ratecard.config import Settings

__all__ = ["page_routers", "template_config"]


def page_routers(settings: Settings) -> list[Router]:
    csrf = csrf_middleware(settings)
    static = create_static_files_router(
        path="/static",
        directories=[STATIC],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600, public=True),
        name="static",
    )
    return [billing_router(csrf), admin_router(csrf), static]
