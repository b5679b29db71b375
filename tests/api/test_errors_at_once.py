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


def listed_in_words(refused: httpx.Response, fields: list[str]) -> str:
    """The API's 400 lists exactly these fields, each in words, `detail` joining them; their words."""
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert sorted(error["field"] for error in body["errors"]) == fields
    messages = " ".join(error["message"] for error in body["errors"])
    assert not INTERNAL_WORDS.search(messages) and "evidence[" not in messages, messages
    assert body["detail"] == "; ".join(error["message"] for error in body["errors"])
    return messages


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
    messages = listed_in_words(refused, ["area", "target_date", "title"])
    assert "cannot be in the past" in messages
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


def page_words(html: str) -> str:
    """What a reader sees of a page: its text without tags and attributes."""
    return re.sub(r"<[^>]+>", " ", html)


async def test_the_api_lists_every_refused_field_of_a_progress_update_in_words(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    commitment = (await fetch("SELECT id FROM commitment WHERE organization = {} LIMIT 1", nra))[0]["id"]
    refused = await client.post(
        f"/api/commitments/{commitment}/updates",
        json={
            "narrative": "",
            "evidence": [
                {"url": "ftp://x.example.org/a", "title": "A"},
                {"url": "https://x.example.org/b", "title": "Two\nlines"},
            ],
            "milestone_id": 999999,
            "supersedes_id": 999999,
        },
        headers=focal,
    )
    fields = ["evidence[0].url", "evidence[1].title", "milestone_id", "narrative", "supersedes_id"]
    messages = listed_in_words(refused, fields)
    assert "the address of an evidence link" in messages and "milestone_id" not in messages
    assert not await fetch("SELECT id FROM evidence WHERE url = 'https://x.example.org/b'")


async def test_the_update_form_shows_every_error_beside_its_field(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    page = await visitor(client, sign_in, "focal.nra")
    nra = await org_id("NRA")
    commitment = (await fetch("SELECT id FROM commitment WHERE organization = {} LIMIT 1", nra))[0]["id"]
    answer = await page.post(
        f"/organizations/{nra}/commitments/{commitment}/updates/new",
        {
            "self_level": "high",
            "narrative": "",
            "visibility": "everyone",
            "evidence_url_1": "not a link",
            "milestone_id": "first",
        },
    )
    assert answer.status_code == 400
    for field in ("self_level", "visibility", "evidence_url_1", "milestone_id"):
        assert f'id="error-{field}"' in answer.text, field
        assert f'href="#field-{field}"' in answer.text, field  # and in the error summary
    words = page_words(answer.text)
    assert "Link 2: the address of an evidence link" in words
    assert not INTERNAL_WORDS.search(words) and "evidence[" not in words


async def test_the_api_lists_every_refused_field_of_an_assessment_in_words(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await sign_in(FOCAL_NRA)
    nra = await org_id("NRA")
    refused = await client.put(
        f"/api/organizations/{nra}/submissions/2026-H2/assessments/policy",
        json={
            "self_level": 3,
            "justification": "Board",
            "evidence": [
                {"url": "mailto:a@b.example"},
                {"url": "https://nra.example.org/b", "title": "Two\nlines"},
                {"url": "nra.example.org/c"},
            ],
        },
        headers=focal,
    )
    messages = listed_in_words(refused, ["evidence[0].url", "evidence[1].title", "evidence[2].url"])
    assert "the title of an evidence link must be one line of text" in messages


async def test_the_assessment_form_shows_every_error_beside_its_field_and_keeps_what_was_typed(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    page = await visitor(client, sign_in, "focal.nra")
    nra = await org_id("NRA")
    answer = await page.post(
        f"/organizations/{nra}/submissions/2026-H2/assessments/policy",
        {
            "version": "0",
            "justification-policy": "Adopted by the board in May.",
            "visibility-policy": "everyone",
            "evidence-policy": "https://nra.example.org/ok.pdf Fine\nftp://nra.example.org/bad Bad",
        },
    )
    assert answer.status_code == 400
    for field in ("self_level-policy", "visibility-policy", "evidence-policy"):
        assert f'id="error-{field}"' in answer.text, field
        assert f'href="#field-{field}"' in answer.text, field
    words = page_words(answer.text)
    assert "Link 2: the address of an evidence link" in words
    assert "Adopted by the board in May." in answer.text
    assert not INTERNAL_WORDS.search(words) and "evidence[" not in words
    assert not await fetch("SELECT id FROM assessment WHERE justification = 'Adopted by the board in May.'")
