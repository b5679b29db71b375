"""A person's own account: name, job title, password, and how emails reach them
(docs/design.md "Accounts and unsubscribing").

Everyone may read and change their own account only. A password change needs the current password
and ends every other session of the person (a stolen session dies with the old password). Essential
rules (`vocabulary.ESSENTIAL_RULES`) can never be muted: an escalation, the champion-gap alert and
what a champion must sign reach their person whatever the settings say.
"""

from __future__ import annotations

import asyncio
from typing import Any

from models import audit
from models.caller import Caller
from models.engine import fetch, fetch_kept, write_transaction
from models.errors import Conflict, Forbidden, UserError
from models.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from models.services import people
from models.services.common import choice, text_block
from models.vocabulary import EMAIL_FREQUENCIES, MUTABLE_RULES
from models.words import DEFAULT_LOCALE, N_, SUPPORTED_LANGUAGES

ACCOUNT_COLUMNS = "id, email, name, job_title, email_frequency, muted_rules, language, version"


# What a person picks from a list, and the refusal of anything else.
PICKED = {
    "email_frequency": (EMAIL_FREQUENCIES, N_("email_frequency must be one of %(choices)s")),
    "language": (SUPPORTED_LANGUAGES, N_("language must be one of %(choices)s")),
}


def muted_list(stored: str | None) -> list[str]:
    return [rule for rule in MUTABLE_RULES if rule in {r.strip() for r in (stored or "").split(",")}]


def _shape(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "language": row["language"] or DEFAULT_LOCALE,
        "muted_rules": muted_list(row["muted_rules"]),
        "mutable_rules": list(MUTABLE_RULES),
    }


def _person_id(caller: Caller) -> int:
    if caller.person_id is None:
        raise Forbidden(N_("sign in to see your account"))
    return caller.person_id


async def get_account(caller: Caller) -> dict[str, Any]:
    # Read on every GET /api/auth/me: kept in memory until the database changes.
    (row,) = await fetch_kept(f"SELECT {ACCOUNT_COLUMNS} FROM person WHERE id = {{}}", _person_id(caller))
    return _shape(row)


def checked_muted(rules: list[str]) -> str:
    unknown = [rule for rule in rules if rule not in MUTABLE_RULES]
    if unknown:
        raise UserError(
            N_("%(rules)s cannot be turned off; rules you may turn off: %(allowed)s"),
            field="muted_rules",
            rules=", ".join(unknown),
            allowed=", ".join(MUTABLE_RULES),
        )
    return ",".join(rule for rule in MUTABLE_RULES if rule in rules)


async def update_account(caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    """Change the caller's name, job title, language, email frequency or muted rules (what `data`
    holds)."""
    person_id = _person_id(caller)
    changes: dict[str, Any] = {}
    if "name" in data:
        changes["name"] = text_block(data["name"], "name", 200)
        if not changes["name"]:
            raise UserError(N_("your name must not be empty"), field="name")
    if "job_title" in data:
        changes["job_title"] = text_block(data["job_title"], "job_title", 200)
    for field, (allowed, refusal) in PICKED.items():
        if field in data:
            changes[field] = choice(data[field], allowed, field, refusal, listed="choices")
    if "email_frequency" in changes:
        # Kept in step for the secretariat's people list and scripts reading `weekly_digest`.
        changes["weekly_digest"] = data["email_frequency"] == "weekly"
    if "muted_rules" in data:
        changes["muted_rules"] = checked_muted(list(data["muted_rules"]))
    async with write_transaction():
        (before,) = await fetch(f"SELECT {ACCOUNT_COLUMNS} FROM person WHERE id = {{}}", person_id)
        if changes:
            sets = ", ".join(f"{column} = {{}}" for column in changes)
            await fetch(
                f"UPDATE person SET {sets}, version = version + 1 WHERE id = {{}}",
                *changes.values(),
                person_id,
            )
            if changes.get("email_frequency", "weekly") != "weekly":
                # What waited for a weekly digest goes out in the next batch of the new choice.
                await fetch(
                    "UPDATE reminder SET batch = 'daily', next_attempt_at = NULL "
                    "WHERE recipient = {} AND status = 'held' AND batch = 'weekly'",
                    person_id,
                )
            await audit.record(caller, "update", "account", person_id, before, changes)
    return await get_account(caller)


async def mute_rules(person_id: int, rules: list[str]) -> None:
    """Turn off `rules` for a person (the one-click unsubscribe of an email); essential ones stay."""
    rows = await fetch("SELECT muted_rules FROM person WHERE id = {}", person_id)
    if not rows:
        return
    wanted = set(muted_list(rows[0]["muted_rules"])) | {r for r in rules if r in MUTABLE_RULES}
    async with write_transaction():
        await fetch(
            "UPDATE person SET muted_rules = {}, version = version + 1 WHERE id = {}",
            checked_muted(sorted(wanted)),
            person_id,
        )


async def change_password(caller: Caller, current: str, new: str, keep_session_hash: str | None) -> int:
    """Set a new password (the current one required); ends every other session of the person and
    every open emailed link, and returns how many sessions ended."""
    person_id = _person_id(caller)
    if len(new) < MIN_PASSWORD_LENGTH:
        raise UserError(
            N_("the new password needs at least %(count)s characters"),
            field="new_password",
            count=MIN_PASSWORD_LENGTH,
        )
    (row,) = await fetch("SELECT password_hash FROM person WHERE id = {}", person_id)
    if not await asyncio.to_thread(verify_password, row["password_hash"], current):
        raise UserError(N_("the current password is not right"), field="current_password")
    hashed = await asyncio.to_thread(hash_password, new)
    async with write_transaction():
        updated = await fetch(
            "UPDATE person SET password_hash = {}, version = version + 1 "
            "WHERE id = {} AND password_hash = {} RETURNING id",
            hashed,
            person_id,
            row["password_hash"],
        )
        if not updated:
            raise Conflict(N_("the password changed at the same moment; try again"), field="current_password")
        ended = await people.end_access(person_id, keep_session_hash or "")
        await audit.record(caller, "password", "person", person_id, None, {"sessions_ended": ended})
    return ended
