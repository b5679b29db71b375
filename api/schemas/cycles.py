"""Shapes of cycles, submissions and their comments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from api.schemas import Shape, Strict
from api.schemas.records import CycleName, Visibility


class CycleRead(Shape):
    name: str
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date


class CycleCreate(Strict):
    name: CycleName
    due_date: dt.date | None = None


class CommentRead(Shape):
    id: int
    kind: str
    body: str
    visibility: str
    author_id: int | None
    author_name: str | None
    created_at: dt.datetime


class SubmissionRead(Shape):
    organization_id: int
    cycle: str
    status: str
    submitted_by: int | None
    submitted_at: dt.datetime | None
    approved_by: int | None
    approved_at: dt.datetime | None
    returned_by: int | None
    returned_at: dt.datetime | None
    published_by: int | None
    published_at: dt.datetime | None
    version: int
    comments: list[CommentRead] = []


class QueuedSubmission(Shape):
    organization_id: int
    acronym: str
    cycle: str
    status: str
    submitted_at: dt.datetime | None


class ReportingStatus(Shape):
    organization_id: int
    acronym: str
    name: str
    status: str  # draft, submitted, approved, returned, published, or missing (nothing yet)
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    published_at: dt.datetime | None


Body = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]


class ReturnRequest(Strict):
    """Send a submission back to the focal points, saying what needs to change."""

    comment: Body


class CommentCreate(Strict):
    body: Body
    visibility: Visibility = "internal"
