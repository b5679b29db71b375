"""Progress updates (append-only: POST and GET only) and their evidence links."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, HTTPException, NotFoundException, PermissionDeniedException
from litestar.params import Body, JSONBody
from litestar.response import File

from api.auth import CallerDep
from api.controllers import IfMatch, PathId, expected_version, given, listed, shape, shapes, with_etag
from api.controllers.auth import EVERY_FIELD, refusals
from api.guard import UPLOAD_CHECK
from api.schemas.assessments import EvidenceDecision
from api.schemas.records import EvidenceCreate, EvidenceRead, EvidenceUpdate, UpdateCreate, UpdateRead
from models import evidence_files
from models.caller import Caller
from models.errors import UserError
from models.paging import ListOf, Paging
from models.services import evidence, updates
from models.words import N_
from reminders.workflow import decide_evidence

FILE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# A preview is framed by the secretariat's or organization's own page and runs nothing.
PREVIEW_HEADERS = {
    **FILE_HEADERS,
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
}


class FileTooLargeAnswer(HTTPException):
    """Documents the 413 of a file over 20 MB (the answer itself comes from the error handler)."""

    status_code = 413


class ConflictAnswer(HTTPException):
    """Documents the 409 of evidence already decided on."""

    status_code = 409


async def read_files(form: dict[str, Any], field: str = "file") -> list[dict[str, Any]]:
    """The uploads of a multipart field (repeatable), each read to one byte past its limit."""
    values = form.getall(field, []) if hasattr(form, "getall") else [form.get(field)]
    files = []
    for value in values:
        if isinstance(value, UploadFile) and (value.filename or ""):
            data = await value.read(evidence_files.MAX_FILE_BYTES + 1)
            files.append({"name": value.filename, "data": data})
    return files


async def may_add_files(caller: Caller, params: dict[str, Any]) -> None:
    """Before the upload is read: the caller may add evidence to this update (else 404)."""
    await evidence.editable_update(caller, int(params["update_id"]))


def file_response(row: dict[str, Any], inline: bool = False) -> File:
    return File(
        row["path"],
        filename=row["file_name"],
        media_type=row["file_type"],
        content_disposition_type="inline" if inline else "attachment",
        headers=PREVIEW_HEADERS if inline else FILE_HEADERS,
    )


class UpdateController(Controller):
    path = "/api"
    tags = ["progress updates"]

    @get("/commitments/{commitment_id:int}/updates")
    async def list_updates(
        self, caller: CallerDep, commitment_id: PathId, paging: Paging
    ) -> ListOf[UpdateRead]:
        """Updates the caller may read, oldest first, each with the links the caller may read."""
        return listed(await updates.list_updates(caller, commitment_id, paging), UpdateRead)

    @post("/commitments/{commitment_id:int}/updates", responses=refusals(s400=EVERY_FIELD))
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

    @post(
        "/updates/{update_id:int}/files",
        request_max_body_size=evidence_files.MAX_REQUEST_BYTES,
        opt={UPLOAD_CHECK: may_add_files},
        raises=[ClientException, FileTooLargeAnswer, NotFoundException, PermissionDeniedException],
    )
    async def add_files(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDep,
        update_id: PathId,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> list[EvidenceRead]:
        """Attach evidence files (multipart: `file`, repeatable, up to 5; `visibility`; `title`): PDF,
        Word (docx, doc), Excel (xlsx, xls), PowerPoint (pptx, ppt), PNG or JPEG, 20 MB each, the type
        read from the content. A refused file (400, or 413 when too large) names itself and what is
        allowed, and nothing is kept. Each file's `url` downloads it."""
        form = await request.form()
        files = await read_files(form)
        if not files:
            raise UserError(N_("send the file as the multipart field 'file'"), field="file")
        title, visibility = str(form.get("title") or ""), str(form.get("visibility") or "internal")
        return shapes(await evidence.add_files(caller, update_id, files, title, visibility), EvidenceRead)

    @get(
        "/evidence/{evidence_id:int}/file",
        media_type="application/octet-stream",
        raises=[NotFoundException],
    )
    async def download_file(self, caller: CallerDep, evidence_id: PathId) -> File:
        """The evidence file, as an attachment (`nosniff`, `no-store`), to those who may read it under
        its visibility; 404 to anyone else."""
        return file_response(await evidence.evidence_file(caller, evidence_id))

    @get(
        "/evidence/{evidence_id:int}/preview",
        media_type="application/octet-stream",
        raises=[NotFoundException],
    )
    async def preview_file(self, caller: CallerDep, evidence_id: PathId) -> File:
        """An image or PDF shown inline, to the organization and the secretariat only (for the
        verification page); 404 for other files and other readers."""
        return file_response(await evidence.evidence_file(caller, evidence_id, preview=True), inline=True)

    @post(
        "/evidence/{evidence_id:int}/decision",
        status_code=200,
        raises=[ClientException, PermissionDeniedException, NotFoundException, ConflictAnswer],
    )
    async def decide_evidence(
        self,
        request: Request[Any, Any, Any],
        caller: CallerDep,
        evidence_id: PathId,
        data: JSONBody[EvidenceDecision],
    ) -> Response[EvidenceRead]:
        """Verify a link or file, or reject it with a reason (secretariat); the organization's focal
        points are told by email, with the reason when rejected."""
        settings = request.app.state.settings
        row = await decide_evidence(settings, caller, evidence_id, data.decision, data.reason, "update")
        return with_etag(row, EvidenceRead)

    @get("/evidence/{evidence_id:int}")
    async def get_evidence(self, caller: CallerDep, evidence_id: PathId) -> Response[EvidenceRead]:
        return with_etag(await evidence.get_evidence(caller, evidence_id), EvidenceRead)

    @patch("/evidence/{evidence_id:int}")
    async def update_evidence(
        self, caller: CallerDep, evidence_id: PathId, data: JSONBody[EvidenceUpdate], if_match: IfMatch
    ) -> Response[EvidenceRead]:
        """Edit a link not yet verified (a verified one is superseded by a new link instead). A link
        that went out with a published report may only have its visibility narrowed (409 otherwise)."""
        row = await evidence.update_evidence(caller, evidence_id, given(data), expected_version(if_match))
        return with_etag(row, EvidenceRead)

    @post("/evidence/{evidence_id:int}/verify")
    async def verify_evidence(
        self, request: Request[Any, Any, Any], caller: CallerDep, evidence_id: PathId
    ) -> Response[EvidenceRead]:
        """The secretariat confirms the link or file supports the claim (records who and when), as
        `decision` with `verify` does: the organization's focal points are told by email."""
        settings = request.app.state.settings
        return with_etag(
            await decide_evidence(settings, caller, evidence_id, "verify", "", "update"), EvidenceRead
        )
