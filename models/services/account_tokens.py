"""Single-use links sent by email: an invitation to set a password, a password reset
(docs/design.md "Invitations and password reset").

Only a SHA-256 hash of a link's token is stored (`account_token`), so a copy of the database, or of
the outbox, opens no account. A token is issued when its email is built, lives 7 days (invitation) or
1 hour (reset), and is used once: using it sets the person's password, spends every other open token
of the person (invitation and reset alike), and ends every session of the person. Every other
password change spends them too (`people.end_access`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from models import audit
from models.caller import SYSTEM
from models.clock import utcnow
from models.engine import fetch, write_transaction
from models.errors import NotFound, UserError
from models.passwords import MIN_PASSWORD_LENGTH, hash_password
from models.services import people
from models.services.sessions import hash_secret, new_secret
from models.tables import AccountToken
from models.words import N_

INVITATION, RESET = "invitation", "reset"
LIFETIMES = {INVITATION: dt.timedelta(days=7), RESET: dt.timedelta(hours=1)}
LINK_DEAD = N_(
    "this link does not work any more: it was already used, it expired, or it was replaced by a newer one"
)


def check_new_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            N_("the new password needs at least %(count)s characters"), field=field, count=MIN_PASSWORD_LENGTH
        )


async def issue(person_id: int, purpose: str, now: dt.datetime | None = None) -> str:
    """A new token for the person (its hash stored); the value goes in one email and nowhere else."""
    now = now or utcnow()
    token = new_secret()
    async with write_transaction():
        await AccountToken.insert(
            AccountToken(
                token_hash=hash_secret(token),
                person=person_id,
                purpose=purpose,
                expires_at=now + LIFETIMES[purpose],
                created_at=now,
            )
        )
    return token


async def live_token(token: str, purpose: str) -> dict[str, Any] | None:
    """The unused, unexpired token row of this value and purpose, with its person; else None."""
    if not token or len(token) > 200:
        return None
    rows = await fetch(
        "SELECT t.id, t.person, t.expires_at, p.email, p.name, p.active FROM account_token t "
        "JOIN person p ON p.id = t.person "
        "WHERE t.token_hash = {} AND t.purpose = {} AND t.used_at IS NULL",
        hash_secret(token),
        purpose,
    )
    if not rows or not rows[0]["active"] or rows[0]["expires_at"] <= utcnow():
        return None
    return rows[0]


async def use(token: str, purpose: str, password: str) -> int:
    """Set the password of the token's person and spend the token; returns the person's id.

    One conditional UPDATE spends the token, so two uses at the same moment cannot both succeed.
    Every session of the person ends, and every other open token of the person is spent."""
    check_new_password(password)
    found = await live_token(token, purpose)
    if found is None:
        raise NotFound(LINK_DEAD, field="token")
    hashed = await asyncio.to_thread(hash_password, password)
    now = utcnow()
    person_id = int(found["person"])
    async with write_transaction():
        spent = await fetch(
            "UPDATE account_token SET used_at = {} WHERE id = {} AND used_at IS NULL AND expires_at > {} "
            "RETURNING id",
            now,
            found["id"],
            now,
        )
        if not spent:
            raise NotFound(LINK_DEAD, field="token")
        await fetch(
            "UPDATE person SET password_hash = {}, version = version + 1 WHERE id = {}", hashed, person_id
        )
        ended = await people.end_access(person_id)
        await audit.record(
            SYSTEM, purpose, "person", person_id, None, {"sessions_ended": ended, "via": "email link"}
        )
    return person_id
