"""An organization's plan: import (xlsx or CSV, multipart; `?dry_run=true` to preview) and the
export for bulk edits. The import service decides everything; this only turns HTTP into its call."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, MediaType, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from api.auth import CallerDep
from api.controllers import PathId
from api.guard import UPLOAD_CHECK
from models.errors import UserError
from models.plan_files import MAX_FILE_BYTES
from models.services.common import require_editor
from models.services.plan_import import import_plan
from models.services.plan_roundtrip import export_plan
from models.services.plans import ImportOptions
from models.words import N_

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The whole multipart body: the file's own 10 MB limit is checked by the import, with its message.
MAX_UPLOAD_BODY = MAX_FILE_BYTES + 64 * 1024


async def read_upload(form: dict[str, Any]) -> tuple[bytes, str]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise UserError(N_("send the plan as the multipart field 'file'"), field="file")
    data = await upload.read(MAX_FILE_BYTES + 1)
    return data, upload.filename or "plan"


def import_options(org_id: int, form: dict[str, Any], dry_run: bool) -> ImportOptions:
    reference = str(form.get("reference_date") or "").strip()
    try:
        reference_date = dt.date.fromisoformat(reference) if reference else None
    except ValueError:
        raise UserError(N_("reference_date must be a date: YYYY-MM-DD"), field="reference_date") from None
    return ImportOptions(
        org_id=org_id,
        area=str(form.get("area") or "").strip() or None,
        reference_date=reference_date,
        dry_run=dry_run,
        sheet=str(form.get("sheet") or "").strip() or None,
        accept_suggestions=str(form.get("accept_suggestions") or "").lower() in ("1", "true", "on", "yes"),
    )


class PlanController(Controller):
    path = "/api/organizations"
    tags = ["plans"]

    @post(
        "/{org_id:int}/plan",
        request_max_body_size=MAX_UPLOAD_BODY,
        status_code=200,
        opt={UPLOAD_CHECK: None},  # the access table checks the organization
    )
    async def import_plan(
        self,
        caller: CallerDep,
        org_id: PathId,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
        dry_run: Annotated[bool, Parameter(query="dry_run", required=False)] = False,
    ) -> Response[dict[str, Any]]:
        """Import a plan into this organization (every row goes to it): `created`, `updated`,
        `unchanged` or `refused` per row. A real import writes every row or none: with a refused row
        it answers 422 and writes nothing."""
        require_editor(caller, org_id, "plan")
        content, file_name = await read_upload(data)
        result = await import_plan(caller, content, file_name, import_options(org_id, data, dry_run))
        body = {"detail": result.summary(), **result.report()}
        return Response(
            body, status_code=422 if result.refused and not dry_run else 200, media_type=MediaType.JSON
        )

    @get("/{org_id:int}/plan.xlsx", media_type=XLSX)
    async def export_plan(self, caller: CallerDep, org_id: PathId) -> Response[bytes]:
        """The plan for bulk edits: commitments and milestones with ids, versions and drop-downs."""
        file_name, content = await export_plan(caller, org_id)
        return Response(
            content=content,
            media_type=XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="{file_name}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
