"""Reporting cycles and the submissions' sign-off."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from api.auth import CallerDep
from api.controllers import PathId, PathText, listed, shape
from api.controllers.auth import refusals
from api.schemas.cycles import (
    ApproveRequest,
    CommentCreate,
    CycleCreate,
    CycleRead,
    PublishRequest,
    QueuedSubmission,
    ReportingStatus,
    ReturnRequest,
    SubmissionRead,
    SubmitRequest,
)
from models.paging import ListOf, Paging
from models.services import cycles, submission_comments, submissions
from reminders import report_emails
from scorecards import publishing
from scorecards.report import submission_report


class CycleController(Controller):
    path = "/api/cycles"
    tags = ["cycles"]

    @get("/")
    async def list_cycles(self, paging: Paging) -> ListOf[CycleRead]:
        """Cycles, oldest first."""
        return listed(await cycles.list_cycles(paging), CycleRead)

    @post("/")
    async def create_cycle(self, caller: CallerDep, data: JSONBody[CycleCreate]) -> CycleRead:
        """Open a cycle named like 2026-H1; the due date defaults to 31 days after its end."""
        return shape(await cycles.create_cycle(caller, data.name, data.due_date), CycleRead)

    @get("/{cycle:str}")
    async def get_cycle(self, cycle: PathText) -> CycleRead:
        return shape(await cycles.cycle_by_name(cycle), CycleRead)

    @get("/{cycle:str}/submissions")
    async def reporting_overview(
        self, caller: CallerDep, cycle: PathText, paging: Paging
    ) -> ListOf[ReportingStatus]:
        """Per organization, where its submission stands (`missing`: nothing reported yet)."""
        return listed(await cycles.reporting_overview(caller, cycle, paging), ReportingStatus)


class SubmissionController(Controller):
    path = "/api"
    tags = ["submissions"]

    @get("/submissions/queue")
    async def queue(self, caller: CallerDep, paging: Paging) -> ListOf[QueuedSubmission]:
        """Submissions waiting for the caller's sign-off (champion), or every one waiting (secretariat)."""
        return listed(await submissions.champion_queue(caller, paging), QueuedSubmission)

    @get("/organizations/{org_id:int}/submissions/{cycle:str}")
    async def get_submission(self, caller: CallerDep, org_id: PathId, cycle: PathText) -> SubmissionRead:
        """The submission, its conversation and its report (the document the champion signs)."""
        return shape(await submission_report(caller, org_id, cycle), SubmissionRead)

    @post("/organizations/{org_id:int}/submissions/{cycle:str}/submit")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDep,
        org_id: PathId,
        cycle: PathText,
        data: JSONBody[SubmitRequest | None] = None,
    ) -> SubmissionRead:
        """A focal point submits the organization's report for sign-off, with an optional cover note."""
        note = data.cover_note if data is not None else None
        row = await report_emails.announced(
            request.app.state.settings,
            report_emails.REPORT_SUBMITTED,
            lambda: submissions.submit(caller, org_id, cycle, note),
        )
        return shape(row, SubmissionRead)

    @post("/organizations/{org_id:int}/submissions/{cycle:str}/approve")
    async def approve(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDep,
        org_id: PathId,
        cycle: PathText,
        data: JSONBody[ApproveRequest | None] = None,
    ) -> SubmissionRead:
        """The organization's champion approves a submitted report, optionally with a comment."""
        comment = data.comment if data is not None else None
        row = await report_emails.announced(
            request.app.state.settings,
            report_emails.REPORT_APPROVED,
            lambda: submissions.approve(caller, org_id, cycle, comment),
        )
        return shape(row, SubmissionRead)

    @post("/organizations/{org_id:int}/submissions/{cycle:str}/return")
    async def return_submission(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDep,
        org_id: PathId,
        cycle: PathText,
        data: JSONBody[ReturnRequest],
    ) -> SubmissionRead:
        """The champion sends a submitted report back, saying what needs to change."""
        return shape(
            await report_emails.return_submission(
                request.app.state.settings, caller, org_id, cycle, data.comment
            ),
            SubmissionRead,
        )

    @post(
        "/organizations/{org_id:int}/submissions/{cycle:str}/publish",
        responses=refusals(
            s409="Not approved, or the cycle's period has not ended and publish_early was not sent "
            '(field "publish_early"); nothing is published.'
        ),
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDep,
        org_id: PathId,
        cycle: PathText,
        data: JSONBody[PublishRequest | None] = None,
    ) -> SubmissionRead:
        """The secretariat publishes an approved report; its scorecard is frozen for peers and donors.

        Before the cycle's period has ended this answers 409 (field `publish_early`) unless the body
        says `{"publish_early": true}`; such a scorecard then says "published before the cycle
        closed" wherever it is shown."""
        early = data.publish_early if data is not None else False
        return shape(
            await report_emails.announced(
                request.app.state.settings,
                report_emails.REPORT_PUBLISHED,
                lambda: publishing.publish(caller, org_id, cycle, early),
            ),
            SubmissionRead,
        )

    @post("/organizations/{org_id:int}/submissions/{cycle:str}/comments")
    async def add_comment(
        self, caller: CallerDep, org_id: PathId, cycle: PathText, data: JSONBody[CommentCreate]
    ) -> SubmissionRead:
        """A comment in the report's conversation: internal to the organization, append-only."""
        row = await submission_comments.add_submission_comment(caller, org_id, cycle, data.body)
        return shape(row, SubmissionRead)
