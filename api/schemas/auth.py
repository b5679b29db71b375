"""Shapes of sign-in, the current caller and bearer tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from api.schemas import Shape, Strict


class LoginRequest(Strict):
    email: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class RoleRead(Shape):
    role: str
    organization_id: int | None


class MeRead(Shape):
    id: int | None
    email: str
    name: str
    via: str
    roles: list[RoleRead]
    csrf_token: str
    job_title: str = ""
    # immediate, daily (the default) or weekly; escalations and workflow emails go at once.
    email_frequency: str = "daily"
    # en, fr, es or ar: the language of the person's pages, emails and exports.
    language: str = "en"
    muted_rules: list[str] = []
    mutable_rules: list[str] = []  # the rules that may be turned off; the others are essential


class MeUpdate(Strict):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    job_title: Annotated[str, msgspec.Meta(max_length=200)] | UnsetType = UNSET
    email_frequency: Annotated[str, msgspec.Meta(max_length=16)] | UnsetType = UNSET
    language: Annotated[str, msgspec.Meta(max_length=8)] | UnsetType = UNSET
    muted_rules: (
        Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=64)] | UnsetType
    ) = UNSET


class PasswordChange(Strict):
    current_password: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    new_password: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class PasswordChanged(Shape):
    sessions_ended: int


class TokenCreate(Strict):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class TokenRead(Shape):
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(Shape):
    token: str
    details: TokenRead


class FieldError(Shape):
    field: str
    message: str


class ErrorRead(Shape):
    """The body of every refusal: a sentence, and the fields it is about."""

    detail: str
    errors: list[FieldError]


class PasswordResetRequest(Strict):
    email: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]


class PasswordResetAccepted(Shape):
    detail: str


class NewPassword(Strict):
    """A password chosen from an emailed link (an invitation or a reset)."""

    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class PasswordSet(Shape):
    sessions_ended: bool
