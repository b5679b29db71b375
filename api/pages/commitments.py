"""Commitments and their milestones: the detail page with the history of updates, and the forms
that create and edit them (focal points of the organization and the secretariat).

Every form posts back to its own address. A refused input renders the form again with what was
typed and the service's message beside the field; success redirects with a flash message.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.pages.errors import PageController
from api.pages.forms import area_options, optional_date, optional_int, required_date, version_of
from api.pages.login import safe_next
from api.pages.render import read_form, redirect, refusal, render
from models.caller import Caller
from models.clock import today
from models.errors import Collect, NotFound, UserError
from models.services import commitments as commitment_service
from models.services import milestones as milestone_service
from models.services import organizations as organization_service
from models.services import updates as update_service
from models.services.owners import possible_owners
from models.timeline import watch_state
from models.vocabulary import COMMITMENT_STATUSES, MILESTONE_STATUSES
from models.words import N_, gettext, sentence, status_label

ORG = "/organizations/{org_id:int}"


async def commitment_of(caller: Caller, org_id: int, commitment_id: int) -> dict[str, Any]:
    """The commitment, read at the caller's audience, and only if it belongs to this organization."""
    row = await commitment_service.get_commitment(caller, commitment_id)
    if int(row["organization_id"]) != org_id:
        raise NotFound(
            N_("no commitment with id %(commitment_id)s in this organization"), commitment_id=commitment_id
        )
    return row


async def milestone_of(caller: Caller, org_id: int, milestone_id: int) -> dict[str, Any]:
    row = await milestone_service.get_milestone(caller, milestone_id)
    if int(row["organization_id"]) != org_id:
        raise NotFound(
            N_("no milestone with id %(milestone_id)s in this organization"), milestone_id=milestone_id
        )
    return row


def commitment_data(form: dict[str, str], editing: bool) -> dict[str, Any]:
    """The form as the service's data; a date that cannot be read is refused with every other
    field's error at once (the service's own checks run on the rest)."""
    checks = Collect()
    data: dict[str, Any] = {
        "title": form.get("title", ""),
        "area": form.get("area", ""),
        "description": form.get("description", ""),
        "description_visibility": form.get("description_visibility", "internal"),
        "target_date": checks(optional_date, form, "target_date", gettext("the target date")),
        "owner_id": checks(optional_int, form, "owner_id", gettext("the owner")),
    }
    if editing:
        data["status"] = form.get("status", "active")
    if checks.errors:
        commitment_service.new_commitment_errors({**data, "target_date": None}, checks)
    checks.raise_any()
    return data


def milestone_data(form: dict[str, str], editing: bool) -> dict[str, Any]:
    checks = Collect()
    data: dict[str, Any] = {
        "title": form.get("title", ""),
        "due_date": checks(required_date, form, "due_date", gettext("the due date")),
    }
    if editing:
        data["status"] = form.get("status", "planned")
        data["completed_on"] = checks(optional_date, form, "completed_on", gettext("the completion date"))
        data["drop_reason"] = form.get("drop_reason", "")
    if checks.errors and not editing:
        milestone_service.new_milestone_errors({**data, "due_date": None}, checks)
    checks.raise_any()
    return data


def after_target(commitment: dict[str, Any], milestone: dict[str, Any]) -> str | None:
    """The warning, not a refusal, for a milestone due after its commitment's target date."""
    target, due = commitment.get("target_date"), milestone.get("due_date")
    if not target or not due or str(due) <= str(target):
        return None
    return gettext(
        "Note: it is due after the commitment's target date (%(target)s); move one of them if that is not meant.",
        target=str(target)[:10],
    )


def as_form(row: dict[str, Any], *fields: str) -> dict[str, str]:
    return {field: "" if row.get(field) is None else str(row[field]) for field in fields}


class CommitmentPages(PageController):
    path = ORG

    async def _commitment_form(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        org_id: int,
        form: dict[str, str],
        commitment: dict[str, Any] | None = None,
        exc: UserError | None = None,
    ) -> Template:
        return render(
            request,
            caller,
            "organizations/commitment_form.html.jinja",
            **refusal(exc),
            org=await organization_service.get_organization(caller, org_id),
            commitment=commitment,
            areas=await area_options(),
            owners=[(o["id"], o["name"]) for o in await possible_owners(caller, org_id)],
            statuses=[(s, status_label(s)) for s in COMMITMENT_STATUSES],
            form=form,
        )

    @get("/commitments/new")
    async def new_commitment(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, area: str = ""
    ) -> Template:
        owner = str(caller.person_id) if caller.has_role("focal_point", org_id) else ""
        return await self._commitment_form(request, caller, org_id, {"area": area, "owner_id": owner})

    @post("/commitments/new")
    async def create_commitment(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int
    ) -> Template | Redirect:
        form = await read_form(request)
        try:
            row = await commitment_service.create_commitment(caller, org_id, commitment_data(form, False))
        except UserError as exc:
            return await self._commitment_form(request, caller, org_id, form, exc=exc)
        return redirect(
            request,
            f"/organizations/{org_id}/commitments/{row['id']}",
            gettext("Commitment “%(title)s” added.", title=row["title"]),
        )

    @get("/commitments/{commitment_id:int}")
    async def commitment(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, commitment_id: int
    ) -> Template:
        row = await commitment_of(caller, org_id, commitment_id)
        updates = (await update_service.list_updates(caller, commitment_id)).items
        milestones = (await milestone_service.list_milestones(caller, commitment_id)).items
        return render(
            request,
            caller,
            "organizations/commitment.html.jinja",
            org=await organization_service.get_organization(caller, org_id),
            commitment=row,
            area_names=dict(await area_options()),
            milestones=milestones,
            updates=list(reversed(updates)),
            can_edit=caller.can_edit(org_id),
            today=today(),
            # The rows that offer "Mark done" and "Add update": those the dashboard lists too.
            watched={
                m["id"]
                for m in milestones
                if m["due_date"] and watch_state(m["due_date"], m["status"], today())
            },
        )

    @get("/commitments/{commitment_id:int}/edit")
    async def edit_commitment(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, commitment_id: int
    ) -> Template:
        row = await commitment_of(caller, org_id, commitment_id)
        form = as_form(
            row,
            "title",
            "area",
            "description",
            "description_visibility",
            "target_date",
            "owner_id",
            "status",
            "version",
        )
        return await self._commitment_form(request, caller, org_id, form, commitment=row)

    @post("/commitments/{commitment_id:int}/edit")
    async def save_commitment(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, commitment_id: int
    ) -> Template | Redirect:
        row = await commitment_of(caller, org_id, commitment_id)
        form = await read_form(request)
        try:
            await commitment_service.update_commitment(
                caller, commitment_id, commitment_data(form, True), version_of(form)
            )
        except UserError as exc:
            return await self._commitment_form(request, caller, org_id, form, commitment=row, exc=exc)
        return redirect(
            request, f"/organizations/{org_id}/commitments/{commitment_id}", gettext("Commitment saved.")
        )

    # --- milestones ---------------------------------------------------------------------------

    async def _milestone_form(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        org_id: int,
        commitment: dict[str, Any],
        form: dict[str, str],
        milestone: dict[str, Any] | None = None,
        exc: UserError | None = None,
    ) -> Template:
        return render(
            request,
            caller,
            "organizations/milestone_form.html.jinja",
            **refusal(exc),
            org=await organization_service.get_organization(caller, org_id),
            commitment=commitment,
            milestone=milestone,
            statuses=[(s, status_label(s)) for s in MILESTONE_STATUSES],
            form=form,
        )

    @get("/commitments/{commitment_id:int}/milestones/new")
    async def new_milestone(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, commitment_id: int
    ) -> Template:
        commitment = await commitment_of(caller, org_id, commitment_id)
        return await self._milestone_form(request, caller, org_id, commitment, {})

    @post("/commitments/{commitment_id:int}/milestones/new")
    async def create_milestone(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, commitment_id: int
    ) -> Template | Redirect:
        commitment = await commitment_of(caller, org_id, commitment_id)
        form = await read_form(request)
        try:
            row = await milestone_service.create_milestone(caller, commitment_id, milestone_data(form, False))
        except UserError as exc:
            return await self._milestone_form(request, caller, org_id, commitment, form, exc=exc)
        message = gettext("Milestone “%(title)s” added.", title=row["title"])
        return redirect(
            request,
            f"/organizations/{org_id}/commitments/{commitment_id}",
            " ".join(filter(None, (message, after_target(commitment, row)))),
        )

    @get("/milestones/{milestone_id:int}/edit")
    async def edit_milestone(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, milestone_id: int
    ) -> Template:
        milestone = await milestone_of(caller, org_id, milestone_id)
        commitment = await commitment_of(caller, org_id, int(milestone["commitment_id"]))
        form = as_form(milestone, "title", "due_date", "status", "completed_on", "drop_reason", "version")
        return await self._milestone_form(request, caller, org_id, commitment, form, milestone=milestone)

    @post("/milestones/{milestone_id:int}/edit")
    async def save_milestone(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, milestone_id: int
    ) -> Template | Redirect:
        milestone = await milestone_of(caller, org_id, milestone_id)
        commitment_id = int(milestone["commitment_id"])
        form = await read_form(request)
        try:
            await milestone_service.update_milestone(
                caller, milestone_id, milestone_data(form, True), version_of(form)
            )
        except UserError as exc:
            commitment = await commitment_of(caller, org_id, commitment_id)
            return await self._milestone_form(request, caller, org_id, commitment, form, milestone, exc)
        return redirect(
            request, f"/organizations/{org_id}/commitments/{commitment_id}", gettext("Milestone saved.")
        )

    @post("/milestones/{milestone_id:int}/done")
    async def mark_done(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, milestone_id: int
    ) -> Redirect:
        """ "Mark done" where the milestone appears (dashboard, commitment page): one click, with the
        completion date the row offers (today unless changed), back to the page it came from."""
        milestone = await milestone_of(caller, org_id, milestone_id)
        form = await read_form(request)
        back = safe_next(
            form.get("next") or f"/organizations/{org_id}/commitments/{milestone['commitment_id']}"
        )
        try:
            completed = optional_date(form, "completed_on", gettext("completion date")) or today()
            await milestone_service.update_milestone(
                caller, milestone_id, {"status": "done", "completed_on": completed}, version_of(form)
            )
        except UserError as exc:
            return redirect(request, back, sentence(exc.message), kind="error")
        return redirect(
            request, back, gettext("Milestone “%(title)s” marked done.", title=milestone["title"])
        )
