"""Weekly digests: one email per person batching the reminders held for them during the week.

A reminder for a person who chose the weekly digest is queued as `held`, with `next_attempt_at` set
to the Monday after it came due. The first check on or after that Monday turns every released
held row of a person into one `weekly_digest` reminder (keyed by person and ISO week, so a second
check in the same week adds nothing) and marks the held rows `digested`, pointing at the digest
through its Message-ID. Both happen in one transaction: a reminder is digested exactly once.
Escalations and champion-gap alerts are never held (`rules.URGENT_RULES`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from models.engine import fetch, write_transaction
from reminders import outbox
from reminders.emails import context_json, message_id_for, subject_of
from reminders.facts import chunks
from reminders.rules import WEEKLY_DIGEST, digest_week


def digest_key(person_id: int, week: str) -> str:
    return f"{WEEKLY_DIGEST}|week:{week}|weekly|person:{person_id}"


async def compile_digests(base_url: str, domain: str, as_of: dt.datetime, now: dt.datetime) -> int:
    """Queue the digests whose time has come as of `as_of`; returns how many were queued."""
    held = await fetch(
        "SELECT id, rule, recipient, recipient_email, link, context FROM reminder "
        "WHERE status = 'held' AND next_attempt_at <= {} ORDER BY recipient, id",
        as_of,
    )
    by_person: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for row in held:
        by_person[(int(row["recipient"]), row["recipient_email"])].append(row)
    week = digest_week(as_of.date())
    compiled = 0
    for (person_id, email), items in by_person.items():
        key = digest_key(person_id, week)
        listed = [{"subject": subject_of(i["rule"], i["context"]), "link": i["link"]} for i in items]
        message_id = message_id_for(key, domain)
        row = outbox.OutboxRow(
            dedupe_key=key,
            rule=WEEKLY_DIGEST,
            recipient_id=person_id,
            recipient_email=email,
            organization_id=None,
            link=f"{base_url}/",
            context=context_json({"week": week, "items": listed}),
            message_id=message_id,
        )
        async with write_transaction():
            if not await outbox.queue([row], now):
                continue  # this week's digest is queued already; these wait for next week's
            for ids in chunks([int(i["id"]) for i in items]):
                await fetch(
                    "UPDATE reminder SET status = 'digested', message_id = {} "
                    f"WHERE id IN ({ids}) AND status = 'held'",
                    message_id,
                )
        compiled += 1
    return compiled
