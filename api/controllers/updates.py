"""Progress updates (append-only: POST and GET only) and their evidence links."""

from __future__ import annotations

from litestar import Controller, Response, get, patch, post
from litestar.params import JSONBody

from api.auth import CallerDep
from api.controllers import IfMatch, PathId, expected_version, given, listed, shape, with_etag
from api.schemas.records import EvidenceCreate, EvidenceRead, EvidenceUpdate, UpdateCreate, UpdateRead
from models.paging import ListOf, Paging
from models.services import evidence, updates


class UpdateController(Controller):
    path = "/api"
    tags = ["progress updates"]

    @get("/commitments/{commitment_id:int}/updates")
    async def list_updates(
        self, caller: CallerDep, commitment_id: PathId, paging: Paging
    ) -> ListOf[UpdateRead]:
        """Updates the caller may read, oldest first, each with the links the caller may read."""
        return listed(await updates.list_updates(caller, commitment_id, paging), UpdateRead)

    @post("/commitments/{commitment_id:int}/updates")
    async def create_update(
        self, caller: CallerDep, commitment_id: PathId, data: JSONBody[UpdateCreate]
    ) -> UpdateRead:
        """Append an update (nothing is edited in place: a correction supersedes an earlier one)."""
        return shape(await updates.create_update(caller, commitment_id, given(data)), UpdateRead)

    @get("/updates/{update_id:int}")
    async def get_update(self, caller: CallerDep, update_id: PathId) -> UpdateRead:
        return shape(await updates.get_update(caller, update_id), UpdateRead)


class EvidenceController(Controller):
    path = "/api"
    tags = ["evidence"]

    @get("/updates/{update_id:int}/evidence")
    async def list_evidence(
        self, caller: CallerDep, update_id: PathId, paging: Paging
    ) -> ListOf[EvidenceRead]:
        """The update's links the caller may read, oldest first."""
        return listed(await updates.list_evidence(caller, update_id, paging), EvidenceRead)

    @post("/updates/{update_id:int}/evidence")
    async def add_evidence(
        self, caller: CallerDep, update_id: PathId, data: JSONBody[EvidenceCreate]
    ) -> EvidenceRead:
        return shape(await evidence.add_evidence(caller, update_id, given(data)), EvidenceRead)

    @get("/evidence/{evidence_id:int}")
    async def get_evidence(self, caller: CallerDep, evidence_id: PathId) -> Response[EvidenceRead]:
        return with_etag(await evidence.get_evidence(caller, evidence_id), EvidenceRead)

    @patch("/evidence/{evidence_id:int}")
    async def update_evidence(
        self, caller: CallerDep, evidence_id: PathId, data: JSONBody[EvidenceUpdate], if_match: IfMatch
    ) -> Response[EvidenceRead]:
        """Edit a link not yet verified (a verified one is superseded by a new link instead)."""
        row = await evidence.update_evidence(caller, evidence_id, given(data), expected_version(if_match))
        return with_etag(row, EvidenceRead)

    @post("/evidence/{evidence_id:int}/verify")
    async def verify_evidence(self, caller: CallerDep, evidence_id: PathId) -> Response[EvidenceRead]:
        """The secretariat confirms the link supports the claim (records who and when)."""
        return with_etag(await evidence.verify_evidence(caller, evidence_id), EvidenceRead)
