"""`cop-tracker check` and `cop-tracker send`: the scheduled jobs, run once from the command line."""

from __future__ import annotations

import datetime as dt

from models.settings import Settings
from reminders import outbox
from reminders.check import run_check
from reminders.emails import subject_of
from reminders.jobs import CHECK_JOB, DELIVERY_JOB, describe_check, describe_delivery, record_run
from reminders.sender import deliver_due


async def run_check_command(settings: Settings, day: dt.date | None, dry_run: bool) -> int:
    """Run the timeline check as of `day` (default: today in each organization's time zone)."""
    as_of = day.isoformat() if day else "today (in each organization's time zone)"
    result = await run_check(settings, day=day, dry_run=dry_run)
    if dry_run:
        print(f"Dry run as of {as_of}: {len(result.new)} reminders would be queued; nothing was written.")
        for intent in result.new:
            subject = subject_of(intent.rule, intent.context)
            print(f"  {intent.rule:<20} {intent.recipient.email:<40} {subject}")
        return 0
    print(f"Timeline check as of {as_of}: {describe_check(result)}.")
    if day is None:
        await record_run(CHECK_JOB, describe_check(result))
    return 0


async def run_send_command(settings: Settings) -> int:
    """Deliver what is due now, then say what is still undelivered and why.

    Exit status 1 while any reminder remains undelivered (queued, waiting for a retry, held for a
    weekly digest) or one failed in this run, so a cron job or a deploy script notices; 0 only when
    everything is out. Rows another sender is sending right now are its concern, and reminders that
    failed earlier wait for the secretariat: both are counted, neither keeps the status at 1.
    """
    result = await deliver_due(settings)
    await record_run(DELIVERY_JOB, describe_delivery(result))
    left = await outbox.undelivered()
    print(
        f"Reminders sent: {result.sent}; to retry later: {result.retried}; failed: {result.failed}. "
        f"Still undelivered: {left.queued} queued, {left.retrying} waiting for a retry, "
        f"{left.held} held for a weekly digest, {left.sending} being sent by another sender; "
        f"{left.failed} failed in all (listed at /admin/reminders)."
    )
    return 0 if left.waiting == 0 and result.failed == 0 else 1
