"""Donor expectations in pages: the secretariat writes, rewords and retires them and confirms or
questions answers (/admin/expectations); an organization answers each one in a cycle's report.

Forms post to the same services as the JSON API (`models.services.expectations`,
`models.services.expectation_answers`), so the rules are the same in both.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.controllers.updates import read_files
from api.guard import UPLOAD_CHECK
from api.pages.errors import PageController
from api.pages.forms import area_options, optional_date, version_of
from api.pages.render import read_form, read_form_lists, redirect, refusal, render
from models import evidence_files
from models.caller import Caller
from models.errors import UserError
from models.services import expectation_answers, expectations
from models.services.cycles import list_cycles, open_cycle
from models.vocabulary import ANSWER_REVIEW_LABELS, EXPECTATION_ANSWER_LABELS
from models.words import N_, gettext, sentence
from reminders import workflow

ADMIN = "/admin/expectations"
ANSWERS = "/organizations/{org_id}/expectations/{cycle}"
EXPECTATION_PAGE_ACCESS = {
    f"GET {ADMIN}": "secretariat",
    f"POST {ADMIN}": "secretariat",
    f"GET {ADMIN}/{{expectation_id}}": "secretariat",
    f"POST {ADMIN}/{{expectation_id}}": "secretariat",
    f"POST {ADMIN}/{{expectation_id}}/active": "secretariat",
    f"POST {ADMIN}/answers/{{org_id}}/{{cycle}}/{{expectation_id}}": "secretariat",
    f"GET {ANSWERS}": "secretariat focal_point champion",
    f"POST {ANSWERS}/{{expectation_id}}": "secretariat focal_point",
}


def _fields(form: dict[str, str]) -> dict[str, Any]:
    return {
        "text": form.get("text", ""),
        "area": form.get("area") or None,
        "due_date": optional_date(form, "due_date", gettext("Due date")),
    }


class AdminExpectationPages(PageController):
    path = ADMIN

    async def _list(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        form: dict[str, str],
        exc: UserError | None = None,
    ) -> Template:
        cycle = await open_cycle()
        cycles = list(reversed((await list_cycles()).items))
        review_cycle = request.query_params.get("cycle") or (cycle["name"] if cycle else None)
        queue = await expectation_answers.answers_to_review(caller, review_cycle) if review_cycle else []
        return render(
            request,
            caller,
            "admin/expectations.html.jinja",
            **refusal(exc),
            expectations=(await expectations.list_expectations(include_inactive=True)).items,
            areas=await area_options(),
            form=form,
            queue=queue,
            review_cycle=review_cycle,
            cycles=[c["name"] for c in cycles],
            answer_labels=EXPECTATION_ANSWER_LABELS,
        )

    @get("/")
    async def expectations_list(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        return await self._list(request, caller, {})

    @post("/")
    async def create(self, request: Request[Any, Any, Any], caller: Caller) -> Template | Redirect:
        form = await read_form(request)
        try:
            row = await expectations.create_expectation(caller, _fields(form))
        except UserError as exc:
            return await self._list(request, caller, form, exc)
        return redirect(request, f"{ADMIN}/{row['id']}", gettext("Expectation added."))

    async def _one(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        expectation_id: int,
        form: dict[str, str] | None = None,
        exc: UserError | None = None,
    ) -> Template:
        row = await expectations.expectation_row(expectation_id)
        return render(
            request,
            caller,
            "admin/expectation.html.jinja",
            **refusal(exc),
            expectation=row,
            form=form or {**row, "area": row["area"] or "", "due_date": row["due_date"] or ""},
            areas=await area_options(),
            wordings=await expectations.wordings(expectation_id),
        )

    @get("/{expectation_id:int}")
    async def expectation(
        self, request: Request[Any, Any, Any], caller: Caller, expectation_id: int
    ) -> Template:
        return await self._one(request, caller, expectation_id)

    @post("/{expectation_id:int}")
    async def update(
        self, request: Request[Any, Any, Any], caller: Caller, expectation_id: int
    ) -> Template | Redirect:
        form = await read_form(request)
        try:
            await expectations.update_expectation(caller, expectation_id, _fields(form), version_of(form))
        except UserError as exc:
            return await self._one(request, caller, expectation_id, form, exc)
        return redirect(request, f"{ADMIN}/{expectation_id}", gettext("Expectation saved."))

    @post("/{expectation_id:int}/active")
    async def set_active(
        self, request: Request[Any, Any, Any], caller: Caller, expectation_id: int
    ) -> Redirect:
        form = await read_form(request)
        active = form.get("active") == "1"
        try:
            await expectations.update_expectation(
                caller, expectation_id, {"active": active}, version_of(form)
            )
        except UserError as exc:
            return redirect(request, f"{ADMIN}/{expectation_id}", sentence(exc.message), "error")
        done = (
            N_("Expectation restored.")
            if active
            else N_("Expectation retired: organizations no longer answer it.")
        )
        return redirect(request, f"{ADMIN}/{expectation_id}", gettext(done))

    @post("/answers/{org_id:int}/{cycle:str}/{expectation_id:int}")
    async def review(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str, expectation_id: int
    ) -> Redirect:
        form = await read_form(request)
        back = f"{ADMIN}?cycle={cycle}"
        try:
            await workflow.review_expectation_answer(
                request.app.state.settings,
                caller,
                org_id,
                cycle,
                expectation_id,
                form.get("decision", ""),
                form.get("question", ""),
            )
        except UserError as exc:
            return redirect(request, back, sentence(exc.message), "error")
        done = N_("Answer confirmed.") if form.get("decision") == "confirm" else N_("Question sent.")
        return redirect(request, back, gettext(done))


class ExpectationAnswerPages(PageController):
    path = "/organizations/{org_id:int}/expectations/{cycle:str}"

    async def _sheet(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        org_id: int,
        cycle: str,
        exc: UserError | None = None,
        failed: int | None = None,
    ) -> Template:
        return render(
            request,
            caller,
            "organizations/expectations.html.jinja",
            **refusal(exc),
            org_id=org_id,
            cycle=cycle,
            sheet=await expectation_answers.answer_sheet(caller, org_id, cycle),
            failed=failed,
            may_edit=caller.can_edit(org_id),
            answer_labels=EXPECTATION_ANSWER_LABELS,
            review_labels=ANSWER_REVIEW_LABELS,
            visibility_labels=[
                ("internal", gettext("Internal")),
                ("peer", gettext("Peers")),
                ("donor", gettext("Donors")),
                ("public", gettext("Public")),
            ],
        )

    @get("/")
    async def sheet(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str
    ) -> Template:
        return await self._sheet(request, caller, org_id, cycle)

    @post(
        "/{expectation_id:int}",
        request_max_body_size=evidence_files.MAX_REQUEST_BYTES,
        opt={UPLOAD_CHECK: None},  # the access table checks the organization
    )
    async def answer(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str, expectation_id: int
    ) -> Template | Redirect:
        form = await read_form(request)
        links = await read_form_lists(request, "evidence_url", "evidence_title", "evidence_visibility")
        evidence = [
            {"url": url, "title": title, "visibility": seen or "internal"}
            for url, title, seen in zip(
                links["evidence_url"], links["evidence_title"], links["evidence_visibility"], strict=False
            )
            if url
        ]
        data = {
            "answer": form.get("answer", ""),
            "note": form.get("note", ""),
            "note_visibility": form.get(f"note_visibility_{expectation_id}", "internal"),
            "evidence": evidence,
            "files": await read_files(await request.form(), "evidence_files"),
        }
        try:
            await expectation_answers.save_answer(
                caller, org_id, cycle, expectation_id, data, version_of(form)
            )
        except UserError as exc:
            if (exc.field or "").startswith("files"):
                exc.field = "evidence_files"
            return await self._sheet(request, caller, org_id, cycle, exc, expectation_id)
        here = f"/organizations/{org_id}/expectations/{cycle}"
        return redirect(request, here, gettext("Answer saved: the secretariat will confirm it."))
