"""Whether the scheduled jobs run on time: pure judgments of (a job's record, now), for /health.

Every web process expects the jobs to run, whoever runs them: with `SCHEDULER=on` the web worker
holding the scheduler lock, with `SCHEDULER=off` the one `cop-tracker scheduler` process (or, in a
set-up without a scheduler, `cop-tracker check` and `send` from cron, which write the same record).
Reminders only go out when they do, so a job whose last sign of life is older than twice its
interval makes /health fail: the classic "is the sender running?" failure, seen by every worker
because the record is in the database. A job that never ran counts from when this process
started, so a fresh install is healthy while its scheduler starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.engine import fetch
from reminders.jobs import JOB_INTERVALS

LATE_FACTOR = 2
SCHEDULER_HINT = "is the scheduler running (one `cop-tracker scheduler`, or SCHEDULER=on in the web workers)?"


@dataclass(frozen=True)
class JobRecord:
    """A job_run row: when the latest run started and ended, how it ended, the last sign of life."""

    job: str
    started_at: dt.datetime | None = None
    last_run_at: dt.datetime | None = None
    last_result: str = ""
    alive_at: dt.datetime | None = None

    @property
    def last_seen(self) -> dt.datetime | None:
        moments = [m for m in (self.alive_at, self.last_run_at, self.started_at) if m is not None]
        return max(moments) if moments else None

    @property
    def running_since(self) -> dt.datetime | None:
        """The start of a run that has not ended yet (None when the job is idle)."""
        if self.started_at is None or (self.last_run_at is not None and self.last_run_at >= self.started_at):
            return None
        return self.started_at


@dataclass(frozen=True)
class JobHealth:
    job: str
    interval: dt.timedelta
    record: JobRecord
    late: str | None  # why the job is late, or None when it is on time

    def report(self) -> dict[str, object]:
        """What /health shows of the job (its result's wording stays in the database)."""
        record = self.record
        return {
            "last_run_at": _iso(record.last_run_at),
            "last_run_ok": None
            if record.last_run_at is None
            else not record.last_result.startswith("error:"),
            "running_since": _iso(record.running_since),
            "every_seconds": int(self.interval.total_seconds()),
            "late": self.late is not None,
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def duration(span: dt.timedelta) -> str:
    """A span in the unit a person would say: 90 seconds, 5 minutes, 3 hours, 2 days."""
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size or (seconds >= size and seconds % size == 0):
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def judge(
    job: str, interval: dt.timedelta, record: JobRecord, now: dt.datetime, since: dt.datetime
) -> JobHealth:
    """Whether `job` is late at `now`: no sign of life for more than twice its interval (a job that
    never ran counts from `since`, when this process began to expect it)."""
    seen = record.last_seen
    reference = seen if seen is not None else since
    late = None
    if now - reference > LATE_FACTOR * interval:
        every = duration(interval)
        if seen is None:
            late = f"{job} has never run in the {duration(now - since)} since this server started "
        else:
            late = (
                f"{job} last ran {duration(now - seen)} ago, at {seen.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC "
            )
        late += f"(it runs every {every}): {SCHEDULER_HINT}"
    return JobHealth(job, interval, record, late)


async def job_records() -> dict[str, JobRecord]:
    rows = await fetch("SELECT job, started_at, last_run_at, last_result, alive_at FROM job_run")
    return {
        row["job"]: JobRecord(
            job=row["job"],
            started_at=row["started_at"],
            last_run_at=row["last_run_at"],
            last_result=row["last_result"] or "",
            alive_at=row["alive_at"],
        )
        for row in rows
    }


async def scheduled_jobs(now: dt.datetime, since: dt.datetime) -> list[JobHealth]:
    """Every scheduled job, judged at `now` from its record in the database."""
    records = await job_records()
    return [
        judge(job, interval, records.get(job, JobRecord(job)), now, since)
        for job, interval in sorted(JOB_INTERVALS.items())
    ]
