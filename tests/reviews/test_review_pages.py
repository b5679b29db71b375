"""The peer-review pages, as each person would click through them (the forms post to the services)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from models.caller import SYSTEM
from models.engine import fetch
from models.services import review_rounds
from tests.api.support import SECRETARIAT, email, org_id
from tests.pages.support import flash_of


async def form_post(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **fields: str
) -> httpx.Response:
    data = {"_csrf": headers["X-CSRF-Token"], **fields}
    return await client.post(path, data=data, headers={"Cookie": headers["Cookie"]})


async def test_secretariat_opens_a_round_reviewer_writes_reviewee_replies_round_closes(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await sign_in(SECRETARIAT)
    listing = await client.get("/admin/review-rounds", headers=secretariat)
    assert listing.status_code == 200 and "(demo)" in listing.text and "offers" in listing.text
    created = await form_post(
        client,
        "/admin/review-rounds",
        secretariat,
        name="Pages round",
        cycle="2026-H1",
        peer_types="any",
        review_due="2026-12-10",
        reply_due="2026-12-20",
    )
    assert created.status_code == 303, created.text
    round_path = created.headers["location"]
    assert (await form_post(client, f"{round_path}/open", secretariat)).status_code == 303
    round_id = int(round_path.rsplit("/", 1)[1])
    pair = (
        await fetch(
            "SELECT v.id AS id, b.acronym AS reviewee FROM review v JOIN review_pair p ON p.id = v.review_pair "
            "JOIN organization a ON a.id = p.reviewer JOIN organization b ON b.id = p.reviewee "
            "WHERE v.review_round = {} AND a.acronym = 'USP'",
            round_id,
        )
    )[0]
    reviewer = await sign_in(email("reviewer.usp"))
    mine = await client.get("/reviews", headers=reviewer)
    assert f"/reviews/{pair['id']}" in mine.text
    page = await client.get(f"/reviews/{pair['id']}", headers=reviewer)
    assert page.status_code == 200 and "Save the Policy comment" in page.text
    saved = await form_post(
        client,
        f"/reviews/{pair['id']}/comments",
        reviewer,
        area="policy",
        assessment="too_low",
        strengths="Strong annex.",
        recommendations="",
        visibility="donor",
    )
    assert saved.status_code == 303
    assert (await form_post(client, f"/reviews/{pair['id']}/submit", reviewer)).status_code == 303
    focal = await sign_in(email(f"focal.{pair['reviewee'].lower()}"))
    page = await client.get(f"/reviews/{pair['id']}", headers=focal)
    comment_id = re.search(r'id="comment-(\d+)"', page.text).group(1)
    replied = await form_post(
        client,
        f"/reviews/{pair['id']}/replies/{comment_id}",
        focal,
        body="Thanks, noted.",
        visibility="donor",
    )
    assert replied.status_code == 303
    assert (await form_post(client, f"{round_path}/close", secretariat)).status_code == 303
    assert "closed" in (await client.get(round_path, headers=secretariat)).text

    donor = await sign_in(email("donor"))
    reviewee = await org_id(pair["reviewee"])
    card = await client.get(f"/organizations/{reviewee}/scorecards/2026-H1", headers=donor)
    assert "Strong annex." in card.text and "Thanks, noted." in card.text


async def test_the_organization_page_shows_who_could_help(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await sign_in(email("focal.nra"))
    page = await client.get(f"/organizations/{await org_id('NRA')}", headers=focal)
    assert page.status_code == 200 and "Who could help you" in page.text


async def test_the_secretariat_changes_the_pairs_on_the_round_page_with_errors_that_point_at_the_row(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await sign_in(SECRETARIAT)
    created = await form_post(
        client,
        "/admin/review-rounds",
        secretariat,
        name="Pairs round",
        cycle="2026-H1",
        peer_types="any",
        review_due="2026-12-10",
        reply_due="2026-12-20",
    )
    round_path = created.headers["location"]
    round_id = int(round_path.rsplit("/", 1)[1])
    page = await client.get(round_path, headers=secretariat)
    assert "Change the pairs" in page.text and 'name="pairs-0-reviewers"' in page.text
    participants = (await review_rounds.get_round(SYSTEM, round_id))["organization_ids"]
    acronyms = {o["id"]: o["acronym"] for o in await review_rounds.reviewer_choices(SYSTEM, round_id)}
    choices = {o["id"]: o["people"] for o in await review_rounds.reviewer_choices(SYSTEM, round_id)}
    ring = [(a, participants[(i + 1) % len(participants)]) for i, a in enumerate(participants)]

    def rows(pairs: list[tuple[int, int]], reviewers: dict[int, list[int]] | None = None) -> dict[str, Any]:
        fields: dict[str, Any] = {"rows": str(len(pairs) + 1)}  # and one row left blank
        for i, (a, b) in enumerate(pairs):
            fields[f"pairs-{i}-reviewer"], fields[f"pairs-{i}-reviewee"] = str(a), str(b)
            fields[f"pairs-{i}-reviewers"] = [str(p) for p in (reviewers or {}).get(i, [])]
        return fields

    first, second = ring[0][0], ring[1][0]
    refused = await form_post(client, f"{round_path}/pairs", secretariat, **rows([(first, first), *ring[1:]]))
    assert refused.status_code == 400
    assert f"Pair 1: {acronyms[first]} cannot review itself" in refused.text
    assert 'id="error-pairs-0-reviewee"' in refused.text and 'href="#field-pairs-0-reviewee"' in refused.text
    assert f'<option value="{first}" selected>' in refused.text  # what was typed comes back

    stranger = choices[second][0]
    refused = await form_post(client, f"{round_path}/pairs", secretariat, **rows(ring, {0: [stranger["id"]]}))
    assert refused.status_code == 400
    assert f"Pair 1: {stranger['name']} cannot review for {acronyms[first]}" in refused.text
    assert 'id="error-pairs-0-reviewers"' in refused.text

    half = await form_post(
        client, f"{round_path}/pairs", secretariat, **{**rows(ring), "pairs-1-reviewee": ""}
    )
    assert half.status_code == 400 and "Pair 2: choose both organizations, or neither" in half.text

    unreviewed = await form_post(client, f"{round_path}/pairs", secretariat, **rows(ring[1:]))
    assert unreviewed.status_code == 400
    assert f"Nobody reviews {acronyms[ring[0][1]]}" in unreviewed.text
    assert (await review_rounds.get_round(SYSTEM, round_id))["pairs"] != []  # nothing half-written

    mine = choices[first][0]
    saved = await form_post(client, f"{round_path}/pairs", secretariat, **rows(ring, {0: [mine["id"]]}))
    assert saved.status_code == 303 and flash_of(saved) == "Pairs saved."
    after = await review_rounds.get_round(SYSTEM, round_id)
    assert sorted((p["reviewer_id"], p["reviewee_id"]) for p in after["pairs"]) == sorted(ring)
    named = {p["reviewer_id"]: [r["id"] for r in p["reviewers"]] for p in after["pairs"]}
    assert named[first] == [mine["id"]]
    assert named[second] == [p["id"] for p in choices[second]]  # none chosen: the organization's own
    assert (await form_post(client, f"{round_path}/open", secretariat)).status_code == 303
    closed_form = await client.get(round_path, headers=secretariat)
    assert "Change the pairs" not in closed_form.text  # pairs change only before opening
