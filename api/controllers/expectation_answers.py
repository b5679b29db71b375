"""Organizations' answers to the donor group's expectations, and the secretariat's review of them."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import Body, JSONBody
from litestar.response import File
from litestar.status_codes import HTTP_200_OK

from api.access import allow
from api.auth import CallerDep
from api.controllers import PathId, PathText, listed, shape
from api.controllers.scorecards import Audience, PeerType
from api.controllers.updates import ConflictAnswer, FileTooLargeAnswer, file_response, read_files
from api.guard import UPLOAD_CHECK
from api.schemas.expectation_answers import AnswerReview, ExpectationAnswerRead, ExpectationAnswerWrite
from models import evidence_files
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
        f"POST {ANSWERS}/{{expectation_id}}/files": "secretariat focal_point",
        "GET /api/answer-files/{file_id}/file": "signed_in",
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

    @post(
        "/{expectation_id:int}/files",
        status_code=HTTP_200_OK,
        request_max_body_size=evidence_files.MAX_REQUEST_BYTES,
        opt={UPLOAD_CHECK: None},  # the access table checks the organization
        raises=[
            ClientException,
            ConflictAnswer,
            FileTooLargeAnswer,
            NotFoundException,
            PermissionDeniedException,
        ],
    )
    async def add_files(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDep,
        org_id: PathId,
        cycle: PathText,
        expectation_id: PathId,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ExpectationAnswerRead:
        """Attach evidence files to an answer already given (multipart: `file`, repeatable, up to 5;
        `title`), checked and kept as a progress update's files are. They are read at the note's
        visibility, outside the organization only once published. The answer waits for the
        secretariat again; 409 when there is no answer yet or the report is locked."""
        form = await request.form()
        files = await read_files(form)
        title = str(form.get("title") or "")
        row = await expectation_answers.add_answer_files(caller, org_id, cycle, expectation_id, files, title)
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


class AnswerFileController(Controller):
    path = "/api/answer-files"
    tags = ["donor expectations"]

    @get("/{file_id:int}/file", media_type="application/octet-stream", raises=[NotFoundException])
    async def download_file(self, caller: CallerDep, file_id: PathId) -> File:
        """An answer's evidence file as an attachment (`nosniff`, `no-store`): to the organization and
        the secretariat; to peers and donors when the note's visibility allows them and the file went
        out with the published report; 404 to anyone else."""
        return file_response(await expectation_answers.answer_file(caller, file_id))


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
