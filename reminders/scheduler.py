"""The schedule: APScheduler 3.x in the web process (embedded default) or alone (`cop-tracker scheduler`)."""

from __future__ import annotations

from typing import Any


def start_scheduler(settings: Any) -> Any:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start()
    return scheduler
