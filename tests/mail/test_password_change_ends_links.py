"""Any password change ends every other open emailed link of the person (docs/design.md "Invitations
and password reset"): a password the secretariat sets, a reset completed, an invitation accepted, or
one's own change. A reset link sent before the change must not set the password again afterwards."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from models.engine import fetch
from models.services import account_tokens
from tests.api.support import FOCAL_NRA, SECRETARIAT
from tests.conftest import DEMO_PASSWORD

NEW_PASSWORD = "a-brand-new-password"


async def person_id(email: str) -> int:
    (row,) = await fetch("SELECT id FROM person WHERE email = {}", email)
    return int(row["id"])


async def open_links(pid: int) -> dict[str, str]:
    """One open invitation link and one open reset link of the person."""
    return {
        "invitation": await account_tokens.issue(pid, account_tokens.INVITATION),
        "reset": await account_tokens.issue(pid, account_tokens.RESET),
    }


async def still_open(links: dict[str, str]) -> list[str]:
    return [
        purpose
        for purpose, token in links.items()
        if await account_tokens.live_token(token, purpose) is not None
    ]


async def test_a_password_the_secretariat_sets_ends_the_open_links(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    pid = await person_id(FOCAL_NRA)
    links = await open_links(pid)
    secretariat = await sign_in(SECRETARIAT)
    read = await client.get(f"/api/people/{pid}", headers=secretariat)
    changed = await client.patch(
        f"/api/people/{pid}",
        json={"password": NEW_PASSWORD},
        headers={**secretariat, "If-Match": read.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert await still_open(links) == []
    late = await client.post(
        "/api/auth/password-reset/confirm", json={"token": links["reset"], "password": "attacker-chosen-pw"}
    )
    assert late.status_code == 404
    signed = await client.post("/api/auth/login", json={"email": FOCAL_NRA, "password": NEW_PASSWORD})
    assert signed.status_code == 200


async def test_a_completed_reset_ends_the_open_invitation_links(client: httpx.AsyncClient, demo: Any) -> None:
    pid = await person_id(FOCAL_NRA)
    links = await open_links(pid)
    done = await client.post(
        "/api/auth/password-reset/confirm", json={"token": links.pop("reset"), "password": NEW_PASSWORD}
    )
    assert done.status_code in (200, 204), done.text
    assert await still_open(links) == []
    late = await client.post(
        "/api/auth/invitation", json={"token": links["invitation"], "password": "attacker-chosen-pw"}
    )
    assert late.status_code == 404


async def test_an_accepted_invitation_ends_the_open_reset_links(client: httpx.AsyncClient, demo: Any) -> None:
    pid = await person_id(FOCAL_NRA)
    links = await open_links(pid)
    done = await client.post(
        "/api/auth/invitation", json={"token": links.pop("invitation"), "password": NEW_PASSWORD}
    )
    assert done.status_code in (200, 201, 204), done.text
    assert await still_open(links) == []


@pytest.mark.parametrize(
    ("current", "status", "left_open"),
    [(DEMO_PASSWORD, 200, []), ("not the password", 400, ["invitation", "reset"])],
    ids=["changed", "refused"],
)
async def test_ones_own_password_change_ends_the_open_links_and_a_refused_one_does_not(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, current: str, status: int, left_open: list[str]
) -> None:
    links = await open_links(await person_id(FOCAL_NRA))
    answer = await client.post(
        "/api/auth/me/password",
        json={"current_password": current, "new_password": NEW_PASSWORD},
        headers=await sign_in(FOCAL_NRA),
    )
    assert answer.status_code == status, answer.text
    assert sorted(await still_open(links)) == left_open
