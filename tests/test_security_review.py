"""Security review: regression tests for holes found by reading the code and trying it.

Each test names the audience and the route that once let something through.
"""

from __future__ import annotations

from typing import Any

import httpx

from models.caller import SYSTEM
from models.engine import fetch
from models.services import submissions, updates
from models.services.sessions import caller_for_person
from scorecards import publishing
from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, FOCAL_USP, REVIEWER_OF_NRA, org_id

OUTSIDERS = {
    "donor": DONOR,
    "focal point of another organization": FOCAL_USP,
    "peer reviewer": REVIEWER_OF_NRA,
}


async def person_caller(email: str) -> Any:
    rows = await fetch("SELECT id FROM person WHERE email = {}", email)
    return await caller_for_person(int(rows[0]["id"]))


async def shared_update(commitment_id: int, marker: str) -> dict[str, Any]:
    """An update and its link marked for donors (so peers may read them too), in the open cycle."""
    return await updates.create_update(
        SYSTEM,
        commitment_id,
        {
            "narrative": f"{marker} narrative",
            "visibility": "donor",
            "self_level": 2,
            "evidence": [
                {"url": f"https://nra.example.org/{marker}", "title": marker, "visibility": "donor"}
            ],
        },
    )


async def outsider_reads(
    client: httpx.AsyncClient, headers: dict[str, str], commitment_id: int, update: dict[str, Any]
) -> list[str]:
    """The routes through which this caller reads the update's text."""
    seen = []
    listed = await client.get(f"/api/commitments/{commitment_id}/updates", headers=headers)
    if update["narrative"] in listed.text:
        seen.append("GET updates of the commitment")
    single = await client.get(f"/api/updates/{update['id']}", headers=headers)
    if single.status_code != 404:
        seen.append(f"GET the update ({single.status_code})")
    links = await client.get(f"/api/updates/{update['id']}/evidence", headers=headers)
    if links.status_code != 404:
        seen.append(f"GET the update's evidence ({links.status_code})")
    link = await client.get(f"/api/evidence/{update['evidence'][0]['id']}", headers=headers)
    if link.status_code != 404:
        seen.append(f"GET the evidence link ({link.status_code})")
    return seen


async def test_unpublished_progress_reaches_neither_peers_nor_donors(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    """docs/design.md: donors read published snapshots only; other organizations only published peer
    views. A narrative of a cycle the champion has not signed off (or added after publishing) is
    neither, even when its author already marked it for donors."""
    nra = await org_id("NRA")
    commitment = int(
        (await fetch("SELECT id FROM commitment WHERE organization = {} ORDER BY id", nra))[0]["id"]
    )
    draft = await shared_update(commitment, "UNPUBLISHED-4417")
    own = await client.get(f"/api/commitments/{commitment}/updates", headers=await sign_in(FOCAL_NRA))
    assert draft["narrative"] in own.text  # the organization itself reads it: the test can fail

    for who, email in OUTSIDERS.items():
        assert await outsider_reads(client, await sign_in(email), commitment, draft) == [], who

    # Once the report is signed off and published, the same update is shared as its author chose.
    await publish_open_cycle(nra)
    late = await shared_update(commitment, "AFTER-PUBLISHING-9902")
    for who, email in OUTSIDERS.items():
        headers = await sign_in(email)
        assert len(await outsider_reads(client, headers, commitment, draft)) == 4, who
        assert await outsider_reads(client, headers, commitment, late) == [], who


async def publish_open_cycle(nra: int) -> None:
    """Sign off and publish NRA's report of the open cycle, whatever state the demo left it in."""
    focal, champion = await person_caller(FOCAL_NRA), await person_caller(CHAMPION_NRA)
    status = (await submissions.get_submission(SYSTEM, nra, "2026-H2"))["status"]
    if status in ("draft", "returned"):
        await submissions.submit(focal, nra, "2026-H2")
        status = "submitted"
    if status == "submitted":
        await submissions.approve(champion, nra, "2026-H2")
    await publishing.publish(SYSTEM, nra, "2026-H2", early=True)


async def test_a_shared_link_under_an_internal_claim_stays_out_of_published_scorecards(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    """A link marked for donors under an internal assessment stays internal: the frozen snapshot
    must not show it, or a title describing a confidential concern reaches donors."""
    from models.services import assessments

    nra = await org_id("NRA")
    marker = "LINK-UNDER-INTERNAL-6630"
    await assessments.save_assessment(
        SYSTEM,
        nra,
        "2026-H2",
        "policy",
        {
            "justification": "internal justification",
            "visibility": "internal",
            "self_level": 3,
            "evidence": [
                {"url": f"https://nra.example.org/{marker}", "title": marker, "visibility": "donor"}
            ],
        },
        (await fetch("SELECT a.version FROM assessment a JOIN area ar ON ar.id = a.area JOIN cycle y ON y.id = a.cycle "
                     "WHERE a.organization = {} AND ar.key = 'policy' AND y.name = '2026-H2'", nra) or [{"version": 0}])[0]["version"],
    )  # fmt: skip
    await publish_open_cycle(nra)
    own = await client.get(f"/api/organizations/{nra}/scorecards/2026-H2", headers=await sign_in(FOCAL_NRA))
    assert marker in own.text  # the assessment's link is on the organization's own scorecard
    for who, email in OUTSIDERS.items():
        headers = await sign_in(email)
        for path in (
            f"/api/organizations/{nra}/scorecards/2026-H2",
            f"/organizations/{nra}/scorecards/2026-H2",
        ):
            response = await client.get(path, headers=headers)
            assert response.status_code == 200, (who, path, response.status_code)
            assert marker not in response.text, (who, path)


async def test_a_link_that_went_out_internal_is_not_widened_for_outsiders_after_publishing(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    """docs/design.md "Evidence files": outsiders read a link only if it went out with the
    published report at a visibility that allows them. Editing a published link in place (its
    visibility, its address) would reach donors without the champion's sign-off: it is refused, and
    a new link that supersedes it waits for the next publication."""
    nra = await org_id("NRA")
    commitment = int(
        (await fetch("SELECT id FROM commitment WHERE organization = {} ORDER BY id", nra))[0]["id"]
    )
    marker = "WIDENED-AFTER-PUBLISHING-5120"
    update = await updates.create_update(
        SYSTEM,
        commitment,
        {
            "narrative": "shared narrative",
            "visibility": "donor",
            "evidence": [
                {"url": f"https://nra.example.org/{marker}", "title": marker, "visibility": "internal"},
                {"url": "https://nra.example.org/shared", "title": "shared", "visibility": "donor"},
            ],
        },
    )
    await publish_open_cycle(nra)
    link, shared = update["evidence"]
    focal = await sign_in(FOCAL_NRA)
    for change in ({"visibility": "donor"}, {"url": "https://nra.example.org/other", "title": "other"}):
        edited = await client.patch(
            f"/api/evidence/{link['id']}", json=change, headers={**focal, "If-Match": f'"{link["version"]}"'}
        )
        assert edited.status_code == 409, edited.text
        assert "supersedes" in edited.json()["detail"]
    for who, email in OUTSIDERS.items():
        headers = await sign_in(email)
        assert (await client.get(f"/api/evidence/{link['id']}", headers=headers)).status_code == 404, who
        listed = await client.get(f"/api/commitments/{commitment}/updates", headers=headers)
        assert marker not in listed.text, who
    # A published link found to be confidential can still be hidden at once.
    hidden = await client.patch(
        f"/api/evidence/{shared['id']}",
        json={"visibility": "internal"},
        headers={**focal, "If-Match": f'"{shared["version"]}"'},
    )
    assert hidden.status_code == 200, hidden.text
    donor = await sign_in(DONOR)
    assert (await client.get(f"/api/evidence/{shared['id']}", headers=donor)).status_code == 404
    # A link of an update not yet published is still edited in place.
    draft = await updates.create_update(
        SYSTEM,
        commitment,
        {"narrative": "later", "visibility": "donor", "evidence": [{"url": "https://nra.example.org/d"}]},
    )
    edited = await client.patch(
        f"/api/evidence/{draft['evidence'][0]['id']}",
        json={"visibility": "donor"},
        headers={**focal, "If-Match": f'"{draft["evidence"][0]["version"]}"'},
    )
    assert edited.status_code == 200, edited.text
