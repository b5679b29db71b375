"""An emailed link's page has its token in the path: its Referer names only the origin, so the token
reaches neither another site nor our own logs (docs/design.md "Invitations and password reset")."""

from __future__ import annotations

import httpx


async def test_pages_with_a_token_in_the_path_send_only_their_origin_as_referrer(
    client: httpx.AsyncClient, demo
) -> None:
    for path in ("/invitation/some-token", "/password-reset/set/some-token"):
        page = await client.get(path)
        assert page.headers["referrer-policy"] == "strict-origin", path
        refused = await client.post(path, data={"password": "x", "password_again": "y"})
        assert refused.headers["referrer-policy"] == "strict-origin", path
    assert (await client.get("/password-reset")).headers["referrer-policy"] == "same-origin"
