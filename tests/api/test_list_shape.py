"""Every list of the JSON API has one shape and pages the same way.

The routes are found in the OpenAPI schema, not listed by hand: a new list route that answers a bare
array, or leaves out `limit`/`offset`, fails here. Each one is then walked as the secretariat two
items at a time: every page has the shape, `total` does not move, no item comes twice, and the pages
put together are the whole list in the same order.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from models.engine import fetch
from models.paging import DEFAULT_LIMIT, MAX_LIMIT
from tests.api.support import SECRETARIAT, first_commitment, org_id
from tests.conftest import TODAY

ENVELOPE = {"items", "total", "limit", "offset"}
# The lists with keys of their own beside the envelope (kept from before there was one shape).
EXTRA_KEYS = {
    "/api/reminders": {"counts"},
    "/api/scorecards/{cycle}": {"cycle", "audience", "areas", "columns", "ranked", "peer_median"},
}


def resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def answer_schema(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    return resolved(schema, content.get("application/json", {}).get("schema", {}))


def list_routes(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every GET of /api/ whose answer is a list, with its operation."""
    routes = {}
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if not path.startswith("/api/") or operation is None:
            continue
        answer = answer_schema(schema, operation)
        if answer.get("type") == "array" or "items" in answer.get("properties", {}):
            routes[path] = operation
    return routes


async def walk_values(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    """Path parameters naming records that have several items in each of their lists."""
    nra = await org_id("NRA")
    commitment = await fetch(
        "SELECT c.id AS id FROM commitment c JOIN milestone m ON m.commitment = c.id "
        "JOIN progress_update u ON u.commitment = c.id WHERE c.organization = {} "
        "GROUP BY c.id ORDER BY COUNT(DISTINCT m.id) * COUNT(DISTINCT u.id) DESC, c.id LIMIT 1",
        nra,
    )
    update = (
        await fetch("SELECT MIN(id) AS id FROM progress_update WHERE commitment = {}", commitment[0]["id"])
    )[0]
    for number in range(3):  # links enough to page through, on an update of the commitment walked
        await client.post(
            f"/api/updates/{update['id']}/evidence",
            json={"url": f"https://nra.example.org/report-{number}", "visibility": "public"},
            headers=headers,
        )
    cycle = (await fetch("SELECT name FROM cycle ORDER BY period_start DESC LIMIT 1"))[0]["name"]
    rounds = []
    for number in range(3):  # rounds to page through; the last one opened, so it has reviews
        created = await client.post(
            "/api/review-rounds",
            json={
                "name": f"Round {number}",
                "cycle": "2026-H1",
                "review_due": "2026-12-10",
                "reply_due": "2026-12-20",
            },
            headers=headers,
        )
        rounds.append(created.json()["id"])
    await client.post(f"/api/review-rounds/{rounds[-1]}/open", headers=headers)
    for area in ("policy", "budget", "capacity"):
        await client.post(
            f"/api/organizations/{nra}/practice-notes",
            json={"area": area, "what_worked": "Notes."},
            headers=headers,
        )
    return {
        "round_id": str(rounds[-1]),
        "org_id": str(nra),
        "commitment_id": str(commitment[0]["id"]),
        "update_id": str(update["id"]),
        "cycle": cycle,
    }


async def whole_walk(
    client: httpx.AsyncClient, template: str, path: str, headers: dict[str, str]
) -> list[Any]:
    """The list read two items at a time, checking each page on the way."""
    seen: list[str] = []
    items: list[Any] = []
    offset, total = 0, None
    while total is None or offset < total:
        answer = await client.get(path, params={"limit": 2, "offset": offset}, headers=headers)
        assert answer.status_code == 200, f"{path}: {answer.text}"
        page = answer.json()
        assert isinstance(page, dict), f"{path} answers a {type(page).__name__}"
        if template in EXTRA_KEYS:
            assert ENVELOPE | EXTRA_KEYS[template] <= set(page), f"{path} answers {sorted(page)}"
        else:
            assert set(page) == ENVELOPE, f"{path} answers {sorted(page)}"
        assert (page["limit"], page["offset"]) == (2, offset), path
        assert total is None or page["total"] == total, f"{path}: total moved while paging"
        total = page["total"]
        assert len(page["items"]) == min(2, total - offset), f"{path} at offset {offset}"
        for item in page["items"]:
            key = json.dumps(item, sort_keys=True)
            assert key not in seen, f"{path}: an item came twice"
            seen.append(key)
        items += page["items"]
        offset += 2
    return items


async def test_every_list_route_answers_one_shape_and_pages_through_the_whole_list(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    headers = await sign_in(SECRETARIAT)
    for name in ("first", "second", "third"):
        await client.post("/api/auth/tokens", json={"name": name}, headers=headers)
    check = await client.post("/api/reminders/check", json={"date": TODAY.isoformat()}, headers=headers)
    assert check.status_code == 200, check.text
    values = await walk_values(client, headers)
    schema = (await client.get("/schema/openapi.json")).json()
    routes = list_routes(schema)
    assert len(routes) == 22, sorted(routes)

    for template, operation in routes.items():
        answer = answer_schema(schema, operation)
        assert answer.get("type") == "object", f"{template} is documented as a bare array"
        assert ENVELOPE <= set(answer["properties"]) and ENVELOPE <= set(answer["required"]), template
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        assert parameters["limit"]["schema"]["default"] == DEFAULT_LIMIT, template
        assert parameters["limit"]["schema"]["maximum"] == MAX_LIMIT, template
        assert parameters["offset"]["schema"]["default"] == 0, template

        path = template.format(**values)
        walked = await whole_walk(client, template, path, headers)
        assert len(walked) >= 3, f"{path}: too few items ({len(walked)}) to see the paging"
        whole = (await client.get(path, params={"limit": MAX_LIMIT}, headers=headers)).json()
        assert walked == whole["items"] and whole["total"] == len(walked), (
            f"{path}: pages differ from the list"
        )
        default = (await client.get(path, headers=headers)).json()
        assert default["limit"] == DEFAULT_LIMIT and default["offset"] == 0, path


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": str(MAX_LIMIT + 1)}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "first"}, "offset"),
    ],
)
async def test_a_bad_limit_or_offset_is_refused_naming_it(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, query: dict[str, str], field: str
) -> None:
    headers = await sign_in(SECRETARIAT)
    for path in (
        "/api/organizations",
        "/api/reminders",
        f"/api/organizations/{await org_id('NRA')}/commitments",
    ):
        answer = await client.get(path, params=query, headers=headers)
        assert answer.status_code == 400, f"{path}?{query}: {answer.text}"
        body = answer.json()
        assert [error["field"] for error in body["errors"]] == [field], body
        assert field in body["detail"], body


async def test_total_counts_the_filtered_list_and_the_last_page_may_be_short(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    headers = await sign_in(SECRETARIAT)
    commitment = await first_commitment("NRA")
    nra = commitment["organization"]
    everyone = (await client.get("/api/people", params={"limit": MAX_LIMIT}, headers=headers)).json()
    of_nra = (
        await client.get("/api/people", params={"organization_id": nra, "limit": 1}, headers=headers)
    ).json()
    assert 1 < of_nra["total"] < everyone["total"]
    assert len(of_nra["items"]) == 1
    last = (
        await client.get(
            "/api/people",
            params={"organization_id": nra, "limit": 2, "offset": of_nra["total"] - 1},
            headers=headers,
        )
    ).json()
    assert len(last["items"]) == 1 and last["total"] == of_nra["total"]
    beyond = (await client.get("/api/people", params={"offset": everyone["total"]}, headers=headers)).json()
    assert beyond["items"] == [] and beyond["total"] == everyone["total"]
