"""JSON text from outside (HTTP bodies, Stripe webhooks), decoded once and checked for
what PostgreSQL and Python cannot take, before anything else sees it.

- The bytes must be UTF-8 (RFC 8259) and JSON: otherwise BadJson(400, "malformed_json").
- Nesting deeper than MAX_DEPTH (64) levels is refused with the same 400, at any size:
  a decoder or encoder that recurses would otherwise fail on deep input (msgspec and the
  json module stop near 1,000 levels with RecursionError).
- A number no double can hold (`1e400`) is refused with the same 400 where nothing types
  the body (the webhooks); a typed body (`model`) passes msgspec's ValidationError on.
- A string or object key holding NUL (U+0000) is refused with BadJson(422,
  "invalid_argument") naming where it is (`events[0].properties.k`): PostgreSQL's text and
  jsonb cannot store NUL, so it would otherwise fail inside the database.

Every other rule on the values belongs to SQL.
"""

from __future__ import annotations

from typing import Any

import msgspec

MAX_DEPTH = 64


class BadJson(ValueError):
    """A body that cannot be accepted: status 400 or 422, a stable code, where (a key)."""

    def __init__(self, status: int, code: str, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.key = key


def decode(raw: bytes, model: Any = Any, *, strict: bool = True) -> Any:
    """Decode `raw` into `model` (msgspec), then check depth and NUL. msgspec's own
    ValidationError (wrong type, missing or unknown field) passes through for a typed
    `model`."""
    try:
        # The whole text must be UTF-8, also where a decoder would skip it (an unknown
        # field, an ignored value): checked first, at C speed.
        raw.decode("utf-8")
        value = msgspec.json.decode(raw, type=model, strict=strict)
    except UnicodeDecodeError:
        raise BadJson(400, "malformed_json", "the body is not valid UTF-8") from None
    except RecursionError:
        raise BadJson(400, "malformed_json", too_deep()) from None
    except msgspec.ValidationError as exc:
        if model is Any:  # untyped: only a number past the range of a double gets here
            raise BadJson(400, "malformed_json", f"the JSON cannot be read: {exc}") from None
        raise
    except msgspec.DecodeError as exc:
        raise BadJson(400, "malformed_json", str(exc)) from None
    check(value)
    return value


def too_deep() -> str:
    return f"the JSON is nested deeper than {MAX_DEPTH} levels"


def check(value: Any) -> None:
    """Walk a decoded value (msgspec Structs, dicts, lists, strings) without recursion:
    BadJson for nesting deeper than MAX_DEPTH or a NUL anywhere in a string or key."""
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(value, 0, ())]
    while stack:
        v, depth, path = stack.pop()
        if isinstance(v, str):
            if "\x00" in v:
                raise _nul(path)
            continue
        if isinstance(v, dict):
            items: Any = v.items()
        elif isinstance(v, list | tuple):
            items = enumerate(v)
        elif isinstance(v, msgspec.Struct):
            items = ((f, getattr(v, f)) for f in v.__struct_fields__)
        else:
            continue
        if depth >= MAX_DEPTH:
            raise BadJson(400, "malformed_json", too_deep())
        for k, item in items:
            if isinstance(k, str) and "\x00" in k:
                raise _nul((*path, k))
            if isinstance(item, str | dict | list | tuple | msgspec.Struct):
                stack.append((item, depth + 1, (*path, k)))


def key_of(path: tuple[str | int, ...]) -> str:
    """events[0].properties.k"""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _nul(path: tuple[str | int, ...]) -> BadJson:
    key = key_of(path).replace("\x00", "\\u0000")
    where = f" at {key}" if key else ""
    return BadJson(
        422, "invalid_argument", f"text cannot contain the NUL character (U+0000){where}", key
    )
