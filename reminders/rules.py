"""The reminder rules of docs/design.md as pure functions of (facts, local date).

Nothing here reads the database, a clock or the settings: each rule takes plain facts and the
organization's local date ("today" in its own time zone) and returns the reminders due on that date,
each with a deterministic dedupe key (rule, subject, threshold, recipient). The check loads the facts
and queues the intents; the unique key makes a repeat a no-op.

Catching up: a threshold fires on its date and, if no check ran that day, on the next check after
it, as long as it is the latest threshold of its rule that has passed (a reminder "due in 14 days" is
not sent once "due in 3 days" applies). Subjects carry the date they are about (a milestone's due
date, a commitment's last update), so moving a due date gives a fresh set of reminders.

Recipients are always people of the organization concerned (its focal points and champions) or, for
the secretariat's own rule, the secretariat. An owner who is not a member of the organization gets
nothing. Intents carry titles and dates only, never narratives or descriptions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.timeline import (
    DUE_SOON_DAYS,
    ESCALATION_DAYS,
    OVERDUE_DAYS,
    STALE_DAYS,
    days,
)
from models.vocabulary import ESSENTIAL_RULES, NOT_SUBMITTED_STATUSES, OPEN_MILESTONE_STATUSES

MILESTONE_DUE_SOON = "milestone_due_soon"
MILESTONE_OVERDUE = "milestone_overdue"
ESCALATION = "escalation"
STALE_COMMITMENT = "stale_commitment"
SUBMISSION_DUE = "submission_due"
SUBMISSION_LATE = "submission_late"
AWAITING_SIGNOFF = "awaiting_signoff"
CHAMPION_GAP = "champion_gap"
WEEKLY_DIGEST = "weekly_digest"
DAILY_DIGEST = "daily_digest"
URGENT_DIGEST = "urgent_digest"
DIGEST_RULES = (DAILY_DIGEST, WEEKLY_DIGEST, URGENT_DIGEST)
# Always sent at once, even to people who chose the weekly digest (with the workflow email of
# `reminders.review_rules`: a submitted review opens the right of reply).
URGENT_RULES = frozenset({ESCALATION, CHAMPION_GAP, "review_submitted"})

# How a person's reminders reach them (`Person.email_frequency`).
IMMEDIATE, DAILY, WEEKLY = "immediate", "daily", "weekly"
FREQUENCIES = (IMMEDIATE, DAILY, WEEKLY)

# How a batched email orders what it lists: the most pressing first.
URGENCY = {
    ESCALATION: "overdue",
    MILESTONE_OVERDUE: "overdue",
    SUBMISSION_LATE: "overdue",
    "review_overdue": "overdue",
    MILESTONE_DUE_SOON: "due_soon",
    SUBMISSION_DUE: "due_soon",
    "review_due": "due_soon",
    "reply_due": "due_soon",
}
URGENCY_ORDER = ("overdue", "due_soon", "other")

SUBMISSION_DUE_DAYS = (14, 3)  # before the cycle's due date
SUBMISSION_LATE_FOCAL_DAYS = 1  # after the due date, to the focal points
SUBMISSION_LATE_CHAMPION_DAYS = 14  # after the due date, to the champion
SUBMISSION_WINDOW_AFTER_DUE = 45  # late reminders stop after this; the scorecard flags it instead
SIGNOFF_WAIT_DAYS = 7  # submitted and not approved after this many days


@dataclass(frozen=True)
class Recipient:
    person_id: int
    email: str
    name: str
    weekly_digest: bool = False
    seniority: str = ""
    frequency: str = IMMEDIATE
    muted: frozenset[str] = frozenset()

    def wants(self, rule: str) -> bool:
        """Whether this person receives `rule` (essential rules cannot be turned off)."""
        return rule in ESSENTIAL_RULES or rule not in self.muted

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Recipient:
        """A recipient from a row of the facts' person columns (`reminders.facts.PERSON_COLUMNS`)."""
        return cls(
            person_id=int(row["person_id"]),
            email=row["email"],
            name=row["name"],
            weekly_digest=row["email_frequency"] == WEEKLY,
            seniority=row["seniority"] or "",
            frequency=row["email_frequency"] or DAILY,
            muted=muted_rules(row["muted_rules"]),
        )


def muted_rules(stored: str | None) -> frozenset[str]:
    """`Person.muted_rules` as a set of rule names."""
    return frozenset(rule.strip() for rule in (stored or "").split(",") if rule.strip())


@dataclass(frozen=True)
class Organization:
    id: int
    acronym: str
    name: str
    time_zone: str = "UTC"
    active: bool = True


@dataclass(frozen=True)
class OrgPeople:
    """The people of one organization who may receive its reminders."""

    focal_points: tuple[Recipient, ...] = ()
    champions: tuple[Recipient, ...] = ()

    def member(self, person_id: int | None) -> Recipient | None:
        for person in (*self.focal_points, *self.champions):
            if person.person_id == person_id:
                return person
        return None


@dataclass(slots=True)
class MilestoneFacts:
    id: int
    title: str
    due_date: dt.date
    status: str
    commitment_id: int
    commitment_title: str
    owner_id: int | None
    organization: Organization


@dataclass(slots=True)
class CommitmentFacts:
    id: int
    title: str
    status: str
    owner_id: int | None
    last_update_on: dt.date  # local date of the latest progress update (or of creation)
    organization: Organization


@dataclass(slots=True)
class SubmissionFacts:
    """One organization's submission for one cycle; `status` is None when none was started."""

    organization: Organization
    cycle_name: str
    cycle_due_date: dt.date
    submission_id: int | None = None
    status: str | None = None
    submitted_on: dt.date | None = None  # local date


@dataclass(slots=True)
class Intent:
    """One reminder to one person, before rendering. The dedupe key is unique in the outbox.

    Not frozen only because a check creates tens of thousands of them; nothing changes one."""

    rule: str
    subject: str
    threshold: str
    recipient: Recipient
    organization_id: int | None
    link: str  # a path; the email joins it to BASE_URL
    context: Mapping[str, Any] = field(default_factory=dict)
    dedupe_key: str = field(init=False)

    def __post_init__(self) -> None:
        self.dedupe_key = f"{self.rule}|{self.subject}|{self.threshold}|person:{self.recipient.person_id}"

    @property
    def urgent(self) -> bool:
        return self.rule in URGENT_RULES

    @property
    def batch(self) -> str:
        """The email this reminder goes out in: "" alone at once, "urgent" with the other urgent
        reminders of the same check, "daily" or "weekly" in the person's batch."""
        frequency = self.recipient.frequency
        if frequency == IMMEDIATE:
            return ""
        if self.urgent:
            return "urgent"
        return WEEKLY if frequency == WEEKLY else DAILY


def _unique(people: Iterable[Recipient]) -> list[Recipient]:
    seen: dict[int, Recipient] = {}
    for person in people:
        seen.setdefault(person.person_id, person)
    return list(seen.values())


def _latest_passed(thresholds: Sequence[tuple[dt.date, str]], today: dt.date) -> str | None:
    passed = [(when, label) for when, label in thresholds if when <= today]
    return max(passed)[1] if passed else None


def _org_context(org: Organization) -> dict[str, Any]:
    return {"organization_name": org.name, "organization_acronym": org.acronym}


# Milestones --------------------------------------------------------------------------------------


def milestone_rules(m: MilestoneFacts, people: OrgPeople, today: dt.date) -> list[Intent]:
    """Due soon (14 and 3 days before), overdue (1 day after), escalation (30 days overdue)."""
    if m.status not in OPEN_MILESTONE_STATUSES or not m.organization.active:
        return []
    owner = people.member(m.owner_id)
    owner_and_focal = _unique([*([owner] if owner else []), *people.focal_points])
    subject = f"milestone:{m.id}@{m.due_date.isoformat()}"
    context = {
        **_org_context(m.organization),
        "milestone_title": m.title,
        "commitment_title": m.commitment_title,
        "due_date": m.due_date,
        "today": today,
        "days_left": (m.due_date - today).days,
        "days_overdue": (today - m.due_date).days,
    }
    link = f"/organizations/{m.organization.id}/commitments/{m.commitment_id}#milestone-{m.id}"
    fired: list[tuple[str, str, list[Recipient]]] = []
    if today <= m.due_date:
        soon = _latest_passed([(m.due_date - days(n), str(n)) for n in DUE_SOON_DAYS], today)
        if soon:
            fired.append((MILESTONE_DUE_SOON, soon, owner_and_focal))
    if today >= m.due_date + days(OVERDUE_DAYS):
        fired.append((MILESTONE_OVERDUE, str(OVERDUE_DAYS), owner_and_focal))
    if today >= m.due_date + days(ESCALATION_DAYS):
        fired.append((ESCALATION, str(ESCALATION_DAYS), list(people.champions)))
    return [
        Intent(rule, subject, threshold, person, m.organization.id, link, context)
        for rule, threshold, recipients in fired
        for person in recipients
    ]


# Commitments -------------------------------------------------------------------------------------


def commitment_next_check_on(last_update_on: dt.date, status: str, *, after: dt.date) -> dt.date | None:
    """The value of `Commitment.next_check_on`: the next 90-day mark of silence after `after`.

    A new progress update only moves the mark later, so a stale value makes the check look early,
    never late: writers need not maintain it (NULL means "look at it on the next check").
    """
    if status != "active":
        return None
    elapsed = (after - last_update_on).days
    periods = max(0, elapsed // STALE_DAYS) + 1
    return last_update_on + days(STALE_DAYS * periods)


def stale_commitment_rules(c: CommitmentFacts, people: OrgPeople, today: dt.date) -> list[Intent]:
    """No progress update for 90 days (and again at 180, 270, ... days of silence): focal points."""
    if c.status != "active" or not c.organization.active:
        return []
    silent = (today - c.last_update_on).days
    if silent < STALE_DAYS:
        return []
    threshold = str(STALE_DAYS * (silent // STALE_DAYS))
    context = {
        **_org_context(c.organization),
        "commitment_title": c.title,
        "last_update_on": c.last_update_on,
        "days_silent": silent,
        "today": today,
    }
    subject = f"commitment:{c.id}@{c.last_update_on.isoformat()}"
    link = f"/organizations/{c.organization.id}/commitments/{c.id}#history-heading"
    return [
        Intent(STALE_COMMITMENT, subject, threshold, person, c.organization.id, link, context)
        for person in _unique(people.focal_points)
    ]


# Submissions -------------------------------------------------------------------------------------


def cycle_in_window(cycle_due_date: dt.date, today: dt.date) -> bool:
    """Whether the submission-due and submission-late rules can fire for a cycle today."""
    first = cycle_due_date - days(max(SUBMISSION_DUE_DAYS))
    return first <= today <= cycle_due_date + days(SUBMISSION_WINDOW_AFTER_DUE)


def submission_rules(s: SubmissionFacts, people: OrgPeople, today: dt.date) -> list[Intent]:
    """Submission due (14 and 3 days before), late (1 day after: focal points; 14 days: champion)."""
    org = s.organization
    if not org.active or (s.status is not None and s.status not in NOT_SUBMITTED_STATUSES):
        return []
    if not cycle_in_window(s.cycle_due_date, today):
        return []
    due = s.cycle_due_date
    subject = f"cycle:{s.cycle_name}@{due.isoformat()}:org:{org.id}"
    context = {
        **_org_context(org),
        "cycle_name": s.cycle_name,
        "due_date": due,
        "today": today,
        "days_left": (due - today).days,
        "days_late": (today - due).days,
    }
    link = f"/organizations/{org.id}/submissions/{s.cycle_name}"
    fired: list[tuple[str, str, Sequence[Recipient]]] = []
    if today <= due:
        soon = _latest_passed([(due - days(n), str(n)) for n in SUBMISSION_DUE_DAYS], today)
        if soon:
            fired.append((SUBMISSION_DUE, soon, people.focal_points))
    if today >= due + days(SUBMISSION_LATE_FOCAL_DAYS):
        fired.append((SUBMISSION_LATE, str(SUBMISSION_LATE_FOCAL_DAYS), people.focal_points))
    if today >= due + days(SUBMISSION_LATE_CHAMPION_DAYS):
        fired.append((SUBMISSION_LATE, str(SUBMISSION_LATE_CHAMPION_DAYS), people.champions))
    return [
        Intent(rule, subject, threshold, person, org.id, link, context)
        for rule, threshold, recipients in fired
        for person in _unique(recipients)
    ]


def awaiting_signoff_rules(s: SubmissionFacts, people: OrgPeople, today: dt.date) -> list[Intent]:
    """Submitted and not approved after 7 days: the champion."""
    org = s.organization
    if not org.active or s.status != "submitted" or s.submitted_on is None or s.submission_id is None:
        return []
    if today < s.submitted_on + days(SIGNOFF_WAIT_DAYS):
        return []
    context = {
        **_org_context(org),
        "cycle_name": s.cycle_name,
        "submitted_on": s.submitted_on,
        "days_waiting": (today - s.submitted_on).days,
        "today": today,
    }
    subject = f"submission:{s.submission_id}@{s.submitted_on.isoformat()}"
    link = f"/organizations/{org.id}/submissions/{s.cycle_name}"
    return [
        Intent(AWAITING_SIGNOFF, subject, str(SIGNOFF_WAIT_DAYS), person, org.id, link, context)
        for person in _unique(people.champions)
    ]


# Champion gap (the secretariat's rule) -----------------------------------------------------------


def champion_gap_rules(
    gaps: Sequence[tuple[Organization, str]], secretariat: Sequence[Recipient], today: dt.date
) -> list[Intent]:
    """Monthly, one alert per secretariat member listing every organization with a champion gap."""
    listed = sorted(((org, reason) for org, reason in gaps if org.active), key=lambda g: g[0].acronym)
    if not listed:
        return []
    month = f"{today.year:04d}-{today.month:02d}"
    context = {
        "month": month,
        "today": today,
        "gaps": [
            {
                "organization_id": org.id,
                "organization_acronym": org.acronym,
                "organization_name": org.name,
                "reason": reason,
            }
            for org, reason in listed
        ],
    }
    return [
        Intent(CHAMPION_GAP, f"month:{month}", "monthly", person, None, "/admin/organizations", context)
        for person in _unique(secretariat)
    ]


# Digests ----------------------------------------------------------------------------------------


def digest_release(day: dt.date) -> dt.datetime:
    """When a reminder held for the weekly digest is released: the Monday after `day`, 00:00 UTC."""
    monday = day + days(7 - day.weekday())
    return dt.datetime.combine(monday, dt.time(0, 0), tzinfo=dt.UTC)


def digest_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"
