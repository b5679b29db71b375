"""Shapes of sign-in, the current caller and bearer tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

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
