"""Login throttling that strangers cannot turn against users: per (account, client), growing delays,
Retry-After, and a per-client limit that still slows password spraying.

The app trusts the test client as a proxy, so each request names its client in X-Forwarded-For.
Time is frozen; a test moves it by what Retry-After says instead of sleeping. Real attempts cost an
argon2 verification each, so the bulk of "50 failures" is recorded through the throttle itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import time_machine

from models.services import throttle
from tests.api.support import CHAMPION_NRA, FOCAL_NRA, email

PASSWORD = "demo-password"
ATTACKER = "203.0.113.7"
OWNER = "198.51.100.20"
START = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def proxied(settings: Any, db: str) -> AsyncIterator[httpx.AsyncClient]:
    from api.app import create_app

    app = create_app(dataclasses.replace(settings, trusted_proxies=("127.0.0.1",)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def login_from(
    client: httpx.AsyncClient, address: str, account: str = FOCAL_NRA, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        "/api/auth/login",
        json={"email": account, "password": password},
        headers={"X-Forwarded-For": address},
    )


async def test_fifty_failures_from_one_address_never_stop_the_owner_elsewhere(
    proxied: httpx.AsyncClient, demo
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(throttle.FREE_PAIR_FAILURES):
            assert (await login_from(proxied, ATTACKER, password="wrong-guess")).status_code == 400
        waits = []
        for _ in range(3):  # each further failure doubles the wait, and Retry-After says it
            refused = await login_from(proxied, ATTACKER, password="wrong-guess")
            assert refused.status_code == 429
            waits.append(int(refused.headers["Retry-After"]))
            traveller.shift(dt.timedelta(seconds=waits[-1]))
            assert (await login_from(proxied, ATTACKER, password="wrong-guess")).status_code == 400
        assert waits == [1, 2, 4]
        failed = throttle.FREE_PAIR_FAILURES + len(waits)
        for _ in range(50 - failed):
            await throttle.record_failure(FOCAL_NRA, ATTACKER, dt.datetime.now(dt.UTC))

        refused = await login_from(proxied, ATTACKER)  # even the right password waits, from there
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) == throttle.MAX_DELAY.total_seconds()
        body = refused.json()
        assert "try again in 15 minutes" in body["detail"]
        assert body["errors"] == [{"field": "email", "message": body["detail"]}]

        owner = await login_from(proxied, OWNER)
        assert owner.status_code == 200, owner.text
        assert owner.json()["email"] == FOCAL_NRA

        traveller.shift(throttle.MAX_DELAY)
        assert (await login_from(proxied, ATTACKER)).status_code == 200  # the wait was all it cost


async def test_a_success_clears_the_failures_of_its_own_pair_only(proxied: httpx.AsyncClient, demo) -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(throttle.FREE_PAIR_FAILURES - 1):
            await throttle.record_failure(FOCAL_NRA, ATTACKER, START)
            await throttle.record_failure(FOCAL_NRA, OWNER, START)
        assert (await login_from(proxied, OWNER, password="one-more-typo")).status_code == 400
        assert (await login_from(proxied, OWNER)).status_code == 429
    with time_machine.travel(START + dt.timedelta(seconds=1), tick=False):
        assert (await login_from(proxied, OWNER)).status_code == 200
        assert (await login_from(proxied, OWNER, password="typo-again")).status_code == 400
        assert (await login_from(proxied, OWNER, password="typo-again")).status_code == 400  # count restarted
        # The attacker's pair kept its four failures: one more and it waits.
        assert (await login_from(proxied, ATTACKER, password="wrong-guess")).status_code == 400
        assert (await login_from(proxied, ATTACKER, password="wrong-guess")).status_code == 429


async def test_spraying_many_accounts_from_one_address_is_slowed(proxied: httpx.AsyncClient, demo) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for n in range(throttle.FREE_CLIENT_FAILURES):
            await throttle.record_failure(email(f"guess{n}"), ATTACKER, START)
        refused = await login_from(proxied, ATTACKER, account=CHAMPION_NRA)  # a fresh account
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert (await login_from(proxied, OWNER, account=CHAMPION_NRA)).status_code == 200

        retry_afters = []
        for n in range(8):
            traveller.shift(dt.timedelta(seconds=int(refused.headers["Retry-After"])))
            guess = await login_from(proxied, ATTACKER, account=email(f"more{n}"), password="spray-guess")
            assert guess.status_code == 400
            refused = await login_from(proxied, ATTACKER, account=email(f"other{n}"), password="spray-guess")
            assert refused.status_code == 429
            retry_afters.append(int(refused.headers["Retry-After"]))
        assert retry_afters == [2, 4, 8, 16, 32, 64, 128, 256]
        # An hour later the old failures no longer count against the address.
        traveller.shift(throttle.CLIENT_WINDOW)
        assert (await login_from(proxied, ATTACKER, account=CHAMPION_NRA)).status_code == 200


async def test_the_login_page_says_how_long_to_wait(proxied: httpx.AsyncClient, demo) -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(throttle.FREE_PAIR_FAILURES + 3):
            await throttle.record_failure(FOCAL_NRA, ATTACKER, START)
        page = await proxied.post(
            "/login", data={"email": FOCAL_NRA, "password": PASSWORD}, headers={"X-Forwarded-For": ATTACKER}
        )
        assert page.status_code == 429
        assert page.headers["Retry-After"] == "8"
        assert "try again in 8 seconds" in page.text
        page = await proxied.post(
            "/login", data={"email": FOCAL_NRA, "password": PASSWORD}, headers={"X-Forwarded-For": OWNER}
        )
        assert page.status_code == 303


def test_an_ipv6_client_counts_as_its_whole_slash_64() -> None:
    assert throttle.client_network("2001:db8:1:2::1") == throttle.client_network("2001:db8:1:2:ffff::9")
    assert throttle.client_network("2001:db8:1:2::1") != throttle.client_network("2001:db8:1:3::1")
    assert throttle.client_network("::ffff:192.0.2.1") == "192.0.2.1"
    pair, client = throttle.failure_keys(FOCAL_NRA, "192.0.2.1")
    assert FOCAL_NRA not in pair and "192.0.2.1" not in client  # the table keeps digests only
