"""Every link in every email works: each rule's email, rendered from the demo's outbox, is followed
as its recipient (signed in); each page answers 200 and holds the #anchor the link points to."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from models.engine import fetch
from models.settings import Settings
from reminders.account_emails import ACCOUNT_RULES, link_for_sending
from reminders.check import run_check
from reminders.emails import EmailRenderer
from tests.api.support import CHAMPION_NRA, CHAMPION_USP, FOCAL_NRA, SECRETARIAT, org_id
from tests.conftest import TODAY
from tests.mail.test_invitations_and_reset import invite

HREF = re.compile(r'href="([^"]+)"')


async def account_links_and_decisions(client: httpx.AsyncClient, sec: dict[str, str], nra: int) -> None:
    """An invitation, a password reset, and a questioned then a confirmed expectation answer."""
    await invite(client, sec, "invitee@example.org")
    assert (await client.post("/api/auth/password-reset", json={"email": FOCAL_NRA})).status_code == 202
    for index, decision in enumerate(("question", "confirm")):
        created = await client.post(
            "/api/donor-expectations", json={"text": f"Expectation {index}"}, headers=sec
        )
        url = f"/api/organizations/{nra}/expectation-answers/2026-H2/{created.json()['id']}"
        assert (await client.put(url, json={"answer": "met", "evidence": []}, headers=sec)).status_code == 200
        body = {"decision": decision, "question": "Which board adopted it?"}
        assert (await client.post(f"{url}/review", json=body, headers=sec)).status_code == 200


async def test_every_link_of_every_email_opens_a_page_with_its_anchor(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, settings: Settings
) -> None:
    nra, usp = await org_id("NRA"), await org_id("USP")
    base = "/api/organizations/{}/submissions/2026-H2/{}"
    focal, champion, sec = await sign_in(FOCAL_NRA), await sign_in(CHAMPION_NRA), await sign_in(SECRETARIAT)
    assert (await client.post(base.format(nra, "submit"), headers=focal)).status_code == 201
    returned = await client.post(base.format(nra, "return"), json={"comment": "More."}, headers=champion)
    assert returned.status_code == 201, returned.text
    approved = await client.post(base.format(usp, "approve"), headers=await sign_in(CHAMPION_USP))
    assert approved.status_code == 201, approved.text
    assert (
        await client.post(base.format(usp, "publish"), headers=sec, json={"publish_early": True})
    ).status_code == 201
    await account_links_and_decisions(client, sec, nra)
    await run_check(settings, day=TODAY)

    rows = await fetch(
        "SELECT r.rule, r.context, r.link, r.recipient, p.email, p.name FROM reminder r JOIN person p ON p.id = r.recipient "
        "WHERE r.status <> 'digested' ORDER BY r.id"
    )
    one_per_rule: dict[str, dict[str, Any]] = {}
    for row in rows:
        one_per_rule.setdefault(row["rule"], row)
    assert set(one_per_rule) >= {
        "daily_digest",
        "urgent_digest",
        "report_submitted",
        "report_returned",
        "report_approved",
        "report_published",
        "invitation",
        "password_reset",
        "expectation_questioned",
        "expectation_confirmed",
    }
    listed = {r["rule"] for r in await fetch("SELECT DISTINCT rule FROM reminder WHERE status = 'digested'")}
    assert listed >= {"milestone_due_soon", "milestone_overdue"}

    renderer = EmailRenderer(settings.base_url)
    pages: dict[tuple[str, str], str] = {}
    followed = 0
    for rule, row in sorted(one_per_rule.items()):
        # An invitation or a reset gets its token as it is sent, and is opened signed out.
        link = await link_for_sending(row)
        email = renderer.render(rule, row["context"], link, row["name"])
        links = set(HREF.findall(email.html)) | set(re.findall(r"https?://\S+", email.text))
        assert links, rule
        headers = {} if rule in ACCOUNT_RULES else await sign_in(row["email"])
        for link in sorted(links):
            parts = urlsplit(link.replace("&amp;", "&"))
            assert f"{parts.scheme}://{parts.netloc}" == settings.base_url, (rule, link)
            key = (row["email"] if headers else "", parts.path)
            if key not in pages:
                answer = await client.get(
                    parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
                )
                assert answer.status_code == 200, (rule, link, answer.status_code)
                pages[key] = answer.text
            if parts.fragment:
                assert f'id="{parts.fragment}"' in pages[key], (rule, link)
            followed += 1
    print(f"\nfollowed {followed} links of {len(one_per_rule)} rules, {len(pages)} pages")
