"""One controller per resource of the JSON API. Controllers hold no business rules: they turn HTTP
into calls of `models.services` and rows into response shapes.

Lists: every list answers `models.paging.ListOf` (`items`, `total`, `limit`, `offset`); a handler
declares `paging: Paging` and gets it from `?limit=` and `?offset=` (`paging_from_query`, one
dependency for the whole app), hands it to its service and answers `listed(page, ItemRead)`. The
most read list (an organization's commitments) is sent by `EncodedJSON`, which encodes and sends
the same bytes with less of Litestar's work per answer, and is answered by a `DirectRead` when its
request is plain (docs/design.md "Running it").

Concurrency: a single record is read with an `ETag` (its version, quoted); a PATCH must send it
back in `If-Match`. A stale one gets 412 and the other person's edit stays intact.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Litestar, Response
from litestar.params import Parameter, PathParameter, QueryParameter
from litestar.routes import HTTPRoute

from models.caller import Caller
from models.errors import UserError
from models.paging import DEFAULT_LIMIT, FIRST_PAGE, MAX_LIMIT, MAX_OFFSET, ListOf, Page, Paging
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


DIRECT_READ = "direct_read"  # the `opt` key of a route answered by a DirectRead
# One `limit=N` or `offset=N` of a query string, N in plain digits (no sign, no leading zero).
_PAGING_PART = re.compile(rb"(limit|offset)=(0|[1-9][0-9]{0,9})")


def plain_paging(query: bytes) -> Paging | None:
    """The Paging of a query string made of at most one `limit=N` and one `offset=N` within their
    bounds, as `paging_from_query` would give it; None for any other query string, which Litestar
    then reads (and refuses, when it must, in its own words)."""
    if not query:
        return FIRST_PAGE
    values: dict[bytes, int] = {}
    for part in query.split(b"&"):
        found = _PAGING_PART.fullmatch(part)
        if found is None or found[1] in values:
            return None
        values[found[1]] = int(found[2])
    limit, offset = values.get(b"limit", DEFAULT_LIMIT), values.get(b"offset", 0)
    if not (1 <= limit <= MAX_LIMIT and 0 <= offset <= MAX_OFFSET):
        return None
    return Paging(limit=limit, offset=offset)


class DirectRead:
    """How a most-read list route (`GET /path/{id:int}/...` taking `caller`, the id and `paging`)
    is answered without Litestar's work per request: Litestar builds a Request, resolves the two
    dependencies and checks the three signatures (handler, `caller`, `paging`) through msgspec,
    enters an exit stack and assembles the answer: about a third of this route's CPU time.

    The access middleware, once the caller passed every check, calls `answer`: for a request whose
    id lies within PathId's bounds and whose query string `plain_paging` reads, the route's `read`
    is called with what the dependencies would have given and its value sent as EncodedJSON sends
    it (same bytes, same two headers; the security middleware adds the rest). Any other request is
    left to Litestar (None), so every refusal of a malformed id or paging value keeps its words.
    `check_direct_reads` makes sure at start-up that the route declares nothing Litestar would have
    done besides (guards, hooks, headers, cookies, a cache, other dependencies, middleware)."""

    __slots__ = ("param", "read")

    def __init__(self, read: Callable[[Caller, int, Paging], Awaitable[Any]], param: str) -> None:
        self.read, self.param = read, param

    async def answer(self, scope: Any, caller: Caller) -> _Encoded | None:
        record_id = scope["path_params"][self.param]
        paging = plain_paging(scope["query_string"])
        if paging is None or not 1 <= record_id <= MAX_ID:
            return None
        return _Encoded(200, _encoder.encode(await self.read(caller, record_id, paging)))


def direct_read(read: Callable[[Caller, int, Paging], Awaitable[Any]], param: str) -> dict[str, Any]:
    """The `opt` of a list route answered by `read(caller, id, paging)` (see DirectRead)."""
    return {DIRECT_READ: DirectRead(read, param)}


def check_direct_reads(app: Litestar) -> None:
    """Refuse to start when a route marked with `direct_read` declares anything its DirectRead
    would skip: its answers would then differ from Litestar's."""
    from api.auth import provide_caller
    from api.guard import strict_body

    for route in app.routes:
        for handler in route.route_handlers if isinstance(route, HTTPRoute) else ():
            direct = handler.opt.get(DIRECT_READ)
            if direct is None:
                continue
            dependencies = handler.resolve_dependencies()
            plain = (
                handler.http_methods == {"GET"}
                and route.path_parameters.keys() == {direct.param}
                and route.path_parameters[direct.param].type is int
                and set(handler.parsed_fn_signature.parameters) == {"caller", direct.param, "paging"}
                and dependencies["caller"].dependency is provide_caller
                and dependencies["paging"].dependency is paging_from_query
                and handler.resolve_response_class() is EncodedJSON
                and handler.status_code == 200
                and handler.background is None
                and not handler.cache
                and not handler.resolve_guards()
                and not handler.resolve_response_headers()
                and not handler.resolve_response_cookies()
                and handler.resolve_return_dto() is None
                and not any(layer.after_request for layer in handler.ownership_layers)
                and handler.resolve_after_response() is None
                # strict_body reads the body of writes only
                and handler.resolve_before_request() in (None, strict_body)
                and len(handler.resolve_middleware()) == len(app.middleware)
            )
            if not plain:
                raise RuntimeError(f"{handler}: a direct_read route must declare nothing more")


class PreconditionRequired(UserError):
    status_code = 428


def shape(row: Any, type_: type[T]) -> T:
    """A service row (dict) as a response Struct."""
    return msgspec.convert(row, type_, strict=False, from_attributes=True)


def shapes(rows: list[Any], type_: type[T]) -> list[T]:
    return msgspec.convert(rows, _list_of(type_), strict=False, from_attributes=True)


@functools.cache
def _list_of(type_: type[T]) -> Any:
    """`list[type_]`, made once: msgspec reads a new alias afresh (about 2.5 us a list of ten)."""
    return list[type_]  # type: ignore[valid-type]


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
