"""Invitations and password reset (docs/design.md "Invitations and password reset"), delivered
through a real SMTP conversation (aiosmtpd): single-use links stored hashed, a 7-day invitation and
a one-hour reset, a reset that ends every session, answers that say nothing about who has an
account, and throttled requests."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from typing import Any

import httpx

from models.engine import fetch
from models.services.sessions import hash_secret
from models.settings import Settings
from reminders import account_emails
from reminders.sender import deliver_due
from tests.api.support import FOCAL_NRA, SECRETARIAT, org_id
from tests.conftest import DEMO_PASSWORD

LINK = re.compile(r"http://testserver(/(?:invitation|password-reset/set)/[A-Za-z0-9_-]+)")
NEW_PASSWORD = "a-brand-new-password"


def travel(time_machine: Any, delta: dt.timedelta) -> None:
    time_machine.move_to(dt.datetime.now(dt.UTC) + delta, tick=True)


def link_in(mail: Any) -> str:
    (path,) = set(LINK.findall(mail.text))
    assert f"http://testserver{path}" in mail.html
    return path


async def invite(
    client: httpx.AsyncClient, secretariat: dict[str, str], email: str = "nadia@example.org"
) -> dict[str, Any]:
    """The secretariat adds a focal point of NRA without a password: an invitation is queued."""
    answer = await client.post(
        "/api/people",
        json={
            "email": email,
            "name": "Nadia Focal",
            "role": "focal_point",
            "organization_id": await org_id("NRA"),
        },
        headers=secretariat,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_an_invitee_cannot_log_in_until_they_set_a_password_from_the_single_use_link(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, mail_settings: Settings, smtp_server: Any
) -> None:
    person = await invite(client, await sign_in(SECRETARIAT))
    assert person["invitation"] == "pending"
    refused = await client.post(
        "/api/auth/login", json={"email": "nadia@example.org", "password": "anything at all"}
    )
    assert refused.status_code == 400
    login_page = await client.get("/login")
    assert "invitation email" in login_page.text and 'href="/password-reset"' in login_page.text

    await deliver_due(mail_settings)
    (mail,) = smtp_server.to("nadia@example.org")
    assert "List-Unsubscribe" not in mail.message
    path = link_in(mail)
    token = path.rsplit("/", 1)[1]
    # Only the hash is kept: not in the token table, not in the outbox, not in the copy of what was sent.
    (stored,) = await fetch("SELECT token_hash, purpose, expires_at FROM account_token")
    assert stored["token_hash"] == hash_secret(token) and stored["purpose"] == "invitation"
    assert (
        dt.timedelta(days=6, hours=23)
        < stored["expires_at"] - dt.datetime.now(dt.UTC)
        <= dt.timedelta(days=7)
    )
    for row in await fetch(
        "SELECT link, context, body_text, body_html FROM reminder WHERE rule = 'invitation'"
    ):
        assert token not in " ".join(str(v) for v in row.values())

    page = await client.get(path)
    assert page.status_code == 200 and "nadia@example.org" in page.text
    short = await client.post(path, data={"password": "short", "password_again": "short"})
    assert short.status_code == 400
    differ = await client.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"})
    assert differ.status_code == 400 and 'id="error-password_again"' in differ.text
    accepted = await client.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/"
    assert "cop_session" in accepted.headers.get("set-cookie", "")
    client.cookies.clear()

    again = await client.post(
        path, data={"password": "another-password", "password_again": "another-password"}
    )
    assert again.status_code == 404
    assert (await client.get(path)).status_code == 404
    api_again = await client.post(
        "/api/auth/invitation", json={"token": token, "password": "another-password"}
    )
    assert api_again.status_code == 404
    signed = await client.post(
        "/api/auth/login", json={"email": "nadia@example.org", "password": NEW_PASSWORD}
    )
    assert signed.status_code == 200
    person_now = await client.get(f"/api/people/{person['id']}", headers=await sign_in(SECRETARIAT))
    assert person_now.json()["invitation"] is None
    resent = await client.post(f"/api/people/{person['id']}/invitation", headers=await sign_in(SECRETARIAT))
    assert resent.status_code == 409


async def test_an_invitation_expires_after_7_days_and_the_secretariat_sends_it_again(
    client: httpx.AsyncClient,
    demo: Any,
    sign_in: Any,
    mail_settings: Settings,
    smtp_server: Any,
    time_machine: Any,
) -> None:
    person = await invite(client, await sign_in(SECRETARIAT))
    await deliver_due(mail_settings)
    old_path = link_in(smtp_server.to("nadia@example.org")[0])
    travel(time_machine, dt.timedelta(days=7, minutes=1))
    assert (await client.get(old_path)).status_code == 404
    secretariat = await sign_in(SECRETARIAT)
    listed = await client.get("/admin/people?q=nadia", headers=secretariat)
    assert (
        "invitation expired" in listed.text
        and f'action="/admin/people/{person["id"]}/invitation"' in listed.text
    )
    resent = await client.post(f"/admin/people/{person['id']}/invitation", headers=secretariat)
    assert resent.status_code == 303
    await deliver_due(mail_settings)
    mails = smtp_server.to("nadia@example.org")
    assert len(mails) == 2
    new_path = link_in(mails[1])
    assert new_path != old_path
    taken = await client.post(
        "/api/auth/invitation", json={"token": new_path.rsplit("/", 1)[1], "password": NEW_PASSWORD}
    )
    assert taken.status_code == 200 and taken.json()["email"] == "nadia@example.org"


async def test_user_add_still_sets_a_password_directly_for_scripts(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    answer = await client.post(
        "/api/people",
        json={"email": "script@example.org", "name": "Scripted", "password": NEW_PASSWORD},
        headers=await sign_in(SECRETARIAT),
    )
    assert answer.status_code == 201 and answer.json()["invitation"] is None
    assert not await fetch("SELECT id FROM reminder WHERE rule = 'invitation'")
    login = await client.post(
        "/api/auth/login", json={"email": "script@example.org", "password": NEW_PASSWORD}
    )
    assert login.status_code == 200


async def test_a_reset_says_the_same_for_any_address_and_its_link_works_once_within_an_hour(
    client: httpx.AsyncClient,
    demo: Any,
    sign_in: Any,
    mail_settings: Settings,
    smtp_server: Any,
    time_machine: Any,
) -> None:
    session = await sign_in(FOCAL_NRA)
    known = await client.post("/api/auth/password-reset", json={"email": FOCAL_NRA.upper()})
    unknown = await client.post("/api/auth/password-reset", json={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    page_known = await client.post("/password-reset", data={"email": FOCAL_NRA})
    page_unknown = await client.post("/password-reset", data={"email": "nobody@example.org"})
    assert page_known.status_code == page_unknown.status_code == 200
    assert page_known.text.split("<main")[1] == page_unknown.text.split("<main")[1]
    await deliver_due(mail_settings)
    assert smtp_server.to("nobody@example.org") == []
    first, second = smtp_server.to(FOCAL_NRA)
    path = link_in(first)
    token = path.rsplit("/", 1)[1]
    assert await fetch(
        "SELECT id FROM account_token WHERE token_hash = {} AND purpose = 'reset'", hash_secret(token)
    )
    assert not await fetch("SELECT id FROM reminder WHERE body_text LIKE {}", f"%{token}%")

    travel(time_machine, dt.timedelta(minutes=61))
    assert (await client.get(path)).status_code == 404
    travel(time_machine, dt.timedelta(minutes=-61))
    assert (await client.get(path)).status_code == 200
    done = await client.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    # Every session of the person ended, and every other reset link of theirs is spent.
    assert (await client.get("/api/auth/me", headers=session)).status_code == 401
    assert (await client.get(link_in(second))).status_code == 404
    confirm = await client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "x" * 12}
    )
    assert confirm.status_code == 404
    old = await client.post("/api/auth/login", json={"email": FOCAL_NRA, "password": DEMO_PASSWORD})
    assert old.status_code == 400
    new = await client.post("/api/auth/login", json={"email": FOCAL_NRA, "password": NEW_PASSWORD})
    assert new.status_code == 200


async def test_reset_requests_are_throttled_per_address_and_per_network(
    client: httpx.AsyncClient, demo: Any, mail_settings: Settings, smtp_server: Any
) -> None:
    for _ in range(account_emails.RESETS_PER_ADDRESS + 2):
        answer = await client.post("/api/auth/password-reset", json={"email": FOCAL_NRA})
        assert answer.status_code == 202
    await deliver_due(mail_settings)
    assert len(smtp_server.to(FOCAL_NRA)) == account_emails.RESETS_PER_ADDRESS
    for n in range(account_emails.RESETS_PER_NETWORK - account_emails.RESETS_PER_ADDRESS - 2):
        answer = await client.post("/api/auth/password-reset", json={"email": f"someone{n}@example.org"})
        assert answer.status_code == 202
    refused = await client.post("/api/auth/password-reset", json={"email": "one-more@example.org"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    page = await client.post("/password-reset", data={"email": "one-more@example.org"})
    assert page.status_code == 429 and "try again in" in page.text


async def test_the_new_routes_are_in_the_openapi_schema_with_their_refusals(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert set(paths["/api/auth/password-reset"]["post"]["responses"]) >= {"202", "400", "429"}
    assert set(paths["/api/auth/password-reset/confirm"]["post"]["responses"]) >= {"200", "400", "404"}
    assert set(paths["/api/auth/invitation"]["post"]["responses"]) >= {"200", "400", "404"}
    assert set(paths["/api/people/{person_id}/invitation"]["post"]["responses"]) >= {"202", "404", "409"}


async def test_a_reset_request_takes_about_as_long_for_an_unknown_address(
    client: httpx.AsyncClient, demo: Any
) -> None:
    known = [r["email"] for r in await fetch("SELECT email FROM person WHERE active ORDER BY id LIMIT 7")]

    async def took(email: str) -> float:
        start = time.perf_counter()
        answer = await client.post("/api/auth/password-reset", json={"email": email})
        assert answer.status_code == 202
        return time.perf_counter() - start

    await took("warm-up@example.org")
    for_known = statistics.median([await took(email) for email in known])
    for_unknown = statistics.median([await took(f"nobody{n}@example.org") for n in range(7)])
    # Both record the request; a known address queues one row more. Generous bounds: a shared machine.
    print(f"\nreset request median: known {for_known * 1000:.1f} ms, unknown {for_unknown * 1000:.1f} ms")
    assert 1 / 3 < for_known / for_unknown < 3, (for_known, for_unknown)
