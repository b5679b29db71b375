"""The cycle's report: the document a champion signs (docs/design.md "Cycles,
submissions and publishing").

Per area: the level counted and the level claimed, the change since the last cycle, the latest
progress narratives, the evidence and whether the secretariat verified it, the area's overdue
milestones and its flags; then the focal point's cover note and the organization's timeliness.
The report is internal (the organization's own people and the secretariat: `get_submission` says
404 to anyone else), and everything here is read at the caller's audience all the same, so the
page and the JSON carry exactly the same, already filtered, rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from models import clock
from models.caller import Caller
from models.engine import fetch
from models.services.assessments import list_assessments
from models.services.common import read_audience, readable_by
from models.services.submissions import get_submission
from scorecards.cards import organization_scorecard

# How many narratives of an area the report shows, newest first.
NARRATIVES_PER_AREA = 3


async def recent_narratives(org_id: int, cycle_id: int, audience: str) -> dict[str, list[dict[str, Any]]]:
    """Per area key, the newest narratives of the cycle this audience may read (superseded left out)."""
    readable, visibilities = readable_by("u.visibility", audience)
    rows = await fetch(
        "SELECT a.key AS area, c.title AS commitment, u.narrative AS narrative, u.created_at AS created_at, "
        "p.name AS author_name FROM progress_update u JOIN commitment c ON c.id = u.commitment "
        "JOIN area a ON a.id = c.area LEFT JOIN person p ON p.id = u.author "
        "WHERE c.organization = {} AND u.cycle = {} AND u.narrative <> '' "
        "AND NOT EXISTS (SELECT 1 FROM progress_update n WHERE n.supersedes = u.id) "
        f"AND {readable} ORDER BY u.created_at DESC, u.id DESC",
        org_id,
        cycle_id,
        *visibilities,
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        shown = out.setdefault(str(row["area"]), [])
        if len(shown) < NARRATIVES_PER_AREA:
            shown.append(row)
    return out


async def overdue_milestones(org_id: int, day: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Per area key, the organization's open milestones past their due date, most overdue first."""
    rows = await fetch(
        "SELECT a.key AS area, m.id AS id, m.title AS title, m.due_date AS due_date, "
        "c.id AS commitment_id, c.title AS commitment FROM milestone m "
        "JOIN commitment c ON c.id = m.commitment JOIN area a ON a.id = c.area "
        "WHERE c.organization = {} AND m.status IN ('planned', 'in_progress') AND m.due_date < {} "
        "ORDER BY m.due_date, m.id",
        org_id,
        day,
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        due = row["due_date"]
        due = due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due))
        out.setdefault(str(row["area"]), []).append({**row, "due_date": due, "days_late": (day - due).days})
    return out


async def submission_report(caller: Caller, org_id: int, cycle_name: str) -> dict[str, Any]:
    """The submission with its report: what the champion reads before approving or returning it."""
    submission = await get_submission(caller, org_id, cycle_name)
    audience = read_audience(caller, org_id)
    day = clock.today()
    card = await organization_scorecard(org_id, cycle_name, audience, day)
    assessments = {a["area"]: a for a in await list_assessments(caller, org_id, cycle_name)}
    narratives = await recent_narratives(org_id, int(card["cycle"]["id"]), audience)
    overdue = await overdue_milestones(org_id, day)
    areas = []
    for area in card["areas"]:
        assessment = assessments.get(area["key"], {})
        areas.append(
            {
                "key": area["key"],
                "name": area["name"],
                "level": area["level"],
                "self_level": area["self_level"],
                "previous_level": area["previous_level"],
                "change": area["change"],
                "justification": assessment.get("justification", ""),
                "narratives": narratives.get(area["key"], []),
                "evidence": [
                    {"url": e["url"], "title": e["title"], "state": e["state"]}
                    for e in assessment.get("evidence", [])
                ],
                "overdue_milestones": overdue.get(area["key"], []),
                "flags": [flag["label"] for flag in area["flags"]],
            }
        )
    figures = card["figures"]
    report = {
        "as_of": day,
        "index": figures["index"],
        "previous_index": figures["previous_index"],
        "areas": areas,
        "flags": [flag["label"] for flag in card["flags"]],
        "timeliness": {
            "due_count": figures["due_count"],
            "on_time_share": figures["on_time_share"],
            "overdue": figures["overdue"],
            "median_days_late": figures["median_days_late"],
        },
    }
    return {**submission, "report": report}
