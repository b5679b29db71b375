"""The one clock: "now", the server's today and an organization's local date.

Times are stored in UTC, so the server's "today" is the UTC date, whatever time zone the machine
runs in. Reminders and the timeline check work on an organization's own local date (docs/design.md:
"today" in its time zone). Every layer asks here, so a frozen clock in a test freezes them all.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """The server's today: the UTC date."""
    return utcnow().date()


@lru_cache(maxsize=256)
def zone(time_zone: str) -> dt.tzinfo:
    """An organization's time zone; an unknown name falls back to UTC rather than failing a check."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_date(moment: dt.datetime, time_zone: str) -> dt.date:
    """An organization's date at a moment, in its own time zone (naive moments are UTC).

    `local_date(utcnow(), time_zone)` is the organization's today."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone(time_zone)).date()
