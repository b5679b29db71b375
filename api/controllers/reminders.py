"""The reminder outbox and the timeline check, for the secretariat (`reminders.outbox`, `reminders.check`)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter

from api.access import allow
from api.auth import CallerDep
from api.controllers import MAX_ID, PathId
from api.schemas.reminders import (
    PlannedReminder,
    ReminderCheckRead,
    ReminderCheckRequest,
    ReminderList,
    ReminderRead,
)
from models.errors import UserError
from models.paging import Paging
from models.words import N_
from reminders.check import check_as
from reminders.emails import subject_of
from reminders.outbox import list_reminders, reminder_counts, retry_reminder

allow(
    {
        "GET /api/reminders": "secretariat",
        "POST /api/reminders/check": "secretariat",
        "POST /api/reminders/{reminder_id}/retry": "secretariat",
    }
)

LISTED_NEW = 1000


def reminder_read(row: dict[str, Any]) -> ReminderRead:
    return ReminderRead(
        id=row["id"],
        rule=row["rule"],
        status=row["status"],
        recipient_id=row["recipient"],
        recipient_email=row["recipient_email"],
        organization_id=row["organization"],
        organization_acronym=row["organization_acronym"],
        subject=row["subject"],
        link=row["link"],
        digest=bool(row["digest"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        sent_at=row["sent_at"],
        last_error=row["last_error"],
        message_id=row["message_id"],
        created_at=row["created_at"],
    )


class ReminderController(Controller):
    path = "/api/reminders"
    tags = ["reminders"]

    @get("/")
    async def list_outbox(
        self,
        caller: CallerDep,
        paging: Paging,
        status: Annotated[
            str | None,
            QueryParameter(max_length=16, description="queued, held, sending, sent, failed or digested"),
        ] = None,
        rule: Annotated[str | None, QueryParameter(max_length=32)] = None,
        organization_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
    ) -> ReminderList:
        """The outbox, newest first, with `counts` per status over the whole outbox; a failed
        reminder says why in `last_error`."""
        page = await list_reminders(caller, status, rule, organization_id, paging)
        return ReminderList(
            items=[reminder_read(row) for row in page.items],
            total=page.total,
            limit=paging.limit or 0,
            offset=page.offset,
            counts=await reminder_counts(caller),
        )

    @post("/check", status_code=200)
    async def check(
        self, request: Request[Any, Any, Any], caller: CallerDep, data: ReminderCheckRequest
    ) -> ReminderCheckRead:
        """Run the timeline check now; `dry_run` lists what it would queue and writes nothing.

        The body says what to do: `{"dry_run": false}` or a `date` runs a real check, so an empty
        or missing body is refused rather than queuing reminders by accident."""
        if data.dry_run is None and data.date is None:
            raise UserError(N_("Say what to run: dry_run (true or false) or a date."), field="dry_run")
        dry_run = bool(data.dry_run)
        result = await check_as(caller, request.app.state.settings, day=data.date, dry_run=dry_run)
        listed = [
            PlannedReminder(
                rule=intent.rule,
                recipient_id=intent.recipient.person_id,
                recipient_email=intent.recipient.email,
                organization_id=intent.organization_id,
                subject=subject_of(intent.rule, intent.context),
                dedupe_key=intent.dedupe_key,
            )
            for intent in result.new[:LISTED_NEW]
        ]
        return ReminderCheckRead(
            day=result.day,
            dry_run=result.dry_run,
            queued=result.queued,
            held=result.held,
            digests=result.digests,
            rows_read=result.rows_read,
            milestones_updated=result.milestones_updated,
            commitments_updated=result.commitments_updated,
            reminders=listed,
            reminders_total=len(result.new),
        )

    @post("/{reminder_id:int}/retry", status_code=200)
    async def retry(self, caller: CallerDep, reminder_id: PathId) -> ReminderRead:
        """Queue a failed reminder again, at once (409 if it has not failed)."""
        return reminder_read(await retry_reminder(caller, reminder_id))
