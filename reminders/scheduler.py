"""The schedule: APScheduler 3.x in the web process (embedded default) or alone (`cop-tracker scheduler`).

Two jobs on an `AsyncIOScheduler`, in the event loop they share with the web app (they await the
database and the SMTP server, so they never block a request for long):
- `deliver_reminders` every minute, and once at start: sends what the outbox holds;
- `timeline_check` daily at 05:00 UTC ("today" is then taken in each organization's time zone),
  with a misfire grace of 20 hours, and once at start when the last scheduled run was missed
  (the job store lives in memory, so after a restart only the JobRun record knows).
A second scheduler by mistake is harmless: reminder keys are unique and rows are claimed by exactly
one sender. Still, of the web workers that `cop-tracker serve` starts, only the one holding the
scheduler lock (`SchedulerLock`) runs the jobs; `SCHEDULER=off` keeps it out of every worker.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import hashlib
import signal
import tempfile
from pathlib import Path
from typing import IO, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from reminders.jobs import (
    CHECK_JOB,
    DELIVERY_JOB,
    delivery_job,
    finish_running_jobs,
    last_run,
    timeline_check_job,
)

DELIVERY_INTERVAL = dt.timedelta(minutes=1)
CHECK_TIME_UTC = dt.time(5, 0)
CHECK_MISFIRE_GRACE = dt.timedelta(hours=20)
CATCH_UP_JOB = "timeline_check_catch_up"
# A stopping scheduler waits this long for a running job: cancelled halfway, a job would leave an
# open database connection behind, whose thread keeps the process from exiting.
STOP_GRACE_SECONDS = 10.0


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


class SchedulerLock:
    """One scheduler per database on this machine: an exclusive lock on a file named after the
    database. The operating system releases it when the holder exits, however it exits, so a
    restarted worker takes it over."""

    def __init__(self, database: str) -> None:
        """`database`: what names the database (a SQLite file's absolute path, a PostgreSQL URL)."""
        digest = hashlib.sha256(database.encode()).hexdigest()[:16]
        self.path = Path(tempfile.gettempdir()) / f"cop-tracker-scheduler-{digest}.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        """True when this process now holds the lock; False when another process does."""
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


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


async def stop_scheduler(scheduler: AsyncIOScheduler, grace: float = STOP_GRACE_SECONDS) -> None:
    """Start no new job, let the running ones finish (up to `grace` seconds), then shut down."""
    scheduler.pause()
    await finish_running_jobs(grace)
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a callback of the loop: let it run


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
        await stop_scheduler(scheduler)
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
    print("Scheduler stopped.", flush=True)
    return 0
