"""CSRF: a cookie-signed state change needs the session's token; bearer tokens need none."""

from __future__ import annotations

import httpx

FOCAL = "focal.nra@demo.cop-tracker.example"


async def test_a_cookie_signed_post_without_the_token_is_refused(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    headers = await sign_in(FOCAL)
    cookie_only = {"Cookie": headers["Cookie"]}
    refused = await client.post("/api/auth/tokens", json={"name": "x"}, headers=cookie_only)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    wrong = await client.post(
        "/api/auth/tokens", json={"name": "x"}, headers={**cookie_only, "X-CSRF-Token": "nope"}
    )
    assert wrong.status_code == 403
    accepted = await client.post("/api/auth/tokens", json={"name": "x"}, headers=headers)
    assert accepted.status_code == 201


async def test_the_token_is_accepted_in_a_form_field(client: httpx.AsyncClient, demo, sign_in) -> None:
    headers = await sign_in(FOCAL)
    cookie_only = {"Cookie": headers["Cookie"]}
    without = await client.post("/api/auth/logout", data={"x": "1"}, headers=cookie_only)
    assert without.status_code == 403
    with_field = await client.post(
        "/api/auth/logout", data={"_csrf": headers["X-CSRF-Token"]}, headers=cookie_only
    )
    assert with_field.status_code == 204


async def test_a_cross_site_origin_is_refused(client: httpx.AsyncClient, demo, sign_in) -> None:
    headers = await sign_in(FOCAL)
    evil = await client.post(
        "/api/auth/tokens", json={"name": "x"}, headers={**headers, "Origin": "https://evil.example"}
    )
    assert evil.status_code == 403
    login = await client.post(
        "/api/auth/login",
        json={"email": FOCAL, "password": "demo-password"},
        headers={"Origin": "https://evil.example"},
    )
    assert login.status_code == 403
    ours = await client.post(
        "/api/auth/tokens", json={"name": "x"}, headers={**headers, "Origin": "http://testserver"}
    )
    assert ours.status_code == 201
