"""Shapes of the reminder outbox and of the timeline check, for the secretariat."""

from __future__ import annotations

import datetime as dt

from api.schemas import Shape, Strict
from models.paging import ListOf


class ReminderRead(Shape):
    id: int
    rule: str
    status: str
    recipient_id: int | None
    recipient_email: str
    organization_id: int | None
    organization_acronym: str | None
    subject: str
    link: str
    digest: bool
    attempts: int
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    last_error: str
    message_id: str
    created_at: dt.datetime


class ReminderList(ListOf[ReminderRead], kw_only=True):
    """The list shape, with how many reminders there are in each status (the whole outbox)."""

    counts: dict[str, int]


class ReminderCheckRequest(Strict):
    dry_run: bool | None = None  # required unless a date is given: an empty body is refused
    date: dt.date | None = None  # as of this date everywhere; default: today in each organization's zone


class PlannedReminder(Shape):
    rule: str
    recipient_id: int
    recipient_email: str
    organization_id: int | None
    subject: str
    dedupe_key: str


class ReminderCheckRead(Shape):
    day: dt.date
    dry_run: bool
    queued: int
    held: int
    digests: int
    rows_read: dict[str, int]
    milestones_updated: int
    commitments_updated: int
    reminders: list[PlannedReminder]  # the new ones (would be queued, on a dry run); at most 1000
    reminders_total: int
