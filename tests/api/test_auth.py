"""Sign-in, sessions, bearer tokens and login throttling."""

from __future__ import annotations

import datetime as dt

import httpx
import time_machine

from models.engine import fetch
from models.services.sessions import hash_secret

FOCAL = "focal.nra@demo.cop-tracker.example"
PASSWORD = "demo-password"


async def api_login(
    client: httpx.AsyncClient, email: str = FOCAL, password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def test_login_sets_a_hardened_session_cookie_and_me_answers(client: httpx.AsyncClient, demo) -> None:
    response = await api_login(client)
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("cop_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # BASE_URL is http in tests
    me = (await client.get("/api/auth/me")).json()
    assert me["email"] == FOCAL and me["via"] == "session"
    assert me["roles"][0]["role"] == "focal_point"
    assert me["csrf_token"] == response.json()["csrf_token"]


async def test_session_cookie_is_secure_under_https(settings, demo) -> None:
    from dataclasses import replace

    from api.app import create_app

    app = create_app(replace(settings, base_url="https://testserver"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as c:
        response = await api_login(c)
    assert "Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_sessions_are_stored_hashed(client: httpx.AsyncClient, demo) -> None:
    response = await api_login(client)
    value = response.cookies["cop_session"]
    rows = await fetch("SELECT token_hash FROM login_session")
    assert [r["token_hash"] for r in rows] == [hash_secret(value)]
    assert value not in str(rows)


async def test_every_login_issues_a_new_session_id(client: httpx.AsyncClient, demo) -> None:
    first = (await api_login(client)).cookies["cop_session"]
    second = (await api_login(client)).cookies["cop_session"]
    assert first != second
    # The session the browser held before signing in again is gone (no fixation).
    replay = await client.get("/api/auth/me", headers={"Cookie": f"cop_session={first}"})
    assert replay.status_code == 401


async def test_a_session_replayed_after_logout_is_refused(client: httpx.AsyncClient, demo) -> None:
    login = await api_login(client)
    value, csrf = login.cookies["cop_session"], login.json()["csrf_token"]
    out = await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    assert 'cop_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    client.cookies.clear()
    replay = await client.get("/api/auth/me", headers={"Cookie": f"cop_session={value}"})
    assert replay.status_code == 401


async def test_unknown_email_and_wrong_password_get_the_same_answer(client: httpx.AsyncClient, demo) -> None:
    unknown = await api_login(client, "nobody@demo.cop-tracker.example", "whatever-password")
    wrong = await api_login(client, FOCAL, "wrong-password")
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json()


async def test_sessions_expire_when_idle_and_after_the_absolute_limit(
    client: httpx.AsyncClient, demo, settings
) -> None:
    start = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        value = (await api_login(client)).cookies["cop_session"]
        client.cookies.clear()
        headers = {"Cookie": f"cop_session={value}"}
        # Active every 50 minutes: the idle limit (60) never trips...
        for _ in range(16):
            traveller.shift(dt.timedelta(minutes=50))
            if (await client.get("/api/auth/me", headers=headers)).status_code != 200:
                break
        # ...but 12 hours after login the session is over anyway.
        assert (await client.get("/api/auth/me", headers=headers)).status_code == 401
        elapsed = dt.datetime.now(dt.UTC) - start
        assert dt.timedelta(hours=settings.session_absolute_hours) < elapsed < dt.timedelta(hours=13)
        value = (await api_login(client)).cookies["cop_session"]
        client.cookies.clear()
        traveller.shift(dt.timedelta(minutes=61))
        assert (
            await client.get("/api/auth/me", headers={"Cookie": f"cop_session={value}"})
        ).status_code == 401


async def test_bearer_tokens_sign_scripts_in_and_die_when_revoked(
    client: httpx.AsyncClient, demo, sign_in
) -> None:
    headers = await sign_in(FOCAL)
    created = await client.post("/api/auth/tokens", json={"name": "nightly script"}, headers=headers)
    assert created.status_code == 201, created.text
    token, token_id = created.json()["token"], created.json()["details"]["id"]
    assert token not in str(await fetch("SELECT * FROM api_token"))
    bearer = {"Authorization": f"Bearer {token}"}
    me = await client.get("/api/auth/me", headers=bearer)
    assert me.status_code == 200 and me.json()["via"] == "token"
    # No CSRF token is needed with a bearer token.
    other = await client.post("/api/auth/tokens", json={"name": "second"}, headers=bearer)
    assert other.status_code == 201
    revoked = await client.delete(f"/api/auth/tokens/{token_id}", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (await client.get("/api/auth/me", headers=bearer)).status_code == 401
    assert (await client.get("/api/auth/me", headers={"Authorization": "Bearer nonsense"})).status_code == 401


async def test_failed_logins_are_throttled_per_account_and_address(client: httpx.AsyncClient, demo) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC), tick=False) as traveller:
        for _ in range(5):
            assert (await api_login(client, FOCAL, "wrong-password")).status_code == 400
        refused = await api_login(client)  # even the right password waits now, from this address
        assert refused.status_code == 429
        assert "too many failed logins" in refused.json()["detail"]
        assert refused.headers["Retry-After"] == "1"
        # Another account from the same address is not slowed by it.
        assert (await api_login(client, "champion.nra@demo.cop-tracker.example")).status_code == 200
        traveller.shift(dt.timedelta(seconds=1))
        assert (await api_login(client)).status_code == 200


async def test_failed_logins_are_recorded_under_digests(client: httpx.AsyncClient, demo) -> None:
    from models.services.throttle import failure_keys

    await api_login(client, "guess@demo.cop-tracker.example", "wrong-password")
    recorded = await fetch("SELECT key FROM login_failure ORDER BY key")
    assert [r["key"] for r in recorded] == sorted(failure_keys("guess@demo.cop-tracker.example", "127.0.0.1"))
    assert not any("guess" in r["key"] or "127.0.0.1" in r["key"] for r in recorded)


async def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(settings) -> None:
    from dataclasses import replace

    from api.auth import client_address

    scope = {"client": ("10.0.0.5", 1234), "headers": [(b"x-forwarded-for", b"203.0.113.9, 10.0.0.7")]}
    assert client_address(scope, settings) == "10.0.0.5"
    trusting = replace(settings, trusted_proxies=("10.0.0.0/24",))
    assert client_address(scope, trusting) == "203.0.113.9"
    untrusted_peer = {**scope, "client": ("198.51.100.1", 1)}
    assert client_address(untrusted_peer, trusting) == "198.51.100.1"


async def test_an_inactive_person_cannot_sign_in(client: httpx.AsyncClient, demo) -> None:
    await fetch("UPDATE person SET active = {} WHERE email = {}", False, FOCAL)
    response = await api_login(client)
    assert response.status_code == 400


async def test_an_unknown_email_costs_one_password_verification_too(
    client: httpx.AsyncClient, demo, monkeypatch
) -> None:
    """Both answers spend one argon2 verification, so timing does not tell accounts apart."""
    from models.services import sessions

    spent: list[str] = []
    real_verify, real_dummy = sessions.verify_password, sessions.verify_dummy
    monkeypatch.setattr(sessions, "verify_password", lambda h, p: spent.append("real") or real_verify(h, p))
    monkeypatch.setattr(sessions, "verify_dummy", lambda p: spent.append("dummy") or real_dummy(p))
    await api_login(client, "nobody@demo.cop-tracker.example", "whatever-password")
    await api_login(client, FOCAL, "wrong-password")
    assert spent == ["dummy", "real"]


async def test_signing_in_on_the_login_page_ends_the_session_the_browser_held(
    client: httpx.AsyncClient, demo
) -> None:
    async def page_login(email: str) -> str:
        answer = await client.post("/login", data={"email": email, "password": PASSWORD, "next": "/"})
        assert answer.status_code == 303, answer.text
        return answer.cookies["cop_session"]

    first = await page_login(FOCAL)
    second = await page_login("champion.nra@demo.cop-tracker.example")
    assert first != second
    # As with the API's login: the earlier session is gone (no fixation, nothing left behind).
    replay = await client.get("/api/auth/me", headers={"Cookie": f"cop_session={first}"})
    assert replay.status_code == 401
