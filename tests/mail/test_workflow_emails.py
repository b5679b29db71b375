"""Workflow emails: each transition of a report, and each evidence decision, queues its email in the
transition's own transaction and delivers exactly one email to exactly the people who act next."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from models.engine import fetch
from models.settings import Settings
from reminders.sender import deliver_due
from tests.api.support import CHAMPION_NRA, FOCAL_NRA, SECRETARIAT, org_id

OPEN = "2026-H2"


@pytest.fixture
def mail_app(mail_settings: Settings) -> Litestar:
    from api.app import create_app

    return create_app(mail_settings)


@pytest.fixture
async def mail_client(mail_app: Litestar, db: str) -> Any:
    transport = httpx.ASGITransport(app=mail_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def holders(org: int, *roles: str) -> list[str]:
    marks = ", ".join("{}" for _ in roles)
    rows = await fetch(
        "SELECT DISTINCT p.email FROM role_assignment r JOIN person p ON p.id = r.person "
        f"WHERE r.organization = {{}} AND r.role IN ({marks}) AND p.active",
        org,
        *roles,
    )
    return sorted(r["email"] for r in rows)


async def delivered(settings: Settings, smtp_server: Any, rule: str) -> list[Any]:
    """Send what is queued; the messages of `rule` the server received in this run."""
    before = len(smtp_server.messages)
    await deliver_due(settings)
    rows = await fetch("SELECT message_id FROM reminder WHERE rule = {} AND status = 'sent'", rule)
    ids = {r["message_id"] for r in rows}
    return [m for m in smtp_server.messages[before:] if m.message["Message-ID"] in ids]


async def test_each_report_transition_emails_exactly_the_people_who_act_next(
    mail_client: httpx.AsyncClient, mail_settings: Settings, smtp_server: Any, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    focal, champion, sec = await sign_in(FOCAL_NRA), await sign_in(CHAMPION_NRA), await sign_in(SECRETARIAT)
    base = f"/api/organizations/{nra}/submissions/{OPEN}"
    champions, focal_points = await holders(nra, "champion"), await holders(nra, "focal_point")
    everyone = await holders(nra, "champion", "focal_point")

    async def step(action: str, rule: str, to: list[str], headers: dict[str, str], **body: Any) -> list[Any]:
        before = len(smtp_server.messages)
        answer = await mail_client.post(f"{base}/{action}", headers=headers, **body)
        assert answer.status_code == 201, answer.text
        mails = await delivered(mail_settings, smtp_server, rule)
        assert sorted(addr for m in mails for addr in m.rcpt_tos) == to
        assert len(smtp_server.messages) - before == len(to)  # nothing else went out
        return mails

    submitted = await step("submit", "report_submitted", champions, focal)
    assert f"/organizations/{nra}/submissions/{OPEN}" in submitted[0].text
    comment = "Attach the adopted budget line, not the draft."
    returned = await step("return", "report_returned", focal_points, champion, json={"comment": comment})
    assert all(comment in m.text and comment in m.html for m in returned)
    await step("submit", "report_submitted", champions, focal)  # a second submission: a fresh email
    assert len(await fetch("SELECT id FROM reminder WHERE rule = 'report_submitted'")) == 2 * len(champions)
    await step("approve", "report_approved", focal_points, champion)
    published = await step("publish", "report_published", everyone, sec, json={"publish_early": True})
    assert all(f"/organizations/{nra}/scorecards/{OPEN}" in m.text for m in published)


async def test_a_refused_transition_queues_no_email(
    mail_client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    champion = await sign_in(CHAMPION_NRA)
    base = f"/api/organizations/{nra}/submissions/{OPEN}"
    refused = await mail_client.post(f"{base}/return", json={"comment": " "}, headers=champion)
    assert refused.status_code in (400, 409)
    assert (await mail_client.post(f"{base}/approve", headers=champion)).status_code == 409
    assert await fetch("SELECT id FROM reminder WHERE rule LIKE 'report_%'") == []


async def test_an_evidence_decision_tells_the_focal_points_once(
    mail_client: httpx.AsyncClient, mail_settings: Settings, smtp_server: Any, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    focal, sec = await sign_in(FOCAL_NRA), await sign_in(SECRETARIAT)
    url = f"/api/organizations/{nra}/submissions/{OPEN}/assessments"
    items = (await mail_client.get(url, headers=focal)).json()
    items = items["items"] if isinstance(items, dict) else items
    version = next(a for a in items if a["area"] == "budget")["version"]
    body = {"self_level": 4, "evidence": [{"url": "https://nra.example.org/b.pdf", "title": "Budget"}]}
    saved = await mail_client.put(f"{url}/budget", json={**body, "version": version}, headers=focal)
    assert saved.status_code == 200, saved.text
    decision = f"/api/assessment-evidence/{saved.json()['evidence'][0]['id']}/decision"
    focal_points = await holders(nra, "focal_point")

    verified = await mail_client.post(decision, json={"decision": "verify"}, headers=sec)
    assert verified.status_code == 201, verified.text
    mails = await delivered(mail_settings, smtp_server, "evidence_verified")
    assert sorted(a for m in mails for a in m.rcpt_tos) == focal_points
    reason = "The document is a draft, not the adopted budget."
    rejected = await mail_client.post(decision, json={"decision": "reject", "reason": reason}, headers=sec)
    assert rejected.status_code == 201
    mails = await delivered(mail_settings, smtp_server, "evidence_rejected")
    assert sorted(a for m in mails for a in m.rcpt_tos) == focal_points
    assert all(reason in m.text for m in mails)
    assert len(smtp_server.messages) == 2 * len(focal_points)


async def test_an_expectation_answer_decision_tells_the_focal_points_once_with_the_question(
    mail_client: httpx.AsyncClient, mail_settings: Settings, smtp_server: Any, demo: Any, sign_in: Any
) -> None:
    nra = await org_id("NRA")
    focal, sec = await sign_in(FOCAL_NRA), await sign_in(SECRETARIAT)
    created = await mail_client.post(
        "/api/donor-expectations", json={"text": "Publish a CoP action plan", "area": "policy"}, headers=sec
    )
    assert created.status_code == 201, created.text
    expectation = created.json()["id"]
    url = f"/api/organizations/{nra}/expectation-answers/{OPEN}/{expectation}"
    note = "INTERNAL-NOTE-7731 the plan is still a draft"
    answered = await mail_client.put(
        url,
        json={"answer": "met", "note": note, "note_visibility": "internal", "evidence": []},
        headers=focal,
    )
    assert answered.status_code == 200, answered.text
    focal_points = await holders(nra, "focal_point")

    question = "Which board adopted the plan, and when?"
    asked = await mail_client.post(
        f"{url}/review", json={"decision": "question", "question": question}, headers=sec
    )
    assert asked.status_code == 200, asked.text
    mails = await delivered(mail_settings, smtp_server, "expectation_questioned")
    assert sorted(a for m in mails for a in m.rcpt_tos) == focal_points
    assert all(question in m.text and question in m.html for m in mails)
    assert all(f"/organizations/{nra}/expectations/{OPEN}#expectation-{expectation}" in m.text for m in mails)
    confirmed = await mail_client.post(f"{url}/review", json={"decision": "confirm"}, headers=sec)
    assert confirmed.status_code == 200
    mails = await delivered(mail_settings, smtp_server, "expectation_confirmed")
    assert sorted(a for m in mails for a in m.rcpt_tos) == focal_points
    assert len(smtp_server.messages) == 2 * len(focal_points)
    assert not [m for m in smtp_server.messages if "INTERNAL-NOTE-7731" in m.raw.decode("utf-8", "replace")]
    # Each decision is one email per person: delivering again sends nothing more.
    await deliver_due(mail_settings)
    assert len(smtp_server.messages) == 2 * len(focal_points)
