"""The outbox: reminders queued under a unique dedupe key, claimed by exactly one sender.

Life of a row (`status`):
- `queued`: waiting; a sender may claim it once `next_attempt_at` (NULL: at once) has passed.
- `held`: waiting for the recipient's batched email (`batch`: daily, weekly, or urgent) until
  `next_attempt_at`; then `digested` (or `queued` again, when an urgent one is alone).
- `sending`: claimed by one sender (`claimed_by`, `claimed_at`) for a LEASE that the sender renews
  while it works. Claims of a sender that stopped are taken back before every claim
  (`take_back_abandoned`): at once when it ran on this host and its process is gone
  (`reminders.claims`), when the lease ran out otherwise.
- `sent`; or `failed` (a permanent refusal, or too many attempts): kept, shown to the secretariat,
  retried only by hand (`retry_reminder`).

Queueing is `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING`, so running a check twice, or two
schedulers at once, queues a reminder once. Claiming is one conditional UPDATE (`status` must still be
claimable), with `FOR UPDATE SKIP LOCKED` on PostgreSQL and an immediate transaction on SQLite, so
two senders never claim the same row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models import audit
from models.bulk import insert_new
from models.caller import Caller
from models.clock import utcnow
from models.engine import fetch, fetch_page, one_or_not_found, skip_locked, write_transaction
from models.errors import Conflict, Forbidden
from models.paging import FIRST_PAGE, Page, Paging
from models.services.common import choice
from models.words import N_
from reminders.claims import has_stopped
from reminders.emails import RenderedEmail, subject_of

QUEUED, HELD, SENDING, SENT, FAILED, DIGESTED = "queued", "held", "sending", "sent", "failed", "digested"
STATUSES = (QUEUED, HELD, SENDING, SENT, FAILED, DIGESTED)
NO_REMINDER = N_("no reminder with id %(reminder_id)s")
LEASE = dt.timedelta(minutes=2)  # renewed every LEASE / 4 by a running sender
MAX_ATTEMPTS = 10
KEYS_PER_QUERY = 500

# (column, PostgreSQL type), in the order of OutboxRow.values().
COLUMNS = (
    ("dedupe_key", "text"),
    ("rule", "text"),
    ("recipient", "int"),
    ("recipient_email", "text"),
    ("organization", "int"),
    ("link", "text"),
    ("context", "text"),
    ("status", "text"),
    ("digest", "bool"),
    ("next_attempt_at", "timestamptz"),
    ("message_id", "text"),
    ("created_at", "timestamptz"),
    ("batch", "text"),
)
# Filled when the reminder is sent (rendered parts) or fails (last_error).
CONSTANT_COLUMNS = {
    "subject": "''",
    "body_text": "''",
    "body_html": "''",
    "attempts": "0",
    "last_error": "''",
}


@dataclass(slots=True)
class OutboxRow:
    """A reminder ready to be queued: its template values, rendered when it is sent."""

    dedupe_key: str
    rule: str
    recipient_id: int | None
    recipient_email: str
    organization_id: int | None
    link: str
    context: str
    message_id: str
    status: str = QUEUED
    next_attempt_at: dt.datetime | None = None
    batch: str = ""

    def values(self, now: dt.datetime) -> tuple[Any, ...]:
        return (
            self.dedupe_key,
            self.rule,
            self.recipient_id,
            self.recipient_email,
            self.organization_id,
            self.link,
            self.context,
            self.status,
            self.status == HELD,
            self.next_attempt_at,
            self.message_id,
            now,
            self.batch if self.status == HELD else "",
        )


async def existing_keys(keys: Sequence[str]) -> set[str]:
    """Which of these dedupe keys are already in the outbox."""
    found: set[str] = set()
    unique = sorted(set(keys))
    for start in range(0, len(unique), KEYS_PER_QUERY):
        chunk = unique[start : start + KEYS_PER_QUERY]
        marks = ", ".join("{}" for _ in chunk)
        rows = await fetch(f"SELECT dedupe_key FROM reminder WHERE dedupe_key IN ({marks})", *chunk)
        found.update(row["dedupe_key"] for row in rows)
    return found


async def queue(rows: Sequence[OutboxRow], now: dt.datetime | None = None) -> list[str]:
    """Insert rows whose key is new, in one transaction; returns the keys actually inserted."""
    if not rows:
        return []
    now = now or utcnow()
    async with write_transaction():
        return await insert_new(
            "reminder", COLUMNS, CONSTANT_COLUMNS, [row.values(now) for row in rows], "dedupe_key"
        )


CLAIMED_COLUMNS = (
    "id, dedupe_key, rule, recipient, recipient_email, organization, link, context, message_id, attempts"
)


async def claim(worker: str, limit: int, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Claim up to `limit` deliverable rows for `worker`, in id order (the order they are sent in);
    only the returned rows may be sent by it."""
    now = now or utcnow()
    claimable = "status = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= {})"
    lock = skip_locked()
    async with write_transaction():
        await take_back_abandoned(now)
        rows = await fetch(
            "UPDATE reminder SET status = 'sending', claimed_by = {}, claimed_at = {}, "
            "attempts = attempts + 1 "
            f"WHERE id IN (SELECT id FROM reminder WHERE {claimable} ORDER BY id LIMIT {int(limit)}{lock}) "
            f"AND {claimable} RETURNING {CLAIMED_COLUMNS}",
            worker,
            now,
            now,
            now,
        )
    return sorted(rows, key=lambda row: int(row["id"]))


async def renew_lease(worker: str, now: dt.datetime | None = None) -> None:
    """The sender is still at work: its claims keep their lease."""
    async with write_transaction():
        await fetch(
            "UPDATE reminder SET claimed_at = {} WHERE claimed_by = {} AND status = 'sending'",
            now or utcnow(),
            worker,
        )


async def take_back_abandoned(now: dt.datetime) -> int:
    """Queue again the claims of senders that stopped; returns how many rows came back.

    A sender sends its claimed rows in id order and records each outcome at once, so of a stopped
    sender's rows only the first may have reached the server (its attempt counts: it may go out
    twice, at most once per stop); the others were never tried, and their claim is not counted as an
    attempt. A row whose sender stopped on it MAX_ATTEMPTS times is given up on, visibly: a message
    that kills its sender must not kill every sender after it.
    """
    rows = await fetch(
        "SELECT DISTINCT claimed_by, claimed_at < {} AS expired FROM reminder "
        "WHERE status = 'sending' AND claimed_by IS NOT NULL",
        now - LEASE,
    )
    stopped = {row["claimed_by"] for row in rows if row["expired"] or has_stopped(row["claimed_by"])}
    taken = 0
    for worker in sorted(stopped):
        untried = await fetch(
            "UPDATE reminder SET status = 'queued', claimed_by = NULL, claimed_at = NULL, "
            "attempts = attempts - 1 WHERE claimed_by = {} AND status = 'sending' AND id > "
            "(SELECT MIN(id) FROM reminder WHERE claimed_by = {} AND status = 'sending') RETURNING id",
            worker,
            worker,
        )
        first = await fetch(
            "UPDATE reminder SET "
            "status = CASE WHEN attempts >= {} THEN 'failed' ELSE 'queued' END, "
            "last_error = CASE WHEN attempts >= {} THEN "
            "'claimed too many times without a result (the sender stopped each time)' ELSE last_error END, "
            "claimed_by = NULL, claimed_at = NULL WHERE claimed_by = {} AND status = 'sending' RETURNING id",
            MAX_ATTEMPTS,
            MAX_ATTEMPTS,
            worker,
        )
        taken += len(untried) + len(first)
    return taken


def _rendered(email: RenderedEmail | None) -> tuple[str, list[Any]]:
    """SET fragment that keeps what was (or would have been) sent, for the secretariat's view."""
    if email is None:
        return "", []
    return ", subject = {}, body_text = {}, body_html = {}", [email.subject[:300], email.text, email.html]


async def mark_sent(reminder_id: int, email: RenderedEmail | None, now: dt.datetime | None = None) -> None:
    """The server accepted the message: record it whoever holds the claim (it went out)."""
    rendered, values = _rendered(email)
    async with write_transaction():
        await fetch(
            "UPDATE reminder SET status = 'sent', sent_at = {}, claimed_by = NULL, last_error = ''"
            f"{rendered} WHERE id = {{}}",
            now or utcnow(),
            *values,
            reminder_id,
        )


async def mark_retry(
    reminder_id: int,
    worker: str,
    error: str,
    next_attempt_at: dt.datetime,
    email: RenderedEmail | None = None,
) -> None:
    rendered, values = _rendered(email)
    async with write_transaction():
        await fetch(
            "UPDATE reminder SET status = 'queued', claimed_by = NULL, last_error = {}, "
            f"next_attempt_at = {{}}{rendered} WHERE id = {{}} AND status = 'sending' AND claimed_by = {{}}",
            error[:2000],
            next_attempt_at,
            *values,
            reminder_id,
            worker,
        )


async def mark_failed(reminder_id: int, worker: str, error: str, email: RenderedEmail | None = None) -> None:
    rendered, values = _rendered(email)
    async with write_transaction():
        await fetch(
            f"UPDATE reminder SET status = 'failed', claimed_by = NULL, last_error = {{}}{rendered} "
            "WHERE id = {} AND status = 'sending' AND claimed_by = {}",
            error[:2000],
            *values,
            reminder_id,
            worker,
        )


@dataclass(frozen=True)
class Undelivered:
    """What the outbox still holds that has not reached its recipient (`cop-tracker send`'s summary)."""

    queued: int = 0  # deliverable now, left for the next run (the server was away)
    retrying: int = 0  # queued again after a temporary failure, until `next_attempt_at`
    held: int = 0  # waiting for the recipient's weekly digest
    sending: int = 0  # claimed by another sender right now
    failed: int = 0  # given up on, listed for the secretariat, retried only by hand

    @property
    def waiting(self) -> int:
        """Reminders that will still go out without anyone's help, this sender's concern."""
        return self.queued + self.retrying + self.held


async def undelivered(now: dt.datetime | None = None) -> Undelivered:
    """Count the reminders not delivered yet, by why (one grouped read)."""
    rows = await fetch(
        "SELECT status, CASE WHEN next_attempt_at > {} THEN 1 ELSE 0 END AS later, COUNT(*) AS n "
        "FROM reminder WHERE status IN ('queued', 'held', 'sending', 'failed') GROUP BY 1, 2",
        now or utcnow(),
    )
    counts = dict.fromkeys(("queued", "retrying", "held", "sending", "failed"), 0)
    for row in rows:
        name = "retrying" if row["status"] == QUEUED and row["later"] else row["status"]
        counts[name] += int(row["n"])
    return Undelivered(**counts)


# The secretariat's view --------------------------------------------------------------------------

LIST_COLUMNS = (
    "r.id, r.rule, r.status, r.recipient, r.recipient_email, r.organization, o.acronym AS organization_acronym, "
    "r.subject, r.link, r.context, r.digest, r.attempts, r.next_attempt_at, r.sent_at, r.last_error, "
    "r.message_id, r.created_at"
)


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    """A row for the secretariat: the subject (rendered now if not yet sent), no template values."""
    item = dict(row)
    context = item.pop("context", "")
    if not item["subject"] and context:
        try:
            item["subject"] = subject_of(item["rule"], context)
        except Exception:  # noqa: BLE001 - a listing never fails on one bad row
            item["subject"] = f"({item['rule']})"
    item["digest"] = bool(item["digest"])
    return item


def _require_secretariat(caller: Caller) -> None:
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat may see and retry reminders"))


async def list_reminders(
    caller: Caller,
    status: str | None = None,
    rule: str | None = None,
    organization_id: int | None = None,
    paging: Paging = FIRST_PAGE,
) -> Page[dict[str, Any]]:
    """The outbox for the secretariat, newest first (bodies left out); `reminder_counts` gives
    how many there are in each status."""
    _require_secretariat(caller)
    if status is not None:
        choice(
            status,
            STATUSES,
            "status",
            N_("status must be one of %(statuses)s (got %(status)r)"),
            listed="statuses",
            got="status",
        )
    where, args = ["1 = 1"], []
    for column, value in (("r.status", status), ("r.rule", rule), ("r.organization", organization_id)):
        if value is not None:
            where.append(f"{column} = {{}}")
            args.append(value)
    page = await fetch_page(
        f"SELECT {LIST_COLUMNS} FROM reminder r LEFT JOIN organization o ON o.id = r.organization "
        f"WHERE {' AND '.join(where)}",
        "r.id DESC",
        *args,
        paging=paging,
    )
    return page.map(_listed)


async def reminder_counts(caller: Caller) -> dict[str, int]:
    """How many reminders are in each status (every status present, zeros included)."""
    _require_secretariat(caller)
    rows = await fetch("SELECT status, COUNT(*) AS n FROM reminder GROUP BY status")
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({row["status"]: int(row["n"]) for row in rows})
    return counts


async def retry_reminder(caller: Caller, reminder_id: int) -> dict[str, Any]:
    """Queue a failed reminder again, at once, with a fresh count of attempts (audited)."""
    _require_secretariat(caller)
    async with write_transaction():
        before = await one_or_not_found(
            "SELECT id, status, attempts, last_error FROM reminder WHERE id = {}",
            reminder_id,
            missing=NO_REMINDER,
            reminder_id=reminder_id,
        )
        if before["status"] != FAILED:
            raise Conflict(
                N_("only a failed reminder can be retried; this one is %(status)s"),
                field="status",
                status=before["status"],
            )
        await fetch(
            "UPDATE reminder SET status = 'queued', attempts = 0, next_attempt_at = NULL, "
            "claimed_by = NULL, claimed_at = NULL WHERE id = {} AND status = 'failed'",
            reminder_id,
        )
        after = {**before, "status": QUEUED, "attempts": 0}
        await audit.record(caller, "retry", "reminder", reminder_id, before, after)
    (item,) = await fetch(
        f"SELECT {LIST_COLUMNS} FROM reminder r LEFT JOIN organization o ON o.id = r.organization "
        "WHERE r.id = {}",
        reminder_id,
    )
    return _listed(item)


# What a person received ----------------------------------------------------------------------------


async def reminders_received(caller: Caller, organization_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """The latest reminders about one organization addressed to the caller (sent, queued or retrying).

    Only the caller's own reminders: a focal point never sees what went to the champion. Subjects carry
    titles and dates only, never narratives, so they are safe to show to their recipient.
    """
    if caller.person_id is None:
        return []
    rows = await fetch(
        f"SELECT {LIST_COLUMNS} FROM reminder r LEFT JOIN organization o ON o.id = r.organization "
        "WHERE r.recipient = {} AND r.organization = {} AND r.status <> 'failed' "
        f"ORDER BY r.id DESC LIMIT {int(limit)}",
        caller.person_id,
        organization_id,
    )
    return [_listed(row) for row in rows]
