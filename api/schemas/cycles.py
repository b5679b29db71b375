"""Shapes of cycles, submissions and their comments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from api.schemas import Shape, Strict
from api.schemas.records import CycleName


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


class ReportNarrative(Shape):
    commitment: str
    narrative: str
    author_name: str | None
    created_at: dt.datetime


class ReportEvidence(Shape):
    url: str
    title: str
    state: str  # pending, verified, rejected or removed


class ReportMilestone(Shape):
    id: int
    title: str
    commitment_id: int
    commitment: str
    due_date: dt.date
    days_late: int


class ReportArea(Shape):
    key: str
    name: str
    level: int
    self_level: int
    previous_level: int | None
    change: str | None
    justification: str
    narratives: list[ReportNarrative]
    evidence: list[ReportEvidence]
    overdue_milestones: list[ReportMilestone]
    flags: list[str]


class ReportTimeliness(Shape):
    due_count: int
    on_time_share: float | None
    overdue: int
    median_days_late: float | None


class SubmissionReport(Shape):
    """The document the champion signs: per area, then the organization's flags and timeliness."""

    as_of: dt.date
    index: float | None
    previous_index: float | None
    areas: list[ReportArea]
    flags: list[str]
    timeliness: ReportTimeliness


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
    cover_note: str = ""
    comments: list[CommentRead] = []
    report: SubmissionReport | None = None


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


class SubmitRequest(Strict):
    """Submit for sign-off, with the focal point's cover note to the champion."""

    cover_note: Annotated[str, msgspec.Meta(max_length=10_000)] = ""


class ApproveRequest(Strict):
    """Approve, optionally saying something to the focal points with it."""

    comment: Annotated[str, msgspec.Meta(max_length=10_000)] = ""


class PublishRequest(Strict):
    """Publish; before the cycle's period has ended, `publish_early` must say so explicitly."""

    publish_early: bool = False


class CommentCreate(Strict):
    """A comment in a report's conversation; always internal to the organization."""

    body: Body
