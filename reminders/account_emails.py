"""Invitation and password-reset emails (docs/design.md "Invitations and password reset").

The outbox row of such an email holds no token: its link is the bare page (`/invitation`,
`/password-reset/set`). The sender issues a fresh token when it builds the message
(`link_for_sending`), puts it in the link of the email it sends, and records the email with the bare
link, so neither the outbox nor the copy of what was sent can open the account.

A reset request has the same answer, and about the same cost, whether or not the address has an
account: both record the request for throttling, only a known, active address queues an email.
Requests are limited per address asked for and per client network; past the address's limit no
email goes (the answer stays the same), past the network's the caller is told to wait.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from models import audit
from models.caller import Caller
from models.clock import utcnow
from models.engine import fetch, write_transaction
from models.errors import Conflict, TooManyAttempts
from models.services import account_tokens, people, throttle
from models.services.people import normalize_email
from models.settings import Settings
from models.tables import LoginFailure
from models.words import N_
from reminders import outbox
from reminders.emails import context_json, mail_domain, message_id_for

INVITATION = "invitation"
PASSWORD_RESET = "password_reset"
# rule -> (token purpose, the page the link opens)
ACCOUNT_RULES = {
    INVITATION: (account_tokens.INVITATION, "/invitation"),
    PASSWORD_RESET: (account_tokens.RESET, "/password-reset/set"),
}
RESETS_PER_ADDRESS = 3
RESETS_PER_NETWORK = 20
RESET_WINDOW = dt.timedelta(hours=1)
RESETS_WAIT = N_("too many password reset requests from your network; try again in %(minutes)s minutes")


async def _queue(settings: Settings, rule: str, person: dict[str, Any], key: str) -> list[str]:
    base_url = settings.base_url.rstrip("/")
    domain = mail_domain(settings.smtp.sender, base_url)
    context = context_json({"person_email": person["email"]})
    row = outbox.OutboxRow(
        dedupe_key=key,
        rule=rule,
        recipient_id=int(person["id"]),
        recipient_email=person["email"],
        organization_id=None,
        link=base_url + ACCOUNT_RULES[rule][1],
        context=context,
        message_id=message_id_for(key, domain),
    )
    return await outbox.queue([row])


async def queue_invitation(settings: Settings, person_id: int) -> bool:
    """Queue an invitation to a person who has no password yet; False when they have one (or are
    deactivated), so a resent invitation never replaces a password someone chose."""
    rows = await fetch(
        "SELECT id, email FROM person WHERE id = {} AND active AND password_hash = ''", person_id
    )
    if not rows:
        return False
    key = f"{INVITATION}|person:{person_id}@{utcnow().isoformat()}"
    return bool(await _queue(settings, INVITATION, rows[0], key))


def _reset_keys(email: str, client_address: str) -> tuple[str, str]:
    """(address key, network key) of a reset request: digests, like the login throttle's."""
    network = throttle.client_network(client_address)
    return f"reset-account:{throttle.digest(email)}", f"reset-client:{throttle.digest(network)}"


async def request_reset(settings: Settings, email: str, client_address: str) -> None:
    """Queue a reset link for the account of `email`, if there is one; raises TooManyAttempts when
    the client network asked too often. Says nothing either way."""
    email = normalize_email(email)[:254]
    now = utcnow()
    address_key, network_key = _reset_keys(email, client_address)
    recent = await fetch(
        "SELECT key, at FROM login_failure WHERE key IN ({}, {}) AND at >= {}",
        address_key,
        network_key,
        now - RESET_WINDOW,
    )
    by_network = [r["at"] for r in recent if r["key"] == network_key]
    if len(by_network) >= RESETS_PER_NETWORK:
        seconds = max(1, math.ceil((min(by_network) + RESET_WINDOW - now).total_seconds()))
        raise TooManyAttempts(
            RESETS_WAIT, field="email", retry_after=seconds, minutes=max(1, math.ceil(seconds / 60))
        )
    by_address = sum(1 for r in recent if r["key"] == address_key)
    people = await fetch("SELECT id, email FROM person WHERE email = {} AND active", email)
    async with write_transaction():
        await LoginFailure.insert(
            LoginFailure(key=address_key, at=now), LoginFailure(key=network_key, at=now)
        )
        if people and by_address < RESETS_PER_ADDRESS:
            key = f"{PASSWORD_RESET}|person:{people[0]['id']}@{now.isoformat()}"
            await _queue(settings, PASSWORD_RESET, people[0], key)


async def link_for_sending(row: dict[str, Any]) -> str:
    """The link of the email being sent: for an invitation or a reset, with a fresh token."""
    if row["rule"] not in ACCOUNT_RULES or row["recipient"] is None:
        return row["link"]
    token = await account_tokens.issue(int(row["recipient"]), ACCOUNT_RULES[row["rule"]][0])
    return f"{row['link']}/{token}"


async def add_person(settings: Settings, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    """The secretariat adds a person (API or page); without a password given, the person is invited
    by email in the same transaction, so nobody is added without their invitation queued."""
    async with write_transaction():
        person = await people.register_person(caller, data)
        if not data.get("password"):
            await queue_invitation(settings, int(person["id"]))
    return await people.get_person(caller, int(person["id"]))


async def resend_invitation(settings: Settings, caller: Caller, person_id: int) -> dict[str, Any]:
    """A new invitation (the earlier links still work until they expire or one is used)."""
    person = await people.get_person(caller, person_id)
    async with write_transaction():
        if not await queue_invitation(settings, person_id):
            raise Conflict(
                N_("%(name)s already set a password (or the account is deactivated): no invitation to send"),
                name=person["name"],
            )
        await audit.record(caller, "invite", "person", person_id, None, {"email": person["email"]})
    return await people.get_person(caller, person_id)
