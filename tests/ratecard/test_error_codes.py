"""The error registry (ratecard/error_codes.py) is the one source: every SQLSTATE raised
in sql/ is in it (or deliberately unmapped), nothing in it is stale, the HTTP layer maps
exactly it, and docs/error_codes.md documents exactly its rows."""

from __future__ import annotations

import re

from api.errors import SQLSTATE_MAP
from ratecard import error_codes
from ratecard.config import PROJECT_ROOT

RAISED = re.compile(r"errcode\s*=\s*'([A-Z0-9]{5})'")
# A documentation table row: | `RC001` | name | 404 | `tenant_not_found` | ...
DOC_ROW = re.compile(r"^\|\s*`([A-Z0-9]{5})`\s*\|[^|]*\|\s*(\d{3})\s*\|\s*`([a-z_]+)`", re.M)


def raised_in_sql() -> set[str]:
    found: set[str] = set()
    for path in (PROJECT_ROOT / "sql").rglob("*.sql"):
        found.update(RAISED.findall(path.read_text()))
    return found


def test_every_code_raised_in_sql_is_registered() -> None:
    registered = {e.sqlstate for e in error_codes.RATECARD} | error_codes.UNMAPPED
    ours = {s for s in raised_in_sql() if s.startswith("RC")}
    assert ours - registered == set(), "raised in sql/ but not in ratecard/error_codes.py"
    assert registered - ours == set(), "registered but raised nowhere in sql/"


def test_http_layer_maps_exactly_the_registry() -> None:
    expected = {
        e.sqlstate: (e.http, e.code) for e in (*error_codes.RATECARD, *error_codes.STANDARD)
    }
    assert expected == SQLSTATE_MAP
    assert not error_codes.UNMAPPED & set(SQLSTATE_MAP)


def test_docs_document_exactly_the_registry() -> None:
    text = (PROJECT_ROOT / "docs" / "error_codes.md").read_text()
    documented = {s: (int(h), c) for s, h, c in DOC_ROW.findall(text)}
    for state in error_codes.UNMAPPED:  # documented as what they are answered with
        assert documented.pop(state) == (500, "internal_error")
    assert documented == SQLSTATE_MAP
