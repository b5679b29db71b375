"""Forms that help: every refused field is said at once, beside its field, in words a person uses
(never a column name or a Python repr); dates in the past for new targets and impossible dates are
refused; a milestone after its commitment's target date is only a warning."""

from __future__ import annotations

import re
from typing import Any

import httpx

from models.engine import fetch
from tests.api.support import FOCAL_NRA, org_id
from tests.pages.support import flash_of, visitor

INTERNAL_WORDS = re.compile(r"self_level|drop_reason|target_date|due_date|owner_id|\(got ")


async def test_the_api_lists_every_refused_field_of_a_commitment_in_words(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    refused = await client.post(
        f"/api/organizations/{nra}/commitments",
        json={"area": "nowhere", "title": " ", "target_date": "2020-01-31"},
        headers=focal,
    )
    assert refused.status_code == 400, refused.text
    body = refused.json()
    fields = [error["field"] for error in body["errors"]]
    assert sorted(fields) == ["area", "target_date", "title"]
    messages = " ".join(error["message"] for error in body["errors"])
    assert "cannot be in the past" in messages and not INTERNAL_WORDS.search(messages)
    assert body["detail"] == "; ".join(error["message"] for error in body["errors"])
    assert not await fetch("SELECT id FROM commitment WHERE target_date = '2020-01-31'")


async def test_a_milestone_with_an_impossible_date_is_refused_and_one_after_the_target_is_a_warning(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    created = await client.post(
        f"/api/organizations/{nra}/commitments",
        json={"area": "policy", "title": "Annex", "target_date": "2027-03-31"},
        headers=focal,
    )
    cid = created.json()["id"]
    past = await client.post(
        f"/api/commitments/{cid}/milestones", json={"title": " ", "due_date": "1999-05-01"}, headers=focal
    )
    assert past.status_code == 400
    assert sorted(e["field"] for e in past.json()["errors"]) == ["due_date", "title"]

    page = await visitor(client, sign_in, "focal.nra")
    form = f"/organizations/{nra}/commitments/{cid}/milestones/new"
    both = await page.post(form, {"title": "", "due_date": "2026-02-30"})
    assert both.status_code == 400
    for field in ("title", "due_date"):
        assert f'id="error-{field}"' in both.text, field
    assert not INTERNAL_WORDS.search(re.sub(r"<[^>]+>", " ", both.text).replace("error-due_date", ""))
    late = await page.post(form, {"title": "Board vote", "due_date": "2027-06-30"})
    assert late.status_code == 303
    assert "due after the commitment's target date" in flash_of(late)


async def test_the_commitment_form_shows_every_error_beside_its_field(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    page = await visitor(client, sign_in, "focal.nra")
    nra = await org_id("NRA")
    answer = await page.post(
        f"/organizations/{nra}/commitments/new", {"title": "", "area": "policy", "target_date": "2026-13-01"}
    )
    assert answer.status_code == 400
    assert 'id="error-title"' in answer.text and 'id="error-target_date"' in answer.text
    past = await page.post(
        f"/organizations/{nra}/commitments/new", {"title": "T", "area": "policy", "target_date": "2020-06-30"}
    )
    assert past.status_code == 400 and "A new target date cannot be in the past" in past.text
