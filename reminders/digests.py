"""Batched emails: the reminders held for a person go out together (docs/design.md "Reminders").

A reminder that goes out in a batch is queued `held`, with its `batch` and the moment the batch may
go (`next_attempt_at`):
- `daily` (everyone's default): released on the day it came due; one `daily_digest` per person and
  day (keyed by person and date: a second check that day adds nothing, what it held waits for the
  next day's);
- `weekly`: released on the Monday after; one `weekly_digest` per person and ISO week;
- `urgent` (escalations, the champion-gap alert, a submitted review, for a person who batches):
  released at once; several of one check become one `urgent_digest`, keyed by the first reminder it
  carries; one alone goes out as itself.

Each batched email lists its reminders grouped by organization and by urgency (overdue, due soon,
the rest), each with its subject and link. The digest row is inserted and its reminders marked
`digested` in one transaction, and only reminders still `held` are taken: a reminder is batched
exactly once even when two checks compile at the same moment.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from models.engine import fetch, unindexed, write_transaction
from reminders import outbox
from reminders.emails import context_json, message_id_for, subject_of
from reminders.facts import chunks
from reminders.recipients import current_recipients
from reminders.rules import (
    DAILY,
    DAILY_DIGEST,
    URGENCY,
    URGENCY_ORDER,
    URGENT_DIGEST,
    WEEKLY,
    WEEKLY_DIGEST,
    digest_week,
)

URGENT = "urgent"
DIGEST_OF_BATCH = {DAILY: DAILY_DIGEST, WEEKLY: WEEKLY_DIGEST, URGENT: URGENT_DIGEST}


class _Raced(Exception):
    """Another compiler took some of these reminders first: this digest is rolled back."""


def digest_key(person_id: int, week: str) -> str:
    return f"{WEEKLY_DIGEST}|week:{week}|weekly|person:{person_id}"


def batch_key(batch: str, person_id: int, as_of: dt.datetime, first_id: int) -> str:
    if batch == WEEKLY:
        return digest_key(person_id, digest_week(as_of.date()))
    if batch == DAILY:
        return f"{DAILY_DIGEST}|day:{as_of.date().isoformat()}|daily|person:{person_id}"
    return f"{URGENT_DIGEST}|first:{first_id}|urgent|person:{person_id}"


def grouped_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listed reminders grouped by organization (alphabetically, the secretariat's own last) and,
    within one, by urgency: what a person reads first is what is most pressing."""
    groups: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        urgency = URGENCY.get(item["rule"], "other")
        groups[item["organization_name"] or ""][urgency].append(
            {"subject": subject_of(item["rule"], item["context"]), "link": item["link"]}
        )
    return [
        {
            "organization_name": name,
            "urgencies": [
                {"urgency": urgency, "items": by_urgency[urgency]}
                for urgency in URGENCY_ORDER
                if urgency in by_urgency
            ],
        }
        for name, by_urgency in sorted(groups.items(), key=lambda group: (group[0] == "", group[0]))
    ]


def take_held(ids: str) -> str:
    """The statement that marks these held reminders (a list of ids) digested under `message_id`
    and returns the ids it took: looked up by id, each digest touches its own rows only."""
    return (
        "UPDATE reminder SET status = 'digested', message_id = {} "
        f"WHERE id IN ({ids}) AND {unindexed('status')} = 'held' RETURNING id"
    )


async def compile_digests(base_url: str, domain: str, as_of: dt.datetime, now: dt.datetime) -> int:
    """Queue the batched emails whose time has come as of `as_of`; returns how many were queued."""
    held = await fetch(
        "SELECT r.id, r.rule, r.recipient, r.recipient_email, r.organization, r.link, r.context, r.batch, "
        "o.name AS organization_name FROM reminder r LEFT JOIN organization o ON o.id = r.organization "
        "WHERE r.status = 'held' AND r.next_attempt_at <= {} ORDER BY r.recipient, r.id",
        as_of,
    )
    by_batch: dict[tuple[int, str, str], list[dict[str, Any]]] = defaultdict(list)
    recipients = await current_recipients(held)
    for row in held:
        refusal = recipients.refusal(row)
        if refusal is not None:
            # Gone or no longer serving that organization: its titles stay out of the email, and
            # the reminder is listed as failed with the reason, as the sender does.
            await fetch(
                "UPDATE reminder SET status = 'failed', last_error = {} WHERE id = {} AND status = 'held'",
                refusal,
                row["id"],
            )
            continue
        batch = row["batch"] if row["batch"] in DIGEST_OF_BATCH else WEEKLY
        by_batch[(int(row["recipient"]), row["recipient_email"], batch)].append(row)
    compiled = 0
    for (person_id, email, batch), items in by_batch.items():
        try:
            async with write_transaction():
                compiled += await _compile(base_url, domain, as_of, now, person_id, email, batch, items)
        except _Raced:
            continue
    return compiled


async def _compile(
    base_url: str,
    domain: str,
    as_of: dt.datetime,
    now: dt.datetime,
    person_id: int,
    email: str,
    batch: str,
    items: list[dict[str, Any]],
) -> int:
    ids = [int(i["id"]) for i in items]
    if batch == URGENT and len(items) == 1:
        await fetch(
            "UPDATE reminder SET status = 'queued', next_attempt_at = NULL WHERE id = {} AND status = 'held'",
            ids[0],
        )
        return 0
    key = batch_key(batch, person_id, as_of, ids[0])
    message_id = message_id_for(key, domain)
    values: dict[str, Any] = {"count": len(items), "groups": grouped_items(items)}
    if batch == WEEKLY:
        values["week"] = digest_week(as_of.date())
    else:
        values["day"] = as_of.date()
    row = outbox.OutboxRow(
        dedupe_key=key,
        rule=DIGEST_OF_BATCH[batch],
        recipient_id=person_id,
        recipient_email=email,
        organization_id=None,
        link=f"{base_url}/",
        context=context_json(values),
        message_id=message_id,
    )
    if not await outbox.queue([row], now):
        return 0  # this period's email is queued already: these wait for the next one
    taken = 0
    for chunk in chunks(ids):
        taken += len(await fetch(take_held(chunk), message_id))
    if taken != len(ids):
        raise _Raced
    return 1
