"""Workflow emails queued the moment something happens, through the same outbox as reminders.

A submitted review tells the reviewee's focal points and champion at once. The daily check applies
the same rule (`reminders.review_rules`) with the same keys, so a mail missed here is queued by the
next check, and one queued here is never queued twice.
"""

from __future__ import annotations

from models.clock import utcnow
from models.settings import Settings
from reminders import outbox
from reminders.check import _outbox_row
from reminders.emails import mail_domain
from reminders.facts import Today
from reminders.review_facts import load_review_facts
from reminders.review_rules import REVIEW_SUBMITTED, review_rules


async def queue_review_submitted(settings: Settings, review_id: int) -> list[str]:
    """Queue the "review submitted" emails of one review; returns the keys newly queued."""
    reviews, _ = await load_review_facts("AND v.id = {}", review_id)
    today = Today(now=utcnow())
    intents = [i for r in reviews for i in review_rules(r, today.utc) if i.rule == REVIEW_SUBMITTED]
    base_url = settings.base_url.rstrip("/")
    domain = mail_domain(settings.smtp.sender, base_url)
    return await outbox.queue([_outbox_row(intent, base_url, domain, today, {}) for intent in intents])
