"""Hostile input is refused at the door, in the API's error shape, before any handler does any work.

A body decides nothing until it is well-formed, so one middleware reads the body of every write
(POST, PUT, PATCH, DELETE) before the caller is resolved and refuses, with a message saying what to fix:
- a body larger than the app's limit (413);
- a body of a type the route does not read (415): a handler's `data` parameter declares its media
  type (JSON by default); pages read HTML forms; an API route without `data` reads no body but takes
  JSON or a form (whose `_csrf` field the CSRF check may read);
- JSON that is malformed, not UTF-8, nested deeper than MAX_DEPTH, or holds a number outside the
  range the database columns hold (400);
- a form that is not UTF-8 or cannot be parsed (400);
- a NUL character in any string or key, JSON or form (400): PostgreSQL text cannot store it, and no
  person types one.
Typed integer path parameters outside that range name no record: 404 on every method.
Safe methods' bodies are never read by a handler, so they are not read here either.

A route that takes files (a body of up to about 101 MB) names in its `opt` the check that the caller
may write there (`UPLOAD_CHECK`): its declared Content-Length is checked here, and its body read and
checked only once the access table and that check let the caller through (`api/access.py`), so a
person who may not write there never makes the server buffer an upload.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, HTTPException, InternalServerException, ValidationException
from litestar.types import ASGIApp, Receive, Scope, Send

from models.errors import NotFound, UserError
from models.words import N_

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"
FORMS = frozenset({RequestEncodingType.URL_ENCODED.value, RequestEncodingType.MULTI_PART.value})
MAX_DEPTH = 32
# PostgreSQL `integer` columns (ids, levels, versions) hold this range; no number the app reads lies
# outside it, and a larger one would reach the database as an overflow instead of a refusal.
SMALLEST, LARGEST = -(2**31), 2**31 - 1
MAX_FORM_FIELDS = 1000
TOO_DEEP = N_("the JSON is nested deeper than %(depth)s levels")


# The `opt` key of a route that takes files: an async function of (caller, path parameters) that
# raises when the caller may not write there, or None when the access table's organization check
# says it all.
UPLOAD_CHECK = "upload_check"


class BodyRefused(UserError):
    """A request body the app will not read; `status_code` is 400, 413 or 415."""

    def __init__(self, status_code: int, message: str, /, **params: Any) -> None:
        super().__init__(message, field="body", **params)
        self.status_code = status_code


Refusal = tuple[str, dict[str, Any]]  # a message id (marked with N_) and its parameters


def _media_type(content_type: str) -> tuple[str, dict[str, str]]:
    main, *params = content_type.split(";")
    options = {}
    for param in params:
        name, _, value = param.partition("=")
        options[name.strip().lower()] = value.strip().strip('"').lower()
    return main.strip().lower(), options


def _is_json(media_type: str) -> bool:
    return media_type == JSON or (media_type.startswith("application/") and media_type.endswith("+json"))


_declared: dict[int, str | None] = {}  # id(route handler) -> media type its `data` declares, if any


FORM = "form"
EITHER = "json or form"


def expected_media(scope: Scope) -> str:
    """JSON, FORM or EITHER: what this route reads from a body."""
    handler = scope.get("route_handler")
    key = id(handler)
    if key not in _declared:
        data = handler.parsed_fn_signature.parameters.get("data") if handler is not None else None
        declared = getattr(getattr(data, "kwarg_definition", None), "media_type", None)
        _declared[key] = getattr(declared, "value", declared)
    declared = _declared[key]
    if declared is not None:
        return FORM if declared in FORMS else JSON
    return EITHER if scope["path"].startswith("/api/") else FORM


def number_refusal(value: float) -> Refusal | None:
    if isinstance(value, float) and not math.isfinite(value):
        return N_("numbers must be finite"), {}
    if not SMALLEST <= value <= LARGEST:
        shown = f"{value:.6g}" if isinstance(value, float) else f"{str(value)[:20]}…"
        return (
            N_("numbers must lie between %(smallest)s and %(largest)s; %(number)s does not"),
            {"smallest": SMALLEST, "largest": LARGEST, "number": shown},
        )
    return None


def json_refusal(value: Any) -> Refusal | None:
    """Why a decoded JSON value is refused (depth, NUL characters, numbers), or None."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return TOO_DEEP, {"depth": MAX_DEPTH}
            if isinstance(item, dict):
                if any("\x00" in key for key in item):
                    return N_("a key holds a NUL character"), {}
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            if "\x00" in item:
                return N_("a text value holds a NUL character"), {}
        elif isinstance(item, int | float) and not isinstance(item, bool):
            refusal = number_refusal(item)
            if refusal:
                return refusal
    return None


def check_json(body: bytes, options: dict[str, str]) -> None:
    if options.get("charset", "utf-8") not in ("utf-8", "utf8"):
        raise BodyRefused(415, N_("send JSON encoded as UTF-8 (Content-Type: application/json)"))
    try:
        value = msgspec.json.decode(body)
    except RecursionError:
        raise BodyRefused(400, TOO_DEEP, depth=MAX_DEPTH) from None
    except msgspec.DecodeError as exc:
        raise BodyRefused(
            400, N_("the body is not well-formed UTF-8 JSON: %(error)s"), error=str(exc)
        ) from None
    refusal = json_refusal(value)
    if refusal:
        raise BodyRefused(400, refusal[0], **refusal[1])


def check_texts(texts: list[str]) -> None:
    if any("\x00" in text for text in texts):
        raise BodyRefused(400, N_("a form field holds a NUL character"))


def check_url_encoded(body: bytes) -> None:
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except UnicodeDecodeError:
        raise BodyRefused(400, N_("the form is not encoded as UTF-8")) from None
    except ValueError:
        raise BodyRefused(400, N_("the form has more than %(count)s fields"), count=MAX_FORM_FIELDS) from None
    check_texts([text for pair in pairs for text in pair])


async def check_multipart(request: Request[Any, Any, Any]) -> None:
    try:
        form = await request.form()
    except (UnicodeDecodeError, LookupError):
        raise BodyRefused(400, N_("a form field is not encoded as UTF-8")) from None
    except HTTPException as exc:  # litestar's own refusals of a broken multipart body
        raise BodyRefused(400, N_("the form cannot be read: %(error)s"), error=exc.detail) from None
    texts = list(form.keys())
    for value in form.values():
        texts.append(value if isinstance(value, str) else str(getattr(value, "filename", "") or ""))
    check_texts(texts)


def takes_files(scope: Scope) -> bool:
    """Whether the route reads its body only after the caller passed its checks (UPLOAD_CHECK)."""
    handler = scope.get("route_handler")
    return handler is not None and UPLOAD_CHECK in handler.opt


def too_large(request: Request[Any, Any, Any]) -> BodyRefused:
    limit = request.route_handler.resolve_request_max_body_size()
    return BodyRefused(413, N_("the body is larger than %(limit)s bytes; send less"), limit=f"{limit:,}")


def check_declared_length(scope: Scope, receive: Receive) -> None:
    """Refuse a declared Content-Length over the route's limit, reading nothing."""
    request: Request[Any, Any, Any] = Request(scope, receive)
    declared = request.headers.get("content-length", "").strip()
    limit = request.route_handler.resolve_request_max_body_size()
    if declared.isdigit() and limit is not None and int(declared) > limit:
        raise too_large(request)


async def check_body(scope: Scope, receive: Receive) -> None:
    request: Request[Any, Any, Any] = Request(scope, receive)
    try:
        body = await request.body()
    except HTTPException as exc:
        if exc.status_code == 413:
            raise too_large(request) from None
        if isinstance(exc, ClientException | InternalServerException):
            raise BodyRefused(400, N_("the body could not be read: %(error)s"), error=exc.detail) from None
        raise
    if not body:
        return
    media_type, options = _media_type(request.headers.get("content-type", ""))
    expected = expected_media(scope)
    if _is_json(media_type) and expected != FORM:
        check_json(body, options)
    elif expected == JSON:
        raise BodyRefused(415, N_("send the body as JSON with Content-Type: application/json"))
    elif media_type == RequestEncodingType.URL_ENCODED.value:
        check_url_encoded(body)
    elif media_type == RequestEncodingType.MULTI_PART.value:
        await check_multipart(request)
    else:
        if expected == EITHER:
            raise BodyRefused(
                415, N_("send JSON, or a form as application/x-www-form-urlencoded or multipart/form-data")
            )
        raise BodyRefused(
            415, N_("send the form as application/x-www-form-urlencoded or multipart/form-data")
        )


def check_path_params(scope: Scope) -> None:
    for value in (scope.get("path_params") or {}).values():
        if isinstance(value, int) and not isinstance(value, bool) and number_refusal(value):
            raise NotFound(N_("no record has the id %(id)s"), id=value)


class InputGuardMiddleware:
    """Refuses hostile path parameters and bodies before the caller is even resolved."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            check_path_params(scope)
            if scope["method"] in WRITE_METHODS:
                if takes_files(scope):
                    check_declared_length(scope, receive)  # the body waits for the caller's checks
                else:
                    await check_body(scope, receive)
        await self.app(scope, receive, send)


_body_types: dict[int, Any] = {}  # id(route handler) -> the type its JSON `data` declares, or None


def _body_type(request: Request[Any, Any, Any]) -> Any:
    handler = request.route_handler
    key = id(handler)
    if key not in _body_types:
        data = handler.parsed_fn_signature.parameters.get("data")
        declared = getattr(getattr(data, "kwarg_definition", None), "media_type", None)
        json_body = data is not None and getattr(declared, "value", declared) in (None, JSON)
        _body_types[key] = data.annotation if json_body else None
    return _body_types[key]


async def strict_body(request: Request[Any, Any, Any]) -> None:
    """Types are strict: a JSON body is decoded as its route declares it with no coercion, so
    `"3"` is not a number and `1` is not `true` (Litestar alone would convert them).

    A `before_request` hook, so it runs after the caller and access checks: an anonymous or
    refused caller learns nothing from a badly typed body. The message has the validation error's shape."""
    if request.method not in WRITE_METHODS:
        return
    target = _body_type(request)
    if target is None:
        return
    body = await request.body()
    if not body:
        return
    try:
        msgspec.json.decode(body, type=target, strict=True)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at ")
        field = where.strip("`").removeprefix("$").lstrip(".") or "body"
        raise ValidationException(extra=[{"key": field, "message": message, "source": "body"}]) from None
