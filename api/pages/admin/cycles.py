"""Cycles (secretariat): open a cycle, see per organization where its report stands, who has not
reported yet, and publish approved reports (one by one, or every approved one at once)."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.pages.admin import page_base, page_number_of, page_of
from api.pages.errors import PageController
from api.pages.forms import optional_date, page_number
from api.pages.render import read_form, redirect, refusal, render
from models import clock
from models.caller import Caller
from models.errors import UserError
from models.services import cycles as cycle_service
from models.vocabulary import NOT_SUBMITTED_STATUSES
from models.words import N_, gettext
from reminders import report_emails
from scorecards import publishing

NOT_REPORTED = ("missing", *NOT_SUBMITTED_STATUSES)
SHOW = {
    "all": N_("All organizations"),
    "not_reported": N_("Not reported yet (no report, draft or returned)"),
    "submitted": N_("Waiting for the champion"),
    "approved": N_("Approved, ready to publish"),
    "published": N_("Published"),
}


def statuses_shown(show: str) -> tuple[str, ...]:
    """The submission statuses a choice of the overview's filter keeps (none: every one)."""
    if show == "not_reported":
        return NOT_REPORTED
    return () if show == "all" else (show,)


class AdminCyclePages(PageController):
    path = "/admin/cycles"

    async def _cycles_page(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        form: dict[str, str],
        exc: UserError | None = None,
    ) -> Template:
        return render(
            request,
            caller,
            "admin/cycles.html.jinja",
            **refusal(exc),
            cycles=list(reversed((await cycle_service.list_cycles()).items)),
            open_cycle=await cycle_service.open_cycle(),
            form=form,
        )

    @get("/")
    async def cycles(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        return await self._cycles_page(request, caller, {})

    @post("/")
    async def create_cycle(self, request: Request[Any, Any, Any], caller: Caller) -> Template | Redirect:
        form = await read_form(request)
        try:
            cycle = await cycle_service.create_cycle(
                caller, form.get("name", ""), optional_date(form, "due_date", gettext("due date"))
            )
        except UserError as exc:
            return await self._cycles_page(request, caller, form, exc)
        return redirect(
            request, f"/admin/cycles/{cycle['name']}", gettext("Cycle %(cycle)s opened.", cycle=cycle["name"])
        )

    @get("/{cycle:str}")
    async def cycle(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        cycle: str,
        show: str = "not_reported",
        q: str = "",
        page: str = "1",
    ) -> Template:
        show = show if show in SHOW else "not_reported"
        info = await cycle_service.cycle_by_name(cycle)
        counts = await cycle_service.reporting_counts(caller, cycle)
        found = await page_of(
            lambda paging: cycle_service.reporting_overview(
                caller, cycle, paging, statuses=statuses_shown(show), search=q
            ),
            page_number(page),
        )
        return render(
            request,
            caller,
            "admin/cycle.html.jinja",
            cycle=info,
            rows=found.items,
            total=found.total,
            counts=counts,
            early=publishing.before_close(info, clock.today()),
            not_reported=sum(counts.get(status, 0) for status in NOT_REPORTED),
            page=page_number_of(found),
            pages=found.pages,
            base=page_base(f"/admin/cycles/{cycle}", show=show, q=q),
            show=show,
            shows=[(key, gettext(label)) for key, label in SHOW.items()],
            q=q,
        )

    @post("/{cycle:str}/publish-approved")
    async def publish_approved(self, request: Request[Any, Any, Any], caller: Caller, cycle: str) -> Redirect:
        """Publish every approved report of the cycle, each in its own transaction."""
        early = (await read_form(request)).get("publish_early") == "yes"
        info = await cycle_service.cycle_by_name(cycle)
        approved = await cycle_service.reporting_overview(caller, cycle, statuses=("approved",))
        if approved.items and publishing.before_close(info, clock.today()) and not early:
            message = gettext("Tick “Publish early” to publish before the reporting period has ended.")
            return redirect(request, f"/admin/cycles/{cycle}", message, kind="error")
        published, refused = [], []
        for row in approved.items:
            try:
                org = int(row["organization_id"])
                await report_emails.announced(
                    request.app.state.settings,
                    report_emails.REPORT_PUBLISHED,
                    partial(publishing.publish, caller, org, cycle, early),
                )
                published.append(row["acronym"])
            except UserError as exc:
                refused.append(f"{row['acronym']} ({exc.message})")
        here = f"/admin/cycles/{cycle}?show=published"
        if refused:
            message = gettext(
                "Published %(count)s; not published: %(refused)s.",
                count=len(published),
                refused="; ".join(refused),
            )
            return redirect(request, here, message, kind="error")
        if not published:
            return redirect(
                request,
                f"/admin/cycles/{cycle}",
                gettext("No approved report waits to be published."),
                "info",
            )
        return redirect(
            request,
            here,
            gettext(
                "Published %(count)s scorecards for %(cycle)s: %(acronyms)s.",
                count=len(published),
                cycle=cycle,
                acronyms=", ".join(published),
            ),
        )
