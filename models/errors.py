"""Errors a user can cause. Services raise them; the API turns them into 4xx, the CLI into exit 2.

An error carries a message id (English, marked with `N_` where it is raised) and its parameters,
not a finished sentence: `message` formats it in the reader's language when the API, a page or the
CLI shows it (see models/words.py).
"""

from __future__ import annotations

from typing import Any

from models.words import translate


class UserError(Exception):
    """Bad input or a refused action; the message says what to fix."""

    status_code = 400

    def __init__(self, message: str, /, field: str | None = None, **params: Any) -> None:
        self.message_id = message
        self.params = params
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The message in the current reader's language, its parameters filled in (a field's name
        given as `name` is words marked with `N_`, translated too)."""
        params = self.params
        if isinstance(params.get("name"), str):
            params = {**params, "name": translate(params["name"])}
        return translate(self.message_id, params)


class InvalidFields(UserError):
    """Several fields refused at once: every error is said, each beside its field."""

    def __init__(self, errors: list[UserError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.message_id, field=first.field, **first.params)
        self.status_code = max(error.status_code for error in errors)

    @property
    def message(self) -> str:
        return "; ".join(error.message for error in self.errors)


class Collect:
    """Runs each field's check, keeps every refusal, and raises them together (`raise_any`)."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def __call__(self, check: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except UserError as exc:
            self.keep(exc)
        return None

    async def wait(self, check: Any) -> Any:
        """`check` awaited (a check that reads the database), its refusal kept like any other."""
        try:
            return await check
        except UserError as exc:
            self.keep(exc)
        return None

    def keep(self, exc: UserError) -> None:
        self.errors.extend(exc.errors if isinstance(exc, InvalidFields) else [exc])

    def add(self, error: UserError) -> None:
        self.errors.append(error)

    def fields(self) -> set[str | None]:
        return {error.field for error in self.errors}

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InvalidFields(self.errors)


class NotFound(UserError):
    status_code = 404


class Conflict(UserError):
    status_code = 409


class Forbidden(UserError):
    status_code = 403


class PreconditionFailed(UserError):
    """The If-Match version is stale: someone else changed the record first."""

    status_code = 412


class TooManyAttempts(UserError):
    """Refused for now; the same request succeeds after `retry_after` seconds (HTTP Retry-After)."""

    status_code = 429

    def __init__(
        self, message: str, /, field: str | None = None, retry_after: int = 60, **params: Any
    ) -> None:
        super().__init__(message, field=field, **params)
        self.retry_after = retry_after
