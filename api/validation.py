"""Request bodies: decoded strictly, straight into msgspec Structs.

Litestar converts bodies in msgspec's lax mode, which accepts "5" or "1e3" for an integer
and 1 or "true" for a boolean. Ratecard's bodies are a contract, so route handlers declare
`dto=Strict[SomeStruct]`: the body is decoded by `msgspec.json.decode(..., strict=True)` in
one pass, and the Struct still documents the body in the OpenAPI schema.

Outcomes: a body that is not JSON is 400 `malformed_json`; a wrong type, a missing or an
unknown field, or a violated constraint is 422 `invalid_request` with
`detail: [{"message", "key", "source": "body"}]`. An empty body is reported by Litestar
(see api.errors: 400 `malformed_json`).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec
from litestar.dto import MsgspecDTO

from api.errors import ApiError

T = TypeVar("T", bound=msgspec.Struct)


def decode_body(raw: bytes, model: type[Any]) -> Any:
    try:
        return msgspec.json.decode(raw, type=model, strict=True)
    except msgspec.ValidationError as exc:
        # msgspec: "Expected `int`, got `str` - at `$.amount`"
        text = str(exc)
        message, _, where = text.partition(" - at ")
        key = where.strip("`").removeprefix("$").removeprefix(".") or None
        problem: dict[str, Any] = {"message": message, "source": "body"}
        if key:
            problem["key"] = key
        raise ApiError(422, "invalid_request", f"invalid request body: {text}", [problem]) from None
    except msgspec.DecodeError as exc:
        raise ApiError(400, "malformed_json", str(exc)) from None


class Strict(MsgspecDTO[T], Generic[T]):
    """A DTO that only decodes (strictly); answers are never passed through it."""

    def decode_bytes(self, value: bytes) -> Any:
        return decode_body(value, self.model_type)
