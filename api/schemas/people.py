"""Shapes of people, their roles, donor expectations and audit events."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from api.schemas import Shape, Strict
from api.schemas.records import AreaKey, RowId
from models.vocabulary import ROLES, SENIORITIES

Role = Literal[ROLES]  # type: ignore[valid-type]
Seniority = Literal[SENIORITIES]  # type: ignore[valid-type]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=1000)]
Line = Annotated[str, msgspec.Meta(max_length=200)]


class RoleAssignmentRead(Shape):
    id: int
    role: str
    organization_id: int | None
    acronym: str | None


class PersonRead(Shape):
    id: int
    email: str
    name: str
    job_title: str
    seniority: str
    active: bool
    weekly_digest: bool
    email_frequency: str  # immediate, daily or weekly: what the reminders follow
    version: int
    created_at: dt.datetime
    roles: list[RoleAssignmentRead]
    # Set while the person has no password: "pending" (an invitation link is live) or "expired".
    invitation: str | None = None


class PersonCreate(Strict):
    email: Email
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    # Leave out to invite the person by email; given (scripts), it is their password at once.
    password: Password | None = None
    job_title: Line = ""
    seniority: Seniority = "other"
    role: Role | None = None
    organization_id: RowId | None = None


class PersonUpdate(Strict):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    job_title: Line | UnsetType = UNSET
    seniority: Seniority | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    weekly_digest: bool | UnsetType = UNSET
    password: Password | UnsetType = UNSET


class RoleGrant(Strict):
    role: Role
    organization_id: RowId | None = None


class ExpectationRead(Shape):
    id: int
    area: str | None
    text: str
    due_date: dt.date | None
    active: bool
    version: int
    wording_number: int = 1


class ExpectationCreate(Strict):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    area: AreaKey | None = None
    due_date: dt.date | None = None


class ExpectationUpdate(Strict):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | UnsetType = UNSET
    area: AreaKey | None | UnsetType = UNSET
    due_date: dt.date | None | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class ExpectationStatusRead(Shape):
    expectation_id: int
    text: str
    area: str | None
    met: bool
    since: dt.date | None


class ExpectationStatusSet(Strict):
    met: bool
    since: dt.date | None = None


class AuditEventRead(Shape):
    id: int
    actor_id: int | None
    actor_label: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    at: dt.datetime
