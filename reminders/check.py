"""The daily timeline check: read what is due, apply the rules, queue new reminders, move dates on.

One check (a scheduled run, `cop-tracker check`, or POST /api/reminders/check):
1. reads only what is due (`reminders.facts`), with "today" in each organization's time zone;
2. applies the pure rules (`reminders.rules`) and keeps the intents whose key is not yet queued;
3. renders and queues them (`reminders.outbox.queue`; a repeated key is a no-op), holding the
   non-urgent ones of people who chose the weekly digest;
4. then writes the derived milestone states and moves `next_check_on` past today. Reminders are
   queued before the dates move, so a check that stops halfway loses nothing: the next run reads the
   same rows again and the keys stop duplicates;
5. compiles the batched emails whose time has come (`reminders.digests`): by default a person gets
   one email a day with everything that came due for them, and several urgent reminders of one
   check go out together, at once. A rule the person turned off is not queued for them.

A dry run stops after step 2 and writes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from models import audit
from models.bulk import update_by_id
from models.caller import Caller
from models.clock import utcnow
from models.engine import write_transaction
from models.errors import Forbidden, UserError
from models.settings import Settings
from models.timeline import derived_state, next_check_on
from models.words import N_
from reminders import outbox
from reminders.digests import compile_digests
from reminders.emails import context_json, mail_domain, message_id_for
from reminders.facts import CheckFacts, Today, load_facts
from reminders.review_rules import review_rules, round_progress_rules
from reminders.rules import (
    WEEKLY,
    Intent,
    Organization,
    Recipient,
    awaiting_signoff_rules,
    champion_gap_rules,
    commitment_next_check_on,
    digest_release,
    milestone_rules,
    stale_commitment_rules,
    submission_rules,
)

QUEUE_CHUNK = 10_000


@dataclass
class CheckResult:
    day: dt.date
    dry_run: bool
    rows_read: dict[str, int] = field(default_factory=dict)
    intents: list[Intent] = field(default_factory=list)
    new: list[Intent] = field(default_factory=list)
    queued: int = 0
    held: int = 0
    milestones_updated: int = 0
    commitments_updated: int = 0
    digests: int = 0

    @property
    def rows_read_total(self) -> int:
        return sum(self.rows_read.values())

    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(intent.rule for intent in self.new).items()))


@dataclass
class Evaluation:
    intents: list[Intent] = field(default_factory=list)
    milestone_updates: list[tuple[int, str, dt.date | None]] = field(default_factory=list)
    commitment_updates: list[tuple[int, dt.date | None]] = field(default_factory=list)


def evaluate(facts: CheckFacts, today: Today) -> Evaluation:
    """Apply every rule to the facts; pure, so a dry run and a real run agree."""
    result = Evaluation()
    for m, state, current_next in facts.milestones:
        day = today.of(m.organization.time_zone)
        if current_next is not None and current_next > day:
            continue  # read because another time zone is already a day ahead
        result.intents += milestone_rules(m, facts.people_of(m.organization.id), day)
        new_state = derived_state(m.due_date, m.status, day)
        new_next = next_check_on(m.due_date, m.status, after=day)
        if (new_state, new_next) != (state, current_next):
            result.milestone_updates.append((m.id, new_state, new_next))
    for c, current_next in facts.commitments:
        day = today.of(c.organization.time_zone)
        if current_next is not None and current_next > day:
            continue
        result.intents += stale_commitment_rules(c, facts.people_of(c.organization.id), day)
        new_next = commitment_next_check_on(c.last_update_on, c.status, after=day)
        if new_next != current_next:
            result.commitment_updates.append((c.id, new_next))
    for s in facts.submissions:
        day = today.of(s.organization.time_zone)
        result.intents += submission_rules(s, facts.people_of(s.organization.id), day)
    for s in facts.signoffs:
        day = today.of(s.organization.time_zone)
        result.intents += awaiting_signoff_rules(s, facts.people_of(s.organization.id), day)
    result.intents += champion_gap_rules(facts.gaps, facts.secretariat, today.utc)
    for r in facts.reviews:
        result.intents += review_rules(r, today.of(r.reviewer.time_zone))
    for round_ in facts.rounds:
        result.intents += round_progress_rules(round_, facts.secretariat, today.utc)
    return result


async def _champion_gap_queued(secretariat: Sequence[Recipient], day: dt.date) -> bool:
    """Whether this month's champion-gap alert is queued for every secretariat member already."""
    probe = champion_gap_rules([(_PROBE_ORG, "missing")], secretariat, day)
    keys = [intent.dedupe_key for intent in probe]
    return len(await outbox.existing_keys(keys)) == len(keys)


_PROBE_ORG = Organization(id=0, acronym="", name="")


async def run_check(
    settings: Settings,
    *,
    day: dt.date | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> CheckResult:
    """Run the timeline check as of `day` (every organization) or of `now` in each time zone.

    A real run for a day that has not begun anywhere yet is refused: it would queue that day's
    reminders early and move every check date past it. A dry run may look ahead.
    """
    if day is not None and not dry_run and day > latest_local_date(now or utcnow()):
        raise UserError(
            N_(
                "%(day)s has not begun anywhere yet: a real check runs for today or an earlier day; preview a later day with a dry run"
            ),
            field="date",
            day=day.isoformat(),
        )
    with _without_cycle_collection():
        return await _run_check(settings, day=day, now=now, dry_run=dry_run)


EARLIEST_UTC_OFFSET = dt.timedelta(hours=14)  # Kiribati's Line Islands: where each day begins


def latest_local_date(now: dt.datetime) -> dt.date:
    """The date where it is latest right now (UTC+14)."""
    return (now.astimezone(dt.UTC) + EARLIEST_UTC_OFFSET).date()


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector while a check builds its facts, intents and rows.

    A first check over a large database holds about 200,000 young objects (facts, intents, outbox
    rows), none of them in a reference cycle; the collector would walk them again and again while
    they are built, about a tenth of the check's time. Reference counting still frees everything.
    Only the section that turned the collector off turns it back on: after overlapping checks it is
    on again, as it was (a check still running then merely goes on with it on).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


async def _run_check(
    settings: Settings, *, day: dt.date | None, now: dt.datetime | None, dry_run: bool
) -> CheckResult:
    now = now or utcnow()
    today = Today(now=now, day=day)
    facts = await load_facts(today, _champion_gap_queued)
    evaluation = evaluate(facts, today)
    result = CheckResult(day=today.utc, dry_run=dry_run, rows_read=dict(facts.rows_read))
    result.intents = evaluation.intents
    by_key: dict[str, Intent] = {}
    for intent in evaluation.intents:
        if intent.recipient.wants(intent.rule):
            by_key.setdefault(intent.dedupe_key, intent)
    # In key order: the unique index on the key then grows at its end instead of at random pages.
    unique = [by_key[key] for key in sorted(by_key)]
    if dry_run:
        known = await outbox.existing_keys([intent.dedupe_key for intent in unique])
        result.new = [intent for intent in unique if intent.dedupe_key not in known]
        return result

    base_url = settings.base_url.rstrip("/")
    domain = mail_domain(settings.smtp.sender, base_url)
    inserted: set[str] = set()
    encoded: dict[int, str] = {}  # the intents of one milestone share one context
    for start in range(0, len(unique), QUEUE_CHUNK):
        chunk = unique[start : start + QUEUE_CHUNK]
        rows = [_outbox_row(intent, base_url, domain, today, encoded) for intent in chunk]
        inserted.update(await outbox.queue(rows, now))
        await asyncio.sleep(0)  # let web requests in between chunks when run inside the web process
    result.new = [intent for intent in unique if intent.dedupe_key in inserted]
    result.held = sum(1 for intent in result.new if _held(intent))
    result.queued = len(result.new) - result.held
    async with write_transaction():
        result.milestones_updated = await _write_milestones(evaluation.milestone_updates)
        result.commitments_updated = await _write_commitments(evaluation.commitment_updates)
    as_of = dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC) if day else now
    result.digests = await compile_digests(base_url, domain, as_of, now)
    return result


async def check_as(
    caller: Caller, settings: Settings, *, day: dt.date | None = None, dry_run: bool = False
) -> CheckResult:
    """The check on request of a person (the API): the secretariat only; a real run is audited."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat may run the timeline check"))
    result = await run_check(settings, day=day, dry_run=dry_run)
    if not dry_run:
        summary = {"day": result.day, "queued": result.queued, "held": result.held, "rules": result.by_rule()}
        async with write_transaction():
            await audit.record(caller, "check", "reminder", "", None, summary)
    return result


def _held(intent: Intent) -> bool:
    """A reminder that goes out in a batch waits in the outbox until the batch is compiled."""
    return bool(intent.batch)


def _outbox_row(
    intent: Intent, base_url: str, domain: str, today: Today, encoded: dict[int, str]
) -> outbox.OutboxRow:
    held = _held(intent)
    context = encoded.get(id(intent.context))
    if context is None:
        context = encoded[id(intent.context)] = context_json(intent.context)
    return outbox.OutboxRow(
        dedupe_key=intent.dedupe_key,
        rule=intent.rule,
        recipient_id=intent.recipient.person_id,
        recipient_email=intent.recipient.email,
        organization_id=intent.organization_id,
        link=f"{base_url}/{intent.link.lstrip('/')}",
        context=context,
        message_id=message_id_for(intent.dedupe_key, domain),
        status=outbox.HELD if held else outbox.QUEUED,
        next_attempt_at=_release(intent.batch, today) if held else None,
        batch=intent.batch,
    )


def _release(batch: str, today: Today) -> dt.datetime:
    """When a held reminder's batch may go: a weekly one on the Monday after, the others on the
    check's own day (its start, so that a check run for an earlier date compiles them too)."""
    if batch == WEEKLY:
        return digest_release(today.utc)
    return dt.datetime.combine(today.utc, dt.time(0), tzinfo=dt.UTC)


async def _write_milestones(updates: list[tuple[int, str, dt.date | None]]) -> int:
    """Derived states and next check dates; called inside the caller's write transaction."""
    await update_by_id(
        "milestone",
        (("derived_state", "text"), ("next_check_on", "date")),
        [(state, next_on, milestone_id) for milestone_id, state, next_on in sorted(updates)],
    )
    return len(updates)


async def _write_commitments(updates: list[tuple[int, dt.date | None]]) -> int:
    await update_by_id(
        "commitment",
        (("next_check_on", "date"),),
        [(next_on, commitment_id) for commitment_id, next_on in sorted(updates)],
    )
    return len(updates)
