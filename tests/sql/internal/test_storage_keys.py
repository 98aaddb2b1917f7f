"""The key layout and the S3 helpers: internal.compile_key_layout,
internal.storage_attribute, internal.sequencer_cmp, internal.url_decode."""

from __future__ import annotations

from urllib.parse import quote_plus

import psycopg
import pytest

from tests.sql.conftest import Api

ZERO = "00000000-0000-0000-0000-000000000000"


def compile_layout(db: psycopg.Connection, layout: str) -> tuple:
    return db.execute(
        "select pattern, tenant_first, prefix, tenant_prefix from internal.compile_key_layout(%s)",
        (layout,),
    ).fetchone()


def test_default_layout_compiles(db: psycopg.Connection) -> None:
    pattern, tenant_first, prefix, tenant_prefix = compile_layout(
        db, "tenants/{tenant_id}/{category}/{rest}"
    )
    assert tenant_first is True
    assert prefix == "tenants/"
    assert tenant_prefix == "tenants/{tenant_id}/"
    assert pattern.startswith("^tenants/(") and pattern.endswith(")/([^/]+)/.+$")


def test_layouts_with_the_category_first_or_literals_escaped(db: psycopg.Connection) -> None:
    assert compile_layout(db, "{category}/{tenant_id}/{rest}")[1:] == (False, "", None)
    pattern, *_ = compile_layout(db, "app.v1/{tenant_id}/x+y/{category}/{rest}")
    assert pattern.startswith(r"^app\.v1/") and r"/x\+y/" in pattern


@pytest.mark.parametrize(
    "layout",
    [
        "tenants/{tenant_id}/{rest}",  # no category
        "tenants/{tenant_id}/{category}/{rest}/x",  # rest not last
        "tenants/{tenant_id}/{tenant_id}/{category}/{rest}",  # twice
        "t-{tenant_id}/{category}/{rest}",  # not a whole segment
        "/tenants/{tenant_id}/{category}/{rest}",  # not a relative path
        "tenants/{tenant}/{category}/{rest}",  # unknown placeholder
    ],
)
def test_bad_layouts_are_refused(db: psycopg.Connection, layout: str) -> None:
    with pytest.raises(psycopg.Error) as e:
        compile_layout(db, layout)
    assert e.value.sqlstate == "RC005"


def attribute(db: psycopg.Connection, key: str) -> tuple:
    return db.execute(
        "select a.tenant_id, a.category from internal.storage_layout() l,"
        " internal.storage_attribute(%s, l.pattern, l.tenant_first, l.category_names) a",
        (key,),
    ).fetchone()


def test_attribution_under_the_default_layout(catalog: Api) -> None:
    t = catalog.tenant("a")
    db = catalog.conn
    assert attribute(db, f"tenants/{t}/upload/docs/q3.pdf") == (t, "upload")
    assert attribute(db, f"tenants/{t}/profile_image/me.png") == (t, "profile_image")
    # unattributed, never an error: outside the layout, unknown category or tenant,
    # no rest, not canonical, upper-case UUID
    assert attribute(db, f"tenants/{t}/videos/a.mp4") == (t, None)
    assert attribute(db, f"tenants/{ZERO}/upload/a") == (None, None)
    assert attribute(db, "misc/readme.txt") == (None, None)
    assert attribute(db, f"tenants/{t}/upload") == (None, None)
    assert attribute(db, f"tenants/{t}/upload//a") == (None, None)
    assert attribute(db, f"tenants/{str(t).upper()}/upload/a") == (None, None)


def test_a_custom_layout_and_category_names(catalog: Api) -> None:
    t = catalog.tenant("a")
    catalog.admin(
        "select api.set_storage_settings(%s, %s::jsonb)",
        "files/{category}/{tenant_id}/{rest}",
        '{"docs": "upload", "chat": "attachment", "exports": "export",'
        ' "avatars": "profile_image", "backups": "backup", "uploads": "upload"}',
    )
    db = catalog.conn
    assert attribute(db, f"files/chat/{t}/2026/a.png") == (t, "attachment")
    assert attribute(db, f"files/uploads/{t}/a") == (t, "upload")
    assert attribute(db, f"tenants/{t}/upload/a") == (None, None)
    with pytest.raises(psycopg.Error) as e:  # every category needs a name
        catalog.admin("select api.set_storage_settings(null, %s::jsonb)", '{"docs": "upload"}')
    assert e.value.sqlstate == "RC005"
    with pytest.raises(psycopg.Error) as e:
        catalog.admin("select api.set_storage_settings(p_upload_seconds => 10)")
    assert e.value.sqlstate == "RC005"


@pytest.mark.parametrize(
    ("a", "b", "order"),
    [
        ("0055AED6DCD90281E5", "0055AED6DCD90281E6", -1),
        ("0055AED6DCD90281E5", "0055AED6DCD90281E5", 0),
        # different lengths: the shorter is right-padded with zeros before comparing
        ("0055AED6DCD90281E5", "0055AED6DCD90281E500", 0),
        ("0055AED6DCD90281E5", "0055AED6DCD90281E501", -1),
        ("0055AED6DCD90281F", "0055AED6DCD90281E5FF", 1),
        ("1", "0FFFFFFFFFFFFFFFFF", 1),
        ("00aa", "00AB", -1),  # case does not matter
    ],
)
def test_sequencers_compare_as_s3_documents(
    db: psycopg.Connection, a: str, b: str, order: int
) -> None:
    assert db.execute("select internal.sequencer_cmp(%s, %s)", (a, b)).fetchone() == (order,)
    assert db.execute("select internal.sequencer_cmp(%s, %s)", (b, a)).fetchone() == (-order,)


@pytest.mark.parametrize(
    "key", ["a b/c+d.txt", "docs/q3 (final).pdf", "ünïcødé/日本語.txt", "100%/a&b=c?.txt", "~x"]
)
def test_url_decode_reverses_s3_key_encoding(db: psycopg.Connection, key: str) -> None:
    encoded = quote_plus(key, safe="/")
    assert db.execute("select internal.url_decode(%s)", (encoded,)).fetchone() == (key,)


def test_url_decode_of_bytes_that_are_not_utf8_is_null(db: psycopg.Connection) -> None:
    assert db.execute("select internal.url_decode('a%FFb')").fetchone() == (None,)
    assert db.execute("select internal.url_decode('a%00b')").fetchone() == (None,)
    assert db.execute("select internal.url_decode('50%')").fetchone() == ("50%",)
