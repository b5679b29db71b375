"""The secretariat's pages over HTTP: lists that stay small with many organizations, forms that
keep what was typed, publishing, verifying evidence and retrying a failed reminder."""

from __future__ import annotations

import re
from typing import Any

import httpx

from models.engine import fetch
from models.tables import Reminder
from tests.conftest import TODAY
from tests.pages.support import flash_of, visitor

ADMIN_PAGES = (
    "/admin/organizations",
    "/admin/organizations/new",
    "/admin/people",
    "/admin/people/new",
    "/admin/cycles",
    "/admin/areas",
    "/admin/areas/new",
    "/admin/evidence",
    "/admin/reminders",
)


async def test_only_the_secretariat_opens_the_admin_pages(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await visitor(client, sign_in, "secretariat")
    for path in ADMIN_PAGES:
        assert (await secretariat.get(path)).status_code == 200, path
    for local in ("focal.nra", "champion.nra", "donor"):
        person = await visitor(client, sign_in, local)
        for path in ADMIN_PAGES:
            assert (await person.get(path)).status_code == 403, (local, path)


async def test_organizations_are_paginated_and_filtered_among_many(
    client: httpx.AsyncClient, db: str, sign_in: Any
) -> None:
    from scorecards.publishing import load_demo

    await load_demo(orgs=120, today=TODAY)
    secretariat = await visitor(client, sign_in, "secretariat")
    first = await secretariat.get("/admin/organizations")
    assert "120 organizations" in first.text and "Page 1 of 3" in first.text
    assert first.text.count('href="/admin/organizations/') == 50 + 1  # 50 edit links and "new"
    last = await secretariat.get("/admin/organizations", page="3")
    assert "Page 3 of 3" in last.text and last.text.count('/edit"') == 20
    found = await secretariat.get("/admin/organizations", q="d0101")
    assert "1 organization matches" in found.text and "D0101" in found.text
    rcrc = await secretariat.get("/admin/organizations", type="rcrc")
    assert "Westmark Red Cross" in rcrc.text and "Northbridge" not in rcrc.text
    people = await secretariat.get("/admin/people", q="focal point d0050")
    assert "Focal Point D0050" in people.text and "1 person" in people.text
    assert "0 people" in (await secretariat.get("/admin/people", q="%")).text  # a character, not a wildcard
    last_people = await secretariat.get("/admin/people", q="focal point", page="99")
    assert "Page 3 of 3" in last_people.text  # a page past the end shows the last one


async def test_a_duplicate_acronym_is_refused_with_the_form_kept(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await visitor(client, sign_in, "secretariat")
    form = {
        "name": "Another Relief Agency",
        "acronym": "NRA",
        "org_type": "ngo",
        "time_zone": "UTC",
        "active": "on",
    }
    refused = await secretariat.post("/admin/organizations/new", form)
    assert refused.status_code == 409
    assert 'id="error-acronym"' in refused.text and 'value="Another Relief Agency"' in refused.text
    created = await secretariat.post("/admin/organizations/new", {**form, "acronym": "ARA"})
    assert created.status_code == 303 and flash_of(created) == "ARA added."
    assert await fetch("SELECT id FROM organization WHERE acronym = 'ARA' AND org_type = 'ngo'")


async def test_the_secretariat_adds_a_person_and_grants_and_revokes_roles(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await visitor(client, sign_in, "secretariat")
    nra = (await fetch("SELECT id FROM organization WHERE acronym = 'NRA'"))[0]["id"]
    form = {
        "name": "Nadia Focal",
        "email": "nadia@example.org",
        "seniority": "technical",
        "role": "focal_point",
        "organization_id": str(nra),
    }
    no_org = await secretariat.post("/admin/people/new", {**form, "organization_id": ""})
    assert no_org.status_code == 400 and "needs an organization" in no_org.text
    assert 'value="nadia@example.org"' in no_org.text
    created = await secretariat.post("/admin/people/new", form)
    assert created.status_code == 303
    assert flash_of(created) == "Nadia Focal added; an invitation email is on its way."
    (invited,) = await fetch("SELECT password_hash FROM person WHERE email = 'nadia@example.org'")
    assert invited["password_hash"] == ""
    assert await fetch("SELECT id FROM reminder WHERE rule = 'invitation'")
    page = await secretariat.get(created.headers["location"])
    assert "Focal point of NRA" in page.text
    person_id = int(created.headers["location"].rsplit("/", 1)[1])
    granted = await secretariat.post(
        f"/admin/people/{person_id}/roles", {"role": "champion", "organization_id": str(nra)}
    )
    assert flash_of(granted) == "Role champion granted."
    roles = await fetch("SELECT id, role FROM role_assignment WHERE person = {} ORDER BY id", person_id)
    assert [r["role"] for r in roles] == ["focal_point", "champion"]
    removed = await secretariat.post(f"/admin/people/{person_id}/roles/{roles[0]['id']}/remove")
    assert flash_of(removed) == "Role removed."
    assert [
        r["role"] for r in await fetch("SELECT role FROM role_assignment WHERE person = {}", person_id)
    ] == ["champion"]


async def test_the_cycle_page_lists_who_has_not_reported_and_publishes_approved_reports(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await visitor(client, sign_in, "secretariat")
    cycle = demo.cycles[-1]
    page = await secretariat.get(f"/admin/cycles/{cycle}")
    statuses = await fetch(
        "SELECT s.status FROM submission s JOIN cycle c ON c.id = s.cycle WHERE c.name = {}", cycle
    )
    drafts = sum(1 for s in statuses if s["status"] == "draft")
    approved = sum(1 for s in statuses if s["status"] == "approved")
    assert f"{drafts} organizations have not reported yet" in page.text
    assert f"{drafts} organizations shown" in page.text
    assert f"Publish all {approved} approved scorecards" in page.text
    published = await secretariat.post(f"/admin/cycles/{cycle}/publish-approved", {"publish_early": "yes"})
    assert flash_of(published).startswith(f"Published {approved} scorecards for {cycle}")
    rows = await fetch(
        "SELECT COUNT(*) AS n FROM scorecard_snapshot s JOIN cycle c ON c.id = s.cycle WHERE c.name = {}",
        cycle,
    )
    assert int(rows[0]["n"]) >= approved
    again = await secretariat.post(f"/admin/cycles/{cycle}/publish-approved")
    assert flash_of(again) == "No approved report waits to be published."
    bad = await secretariat.post("/admin/cycles", {"name": "2027-H3"})
    assert bad.status_code == 400 and 'value="2027-H3"' in bad.text
    opened = await secretariat.post("/admin/cycles", {"name": "2027-H1"})
    assert opened.status_code == 303 and flash_of(opened) == "Cycle 2027-H1 opened."


async def test_the_secretariat_verifies_evidence_from_the_queue(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await visitor(client, sign_in, "secretariat")
    before = await fetch("SELECT COUNT(*) AS n FROM evidence WHERE verified_at IS NULL")
    page = await secretariat.get("/admin/evidence")
    assert f"{before[0]['n']} links waiting" in page.text
    evidence_id = int(re.search(r'action="/admin/evidence/(\d+)/verify"', page.text).group(1))
    verified = await secretariat.post(
        f"/admin/evidence/{evidence_id}/verify", {"next": "/admin/evidence?page=1"}
    )
    assert verified.headers["location"] == "/admin/evidence?page=1"
    assert flash_of(verified).startswith("Verified: ")
    row = (await fetch("SELECT verified_at FROM evidence WHERE id = {}", evidence_id))[0]
    assert row["verified_at"] is not None
    twice = await secretariat.post(f"/admin/evidence/{evidence_id}/verify")
    assert "already verified" in flash_of(twice)


async def test_a_failed_reminder_is_listed_and_retried(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    await Reminder.insert(
        Reminder(
            dedupe_key="test:failed",
            rule="milestone_overdue",
            recipient_email="focal.nra@demo.cop-tracker.example",
            subject="Milestone overdue: Board paper",
            status="failed",
            attempts=10,
            last_error="550 mailbox unavailable",
        )
    )
    secretariat = await visitor(client, sign_in, "secretariat")
    page = await secretariat.get("/admin/reminders", status="failed")
    assert "Milestone overdue: Board paper" in page.text and "550 mailbox unavailable" in page.text
    reminder_id = (await fetch("SELECT id FROM reminder WHERE dedupe_key = 'test:failed'"))[0]["id"]
    retried = await secretariat.post(f"/admin/reminders/{reminder_id}/retry")
    assert "queued again" in flash_of(retried)
    assert (await fetch("SELECT status FROM reminder WHERE id = {}", reminder_id))[0]["status"] == "queued"
