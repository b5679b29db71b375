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
import logging
import os
import signal
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from models import clock
from models.settings import Settings
from reminders.jobs import (
    CHECK_JOB,
    DELIVERY_INTERVAL,
    DELIVERY_JOB,
    delivery_job,
    finish_running_jobs,
    last_run,
    timeline_check_job,
)

CHECK_TIME_UTC = dt.time(5, 0)
CHECK_MISFIRE_GRACE = dt.timedelta(hours=20)
CATCH_UP_JOB = "timeline_check_catch_up"
log = logging.getLogger("cop_tracker.reminders")
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


async def check_and_deliver(settings: Settings) -> None:
    """The daily check, then a delivery at once rather than at the next minute."""
    await timeline_check_job(settings)
    await delivery_job(settings)


async def catch_up_check(settings: Settings) -> None:
    if check_missed(await last_run(CHECK_JOB), clock.utcnow()):
        await check_and_deliver(settings)


class SchedulerLock:
    """One scheduler per database: of the processes serving it, the one holding this lock.

    SQLite: an exclusive `flock` on `<database file>.scheduler-lock`, beside the database in a
    directory the app owns (never a shared temporary directory, where another user could plant a
    symlink or hold the lock); opened without following symlinks. PostgreSQL: a session advisory
    lock on a connection of its own, so it holds across machines. Either way the lock dies with its
    holder, however it exits, and a restarted worker takes it over. A lock that cannot be taken
    for any other reason leaves this process without a scheduler, with a warning, and never stops
    it from serving.
    """

    ADVISORY_KEY = 0x636F_7074  # any constant every CoP Tracker process agrees on

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._file: int | None = None
        self._connection: Any = None

    @property
    def path(self) -> Path:
        database = Path(self.engine.path).resolve()
        return database.with_name(database.name + ".scheduler-lock")

    async def acquire(self) -> bool:
        """True when this process now holds the lock; False when another process does."""
        try:
            if self.engine.engine_type == "sqlite":
                return self._acquire_file()
            return await self._acquire_advisory()
        except Exception as exc:  # noqa: BLE001 - a lock it cannot use must not stop a web worker
            log.warning("scheduler not started here: its lock is unusable (%s)", exc)
            return False

    def _acquire_file(self) -> bool:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        handle = os.open(self.path, flags, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        self._file = handle
        return True

    async def _acquire_advisory(self) -> bool:
        import asyncpg

        connection = await asyncpg.connect(self.engine.config["dsn"])
        if await connection.fetchval("SELECT pg_try_advisory_lock($1)", self.ADVISORY_KEY):
            self._connection = connection
            return True
        await connection.close()
        return False

    async def release(self) -> None:
        if self._file is not None:
            os.close(self._file)  # closing the descriptor drops the flock
            self._file = None
        if self._connection is not None:
            await self._connection.close()  # ending the session drops the advisory lock
            self._connection = None


def start_scheduler(settings: Settings) -> AsyncIOScheduler:
    """Start the jobs in the running event loop; the caller shuts the scheduler down."""
    now = clock.utcnow()
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


async def run_scheduler_forever(settings: Settings, stop: asyncio.Event | None = None) -> int:
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
