"""An organization's dashboard: its five areas, its commitments, what is overdue or due soon, the
reminders it received, and the state of this cycle's report.

Open to the organization's own focal points and champion and to the secretariat; everything is
read through the services at the caller's audience, the same as the JSON API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, get
from litestar.response import Template

from api.pages.errors import PageController
from api.pages.render import render
from models.caller import Caller
from models.clock import today
from models.services import areas as area_service
from models.services import commitments as commitment_service
from models.services import cycles as cycle_service
from models.services import milestones as milestone_service
from models.services import organizations as organization_service
from models.services import practice
from models.services import submissions as submission_service
from models.timeline import WATCH_DAYS, watch_state
from models.versions import versions_held
from reminders.outbox import reminders_received
from scorecards.service import live_area_levels


async def area_levels(org_id: int, cycle_name: str | None) -> list[dict[str, Any]]:
    """The five areas with this cycle's self-assessed and counted levels (live, internal figures)."""
    areas = (await area_service.list_areas()).items
    levels = await live_area_levels(org_id, cycle_name, today()) if cycle_name is not None else {}
    return [
        {
            "key": area["key"],
            "name": area["name"],
            "self_level": _level(levels.get(area["key"], {}).get("self_level")),
            "level": _level(levels.get(area["key"], {}).get("level")),
            "change": levels.get(area["key"], {}).get("change"),
        }
        for area in areas
    ]


def _level(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


async def commitments_with_milestones(caller: Caller, org_id: int) -> list[dict[str, Any]]:
    rows = [dict(row) for row in (await commitment_service.list_commitments(caller, org_id)).items]
    grouped = await milestone_service.milestones_by_commitment(caller, org_id)
    for row in rows:
        milestones = grouped.get(int(row["id"]), [])
        row["milestones"] = milestones
        row["milestones_done"] = sum(1 for m in milestones if m["status"] == "done")
        row["milestones_counted"] = sum(1 for m in milestones if m["status"] != "dropped")
    return rows


def milestone_watchlist(commitments: list[dict[str, Any]], day: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Open milestones that are overdue, and those due within WATCH_DAYS (soonest first)."""
    watch: dict[str, list[dict[str, Any]]] = {"overdue": [], "due_soon": []}
    for commitment in commitments:
        for milestone in commitment["milestones"]:
            if milestone["due_date"] is None:
                continue  # an undated milestone (it waits for an event) is neither due nor overdue
            state = watch_state(milestone["due_date"], milestone["status"], day)
            if state:
                days_left = (milestone["due_date"] - day).days
                watch[state].append({**milestone, "commitment_title": commitment["title"], "days": days_left})
    for listed in watch.values():
        listed.sort(key=lambda m: m["due_date"])
    return watch


async def dashboard_context(caller: Caller, org_id: int) -> dict[str, Any]:
    """What the dashboard shows, read through the services at the caller's audience (also what
    `bench/pages.py` renders from memory next to the page).

    The organization's versions are read once, first: every read below that they cover is
    answered from memory while nothing it read has changed (docs/design.md "Reads kept in memory")."""
    async with versions_held(org_id):
        org = await organization_service.get_organization(caller, org_id)
        cycle = await cycle_service.open_cycle()
        submission = None
        if cycle is not None:
            submission = await submission_service.get_submission(caller, org_id, cycle["name"])
        commitments = await commitments_with_milestones(caller, org_id)
        areas = await area_levels(org_id, cycle["name"] if cycle else None)
        return {
            "org": org,
            "cycle": cycle,
            "submission": submission,
            "areas": areas,
            "area_names": {area["key"]: area["name"] for area in areas},
            "commitments": commitments,
            "watch": milestone_watchlist(commitments, today()),
            "due_soon_days": WATCH_DAYS,
            "reminders": await reminders_received(caller, org_id),
            "cycles": list(reversed((await cycle_service.list_cycles()).items)),
            "can_edit": caller.can_edit(org_id),
            "today": today(),
            "who_could_help": await practice.who_could_help(caller, org_id),
        }


class DashboardPage(PageController):
    @get("/organizations/{org_id:int}")
    async def dashboard(self, request: Request[Any, Any, Any], caller: Caller, org_id: int) -> Template:
        context = await dashboard_context(caller, org_id)
        return render(request, caller, "organizations/dashboard.html.jinja", **context)
