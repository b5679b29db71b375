"""The report a champion signs, and the conversation on it: per area what the champion needs to
decide, the cover note, comments that stay inside the organization, and confirmation before approving
or returning."""

from __future__ import annotations

from typing import Any

import httpx

from models import clock
from models.engine import fetch
from tests.api.support import CHAMPION_NRA, FOCAL_NRA, org_id
from tests.pages.support import flash_of, visitor

CYCLE = "2026-H2"


async def test_the_report_shows_per_area_narratives_evidence_overdue_milestones_and_timeliness(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    champion = await visitor(client, sign_in, "champion.nra")
    page = (await champion.get(f"/organizations/{nra}/submissions/{CYCLE}")).text
    for words in (
        "Cover note",
        "Timeliness",
        "Latest progress",
        "Evidence",
        "Overdue milestones",
        "days late",
    ):
        assert words in page, words
    overdue = await fetch(
        "SELECT m.title AS title FROM milestone m JOIN commitment c ON c.id = m.commitment "
        "WHERE c.organization = {} AND m.status IN ('planned', 'in_progress') AND m.due_date < {} ",
        nra,
        clock.today(),
    )
    assert overdue and all(row["title"] in page for row in overdue)
    report = (
        await client.get(f"/api/organizations/{nra}/submissions/{CYCLE}", headers=await sign_in(CHAMPION_NRA))
    ).json()
    areas = report["report"]["areas"]
    assert [a["key"] for a in areas] == ["champion", "policy", "capacity", "reporting", "budget"]
    assert sum(len(a["overdue_milestones"]) for a in areas) == len(overdue)
    assert all(a["narratives"] for a in areas)
    assert {"due_count", "on_time_share", "overdue", "median_days_late"} <= set(
        report["report"]["timeliness"]
    )
    assert report["report"]["areas"][0]["change"] in ("up", "down", "same", None)


async def test_returning_needs_a_comment_and_a_confirmation_and_the_focal_point_answers(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    here = f"/organizations/{nra}/submissions/{CYCLE}"
    focal = await visitor(client, sign_in, "focal.nra")
    champion = await visitor(client, sign_in, "champion.nra")
    submitted = await focal.post(here + "/submit", {"cover_note": "Budget line is late; see policy."})
    assert submitted.status_code == 303
    page = (await champion.get(here)).text
    assert "Budget line is late; see policy." in page

    unconfirmed = await champion.post(here + "/return", {"comment": "Explain the budget delay."})
    assert unconfirmed.status_code == 400
    assert "tick the box to confirm that you return this report" in unconfirmed.text.lower()
    assert "Explain the budget delay." in unconfirmed.text  # what was typed is kept
    no_comment = await champion.post(here + "/return", {"confirm_return": "yes"})
    assert no_comment.status_code == 400
    returned = await champion.post(
        here + "/return", {"comment": "Explain the budget delay.", "confirm_return": "yes"}
    )
    assert returned.status_code == 303

    answered = await focal.post(here + "/comments", {"body": "Finance approves the line in March."})
    assert answered.status_code == 303 and "comment was added" in flash_of(answered)
    assert (await focal.post(here + "/comments", {"body": "  "})).status_code == 400
    assert (
        await focal.post(here + "/submit", {"cover_note": "Resubmitted with the finance date."})
    ).status_code == 303

    refused = await champion.post(here + "/approve", {"approve_comment": "Thanks."})
    assert refused.status_code == 400 and "tick the box" in refused.text.lower()
    approved = await champion.post(
        here + "/approve", {"approve_comment": "Thanks.", "confirm_approve": "yes"}
    )
    assert approved.status_code == 303
    page = (await focal.get(here)).text
    conversation = page[page.index("Conversation") :]
    order = ["Explain the budget delay.", "Finance approves the line in March.", "Thanks."]
    assert [conversation.index(text) for text in order] == sorted(conversation.index(text) for text in order)
    comments = await fetch(
        "SELECT kind, visibility FROM comment WHERE organization = {} AND submission IS NOT NULL ORDER BY id",
        nra,
    )
    assert [c["kind"] for c in comments[-3:]] == ["champion", "focal_point", "champion"]
    assert {c["visibility"] for c in comments} == {"internal"}
    audited = await fetch("SELECT COUNT(*) AS n FROM audit_event WHERE entity = 'comment'")
    assert int(audited[0]["n"]) >= 1


async def test_the_conversation_is_closed_to_other_organizations(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    for email in ("focal.usp", "donor", "reviewer.usp"):
        outsider = await visitor(client, sign_in, email)
        response = await outsider.post(
            f"/organizations/{nra}/submissions/{CYCLE}/comments", {"body": "hello"}
        )
        assert response.status_code in (403, 404), email
    api = await client.post(
        f"/api/organizations/{nra}/submissions/{CYCLE}/comments",
        json={"body": "from the API"},
        headers=await sign_in(FOCAL_NRA),
    )
    assert api.status_code == 201, api.text
    assert api.json()["comments"][-1]["kind"] == "focal_point"


async def test_page_paths_answer_html_error_pages_without_route_templates(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await visitor(client, sign_in, "focal.usp")
    unknown = await focal.get("/no-such-page")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html") and "Page not found" in unknown.text
    nra = await org_id("NRA")
    refused = await focal.get(f"/organizations/{nra}/submissions/x")
    assert refused.headers["content-type"].startswith("text/html")
    assert "{org_id}" not in refused.text and "{cycle}" not in refused.text
    api = await client.get("/api/no-such-route", headers=await sign_in(FOCAL_NRA))
    assert api.headers["content-type"].startswith("application/json")
