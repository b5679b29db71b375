"""Errors as answers: a 4xx with a message that says what to fix, never a stack trace.

Every error body has the same shape: `{"detail": "...", "errors": [{"field": ..., "message": ...}]}`
(`errors` lists one entry per field that was refused). Error answers carry the security headers too,
since they may be raised before the headers middleware's send wrapper is reached.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect

from api.access import RedirectToLogin
from api.security import security_headers
from models.errors import InvalidFields, TooManyAttempts, UserError
from models.words import gettext

log = logging.getLogger("cop_tracker.api")


def answer_headers(request: Request[Any, Any, Any], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The security headers (and no-store for the API) of an answer made outside the middleware."""
    settings = request.app.state.settings
    headers = {name.decode(): value.decode() for name, value in security_headers(request.url.path, settings)}
    if request.url.path.startswith("/api/"):
        headers["cache-control"] = "no-store"
    headers.update(extra or {})
    return headers


def error_response(
    request: Request[Any, Any, Any],
    status_code: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    body = {"detail": detail, "errors": errors or []}
    return Response(
        content=body,
        status_code=status_code,
        media_type=MediaType.JSON,
        headers=answer_headers(request, headers),
    )


def retry_after_header(exc: UserError) -> dict[str, str]:
    """`Retry-After` for a refusal that lifts by itself, so clients know when to come back."""
    return {"retry-after": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}


def handle_user_error(request: Request[Any, Any, Any], exc: UserError) -> Response[Any]:
    refused = exc.errors if isinstance(exc, InvalidFields) else [exc]
    errors = [{"field": e.field, "message": e.message} for e in refused if e.field]
    return error_response(request, exc.status_code, exc.message, errors, retry_after_header(exc))


def handle_validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            errors.append({"field": item.get("key") or item.get("source"), "message": item.get("message")})
    detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else str(e["message"]) for e in errors)
    return error_response(request, 400, detail or exc.detail, errors)


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, RedirectToLogin):
        return Redirect(path=exc.location, status_code=303, headers=answer_headers(request))
    if exc.status_code >= 500:
        log.error("server error on %s %s: %s", request.method, request.url.path, exc.detail)
        return error_response(
            request, exc.status_code, gettext("the server could not answer; try again later")
        )
    return error_response(request, exc.status_code, exc.detail, headers=exc.headers)


def handle_integrity_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A unique index refused a write two requests raced for: the second is told to retry."""
    return error_response(
        request, 409, gettext("the record conflicts with one written at the same moment; reload and retry")
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(request, 500, gettext("the server could not answer; the error was logged"))


def exception_handlers() -> dict[Any, Any]:
    handlers: dict[Any, Any] = {
        UserError: handle_user_error,
        ValidationException: handle_validation_error,
        HTTPException: handle_http_exception,
        sqlite3.IntegrityError: handle_integrity_error,
        Exception: handle_unexpected,
    }
    try:
        from asyncpg.exceptions import IntegrityConstraintViolationError

        handlers[IntegrityConstraintViolationError] = handle_integrity_error
    except ImportError:  # pragma: no cover - asyncpg ships with piccolo[postgres]
        pass
    return handlers
