"""Errors a user can cause. Services raise them; the API turns them into 4xx, the CLI into exit 2."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action; the message says what to fix."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(UserError):
    status_code = 404


class Conflict(UserError):
    status_code = 409


class Forbidden(UserError):
    status_code = 403


class PreconditionFailed(UserError):
    """The If-Match version is stale: someone else changed the record first."""

    status_code = 412
