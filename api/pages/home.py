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
from models.services import submissions as submission_service


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


async def reviewed_organizations(caller: Caller) -> list[dict[str, Any]]:
    """Organizations the caller peer-reviews, with the cycles in which each published a scorecard."""
    org_ids = sorted(caller.org_ids("peer_reviewer"))
    if not org_ids:
        return []
    from scorecards.service import published_cycle_scores

    cycles = [c["name"] for c in reversed((await cycle_service.list_cycles()).items)]
    found = []
    for org_id in org_ids:
        org = await organization_service.get_organization(caller, org_id)
        published = [
            name for name in cycles if org_id in (await published_cycle_scores(name, "peer")).payloads
        ]
        found.append({**org, "published_cycles": published})
    return found


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
            reviewed=await reviewed_organizations(caller),
            reporting=await reporting_counts(caller, cycle),
        )
