"""Throttling of failed logins that strangers cannot turn against an account's owner.

Locking an account after a few failures lets anyone lock out a champion the day a report is due, so
failures are counted per (account, client network) pair instead: after FREE_PAIR_FAILURES, each
further attempt of that pair waits a delay that doubles with every failure (1 s, 2 s, 4 s, ... at most
MAX_DELAY). The owner signing in from any other network is never slowed by them, and a success
clears the pair's failures. To still slow password spraying (one network trying many accounts), the
failures of a network over CLIENT_WINDOW count as well, with the same growing delay once past
FREE_CLIENT_FAILURES. An attempt refused as throttled verifies no password and counts no failure;
its refusal says how long to wait (`TooManyAttempts.retry_after`, the 429's Retry-After header).

A client network is an IPv4 address or the /64 of an IPv6 address (one subscriber's allocation, so
rotating addresses within it buys nothing). Keys are digests: the table holds no email or address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math

from models.engine import fetch, write_transaction
from models.errors import TooManyAttempts
from models.tables import LoginFailure
from models.words import N_

FREE_PAIR_FAILURES = 5
PAIR_WINDOW = dt.timedelta(hours=24)
FREE_CLIENT_FAILURES = 30
CLIENT_WINDOW = dt.timedelta(hours=1)
FIRST_DELAY = dt.timedelta(seconds=1)
MAX_DELAY = dt.timedelta(minutes=15)


def client_network(address: str) -> str:
    """The network a client address stands for: itself (IPv4), its /64 (IPv6), or the text as given."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def failure_keys(email: str, client_address: str) -> tuple[str, str]:
    """(pair key, client key) of a login attempt; `email` is already normalized."""
    network = client_network(client_address)
    return f"pair:{digest(f'{email} {network}')}", f"client:{digest(network)}"


def delay_after(failures: int, free: int) -> dt.timedelta:
    """The wait after the latest of `failures`, the first `free` of them costing none."""
    if failures < free:
        return dt.timedelta(0)
    doublings = failures - free
    if doublings >= 20:  # 2**20 s is far past MAX_DELAY; no need to compute the power
        return MAX_DELAY
    return min(MAX_DELAY, FIRST_DELAY * 2**doublings)


WAIT_SECONDS = N_(
    "too many failed logins from your network; try again in %(seconds)s seconds "
    "(signing in from another network is not affected)"
)
WAIT_MINUTES = N_(
    "too many failed logins from your network; try again in %(minutes)s minutes "
    "(signing in from another network is not affected)"
)


def refusal(seconds: int) -> TooManyAttempts:
    if seconds < 120:
        return TooManyAttempts(WAIT_SECONDS, field="email", retry_after=seconds, seconds=seconds)
    minutes = math.ceil(seconds / 60)
    return TooManyAttempts(WAIT_MINUTES, field="email", retry_after=seconds, minutes=minutes)


async def check(email: str, client_address: str, now: dt.datetime) -> None:
    """Raise TooManyAttempts while this pair or this client network must wait."""
    pair_key, client_key = failure_keys(email, client_address)
    rows = await fetch(
        "SELECT key, at FROM login_failure WHERE (key = {} AND at >= {}) OR (key = {} AND at >= {})",
        pair_key,
        now - PAIR_WINDOW,
        client_key,
        now - CLIENT_WINDOW,
    )
    until = now
    for key, free in ((pair_key, FREE_PAIR_FAILURES), (client_key, FREE_CLIENT_FAILURES)):
        times = [row["at"] for row in rows if row["key"] == key]
        if times:
            until = max(until, max(times) + delay_after(len(times), free))
    if until > now:
        seconds = max(1, math.ceil((until - now).total_seconds()))
        raise refusal(seconds)


async def record_failure(email: str, client_address: str, now: dt.datetime) -> None:
    async with write_transaction():
        await LoginFailure.insert(
            *(LoginFailure(key=key, at=now) for key in failure_keys(email, client_address))
        )
        await LoginFailure.delete().where(LoginFailure.at < now - max(PAIR_WINDOW, CLIENT_WINDOW))


async def forget_pair(email: str, client_address: str) -> None:
    """After a success: the pair's failures no longer count (the network's still do). Runs inside
    the login's transaction."""
    await LoginFailure.delete().where(LoginFailure.key == failure_keys(email, client_address)[0])
