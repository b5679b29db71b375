"""Reporting cycles and the submissions' sign-off."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from api.auth import CallerDep
from api.controllers import PathId, PathText, listed, shape
from api.schemas.cycles import (
    CommentCreate,
    CycleCreate,
    CycleRead,
    QueuedSubmission,
    ReportingStatus,
    ReturnRequest,
    SubmissionRead,
)
from models.paging import ListOf, Paging
from models.services import cycles, submissions
from scorecards import publishing


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
        return shape(await submissions.get_submission(caller, org_id, cycle), SubmissionRead)

    @post("/organizations/{org_id:int}/submissions/{cycle:str}/submit")
    async def submit(self, caller: CallerDep, org_id: PathId, cycle: PathText) -> SubmissionRead:
        """A focal point submits the organization's report for sign-off."""
        return shape(await submissions.submit(caller, org_id, cycle), SubmissionRead)

    @post("/organizations/{org_id:int}/submissions/{cycle:str}/approve")
    async def approve(self, caller: CallerDep, org_id: PathId, cycle: PathText) -> SubmissionRead:
        """The organization's champion approves a submitted report."""
        return shape(await submissions.approve(caller, org_id, cycle), SubmissionRead)

    @post("/organizations/{org_id:int}/submissions/{cycle:str}/return")
    async def return_submission(
        self, caller: CallerDep, org_id: PathId, cycle: PathText, data: JSONBody[ReturnRequest]
    ) -> SubmissionRead:
        """The champion sends a submitted report back, saying what needs to change."""
        return shape(await submissions.return_submission(caller, org_id, cycle, data.comment), SubmissionRead)

    @post("/organizations/{org_id:int}/submissions/{cycle:str}/publish")
    async def publish(self, caller: CallerDep, org_id: PathId, cycle: PathText) -> SubmissionRead:
        """The secretariat publishes an approved report; its scorecard is frozen for peers and donors."""
        return shape(await publishing.publish(caller, org_id, cycle), SubmissionRead)

    @post("/organizations/{org_id:int}/submissions/{cycle:str}/comments")
    async def add_comment(
        self, caller: CallerDep, org_id: PathId, cycle: PathText, data: JSONBody[CommentCreate]
    ) -> SubmissionRead:
        row = await submissions.add_comment(caller, org_id, cycle, data.body, data.visibility)
        return shape(row, SubmissionRead)
