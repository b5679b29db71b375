"""Adding a progress update: a self-assessed level, a narrative, evidence links, and for each text a
visibility choice that says who will read it. Updates are append-only; a correction is a new one."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.controllers.updates import read_files
from api.pages.commitments import ORG, commitment_of
from api.pages.errors import PageController
from api.pages.forms import optional_int
from api.pages.render import error_status, form_errors, read_form, redirect, render
from models import evidence_files
from models.caller import Caller
from models.errors import NotFound, UserError
from models.services import cycles as cycle_service
from models.services import milestones as milestone_service
from models.services import organizations as organization_service
from models.services import updates as update_service
from models.words import N_, gettext, ngettext

EVIDENCE_ROWS = 3
FILES_FIELD = "evidence_files"
EVIDENCE_FIELD = re.compile(r"^evidence\[(\d+)\]\.(url|title|visibility)$")


def update_data(form: dict[str, str]) -> tuple[dict[str, Any], list[int]]:
    """The service's input, and which form row each evidence link came from (blank rows skipped)."""
    level = form.get("self_level", "")
    if level and not level.isdigit():
        raise UserError(N_("choose a level from the list"), field="self_level")
    evidence, rows = [], []
    for row in range(EVIDENCE_ROWS):
        url = form.get(f"evidence_url_{row}", "")
        title = form.get(f"evidence_title_{row}", "")
        if not url and not title:
            continue
        evidence.append(
            {"url": url, "title": title, "visibility": form.get(f"evidence_visibility_{row}", "internal")}
        )
        rows.append(row)
    data: dict[str, Any] = {
        "self_level": int(level) if level else None,
        "narrative": form.get("narrative", ""),
        "visibility": form.get("visibility", "internal"),
        "evidence": evidence,
    }
    milestone = optional_int(form, "milestone_id", gettext("the milestone"))
    if milestone is not None:
        data["milestone_id"] = milestone
    corrects = optional_int(form, "supersedes_id", gettext("the corrected update"))
    if corrects is not None:
        data["supersedes_id"] = corrects
    return data, rows


def errors_for_rows(exc: UserError, rows: list[int]) -> dict[str, str]:
    """Point an error on evidence[i].url at the form row it came from."""
    errors = form_errors(exc)
    if (exc.field or "").startswith("files"):
        errors.pop(exc.field or "", None)
        errors[FILES_FIELD] = exc.message
        return errors
    match = EVIDENCE_FIELD.match(exc.field or "")
    if match and int(match.group(1)) < len(rows):
        errors.pop(exc.field or "")
        row = rows[int(match.group(1))]
        message = exc.message.replace(
            exc.field or "", gettext("link %(number)s %(part)s", number=row + 1, part=match.group(2))
        )
        errors[f"evidence_{match.group(2)}_{row}"] = message[:1].upper() + message[1:]
    return errors


class UpdatePages(PageController):
    path = ORG

    async def _form(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        org_id: int,
        commitment: dict[str, Any],
        form: dict[str, str],
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Template:
        corrected = None
        if form.get("supersedes_id", "").isdigit():
            corrected = await update_service.get_update(caller, int(form["supersedes_id"]))
        return render(
            request,
            caller,
            "organizations/update_form.html.jinja",
            http_status=status,
            org=await organization_service.get_organization(caller, org_id),
            commitment=commitment,
            cycle=await cycle_service.open_cycle(),
            milestones=(await milestone_service.list_milestones(caller, int(commitment["id"]))).items,
            evidence_rows=range(EVIDENCE_ROWS),
            corrected=corrected,
            form=form,
            errors=errors or {},
        )

    @get("/commitments/{commitment_id:int}/updates/new")
    async def new_update(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        org_id: int,
        commitment_id: int,
        corrects: int | None = None,
        milestone: int | None = None,
    ) -> Template:
        """A new update; with `?corrects=ID`, a correction that starts from that update's text;
        with `?milestone=ID` (the "Add update" of an overdue or due-soon row), about that milestone."""
        commitment = await commitment_of(caller, org_id, commitment_id)
        form = {"visibility": "internal", "milestone_id": "" if milestone is None else str(milestone)}
        if corrects is not None:
            old = await update_service.get_update(caller, corrects)
            if int(old["commitment_id"]) != commitment_id:
                raise NotFound(
                    N_("no progress update with id %(corrects)s on this commitment"), corrects=corrects
                )
            form = {
                "supersedes_id": str(corrects),
                "self_level": "" if old["self_level"] is None else str(old["self_level"]),
                "narrative": old["narrative"],
                "visibility": old["visibility"],
            }
        return await self._form(request, caller, org_id, commitment, form)

    @post(
        "/commitments/{commitment_id:int}/updates/new", request_max_body_size=evidence_files.MAX_REQUEST_BYTES
    )
    async def create_update(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, commitment_id: int
    ) -> Template | Redirect:
        commitment = await commitment_of(caller, org_id, commitment_id)
        form = await read_form(request)
        form.pop(FILES_FIELD, None)
        rows: list[int] = []
        try:
            data, rows = update_data(form)
            data["files"] = [
                {**item, "visibility": form.get("evidence_files_visibility", "internal")}
                for item in await read_files(await request.form(), FILES_FIELD)
            ]
            row = await update_service.create_update(caller, commitment_id, data)
        except UserError as exc:
            return await self._form(
                request, caller, org_id, commitment, form, errors_for_rows(exc, rows), error_status(exc)
            )
        links = len(row.get("evidence", []))  # links and files
        return redirect(
            request,
            f"/organizations/{org_id}/commitments/{commitment_id}#update-{row['id']}",
            ngettext(
                "Progress update added with %(num)s evidence link.",
                "Progress update added with %(num)s evidence links.",
                links,
            )
            if links
            else gettext("Progress update added."),
        )
