"""Every link in every email works: each rule's email, rendered from the demo's outbox, is followed
as its recipient (signed in); each page answers 200 and holds the #anchor the link points to."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from models.engine import fetch
from models.settings import Settings
from reminders.check import run_check
from reminders.emails import EmailRenderer
from tests.api.support import CHAMPION_NRA, CHAMPION_USP, FOCAL_NRA, SECRETARIAT, org_id
from tests.conftest import TODAY

HREF = re.compile(r'href="([^"]+)"')


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
    assert (await client.post(base.format(usp, "publish"), headers=sec)).status_code == 201
    await run_check(settings, day=TODAY)

    rows = await fetch(
        "SELECT r.rule, r.context, r.link, p.email, p.name FROM reminder r JOIN person p ON p.id = r.recipient "
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
    }
    listed = {r["rule"] for r in await fetch("SELECT DISTINCT rule FROM reminder WHERE status = 'digested'")}
    assert listed >= {"milestone_due_soon", "milestone_overdue"}

    renderer = EmailRenderer(settings.base_url)
    pages: dict[tuple[str, str], str] = {}
    followed = 0
    for rule, row in sorted(one_per_rule.items()):
        email = renderer.render(rule, row["context"], row["link"], row["name"])
        links = set(HREF.findall(email.html)) | set(re.findall(r"https?://\S+", email.text))
        assert links, rule
        headers = await sign_in(row["email"])
        for link in sorted(links):
            parts = urlsplit(link.replace("&amp;", "&"))
            assert f"{parts.scheme}://{parts.netloc}" == settings.base_url, (rule, link)
            key = (row["email"], parts.path)
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
