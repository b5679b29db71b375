"""An organization's pages over HTTP: what each role may open, forms that keep what was typed,
and confidential text shown only to the organization's own people."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
from markupsafe import escape

from api.pages.updates import added_message
from models.engine import fetch
from tests.pages.support import flash_of, visitor


async def nra_and_usp(demo: Any) -> tuple[int, int]:
    rows = await fetch("SELECT id, acronym FROM organization WHERE acronym IN ('NRA', 'USP')")
    ids = {row["acronym"]: int(row["id"]) for row in rows}
    return ids["NRA"], ids["USP"]


async def test_the_dashboard_is_for_the_organizations_people_and_the_secretariat(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, usp = await nra_and_usp(demo)
    for local, status in (
        ("focal.nra", 200),
        ("champion.nra", 200),
        ("secretariat", 200),
        ("focal.usp", 404),
        ("reviewer.usp", 404),
        ("donor", 404),
    ):
        person = await visitor(client, sign_in, local)
        response = await person.get(f"/organizations/{nra}")
        assert response.status_code == status, local
        if status == 404:  # another organization's page: whether it exists is not theirs to know
            assert "Page not found" in response.text and "{org_id}" not in response.text
            assert "Internal planning note" not in response.text
    focal = await visitor(client, sign_in, "focal.nra")
    page = (await focal.get(f"/organizations/{nra}")).text
    for heading in ("The five areas", "Milestones overdue", "Due in the next 30 days", "Commitments"):
        assert heading in page
    assert "Add a commitment" in page
    champion = await visitor(client, sign_in, "champion.nra")
    assert "Add a commitment" not in (await champion.get(f"/organizations/{nra}")).text


async def test_a_refused_commitment_keeps_what_was_typed_and_names_the_field(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, _ = await nra_and_usp(demo)
    focal = await visitor(client, sign_in, "focal.nra")
    form = {
        "title": "",
        "area": "policy",
        "description": "Kept <b>as typed</b>",
        "description_visibility": "peer",
    }
    response = await focal.post(f"/organizations/{nra}/commitments/new", form)
    assert response.status_code == 400
    assert 'id="error-title"' in response.text and 'aria-invalid="true"' in response.text
    assert "Kept &lt;b&gt;as typed&lt;/b&gt;" in response.text  # kept, and escaped
    assert re.search(r'id="description_visibility-peer"[^>]*checked', response.text)
    bad_date = await focal.post(
        f"/organizations/{nra}/commitments/new", {**form, "title": "Ok", "target_date": "31/12/2026"}
    )
    assert bad_date.status_code == 400 and "target date must be a date" in bad_date.text.lower()
    created = await focal.post(f"/organizations/{nra}/commitments/new", {**form, "title": "A new commitment"})
    assert created.status_code == 303
    assert flash_of(created) == "Commitment “A new commitment” added."
    page = await focal.get(created.headers["location"])
    assert page.status_code == 200 and "A new commitment" in page.text


async def test_a_form_posted_without_its_csrf_field_is_refused(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, _ = await nra_and_usp(demo)
    focal = await visitor(client, sign_in, "focal.nra")
    response = await focal.post(
        f"/organizations/{nra}/commitments/new", {"title": "x", "area": "policy"}, csrf=False
    )
    assert response.status_code == 403
    assert not await fetch("SELECT id FROM commitment WHERE title = 'x'")


async def test_a_stale_edit_is_refused_and_the_form_says_to_reload(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, _ = await nra_and_usp(demo)
    focal = await visitor(client, sign_in, "focal.nra")
    commitment = (await fetch("SELECT id, title FROM commitment WHERE organization = {} LIMIT 1", nra))[0]
    base = f"/organizations/{nra}/commitments/{commitment['id']}/edit"
    form = {"title": "First edit", "area": "champion", "status": "active", "version": "1"}
    assert (await focal.post(base, form)).status_code == 303
    stale = await focal.post(base, {**form, "title": "Second edit"})
    assert stale.status_code == 412
    assert "reload it" in stale.text and 'value="Second edit"' in stale.text


async def test_records_of_another_organization_are_not_found_under_ones_own(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, usp = await nra_and_usp(demo)
    theirs = (await fetch("SELECT id FROM commitment WHERE organization = {} LIMIT 1", usp))[0]["id"]
    milestone = (
        await fetch(
            "SELECT m.id FROM milestone m JOIN commitment c ON c.id = m.commitment WHERE c.organization = {}",
            usp,
        )
    )[0]["id"]
    focal = await visitor(client, sign_in, "focal.nra")
    for path in (
        f"/organizations/{nra}/commitments/{theirs}",
        f"/organizations/{nra}/commitments/{theirs}/edit",
        f"/organizations/{nra}/commitments/{theirs}/updates/new",
        f"/organizations/{nra}/milestones/{milestone}/edit",
    ):
        response = await focal.get(path)
        assert response.status_code == 404, path
        assert "Internal planning note" not in response.text
    response = await focal.post(
        f"/organizations/{nra}/commitments/{theirs}/updates/new",
        {"narrative": "hijack", "visibility": "public"},
    )
    assert response.status_code == 404
    assert not await fetch("SELECT id FROM progress_update WHERE narrative = 'hijack'")


async def test_the_update_form_adds_evidence_and_points_errors_at_the_right_link(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, _ = await nra_and_usp(demo)
    commitment = (await fetch("SELECT id FROM commitment WHERE organization = {} LIMIT 1", nra))[0]["id"]
    focal = await visitor(client, sign_in, "focal.nra")
    path = f"/organizations/{nra}/commitments/{commitment}/updates/new"
    form = {
        "self_level": "3",
        "narrative": "Training delivered in four country offices.",
        "visibility": "peer",
        "evidence_url_0": "",
        "evidence_url_1": "ftp://files.example.org/report",
        "evidence_title_1": "Report",
        "evidence_visibility_1": "donor",
    }
    refused = await focal.post(path, form)
    assert refused.status_code == 400
    assert (
        'id="error-evidence_url_1"' in refused.text
        and "Link 2: the address of an evidence link" in refused.text
    )
    assert "Training delivered in four country offices." in refused.text
    form["evidence_url_1"] = "https://files.example.org/report"
    added = await focal.post(path, form)
    assert added.status_code == 303 and flash_of(added) == "Progress update added with 1 evidence link."
    rows = await fetch(
        "SELECT e.url, e.visibility, u.self_level FROM evidence e JOIN progress_update u ON u.id = e.progress_update "
        "WHERE u.narrative = 'Training delivered in four country offices.'"
    )
    assert [(r["url"], r["visibility"], r["self_level"]) for r in rows] == [
        ("https://files.example.org/report", "donor", 3)
    ]


def test_the_added_update_says_what_came_with_it_links_files_or_both() -> None:
    link, file = {"file_key": None}, {"file_key": "ab12"}
    assert added_message([]) == "Progress update added."
    assert added_message([link, link]) == "Progress update added with 2 evidence links."
    assert added_message([file]) == "Progress update added with 1 file."
    assert added_message([link, file, file]) == "Progress update added with 1 evidence link and 2 files."


async def test_a_commitment_is_owned_by_a_person_of_the_organization(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, usp = await nra_and_usp(demo)
    people = await fetch(
        "SELECT p.id, p.email FROM person p JOIN role_assignment r ON r.person = p.id WHERE r.organization IN ({}, {})",
        nra,
        usp,
    )
    ids = {row["email"].split("@")[0]: int(row["id"]) for row in people}
    focal = await visitor(client, sign_in, "focal.nra")
    form_page = await focal.get(f"/organizations/{nra}/commitments/new")
    assert f'<option value="{ids["focal.nra"]}" selected>' in form_page.text  # the focal point, by default
    assert f'value="{ids["focal.usp"]}"' not in form_page.text
    form = {"title": "Owned", "area": "budget", "owner_id": str(ids["focal.usp"])}
    refused = await focal.post(f"/organizations/{nra}/commitments/new", form)
    assert refused.status_code == 400 and 'id="error-owner_id"' in refused.text
    created = await focal.post(
        f"/organizations/{nra}/commitments/new", {**form, "owner_id": str(ids["champion.nra"])}
    )
    assert created.status_code == 303
    row = (await fetch("SELECT owner FROM commitment WHERE title = 'Owned'"))[0]
    assert int(row["owner"]) == ids["champion.nra"]


async def test_each_roles_home_page_shows_what_waits_for_it(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await (await visitor(client, sign_in, "focal.nra")).get("/")
    assert "Your organization" in focal.text and "Northbridge Relief Agency" in focal.text
    champion = await (await visitor(client, sign_in, "champion.usp")).get("/")
    assert "Waiting for your sign-off" in champion.text and "Open the sign-off queue" in champion.text
    for local, part in (("reviewer.usp", "you write it"), ("focal.usp", "you may reply")):
        person = await visitor(client, sign_in, local)
        home, listed = await person.get("/"), (await person.get("/api/reviews")).json()["items"]
        assert listed and "Peer reviews to write or reply to" in home.text and part in home.text
        for review in listed:  # the same list as GET /api/reviews, each with its due date
            due = review["review_due"] if review["part"] == "write" else review["reply_due"]
            shown = "round closed" if review["round_status"] == "closed" else f'datetime="{due}"'
            row = home.text.split(f'href="/reviews/{review["id"]}"', 1)[1].split("</tr>", 1)[0]
            assert shown in row, (local, review["id"])
    secretariat = await (await visitor(client, sign_in, "secretariat")).get("/")
    assert f"Reporting in {demo.cycles[-1]}" in secretariat.text
    donor = await (await visitor(client, sign_in, "donor")).get("/")
    assert "Published scorecards" in donor.text and "Your organization" not in donor.text
    assert (await client.get("/")).headers["location"] == "/login"


async def test_a_correction_is_a_new_update_that_supersedes_the_old_one(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, _ = await nra_and_usp(demo)
    commitment = (await fetch("SELECT id FROM commitment WHERE organization = {} LIMIT 1", nra))[0]["id"]
    old = (
        await fetch(
            "SELECT id, narrative FROM progress_update WHERE commitment = {} ORDER BY id DESC", commitment
        )
    )[0]
    focal = await visitor(client, sign_in, "focal.nra")
    page = await focal.get(f"/organizations/{nra}/commitments/{commitment}")
    assert f"updates/new?corrects={old['id']}" in page.text
    form = await focal.get(
        f"/organizations/{nra}/commitments/{commitment}/updates/new", corrects=str(old["id"])
    )
    assert "This update corrects the update of" in form.text and str(escape(old["narrative"])) in form.text
    posted = await focal.post(
        f"/organizations/{nra}/commitments/{commitment}/updates/new",
        {"supersedes_id": str(old["id"]), "narrative": "Corrected figures.", "visibility": "internal"},
    )
    assert posted.status_code == 303
    new = (await fetch("SELECT supersedes FROM progress_update WHERE narrative = 'Corrected figures.'"))[0]
    assert int(new["supersedes"]) == old["id"]
    page = await focal.get(f"/organizations/{nra}/commitments/{commitment}")
    assert (
        "corrected by a later update" in page.text and f'updates/new?corrects={old["id"]}"' not in page.text
    )
    twice = await focal.post(
        f"/organizations/{nra}/commitments/{commitment}/updates/new",
        {"supersedes_id": str(old["id"]), "narrative": "Again.", "visibility": "internal"},
    )
    assert twice.status_code == 409 and "already superseded" in twice.text


async def test_a_form_posted_after_the_session_ended_asks_to_log_in_again(
    client: httpx.AsyncClient, demo: Any
) -> None:
    response = await client.post("/organizations/1/commitments/new", data={"title": "Late", "area": "policy"})
    assert response.status_code == 401
    assert "Please log in" in response.text and 'href="/login"' in response.text
    page = await client.get("/organizations/1")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/organizations/1"


async def test_the_dashboard_lists_the_reminders_the_person_received(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra, _ = await nra_and_usp(demo)
    people = {
        row["email"].split("@")[0]: int(row["id"])
        for row in await fetch("SELECT id, email FROM person WHERE email LIKE '%.nra@%'")
    }
    for local, subject in (
        ("focal.nra", "Milestone due in 3 days: Mid-term check"),
        ("champion.nra", "Escalation: Country office roll-out is 30 days overdue"),
    ):
        await fetch(
            "INSERT INTO reminder (dedupe_key, rule, recipient, recipient_email, organization, subject, "
            "body_text, body_html, link, status, digest, attempts, last_error, message_id, context, created_at) "
            "VALUES ({}, 'milestone_due_soon', {}, {}, {}, {}, '', '', '', 'sent', {}, 1, '', '', '', {})",
            f"test:{local}",
            people[local],
            f"{local}@example.org",
            nra,
            subject,
            False,
            dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC),
        )
    focal = await visitor(client, sign_in, "focal.nra")
    page = (await focal.get(f"/organizations/{nra}")).text
    assert "Reminders received" in page
    assert "Milestone due in 3 days: Mid-term check" in page
    assert "Escalation: Country office roll-out" not in page  # the champion's, not the focal point's
