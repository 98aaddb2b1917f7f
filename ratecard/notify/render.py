"""The notification templates (templates/<type>.j2, Jinja2): subject, plain text and HTML
for every notification type, from the event's JSON (internal.notification_event).

Each type's template extends _base.j2 and fills the blocks `subject`, `text_body` and
`html_body`; the template is rendered three times (`part` = subject, text, html) and
_base.j2 adds the greeting, the link to the billing page
(RATECARD_PUBLIC_URL + /billing) and the footer. The plain text and the subject are
rendered without escaping, the HTML with autoescaping on (a tenant's name is data).
A type without a template of its own gets _generic.j2, which lists the event's data.

Filters for the templates: `number` (1,234,567), `money(currency)` (cents to $49.00),
`when` (an ISO time or Unix seconds to "1 December 2026 at 00:00 UTC"), `day`
("1 December 2026").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined

TEMPLATES = Path(__file__).parent / "templates"
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}
ZERO_DECIMAL = {"jpy", "krw", "vnd", "clp", "isk", "huf", "twd", "ugx"}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _number(value: Any) -> str:
    if value is None or isinstance(value, Undefined):
        return "unlimited"
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"


def _money(cents: Any, currency: Any = "usd") -> str:
    if cents is None or isinstance(cents, Undefined):
        return "the amount due"
    code = str(currency or "usd").lower()
    amount = Decimal(int(cents)) if code in ZERO_DECIMAL else Decimal(int(cents)) / 100
    text = f"{amount:,.0f}" if code in ZERO_DECIMAL else f"{amount:,.2f}"
    symbol = SYMBOLS.get(code)
    return f"{symbol}{text}" if symbol else f"{text} {code.upper()}"


def _time(value: Any) -> datetime | None:
    if value is None or isinstance(value, Undefined) or value == "":
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value), tz=UTC)
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return None


def _when(value: Any) -> str:
    t = _time(value)
    return f"{t.day} {t:%B %Y} at {t:%H:%M} UTC" if t else "soon"


def _day(value: Any) -> str:
    t = _time(value)
    return f"{t.day} {t:%B %Y}" if t else "soon"


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        # plain text and subjects are not HTML; the HTML environment escapes
        autoescape=autoescape,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=Undefined,
    )
    env.filters.update(number=_number, money=_money, when=_when, day=_day)
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)
# for tests: every variable a template uses must exist
_STRICT = _environment(autoescape=False)
_STRICT.undefined = StrictUndefined


def template_name(kind: str) -> str:
    name = f"{kind}.j2"
    return name if (TEMPLATES / name).is_file() and not kind.startswith("_") else "_generic.j2"


def render(
    event: dict[str, Any], *, tenant_name: str, billing_url: str, strict: bool = False
) -> Rendered:
    """Subject, plain text and HTML of one notification (the event from SQL)."""
    context = {
        "event": event,
        "type": event.get("type"),
        "data": event.get("data") or {},
        "tenant_name": tenant_name,
        "billing_url": billing_url,
    }
    name = template_name(str(event.get("type")))
    text_env = _STRICT if strict else _TEXT
    text_template = text_env.get_template(name)
    subject = " ".join(text_template.render(context, part="subject").split())
    text = text_template.render(context, part="text").strip() + "\n"
    html = _HTML.get_template(name).render(context, part="html").strip() + "\n"
    return Rendered(subject=subject, text=text, html=html)
