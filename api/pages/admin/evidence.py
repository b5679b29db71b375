"""Verifying evidence (secretariat): the links and files behind level claims, a preview of images
and PDFs, and buttons to verify each or reject it with a reason."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.pages.admin import PAGE_SIZE, page_base
from api.pages.errors import PageController
from api.pages.forms import page_number
from api.pages.login import safe_next
from api.pages.render import read_form, redirect, render
from models import evidence_files
from models.caller import Caller
from models.errors import UserError
from models.paging import Paging
from models.services import assessments as assessment_service
from models.services.verification import evidence_to_verify
from models.words import N_, gettext, sentence
from reminders.workflow import decide_evidence


class AdminEvidencePages(PageController):
    path = "/admin/evidence"

    @get("/")
    async def queue(
        self, request: Request[Any, Any, Any], caller: Caller, organization: str = "", page: str = "1"
    ) -> Template:
        org_id = int(organization) if organization.isdigit() else None
        number = page_number(page)
        queue = await evidence_to_verify(caller, org_id, Paging.page_number(number, PAGE_SIZE))
        pages = queue.pages
        return render(
            request,
            caller,
            "admin/evidence.html.jinja",
            queue=queue,
            page=min(number, pages),
            pages=pages,
            base=page_base("/admin/evidence", organization=organization),
            here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
            assessment_evidence=await assessment_service.evidence_to_decide(caller),
            previewed=evidence_files.PREVIEWED,
        )

    @post("/assessment/{evidence_id:int}/decision")
    async def decide(self, request: Request[Any, Any, Any], caller: Caller, evidence_id: int) -> Redirect:
        form = await read_form(request)
        try:
            row = await decide_evidence(
                request.app.state.settings,
                caller,
                evidence_id,
                form.get("decision", ""),
                form.get("reason", ""),
            )
        except UserError as exc:
            return redirect(request, "/admin/evidence", sentence(exc.message), "error")
        done = N_("Verified: %(link)s.") if row["state"] == "verified" else N_("Rejected: %(link)s.")
        return redirect(request, "/admin/evidence", gettext(done, link=row["url"]))

    async def _decide(
        self, request: Request[Any, Any, Any], caller: Caller, evidence_id: int, decision: str, done: str
    ) -> Redirect:
        """A decision on a progress update's link or file, taken as the API takes it: the write, its
        audit row and the focal points' email (reminders.workflow)."""
        form = await read_form(request)
        back = safe_next(form.get("next") or "/admin/evidence")
        settings = request.app.state.settings
        try:
            row = await decide_evidence(
                settings, caller, evidence_id, decision, form.get("reason", ""), "update"
            )
        except UserError as exc:
            return redirect(request, back, sentence(exc.message), "error")
        return redirect(request, back, gettext(done, link=row["title"] or row["url"]))

    @post("/{evidence_id:int}/verify")
    async def verify(self, request: Request[Any, Any, Any], caller: Caller, evidence_id: int) -> Redirect:
        """Verify a progress update's link or file; the focal points are emailed it."""
        return await self._decide(request, caller, evidence_id, "verify", N_("Verified: %(link)s."))

    @post("/{evidence_id:int}/reject")
    async def reject(self, request: Request[Any, Any, Any], caller: Caller, evidence_id: int) -> Redirect:
        """Reject a progress update's link or file with a reason; the focal points are emailed it."""
        return await self._decide(request, caller, evidence_id, "reject", N_("Rejected: %(link)s."))
