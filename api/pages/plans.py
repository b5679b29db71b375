"""The plan import page: upload a matrix, read the preview (every row's fate and milestones), confirm.

The preview is the import's dry run; the confirmation posts the same file back (carried in the page,
so any worker can take it) and runs the real import, which writes every row or none. Exporting the
plan for bulk edits is a link to the API's workbook.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template

from api.guard import UPLOAD_CHECK
from api.pages.errors import PageController
from api.pages.forms import area_options
from api.pages.render import redirect, refusal, render
from models.caller import Caller
from models.errors import UserError
from models.plan_files import MAX_FILE_BYTES
from models.services import organizations as organization_service
from models.services.common import require_editor
from models.services.plan_import import import_plan
from models.services.plans import ImportOptions, ImportResult
from models.words import N_, translated

ORG = "/organizations/{org_id:int}"
ROW_STATUSES = {
    "created": N_("Created"),
    "updated": N_("Updated"),
    "unchanged": N_("Unchanged"),
    "refused": N_("Refused"),
}
# The confirmation carries the file base64-encoded (4/3 of its size) with the options.
MAX_CONFIRM_BODY = MAX_FILE_BYTES * 4 // 3 + 64 * 1024
MAX_UPLOAD_BODY = MAX_FILE_BYTES + 64 * 1024


def options_of(org_id: int, form: dict[str, Any], dry_run: bool) -> ImportOptions:
    from api.controllers.plans import import_options

    return import_options(org_id, form, dry_run)


class PlanImportPages(PageController):
    path = ORG

    async def _page(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        org_id: int,
        form: dict[str, Any],
        result: ImportResult | None = None,
        carried: str = "",
        exc: UserError | None = None,
    ) -> Template:
        areas = await area_options()
        return render(
            request,
            caller,
            "organizations/import.html.jinja",
            **refusal(exc),
            org=await organization_service.get_organization(caller, org_id),
            areas=areas,
            area_names=dict(areas),
            form={key: str(value) for key, value in form.items() if key != "file"},
            result=result,
            carried=carried,
            status_words=translated(ROW_STATUSES),
        )

    @get("/import")
    async def import_form(self, request: Request[Any, Any, Any], caller: Caller, org_id: int) -> Template:
        require_editor(caller, org_id, "plan")
        return await self._page(request, caller, org_id, {})

    @post("/import", request_max_body_size=MAX_UPLOAD_BODY, opt={UPLOAD_CHECK: None})
    async def preview(self, request: Request[Any, Any, Any], caller: Caller, org_id: int) -> Template:
        require_editor(caller, org_id, "plan")
        form = dict((await request.form()).items())
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise UserError(N_("choose the plan file (.xlsx or .csv)"), field="file")
            data = await upload.read(MAX_FILE_BYTES + 1)
            result = await import_plan(caller, data, upload.filename, options_of(org_id, form, True))
        except UserError as exc:
            return await self._page(request, caller, org_id, form, exc=exc)
        form["file_name"] = upload.filename
        return await self._page(request, caller, org_id, form, result, base64.b64encode(data).decode())

    @post("/import/confirm", request_max_body_size=MAX_CONFIRM_BODY, opt={UPLOAD_CHECK: None})
    async def confirm(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int
    ) -> Template | Redirect:
        require_editor(caller, org_id, "plan")
        form = {key: str(value) for key, value in (await request.form()).items() if key != "_csrf"}
        try:
            data = base64.b64decode(form.pop("content", ""), validate=True)
        except binascii.Error:
            data = b""
        file_name = form.get("file_name") or "plan"
        try:
            if not data:
                raise UserError(
                    N_("the file did not come back with the confirmation: upload it again"), field="file"
                )
            result = await import_plan(caller, data, file_name, options_of(org_id, form, False))
        except UserError as exc:
            return await self._page(request, caller, org_id, form, exc=exc)
        if not result.written:
            return await self._page(request, caller, org_id, form, result, base64.b64encode(data).decode())
        return redirect(request, f"/organizations/{org_id}", result.summary())
