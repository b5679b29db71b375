"""The peer-review reminders, as pure functions of (facts, local date), like `reminders.rules`.

| rule | when | to |
|---|---|---|
| review due | 7 and 2 days before the round's review due date, review still a draft | the pair's reviewers |
| review overdue | 1 day after the review due date, still a draft | the pair's reviewers |
| review submitted | once, when a review is submitted (also queued at once by the API) | reviewee's focal points and champion |
| reply due | 7 and 2 days before the reply due date, on a submitted review | the reviewee's focal points |
| round progress | on the review due date and on the reply due date | the secretariat |

Keys are deterministic (rule, subject, threshold, recipient) and subjects carry the date they are
about, so moving a due date gives a fresh set. Contexts carry names, dates and counts only, never a
comment or a reply: an email can never carry review text to the wrong person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reminders.rules import Intent, Organization, OrgPeople, Recipient, _latest_passed, _unique, days

REVIEW_DUE = "review_due"
REVIEW_OVERDUE = "review_overdue"
REVIEW_SUBMITTED = "review_submitted"
REPLY_DUE = "reply_due"
REVIEW_ROUND_PROGRESS = "review_round_progress"
REVIEW_RULES = (REVIEW_DUE, REVIEW_OVERDUE, REVIEW_SUBMITTED, REPLY_DUE, REVIEW_ROUND_PROGRESS)
# Workflow emails go at once, even to people who chose the weekly digest (docs/design.md).
WORKFLOW_RULES = frozenset({REVIEW_SUBMITTED})

REVIEW_DUE_DAYS = (7, 2)
REVIEW_OVERDUE_DAYS = 1
REPLY_DUE_DAYS = (7, 2)


@dataclass(frozen=True)
class ReviewFacts:
    """One review of an open round, with the people it concerns."""

    id: int
    round_name: str
    cycle_name: str
    status: str  # draft, submitted
    review_due: dt.date
    reply_due: dt.date
    reviewer: Organization
    reviewee: Organization
    reviewers: tuple[Recipient, ...] = ()
    reviewee_people: OrgPeople = field(default_factory=OrgPeople)
    comments: int = 0


@dataclass(frozen=True)
class RoundFacts:
    id: int
    name: str
    cycle_name: str
    review_due: dt.date
    reply_due: dt.date
    reviews: int
    submitted: int
    replied: int  # submitted reviews with at least one reply


def _context(r: ReviewFacts, today: dt.date) -> dict[str, object]:
    return {
        "round_name": r.round_name,
        "cycle_name": r.cycle_name,
        "reviewer_acronym": r.reviewer.acronym,
        "reviewer_name": r.reviewer.name,
        "organization_acronym": r.reviewee.acronym,
        "organization_name": r.reviewee.name,
        "review_due": r.review_due,
        "reply_due": r.reply_due,
        "comments": r.comments,
        "today": today,
        "days_left": (r.review_due - today).days,
        "days_overdue": (today - r.review_due).days,
        "reply_days_left": (r.reply_due - today).days,
    }


def review_rules(r: ReviewFacts, today: dt.date) -> list[Intent]:
    """Due soon and overdue (reviewers), submitted and reply due (the reviewee's people)."""
    context = _context(r, today)
    link = f"/reviews/{r.id}"
    fired: list[tuple[str, str, str, tuple[Recipient, ...] | list[Recipient], int]] = []
    if r.status == "draft":
        subject = f"review:{r.id}@{r.review_due.isoformat()}"
        if today <= r.review_due:
            soon = _latest_passed([(r.review_due - days(n), str(n)) for n in REVIEW_DUE_DAYS], today)
            if soon:
                fired.append((REVIEW_DUE, subject, soon, r.reviewers, r.reviewer.id))
        if today >= r.review_due + days(REVIEW_OVERDUE_DAYS):
            fired.append((REVIEW_OVERDUE, subject, str(REVIEW_OVERDUE_DAYS), r.reviewers, r.reviewer.id))
    elif r.status == "submitted":
        people = r.reviewee_people
        fired.append(
            (
                REVIEW_SUBMITTED,
                f"review:{r.id}",
                "submitted",
                _unique([*people.focal_points, *people.champions]),
                r.reviewee.id,
            )
        )
        if today <= r.reply_due:
            soon = _latest_passed([(r.reply_due - days(n), str(n)) for n in REPLY_DUE_DAYS], today)
            if soon:
                subject = f"review:{r.id}@{r.reply_due.isoformat()}"
                fired.append((REPLY_DUE, subject, soon, people.focal_points, r.reviewee.id))
    return [
        Intent(rule, subject, threshold, person, org_id, link, context)
        for rule, subject, threshold, recipients, org_id in fired
        for person in _unique(recipients)
    ]


def round_progress_rules(round_: RoundFacts, secretariat: list[Recipient], today: dt.date) -> list[Intent]:
    """On the review due date and the reply due date: how many reviewed, how many replied."""
    thresholds = [(round_.review_due, "review_due"), (round_.reply_due, "reply_due")]
    passed = _latest_passed(thresholds, today)
    if passed is None or today > round_.reply_due + days(REVIEW_OVERDUE_DAYS):
        return []
    context = {
        "round_name": round_.name,
        "cycle_name": round_.cycle_name,
        "reviews": round_.reviews,
        "submitted": round_.submitted,
        "replied": round_.replied,
        "review_due": round_.review_due,
        "reply_due": round_.reply_due,
        "stage": passed,
        "today": today,
    }
    subject = f"round:{round_.id}@{round_.review_due.isoformat()}/{round_.reply_due.isoformat()}"
    return [
        Intent(REVIEW_ROUND_PROGRESS, subject, passed, person, None, "/admin/review-rounds", context)
        for person in _unique(secretariat)
    ]
