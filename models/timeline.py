"""A milestone's and a commitment's time rules, as pure functions of (dates, status, today).

The services write `derived_state` and `next_check_on` with them when a milestone changes, the
daily timeline check (`reminders/`) moves them on, the dashboard sorts milestones by them and the
scorecard flags silence with the same 90 days: each rule is written once, here.
"""

from __future__ import annotations

import datetime as dt

from models.vocabulary import OPEN_MILESTONE_STATUSES, MilestoneStatus

DUE_SOON_DAYS = (14, 3)  # reminders before the milestone's due date
OVERDUE_DAYS = 1  # the overdue reminder, after the due date
ESCALATION_DAYS = 30  # overdue by this many days: the champion hears of it
AT_RISK_DAYS = 14  # a planned milestone due within this many days is at risk
WATCH_DAYS = 30  # the dashboard lists open milestones due within this many days
STALE_DAYS = 90  # a commitment without a progress update for this long is silent

_DAYS = [dt.timedelta(days=n) for n in range(400)]


def days(n: int) -> dt.timedelta:
    """`timedelta(days=n)`, kept ready: the check computes hundreds of thousands of them."""
    return _DAYS[n] if 0 <= n < len(_DAYS) else dt.timedelta(days=n)


# Offsets from the due date of every date on which a milestone's reminders or state change.
CHECK_OFFSETS = tuple(
    dt.timedelta(days=n) for n in (-DUE_SOON_DAYS[0], -DUE_SOON_DAYS[1], OVERDUE_DAYS, ESCALATION_DAYS)
)


def next_check_on(due_date: dt.date, status: str, *, after: dt.date | None = None) -> dt.date | None:
    """The value of `Milestone.next_check_on`: the next date the timeline check must look at it.

    Writers (creating a milestone, or changing its due date or status) call it WITHOUT `after`:
    that gives the first check date (14 days before due), possibly in the past, so the next check
    catches up on whatever threshold has already passed. The check itself calls it with
    `after=today` once it has handled a milestone, which moves it to the next threshold strictly
    after today. Done and dropped milestones need no check (None).
    """
    if status not in OPEN_MILESTONE_STATUSES:
        return None
    if after is None:
        return due_date + CHECK_OFFSETS[0]
    for offset in CHECK_OFFSETS:
        if due_date + offset > after:
            return due_date + offset
    return None


def derived_state(due_date: dt.date, status: str, today: dt.date) -> str:
    """`overdue` (open and past due), `at_risk` (not started and due within 14 days) or ""."""
    if status not in OPEN_MILESTONE_STATUSES:
        return ""
    if today > due_date:
        return "overdue"
    if status == MilestoneStatus.PLANNED and today >= due_date - days(AT_RISK_DAYS):
        return "at_risk"
    return ""


def watch_state(due_date: dt.date, status: str, today: dt.date) -> str:
    """Where the dashboard lists a milestone: `overdue`, `due_soon` (within 30 days) or ""."""
    if derived_state(due_date, status, today) == "overdue":
        return "overdue"
    if status in OPEN_MILESTONE_STATUSES and due_date <= today + days(WATCH_DAYS):
        return "due_soon"
    return ""
