"""The marker test: a unique string planted in every internal field of one organization never
reaches a donor, a peer of another organization, a peer reviewer or an anonymous visitor, through
any GET route of the app (API, pages, exports, the schema), error answers included.

Every registered GET route is crawled; a route whose path parameter this test has no values for
fails the test, so a new route cannot slip past it.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from typing import Any

import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute

from models.caller import SYSTEM
from models.engine import fetch
from models.services import expectation_answers, practice, submission_comments, submissions, updates
from models.services.sessions import caller_for_person
from models.tables import Comment
from scorecards import publishing
from tests.api.support import CHAMPION_NRA, DONOR, FOCAL_NRA, FOCAL_USP, REVIEWER_OF_NRA, org_id
from tests.evidence_samples import pdf

MARKER = "ZQX-CONFIDENTIAL-7731"
AUDIENCES = ("internal", "peer", "donor")


async def person_id(email: str) -> int:
    return int((await fetch("SELECT id FROM person WHERE email = {}", email))[0]["id"])


async def plant_markers(nra: int) -> dict[str, list[Any]]:
    """Put MARKER in every internal field of NRA, then publish NRA's open cycle."""
    await fetch(
        "UPDATE commitment SET description = description || {} "
        "WHERE organization = {} AND description_visibility = 'internal'",
        f" {MARKER} description",
        nra,
    )
    commitments = [
        int(r["id"])
        for r in await fetch("SELECT id FROM commitment WHERE organization = {} ORDER BY id", nra)
    ]
    milestone = await fetch("SELECT id FROM milestone WHERE commitment = {} ORDER BY id", commitments[0])
    await fetch(
        "UPDATE milestone SET status = 'dropped', drop_reason = {} WHERE id = {}",
        f"{MARKER} drop reason",
        milestone[0]["id"],
    )
    internal_link = {
        "url": f"https://nra.example.org/{MARKER}",
        "title": f"{MARKER} title",
        "visibility": "internal",
    }
    planted = []
    for visibility in ("internal", "peer", "donor", "public"):
        narrative = f"{MARKER} narrative" if visibility == "internal" else f"shared {visibility} narrative"
        created = await updates.create_update(
            SYSTEM,
            commitments[0],
            {
                "narrative": narrative,
                "visibility": visibility,
                "self_level": 3,
                "evidence": [internal_link],
                # An internal file: its name and its content carry the marker.
                "files": [{"name": f"{MARKER} minutes.pdf", "data": pdf(f"{MARKER} file content")}],
            },
        )
        planted.append(created["id"])
    submission_cycle = await fetch("SELECT id FROM cycle ORDER BY period_start")
    await Comment(
        organization=nra,
        cycle=submission_cycle[0]["id"],
        kind="champion",
        body=f"{MARKER} comment",
        visibility="internal",
    ).save()
    focal = await caller_for_person(await person_id(FOCAL_NRA))
    champion = await caller_for_person(await person_id(CHAMPION_NRA))
    expectation = (await fetch("SELECT MIN(id) AS id FROM donor_expectation WHERE active = {}", True))[0]
    await expectation_answers.save_answer(
        focal,
        nra,
        "2026-H2",
        int(expectation["id"]),
        {
            "answer": "met",
            "note": f"{MARKER} answer note",
            "evidence": [internal_link],
            # An answer file follows the internal note: its name and content carry the marker.
            "files": [{"name": f"{MARKER} answer.pdf", "data": pdf(f"{MARKER} answer file content")}],
        },
        0,
    )
    await expectation_answers.review_answer(SYSTEM, nra, "2026-H2", int(expectation["id"]), "confirm")
    # An internal practice note, offered in an area where NRA is strong.
    await practice.add_note(
        focal,
        nra,
        {
            "area": "policy",
            "what_worked": f"{MARKER} practice note",
            "contact": f"{MARKER} contact",
            "documents": [f"https://nra.example.org/{MARKER}/practice"],
            "visibility": "internal",
        },
    )
    await submission_comments.add_submission_comment(focal, nra, "2026-H2", f"{MARKER} focal question")
    await submissions.submit(focal, nra, "2026-H2", f"{MARKER} cover note")
    await submission_comments.add_submission_comment(champion, nra, "2026-H2", f"{MARKER} sign-off note")
    await submissions.approve(champion, nra, "2026-H2", f"{MARKER} approval comment")
    await publishing.publish(SYSTEM, nra, "2026-H2", early=True)
    return {"commitments": commitments, "updates": planted, "milestones": [milestone[0]["id"]]}


async def parameter_values(nra: int, planted: dict[str, list[Any]]) -> dict[str, list[Any]]:
    usp = await org_id("USP")
    evidence = await fetch(
        "SELECT e.id AS id FROM evidence e JOIN progress_update u ON u.id = e.progress_update "
        "JOIN commitment c ON c.id = u.commitment WHERE c.organization = {} ORDER BY e.id DESC LIMIT 8",
        nra,
    )
    answer_files = await fetch("SELECT id FROM expectation_answer_file ORDER BY id")
    people = await fetch("SELECT person FROM role_assignment WHERE organization = {}", nra)
    cycles = [r["name"] for r in await fetch("SELECT name FROM cycle ORDER BY name")]
    return {
        "org_id": [nra, usp, 999_999],
        "commitment_id": [*planted["commitments"][:3], 999_999],
        "milestone_id": planted["milestones"],
        "update_id": planted["updates"],
        "evidence_id": [int(r["id"]) for r in evidence],
        "file_id": [int(r["id"]) for r in answer_files],
        "cycle": cycles,
        "person_id": [int(r["person"]) for r in people],
        "role_id": [1],
        "token_id": [1],
        "token": ["1.milestone_due_soon.0"],  # an unsubscribe token (a wrong signature)
        "expectation_id": [1],
        "area_key": ["policy"],
        "round_id": [1, 999_999],
        "review_id": [1, 2, 999_999],
        "comment_id": [1],
        "file_path": ["app.css"],
        "path": ["openapi.json"],
    }


def get_routes(app: Litestar) -> list[tuple[str, set[str]]]:
    """(path template, names of the handler's parameters) of every GET route."""
    found = []
    for route in app.routes:
        if isinstance(route, HTTPRoute) and "GET" in route.methods:
            handler = route.route_handler_map["GET"][0]
            names = set(handler.parsed_fn_signature.parameters)
            found.append((route.path_format, names))
        elif not isinstance(route, HTTPRoute):
            found.append((route.path_format, set()))
    return found


def urls_for(template: str, handler_params: set[str], values: dict[str, list[Any]]) -> list[str]:
    names = [part[1:-1] for part in template.split("/") if part.startswith("{")]
    missing = [name for name in names if name not in values]
    assert not missing, f"the marker test needs values for {missing} (route {template})"
    urls = []
    for combo in itertools.product(*(values[name] for name in names)):
        url = template
        for name, value in zip(names, combo, strict=True):
            url = url.replace("{" + name + "}", str(value))
        urls.append(url)
    if "audience" in handler_params:
        urls = [f"{url}?audience={audience}" for url in urls for audience in AUDIENCES]
    return urls


def leaked_text(response: httpx.Response, pdf_sources: dict[bytes, str]) -> str:
    """Everything a reader could find in the answer: headers, body, every part of a workbook, and
    the words of a PDF (the HTML it was laid out from: see the `pdf_sources` fixture)."""
    body = response.content
    if body[:2] == b"PK":  # a spreadsheet: search inside the zip
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist())
    if body[:5] == b"%PDF-":
        assert body in pdf_sources, f"{response.url}: a PDF not made from HTML cannot be searched"
        return str(response.headers) + pdf_sources[body]
    return str(response.headers) + body.decode(errors="replace")


def leaked(response: httpx.Response, pdf_sources: dict[bytes, str]) -> bool:
    return MARKER in leaked_text(response, pdf_sources)


async def test_internal_text_never_reaches_donors_peers_or_strangers(
    app: Litestar, client: httpx.AsyncClient, demo, sign_in, pdf_sources: dict[bytes, str]
) -> None:
    nra = await org_id("NRA")
    planted = await plant_markers(nra)
    values = await parameter_values(nra, planted)
    callers = {
        "donor": await sign_in(DONOR),
        "focal point of another organization": await sign_in(FOCAL_USP),
        "peer reviewer": await sign_in(REVIEWER_OF_NRA),
        "anonymous": {},
    }
    # The marker is really there for the organization itself (the test can fail).
    own = await sign_in(FOCAL_NRA)
    own_view = await client.get(f"/api/commitments/{planted['commitments'][0]}/updates", headers=own)
    assert MARKER in own_view.text
    files = [e for u in own_view.json()["items"] for e in u["evidence"] if e["file_name"]]
    assert files and all(MARKER in e["file_name"] for e in files)
    own_file = await client.get(files[-1]["url"], headers=own)
    assert MARKER.encode() in own_file.content and MARKER in own_file.headers["content-disposition"]
    (answer_file,) = values["file_id"]
    own_answer_file = await client.get(f"/api/answer-files/{answer_file}/file", headers=own)
    assert MARKER.encode() in own_answer_file.content

    # A PDF is searched in its text: the organization's own brief prints the internal answer note.
    own_brief = await client.get(f"/api/organizations/{nra}/scorecards/2026-H2/brief.pdf", headers=own)
    assert own_brief.status_code == 200 and leaked(own_brief, pdf_sources)

    crawled, leaks, errors, pdfs = 0, [], [], 0
    for template, handler_params in get_routes(app):
        for url in urls_for(template, handler_params, values):
            for who, headers in callers.items():
                response = await client.get(url, headers=headers)
                crawled += 1
                pdfs += response.content[:5] == b"%PDF-"
                if response.status_code >= 500:
                    errors.append(f"{who} GET {url} ({response.status_code})")
                if leaked(response, pdf_sources):
                    leaks.append(f"{who} GET {url} ({response.status_code})")
    assert not leaks, "internal text reached: " + "; ".join(leaks)
    assert not errors, "server errors while crawling: " + "; ".join(errors)
    assert crawled > 200
    assert pdfs > 0  # briefs and cycle reports outsiders may read were searched too
