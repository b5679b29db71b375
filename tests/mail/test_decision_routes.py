"""A secretariat decision is one use case, whichever route takes it: the verification and
expectation pages and the API queue the same email to each focal point, once, and write the same
audit entry (docs/design.md "Workflow emails").

Each route decides its own one of several identical items (links with the same title, expectations
with the same words), so what it queues and records can be compared row for row."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from models.engine import fetch
from tests.api.support import FOCAL_NRA, SECRETARIAT, first_commitment, org_id
from tests.mail.test_workflow_emails import OPEN, holders
from tests.pages.support import Visitor, flash_of

REASON = "The document is a draft, not the adopted budget."
QUESTION = "Which board adopted the plan, and when?"
LINK = {"url": "https://nra.example.org/budget.pdf", "title": "Adopted budget"}


Headers = dict[str, str]


async def update_links(client: httpx.AsyncClient, focal: Headers, sec: Headers, count: int) -> list[int]:
    commitment = await first_commitment("NRA")
    body = {"narrative": "Budget adopted.", "evidence": [LINK] * count}
    update = await client.post(f"/api/commitments/{commitment['id']}/updates", json=body, headers=focal)
    assert update.status_code == 201, update.text
    return [int(link["id"]) for link in update.json()["evidence"]]


async def assessment_links(client: httpx.AsyncClient, focal: Headers, sec: Headers, count: int) -> list[int]:
    url = f"/api/organizations/{await org_id('NRA')}/submissions/{OPEN}/assessments"
    items = (await client.get(url, headers=focal)).json()
    items = items["items"] if isinstance(items, dict) else items
    version = next(a for a in items if a["area"] == "budget")["version"]
    # An assessment keeps one link per address: these differ by theirs only.
    links = [{**LINK, "url": f"{LINK['url']}?copy={n}"} for n in range(count)]
    body = {"self_level": 4, "evidence": links, "version": version}
    saved = await client.put(f"{url}/budget", json=body, headers=focal)
    assert saved.status_code == 200, saved.text
    return [int(link["id"]) for link in saved.json()["evidence"]]


async def answers(client: httpx.AsyncClient, focal: Headers, sec: Headers, count: int) -> list[int]:
    nra, ids = await org_id("NRA"), []
    for _ in range(count):
        created = await client.post(
            "/api/donor-expectations",
            json={"text": "Publish a CoP action plan", "area": "policy"},
            headers=sec,
        )
        assert created.status_code == 201, created.text
        ids.append(int(created.json()["id"]))
        answer = {"answer": "met", "note": "Adopted in March.", "note_visibility": "internal", "evidence": []}
        url = f"/api/organizations/{nra}/expectation-answers/{OPEN}/{ids[-1]}"
        assert (await client.put(url, json=answer, headers=focal)).status_code == 200
    return ids


ANSWER_PAGE = "/admin/expectations/answers/{org}/{cycle}/{id}"
ANSWER_API = "/api/organizations/{org}/expectation-answers/{cycle}/{id}/review"
Prepare = Callable[[httpx.AsyncClient, Headers, Headers, int], Awaitable[list[int]]]
# decision: (the items, the rule of the email, the routes that take it: page or API, path, body)
DECISIONS: dict[str, tuple[Prepare, str, list[tuple[str, str, dict[str, str]]]]] = {
    "update link verified": (
        update_links,
        "evidence_verified",
        [
            ("page", "/admin/evidence/{id}/verify", {}),
            ("api", "/api/evidence/{id}/decision", {"decision": "verify"}),
            ("api", "/api/evidence/{id}/verify", {}),
        ],
    ),
    "update link rejected": (
        update_links,
        "evidence_rejected",
        [
            ("page", "/admin/evidence/{id}/reject", {"reason": REASON}),
            ("api", "/api/evidence/{id}/decision", {"decision": "reject", "reason": REASON}),
        ],
    ),
    "assessment link verified": (
        assessment_links,
        "evidence_verified",
        [
            ("page", "/admin/evidence/assessment/{id}/decision", {"decision": "verify"}),
            ("api", "/api/assessment-evidence/{id}/decision", {"decision": "verify"}),
        ],
    ),
    "assessment link rejected": (
        assessment_links,
        "evidence_rejected",
        [
            ("page", "/admin/evidence/assessment/{id}/decision", {"decision": "reject", "reason": REASON}),
            ("api", "/api/assessment-evidence/{id}/decision", {"decision": "reject", "reason": REASON}),
        ],
    ),
    "answer confirmed": (
        answers,
        "expectation_confirmed",
        [("page", ANSWER_PAGE, {"decision": "confirm"}), ("api", ANSWER_API, {"decision": "confirm"})],
    ),
    "answer questioned": (
        answers,
        "expectation_questioned",
        [
            ("page", ANSWER_PAGE, {"decision": "question", "question": QUESTION}),
            ("api", ANSWER_API, {"decision": "question", "question": QUESTION}),
        ],
    ),
}


async def last_id(table: str) -> int:
    return int((await fetch(f"SELECT COALESCE(MAX(id), 0) AS n FROM {table}"))[0]["n"])


def unnamed(value: Any) -> Any:
    """A row without what differs between identical items: ids, moments and addresses."""
    if not isinstance(value, dict):
        return value
    return {k: v for k, v in value.items() if k not in ("id", "url") and not k.endswith("_at")}


async def taken(route: tuple[str, str, Headers], item: int, sec: Headers, client: httpx.AsyncClient) -> Any:
    """Take the decision on `item` through `route`: what it queued and what it recorded."""
    where, path, body = route
    path = path.format(id=item, org=await org_id("NRA"), cycle=OPEN)
    mails, audits = await last_id("reminder"), await last_id("audit_event")
    if where == "page":
        answer = await Visitor(client, sec).post(path, body)
        said = flash_of(answer)
    else:
        answer = await client.post(path, json=body, headers=sec)
        said = answer.text
    assert answer.status_code in (200, 201, 303), said
    queued = await fetch(
        "SELECT rule, recipient_email, organization, link, context, batch, digest, status FROM reminder "
        "WHERE id > {} ORDER BY recipient_email",
        mails,
    )
    assert queued, f"{path} queued no email ({said})"
    recorded = await fetch(
        "SELECT actor, action, entity, entity_id, before, after FROM audit_event WHERE id > {}", audits
    )
    named = (str(item), f"{await org_id('NRA')}:{OPEN}:{item}")
    return (
        [
            {
                **r,
                "link": r["link"].replace(f"#expectation-{item}", "#expectation-ITEM"),
                "context": json.loads(r["context"]),
            }
            for r in queued
        ],
        [
            {
                **r,
                "entity_id": "ITEM" if r["entity_id"] in named else r["entity_id"],
                "before": unnamed(_json(r["before"])),
                "after": unnamed(_json(r["after"])),
            }
            for r in recorded
        ],
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@pytest.mark.parametrize("decision", DECISIONS)
async def test_a_decision_from_the_page_or_the_api_queues_the_same_one_email(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, decision: str
) -> None:
    prepare, rule, routes = DECISIONS[decision]
    focal, sec = await sign_in(FOCAL_NRA), await sign_in(SECRETARIAT)
    items = await prepare(client, focal, sec, len(routes))
    results = [await taken(route, item, sec, client) for route, item in zip(routes, items, strict=True)]
    mails, audits = results[0]
    assert [m["recipient_email"] for m in mails] == await holders(await org_id("NRA"), "focal_point")
    assert {m["rule"] for m in mails} == {rule}
    assert len(audits) == 1
    for route, result in zip(routes[1:], results[1:], strict=True):
        assert result == results[0], f"{route[1]} differs from {routes[0][1]}"


# The routes through which the secretariat decides on evidence or an answer.
DECIDING = re.compile(r"/(verify|reject|decision|review)$|^/admin/expectations/answers/")


def test_every_decision_route_is_compared(app: Litestar) -> None:
    def shape(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path)

    deciding = {
        shape(route.path_format)
        for route in app.routes
        if isinstance(route, HTTPRoute) and "POST" in route.methods and DECIDING.search(route.path_format)
    }
    compared = {shape(path) for _, _, routes in DECISIONS.values() for _, path, _ in routes}
    assert deciding == compared
