"""Commitments of an organization, and their milestones."""

from __future__ import annotations

from litestar import Controller, Response, get, patch, post
from litestar.params import JSONBody

from api.auth import CallerDep
from api.controllers import (
    EncodedJSON,
    IfMatch,
    PathId,
    direct_read,
    expected_version,
    given,
    listed,
    shape,
    with_etag,
)
from api.controllers.auth import EVERY_FIELD, refusals
from api.schemas.records import (
    CommitmentCreate,
    CommitmentRead,
    CommitmentUpdate,
    MilestoneCreate,
    MilestoneRead,
    MilestoneUpdate,
)
from models.caller import Caller
from models.paging import ListOf, Paging
from models.services import commitments, milestones


async def commitments_of(caller: Caller, org_id: int, paging: Paging) -> ListOf[CommitmentRead]:
    """The organization's commitments by area, at the caller's audience (the route's answer, also
    given to it directly: `direct_read`)."""
    return listed(await commitments.list_commitments(caller, org_id, paging), CommitmentRead)


class CommitmentController(Controller):
    path = "/api"
    tags = ["commitments"]

    @get(
        "/organizations/{org_id:int}/commitments",
        response_class=EncodedJSON,
        opt=direct_read(commitments_of, "org_id"),
    )
    async def list_commitments(
        self, caller: CallerDep, org_id: PathId, paging: Paging
    ) -> ListOf[CommitmentRead]:
        """The organization's commitments by area, at the caller's audience."""
        return await commitments_of(caller, org_id, paging)

    @post(
        "/organizations/{org_id:int}/commitments",
        responses=refusals(s400=EVERY_FIELD),
    )
    async def create_commitment(
        self, caller: CallerDep, org_id: PathId, data: JSONBody[CommitmentCreate]
    ) -> CommitmentRead:
        return shape(await commitments.create_commitment(caller, org_id, given(data)), CommitmentRead)

    @get("/commitments/{commitment_id:int}")
    async def get_commitment(self, caller: CallerDep, commitment_id: PathId) -> Response[CommitmentRead]:
        return with_etag(await commitments.get_commitment(caller, commitment_id), CommitmentRead)

    @patch("/commitments/{commitment_id:int}")
    async def update_commitment(
        self,
        caller: CallerDep,
        commitment_id: PathId,
        data: JSONBody[CommitmentUpdate],
        if_match: IfMatch,
    ) -> Response[CommitmentRead]:
        row = await commitments.update_commitment(
            caller, commitment_id, given(data), expected_version(if_match)
        )
        return with_etag(row, CommitmentRead)


class MilestoneController(Controller):
    path = "/api"
    tags = ["milestones"]

    @get("/commitments/{commitment_id:int}/milestones")
    async def list_milestones(
        self, caller: CallerDep, commitment_id: PathId, paging: Paging
    ) -> ListOf[MilestoneRead]:
        """The commitment's milestones, soonest due first."""
        return listed(await milestones.list_milestones(caller, commitment_id, paging), MilestoneRead)

    @post(
        "/commitments/{commitment_id:int}/milestones",
        responses=refusals(s400=EVERY_FIELD),
    )
    async def create_milestone(
        self, caller: CallerDep, commitment_id: PathId, data: JSONBody[MilestoneCreate]
    ) -> MilestoneRead:
        return shape(await milestones.create_milestone(caller, commitment_id, given(data)), MilestoneRead)

    @get("/milestones/{milestone_id:int}")
    async def get_milestone(self, caller: CallerDep, milestone_id: PathId) -> Response[MilestoneRead]:
        return with_etag(await milestones.get_milestone(caller, milestone_id), MilestoneRead)

    @patch("/milestones/{milestone_id:int}")
    async def update_milestone(
        self,
        caller: CallerDep,
        milestone_id: PathId,
        data: JSONBody[MilestoneUpdate],
        if_match: IfMatch,
    ) -> Response[MilestoneRead]:
        """Change a milestone; `done` records its completion date (today unless given), `dropped`
        needs a reason. Overdue and at-risk are derived, never set."""
        row = await milestones.update_milestone(caller, milestone_id, given(data), expected_version(if_match))
        return with_etag(row, MilestoneRead)
