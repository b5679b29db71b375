"""Adding a progress update: a self-assessed level, a narrative, evidence links, and for each text a
visibility choice that says who will read it. Updates are append-only; a correction is a new one."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.controllers.updates import read_files
from api.guard import UPLOAD_CHECK
from api.pages.commitments import ORG, commitment_of
from api.pages.errors import PageController
from api.pages.forms import optional_int
from api.pages.render import error_status, on_link, read_form, redirect, render
from models import evidence_files
from models.caller import Caller
from models.errors import Collect, InvalidFields, NotFound, UserError
from models.services import cycles as cycle_service
from models.services import milestones as milestone_service
from models.services import organizations as organization_service
from models.services import updates as update_service
from models.words import N_, gettext, ngettext, sentence

EVIDENCE_ROWS = 3
FILES_FIELD = "evidence_files"
EVIDENCE_FIELD = re.compile(r"evidence\[(\d+)\]\.(url|title|visibility)")


async def commitment_here(caller: Caller, params: dict[str, Any]) -> None:
    """Before an update form's files are read: the commitment is this organization's (else 404)."""
    await commitment_of(caller, int(params["org_id"]), int(params["commitment_id"]))


def linked_rows(form: dict[str, str]) -> list[int]:
    """The evidence rows of the form that hold a link or a title (blank rows are skipped)."""
    return [
        row
        for row in range(EVIDENCE_ROWS)
        if form.get(f"evidence_url_{row}", "") or form.get(f"evidence_title_{row}", "")
    ]


def update_data(form: dict[str, str]) -> tuple[dict[str, Any], list[int]]:
    """The service's input, and which form row each evidence link came from (blank rows skipped);
    a level or number that cannot be read is refused with every other field's error at once."""
    checks = Collect()
    level = form.get("self_level", "")
    if level and not level.isdigit():
        checks.add(UserError(N_("choose a level from the list"), field="self_level"))
    rows = linked_rows(form)
    evidence = [
        {
            "url": form.get(f"evidence_url_{row}", ""),
            "title": form.get(f"evidence_title_{row}", ""),
            "visibility": form.get(f"evidence_visibility_{row}", "internal"),
        }
        for row in rows
    ]
    data: dict[str, Any] = {
        "self_level": int(level) if level.isdigit() else None,
        "narrative": form.get("narrative", ""),
        "visibility": form.get("visibility", "internal"),
        "evidence": evidence,
    }
    milestone = checks(optional_int, form, "milestone_id", gettext("the milestone"))
    if milestone is not None:
        data["milestone_id"] = milestone
    corrects = checks(optional_int, form, "supersedes_id", gettext("the corrected update"))
    if corrects is not None:
        data["supersedes_id"] = corrects
    if checks.errors:
        update_service.clean_update(data, checks)
        checks.raise_any()
    return data, rows


def errors_for_rows(exc: UserError, rows: list[int]) -> dict[str, str]:
    """Every refusal beside its field: one on evidence[i].url beside the form row it came from, one
    on a file beside the files field."""
    errors: dict[str, str] = {}
    for error in exc.errors if isinstance(exc, InvalidFields) else [exc]:
        field, message = error.field or "_form", error.message
        match = EVIDENCE_FIELD.fullmatch(field)
        if field.startswith("files"):
            field = FILES_FIELD
        elif match and int(match.group(1)) < len(rows):
            row = rows[int(match.group(1))]
            field = f"evidence_{match.group(2)}_{row}"
            message = on_link(row + 1, message)
        errors.setdefault(field, sentence(message))
    return errors


def added_message(evidence: list[dict[str, Any]]) -> str:
    """What a new update came with, said as it is: links, files, or both, each counted."""
    files = sum(1 for item in evidence if item.get("file_key"))
    links = len(evidence) - files
    if links and files:
        return gettext(
            "Progress update added with %(links)s and %(files)s.",
            links=ngettext("%(num)s evidence link", "%(num)s evidence links", links),
            files=ngettext("%(num)s file", "%(num)s files", files),
        )
    if files:
        return ngettext(
            "Progress update added with %(num)s file.", "Progress update added with %(num)s files.", files
        )
    if links:
        return ngettext(
            "Progress update added with %(num)s evidence link.",
            "Progress update added with %(num)s evidence links.",
            links,
        )
    return gettext("Progress update added.")


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
        "/commitments/{commitment_id:int}/updates/new",
        request_max_body_size=evidence_files.MAX_REQUEST_BYTES,
        opt={UPLOAD_CHECK: commitment_here},
    )
    async def create_update(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, commitment_id: int
    ) -> Template | Redirect:
        commitment = await commitment_of(caller, org_id, commitment_id)
        form = await read_form(request)
        form.pop(FILES_FIELD, None)
        rows = linked_rows(form)
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
        return redirect(
            request,
            f"/organizations/{org_id}/commitments/{commitment_id}#update-{row['id']}",
            added_message(row.get("evidence", [])),
        )
