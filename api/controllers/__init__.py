"""One controller per resource of the JSON API. Controllers hold no business rules: they turn HTTP
into calls of `models.services` and rows into response shapes.

Lists: every list answers `models.paging.ListOf` (`items`, `total`, `limit`, `offset`); a handler
declares `paging: Paging` and gets it from `?limit=` and `?offset=` (`paging_from_query`, one
dependency for the whole app), hands it to its service and answers `listed(page, ItemRead)`. The
most read list (an organization's commitments) is sent by `EncodedJSON`, which encodes and sends
the same bytes with less of Litestar's work per answer.

Concurrency: a single record is read with an `ETag` (its version, quoted); a PATCH must send it
back in `If-Match`. A stale one gets 412 and the other person's edit stays intact.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Response
from litestar.params import Parameter, PathParameter, QueryParameter

from models.caller import Caller
from models.errors import UserError
from models.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, ListOf, Page, Paging
from models.words import N_

T = TypeVar("T")
MAX_ID = 2**31 - 1
# Path parameters: bounded, so 0 or less is a 400 and an id past 2**31-1 never reaches the database
# driver (`api/guard.py` answers 404 for it: no such record can exist).
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
PathText = Annotated[str, PathParameter(min_length=1, max_length=32)]

IfMatch = Annotated[
    str | None,
    Parameter(
        header="If-Match",
        required=False,
        max_length=100,
        description='The ETag of the version you read, e.g. "3"; required for PATCH.',
    ),
]


_encoder = msgspec.json.Encoder()
JSON_TYPE = (b"content-type", b"application/json")


class _Encoded:
    """An answer ready to send: status, the two headers and the body (an ASGI application)."""

    __slots__ = ("body", "status")

    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body = status, body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = [JSON_TYPE, (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


class EncodedJSON(Response[Any]):
    """The response class of the most read lists: the handler's value (a Struct) encoded by msgspec
    at once and sent with its Content-Type and Content-Length, skipping Litestar's general assembly
    of an answer (header merging, cookies, type encoders, background tasks), which such a handler
    never uses. The bytes are those Litestar's own encoding gives."""

    def __init__(
        self, content: Any, *, status_code: int | None = None, background: Any = None, **_: Any
    ) -> None:
        self.content, self.status_code, self.background = content, status_code or 200, background

    def to_asgi_response(
        self, app: Any, request: Any, *, headers: Any = None, cookies: Any = None, **rest: Any
    ) -> Any:
        if headers or cookies or self.background is not None:
            # A route that declares headers, cookies or a background task gets Litestar's own
            # assembly, so nothing it declares is dropped.
            plain = Response(self.content, status_code=self.status_code, background=self.background)
            return plain.to_asgi_response(app, request, headers=headers, cookies=cookies, **rest)
        return _Encoded(self.status_code, _encoder.encode(self.content))


class PreconditionRequired(UserError):
    status_code = 428


def shape(row: Any, type_: type[T]) -> T:
    """A service row (dict) as a response Struct."""
    return msgspec.convert(row, type_, strict=False, from_attributes=True)


def shapes(rows: list[Any], type_: type[T]) -> list[T]:
    return msgspec.convert(rows, list[type_], strict=False, from_attributes=True)  # type: ignore[valid-type]


def listed(page: Page[Any], type_: type[T]) -> ListOf[T]:
    """A service's page of rows as the API's list shape, each row as `type_`."""
    return ListOf(
        items=shapes(page.items, type_), total=page.total, limit=page.limit or 0, offset=page.offset
    )


def paging_from_query(
    caller: Caller,
    limit: Annotated[
        int,
        QueryParameter(ge=1, le=MAX_LIMIT, description=f"at most this many items (1 to {MAX_LIMIT})"),
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int, QueryParameter(ge=0, le=MAX_OFFSET, description="skip this many items (0 or more)")
    ] = 0,
) -> Paging:
    """`?limit=` and `?offset=` of any list route (a bad value is a 400 naming the parameter).

    It takes the `caller` only to be resolved after it: Litestar resolves dependencies that do not
    depend on each other concurrently, in a task group per request, which cost a short list about a
    third of its time; one after the other, each is a plain call."""
    return Paging(limit=limit, offset=offset)


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(row: dict[str, Any], type_: type[T]) -> Response[T]:
    return Response(shape(row, type_), headers={"ETag": etag(int(row["version"]))})


def expected_version(if_match: str | None) -> int:
    """The version named by If-Match (`"3"`, `W/"3"` or `3`)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            N_("send If-Match with the ETag you read (GET the record first), so no one's edit is lost"),
            field="If-Match",
        )
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise UserError(N_('If-Match must be the ETag of the record, like "3"'), field="If-Match")
    return int(value)


def given(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually sets (left-out fields stay as they are)."""
    values = {name: getattr(data, name) for name in data.__struct_fields__}
    return {name: _plain(value) for name, value in values.items() if value is not msgspec.UNSET}


def _plain(value: Any) -> Any:
    if isinstance(value, msgspec.Struct):
        return msgspec.structs.asdict(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
