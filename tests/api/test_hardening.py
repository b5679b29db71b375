"""Security headers, allowed hosts, body limit, no stack traces, production settings."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from models.settings import Settings, SettingsError
from tests.api.support import SECRETARIAT, org_id


async def test_answers_carry_the_security_headers(client: httpx.AsyncClient, demo) -> None:
    for path in ("/health", "/api/organizations", "/no/such/page", "/schema/openapi.json"):
        response = await client.get(path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path
        assert "strict-transport-security" not in response.headers  # http in tests


async def test_signed_in_api_answers_are_never_stored(client: httpx.AsyncClient, demo, sign_in) -> None:
    """The commitments list is sent by EncodedJSON, outside Litestar's answer assembly: it must still
    pass through the security middleware, so no cache keeps an organization's records."""
    headers = await sign_in(SECRETARIAT)
    nra = await org_id("NRA")
    for path in (f"/api/organizations/{nra}/commitments", "/api/organizations", "/api/reminders"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["content-type"] == "application/json", path
        assert int(response.headers["content-length"]) == len(response.content), path


async def test_unknown_hosts_are_refused(client: httpx.AsyncClient, demo) -> None:
    response = await client.get("/health", headers={"Host": "evil.example"})
    assert response.status_code == 400


async def test_oversized_bodies_are_refused(client: httpx.AsyncClient, demo) -> None:
    response = await client.post(
        "/api/auth/login",
        content=b'{"email": "' + b"a" * 2_000_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


async def test_unexpected_errors_answer_500_without_a_stack_trace(
    client: httpx.AsyncClient, demo, monkeypatch
) -> None:
    from models.services import sessions

    async def broken(*args, **kwargs):
        raise RuntimeError("secret internals: /srv/app/models.py line 12")

    monkeypatch.setattr(sessions, "login", broken)
    response = await client.post(
        "/api/auth/login", json={"email": "a@b.example", "password": "whatever-it-is"}
    )
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.json()["detail"]


def test_production_refuses_a_missing_or_short_secret_key() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"PRODUCTION": "on"})
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"PRODUCTION": "on", "SECRET_KEY": "short"})
    assert Settings.from_env({"PRODUCTION": "on", "SECRET_KEY": "k" * 48}).production


@pytest.mark.slow  # the real server command in a subprocess
def test_the_server_refuses_to_start_in_production_with_a_short_key(db: str) -> None:
    env = {**os.environ, "DATABASE_URL": db, "PRODUCTION": "on", "SECRET_KEY": "short", "SCHEDULER": "off"}
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
