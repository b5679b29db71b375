"""Acting where a milestone appears: "Mark done" (with a completion date, today by default) and
"Add update" tied to that milestone, from the dashboard's overdue and due-soon rows and from the
commitment page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx

from models import clock
from models.engine import fetch
from tests.api.support import FOCAL_NRA, org_id
from tests.pages.support import flash_of, visitor


async def overdue_milestone(nra: int) -> dict[str, Any]:
    rows = await fetch(
        "SELECT m.id AS id, m.title AS title, m.commitment AS commitment_id, m.version AS version "
        "FROM milestone m JOIN commitment c ON c.id = m.commitment "
        "WHERE c.organization = {} AND m.status IN ('planned', 'in_progress') AND m.due_date < {} "
        "ORDER BY m.due_date, m.id",
        nra,
        clock.today(),
    )
    return rows[0]


async def test_an_overdue_milestone_is_marked_done_from_the_dashboard_in_one_click(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    milestone = await overdue_milestone(nra)
    focal = await visitor(client, sign_in, "focal.nra")
    dashboard = (await focal.get(f"/organizations/{nra}")).text
    action = f"/organizations/{nra}/milestones/{milestone['id']}/done"
    assert action in dashboard
    form = dashboard[dashboard.index(action) :]
    assert f'value="{clock.today().isoformat()}"' in form[:1500]  # the completion date defaults to today
    done = await focal.post(
        action,
        {
            "version": str(milestone["version"]),
            "completed_on": clock.today().isoformat(),
            "next": f"/organizations/{nra}",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == f"/organizations/{nra}"
    assert "marked done" in flash_of(done)
    row = (await fetch("SELECT status, completed_on FROM milestone WHERE id = {}", milestone["id"]))[0]
    assert row["status"] == "done" and str(row["completed_on"]) == clock.today().isoformat()
    assert action not in (await focal.get(f"/organizations/{nra}")).text

    again = await focal.post(action, {"version": str(milestone["version"]), "completed_on": "2999-01-01"})
    assert again.status_code == 303 and flash_of(again)  # a stale or future date is refused, with a word


async def test_a_future_completion_date_is_refused_and_the_champion_cannot_mark_done(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    milestone = await overdue_milestone(nra)
    focal = await visitor(client, sign_in, "focal.nra")
    action = f"/organizations/{nra}/milestones/{milestone['id']}/done"
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    future = await focal.post(action, {"version": str(milestone["version"]), "completed_on": tomorrow})
    assert "The completion date cannot be in the future" in flash_of(future)
    assert (await fetch("SELECT status FROM milestone WHERE id = {}", milestone["id"]))[0]["status"] != "done"
    champion = await visitor(client, sign_in, "champion.nra")
    assert action not in (await champion.get(f"/organizations/{nra}")).text
    refused = await champion.post(action, {"version": str(milestone["version"])})
    assert refused.status_code == 403
    outsider = await visitor(client, sign_in, "focal.usp")
    assert (await outsider.post(action, {"version": str(milestone["version"])})).status_code in (403, 404)


async def test_add_update_from_the_row_reports_on_that_milestone(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    milestone = await overdue_milestone(nra)
    focal = await visitor(client, sign_in, "focal.nra")
    commitment_page = (await focal.get(f"/organizations/{nra}/commitments/{milestone['commitment_id']}")).text
    link = f"/organizations/{nra}/commitments/{milestone['commitment_id']}/updates/new?milestone={milestone['id']}"
    assert link.replace("&", "&amp;") in commitment_page
    assert f"/organizations/{nra}/milestones/{milestone['id']}/done" in commitment_page
    form = (await focal.get(link)).text
    selected = re.search(r'<option value="(\d+)" selected', form)
    assert selected and int(selected.group(1)) == milestone["id"]
    saved = await focal.post(
        link.split("?")[0], {"narrative": "Draft shared with HR.", "milestone_id": str(milestone["id"])}
    )
    assert saved.status_code == 303
    update = (await fetch("SELECT milestone FROM progress_update ORDER BY id DESC LIMIT 1"))[0]
    assert update["milestone"] == milestone["id"]

    other = await fetch(
        "SELECT m.id AS id FROM milestone m WHERE m.commitment <> {} ORDER BY m.id LIMIT 1",
        milestone["commitment_id"],
    )
    api = await client.post(
        f"/api/commitments/{milestone['commitment_id']}/updates",
        json={"narrative": "wrong milestone", "milestone_id": other[0]["id"]},
        headers=await sign_in(FOCAL_NRA),
    )
    assert api.status_code == 400 and "milestone" in api.text
    ok = await client.post(
        f"/api/commitments/{milestone['commitment_id']}/updates",
        json={"narrative": "via the API", "milestone_id": milestone["id"]},
        headers=await sign_in(FOCAL_NRA),
    )
    assert ok.status_code == 201 and ok.json()["milestone_id"] == milestone["id"]
