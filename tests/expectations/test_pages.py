"""The expectation pages: the secretariat writes, rewords and retires an expectation; a focal
point answers it in the cycle's report; the secretariat confirms it from its queue."""

from __future__ import annotations

import httpx

from models.engine import fetch
from tests.api.support import org_id
from tests.pages.support import flash_of, visitor

CYCLE = "2026-H2"


async def test_write_reword_answer_confirm_and_retire_in_pages(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    sec = await visitor(client, sign_in, "secretariat")
    focal = await visitor(client, sign_in, "focal.nra")
    nra = await org_id("NRA")

    refused = await sec.post("/admin/expectations", {"text": "", "area": "policy"})
    assert refused.status_code == 400 and "must not be empty" in refused.text
    created = await sec.post(
        "/admin/expectations", {"text": "Adopt a CoP policy", "area": "policy", "due_date": "2026-12-31"}
    )
    assert created.status_code == 303, created.text
    path = created.headers["location"]
    expectation = int(path.rsplit("/", 1)[1])
    reworded = await sec.post(
        path, {"text": "Adopt and publish a CoP policy", "area": "policy", "version": "1"}
    )
    assert reworded.status_code == 303
    page = await sec.get(path)
    assert "Version 2" in page.text and "Adopt a CoP policy" in page.text

    sheet = await focal.get(f"/organizations/{nra}/expectations/{CYCLE}")
    assert sheet.status_code == 200 and "Adopt and publish a CoP policy" in sheet.text
    answered = await focal.post(
        f"/organizations/{nra}/expectations/{CYCLE}/{expectation}",
        {
            "answer": "met",
            "note": "Adopted by the board in May.",
            f"note_visibility_{expectation}": "donor",
            "evidence_url": "https://nra.example.org/policy.pdf",
            "evidence_title": "Policy",
            "evidence_visibility": "public",
            "version": "0",
        },
    )
    assert answered.status_code == 303, answered.text
    assert "secretariat will confirm" in flash_of(answered)
    assert (await focal.get("/admin/expectations")).status_code == 403

    queue = await sec.get("/admin/expectations", cycle=CYCLE)
    assert "Adopted by the board in May." in queue.text
    confirmed = await sec.post(
        f"/admin/expectations/answers/{nra}/{CYCLE}/{expectation}", {"decision": "confirm"}
    )
    assert confirmed.status_code == 303 and flash_of(confirmed) == "Answer confirmed."
    sheet = await focal.get(f"/organizations/{nra}/expectations/{CYCLE}")
    assert "Confirmed" in sheet.text
    status = await fetch(
        "SELECT met FROM expectation_status WHERE expectation = {} AND organization = {}", expectation, nra
    )
    assert [bool(r["met"]) for r in status] == [True]

    retired = await sec.post(f"{path}/active", {"active": "0", "version": "2"})
    assert retired.status_code == 303
    sheet = await focal.get(f"/organizations/{nra}/expectations/{CYCLE}")
    assert "Adopt and publish a CoP policy" not in sheet.text


async def test_the_donor_dashboard_shows_the_demo_answers_of_a_published_cycle(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    donor = await visitor(client, sign_in, "donor")
    page = await donor.get("/donors", cycle="2026-H1")
    assert page.status_code == 200, page.text
    matrix = (await donor.get("/api/donor-expectations/2026-H1/matrix")).json()
    first = matrix["expectations"][0]
    assert first["text"] in page.text
    assert sum(first["counts"].values()) == len(matrix["organizations"]) > 0
    assert first["counts"]["met"] > 0  # the demo's confirmed answers count
    for org in matrix["organizations"][:3]:
        assert f'<th scope="row">{org["acronym"]}</th>' in page.text


async def test_the_answer_form_keeps_every_saved_link(client: httpx.AsyncClient, demo, sign_in) -> None:
    """An answer saved through the API with more links than the form's three free rows still shows
    each of them, so saving the page does not drop a link."""
    from tests.api.support import FOCAL_NRA

    nra = await org_id("NRA")
    (row,) = await fetch("SELECT MIN(id) AS id FROM donor_expectation WHERE active = {}", True)
    expectation = int(row["id"])
    links = [{"url": f"https://nra.example.org/evidence-{n}.pdf", "title": f"Evidence {n}"} for n in range(5)]
    headers = await sign_in(FOCAL_NRA)
    sheet = await client.get(f"/api/organizations/{nra}/expectation-answers/{CYCLE}", headers=headers)
    version = next(a["version"] for a in sheet.json()["items"] if a["expectation_id"] == expectation)
    saved = await client.put(
        f"/api/organizations/{nra}/expectation-answers/{CYCLE}/{expectation}",
        json={"answer": "partly", "evidence": links, "version": version},
        headers=headers,
    )
    assert saved.status_code == 200, saved.text

    page = (await client.get(f"/organizations/{nra}/expectations/{CYCLE}", headers=headers)).text
    for link in links:
        assert link["url"] in page
    assert page.count(f'id="evidence-url-{expectation}-') == len(links) + 1
