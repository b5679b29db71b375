"""Organizations' answers to the donor group's expectations, and the secretariat's review of them."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from api.access import allow
from api.auth import CallerDep
from api.controllers import PathId, PathText, listed, shape
from api.controllers.scorecards import Audience, PeerType
from api.schemas.expectation_answers import AnswerReview, ExpectationAnswerRead, ExpectationAnswerWrite
from models.paging import ListOf, Page, Paging
from models.services import expectation_answers
from reminders import workflow
from scorecards.donor_matrix import expectation_matrix
from scorecards.service import resolve_audience

ANSWERS = "/api/organizations/{org_id}/expectation-answers/{cycle}"
allow(
    {
        f"GET {ANSWERS}": "secretariat focal_point champion",
        f"PUT {ANSWERS}/{{expectation_id}}": "secretariat focal_point",
        f"POST {ANSWERS}/{{expectation_id}}/review": "secretariat",
        "GET /api/donor-expectations/{cycle}/matrix": "signed_in",
    }
)


class ExpectationAnswerController(Controller):
    path = "/api/organizations/{org_id:int}/expectation-answers/{cycle:str}"
    tags = ["donor expectations"]

    @get("/")
    async def list_answers(
        self, caller: CallerDep, org_id: PathId, cycle: PathText, paging: Paging
    ) -> ListOf[ExpectationAnswerRead]:
        """Every active expectation with the organization's answer in the cycle (or none yet)."""
        rows = await expectation_answers.answer_sheet(caller, org_id, cycle)
        end = None if paging.limit is None else paging.offset + paging.limit
        page = Page(
            items=rows[paging.offset : end], total=len(rows), limit=paging.limit, offset=paging.offset
        )
        return listed(page, ExpectationAnswerRead)

    @put("/{expectation_id:int}")
    async def save_answer(
        self,
        caller: CallerDep,
        org_id: PathId,
        cycle: PathText,
        expectation_id: PathId,
        data: JSONBody[ExpectationAnswerWrite],
    ) -> ExpectationAnswerRead:
        """Answer one expectation: met, partly, not_yet or not_applicable, a note with its visibility,
        evidence links. `version` is the answer's version as read (0 for a first answer). A changed
        answer waits for the secretariat again."""
        body = msgspec.to_builtins(data)
        version = body.pop("version")
        row = await expectation_answers.save_answer(caller, org_id, cycle, expectation_id, body, version)
        return shape(row, ExpectationAnswerRead)

    @post("/{expectation_id:int}/review", status_code=HTTP_200_OK)
    async def review_answer(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDep,
        org_id: PathId,
        cycle: PathText,
        expectation_id: PathId,
        data: JSONBody[AnswerReview],
    ) -> ExpectationAnswerRead:
        """Confirm an answer (a confirmed "met" counts as met) or question it (secretariat); the
        organization's focal points get an email (a question with its words)."""
        row = await workflow.review_expectation_answer(
            request.app.state.settings, caller, org_id, cycle, expectation_id, data.decision, data.question
        )
        return shape(row, ExpectationAnswerRead)


class DonorMatrixController(Controller):
    path = "/api/donor-expectations"
    tags = ["donor expectations"]

    @get("/{cycle:str}/matrix")
    async def matrix(
        self, caller: CallerDep, cycle: PathText, audience: Audience = None, peer_type: PeerType = None
    ) -> dict[str, Any]:
        """Expectations x organizations published in the cycle, at the caller's audience (or a narrower
        one): each cell met, partly, not_yet, not_applicable, unconfirmed (answered, not yet confirmed)
        or not_answered; per expectation the counts, and organizations meeting it last cycle."""
        reader = resolve_audience(caller.comparison_audience, audience)
        return await expectation_matrix(cycle, reader, peer_type)
