"""Each role's home page: what waits for this person, and where to go next.

One person may hold several roles; the page shows one section per role held, each read through
the same services as the rest of the pages.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Redirect, Template

from api.pages.errors import PageController
from api.pages.render import redirect, render
from models.caller import Caller
from models.services import cycles as cycle_service
from models.services import organizations as organization_service
from models.services import reviews as review_service
from models.services import submissions as submission_service

HOME_REVIEWS = 50  # the newest; /reviews lists them all


async def my_organizations(caller: Caller, cycle: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The organizations the caller belongs to, with this cycle's report status."""
    found = []
    for org_id in sorted(caller.member_org_ids):
        org = await organization_service.get_organization(caller, org_id)
        status = None
        if cycle is not None:
            status = (await submission_service.get_submission(caller, org_id, cycle["name"]))["status"]
        roles = sorted(role for role, org in caller.roles if org == org_id)
        found.append({**org, "report_status": status, "my_roles": roles})
    return found


async def reviews_to_do(caller: Caller) -> list[dict[str, Any]]:
    """The reviews this person writes (an assigned reviewer) or replies to (the reviewed
    organization's focal point or champion): the list of GET /api/reviews, each with the date it is
    due by. The secretariat oversees every review on the rounds' pages instead."""
    items, _ = await review_service.list_my_reviews(caller, HOME_REVIEWS, 0)
    mine = [item for item in items if item["part"] in ("write", "reply")]
    return [
        {**item, "due": item["review_due"] if item["part"] == "write" else item["reply_due"]} for item in mine
    ]


async def reporting_counts(caller: Caller, cycle: dict[str, Any] | None) -> dict[str, int]:
    if cycle is None or not caller.is_secretariat:
        return {}
    return await cycle_service.reporting_counts(caller, cycle["name"])


class HomePage(PageController):
    @get("/")
    async def home(self, request: Request[Any, Any, Any], caller: Caller) -> Template | Redirect:
        if not caller.authenticated:
            return redirect(request, "/login")
        cycle = await cycle_service.open_cycle()
        return render(
            request,
            caller,
            "home.html.jinja",
            cycle=cycle,
            organizations=await my_organizations(caller, cycle),
            waiting=(await submission_service.champion_queue(caller)).items
            if caller.org_ids("champion")
            else [],
            my_reviews=await reviews_to_do(caller),
            reporting=await reporting_counts(caller, cycle),
        )
