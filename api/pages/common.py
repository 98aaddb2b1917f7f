"""What the billing page and the admin dashboard share: templates and their formatting
filters, the session cookies, the security headers, CSRF, and how a page's one SQL call
turns database errors into pages.

A page is glue like a route: it resolves its session cookie and does its work in the same
SQL statement (api.billing_session / api.admin_session in FROM, the page's document or
action in the select list), renders the JSON document the database returned, or, for a
form, redirects back with a notice or the error's stable code (post/redirect/get, so every
request is one SQL call). Formatting (money, bytes, dates) lives here; rules do not.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
import psycopg
from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie, ResponseHeader
from litestar.exceptions import HTTPException, PermissionDeniedException, ValidationException
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig
from litestar.types import Receive, Scope, Send

from api.db import fetch
from api.errors import ApiError
from ratecard import error_codes
from ratecard.config import Settings
from ratecard.sqlcall import Params, Role

log = logging.getLogger("ratecard.pages")

HERE = Path(__file__).resolve().parent.parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

BILLING_COOKIE = "rc_billing"
ADMIN_COOKIE = "rc_admin"
CSRF_COOKIE = "rc_csrf"
HTML = "text/html; charset=utf-8"

# Pages hold private data and run on cookies: not cached, not framed, no inline script.
# Data for charts travels in <script type="application/json">, which is not executed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CSP),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="Cache-Control", value="no-store"),
]


class SessionRefused(Exception):
    """The page's session (or link) is missing, expired, ended or forged: RC035."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def secure_cookies(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


class PageCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check, answering a refused form with a page, not JSON (the check
    runs before the route, so the routers' exception handlers never see it)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except PermissionDeniedException as exc:
            app = scope["litestar_app"]
            request = app.request_class(scope=scope, receive=receive)
            response = html_error(request, exc).to_asgi_response(None, request)
            await response(scope, receive, send)


def csrf_middleware(settings: Settings) -> DefineMiddleware:
    """Litestar's double-submit CSRF check for every form of the pages: a random token in
    an HttpOnly cookie, the same token in each form (`csrf_input`), both signed with
    RATECARD_CSRF_SECRET (else a secret made for this process)."""
    config = CSRFConfig(
        secret=settings.csrf_secret or secrets.token_hex(32),
        cookie_name=CSRF_COOKIE,
        cookie_path="/",
        cookie_httponly=True,
        cookie_samesite="lax",
        cookie_secure=secure_cookies(settings),
    )
    return DefineMiddleware(PageCSRFMiddleware, config=config)


# ------------------------------------------------------------------ formatting filters

NONE = "\u2013"  # an en dash: no value
CURRENCY_SIGNS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$"}
# Currencies Stripe counts in whole units (no cents).
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                "vnd", "vuv", "xaf", "xof", "xpf"}  # fmt: skip


def _absent(value: Any) -> bool:
    """No value: None, or what a template reads from a document that lacks the key (the
    overview's KPIs before any revenue)."""
    return value is None or isinstance(value, jinja2.Undefined)


def money(cents: Any, currency: str | None = "usd", whole: bool = False) -> str:
    """1234567 usd -> $12,345.67 (whole=True drops .00)."""
    if _absent(cents):
        return NONE
    cur = (currency or "usd").lower()
    value = int(cents) if cur in ZERO_DECIMAL else int(cents) / 100
    sign = "-" if value < 0 else ""
    value = abs(value)
    digits = 0 if cur in ZERO_DECIMAL or (whole and value == int(value)) else 2
    text = f"{value:,.{digits}f}"
    symbol = CURRENCY_SIGNS.get(cur)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {cur.upper()}"


def unit_price(cents: Any, currency: str | None = "usd") -> str:
    """A price per unit in (decimal) cents, over the fewest units that make a cent or more:
    0.0005 usd -> $5.00 per million, 0.002 -> $0.02 per 1,000, 150 -> $1.50 each."""
    if _absent(cents):
        return NONE
    per_unit = Decimal(str(cents))
    scales = ((1, "each"), (1000, "per 1,000"), (10**6, "per million"), (10**9, "per billion"))
    scale, words = next(((n, w) for n, w in scales if per_unit * n >= 1), scales[-1])
    total = per_unit * scale
    if total == total.to_integral_value():
        return f"{money(int(total), currency)} {words}"
    cur = (currency or "usd").lower()
    value = total if cur in ZERO_DECIMAL else total / 100
    symbol = CURRENCY_SIGNS.get(cur)
    text = f"{value.normalize():,f}"
    return f"{symbol}{text} {words}" if symbol else f"{text} {cur.upper()} {words}"


def number(value: Any) -> str:
    if _absent(value):
        return NONE
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def size(value: Any) -> str:
    """Bytes for people: 5242880 -> 5 MiB."""
    if _absent(value):
        return NONE
    n = float(value)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            if unit == "bytes":
                return f"{int(n):,} bytes"
            return f"{n:,.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    return str(value)


def amount(value: Any, unit: str | None) -> str:
    """A quantity with its unit: bytes are sized, anything else counted."""
    if unit == "bytes":
        return size(value)
    return number(value)


def _when(value: Any) -> datetime | date | None:
    if _absent(value) or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return date.fromisoformat(text[:10])


def day(value: Any) -> str:
    """2026-12-01T00:00:00+00:00 -> Dec 1, 2026 (UTC)."""
    when = _when(value)
    if when is None:
        return NONE
    if isinstance(when, datetime):
        when = when.astimezone(UTC)
    return f"{when:%b} {when.day}, {when.year}"


def moment(value: Any) -> str:
    """A time of day too, in UTC: Dec 1, 2026 14:05 UTC."""
    when = _when(value)
    if not isinstance(when, datetime):
        return day(value)
    when = when.astimezone(UTC)
    return f"{when:%b} {when.day}, {when.year} {when:%H:%M} UTC"


def month(value: Any) -> str:
    when = _when(value)
    return NONE if when is None else f"{when:%b %Y}"


def percent(value: Any) -> str:
    if _absent(value):
        return NONE
    v = float(value)
    return f"{v:.0f}%" if v >= 10 or v == int(v) else f"{v:.1f}%"


def rate(value: Any) -> str:
    """A fraction as a percentage: 0.0523 -> 5.2%."""
    return NONE if _absent(value) else percent(float(value) * 100)


def title(value: Any) -> str:
    """A code for people: past_due -> Past due."""
    return "" if value is None else str(value).replace("_", " ").capitalize()


def iso_date(value: Any) -> str:
    """For <input type=date>: 2026-12-01."""
    when = _when(value)
    if when is None:
        return ""
    if isinstance(when, datetime):
        when = when.astimezone(UTC).date()
    return when.isoformat()


FILTERS = {
    "money": money,
    "unit_price": unit_price,
    "number": number,
    "size": size,
    "amount": amount,
    "day": day,
    "moment": moment,
    "month": month,
    "percent": percent,
    "rate": rate,
    "title": title,
    "iso_date": iso_date,
}


def _engine_callback(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters.update(FILTERS)
    engine.engine.trim_blocks = True
    engine.engine.lstrip_blocks = True


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(
        directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_engine_callback
    )


# ------------------------------------------------------------------ SQL and errors


async def page_call(
    request: Request[Any, Any, Any], query: str, params: Params, role: Role
) -> list[dict[str, Any]]:
    """The page's one SQL call. RC035 (no live session) becomes SessionRefused."""
    try:
        return await fetch(request.app.state.pool, query, params, role=role)
    except psycopg.Error as exc:
        if exc.sqlstate == "RC035":
            raise SessionRefused(exc.diag.message_primary or "no session") from None
        raise


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """A form's text fields. One holding NUL is refused (422 invalid_argument), as in a JSON
    body: PostgreSQL's text cannot store it."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    for name, value in fields.items():
        if "\x00" in name or "\x00" in value:
            raise ApiError(
                422, "invalid_argument", f"the form field {name!r} holds a NUL character"
            )
    return fields


def error_code(exc: Exception) -> str | None:
    """The stable code of a caller's error (docs/error_codes.md), or None for a failure
    that is not the caller's (re-raised: the app answers 500 or 503)."""
    if isinstance(exc, ApiError):
        return exc.code
    if isinstance(exc, psycopg.Error):
        mapped = error_codes.SQLSTATE_MAP.get(exc.sqlstate or "")
        if mapped and mapped[0] < 500:
            return mapped[1]
    return None


def back(path: str, **query: Any) -> Redirect:
    """303 See Other back to a page, with a notice or an error code in the query."""
    params = {k: v for k, v in query.items() if v not in (None, "")}
    return Redirect(path=f"{path}?{urlencode(params)}" if params else path, status_code=303)


def session_cookie(name: str, token: str, path: str, secure: bool) -> Cookie:
    """HttpOnly, SameSite=Lax, for its page's path only. No Max-Age: the session's end is
    SQL's (api.billing_session / api.admin_session refuse it after), and a browser-session
    cookie never outlives the browser."""
    return Cookie(key=name, value=token, path=path, httponly=True, samesite="lax", secure=secure)


def cleared_cookie(name: str, path: str, secure: bool) -> Cookie:
    return Cookie(
        key=name, value="", path=path, max_age=0, httponly=True, samesite="lax", secure=secure
    )


def render(name: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=name, context=context, status_code=status_code, media_type=HTML)


def html_error(request: Request[Any, Any, Any], exc: Exception) -> Template:
    """Router-level handler: pages answer errors with a page, never JSON (registered for
    every class the app's own handlers take, PAGE_ERROR_HANDLERS, since the most specific
    class wins whichever layer registered it). Statuses as the API's: a query value the
    route cannot take is 422."""
    if isinstance(exc, PermissionDeniedException):
        status, heading = 403, "This form has expired"
        text = "Reload the page and try again."
    elif isinstance(exc, ValidationException):
        status, heading, text = 422, "Something is not right", str(exc.detail)
    elif isinstance(exc, HTTPException):
        status, heading, text = exc.status_code, "Something is not right", str(exc.detail)
    else:
        log.exception("page failed", exc_info=exc)
        status, heading, text = 500, "Something went wrong", "Try again in a moment."
    if isinstance(exc, psycopg.OperationalError):
        status, heading, text = 503, "Try again in a moment", "The database is not reachable."
    return render("error.html", status_code=status, heading=heading, text=text, status=status)


PAGE_ERROR_HANDLERS = {HTTPException: html_error, psycopg.Error: html_error, Exception: html_error}
