"""The notification templates (ratecard/notify/render.py, templates/): every type the
outbox can hold has one, each renders its example strictly (no undefined name), the
numbers and the billing link are in the email, and the HTML escapes what is data."""

from __future__ import annotations

import re

import psycopg

from ratecard.config import PROJECT_ROOT
from ratecard.notify.examples import EXAMPLES
from ratecard.notify.render import TEMPLATES, render, template_name

WRITTEN = re.compile(r"internal\.notify\(\s*[\w.]+,\s*'([a-z_]+)'")


def kinds_written_in_sql() -> set[str]:
    found = {"threshold"}  # internal.emit_thresholds writes it directly
    for path in (PROJECT_ROOT / "sql").rglob("*.sql"):
        found.update(WRITTEN.findall(path.read_text()))
    # kinds chosen by a case expression: internal.notify(x, case ... 'suspended' else ...)
    for path in (PROJECT_ROOT / "sql").rglob("*.sql"):
        for block in re.findall(r"internal\.notify\([^;]*?case[^;]*?end", path.read_text()):
            found.update(re.findall(r"'([a-z_]+)'", block.split("end")[0]))
    return found - {"administrator"}


def test_every_kind_written_is_a_known_type_with_a_template_and_an_example(
    db: psycopg.Connection,
) -> None:
    known = set(db.execute("select unnest(internal.notification_types())").fetchall())
    known = {k for (k,) in known}
    written = kinds_written_in_sql()
    assert written - known == set(), "written to the outbox but not in notification_types()"
    assert known - set(EXAMPLES) == set(), "a type without an example (ratecard/notify/examples)"
    for kind in known:
        assert template_name(kind) == f"{kind}.j2", kind
        assert (TEMPLATES / f"{kind}.j2").is_file()


def test_every_example_renders_strictly_with_the_link() -> None:
    for kind, event in EXAMPLES.items():
        r = render(event, tenant_name="Acme", billing_url="https://x.test/billing", strict=True)
        assert r.subject and "\n" not in r.subject, kind
        assert "https://x.test/billing" in r.text and 'href="https://x.test/billing"' in r.html
        assert "What happens next" in r.text, kind
        assert "Hello Acme," in r.text


def test_threshold_numbers_and_what_happens_next() -> None:
    event = EXAMPLES["threshold"]
    r = render(event, tenant_name="Acme", billing_url="https://x.test/billing")
    assert r.subject == "You have used 80% of your AI decisions (80 of 100 decisions)"
    assert "80 of 100 decisions (80%)" in r.text
    assert "further use will be refused until 1 December 2026 at 00:00 UTC" in r.text
    full = {**event, "data": {**event["data"], "threshold": 100, "used": 100, "percent": 100}}
    r = render(full, tenant_name="Acme", billing_url="https://x.test/billing")
    assert r.subject == "You have reached your AI decisions limit (100 of 100 decisions)"
    assert "further use is now refused until 1 December 2026" in r.text
    billed = {**event, "data": {**event["data"], "overage": "bill", "limit": 5_000_000}}
    r = render(billed, tenant_name="Acme", billing_url="https://x.test/billing")
    assert "5,000,000" in r.text and "billed as overage" in r.text


def test_html_escapes_data_and_unknown_types_get_the_generic_template() -> None:
    r = render(
        {"type": "made_up", "id": "ntf_1", "data": {"note": "<b>hi</b>"}},
        tenant_name="<script>x</script>",
        billing_url="https://x.test/billing",
    )
    assert "<script>" not in r.html and "&lt;script&gt;" in r.html
    assert "&lt;b&gt;hi&lt;/b&gt;" in r.html
    assert r.subject == "Ratecard notice: made up"
    assert "- note: <b>hi</b>" in r.text  # plain text is not HTML


def test_the_docs_show_every_type() -> None:
    text = (PROJECT_ROOT / "docs" / "notifications.md").read_text()
    for kind, event in EXAMPLES.items():
        assert f"### `{kind}`" in text, kind
        r = render(event, tenant_name="Acme Corp", billing_url="https://app.example.com/billing")
        assert f"Subject: **{r.subject}**" in text, kind
