"""Shapes of organizations and areas."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from api.schemas import Shape, Strict, whole
from models.vocabulary import ORG_TYPES

OrgType = Literal[ORG_TYPES]  # type: ignore[valid-type]
Acronym = Annotated[
    str, msgspec.Meta(min_length=1, max_length=32, pattern=whole(r"[A-Za-z0-9][A-Za-z0-9_.&-]*"))
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class OrganizationRead(Shape):
    id: int
    name: str
    acronym: str
    org_type: str
    time_zone: str
    active: bool
    is_demo: bool
    version: int
    created_at: dt.datetime
    aliases: str = ""  # other names, separated by ";", that a plan's lead column may use
    audience: str | None = None  # how the caller reads it: internal, peer or donor


class OrganizationCreate(Strict):
    name: Name
    acronym: Acronym
    org_type: OrgType
    time_zone: TimeZone = "UTC"


class OrganizationUpdate(Strict):
    name: Name | UnsetType = UNSET
    acronym: Acronym | UnsetType = UNSET
    org_type: OrgType | UnsetType = UNSET
    time_zone: TimeZone | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    aliases: Annotated[str, msgspec.Meta(max_length=1000)] | UnsetType = UNSET


class AreaRead(Shape):
    key: str
    name: str
    weight: float
    descriptor: str
    rubric: dict[str, str]
    position: int
    version: int


Rubric = dict[
    Annotated[str, msgspec.Meta(pattern=whole("[0-4]"))], Annotated[str, msgspec.Meta(max_length=1000)]
]


class AreaCreate(Strict):
    key: Annotated[str, msgspec.Meta(pattern=whole("[a-z][a-z0-9_]{1,15}"))]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    weight: Annotated[float, msgspec.Meta(ge=0, le=100)] = 1.0
    descriptor: Annotated[str, msgspec.Meta(max_length=500)] = ""
    rubric: Rubric | UnsetType = UNSET


class AreaUpdate(Strict):
    weight: Annotated[float, msgspec.Meta(ge=0, le=100)] | UnsetType = UNSET
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | UnsetType = UNSET
    rubric: Rubric | UnsetType = UNSET
    descriptor: Annotated[str, msgspec.Meta(max_length=500)] | UnsetType = UNSET
