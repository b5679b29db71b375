"""Evidence files of expectation answers: kept like a progress update's files, read at the note's
visibility, outside the organization only once they went out with the published report."""

from __future__ import annotations

import httpx

from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, FOCAL_USP, SECRETARIAT, org_id
from tests.evidence_samples import pdf

CYCLE = "2026-H2"


async def _setup(client: httpx.AsyncClient, sign_in) -> tuple[str, int, dict, dict]:
    sec, focal = await sign_in(SECRETARIAT), await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    created = await client.post(
        "/api/donor-expectations", json={"text": "Share the CoP plan", "area": "policy"}, headers=sec
    )
    assert created.status_code == 201, created.text
    base = f"/api/organizations/{nra}/expectation-answers/{CYCLE}/{created.json()['id']}"
    return base, nra, sec, focal


async def test_an_answer_file_reaches_donors_only_when_published_and_donor_visible(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    base, nra, sec, focal = await _setup(client, sign_in)
    donor, other = await sign_in(DONOR), await sign_in(FOCAL_USP)
    early = await client.post(f"{base}/files", files={"file": ("plan.pdf", pdf())}, headers=focal)
    assert early.status_code == 409, early.text  # answer first
    answered = await client.put(
        base, json={"answer": "met", "note": "see the plan", "note_visibility": "donor"}, headers=focal
    )
    assert answered.status_code == 200, answered.text
    refused = await client.post(
        f"{base}/files", files={"file": ("plan.pdf", b"<html>not a pdf</html>")}, headers=focal
    )
    assert refused.status_code == 400 and "plan.pdf" in refused.text
    added = await client.post(
        f"{base}/files",
        files={"file": ("C:\\drafts\\plan.pdf", pdf("the plan"))},
        data={"title": "Plan"},
        headers=focal,
    )
    assert added.status_code == 200, added.text
    assert added.json()["version"] == 2 and added.json()["review"] == "pending"
    (file,) = added.json()["files"]
    assert file["file_name"] == "plan.pdf" and file["title"] == "Plan"
    own = await client.get(file["url"], headers=focal)
    assert own.status_code == 200 and b"the plan" in own.content
    assert own.headers["x-content-type-options"] == "nosniff" and own.headers["cache-control"] == "no-store"
    assert own.headers["content-disposition"].startswith("attachment")
    # Not published yet: no one outside the organization reads it.
    for outsider in (donor, other, {}):
        assert (await client.get(file["url"], headers=outsider)).status_code in (401, 404)

    await client.post(f"{base}/review", json={"decision": "confirm"}, headers=sec)
    report = f"/api/organizations/{nra}/submissions/{CYCLE}"
    assert (await client.post(f"{report}/submit", headers=focal)).status_code == 201
    assert (await client.post(f"{report}/approve", headers=await sign_in(CHAMPION_NRA))).status_code == 201
    published = await client.post(f"{report}/publish", headers=sec, json={"publish_early": True})
    assert published.status_code == 201, published.text

    assert (await client.get(file["url"], headers=donor)).status_code == 200
    assert (await client.get(file["url"], headers=other)).status_code == 200  # peers read donor text
    card = await client.get(f"/api/organizations/{nra}/scorecards/{CYCLE}", headers=donor)
    assert any(f["url"] == file["url"] for e in card.json()["expectations"] for f in e["files"])
    assert "file_key" not in card.text
    assert (await client.get("/api/answer-files/999999/file", headers=focal)).status_code == 404


async def test_an_internal_answer_file_never_reaches_outsiders(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    base, nra, sec, focal = await _setup(client, sign_in)
    answered = await client.put(base, json={"answer": "partly", "note": "draft"}, headers=focal)
    assert answered.status_code == 200, answered.text
    added = await client.post(f"{base}/files", files={"file": ("minutes.pdf", pdf("minutes"))}, headers=focal)
    url = added.json()["files"][0]["url"]
    report = f"/api/organizations/{nra}/submissions/{CYCLE}"
    assert (await client.post(f"{report}/submit", headers=focal)).status_code == 201
    assert (await client.post(f"{report}/approve", headers=await sign_in(CHAMPION_NRA))).status_code == 201
    assert (
        await client.post(f"{report}/publish", headers=sec, json={"publish_early": True})
    ).status_code == 201
    assert (await client.get(url, headers=sec)).status_code == 200
    for outsider in (await sign_in(DONOR), await sign_in(FOCAL_USP)):
        assert (await client.get(url, headers=outsider)).status_code == 404


async def test_the_answer_form_takes_files(client: httpx.AsyncClient, demo, sign_in) -> None:
    base, nra, sec, focal = await _setup(client, sign_in)
    expectation = base.rsplit("/", 1)[1]
    page = f"/organizations/{nra}/expectations/{CYCLE}"
    form = {"_csrf": focal.get("X-CSRF-Token", ""), "answer": "met", "note": "", "version": "0"}
    bad = await client.post(
        f"{page}/{expectation}", data=form, files={"evidence_files": ("x.pdf", b"MZ")}, headers=focal
    )
    assert bad.status_code == 400 and "X.pdf is not a file type" in bad.text
    assert 'id="field-evidence_files"' in bad.text
    sent = await client.post(
        f"{page}/{expectation}", data=form, files={"evidence_files": ("report.pdf", pdf())}, headers=focal
    )
    assert sent.status_code in (302, 303), sent.text
    sheet = await client.get(page, headers=focal)
    assert "report.pdf" in sheet.text and "/api/answer-files/" in sheet.text
