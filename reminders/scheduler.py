"""The schedule: APScheduler 3.x in the web process (embedded default) or alone (`cop-tracker scheduler`).

Two jobs on an `AsyncIOScheduler`, in the event loop they share with the web app (they await the
database and the SMTP server, so they never block a request for long):
- `deliver_reminders` every minute, and once at start: sends what the outbox holds;
- `timeline_check` daily at 05:00 UTC ("today" is then taken in each organization's time zone),
  with a misfire grace of 20 hours, and once at start when the last scheduled run was missed
  (the job store lives in memory, so after a restart only the JobRun record knows).
A second scheduler by mistake is harmless: reminder keys are unique and rows are claimed by exactly
one sender. `SCHEDULER=off` keeps it out of web workers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from reminders.jobs import CHECK_JOB, DELIVERY_JOB, delivery_job, last_run, timeline_check_job

DELIVERY_INTERVAL = dt.timedelta(minutes=1)
CHECK_TIME_UTC = dt.time(5, 0)
CHECK_MISFIRE_GRACE = dt.timedelta(hours=20)
CATCH_UP_JOB = "timeline_check_catch_up"


def last_scheduled_check(now: dt.datetime) -> dt.datetime:
    """The most recent daily check time at or before `now`."""
    today = dt.datetime.combine(now.astimezone(dt.UTC).date(), CHECK_TIME_UTC, tzinfo=dt.UTC)
    return today if now >= today else today - dt.timedelta(days=1)


def check_missed(last: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the daily check has not run since its last scheduled time (so run it now)."""
    return last is None or last < last_scheduled_check(now)


async def check_and_deliver(settings: Any) -> None:
    """The daily check, then a delivery at once rather than at the next minute."""
    await timeline_check_job(settings)
    await delivery_job(settings)


async def catch_up_check(settings: Any) -> None:
    if check_missed(await last_run(CHECK_JOB), dt.datetime.now(dt.UTC)):
        await check_and_deliver(settings)


def start_scheduler(settings: Any) -> AsyncIOScheduler:
    """Start the jobs in the running event loop; the caller shuts the scheduler down."""
    now = dt.datetime.now(dt.UTC)
    scheduler = AsyncIOScheduler(timezone=dt.UTC, job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(
        delivery_job,
        IntervalTrigger(seconds=DELIVERY_INTERVAL.total_seconds(), timezone=dt.UTC),
        args=[settings],
        id=DELIVERY_JOB,
        next_run_time=now,
        misfire_grace_time=int(DELIVERY_INTERVAL.total_seconds()),
    )
    scheduler.add_job(
        check_and_deliver,
        CronTrigger(hour=CHECK_TIME_UTC.hour, minute=CHECK_TIME_UTC.minute, timezone=dt.UTC),
        args=[settings],
        id=CHECK_JOB,
        misfire_grace_time=int(CHECK_MISFIRE_GRACE.total_seconds()),
    )
    scheduler.add_job(catch_up_check, "date", run_date=now, args=[settings], id=CATCH_UP_JOB)
    scheduler.start()
    return scheduler


async def run_scheduler_forever(settings: Any, stop: asyncio.Event | None = None) -> int:
    """`cop-tracker scheduler`: run the jobs until SIGTERM or SIGINT (or `stop` is set)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
            pass
    scheduler = start_scheduler(settings)
    print(
        f"Scheduler running: reminders delivered every {int(DELIVERY_INTERVAL.total_seconds())} s, "
        f"timeline check daily at {CHECK_TIME_UTC:%H:%M} UTC. Stop with Ctrl-C.",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
    print("Scheduler stopped.", flush=True)
    return 0
