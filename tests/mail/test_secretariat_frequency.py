"""The secretariat's "weekly digest" switch on a person changes what the reminders follow."""

from __future__ import annotations

from typing import Any

import httpx

from models.engine import fetch
from tests.api.support import FOCAL_NRA, SECRETARIAT


async def frequency(email: str) -> str:
    (row,) = await fetch("SELECT email_frequency FROM person WHERE email = {}", email)
    return row["email_frequency"]


async def test_the_secretariat_switches_a_person_to_weekly_and_back(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    secretariat = await sign_in(SECRETARIAT)
    (person,) = await fetch("SELECT id FROM person WHERE email = {}", FOCAL_NRA)
    url = f"/api/people/{person['id']}"

    async def switch(weekly: bool) -> dict[str, Any]:
        etag = (await client.get(url, headers=secretariat)).headers["etag"]
        answer = await client.patch(
            url, json={"weekly_digest": weekly}, headers={**secretariat, "If-Match": etag}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert await frequency(FOCAL_NRA) == "daily"
    on = await switch(True)
    assert on["weekly_digest"] is True and on["email_frequency"] == "weekly"
    assert await frequency(FOCAL_NRA) == "weekly"
    off = await switch(False)
    assert off["weekly_digest"] is False and off["email_frequency"] == "daily"

    # A person who chose immediate emails keeps that choice when the switch stays off.
    await fetch("UPDATE person SET email_frequency = 'immediate' WHERE id = {}", person["id"])
    assert (await switch(False))["email_frequency"] == "immediate"
