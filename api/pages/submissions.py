"""A cycle's self-report of one organization: its state, the champion's comments, and the one
action the caller's role may take next (submit, approve or return, publish)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.pages.commitments import ORG
from api.pages.errors import PageController
from api.pages.login import safe_next
from api.pages.render import on_link, read_form, redirect, refusal, render
from models.caller import Caller
from models.errors import Collect, InvalidFields, UserError
from models.services import assessments as assessment_service
from models.services import cycles as cycle_service
from models.services import organizations as organization_service
from models.services import submission_comments
from models.services import submissions as submission_service
from models.vocabulary import NOT_SUBMITTED_STATUSES
from models.words import N_, gettext, sentence
from reminders import report_emails
from scorecards import publishing
from scorecards.report import submission_report

SUBMISSION = "/submissions/{cycle:str}"
DONE = {
    "submit": N_("The %(cycle)s report was submitted to the champion for sign-off."),
    "approve": N_("The %(cycle)s report was approved. The secretariat can now publish it."),
    "return": N_("The %(cycle)s report was returned to the focal points with your comment."),
    "publish": N_("The %(cycle)s scorecard was published: peers and donors now see this snapshot."),
    "comment": N_("Your comment was added to the %(cycle)s report."),
}
ASSESSMENT_FIELDS = ("self_level", "justification", "visibility", "evidence", "evidence_visibility")
ASSESSMENT_LINK = re.compile(r"evidence\[(\d+)\]\.(url|title|visibility)")
CONFIRM = {
    "approve": ("confirm_approve", N_("tick the box to confirm that you approve this report")),
    "return": ("confirm_return", N_("tick the box to confirm that you return this report")),
}


def unconfirmed(form: dict[str, str], action: str) -> UserError | None:
    """The refusal for an approve or return whose confirmation box was not ticked."""
    name, message = CONFIRM[action]
    return None if form.get(name) == "yes" else UserError(message, field=name)


def next_actions(caller: Caller, org_id: int, status: str) -> set[str]:
    """What this caller may do to the submission now (the service checks again)."""
    actions = set()
    if caller.has_role("focal_point", org_id) and status in NOT_SUBMITTED_STATUSES:
        actions.add("submit")
    if caller.has_role("champion", org_id) and status == "submitted":
        actions |= {"approve", "return"}
    if caller.is_secretariat and status == "approved":
        actions.add("publish")
    return actions


def assessment_from_form(form: dict[str, str], area_key: str) -> dict[str, Any]:
    """The assessment form of one area as the service's data: a level, a justification, links; a
    missing level is refused with every other field's error at once."""
    checks = Collect()
    level = form.get("self_level", "")
    if not level.isdigit():
        checks.add(
            UserError(N_("choose the level the organization claims for this area"), field="self_level")
        )
    links = []
    for line in form.get(f"evidence-{area_key}", "").splitlines():
        url, _, title = line.strip().partition(" ")
        if url:
            links.append(
                {
                    "url": url,
                    "title": title.strip(),
                    "visibility": form.get(f"evidence_visibility-{area_key}", "internal"),
                }
            )
    data = {
        "self_level": int(level) if level.isdigit() else None,
        "justification": form.get(f"justification-{area_key}", ""),
        "visibility": form.get(f"visibility-{area_key}", "internal"),
        "evidence": links,
    }
    if checks.errors:
        assessment_service.clean_assessment({**data, "self_level": 0}, checks)
        checks.raise_any()
    return data


def assessment_errors(exc: UserError, area_key: str) -> dict[str, str]:
    """Every refusal of one area's assessment beside its field of that area's form (a page holds one
    form per area); a link's refusal says which line it is."""
    errors: dict[str, str] = {}
    for error in exc.errors if isinstance(exc, InvalidFields) else [exc]:
        field, message = error.field or "_form", error.message
        line = ASSESSMENT_LINK.fullmatch(field)
        if line:
            field = "evidence_visibility" if line.group(2) == "visibility" else "evidence"
            message = on_link(int(line.group(1)) + 1, message)
        if field in ASSESSMENT_FIELDS:
            field = f"{field}-{area_key}"
        errors.setdefault(field, sentence(message))
    return errors


class SubmissionPages(PageController):
    path = ORG

    async def _page(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        org_id: int,
        cycle: str,
        form: dict[str, str] | None = None,
        exc: UserError | None = None,
        assessed_area: str | None = None,
    ) -> Template:
        """The report page; `assessed_area` names the area whose assessment form came back refused,
        shown with what was typed."""
        submission = await submission_report(caller, org_id, cycle)
        refused = refusal(exc)
        if exc is not None and assessed_area is not None:
            refused["errors"] = assessment_errors(exc, assessed_area)
        return render(
            request,
            caller,
            "organizations/submission.html.jinja",
            **refused,
            org=await organization_service.get_organization(caller, org_id),
            cycle=await cycle_service.cycle_by_name(cycle),
            submission=submission,
            report=submission["report"],
            actions=next_actions(caller, org_id, submission["status"]),
            assessments=await assessment_service.list_assessments(caller, org_id, cycle),
            can_assess=caller.can_edit(org_id) and submission["status"] in ("draft", "returned"),
            can_comment=submission_comments.may_converse(caller, org_id),
            form=form or {},
            assessed_area=assessed_area,
        )

    @get(SUBMISSION)
    async def submission(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str
    ) -> Template:
        return await self._page(request, caller, org_id, cycle)

    async def _act(
        self,
        request: Request[Any, Any, Any],
        org_id: int,
        cycle: str,
        action: str,
        call: Callable[[], Awaitable[Any]],
    ) -> Redirect:
        form = await read_form(request)
        here = f"/organizations/{org_id}/submissions/{cycle}"
        if form.get("next"):
            here = safe_next(form["next"])
        try:
            await call()
        except UserError as exc:
            return redirect(request, here, sentence(exc.message), kind="error")
        return redirect(request, here, gettext(DONE[action], cycle=cycle))

    @post(SUBMISSION + "/submit")
    async def submit(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str
    ) -> Redirect:
        form = await read_form(request)
        return await self._act(
            request,
            org_id,
            cycle,
            "submit",
            lambda: report_emails.announced(
                request.app.state.settings,
                report_emails.REPORT_SUBMITTED,
                lambda: submission_service.submit(caller, org_id, cycle, form.get("cover_note", "")),
            ),
        )

    @post(SUBMISSION + "/approve")
    async def approve(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str
    ) -> Template | Redirect:
        form = await read_form(request)
        exc = unconfirmed(form, "approve")
        if exc is not None:
            return await self._page(request, caller, org_id, cycle, form, exc)
        return await self._act(
            request,
            org_id,
            cycle,
            "approve",
            lambda: report_emails.announced(
                request.app.state.settings,
                report_emails.REPORT_APPROVED,
                lambda: submission_service.approve(caller, org_id, cycle, form.get("approve_comment", "")),
            ),
        )

    @post(SUBMISSION + "/return")
    async def return_submission(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str
    ) -> Template | Redirect:
        form = await read_form(request)
        try:
            refused = unconfirmed(form, "return")
            if refused is not None and form.get("comment"):
                raise refused
            await report_emails.return_submission(
                request.app.state.settings, caller, org_id, cycle, form.get("comment", "")
            )
        except UserError as exc:
            if exc.field in ("comment", "confirm_return"):
                return await self._page(request, caller, org_id, cycle, form, exc)
            here = f"/organizations/{org_id}/submissions/{cycle}"
            return redirect(request, here, sentence(exc.message), kind="error")
        return redirect(
            request, f"/organizations/{org_id}/submissions/{cycle}", gettext(DONE["return"], cycle=cycle)
        )

    @post(SUBMISSION + "/comments")
    async def comment(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str
    ) -> Template | Redirect:
        form = await read_form(request)
        try:
            await submission_comments.add_submission_comment(caller, org_id, cycle, form.get("body", ""))
        except UserError as exc:
            if exc.field == "body":
                return await self._page(request, caller, org_id, cycle, form, exc)
            raise
        here = f"/organizations/{org_id}/submissions/{cycle}#comments-heading"
        return redirect(request, here, gettext(DONE["comment"], cycle=cycle))

    @post(SUBMISSION + "/assessments/{area_key:str}")
    async def assess(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str, area_key: str
    ) -> Template | Redirect:
        form = await read_form(request)
        here = f"/organizations/{org_id}/submissions/{cycle}#assessment-{area_key}"
        try:
            data = assessment_from_form(form, area_key)
            saved = await assessment_service.save_assessment(
                caller, org_id, cycle, area_key, data, int(form.get("version") or 0)
            )
        except UserError as exc:
            if exc.status_code != 400:
                return redirect(request, here, sentence(exc.message), kind="error")
            return await self._page(request, caller, org_id, cycle, form, exc, assessed_area=area_key)
        message = gettext("The %(area)s assessment was saved.", area=saved["area_name"])
        if saved["self_level"] >= 3 and not any(e["state"] != "rejected" for e in saved["evidence"]):
            message += " " + gettext("This will count as 2 until evidence is attached.")
        return redirect(request, here, message)

    async def _preview(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        org_id: int,
        cycle: str,
        form: dict[str, str],
        exc: UserError | None = None,
    ) -> Template:
        preview = await publishing.publication_preview(caller, org_id, cycle)
        return render(
            request,
            caller,
            "organizations/publish_preview.html.jinja",
            **refusal(exc),
            org=await organization_service.get_organization(caller, org_id),
            cycle=preview["cycle"],
            submission=preview["submission"],
            early=preview["early"],
            payloads=preview["payloads"],
            audience_titles={
                "peer": gettext("What peers will read"),
                "donor": gettext("What donors will read"),
            },
            form=form,
        )

    @get(SUBMISSION + "/publish")
    async def publish_preview(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str, next: str = ""
    ) -> Template:
        """The peer and donor view, built by the code that freezes the snapshots, then Publish."""
        return await self._preview(request, caller, org_id, cycle, {"next": safe_next(next) if next else ""})

    @post(SUBMISSION + "/publish")
    async def publish(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str
    ) -> Template | Redirect:
        form = await read_form(request)
        early = form.get("publish_early") == "yes"
        try:
            if form.get("confirm_publish") != "yes":
                raise UserError(
                    N_("tick the box to confirm that you have read the preview"), field="confirm_publish"
                )
            await report_emails.announced(
                request.app.state.settings,
                report_emails.REPORT_PUBLISHED,
                lambda: publishing.publish(caller, org_id, cycle, early),
            )
        except UserError as exc:
            if exc.field in ("confirm_publish", "publish_early"):
                return await self._preview(request, caller, org_id, cycle, form, exc)
            here = f"/organizations/{org_id}/submissions/{cycle}"
            return redirect(request, here, sentence(exc.message), kind="error")
        here = safe_next(form["next"]) if form.get("next") else f"/organizations/{org_id}/submissions/{cycle}"
        return redirect(request, here, gettext(DONE["publish"], cycle=cycle))
