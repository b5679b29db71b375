"""Emails that cannot be turned against their readers: a name with line breaks never adds a header,
and a narrative, description, justification or comment never reaches an email (titles, dates, names
and links only; the champion's return comment goes to the organization's own focal points only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from models.engine import fetch
from models.settings import Settings
from reminders.check import run_check
from reminders.sender import deliver_due
from tests.api.support import CHAMPION_NRA, FOCAL_NRA, FOCAL_USP, SECRETARIAT, org_id
from tests.conftest import TODAY
from tests.evidence_samples import pdf
from tests.mail.test_invitations_and_reset import invite
from tests.mail.test_workflow_emails import mail_app, mail_client  # noqa: F401 - fixtures

MARKER = "CONFIDENTIAL-MAIL-MARKER-41d9"


async def test_no_confidential_text_and_no_injected_header_in_any_email(
    mail_client: httpx.AsyncClient,  # noqa: F811
    mail_settings: Settings,
    smtp_server: Any,
    demo: Any,
    sign_in: Any,
) -> None:
    nra, usp = await org_id("NRA"), await org_id("USP")
    # A focal point whose name tries to add a header, in the workflow emails that name them.
    await fetch(
        "UPDATE person SET name = {} WHERE email = {}",
        "Eve\r\nBcc: thief@evil.example\r\nX-Evil: 1",
        FOCAL_NRA,
    )
    # Confidential text everywhere an email could be tempted to quote it.
    await fetch("UPDATE commitment SET description = {} WHERE organization IN ({}, {})", MARKER, nra, usp)
    await fetch("UPDATE assessment SET justification = {}", MARKER)
    commitment = (await fetch("SELECT id FROM commitment WHERE organization = {} LIMIT 1", nra))[0]["id"]
    await fetch(
        "INSERT INTO progress_update (commitment, narrative, visibility, created_at) VALUES ({}, {}, 'internal', {})",
        commitment,
        MARKER,
        dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC),
    )
    base = "/api/organizations/{}/submissions/2026-H2/{}"
    focal, champion, sec = await sign_in(FOCAL_NRA), await sign_in(CHAMPION_NRA), await sign_in(SECRETARIAT)
    # An internal evidence file, its name and content confidential, rejected by the secretariat.
    update = (await fetch("SELECT MAX(id) AS id FROM progress_update WHERE commitment = {}", commitment))[0][
        "id"
    ]
    uploaded = await mail_client.post(
        f"/api/updates/{update}/files",
        files=[("file", (f"{MARKER}.pdf", pdf(MARKER), "application/pdf"))],
        data={"title": MARKER},
        headers=focal,
    )
    assert uploaded.status_code == 201, uploaded.text
    rejected = await mail_client.post(
        f"/api/evidence/{uploaded.json()[0]['id']}/decision",
        json={"decision": "reject", "reason": "Unreadable scan."},
        headers=sec,
    )
    assert rejected.status_code == 200, rejected.text
    posted = await mail_client.post(base.format(nra, "comments"), json={"body": MARKER}, headers=sec)
    assert posted.status_code in (200, 201), posted.text
    assert (await mail_client.post(base.format(nra, "submit"), headers=focal)).status_code == 201
    returned = await mail_client.post(
        base.format(nra, "return"), json={"comment": "Fix it."}, headers=champion
    )
    assert returned.status_code == 201
    await run_check(mail_settings, day=TODAY)
    await deliver_due(mail_settings)

    messages = smtp_server.messages
    assert len(messages) > 20
    for mail in messages:
        raw = mail.raw.decode("utf-8", "replace")
        assert MARKER not in raw and MARKER not in mail.text and MARKER not in mail.html
        assert mail.message["Bcc"] is None and mail.message["X-Evil"] is None
        assert "thief@evil.example" not in mail.rcpt_tos
    champions_mail = [m for m in messages if "waits for your sign-off" in str(m.message["Subject"])]
    assert champions_mail and all("Eve Bcc: thief@evil.example X-Evil: 1" in m.text for m in champions_mail)
    # The return comment reaches the organization's focal points, and nobody of another one.
    assert not [m for m in messages if FOCAL_USP in m.rcpt_tos and "Fix it." in m.text]
    assert [m for m in messages if "Unreadable scan." in m.text and FOCAL_NRA in m.rcpt_tos]


async def test_every_email_has_a_plain_text_and_an_html_part(
    demo: Any, mail_settings: Settings, smtp_server: Any
) -> None:
    await run_check(mail_settings, day=TODAY)
    await deliver_due(mail_settings)
    assert smtp_server.messages
    for mail in smtp_server.messages:
        assert mail.message.get_content_type() == "multipart/alternative"
        assert mail.text.strip() and "<html" in mail.html


async def test_invitation_reset_and_expectation_emails_carry_no_injected_header_and_no_marker(
    mail_client: httpx.AsyncClient,  # noqa: F811
    mail_settings: Settings,
    smtp_server: Any,
    demo: Any,
    sign_in: Any,
) -> None:
    nra = await org_id("NRA")
    sec, focal = await sign_in(SECRETARIAT), await sign_in(FOCAL_NRA)
    evil = "Eve\r\nBcc: thief@evil.example\r\nX-Evil: 1"
    await invite(mail_client, sec, "invitee@example.org")
    await fetch("UPDATE person SET name = {} WHERE email IN ({}, {})", evil, "invitee@example.org", FOCAL_NRA)
    assert (await mail_client.post("/api/auth/password-reset", json={"email": FOCAL_NRA})).status_code == 202
    created = await mail_client.post(
        "/api/donor-expectations", json={"text": "Publish a plan\r\nBcc: thief@evil.example"}, headers=sec
    )
    expectation = created.json()["id"]
    url = f"/api/organizations/{nra}/expectation-answers/2026-H2/{expectation}"
    answered = await mail_client.put(
        url,
        json={"answer": "met", "note": MARKER, "note_visibility": "internal", "evidence": []},
        headers=focal,
    )
    assert answered.status_code == 200, answered.text
    asked = await mail_client.post(
        f"{url}/review", json={"decision": "question", "question": "Which board?\r\nX-Evil: 1"}, headers=sec
    )
    assert asked.status_code == 200, asked.text
    await deliver_due(mail_settings)

    rules = {r["rule"] for r in await fetch("SELECT rule FROM reminder WHERE status = 'sent'")}
    assert rules >= {"invitation", "password_reset", "expectation_questioned"}
    for mail in smtp_server.messages:
        raw = mail.raw.decode("utf-8", "replace")
        assert MARKER not in raw
        assert mail.message["Bcc"] is None and mail.message["X-Evil"] is None
        assert "thief@evil.example" not in mail.rcpt_tos
        assert mail.message.get_content_type() == "multipart/alternative"
