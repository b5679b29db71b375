"""Self-service account: one's own name, job title, email frequency and muted rules (API and page),
a password change that ends the other sessions, and the one-click unsubscribe of every email."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from models.engine import fetch
from models.settings import Settings
from reminders.check import run_check
from reminders.sender import deliver_due
from tests.api.support import FOCAL_NRA
from tests.conftest import DEMO_PASSWORD, TODAY
from tests.reminders import world


async def test_a_person_changes_their_own_account_and_may_not_mute_an_essential_rule(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    focal = await sign_in(FOCAL_NRA)
    me = (await client.get("/api/auth/me", headers=focal)).json()
    assert me["email_frequency"] == "daily" and "escalation" not in me["mutable_rules"]
    changed = await client.patch(
        "/api/auth/me",
        json={
            "job_title": "Protection adviser",
            "email_frequency": "weekly",
            "muted_rules": ["stale_commitment"],
        },
        headers=focal,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["job_title"], body["email_frequency"], body["muted_rules"]) == (
        "Protection adviser",
        "weekly",
        ["stale_commitment"],
    )
    essential = await client.patch("/api/auth/me", json={"muted_rules": ["escalation"]}, headers=focal)
    assert essential.status_code == 400 and "escalation" in essential.text
    wrong = await client.patch("/api/auth/me", json={"email_frequency": "hourly"}, headers=focal)
    assert wrong.status_code == 400
    assert (await client.patch("/api/auth/me", json={"email_frequency": "daily"})).status_code == 401

    page = await client.get("/account", headers=focal)
    assert page.status_code == 200
    assert "Protection adviser" in page.text and "cannot be turned off" in page.text


async def test_a_password_change_needs_the_current_one_and_ends_the_other_sessions(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    here, elsewhere = await sign_in(FOCAL_NRA), await sign_in(FOCAL_NRA)
    url = "/api/auth/me/password"
    wrong = await client.post(
        url, json={"current_password": "nope", "new_password": "a-long-new-one"}, headers=here
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "current_password"
    short = await client.post(
        url, json={"current_password": DEMO_PASSWORD, "new_password": "short"}, headers=here
    )
    assert short.status_code == 400
    done = await client.post(
        url, json={"current_password": DEMO_PASSWORD, "new_password": "a-long-new-one"}, headers=here
    )
    assert done.status_code == 200 and done.json()["sessions_ended"] >= 1
    assert (await client.get("/api/auth/me", headers=here)).status_code == 200
    assert (await client.get("/api/auth/me", headers=elsewhere)).status_code == 401
    old = await client.post("/api/auth/login", json={"email": FOCAL_NRA, "password": DEMO_PASSWORD})
    assert old.status_code == 400
    new = await client.post("/api/auth/login", json={"email": FOCAL_NRA, "password": "a-long-new-one"})
    assert new.status_code == 200


async def test_every_email_carries_one_click_unsubscribe_that_turns_off_only_that_rule(
    client: httpx.AsyncClient, db: str, mail_settings: Settings, smtp_server: Any
) -> None:
    org = await world.organization("UNS")
    commitment = await world.commitment(org)
    await world.milestone(commitment, TODAY + dt.timedelta(days=3))
    await world.milestone(commitment, TODAY - dt.timedelta(days=30), title="Long overdue")
    await run_check(mail_settings, day=TODAY)
    await deliver_due(mail_settings)
    assert smtp_server.messages
    for mail in smtp_server.messages:
        assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert str(mail.message["List-Unsubscribe"]).strip().startswith("<http://testserver/unsubscribe/")
        assert "http://testserver/account" in mail.text and "http://testserver/account" in mail.html
    (due,) = [m for m in smtp_server.to(org.focal_email) if "due" in m.message["Subject"].lower()][:1]
    url = str(due.message["List-Unsubscribe"]).strip().strip("<>").removeprefix("http://testserver")
    # The app's signing key is the test settings' one; the mail settings share it.
    clicked = await client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert clicked.status_code == 200
    (row,) = await fetch("SELECT muted_rules FROM person WHERE id = {}", org.focal)
    assert row["muted_rules"] == "milestone_due_soon"

    assert org.champion_email is not None
    (escalation,) = smtp_server.to(org.champion_email)
    url = str(escalation.message["List-Unsubscribe"]).strip().strip("<>").removeprefix("http://testserver")
    assert (await client.post(url, data={"List-Unsubscribe": "One-Click"})).status_code == 200
    (row,) = await fetch("SELECT muted_rules FROM person WHERE id = {}", org.champion)
    assert row["muted_rules"] == ""  # an escalation cannot be turned off
    forged = url.rsplit(".", 1)[0] + ".0000000000000000"
    assert (await client.post(forged, data={"List-Unsubscribe": "One-Click"})).status_code == 404

    # Muted, the rule is no longer queued for that person.
    await world.milestone(commitment, TODAY + dt.timedelta(days=14), title="Muted now")
    result = await run_check(mail_settings, day=TODAY)
    assert not [
        i for i in result.new if i.recipient.person_id == org.focal and i.rule == "milestone_due_soon"
    ]
