"""Request input: bodies decoded strictly, straight into msgspec Structs, and the checks
every request gets before its handler runs.

Litestar converts bodies in msgspec's lax mode, which accepts "5" or "1e3" for an integer
and 1 or "true" for a boolean. Ratecard's bodies are a contract, so every route with a
body declares `dto=Strict[SomeStruct]`: the body is decoded by ratecard.jsontext (msgspec,
strict, UTF-8, at most 64 levels deep, no NUL) in one pass, and the Struct still documents
the body in the OpenAPI schema.

Outcomes: a body that is not UTF-8 JSON, or is nested too deep, is 400 `malformed_json`;
a wrong type, a missing or an unknown field, or a violated type range is 422
`invalid_request` with `detail: [{"message", "key", "source": "body"}]`; a NUL character in
any string is 422 `invalid_argument` naming the field. An empty body is reported by
Litestar (see api.errors: 400 `malformed_json`).

`check_request` (the app's before_request hook) does the same for what is not a body:
path, query and header values with a NUL are 422 `invalid_argument`, a second
Idempotency-Key, Content-Type or Stripe-Signature header is 400 `duplicate_header`, and a
body sent to a JSON route with another media type is 415 `unsupported_media_type` (and
so is one sent to the NDJSON route, POST /v1/usage/stream, without
`application/x-ndjson` or `application/jsonl`).
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar import Request
from litestar.dto import MsgspecDTO
from litestar.typing import FieldDefinition

from api.errors import ApiError
from ratecard import jsontext

T = TypeVar("T", bound=msgspec.Struct)


def documented(schema: dict[str, Any], description: str | None = None) -> msgspec.Meta:
    """OpenAPI constraints of a field whose rule SQL enforces (an enum, a length): shown in
    the schema, checked by the database, which answers with its own documented code."""
    extra: dict[str, Any] = {"extra": schema}
    if description:
        extra["description"] = description
    return msgspec.Meta(extra_json_schema=extra)


# Integers documented with the range of the SQL parameter they go to (bigint, integer).
# The database enforces it: a number past it is 422 numeric_out_of_range (22003).
BigInt = Annotated[int, documented({"format": "int64", "minimum": -(2**63), "maximum": 2**63 - 1})]
Int = Annotated[int, documented({"format": "int32", "minimum": -(2**31), "maximum": 2**31 - 1})]

# Headers a request may carry at most once: two of them leave the meaning open.
SINGLE_HEADERS = ("idempotency-key", "content-type", "stripe-signature")


def decode_body(raw: bytes, model: type[Any]) -> Any:
    try:
        return jsontext.decode(raw, model)
    except jsontext.BadJson as exc:
        detail = [{"message": exc.message, "source": "body", "key": exc.key}] if exc.key else None
        raise ApiError(exc.status, exc.code, exc.message, detail) from None
    except msgspec.ValidationError as exc:
        # msgspec: "Expected `int`, got `str` - at `$.amount`"
        text = str(exc)
        message, _, where = text.partition(" - at ")
        key = where.strip("`").removeprefix("$").removeprefix(".") or None
        problem: dict[str, Any] = {"message": message, "source": "body"}
        if key:
            problem["key"] = key
        raise ApiError(422, "invalid_request", f"invalid request body: {text}", [problem]) from None


class Strict(MsgspecDTO[T], Generic[T]):
    """A DTO that only decodes (strictly); answers are never passed through it."""

    def decode_bytes(self, value: bytes) -> Any:
        return decode_body(value, self.model_type)

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: Any
    ) -> Any:
        """The Struct itself is the body's schema (not a generated transfer model), so
        its constraints and documented rules show as written."""
        return schema_creator.for_field_definition(
            FieldDefinition.from_annotation(
                cls.model_type, kwarg_definition=field_definition.kwarg_definition
            )
        )


def idempotency_key(body_key: str | None, header_key: str | None) -> str | None:
    """The request's idempotency key: the body's `idempotency_key` or the Idempotency-Key
    header; both may be sent only when they are the same (422 invalid_request otherwise).
    Its form is checked in SQL (internal.check_idempotency_key)."""
    if header_key is None:
        return body_key
    if body_key is not None and body_key != header_key:
        raise ApiError(
            422,
            "invalid_request",
            "the Idempotency-Key header and the body's idempotency_key differ",
            hint="send the key once, or the same key in both",
        )
    return header_key


def _nul(source: str, key: str) -> ApiError:
    shown = key.replace("\x00", "\\u0000")
    message = f"text cannot contain the NUL character (U+0000): {source} {shown}"
    return ApiError(
        422, "invalid_argument", message, [{"message": message, "source": source, "key": shown}]
    )


def _json_media_type(value: str) -> bool:
    media = value.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


NDJSON_MEDIA_TYPES = ("application/x-ndjson", "application/jsonl")


def _ndjson_media_type(value: str) -> bool:
    return value.partition(";")[0].strip().lower() in NDJSON_MEDIA_TYPES


def _takes_body(request: Request[Any, Any, Any]) -> bool:
    handler = request.route_handler
    return bool(handler.opt.get("json_body")) or "data" in handler.parsed_fn_signature.parameters


async def check_request(request: Request[Any, Any, Any]) -> None:
    """before_request: NUL in path, query and header values, duplicate headers, media type."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and "\x00" in value:
            raise _nul("path", name)
    query = request.scope.get("query_string", b"")
    if query and b"%00" in query:
        for name, value in request.query_params.multi_items():
            if "\x00" in name or "\x00" in value:
                raise _nul("query", name)
    headers = request.headers
    for name in SINGLE_HEADERS:
        if len(headers.getall(name, ())) > 1:
            raise ApiError(
                400,
                "duplicate_header",
                f"the {name} header is sent more than once",
                hint="send it once",
            )
    for name, value in headers.items():
        if "\x00" in value:
            raise _nul("header", name)
    if request.method == "POST" and request.route_handler.opt.get("ndjson_body"):
        if not _ndjson_media_type(headers.get("content-type", "")):
            raise ApiError(
                415,
                "unsupported_media_type",
                "the body must be NDJSON (one JSON event per line), sent with"
                " Content-Type: application/x-ndjson",
                hint="add the header Content-Type: application/x-ndjson",
            )
    elif request.method in ("POST", "PUT", "PATCH", "DELETE") and _takes_body(request):
        length = headers.get("content-length")
        has_body = (length is not None and length.strip() != "0") or (
            "transfer-encoding" in headers
        )
        if has_body and not _json_media_type(headers.get("content-type", "")):
            raise ApiError(
                415,
                "unsupported_media_type",
                "the body must be JSON, sent with Content-Type: application/json",
                hint="add the header Content-Type: application/json",
            )
