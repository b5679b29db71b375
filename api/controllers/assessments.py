"""The per-area assessments of a cycle's report, and the secretariat's decision on their evidence."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody

from api.auth import CallerDep
from api.controllers import PathId, PathText, listed, shape
from api.controllers.auth import EVERY_FIELD, refusals
from api.schemas.assessments import (
    AssessmentEvidenceDecided,
    AssessmentRead,
    AssessmentWrite,
    EvidenceDecision,
)
from models.paging import ListOf, Paging
from models.services import assessments
from reminders.workflow import decide_evidence


class AssessmentController(Controller):
    path = "/api"
    tags = ["assessments"]

    @get("/organizations/{org_id:int}/submissions/{cycle:str}/assessments")
    async def list_assessments(
        self, caller: CallerDep, org_id: PathId, cycle: PathText, paging: Paging
    ) -> ListOf[AssessmentRead]:
        """Each area of the cycle: its rubric, the organization's assessment (or what pre-fills it)."""
        return listed(await assessments.assessments_page(caller, org_id, cycle, paging), AssessmentRead)

    @put(
        "/organizations/{org_id:int}/submissions/{cycle:str}/assessments/{area_key:str}",
        responses=refusals(s400=EVERY_FIELD),
    )
    async def save_assessment(
        self,
        caller: CallerDep,
        org_id: PathId,
        cycle: PathText,
        area_key: PathText,
        data: JSONBody[AssessmentWrite],
    ) -> AssessmentRead:
        """Assess one area: the level claimed, a justification with its visibility, the evidence links.

        `version` is the assessment's version as read (0 when the area has no assessment yet)."""
        body = msgspec.to_builtins(data)
        version = body.pop("version")
        row = await assessments.save_assessment(caller, org_id, cycle, area_key, body, version)
        return shape(row, AssessmentRead)

    @post("/assessment-evidence/{evidence_id:int}/decision")
    async def decide_evidence(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDep,
        evidence_id: PathId,
        data: JSONBody[EvidenceDecision],
    ) -> AssessmentEvidenceDecided:
        """Verify a link, or reject it with a reason (secretariat): rejected evidence counts as absent,
        and the organization's focal points are told at once by email (with the reason when rejected)."""
        settings = request.app.state.settings
        row = await decide_evidence(settings, caller, evidence_id, data.decision, data.reason)
        return shape(row, AssessmentEvidenceDecided)
