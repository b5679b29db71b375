"""The secretariat's areas page (/admin/areas) and `PATCH /api/areas/{area_key}` behind it: the areas
in order with weights and rubrics, edited with a version check and an audit row, and an area added
that is scored from the next cycle opened."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from models.engine import fetch
from tests.api.support import DONOR, FOCAL_NRA, SECRETARIAT, org_id
from tests.pages.support import flash_of, visitor

SEEDED = ("champion", "policy", "capacity", "reporting", "budget")


def rubric_form(texts: dict[int, str]) -> dict[str, str]:
    return {f"rubric_{level}": texts.get(level, "") for level in range(5)}


async def audit_of(key: str) -> list[dict[str, Any]]:
    return await fetch(
        "SELECT actor_label, action, before, after FROM audit_event "
        "WHERE entity = 'area' AND entity_id = {} ORDER BY id",
        key,
    )


async def test_the_areas_page_lists_the_areas_in_order_for_the_secretariat_only(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await visitor(client, sign_in, "secretariat")
    page = await secretariat.get("/admin/areas")
    assert page.status_code == 200
    assert '<a href="/admin/areas" aria-current="page">Areas</a>' in page.text
    edit_links = re.findall(r'href="/admin/areas/([a-z_0-9]+)/edit"', page.text)
    assert tuple(edit_links) == SEEDED
    champion_rubric = (await fetch("SELECT rubric FROM area WHERE key = 'champion'"))[0]["rubric"]
    rubric = json.loads(champion_rubric) if isinstance(champion_rubric, str) else champion_rubric
    assert rubric["3"] and rubric["3"] in page.text
    assert (await secretariat.get("/")).text.count('href="/admin/areas"') == 1  # in the navigation
    for local in ("focal.nra", "champion.nra", "donor"):
        person = await visitor(client, sign_in, local)
        assert 'href="/admin/areas"' not in (await person.get("/")).text
        for path in ("/admin/areas", "/admin/areas/new", "/admin/areas/policy/edit"):
            assert (await person.get(path)).status_code == 403, (local, path)
        refused = await person.post(
            "/admin/areas/policy/edit", {"name": "Taken", "weight": "9", "version": "1"}
        )
        assert refused.status_code == 403
    assert (await fetch("SELECT name FROM area WHERE key = 'policy'"))[0]["name"] == "Policy"


async def test_the_secretariat_edits_a_weight_and_a_rubric_and_the_change_is_audited(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await visitor(client, sign_in, "secretariat")
    form = (await secretariat.get("/admin/areas/budget/edit")).text
    assert 'name="version" value="1"' in form and 'name="rubric_4"' in form
    criteria = {3: "A budget line for protection,\nin the approved budget.", 4: "Reviewed every year."}
    fields = {"name": "Budget and resources", "weight": "2.5", "descriptor": "A budget line", "version": "1"}
    saved = await secretariat.post("/admin/areas/budget/edit", {**fields, **rubric_form(criteria)})
    assert saved.status_code == 303 and "Budget and resources saved." in flash_of(saved)
    listed = (await secretariat.get("/admin/areas")).text
    assert (
        "Budget and resources" in listed and "A budget line for protection, in the approved budget." in listed
    )
    api = await client.get("/api/areas", headers=await sign_in(FOCAL_NRA))
    budget = next(a for a in api.json()["items"] if a["key"] == "budget")
    assert budget["weight"] == 2.5 and budget["version"] == 2
    assert budget["rubric"]["4"] == "Reviewed every year." and budget["rubric"]["0"] == ""
    audit = await audit_of("budget")
    assert [row["action"] for row in audit] == ["update"]
    after = audit[0]["after"] if isinstance(audit[0]["after"], dict) else json.loads(audit[0]["after"])
    assert after["weight"] == 2.5 and after["name"] == "Budget and resources"

    stale = await secretariat.post("/admin/areas/budget/edit", {**fields, "weight": "3", **rubric_form({})})
    assert stale.status_code == 412 and "reload" in stale.text.lower()
    for weight in ("heavy", "101", "-1", "nan", ""):
        bad = await secretariat.post(
            "/admin/areas/budget/edit", {**fields, "version": "2", "weight": weight, **rubric_form(criteria)}
        )
        assert bad.status_code == 400, weight
        assert "weight must be a number between 0 and 100" in bad.text.lower()
        assert 'value="Budget and resources"' in bad.text  # what was typed comes back
    assert len(await audit_of("budget")) == 1


async def test_an_area_added_on_the_page_is_scored_from_the_next_cycle_opened(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await visitor(client, sign_in, "secretariat")
    fields = {"key": "aap", "name": "Accountability to affected people", "weight": "1", "descriptor": ""}
    added = await secretariat.post("/admin/areas/new", {**fields, **rubric_form({3: "Feedback channels."})})
    assert added.status_code == 303 and "scored from the next cycle opened" in flash_of(added)
    row = next(r for r in (await secretariat.get("/admin/areas")).text.split("<tr>") if "aap" in r)
    assert "Feedback channels." in row and "The next cycle opened" in row
    twice = await secretariat.post("/admin/areas/new", {**fields, **rubric_form({})})
    assert twice.status_code == 409 and "exists already" in twice.text
    bad_key = await secretariat.post("/admin/areas/new", {**fields, "key": "AAP!", **rubric_form({})})
    assert bad_key.status_code == 400 and 'href="#field-key"' in bad_key.text
    assert [r["action"] for r in await audit_of("aap")] == ["create"]

    opened = await secretariat.post("/admin/cycles", {"name": "2027-H1", "due_date": ""})
    assert opened.status_code == 303
    row = next(r for r in (await secretariat.get("/admin/areas")).text.split("<tr>") if "aap" in r)
    assert "2027-H1" in row and "The next cycle opened" not in row
    nra = await org_id("NRA")
    report = await visitor(client, sign_in, "focal.nra")
    assert "Feedback channels." in (await report.get(f"/organizations/{nra}/submissions/2027-H1")).text


async def test_patch_areas_is_strict_secretariat_only_and_audited(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    sec, focal, donor = await sign_in(SECRETARIAT), await sign_in(FOCAL_NRA), await sign_in(DONOR)
    url = "/api/areas/policy"
    for who in (focal, donor):
        assert (
            await client.patch(url, json={"weight": 2}, headers={**who, "If-Match": '"1"'})
        ).status_code == 403
    assert (await client.patch(url, json={"weight": 2}, headers=sec)).status_code == 428
    for body in (
        {"weight": 101},
        {"weight": True},
        {"name": ""},
        {"colour": "red"},
        {"key": "other"},
        {"rubric": {"5": "Beyond"}},
        {"rubric": {"3": "x" * 1001}},
        {"rubric": {"3": "two\nlines"}},
    ):
        answer = await client.patch(url, json=body, headers={**sec, "If-Match": '"1"'})
        assert answer.status_code == 400, (body, answer.text)
    assert (
        await client.patch("/api/areas/nosuch", json={"weight": 2}, headers={**sec, "If-Match": '"1"'})
    ).status_code == 404
    assert await audit_of("policy") == []
    changed = await client.patch(
        url, json={"rubric": {"3": "Adopted policy."}}, headers={**sec, "If-Match": '"1"'}
    )
    assert changed.status_code == 200 and changed.json()["rubric"]["3"] == "Adopted policy."
    again = await client.patch(url, json={"weight": 3}, headers={**sec, "If-Match": '"1"'})
    assert again.status_code == 412
    audit = await audit_of("policy")
    assert [r["action"] for r in audit] == ["update"] and audit[0]["actor_label"]
